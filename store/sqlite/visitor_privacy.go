package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// A person's data: hub/visitor_privacy.go has the rules, hub.Queries the
// contract; storetest VisitorDeletion holds both stores to it. SQLite has
// one writer at a time, so the statements need no locks of their own.

// FindTicketsByConversation returns the conversation's tickets by id.
func (q *queries) FindTicketsByConversation(ctx context.Context, conversationID int64) ([]*hub.Ticket, error) {
	rows, err := q.q.QueryContext(ctx, ticketSelect+` WHERE t.conversation_id = ? ORDER BY t.id`, conversationID)
	out, err := collect(rows, err, scanTicket)
	if err != nil {
		return nil, storeErr(err, "ticket", "find tickets of conversation %d", conversationID)
	}
	return out, nil
}

// DropUnread takes each member's row of the conversation off their badges,
// in member order, then deletes the rows.
func (q *queries) DropUnread(ctx context.Context, conversationID int64) ([]hub.MemberUnread, error) {
	var out []hub.MemberUnread
	err := q.atomically(ctx, func(q *queries) error {
		out = []hub.MemberUnread{}
		rows, err := q.q.QueryContext(ctx, `UPDATE member_unread_totals AS t SET conversations = t.conversations - u.unread,
			tickets = t.tickets - CASE WHEN u.in_tickets THEN u.unread ELSE 0 END,
			my_tickets = t.my_tickets - CASE WHEN u.mine THEN u.unread ELSE 0 END, version = t.version + 1
			FROM member_unread AS u WHERE u.conversation_id = ? AND u.member_id = t.member_id
			RETURNING member_id, conversations, tickets, my_tickets, version`, conversationID)
		if out, err = collect(rows, err, scanMemberUnread(conversationID)); err != nil {
			return err
		}
		_, err = q.q.ExecContext(ctx, `DELETE FROM member_unread WHERE conversation_id = ?`, conversationID)
		return err
	})
	if err != nil {
		return nil, storeErr(err, "unread", "drop unread of conversation %d", conversationID)
	}
	sortMemberUnread(out)
	return out, nil
}

// DeleteVisitor counts and deletes the conversations' messages, files and
// emails, then the conversations (their read markers and unread rows go by
// cascade, their tickets keep a NULL conversation), then the visitor.
func (q *queries) DeleteVisitor(ctx context.Context, id int64) (hub.VisitorDeletion, error) {
	var d hub.VisitorDeletion
	err := q.atomically(ctx, func(q *queries) error {
		d = hub.VisitorDeletion{}
		if err := q.q.QueryRowContext(ctx, `SELECT id FROM visitors WHERE id = ?`, id).Scan(&id); err != nil {
			return err
		}
		const convs = `(SELECT id FROM conversations WHERE visitor_id = ?1)`
		if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE visitor_id = ?`, id).Scan(&d.Conversations); err != nil {
			return err
		}
		for _, del := range []struct {
			table string
			n     *int
		}{{"emails", &d.Emails}, {"attachments", &d.Attachments}, {"messages", &d.Messages}} {
			res, err := q.q.ExecContext(ctx, `DELETE FROM `+del.table+` WHERE conversation_id IN `+convs, id)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*del.n = int(n)
		}
		if _, err := q.q.ExecContext(ctx, `DELETE FROM conversations WHERE visitor_id = ?`, id); err != nil {
			return err
		}
		_, err := q.q.ExecContext(ctx, `DELETE FROM visitors WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return hub.VisitorDeletion{}, storeErr(err, "visitor", "delete visitor %d", id)
	}
	return d, nil
}
