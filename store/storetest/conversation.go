package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func testConversations(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	c := f.conv
	if c.ID == 0 || c.Version != 1 || c.LastSeq != 0 {
		t.Fatalf("after CreateConversation: ID %d, Version %d, LastSeq %d; want an ID, 1, 0", c.ID, c.Version, c.LastSeq)
	}
	got, err := s.FindConversationByID(ctx, c.ID)
	must(t, err)
	wantEqual(t, "FindConversationByID", got, c)
	_, err = s.FindConversationByID(ctx, c.ID+1000)
	wantCode(t, err, hub.ENotFound)

	got, err = s.FindConversationByVisitor(ctx, f.visitor.ID)
	must(t, err)
	wantEqual(t, "FindConversationByVisitor", got, c)
	newer := mustConversation(t, s, f.visitor, at(-100))
	got, err = s.FindConversationByVisitor(ctx, f.visitor.ID)
	must(t, err)
	wantEqual(t, "FindConversationByVisitor after a second conversation", got.ID, newer.ID)
	_, err = s.FindConversationByVisitor(ctx, mustVisitor(t, s, f.site).ID)
	wantCode(t, err, hub.ENotFound)

	// UpdateConversation writes every field but ID, TenantID, SiteID,
	// VisitorID, LastSeq and CreatedAt.
	ticket := mustTicket(t, s, f.tenant.ID, "Help")
	c.Owner, c.Status, c.AssigneeID, c.TicketID = hub.OwnerHuman, hub.ConversationResolved, f.member.ID, ticket.ID
	c.AgentReadSeq, c.VisitorReadSeq, c.UnreadByAgents, c.UnreadByVisitor = 7, 8, 9, 10
	c.Handoff, c.HandoffReason, c.ContextSeq, c.VisitorSeq, c.AssistantSeq = hub.HandoffAwaitingEmail, "refund request", 3, 12, 11
	c.EscalationSubject, c.EscalationSummary = "Возврат заказа", "Visitor asked: refund\nDetected: refund"
	c.FeedbackUp, c.FeedbackDown, c.Escalated = 4, 2, true
	c.LastMessageAt, c.UpdatedAt = at(50), at(51)
	c.LastSeq = 99 // owned by CreateMessage: must not be written
	must(t, s.UpdateConversation(ctx, c))
	wantEqual(t, "Version after UpdateConversation", c.Version, int64(2))
	got, err = s.FindConversationByID(ctx, c.ID)
	must(t, err)
	want := *c
	want.LastSeq = 0
	wantEqual(t, "conversation after UpdateConversation", got, &want)

	// Zero ids are stored as "none".
	c.AssigneeID, c.TicketID = 0, 0
	must(t, s.UpdateConversation(ctx, c))
	got, err = s.FindConversationByID(ctx, c.ID)
	must(t, err)
	if got.AssigneeID != 0 || got.TicketID != 0 {
		t.Fatalf("assignee %d, ticket %d after clearing them; want 0, 0", got.AssigneeID, got.TicketID)
	}
}

// testConversationVersions checks optimistic locking: a write with a stale
// version is EConflict and changes nothing.
func testConversationVersions(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	a, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	b, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)

	a.Status = hub.ConversationResolved
	must(t, s.UpdateConversation(ctx, a))
	b.Owner = hub.OwnerHuman
	wantCode(t, s.UpdateConversation(ctx, b), hub.EConflict)
	wantEqual(t, "Version after a stale update", b.Version, int64(1))

	got, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	if got.Owner != hub.OwnerAssistant || got.Status != hub.ConversationResolved || got.Version != 2 {
		t.Fatalf("after a stale update: owner %s, status %s, version %d; want assistant, resolved, 2",
			got.Owner, got.Status, got.Version)
	}

	missing := *a
	missing.ID += 1000
	wantCode(t, s.UpdateConversation(ctx, &missing), hub.ENotFound)
}

// testConversationPages walks FindConversations page by page: pages hold
// the newest activity first, never overlap and never skip a row, also when
// several conversations share a LastMessageAt.
func testConversationPages(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := mustSite(t, s, f.tenant.ID)
	all := []*hub.Conversation{f.conv}
	for i, sec := range []int{5, 3, 3, 3, 9, -2, 3, 7, 1} {
		site := f.site
		if i%3 == 0 {
			site = other
		}
		c := mustConversation(t, s, mustVisitor(t, s, site), at(sec))
		if i%2 == 0 {
			c.Status = hub.ConversationResolved
		}
		if i%4 == 1 {
			c.AssigneeID = f.member.ID
		}
		must(t, s.UpdateConversation(ctx, c))
		all = append(all, c)
	}
	mustConversation(t, s, mustVisitor(t, s, mustSite(t, s, mustTenant(t, s).ID)), at(4)) // another tenant

	newestFirst := func(a, b *hub.Conversation) int {
		return cmp.Or(b.LastMessageAt.Compare(a.LastMessageAt), cmp.Compare(b.ID, a.ID))
	}
	slices.SortFunc(all, newestFirst)

	tests := []struct {
		name   string
		filter hub.ConversationFilter
		keep   func(c *hub.Conversation) bool
	}{
		{"tenant", hub.ConversationFilter{}, func(*hub.Conversation) bool { return true }},
		{"site", hub.ConversationFilter{SiteID: f.site.ID}, func(c *hub.Conversation) bool { return c.SiteID == f.site.ID }},
		{"status", hub.ConversationFilter{Status: hub.ConversationOpen},
			func(c *hub.Conversation) bool { return c.Status == hub.ConversationOpen }},
		{"site and status", hub.ConversationFilter{SiteID: other.ID, Status: hub.ConversationResolved},
			func(c *hub.Conversation) bool { return c.SiteID == other.ID && c.Status == hub.ConversationResolved }},
		{"assignee", hub.ConversationFilter{AssigneeID: f.member.ID}, func(c *hub.Conversation) bool { return c.AssigneeID == f.member.ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, c := range all {
				if tt.keep(c) {
					want = append(want, c.ID)
				}
			}
			var got []int64
			filter := tt.filter
			filter.TenantID, filter.Limit = f.tenant.ID, 3
			for page := 0; ; page++ {
				if page > len(all) {
					t.Fatal("pagination does not end")
				}
				list, err := s.FindConversations(ctx, filter)
				must(t, err)
				if len(list) > 3 {
					t.Fatalf("page of %d rows, limit 3", len(list))
				}
				if len(list) == 0 {
					break
				}
				got = append(got, ids(list, func(c *hub.Conversation) int64 { return c.ID })...)
				last := list[len(list)-1]
				filter.BeforeTime, filter.BeforeID = last.LastMessageAt, last.ID
			}
			wantEqual(t, "conversation ids over all pages", got, want)
		})
	}

	list, err := s.FindConversations(ctx, hub.ConversationFilter{TenantID: f.tenant.ID})
	must(t, err)
	wantEqual(t, "first page with the default limit", len(list), len(all))
	if !list[0].LastMessageAt.Equal(all[0].LastMessageAt) || list[0].LastMessageAt.Location() != time.UTC {
		t.Fatalf("newest LastMessageAt = %v, want %v in UTC", list[0].LastMessageAt, all[0].LastMessageAt)
	}
}

// testPendingAssistant: conversations whose newest visitor message the
// assistant has not handled, in a state where it acts, idle long enough.
func testPendingAssistant(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	if f.conv.Handoff != hub.HandoffAssistant {
		t.Fatalf("a new conversation's hand-off state is %q, want assistant", f.conv.Handoff)
	}
	set := func(c *hub.Conversation, state hub.HandoffState, visitorSeq, assistantSeq int64, last time.Time) *hub.Conversation {
		c.Handoff, c.VisitorSeq, c.AssistantSeq, c.LastMessageAt = state, visitorSeq, assistantSeq, last
		must(t, s.UpdateConversation(ctx, c))
		return c
	}
	pending := set(f.conv, hub.HandoffAssistant, 2, 1, at(10))
	awaiting := set(mustConversation(t, s, f.visitor, t0), hub.HandoffAwaitingEmail, 5, 3, at(5))
	set(mustConversation(t, s, f.visitor, t0), hub.HandoffAssistant, 2, 2, at(1))  // handled
	set(mustConversation(t, s, f.visitor, t0), hub.HandoffHuman, 4, 1, at(1))      // a human owns it
	set(mustConversation(t, s, f.visitor, t0), hub.HandoffTicketOpen, 4, 1, at(1)) // waits for the team
	set(mustConversation(t, s, f.visitor, t0), hub.HandoffAssistant, 9, 1, at(30)) // too recent

	got, err := s.FindPendingAssistantConversations(ctx, at(20), 10)
	must(t, err)
	var ids []int64
	for _, c := range got {
		if c.TenantID == f.tenant.ID {
			ids = append(ids, c.ID)
		}
	}
	wantEqual(t, "pending conversations, oldest activity first", ids, []int64{awaiting.ID, pending.ID})
}
