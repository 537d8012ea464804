package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testTickets(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	tk := &hub.Ticket{TenantID: f.tenant.ID, SiteID: f.site.ID, Number: 1, Subject: "Refund request",
		RequesterEmail: "ann@example.test", Status: hub.TicketOpen, Priority: hub.PriorityHigh, AssigneeID: f.member.ID,
		Source: hub.SourceAssistant, ConversationID: f.conv.ID, CreatedAt: t0, UpdatedAt: at(1)}
	must(t, s.CreateTicket(ctx, tk))
	if tk.ID == 0 || tk.Version != 1 {
		t.Fatalf("after CreateTicket: ID %d, Version %d; want an ID and 1", tk.ID, tk.Version)
	}
	// Derived from the conversation (last message at(0)): the later of
	// the two times.
	tk.LastActivityAt = utc(at(1))
	got, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "FindTicketByID", got, tk)
	_, err = s.FindTicketByID(ctx, tk.ID+1000)
	wantCode(t, err, hub.ENotFound)

	dup := &hub.Ticket{TenantID: f.tenant.ID, Number: 1, Subject: "Other", Status: hub.TicketOpen,
		Priority: hub.PriorityNormal, Source: hub.SourceAgent, CreatedAt: t0, UpdatedAt: t0}
	wantCode(t, s.CreateTicket(ctx, dup), hub.EConflict)
	dup.TenantID = mustTenant(t, s).ID // numbers are per tenant
	must(t, s.CreateTicket(ctx, dup))

	// UpdateTicket writes every field but ID, TenantID, Number and CreatedAt.
	resolved := at(60)
	other := mustMember(t, s, f.tenant.ID)
	tk.SiteID, tk.Subject, tk.RequesterEmail, tk.Status = 0, "Refund received", "bob@example.test", hub.TicketResolved
	tk.Priority, tk.AssigneeID, tk.Source, tk.ConversationID = hub.PriorityLow, 0, hub.SourceWidget, 0
	tk.ResolvedAt, tk.ResolvedBy, tk.UpdatedAt = &resolved, other.ID, at(61)
	must(t, s.UpdateTicket(ctx, tk))
	tk.LastActivityAt = utc(at(61)) // no conversation any more
	wantEqual(t, "Version after UpdateTicket", tk.Version, int64(2))
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "ticket after UpdateTicket", got, tk)

	tk.ResolvedAt, tk.ResolvedBy, tk.Status = nil, 0, hub.TicketOpen
	must(t, s.UpdateTicket(ctx, tk))
	got, err = s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	wantEqual(t, "ticket after reopening", got, tk)
}

// testTicketVersions checks optimistic locking of tickets.
func testTicketVersions(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	tk := mustTicket(t, s, tn.ID, "Help")
	a, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	b, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	a.Status = hub.TicketInProgress
	must(t, s.UpdateTicket(ctx, a))
	b.Priority = hub.PriorityUrgent
	wantCode(t, s.UpdateTicket(ctx, b), hub.EConflict)
	wantEqual(t, "Version after a stale update", b.Version, int64(1))
	got, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	if got.Priority != hub.PriorityNormal || got.Status != hub.TicketInProgress || got.Version != 2 {
		t.Fatalf("after a stale update: priority %s, status %s, version %d; want normal, in_progress, 2",
			got.Priority, got.Status, got.Version)
	}
	missing := *a
	missing.ID += 1000
	wantCode(t, s.UpdateTicket(ctx, &missing), hub.ENotFound)
}

// testTicketPages walks FindTickets by keyset with filters: newest first,
// pages never overlap or skip.
func testTicketPages(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	agent := mustMember(t, s, tn.ID)
	statuses := []hub.TicketStatus{hub.TicketOpen, hub.TicketInProgress, hub.TicketOnCustomer, hub.TicketResolved, hub.TicketClosed}
	var all []*hub.Ticket
	for i := range 60 {
		tk := mustTicket(t, s, tn.ID, "Ticket")
		tk.Status = statuses[i%len(statuses)]
		if i%4 == 0 {
			tk.AssigneeID = agent.ID
		}
		must(t, s.UpdateTicket(ctx, tk))
		all = append(all, tk)
	}
	other := mustTicket(t, s, mustTenant(t, s).ID, "Ticket") // another tenant
	picked := map[int64]bool{}
	for i := 3; i < len(all); i += 7 {
		picked[all[i].ID] = true
	}
	pickedIDs := []int64{other.ID}
	for id := range picked {
		pickedIDs = append(pickedIDs, id)
	}

	tests := []struct {
		name   string
		filter hub.TicketFilter
		keep   func(*hub.Ticket) bool
	}{
		{"all", hub.TicketFilter{}, func(*hub.Ticket) bool { return true }},
		{"active", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketOpen, hub.TicketInProgress, hub.TicketOnCustomer}},
			func(tk *hub.Ticket) bool { return tk.Status.Active() }},
		{"closed", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketClosed}},
			func(tk *hub.Ticket) bool { return tk.Status == hub.TicketClosed }},
		{"assignee", hub.TicketFilter{AssigneeID: agent.ID}, func(tk *hub.Ticket) bool { return tk.AssigneeID == agent.ID }},
		{"assignee and status", hub.TicketFilter{AssigneeID: agent.ID, Statuses: []hub.TicketStatus{hub.TicketOpen}},
			func(tk *hub.Ticket) bool { return tk.AssigneeID == agent.ID && tk.Status == hub.TicketOpen }},
		{"ids (one of another tenant)", hub.TicketFilter{IDs: pickedIDs}, func(tk *hub.Ticket) bool { return picked[tk.ID] }},
		{"ids and status", hub.TicketFilter{IDs: pickedIDs, Statuses: []hub.TicketStatus{hub.TicketOpen}},
			func(tk *hub.Ticket) bool { return picked[tk.ID] && tk.Status == hub.TicketOpen }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for i := len(all) - 1; i >= 0; i-- {
				if tt.keep(all[i]) {
					want = append(want, all[i].ID)
				}
			}
			var got []int64
			filter := tt.filter
			filter.TenantID, filter.Limit = tn.ID, 7
			for page := 0; ; page++ {
				if page > len(all) {
					t.Fatal("pagination does not end")
				}
				list, err := s.FindTickets(ctx, filter)
				must(t, err)
				if len(list) > 7 {
					t.Fatalf("page of %d rows, limit 7", len(list))
				}
				if len(list) == 0 {
					break
				}
				got = append(got, ids(list, func(tk *hub.Ticket) int64 { return tk.ID })...)
				filter.BeforeID = list[len(list)-1].ID
			}
			wantEqual(t, "ticket ids over all pages", got, want)
		})
	}

	list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID})
	must(t, err)
	wantEqual(t, "rows with the default limit", len(list), 50)
	wantEqual(t, "newest ticket", list[0], all[len(all)-1])
}

// testTicketSearch checks that Query matches words of subjects, the last
// word as a prefix, case-insensitively, and that no input is a syntax error.
func testTicketSearch(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	refund := mustTicket(t, s, tn.ID, "Refund request")
	safari := mustTicket(t, s, tn.ID, "Login fails on Safari (v17.2)")
	late := mustTicket(t, s, tn.ID, "Refund not received: order #4411")
	mustTicket(t, s, tn.ID, "Invoice question")
	mustTicket(t, s, mustTenant(t, s).ID, "Refund request") // another tenant

	tests := []struct {
		query string
		want  []*hub.Ticket
	}{
		{"refund", []*hub.Ticket{late, refund}},
		{"Refu", []*hub.Ticket{late, refund}},
		{"REFUND request", []*hub.Ticket{refund}},
		{"request refund", []*hub.Ticket{refund}},
		{"safari login", []*hub.Ticket{safari}},
		{"4411", []*hub.Ticket{late}},
		{"v17", []*hub.Ticket{safari}},
		{"  order #44  ", []*hub.Ticket{late}},
		{"fund", nil},
		{"refundx", nil},
		{"password", nil},
		{`foo' OR 1=1 --`, nil},
		{`refund" OR "x`, nil},
		{`"refund`, []*hub.Ticket{late, refund}},
		{`refund*`, []*hub.Ticket{late, refund}},
		{`(refund) AND NOT`, nil},
		{`NEAR(refund request)`, nil},
		{`subject:refund`, nil},
		{`'; DROP TABLE tickets; --`, nil},
		{`!!! ---`, nil},
		{`\`, nil},
		{`%_`, nil},
		{`^refund`, []*hub.Ticket{late, refund}},
		{`-refund`, []*hub.Ticket{late, refund}},
		{`refund & !request | <-> :*`, []*hub.Ticket{refund}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: tt.query})
			if err != nil {
				t.Fatalf("FindTickets(%q): %v", tt.query, err)
			}
			wantEqual(t, "ticket ids", ids(list, func(tk *hub.Ticket) int64 { return tk.ID }),
				ids(tt.want, func(tk *hub.Ticket) int64 { return tk.ID }))
		})
	}

	// With ids: which of these tickets the search finds (a list checking
	// the tickets that changed live). "fund" is inside "Refund" but no
	// word starts with it.
	for _, tt := range []struct {
		query string
		ids   []int64
		want  []*hub.Ticket
	}{
		{"refund", []int64{refund.ID, safari.ID}, []*hub.Ticket{refund}},
		{"fund", []int64{refund.ID, late.ID}, nil},
		{"", []int64{safari.ID, late.ID}, []*hub.Ticket{late, safari}},
	} {
		list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: tt.query, IDs: tt.ids})
		must(t, err)
		wantEqual(t, "ticket ids of "+tt.query+" among ids", ids(list, func(tk *hub.Ticket) int64 { return tk.ID }),
			ids(tt.want, func(tk *hub.Ticket) int64 { return tk.ID }))
	}

	// The index follows subject changes.
	refund.Subject = "Password reset"
	must(t, s.UpdateTicket(ctx, refund))
	list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: "password"})
	must(t, err)
	wantEqual(t, "search after a subject change", ids(list, func(tk *hub.Ticket) int64 { return tk.ID }), []int64{refund.ID})
	list, err = s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: "request"})
	must(t, err)
	wantEqual(t, "search for the old subject", len(list), 0)

	// Search combines with the other filters.
	list, err = s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: "refund", BeforeID: late.ID})
	must(t, err)
	wantEqual(t, "search before the newest match", len(list), 0)
	list, err = s.FindTickets(ctx, hub.TicketFilter{TenantID: tn.ID, Query: "refund", Statuses: []hub.TicketStatus{hub.TicketClosed}})
	must(t, err)
	wantEqual(t, "search among closed tickets", len(list), 0)
}
