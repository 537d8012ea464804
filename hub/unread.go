package hub

import "context"

// Unread is per member (docs/architecture.md "Unread"). This file is the
// one home of its rules; the stores keep the counters the rules define
// (member_unread and member_unread_totals, migrations/0010_member_unread.sql)
// and realtime hands each member their own numbers.
//
// What is unread. A message is unread for a member when a visitor wrote it
// (not the assistant, an agent or the system; visitors write no internal
// notes, and notes never count), in a conversation of the member's
// workspace, after the member's read position there. Each member has their
// own read position per conversation. It moves forward when the member
// reads (MarkRead, up to a seq) and when they reply (their own non-internal
// message: everything up to it is read), for that member only; it never
// moves back. A member added to a workspace starts with everything read.
// Staff viewing a workspace (Actor.ReadOnly) have no unread of their own
// there, and their reads change nothing.
//
// The badges, each the sum of what its view's rows show:
//
//   - Conversations: every conversation of the workspace. The Conversations
//     view lists them all (one site at a time, with no status filter).
//   - Tickets: the conversations with a current ticket (Conversation.TicketID),
//     whatever its status. The Tickets "All" view lists every ticket; a
//     conversation's unread shows on the row of its current ticket only,
//     never on the older, done tickets of the same conversation.
//   - My Tickets: the conversations whose current ticket is assigned to the
//     member, as the "My Tickets" view lists them.
//
// Done tickets and resolved conversations count, because their views list
// them and a badge that left them out would disagree with its rows; and
// what is unread in them is rare and worth seeing: a visitor's message
// reopens a resolved ticket and cannot reach a closed one, so it is left
// only when a colleague closed the ticket before this member read it.
// The tab title shows the member's total, which is the Conversations badge:
// every unread message is in a conversation.
//
// Cost. Nothing here counts messages to show a number: the stores keep a
// count per member and conversation (a row only while something is
// unread) and each member's badges, in the transactions that change them.
// A visitor message is one statement for the whole team on Postgres (two on
// SQLite); reading a member's badges reads one row. A read counts the
// messages after the new position in one conversation, only when it stops
// short of the last message. Guarded by TestUnreadPerMember and the other
// tests of unread_test.go, and storetest's Unread and UnreadRecount.
//
// Fan-out. After the commit, one EventMemberUnread on the tenant's inbox
// topic carries every affected member's numbers; hub/realtime gives each
// agent socket only its own member's, as an EventUnread frame
// (hub/realtime/unread.go). Numbers are absolute with a per-member version
// that grows with every change, so clients keep the newest.

// unreadAuthors are the authors whose messages are unread for members.
var unreadAuthors = []AuthorKind{AuthorVisitor}

// unreadForMembers reports whether m is unread for every member of its
// workspace until they read it.
func unreadForMembers(m *Message) bool { return m.AuthorKind == AuthorVisitor && !m.Internal }

// readsOwnConversation reports whether m moves its author's own read
// position to m: a member's reply (not a note).
func readsOwnConversation(m *Message) bool {
	return m.AuthorKind == AuthorAgent && !m.Internal && m.AuthorID != 0
}

// hasOwnUnread reports whether the actor has unread of their own: members
// of the workspace, not staff viewing it.
func hasOwnUnread(a Actor) bool { return a.IsMember() && !a.ReadOnly }

// UnreadTotals are a member's badges: their unread messages in the
// conversations each view lists.
type UnreadTotals struct {
	Conversations int `json:"conversations"`
	Tickets       int `json:"tickets"`
	MyTickets     int `json:"my_tickets"`
}

// UnreadState is a member's badges at their unread version, which grows
// with every change of any of their numbers (0: never had any unread).
type UnreadState struct {
	Totals  UnreadTotals `json:"totals"`
	Version int64        `json:"version"`
}

// MemberUnread is a member's numbers after a change in one conversation:
// their absolute count there and their badges, at their version. It is
// the payload of an agent's unread frame (docs/protocol.md "unread").
type MemberUnread struct {
	MemberID       int64 `json:"member_id"`
	ConversationID int64 `json:"conversation_id"`
	Count          int   `json:"count"`
	UnreadState
}

// MemberUnreadData is the payload of EventMemberUnread.
type MemberUnreadData struct {
	Members []MemberUnread `json:"members"`
}

// UnreadScope says in which badges a conversation's unread counts.
type UnreadScope struct {
	TenantID       int64
	ConversationID int64
	// TicketID is the conversation's current ticket, 0 for none: its
	// unread then counts in Tickets, and in My Tickets for the member the
	// ticket is assigned to. Stores read the assignee in the statement that
	// writes, after the conversation's lock, so a reassignment in between
	// cannot be missed.
	TicketID int64
}

// UnreadRead moves a member's read position in a conversation.
type UnreadRead struct {
	MemberID       int64
	ConversationID int64
	Seq            int64
	// Authors are the authors whose non-internal messages count
	// (unreadAuthors).
	Authors []AuthorKind
}

// UnreadCounts are a member's badges and their counts of some
// conversations, read in one snapshot (Queries.FindUnread).
type UnreadCounts struct {
	UnreadState
	// Conversations holds the conversations asked about that have unread
	// messages for the member; the others have none.
	Conversations map[int64]ConversationUnread
}

// ConversationUnread is a member's count in one conversation, with the
// conversation's current ticket (whose row shows it).
type ConversationUnread struct {
	Count    int
	TicketID int64
}

// countUnread applies m, just stored in conv, to the members' counts: a
// visitor's message is unread for everyone, a member's reply reads the
// conversation for them. What changed is kept on m, and published with it
// (outbox.message).
func (s *Service) countUnread(ctx context.Context, q Queries, conv *Conversation, m *Message) error {
	switch {
	case unreadForMembers(m):
		changed, err := q.AddUnread(ctx, UnreadScope{TenantID: conv.TenantID, ConversationID: conv.ID, TicketID: conv.TicketID}, m.Seq)
		if err != nil {
			return stale(err) // a member left meanwhile: the transaction runs again without them
		}
		m.unread = &MemberUnreadData{Members: changed}
	case readsOwnConversation(m):
		mu, changed, err := q.ReadUnread(ctx, UnreadRead{MemberID: m.AuthorID, ConversationID: conv.ID, Seq: m.Seq, Authors: unreadAuthors})
		if err != nil {
			return err
		}
		if changed {
			m.unread = &MemberUnreadData{Members: []MemberUnread{mu}}
		}
	}
	return nil
}

// scopeUnread moves conv's unread between the badges after its current
// ticket, or that ticket's assignee, changed; what changed goes to o.
func (s *Service) scopeUnread(ctx context.Context, q Queries, conv *Conversation, o *outbox) error {
	changed, err := q.ScopeUnread(ctx, UnreadScope{TenantID: conv.TenantID, ConversationID: conv.ID, TicketID: conv.TicketID})
	if err != nil {
		return err
	}
	o.unread(conv.TenantID, changed)
	return nil
}

// ticketAssigned moves the unread of t's conversation between the members'
// My Tickets after t's assignee changed, if t is its conversation's
// current ticket (an older ticket's rows show no unread).
func (s *Service) ticketAssigned(ctx context.Context, q Queries, t *Ticket, o *outbox) error {
	if t.ConversationID == 0 {
		return nil
	}
	conv, err := q.FindConversationByID(ctx, t.ConversationID)
	if err != nil || conv.TicketID != t.ID {
		return err
	}
	return s.scopeUnread(ctx, q, conv, o)
}

// unread queues the members' new numbers for their agent sockets: one
// event on the tenant's inbox topic, which hub/realtime splits.
func (o *outbox) unread(tenantID int64, changed []MemberUnread) {
	if len(changed) == 0 {
		return
	}
	o.add(Event{Type: EventMemberUnread, TenantID: tenantID, ConversationID: changed[0].ConversationID,
		Data: mustJSON(MemberUnreadData{Members: changed})}, TopicInbox(tenantID))
}

// Unread returns the actor's badges (GET /api/v1/unread): zeros for
// anyone without unread of their own, staff viewing a workspace included.
func (s *Service) Unread(ctx context.Context, actor Actor) (UnreadState, error) {
	if !actor.IsMember() {
		return UnreadState{}, Errorf(EForbidden, "only members have unread counts")
	}
	if !hasOwnUnread(actor) {
		return UnreadState{}, nil
	}
	u, err := s.Store.FindUnread(ctx, actor.ID, nil)
	if err != nil {
		return UnreadState{}, err
	}
	return u.UnreadState, nil
}

// findUnread reads the actor's counts of convIDs; nothing for staff
// viewers.
func (s *Service) findUnread(ctx context.Context, actor Actor, convIDs []int64) (UnreadCounts, error) {
	if !hasOwnUnread(actor) {
		return UnreadCounts{}, nil
	}
	return s.Store.FindUnread(ctx, actor.ID, convIDs)
}

// withUnread sets each conversation's unread for the actor.
func (s *Service) withUnread(ctx context.Context, actor Actor, convs []ConversationDetail) error {
	ids := make([]int64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	u, err := s.findUnread(ctx, actor, ids)
	if err != nil {
		return err
	}
	for i := range convs {
		convs[i].Unread, convs[i].UnreadVersion = u.Conversations[convs[i].ID].Count, u.Version
	}
	return nil
}

// withTicketUnread sets each ticket's unread for the actor: its
// conversation's count when it is the conversation's current ticket, none
// (nil) for an older one; nothing at all for staff viewers.
func (s *Service) withTicketUnread(ctx context.Context, actor Actor, tickets []*Ticket) error {
	if !hasOwnUnread(actor) {
		return nil
	}
	ids := make([]int64, 0, len(tickets))
	for _, t := range tickets {
		if t.ConversationID != 0 {
			ids = append(ids, t.ConversationID)
		}
	}
	u, err := s.findUnread(ctx, actor, ids)
	if err != nil {
		return err
	}
	for _, t := range tickets {
		t.UnreadVersion = u.Version
		cu, ok := u.Conversations[t.ConversationID]
		switch {
		case t.ConversationID == 0 || !ok:
			n := 0 // nothing unread (or no chat): true of every ticket of it
			t.Unread = &n
		case cu.TicketID == t.ID:
			n := cu.Count
			t.Unread = &n
		}
	}
	return nil
}
