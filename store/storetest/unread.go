package storetest

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// Unread per member (hub/unread.go has the rules; the stores keep the
// counters). These tests call the store the way the hub does: a visitor
// message is CreateMessage and AddUnread in one transaction, a member's
// reply CreateMessage and ReadUnread up to it, a read ReadUnread, a
// ticket opened or reassigned ScopeUnread.

// unreadAuthors are hub's (unreadAuthors in hub/unread.go): visitors.
var unreadAuthors = []hub.AuthorKind{hub.AuthorVisitor}

// unreadMessage writes a message as the hub does and returns what it
// changed in the members' numbers.
func unreadMessage(t *testing.T, s hub.Store, c *hub.Conversation, author hub.AuthorKind, authorID int64, internal bool) (*hub.Message, []hub.MemberUnread) {
	t.Helper()
	m, changed, err := writeUnreadMessage(t.Context(), s, c, author, authorID, internal)
	if err != nil {
		t.Fatalf("%s message in conversation %d: %v", author, c.ID, err)
	}
	return m, changed
}

// writeUnreadMessage is unreadMessage for any goroutine.
func writeUnreadMessage(ctx context.Context, s hub.Store, c *hub.Conversation, author hub.AuthorKind, authorID int64, internal bool) (*hub.Message, []hub.MemberUnread, error) {
	m := &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: author, AuthorID: authorID, Body: "hello",
		Internal: internal, CreatedAt: t0}
	var changed []hub.MemberUnread
	err := s.Tx(ctx, func(q hub.Queries) error {
		changed = nil
		if err := q.CreateMessage(ctx, m); err != nil {
			return err
		}
		switch {
		case internal:
		case author == hub.AuthorVisitor:
			var err error
			changed, err = q.AddUnread(ctx, hub.UnreadScope{TenantID: c.TenantID, ConversationID: c.ID, TicketID: c.TicketID}, m.Seq)
			return err
		case author == hub.AuthorAgent:
			mu, read, err := q.ReadUnread(ctx, hub.UnreadRead{MemberID: authorID, ConversationID: c.ID, Seq: m.Seq, Authors: unreadAuthors})
			if read {
				changed = []hub.MemberUnread{mu}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	c.LastSeq = m.Seq
	return m, changed, nil
}

// readUnread reads conversation c up to seq for member m in a transaction.
func readUnread(t *testing.T, s hub.Store, member, conv, seq int64) (hub.MemberUnread, bool) {
	t.Helper()
	mu, read, err := doReadUnread(t.Context(), s, member, conv, seq)
	must(t, err)
	return mu, read
}

// doReadUnread is readUnread for any goroutine.
func doReadUnread(ctx context.Context, s hub.Store, member, conv, seq int64) (hub.MemberUnread, bool, error) {
	var (
		mu   hub.MemberUnread
		read bool
	)
	err := s.Tx(ctx, func(q hub.Queries) error {
		var err error
		mu, read, err = q.ReadUnread(ctx, hub.UnreadRead{MemberID: member, ConversationID: conv, Seq: seq, Authors: unreadAuthors})
		return err
	})
	return mu, read, err
}

// scopeUnread points c at ticket (0: none) and moves its unread.
func scopeUnread(t *testing.T, s hub.Store, c *hub.Conversation, ticket int64) []hub.MemberUnread {
	t.Helper()
	ctx := t.Context()
	var changed []hub.MemberUnread
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		cur, err := q.FindConversationByID(ctx, c.ID)
		if err != nil {
			return err
		}
		cur.TicketID = ticket
		if err := q.UpdateConversation(ctx, cur); err != nil {
			return err
		}
		changed, err = q.ScopeUnread(ctx, hub.UnreadScope{TenantID: c.TenantID, ConversationID: c.ID, TicketID: ticket})
		return err
	}))
	c.TicketID = ticket
	return changed
}

// assignTicket gives tk to member (0: nobody), and moves the unread of its
// conversation when it is the conversation's current ticket.
func assignTicket(t *testing.T, s hub.Store, tk *hub.Ticket, member int64, current bool) []hub.MemberUnread {
	t.Helper()
	changed, err := doAssignTicket(t.Context(), s, tk, member, current)
	must(t, err)
	return changed
}

// doAssignTicket is assignTicket for any goroutine: like the hub, it tries
// again when another writer changed the ticket first.
func doAssignTicket(ctx context.Context, s hub.Store, tk *hub.Ticket, member int64, current bool) ([]hub.MemberUnread, error) {
	var changed []hub.MemberUnread
	try := func() error {
		return s.Tx(ctx, func(q hub.Queries) error {
			cur, err := q.FindTicketByID(ctx, tk.ID)
			if err != nil {
				return err
			}
			cur.AssigneeID = member
			if err := q.UpdateTicket(ctx, cur); err != nil {
				return err
			}
			if !current {
				return nil
			}
			changed, err = q.ScopeUnread(ctx, hub.UnreadScope{TenantID: tk.TenantID, ConversationID: tk.ConversationID, TicketID: tk.ID})
			return err
		})
	}
	err := try()
	for range 10 {
		if !hub.IsCode(err, hub.EConflict) {
			break
		}
		err = try()
	}
	if err == nil {
		tk.AssigneeID = member
	}
	return changed, err
}

func mustFindUnread(t *testing.T, s hub.Store, member int64, convs ...int64) hub.UnreadCounts {
	t.Helper()
	u, err := s.FindUnread(t.Context(), member, convs)
	must(t, err)
	return u
}

// mu builds the numbers a method should return.
func mu(member, conv int64, count, convs, tickets, mine int, version int64) hub.MemberUnread {
	return hub.MemberUnread{MemberID: member, ConversationID: conv, Count: count,
		UnreadState: hub.UnreadState{Totals: hub.UnreadTotals{Conversations: convs, Tickets: tickets, MyTickets: mine}, Version: version}}
}

// testUnread walks the contract: visitor messages count for every member,
// each member reads and replies for themselves only, tickets move counts
// between badges, a new member starts with nothing unread, a removed one
// takes theirs along, and other workspaces see nothing of it.
func testUnread(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	ann, bob := f.member, mustMember(t, s, f.tenant.ID)
	outsider := mustMember(t, s, mustTenant(t, s).ID)
	c, other := f.conv, mustConversation(t, s, f.visitor, t0)

	_, got := unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "first visitor message", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 1, 0, 0, 1), mu(bob.ID, c.ID, 1, 1, 0, 0, 1)})
	unreadMessage(t, s, c, hub.AuthorAssistant, 0, false)
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "second visitor message", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 2, 0, 0, 2), mu(bob.ID, c.ID, 2, 2, 0, 0, 2)})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "another conversation", got, []hub.MemberUnread{mu(ann.ID, other.ID, 1, 3, 0, 0, 3), mu(bob.ID, other.ID, 1, 3, 0, 0, 3)})
	wantEqual(t, "outsider", mustFindUnread(t, s, outsider.ID, c.ID).UnreadState, hub.UnreadState{})

	// Ann reads part of c (seq 1 of 3: the second visitor message is
	// left), then all of it; Bob's numbers stay.
	r, read := readUnread(t, s, ann.ID, c.ID, 1)
	wantEqual(t, "Ann reads up to seq 1", []any{r, read}, []any{mu(ann.ID, c.ID, 1, 2, 0, 0, 4), true})
	r, read = readUnread(t, s, ann.ID, c.ID, 1)
	wantEqual(t, "Ann reads up to seq 1 again", []any{r, read}, []any{mu(ann.ID, c.ID, 1, 2, 0, 0, 4), false})
	r, read = readUnread(t, s, ann.ID, c.ID, c.LastSeq)
	wantEqual(t, "Ann reads c", []any{r, read}, []any{mu(ann.ID, c.ID, 0, 1, 0, 0, 5), true})
	r, read = readUnread(t, s, ann.ID, c.ID, c.LastSeq)
	wantEqual(t, "Ann reads c again", []any{r, read}, []any{mu(ann.ID, c.ID, 0, 1, 0, 0, 5), false})
	u := mustFindUnread(t, s, bob.ID, c.ID, other.ID, c.ID+1000)
	wantEqual(t, "Bob after Ann read", u, hub.UnreadCounts{UnreadState: mu(0, 0, 0, 3, 0, 0, 3).UnreadState,
		Conversations: map[int64]hub.ConversationUnread{c.ID: {Count: 2}, other.ID: {Count: 1}}})

	// A note and an assistant message count for nobody; Bob's reply reads
	// c for Bob only.
	unreadMessage(t, s, c, hub.AuthorAgent, ann.ID, true)
	_, got = unreadMessage(t, s, c, hub.AuthorAgent, bob.ID, false)
	wantEqual(t, "Bob replies", got, []hub.MemberUnread{mu(bob.ID, c.ID, 0, 1, 0, 0, 4)})
	_, got = unreadMessage(t, s, c, hub.AuthorAgent, bob.ID, false)
	wantEqual(t, "Bob replies again", got, []hub.MemberUnread(nil))

	// A ticket on c: its unread is a ticket's, then Bob's own ticket's.
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "visitor writes again", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 2, 0, 0, 6), mu(bob.ID, c.ID, 1, 2, 0, 0, 5)})
	tk := mustTicket(t, s, f.tenant.ID, "Help")
	tk.ConversationID = c.ID
	must(t, s.UpdateTicket(ctx, tk))
	got = scopeUnread(t, s, c, tk.ID)
	wantEqual(t, "ticket opened", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 2, 1, 0, 7), mu(bob.ID, c.ID, 1, 2, 1, 0, 6)})
	wantEqual(t, "ticket opened again", scopeUnread(t, s, c, tk.ID), []hub.MemberUnread{})
	got = assignTicket(t, s, tk, bob.ID, true)
	wantEqual(t, "ticket given to Bob", got, []hub.MemberUnread{mu(bob.ID, c.ID, 1, 2, 1, 1, 7)})
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "visitor writes to Bob's ticket", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 0, 8), mu(bob.ID, c.ID, 2, 3, 2, 2, 8)})
	got = assignTicket(t, s, tk, ann.ID, true)
	wantEqual(t, "ticket given to Ann", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 2, 9), mu(bob.ID, c.ID, 2, 3, 2, 0, 9)})
	u = mustFindUnread(t, s, ann.ID, c.ID)
	wantEqual(t, "Ann's counts show the current ticket", u.Conversations, map[int64]hub.ConversationUnread{c.ID: {Count: 2, TicketID: tk.ID}})

	// A later ticket of the same conversation takes its unread: nobody's
	// own until assigned. Reassigning the older one moves nothing.
	next := mustTicket(t, s, f.tenant.ID, "Help again")
	next.ConversationID = c.ID
	must(t, s.UpdateTicket(ctx, next))
	got = scopeUnread(t, s, c, next.ID)
	wantEqual(t, "second ticket", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 0, 10)})
	wantEqual(t, "older ticket to Bob", assignTicket(t, s, tk, bob.ID, false), []hub.MemberUnread(nil))
	wantEqual(t, "Bob", mustFindUnread(t, s, bob.ID).UnreadState, mu(0, 0, 0, 3, 2, 0, 9).UnreadState)

	// A new member has read everything, and counts what comes next.
	cat := mustMember(t, s, f.tenant.ID)
	wantEqual(t, "new member", mustFindUnread(t, s, cat.ID, c.ID, other.ID), hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}})
	r, read = readUnread(t, s, cat.ID, c.ID, 1)
	wantEqual(t, "new member reads", []any{r, read}, []any{mu(cat.ID, c.ID, 0, 0, 0, 0, 0), false})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "after a new member", got, []hub.MemberUnread{mu(ann.ID, other.ID, 2, 4, 2, 0, 11), mu(bob.ID, other.ID, 2, 4, 2, 0, 10),
		mu(cat.ID, other.ID, 1, 1, 0, 0, 1)})

	// A removed member's numbers go with them.
	must(t, s.DeleteMember(ctx, bob.ID))
	wantEqual(t, "removed member", mustFindUnread(t, s, bob.ID, c.ID), hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "after a removal", got, []hub.MemberUnread{mu(ann.ID, other.ID, 3, 5, 2, 0, 12), mu(cat.ID, other.ID, 2, 2, 0, 0, 2)})
	wantEqual(t, "outsider at the end", mustFindUnread(t, s, outsider.ID, c.ID, other.ID).UnreadState, hub.UnreadState{})
}

// memberUnreadBackfiller is a store that can run the backfill of its
// migration 0010_member_unread.sql again (in its tests: export_test.go).
type memberUnreadBackfiller interface {
	BackfillMemberUnread(ctx context.Context) error
}

// testUnreadBackfill checks the backfill of migration 0010: before it, the
// team shared one read position per conversation (AgentReadSeq, with
// UnreadByAgents the visitor messages after it); after it, every member
// has read up to that position, with the badges of the conversation's
// ticket, and reads on from there.
func testUnreadBackfill(t *testing.T, s hub.Store) {
	ctx := t.Context()
	b, ok := s.(memberUnreadBackfiller)
	if !ok {
		t.Fatalf("%T has no BackfillMemberUnread to check its migration 0010 with", s)
	}
	f := newFixture(t, s)
	ann, bob := f.member, mustMember(t, s, f.tenant.ID)
	// As the messages were written before the migration: no unread rows,
	// only the conversation's shared marker.
	team := func(c *hub.Conversation, authors []hub.AuthorKind, readSeq int64, unread int) {
		t.Helper()
		for _, a := range authors {
			mustMessage(t, s, &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: a})
		}
		cur, err := s.FindConversationByID(ctx, c.ID)
		must(t, err)
		cur.AgentReadSeq, cur.UnreadByAgents = readSeq, unread
		must(t, s.UpdateConversation(ctx, cur))
		*c = *cur
	}
	v, agent := hub.AuthorVisitor, hub.AuthorAgent
	chat, read, ticketed := f.conv, mustConversation(t, s, f.visitor, t0), mustConversation(t, s, f.visitor, t0)
	team(chat, []hub.AuthorKind{v, agent, v, v}, 2, 2)                // the team replied at 2; 3 and 4 are unread
	team(read, []hub.AuthorKind{v, v}, 2, 0)                          // read up to the end
	team(ticketed, []hub.AuthorKind{v, hub.AuthorAssistant, v}, 0, 2) // never read
	tk := mustTicket(t, s, f.tenant.ID, "Help")
	tk.ConversationID, tk.AssigneeID = ticketed.ID, bob.ID
	must(t, s.UpdateTicket(ctx, tk))
	ticketed.TicketID = tk.ID
	must(t, s.UpdateConversation(ctx, ticketed))

	must(t, b.BackfillMemberUnread(ctx))
	counts := map[int64]hub.ConversationUnread{chat.ID: {Count: 2}, ticketed.ID: {Count: 2, TicketID: tk.ID}}
	wantEqual(t, "Ann after the backfill", mustFindUnread(t, s, ann.ID, chat.ID, read.ID, ticketed.ID),
		hub.UnreadCounts{UnreadState: mu(0, 0, 0, 4, 2, 0, 1).UnreadState, Conversations: counts})
	wantEqual(t, "Bob after the backfill", mustFindUnread(t, s, bob.ID, chat.ID, read.ID, ticketed.ID),
		hub.UnreadCounts{UnreadState: mu(0, 0, 0, 4, 2, 2, 1).UnreadState, Conversations: counts})

	// Each reads on from the team's position, for themselves.
	r, changed := readUnread(t, s, ann.ID, chat.ID, 3)
	wantEqual(t, "Ann reads the chat up to 3", []any{r, changed}, []any{mu(ann.ID, chat.ID, 1, 3, 2, 0, 2), true})
	_, got := unreadMessage(t, s, ticketed, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "a visitor message after the backfill", got,
		[]hub.MemberUnread{mu(ann.ID, ticketed.ID, 3, 4, 3, 0, 3), mu(bob.ID, ticketed.ID, 3, 5, 3, 3, 2)})
}
