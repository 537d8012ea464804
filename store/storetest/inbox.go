package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// testConversationFilters checks every filter of the Conversations view
// (004 "Filters") alone and combined, against the same rule written in
// Go, walking each by keyset pages: newest activity first, no page
// overlaps or skips a row.
func testConversationFilters(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := mustSite(t, s, f.tenant.ID)
	all := []*hub.Conversation{f.conv}
	votes := [][2]int{{0, 0}, {2, 0}, {0, 1}, {1, 3}, {0, 0}, {5, 0}}
	for i := range 47 {
		site := f.site
		if i%3 == 0 {
			site = other
		}
		// Ties on the time are broken by id: i/2 repeats every time once.
		c := mustConversation(t, s, mustVisitor(t, s, site), at(60*(i/2)+1))
		c.FeedbackUp, c.FeedbackDown = votes[i%len(votes)][0], votes[i%len(votes)][1]
		// Every fifth has a ticket; every tenth got it through the
		// downvote flow (escalated), and one more is escalated whose
		// ticket a later one replaced (the store keeps what it is given).
		if i%5 == 0 {
			c.TicketID = mustTicket(t, s, f.tenant.ID, "Escalated").ID
			c.Escalated = i%10 == 0 || i == 15
		}
		if i%4 == 0 {
			c.Status = hub.ConversationResolved
		}
		must(t, s.UpdateConversation(ctx, c))
		all = append(all, c)
	}
	// Another tenant's conversation matches every filter but the tenant.
	g := newFixture(t, s)
	g.conv.FeedbackUp, g.conv.FeedbackDown, g.conv.TicketID = 1, 1, mustTicket(t, s, g.tenant.ID, "x").ID
	g.conv.Escalated = true
	must(t, s.UpdateConversation(ctx, g.conv))

	yes, no := true, false
	tests := []struct {
		name   string
		filter hub.ConversationFilter
		keep   func(*hub.Conversation) bool
	}{
		{"all", hub.ConversationFilter{}, func(*hub.Conversation) bool { return true }},
		{"site", hub.ConversationFilter{SiteID: other.ID}, func(c *hub.Conversation) bool { return c.SiteID == other.ID }},
		{"status", hub.ConversationFilter{Status: hub.ConversationResolved}, func(c *hub.Conversation) bool { return c.Status == hub.ConversationResolved }},
		{"since", hub.ConversationFilter{Since: at(600)}, func(c *hub.Conversation) bool { return !c.LastMessageAt.Before(utc(at(600))) }},
		{"until", hub.ConversationFilter{Until: at(601)}, func(c *hub.Conversation) bool { return c.LastMessageAt.Before(utc(at(601))) }},
		{"range", hub.ConversationFilter{Since: at(300), Until: at(900)}, func(c *hub.Conversation) bool {
			return !c.LastMessageAt.Before(utc(at(300))) && c.LastMessageAt.Before(utc(at(900)))
		}},
		{"feedback either", hub.ConversationFilter{Feedback: hub.FeedbackEither}, func(c *hub.Conversation) bool { return c.FeedbackUp > 0 || c.FeedbackDown > 0 }},
		{"feedback up", hub.ConversationFilter{Feedback: hub.FeedbackUpOnly}, func(c *hub.Conversation) bool { return c.FeedbackUp > 0 && c.FeedbackDown == 0 }},
		{"feedback down", hub.ConversationFilter{Feedback: hub.FeedbackDownOnly}, func(c *hub.Conversation) bool { return c.FeedbackDown > 0 && c.FeedbackUp == 0 }},
		{"feedback both", hub.ConversationFilter{Feedback: hub.FeedbackBoth}, func(c *hub.Conversation) bool { return c.FeedbackUp > 0 && c.FeedbackDown > 0 }},
		{"feedback none", hub.ConversationFilter{Feedback: hub.FeedbackNeither}, func(c *hub.Conversation) bool { return c.FeedbackUp == 0 && c.FeedbackDown == 0 }},
		{"escalated", hub.ConversationFilter{Escalated: &yes}, func(c *hub.Conversation) bool { return c.Escalated }},
		{"not escalated", hub.ConversationFilter{Escalated: &no}, func(c *hub.Conversation) bool { return !c.Escalated }},
		{"has ticket", hub.ConversationFilter{HasTicket: &yes}, func(c *hub.Conversation) bool { return c.TicketID != 0 }},
		{"no ticket", hub.ConversationFilter{HasTicket: &no}, func(c *hub.Conversation) bool { return c.TicketID == 0 }},
		{"ticket, not escalated", hub.ConversationFilter{HasTicket: &yes, Escalated: &no}, func(c *hub.Conversation) bool {
			return c.TicketID != 0 && !c.Escalated
		}},
		{"combined", hub.ConversationFilter{SiteID: f.site.ID, Feedback: hub.FeedbackEither, HasTicket: &no, Since: at(120)},
			func(c *hub.Conversation) bool {
				return c.SiteID == f.site.ID && (c.FeedbackUp > 0 || c.FeedbackDown > 0) && c.TicketID == 0 &&
					!c.LastMessageAt.Before(utc(at(120)))
			}},
		{"combined escalated", hub.ConversationFilter{Feedback: hub.FeedbackDownOnly, Escalated: &yes},
			func(c *hub.Conversation) bool { return c.Escalated && c.FeedbackDown > 0 && c.FeedbackUp == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			sorted := slices.Clone(all)
			slices.SortFunc(sorted, func(a, b *hub.Conversation) int {
				if c := b.LastMessageAt.Compare(a.LastMessageAt); c != 0 {
					return c
				}
				return int(b.ID - a.ID)
			})
			for _, c := range sorted {
				if tt.keep(c) {
					want = append(want, c.ID)
				}
			}
			if len(want) == 0 {
				t.Fatalf("the fixture has no conversation for %s", tt.name)
			}
			var got []int64
			filter := tt.filter
			filter.TenantID, filter.Limit = f.tenant.ID, 4
			for page := 0; ; page++ {
				if page > len(all) {
					t.Fatal("pagination does not end")
				}
				list, err := s.FindConversations(ctx, filter)
				must(t, err)
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
}

// testTicketActivity checks what a ticket shows of its conversation: the
// later of its own change and the last message; a ticket without a
// conversation shows its own change. (A member's unread count is not the
// store's to derive: storetest Unread.)
func testTicketActivity(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	tk := mustTicket(t, s, f.tenant.ID, "Help") // updated at t0
	lone := mustTicket(t, s, f.tenant.ID, "No chat")
	tk.ConversationID = f.conv.ID
	must(t, s.UpdateTicket(ctx, tk))
	f.conv.TicketID, f.conv.LastMessageAt = tk.ID, at(90)
	must(t, s.UpdateConversation(ctx, f.conv))

	check := func(what string, got *hub.Ticket, last time.Time) {
		t.Helper()
		if got.Unread != nil || !got.LastActivityAt.Equal(utc(last)) || got.LastActivityAt.Location() != time.UTC {
			t.Fatalf("%s: unread %v, last activity %v; want none, %v (UTC)", what, got.Unread, got.LastActivityAt, utc(last))
		}
	}
	got, err := s.FindTicketByID(ctx, tk.ID)
	must(t, err)
	check("ticket whose conversation moved last", got, at(90))
	got, err = s.FindTicketByID(ctx, lone.ID)
	must(t, err)
	check("ticket without a conversation", got, t0)

	tk.UpdatedAt = at(200)
	must(t, s.UpdateTicket(ctx, tk))
	list, err := s.FindTickets(ctx, hub.TicketFilter{TenantID: f.tenant.ID})
	must(t, err)
	wantEqual(t, "tickets", ids(list, func(t *hub.Ticket) int64 { return t.ID }), []int64{lone.ID, tk.ID})
	check("listed ticket changed after its last message", list[1], at(200))
	check("listed ticket without a conversation", list[0], t0)
}

// testVisitorsByIDs checks the batch read behind the identity cards.
func testVisitorsByIDs(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	second := mustVisitor(t, s, f.site)
	second.Email, second.Name, second.Country, second.Device = "ann@example.test", "Ann", "DE", "Firefox"
	second.Traits, second.CurrentPage = []byte(`{"plan":"pro"}`), "https://shop.test/cart"
	must(t, s.UpdateVisitor(ctx, second))
	got, err := s.FindVisitorsByIDs(ctx, []int64{second.ID, f.visitor.ID, second.ID + 1000})
	must(t, err)
	slices.SortFunc(got, func(a, b *hub.Visitor) int { return int(a.ID - b.ID) })
	if len(got) != 2 || got[0].ID != f.visitor.ID || got[1].ID != second.ID {
		t.Fatalf("FindVisitorsByIDs: %+v", got)
	}
	if g := got[1]; g.Email != "ann@example.test" || g.Name != "Ann" || g.Country != "DE" || g.Device != "Firefox" ||
		!jsonEqual(g.Traits, second.Traits) || g.CurrentPage != second.CurrentPage || !g.FirstSeen.Equal(utc(t0)) {
		t.Fatalf("identity card: %+v", g)
	}
	got, err = s.FindVisitorsByIDs(ctx, nil)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("FindVisitorsByIDs(nil) = %#v, want an empty slice", got)
	}
}

// testCannedResponses checks the canned responses' store: by title then
// id, per tenant, ENotFound for what is missing.
func testCannedResponses(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	mk := func(tenantID int64, title string) *hub.CannedResponse {
		t.Helper()
		c := &hub.CannedResponse{TenantID: tenantID, Title: title, Body: "Body of " + title, CreatedBy: 7, CreatedAt: t0, UpdatedAt: t0}
		must(t, s.CreateCannedResponse(ctx, c))
		if c.ID == 0 || !c.CreatedAt.Equal(utc(t0)) || c.CreatedAt.Location() != time.UTC {
			t.Fatalf("after CreateCannedResponse: %+v", c)
		}
		return c
	}
	refund := mk(tn.ID, "Refund")
	greeting := mk(tn.ID, "Greeting")
	greeting2 := mk(tn.ID, "Greeting")
	mk(mustTenant(t, s).ID, "Another tenant")

	got, err := s.FindCannedResponseByID(ctx, refund.ID)
	must(t, err)
	wantEqual(t, "FindCannedResponseByID", got, refund)
	_, err = s.FindCannedResponseByID(ctx, refund.ID+1000)
	wantCode(t, err, hub.ENotFound)

	list, err := s.FindCannedResponses(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "by title, then id", ids(list, func(c *hub.CannedResponse) int64 { return c.ID }),
		[]int64{greeting.ID, greeting2.ID, refund.ID})
	list, err = s.FindCannedResponses(ctx, tn.ID+1000)
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("no canned responses: %#v, want an empty slice", list)
	}

	refund.Title, refund.Body, refund.UpdatedAt = "A refund", "We refund within 5 days.", at(30)
	refund.CreatedBy, refund.CreatedAt = 99, at(99) // not written
	must(t, s.UpdateCannedResponse(ctx, refund))
	got, err = s.FindCannedResponseByID(ctx, refund.ID)
	must(t, err)
	want := *refund
	want.CreatedBy, want.CreatedAt = 7, utc(t0)
	wantEqual(t, "after UpdateCannedResponse", got, &want)
	missing := *refund
	missing.ID += 1000
	wantCode(t, s.UpdateCannedResponse(ctx, &missing), hub.ENotFound)

	must(t, s.DeleteCannedResponse(ctx, greeting.ID))
	wantCode(t, s.DeleteCannedResponse(ctx, greeting.ID), hub.ENotFound)
	_, err = s.FindCannedResponseByID(ctx, greeting.ID)
	wantCode(t, err, hub.ENotFound)
	list, err = s.FindCannedResponses(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "after a delete", len(list), 2)
}
