package hub

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
