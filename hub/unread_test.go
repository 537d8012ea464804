package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// unreadOf returns the member's badges.
func unreadOf(tb testing.TB, f *fixture, a hub.Actor) hub.UnreadTotals {
	tb.Helper()
	st, err := f.svc.Unread(context.Background(), a)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Totals
}

// convUnread returns the member's count of conversation id, as the
// Conversations view's row shows it.
func convUnread(tb testing.TB, f *fixture, a hub.Actor, id int64) int {
	tb.Helper()
	d, err := f.svc.ConversationDetail(context.Background(), a, id)
	if err != nil {
		tb.Fatal(err)
	}
	return d.Unread
}

// unreadEvents returns the member numbers published, by member id; it
// fails unless each event went to the tenant's inbox topic only.
func unreadEvents(tb testing.TB, f *fixture, ps []published) map[int64][]hub.MemberUnread {
	tb.Helper()
	out := map[int64][]hub.MemberUnread{}
	for _, p := range ps {
		if p.Event.Type != hub.EventMemberUnread {
			continue
		}
		if p.Topic != hub.TopicInbox(p.Event.TenantID) {
			tb.Fatalf("member.unread published to %s", p.Topic)
		}
		var d hub.MemberUnreadData
		if err := json.Unmarshal(p.Event.Data, &d); err != nil {
			tb.Fatal(err)
		}
		for _, mu := range d.Members {
			out[mu.MemberID] = append(out[mu.MemberID], mu)
		}
	}
	return out
}

func totals(convs, tickets, mine int) hub.UnreadTotals {
	return hub.UnreadTotals{Conversations: convs, Tickets: tickets, MyTickets: mine}
}

// TestUnreadPerMember: a visitor's messages are unread for every member;
// one member reading clears them for that member only, with one event on
// the inbox carrying each member's own numbers.
func TestUnreadPerMember(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := t.Context()
	_, bob := addMember(t, f, "bob@acme.test", hub.RoleAgent)

	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"}).ConversationID
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "anyone?"})
	events := unreadEvents(t, f, f.pub.take())
	for _, a := range []hub.Actor{f.ownerA, bob} {
		if got := unreadOf(t, f, a); got != totals(2, 0, 0) {
			t.Fatalf("member %d after two visitor messages: %+v", a.ID, got)
		}
		if got := convUnread(t, f, a, conv); got != 2 {
			t.Fatalf("member %d's row: %d unread, want 2", a.ID, got)
		}
		if es := events[a.ID]; len(es) != 2 || es[1].Count != 2 || es[1].Totals != totals(2, 0, 0) || es[1].Version <= es[0].Version {
			t.Fatalf("member %d's events: %+v", a.ID, es)
		}
	}

	st, err := f.svc.MarkRead(ctx, f.ownerA, conv, 2)
	if err != nil || st.Unread != 0 || *st.Totals != totals(0, 0, 0) {
		t.Fatalf("owner reads: %+v, %v", st, err)
	}
	events = unreadEvents(t, f, f.pub.take())
	if len(events) != 1 || len(events[f.owner.ID]) != 1 || events[f.owner.ID][0].Version != st.Version {
		t.Fatalf("a read published %+v, want the owner's numbers only", events)
	}
	if got := unreadOf(t, f, bob); got != totals(2, 0, 0) || convUnread(t, f, bob, conv) != 2 {
		t.Fatalf("Bob after the owner read: %+v", got)
	}
	list, err := f.svc.ConversationDetails(ctx, bob, hub.ConversationFilter{})
	if err != nil || len(list) != 1 || list[0].Unread != 2 || list[0].UnreadVersion == 0 {
		t.Fatalf("Bob's list: %+v, %v", list, err)
	}
	list, err = f.svc.ConversationDetails(ctx, f.ownerA, hub.ConversationFilter{})
	if err != nil || len(list) != 1 || list[0].Unread != 0 || list[0].UnreadVersion != st.Version {
		t.Fatalf("owner's list: %+v, %v", list, err)
	}
	// The visitor's own count is theirs alone, as before.
	if c := mustConversation(t, f.svc, f.visitor, conv); c.UnreadByVisitor != 0 {
		t.Fatalf("the visitor's count: %d", c.UnreadByVisitor)
	}
}

// TestUnreadOwnReply: a member's reply reads the conversation for that
// member only; a note reads nothing, and counts for nobody.
func TestUnreadOwnReply(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	_, bob := addMember(t, f, "bob@acme.test", hub.RoleAgent)
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"}).ConversationID
	mustSend(t, f.svc, bob, hub.NewMessage{ConversationID: conv, Body: "a note", Internal: true})
	if got := unreadOf(t, f, bob); got != totals(1, 0, 0) {
		t.Fatalf("Bob after his note: %+v", got)
	}
	f.pub.take()
	mustSend(t, f.svc, bob, hub.NewMessage{ConversationID: conv, Body: "Hi, how can I help?"})
	if got := unreadOf(t, f, bob); got != totals(0, 0, 0) {
		t.Fatalf("Bob after his reply: %+v", got)
	}
	if got := unreadOf(t, f, f.ownerA); got != totals(1, 0, 0) {
		t.Fatalf("the owner after Bob's reply: %+v", got)
	}
	if events := unreadEvents(t, f, f.pub.take()); len(events) != 1 || events[bob.ID][0].Count != 0 {
		t.Fatalf("Bob's reply published %+v, want Bob's numbers only", events)
	}
	// Assistant and system messages are no one's unread.
	if _, err := f.svc.TakeOver(t.Context(), f.ownerA, conv); err != nil {
		t.Fatal(err)
	}
	if got := unreadOf(t, f, bob); got != totals(0, 0, 0) {
		t.Fatalf("Bob after a system message: %+v", got)
	}
}

// TestUnreadTicketBadges: opening a ticket moves a conversation's unread
// into Tickets, its assignee's into My Tickets, and reassigning moves it
// between members; a later ticket of the conversation takes its unread,
// and the rows of the Tickets view show it on the current ticket only.
func TestUnreadTicketBadges(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := t.Context()
	_, bob := addMember(t, f, "bob@acme.test", hub.RoleAgent)
	tk, conv := mustTicket(t, f) // the visitor wrote once; the ticket's note counts for nobody
	for _, a := range []hub.Actor{f.ownerA, bob} {
		if got := unreadOf(t, f, a); got != totals(1, 1, 0) {
			t.Fatalf("member %d after the ticket: %+v", a.ID, got)
		}
	}
	f.pub.take()
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(bob.ID)}); err != nil {
		t.Fatal(err)
	}
	if got := unreadOf(t, f, bob); got != totals(1, 1, 1) {
		t.Fatalf("Bob with the ticket: %+v", got)
	}
	if got := unreadOf(t, f, f.ownerA); got != totals(1, 1, 0) {
		t.Fatalf("the owner while Bob has the ticket: %+v", got)
	}
	if events := unreadEvents(t, f, f.pub.take()); len(events) != 1 || events[bob.ID][0].Totals != totals(1, 1, 1) {
		t.Fatalf("assigning published %+v, want Bob's numbers", events)
	}
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "any news?"})
	if got := unreadOf(t, f, bob); got != totals(2, 2, 2) {
		t.Fatalf("Bob after the visitor wrote: %+v", got)
	}
	if _, err := f.svc.UpdateTicket(ctx, bob, tk.ID, hub.TicketUpdate{AssigneeID: ptr(f.owner.ID)}); err != nil {
		t.Fatal(err)
	}
	if a, b := unreadOf(t, f, f.ownerA), unreadOf(t, f, bob); a != totals(2, 2, 2) || b != totals(2, 2, 0) {
		t.Fatalf("after reassigning to the owner: owner %+v, Bob %+v", a, b)
	}
	mine, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{AssigneeID: f.owner.ID})
	if err != nil || len(mine) != 1 || mine[0].Unread == nil || *mine[0].Unread != 2 {
		t.Fatalf("the owner's tickets: %+v, %v", mine, err)
	}

	// Resolved, the ticket still shows what the member has not read; a
	// visitor's message reopens it. Closed, a new ticket takes the
	// conversation's unread, and the old row shows none.
	resolved, closed := hub.TicketResolved, hub.TicketClosed
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	if got := unreadOf(t, f, bob); got != totals(2, 2, 0) {
		t.Fatalf("Bob after resolving: %+v", got)
	}
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	next, err := f.svc.CreateTicket(ctx, bob, hub.NewTicket{ConversationID: conv, Subject: "Refund, again", RequesterEmail: "ann@example.com"})
	if err != nil || next.ID == tk.ID {
		t.Fatalf("second ticket: %+v, %v", next, err)
	}
	if got := unreadOf(t, f, f.ownerA); got != totals(2, 2, 0) {
		t.Fatalf("the owner after the new ticket (nobody's): %+v", got)
	}
	all, err := f.svc.Tickets(ctx, bob, hub.TicketFilter{})
	if err != nil || len(all) != 2 || all[0].ID != next.ID || all[0].Unread == nil || *all[0].Unread != 2 || all[1].Unread != nil {
		t.Fatalf("Bob's tickets: %+v, %v", all, err)
	}
	d, err := f.svc.TicketDetail(ctx, bob, tk.ID)
	if err != nil || d.Unread != nil {
		t.Fatalf("the older ticket's detail: %+v, %v", d, err)
	}
	if _, err := f.svc.MarkRead(ctx, bob, conv, 99); err != nil {
		t.Fatal(err)
	}
	if a, b := unreadOf(t, f, f.ownerA), unreadOf(t, f, bob); a != totals(2, 2, 0) || b != totals(0, 0, 0) {
		t.Fatalf("after Bob read: owner %+v, Bob %+v", a, b)
	}
}

// TestUnreadTeamChanges: a new member starts with everything read and
// counts what comes next; a removed member's numbers go with them and
// nobody else's change.
func TestUnreadTeamChanges(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := t.Context()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"}).ConversationID
	_, bob := addMember(t, f, "bob@acme.test", hub.RoleAgent)
	if got := unreadOf(t, f, bob); got != totals(0, 0, 0) || convUnread(t, f, bob, conv) != 0 {
		t.Fatalf("a new member: %+v", got)
	}
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "still there?"})
	if got := unreadOf(t, f, bob); got != totals(1, 0, 0) {
		t.Fatalf("a new member after a message: %+v", got)
	}
	tk, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{ConversationID: conv, Subject: "Help", RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(bob.ID)}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveMember(ctx, f.ownerA, bob.ID); err != nil {
		t.Fatal(err)
	}
	if got := unreadOf(t, f, f.ownerA); got != totals(2, 2, 0) {
		t.Fatalf("the owner after Bob left: %+v", got)
	}
	u, err := f.svc.Store.FindUnread(ctx, bob.ID, []int64{conv})
	if err != nil || u.Version != 0 || len(u.Conversations) != 0 {
		t.Fatalf("Bob's numbers after he left: %+v, %v", u, err)
	}
}

// TestUnreadStaff: platform staff have unread in their own inbox (the
// workspaces' support tickets), and none in a workspace they view.
func TestUnreadStaff(t *testing.T) {
	t.Parallel()
	f := newSupportFixture(t)
	ctx := context.Background()
	mustSupportTicket(t, f, f.ownerA, hub.NewSupportTicket{Subject: "Widget does not load", Body: "Since this morning."})
	if got := unreadOf(t, f.fixture, f.staff); got != totals(1, 1, 0) {
		t.Fatalf("staff after a support ticket: %+v", got)
	}
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"}).ConversationID
	if _, err := f.svc.SetSupportAccess(ctx, f.ownerA, true, time.Hour); err != nil {
		t.Fatal(err)
	}
	viewer, err := f.svc.SupportViewer(ctx, f.staff, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := unreadOf(t, f.fixture, viewer); got != totals(0, 0, 0) {
		t.Fatalf("staff viewing the workspace: %+v", got)
	}
	list, err := f.svc.ConversationDetails(ctx, viewer, hub.ConversationFilter{})
	if err != nil || len(list) != 1 || list[0].ID != conv || list[0].Unread != 0 || list[0].UnreadVersion != 0 {
		t.Fatalf("the viewer's list: %+v, %v", list, err)
	}
	if got := unreadOf(t, f.fixture, f.ownerA); got != totals(1, 0, 0) {
		t.Fatalf("the workspace's owner: %+v", got)
	}
	_, err = f.svc.Unread(ctx, f.visitor)
	wantCode(t, err, hub.EForbidden)
}

// TestUnreadEventsCarryAbsoluteNumbers: each member.unread event names
// the conversation and carries absolute numbers at a version that grows.
func TestUnreadEventsCarryAbsoluteNumbers(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "1"}).ConversationID
	for _, body := range []string{"2", "3"} {
		mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: body})
	}
	es := unreadEvents(t, f, f.pub.take())[f.owner.ID]
	counts := []int{}
	for i, e := range es {
		if e.ConversationID != conv || i > 0 && e.Version <= es[i-1].Version {
			t.Fatalf("events %+v", es)
		}
		counts = append(counts, e.Count)
	}
	if !slices.Equal(counts, []int{1, 2, 3}) {
		t.Fatalf("counts %v, want 1, 2, 3", counts)
	}
}
