package storetest

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// The support section (hub/support.go): the platform tenant, support
// access, and the support fields and lists of tickets.

// testPlatformTenant checks that there is at most one platform tenant and
// that FindPlatformTenant finds it.
func testPlatformTenant(t *testing.T, s hub.Store) {
	ctx := t.Context()
	_, err := s.FindPlatformTenant(ctx)
	wantCode(t, err, hub.ENotFound)
	mustTenant(t, s) // not the platform

	_, err = s.FindPlatformTenant(ctx)
	wantCode(t, err, hub.ENotFound)
	p := &hub.Tenant{Name: "Parley", Plan: hub.PlanPro, Platform: true, CreatedAt: t0}
	must(t, s.CreateTenant(ctx, p))
	got, err := s.FindPlatformTenant(ctx)
	must(t, err)
	wantEqual(t, "FindPlatformTenant", got, p)
	got, err = s.FindTenantByID(ctx, p.ID)
	must(t, err)
	wantEqual(t, "FindTenantByID of the platform", got, p)

	second := &hub.Tenant{Name: "Parley 2", Plan: hub.PlanPro, Platform: true, CreatedAt: t0}
	wantCode(t, s.CreateTenant(ctx, second), hub.EConflict)
	// In a transaction too: the conflict is the index's, not a check
	// that another transaction could race past.
	err = s.Tx(ctx, func(q hub.Queries) error { return q.CreateTenant(ctx, second) })
	wantCode(t, err, hub.EConflict)
	mustTenant(t, s) // the index keeps only the platform unique
	got, err = s.FindPlatformTenant(ctx)
	must(t, err)
	wantEqual(t, "FindPlatformTenant after a second one was refused", got, p)
	n, err := s.CountTenants(ctx)
	must(t, err)
	wantEqual(t, "CountTenants", n, 3)

	// Members read with the derived Staff: the platform's members only.
	staff, other := mustMember(t, s, p.ID), mustMember(t, s, mustTenant(t, s).ID)
	for _, m := range []*hub.Member{staff, other} {
		byID, err := s.FindMemberByID(ctx, m.ID)
		must(t, err)
		byEmail, err := s.FindMemberByEmail(ctx, m.Email)
		must(t, err)
		list, err := s.FindMembers(ctx, m.TenantID)
		must(t, err)
		want := m == staff
		if byID.Staff != want || byEmail.Staff != want || len(list) != 1 || list[0].Staff != want {
			t.Errorf("member of tenant %d: Staff %v, %v, %v; want %v", m.TenantID, byID.Staff, byEmail.Staff, list, want)
		}
	}
}

// testSupportAccess checks that tenants keep their support access and
// that FindTenantsWithSupportAccess agrees with hub.SupportAccess.OpenAt.
func testSupportAccess(t *testing.T, s hub.Store) {
	ctx := t.Context()
	now := at(3600)
	list, err := s.FindTenantsWithSupportAccess(ctx, now)
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("FindTenantsWithSupportAccess of a store without access = %#v, want an empty slice", list)
	}

	// Written by CreateTenant, normalized like every time.
	until := now.Add(90*time.Minute + 5*time.Nanosecond).In(time.FixedZone("EST", -5*3600))
	acme := &hub.Tenant{Name: "Acme", Plan: hub.PlanStandard, SupportAccess: hub.SupportAccess{Open: true, Until: &until},
		CreatedAt: t0}
	must(t, s.CreateTenant(ctx, acme))
	wantEqual(t, "Until after CreateTenant", *acme.SupportAccess.Until, utc(until))
	got, err := s.FindTenantByID(ctx, acme.ID)
	must(t, err)
	wantEqual(t, "tenant with support access", got, acme)

	wantCode(t, s.UpdateSupportAccess(ctx, acme.ID+1000, hub.SupportAccess{Open: true}), hub.ENotFound)

	// Names and ids disagree on the order on purpose; the two "Bolt"s
	// tie on the name.
	ptr := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name   string
		access hub.SupportAccess
		open   bool // at now
	}{
		{"Zeta", hub.SupportAccess{Open: true}, true},
		{"Bolt", hub.SupportAccess{Open: true, Until: ptr(now.Add(time.Microsecond))}, true},
		{"Bolt", hub.SupportAccess{Open: true}, true},
		{"Atlas", hub.SupportAccess{Open: true, Until: ptr(now.Add(-time.Second))}, false},
		{"Argo", hub.SupportAccess{Open: true, Until: ptr(now)}, false}, // ends at now
		{"Able", hub.SupportAccess{Open: false, Until: ptr(now.Add(time.Hour))}, false},
		{"Abba", hub.SupportAccess{}, false},
		{"Bolt", hub.SupportAccess{Open: false}, false},
	}
	var tenants []*hub.Tenant
	for _, tt := range tests {
		if tt.access.OpenAt(now) != tt.open {
			t.Fatalf("test case %s %+v: OpenAt = %v", tt.name, tt.access, !tt.open)
		}
		tn := &hub.Tenant{Name: tt.name, Plan: hub.PlanFree, CreatedAt: t0}
		must(t, s.CreateTenant(ctx, tn))
		must(t, s.UpdateSupportAccess(ctx, tn.ID, tt.access))
		tn.SupportAccess = hub.SupportAccess{Open: tt.access.Open, Until: utcPtr(tt.access.Until)}
		got, err := s.FindTenantByID(ctx, tn.ID)
		must(t, err)
		wantEqual(t, "tenant after UpdateSupportAccess", got, tn)
		tenants = append(tenants, tn)
	}
	zeta, boltUntil, bolt := tenants[0], tenants[1], tenants[2]
	list, err = s.FindTenantsWithSupportAccess(ctx, now)
	must(t, err)
	wantEqual(t, "FindTenantsWithSupportAccess", list, []*hub.Tenant{acme, boltUntil, bolt, zeta})

	// Closing it, and time passing.
	must(t, s.UpdateSupportAccess(ctx, zeta.ID, hub.SupportAccess{}))
	got, err = s.FindTenantByID(ctx, zeta.ID)
	must(t, err)
	wantEqual(t, "support access after closing it", got.SupportAccess, hub.SupportAccess{})
	tenantIDs := func(list []*hub.Tenant) []int64 { return ids(list, func(tn *hub.Tenant) int64 { return tn.ID }) }
	list, err = s.FindTenantsWithSupportAccess(ctx, now.Add(time.Microsecond))
	must(t, err)
	wantEqual(t, "tenants with support access a microsecond later", tenantIDs(list), []int64{acme.ID, bolt.ID})
	list, err = s.FindTenantsWithSupportAccess(ctx, now.Add(24*time.Hour))
	must(t, err)
	wantEqual(t, "tenants with support access a day later", tenantIDs(list), []int64{bolt.ID})
}

// utcPtr is what a store keeps of an optional time.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// testSupportTickets checks that tickets keep their support fields, zero
// or not, and show what their requester has not read.
func testSupportTickets(t *testing.T, s hub.Store) {
	ctx := t.Context()
	p := &hub.Tenant{Name: "Parley", Plan: hub.PlanPro, Platform: true, CreatedAt: t0}
	must(t, s.CreateTenant(ctx, p))
	acme, bolt := mustTenant(t, s), mustTenant(t, s)
	visitor := mustVisitor(t, s, mustSite(t, s, p.ID))
	conv := mustConversation(t, s, visitor, at(0))
	conv.UnreadByAgents, conv.UnreadByVisitor = 2, 3
	must(t, s.UpdateConversation(ctx, conv))
	done := mustTicket(t, s, p.ID, "Earlier request")

	due := at(7200).Add(999 * time.Nanosecond)
	tk := &hub.Ticket{TenantID: p.ID, SiteID: visitor.SiteID, Number: 100, Subject: "Widget does not load",
		RequesterEmail: "owner@acme.test", Status: hub.TicketOpen, Priority: hub.PriorityHigh, Source: hub.SourceAgent,
		ConversationID: conv.ID, Queue: hub.QueueSupport, RequesterTenantID: acme.ID, RequestType: hub.RequestCritical,
		DueAt: &due, FollowsTicketID: done.ID, CreatedAt: t0, UpdatedAt: at(1)}
	must(t, s.CreateTicket(ctx, tk))
	wantEqual(t, "DueAt after CreateTicket", *tk.DueAt, utc(due))
	// Derived from the conversation (the team's count is not the ticket's).
	tk.RequesterUnread, tk.LastActivityAt = 3, utc(at(1))
	got, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "support ticket", got, tk)
	list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: p.ID, RequesterTenantID: acme.ID})
	must(t, err)
	wantEqual(t, "support ticket in FindTickets", list, []*hub.Ticket{tk})

	// The requester reads; the agents' count stays.
	conv.UnreadByVisitor = 0
	must(t, s.UpdateConversation(ctx, conv))
	tk.RequesterUnread = 0
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "support ticket after its requester read", got, tk)

	// UpdateTicket writes the support fields…
	later := at(9000)
	tk.Queue, tk.RequesterTenantID, tk.RequestType, tk.DueAt, tk.FollowsTicketID =
		hub.QueueAIReview, bolt.ID, hub.RequestReview, &later, 0
	tk.ConversationID, tk.RequesterUnread = 0, 0 // …and without a conversation, nothing is unread
	must(t, s.UpdateTicket(ctx, tk))
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "support ticket after UpdateTicket", got, tk)

	// …and clears them.
	tk.Queue, tk.RequesterTenantID, tk.RequestType, tk.DueAt = "", 0, "", nil
	must(t, s.UpdateTicket(ctx, tk))
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "ticket after clearing its support fields", got, tk)
	tk.FollowsTicketID = done.ID
	must(t, s.UpdateTicket(ctx, tk))
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "ticket following another again", got, tk)

	// A ticket created without them reads them as zero.
	plain := mustTicket(t, s, acme.ID, "Plain")
	got, err = s.FindTicketByID(ctx, plain.ID)
	must(t, err)
	wantEqual(t, "ticket without support fields", got, plain)
}

// testSupportTicketFilters checks FindTickets by queue, by requesting
// workspace and by due time, each combined with the other filters.
func testSupportTicketFilters(t *testing.T, s hub.Store) {
	ctx := t.Context()
	p := &hub.Tenant{Name: "Parley", Plan: hub.PlanPro, Platform: true, CreatedAt: t0}
	must(t, s.CreateTenant(ctx, p))
	a, b := mustTenant(t, s), mustTenant(t, s)
	staff := mustMember(t, s, p.ID)

	create := func(tenantID int64, subject, queue string, requester int64, due *time.Time,
		status hub.TicketStatus, assignee int64) *hub.Ticket {
		t.Helper()
		tk := mustTicket(t, s, tenantID, subject)
		tk.Queue, tk.RequesterTenantID, tk.DueAt, tk.Status, tk.AssigneeID = queue, requester, due, status, assignee
		if queue != "" {
			tk.RequestType = hub.RequestQuestion
		}
		must(t, s.UpdateTicket(ctx, tk))
		return tk
	}
	dueAt := func(n int) *time.Time { d := at(n); return &d }
	// Due times disagree with ids on purpose; t1 and t4 tie.
	t1 := create(p.ID, "Refund for order", hub.QueueSupport, a.ID, dueAt(300), hub.TicketOpen, 0)
	t2 := create(p.ID, "Login broken", hub.QueueSupport, b.ID, dueAt(100), hub.TicketOpen, 0)
	t3 := create(p.ID, "Refund twice", hub.QueueAIReview, a.ID, nil, hub.TicketOpen, 0)
	t4 := create(p.ID, "Feature idea", hub.QueueSupport, a.ID, dueAt(300), hub.TicketInProgress, staff.ID)
	t5 := create(p.ID, "Refund old", hub.QueueSupport, b.ID, dueAt(50), hub.TicketResolved, 0)
	t6 := create(p.ID, "No due refund", hub.QueueSupport, a.ID, nil, hub.TicketOpen, staff.ID)
	t7 := create(p.ID, "Refund on the site", "", 0, nil, hub.TicketOpen, 0)
	// Another tenant's tickets never show, however due.
	create(a.ID, "Refund for order", hub.QueueSupport, a.ID, dueAt(1), hub.TicketOpen, 0)
	create(a.ID, "Refund for order", hub.QueueSupport, a.ID, nil, hub.TicketOpen, 0)

	open := []hub.TicketStatus{hub.TicketOpen}
	active := []hub.TicketStatus{hub.TicketOpen, hub.TicketInProgress, hub.TicketOnCustomer}
	tests := []struct {
		name   string
		filter hub.TicketFilter
		want   []*hub.Ticket
	}{
		{"queue", hub.TicketFilter{Queue: hub.QueueSupport}, []*hub.Ticket{t6, t5, t4, t2, t1}},
		{"other queue", hub.TicketFilter{Queue: hub.QueueAIReview}, []*hub.Ticket{t3}},
		{"unknown queue", hub.TicketFilter{Queue: "nope"}, nil},
		{"requester", hub.TicketFilter{RequesterTenantID: a.ID}, []*hub.Ticket{t6, t4, t3, t1}},
		{"requester without tickets", hub.TicketFilter{RequesterTenantID: p.ID}, nil},
		{"requester and queue", hub.TicketFilter{RequesterTenantID: a.ID, Queue: hub.QueueSupport},
			[]*hub.Ticket{t6, t4, t1}},
		{"requester and status", hub.TicketFilter{RequesterTenantID: b.ID, Statuses: open}, []*hub.Ticket{t2}},
		{"requester and query", hub.TicketFilter{RequesterTenantID: a.ID, Query: "refund"}, []*hub.Ticket{t6, t3, t1}},
		{"queue and assignee", hub.TicketFilter{Queue: hub.QueueSupport, AssigneeID: staff.ID}, []*hub.Ticket{t6, t4}},
		{"requester page", hub.TicketFilter{RequesterTenantID: a.ID, BeforeID: t4.ID, Limit: 1}, []*hub.Ticket{t3}},

		// By due time: soonest first, ties by id, none last (by id).
		{"by due", hub.TicketFilter{ByDue: true}, []*hub.Ticket{t5, t2, t1, t4, t3, t6, t7}},
		{"by due, limit", hub.TicketFilter{ByDue: true, Limit: 3}, []*hub.Ticket{t5, t2, t1}},
		{"by due, limit into the ones without", hub.TicketFilter{ByDue: true, Limit: 5},
			[]*hub.Ticket{t5, t2, t1, t4, t3}},
		{"by due, statuses", hub.TicketFilter{ByDue: true, Statuses: active}, []*hub.Ticket{t2, t1, t4, t3, t6, t7}},
		{"by due, one status", hub.TicketFilter{ByDue: true, Statuses: open}, []*hub.Ticket{t2, t1, t3, t6, t7}},
		{"by due, query", hub.TicketFilter{ByDue: true, Query: "refund"}, []*hub.Ticket{t5, t1, t3, t6, t7}},
		{"by due, prefix query", hub.TicketFilter{ByDue: true, Query: "Ref"}, []*hub.Ticket{t5, t1, t3, t6, t7}},
		{"by due, query without words", hub.TicketFilter{ByDue: true, Query: "!!!"}, nil},
		{"by due, query, status and queue",
			hub.TicketFilter{ByDue: true, Query: "refund", Statuses: open, Queue: hub.QueueSupport},
			[]*hub.Ticket{t1, t6}},
		{"by due, requester", hub.TicketFilter{ByDue: true, RequesterTenantID: a.ID}, []*hub.Ticket{t1, t4, t3, t6}},
		{"by due, assignee", hub.TicketFilter{ByDue: true, AssigneeID: staff.ID}, []*hub.Ticket{t4, t6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.filter
			f.TenantID = p.ID
			list, err := s.FindTickets(ctx, f)
			must(t, err)
			if list == nil {
				t.Fatal("FindTickets returned a nil slice")
			}
			wantEqual(t, "ticket ids", ids(list, func(tk *hub.Ticket) int64 { return tk.ID }),
				ids(tt.want, func(tk *hub.Ticket) int64 { return tk.ID }))
			for i, tk := range list {
				wantEqual(t, "listed ticket", tk, tt.want[i])
			}
		})
	}

	// The list by due time has one page.
	_, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: p.ID, ByDue: true, BeforeID: t7.ID})
	wantCode(t, err, hub.EInvalid)
}
