package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/parley-chat/parley/hub"
)

// A person's data: hub/visitor_privacy.go has the rules, hub.Queries the
// contract; storetest VisitorDeletion holds both stores to it.

// FindTicketsByConversation returns the conversation's tickets by id.
func (q *queries) FindTicketsByConversation(ctx context.Context, conversationID int64) ([]*hub.Ticket, error) {
	rows, err := q.q.Query(ctx, ticketSelect+` WHERE t.conversation_id = $1 ORDER BY t.id`, conversationID)
	out, err := collect(rows, err, scanTicket)
	if err != nil {
		return nil, storeErr(err, "ticket", "find tickets of conversation %d", conversationID)
	}
	return out, nil
}

// DropUnread locks the conversation, then the totals of the members with
// unread in it in member order (as ScopeUnread does), then deletes their
// rows and takes each row's count off the badges it was in, in one
// statement.
func (q *queries) DropUnread(ctx context.Context, conversationID int64) ([]hub.MemberUnread, error) {
	if _, err := q.lockConversation(ctx, conversationID); err != nil {
		return nil, err
	}
	if _, err := q.q.Exec(ctx, `SELECT 1 FROM member_unread_totals
		WHERE member_id IN (SELECT member_id FROM member_unread WHERE conversation_id = $1)
		ORDER BY member_id FOR UPDATE`, conversationID); err != nil {
		return nil, storeErr(err, "unread", "lock unread totals of conversation %d", conversationID)
	}
	rows, err := q.q.Query(ctx, `WITH gone AS (
		DELETE FROM member_unread WHERE conversation_id = $1 RETURNING member_id, unread, in_tickets, mine
	)
	UPDATE member_unread_totals t SET conversations = t.conversations - g.unread,
		tickets = t.tickets - CASE WHEN g.in_tickets THEN g.unread ELSE 0 END,
		my_tickets = t.my_tickets - CASE WHEN g.mine THEN g.unread ELSE 0 END, version = t.version + 1
	FROM gone g WHERE t.member_id = g.member_id
	RETURNING t.member_id, 0, t.conversations, t.tickets, t.my_tickets, t.version`, conversationID)
	out, err := collect(rows, err, scanMemberUnread(conversationID))
	if err != nil {
		return nil, storeErr(err, "unread", "drop unread of conversation %d", conversationID)
	}
	slices.SortFunc(out, func(a, b hub.MemberUnread) int { return cmp.Compare(a.MemberID, b.MemberID) })
	return out, nil
}

// DeleteVisitor deletes the conversations' messages, files and emails in
// one statement that counts them, then the conversations (their read
// markers and unread rows go by cascade, their tickets keep a NULL
// conversation), then the visitor.
func (q *queries) DeleteVisitor(ctx context.Context, id int64) (hub.VisitorDeletion, error) {
	var d hub.VisitorDeletion
	if err := q.q.QueryRow(ctx, `SELECT id FROM visitors WHERE id = $1`, id).Scan(&id); err != nil {
		return d, storeErr(err, "visitor", "find visitor %d", id)
	}
	err := q.q.QueryRow(ctx, `WITH c AS (SELECT id FROM conversations WHERE visitor_id = $1),
		e AS (DELETE FROM emails WHERE conversation_id IN (SELECT id FROM c) RETURNING 1),
		a AS (DELETE FROM attachments WHERE conversation_id IN (SELECT id FROM c) RETURNING 1),
		m AS (DELETE FROM messages WHERE conversation_id IN (SELECT id FROM c) RETURNING 1)
		SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM m), (SELECT count(*) FROM a), (SELECT count(*) FROM e)`,
		id).Scan(&d.Conversations, &d.Messages, &d.Attachments, &d.Emails)
	if err != nil {
		return d, storeErr(err, "visitor", "delete data of visitor %d", id)
	}
	if _, err := q.q.Exec(ctx, `DELETE FROM conversations WHERE visitor_id = $1`, id); err != nil {
		return d, storeErr(err, "visitor", "delete conversations of visitor %d", id)
	}
	if _, err := q.q.Exec(ctx, `DELETE FROM visitors WHERE id = $1`, id); err != nil {
		return d, storeErr(err, "visitor", "delete visitor %d", id)
	}
	return d, nil
}
