package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/parley-chat/parley/hub"
)

// Unread per member: hub/unread.go has the rules, the hub.Queries docs the
// contract, migrations/0010_member_unread.sql the tables. SQLite has one
// writer at a time (every transaction is BEGIN IMMEDIATE), so the lock
// order Postgres needs holds by itself; each method runs its statements
// in one transaction (its caller's, or its own). store/postgres keeps the
// same numbers; storetest Unread and UnreadRecount hold both to them.

// The statements of AddUnread, kept prepared (stmt.go): a row per member
// with their count up by one (the ticket's assignee read in it), then
// their totals up by one in the badges of their row, as store/postgres
// counts them.
const (
	addUnreadRows = `INSERT INTO member_unread (member_id, conversation_id, read_seq, unread, in_tickets, mine)
		SELECT id, ?2, ?3, 1, ?4 <> 0, COALESCE(id = (SELECT assignee_id FROM tickets WHERE id = ?4), 0)
			FROM members WHERE tenant_id = ?1 ORDER BY id
		ON CONFLICT (conversation_id, member_id) DO UPDATE SET unread = unread + 1
		RETURNING member_id, unread`
	addUnreadTotals = `INSERT INTO member_unread_totals (member_id, conversations, tickets, my_tickets, version)
		SELECT member_id, 1, in_tickets, mine, 1 FROM member_unread WHERE conversation_id = ?1
		ON CONFLICT (member_id) DO UPDATE SET conversations = conversations + 1,
			tickets = tickets + excluded.tickets, my_tickets = my_tickets + excluded.my_tickets, version = version + 1
		RETURNING member_id, conversations, tickets, my_tickets, version`
)

// AddUnread counts the visitor message at seq for the whole team in two
// statements, whatever its size.
func (q *queries) AddUnread(ctx context.Context, s hub.UnreadScope, seq int64) ([]hub.MemberUnread, error) {
	var out []hub.MemberUnread
	err := q.atomically(ctx, func(q *queries) error {
		out = nil
		rows, err := q.queryPrepared(ctx, addUnreadRows, s.TenantID, s.ConversationID, seq-1, s.TicketID)
		if err != nil {
			return err
		}
		counts := map[int64]int{}
		for rows.Next() {
			var m int64
			var n int
			if err := rows.Scan(&m, &n); err != nil {
				rows.Close()
				return err
			}
			counts[m] = n
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = q.queryPrepared(ctx, addUnreadTotals, s.ConversationID)
		if out, err = collect(rows, err, scanMemberUnread(s.ConversationID)); err != nil {
			return err
		}
		for i := range out {
			out[i].Count = counts[out[i].MemberID]
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, "unread", "count unread in conversation %d", s.ConversationID)
	}
	sortMemberUnread(out)
	return out, nil
}

// scanMemberUnread scans a row of (member, totals, version) of a
// conversation; the count is the caller's to fill.
func scanMemberUnread(conversationID int64) func(scanner) (hub.MemberUnread, error) {
	return func(r scanner) (hub.MemberUnread, error) {
		mu := hub.MemberUnread{ConversationID: conversationID}
		t := &mu.Totals
		return mu, r.Scan(&mu.MemberID, &t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
	}
}

// sortMemberUnread orders numbers by member, as every method returns them.
func sortMemberUnread(out []hub.MemberUnread) {
	slices.SortFunc(out, func(a, b hub.MemberUnread) int { return cmp.Compare(a.MemberID, b.MemberID) })
}

// findMemberUnread reads the conversation's last seq, the member's row
// there (read_seq NULL: none, nothing unread) and their totals (zeros at
// version 0 without a row), in one statement.
const findMemberUnread = `SELECT c.last_seq, u.read_seq, COALESCE(u.unread, 0), COALESCE(u.in_tickets, 0),
		COALESCE(u.mine, 0), COALESCE(t.conversations, 0), COALESCE(t.tickets, 0), COALESCE(t.my_tickets, 0),
		COALESCE(t.version, 0)
	FROM conversations c
	LEFT JOIN member_unread u ON u.conversation_id = c.id AND u.member_id = ?2
	LEFT JOIN member_unread_totals t ON t.member_id = ?2
	WHERE c.id = ?1`

// ReadUnread moves a member's read position; see hub.Queries.
func (q *queries) ReadUnread(ctx context.Context, r hub.UnreadRead) (hub.MemberUnread, bool, error) {
	mu := hub.MemberUnread{MemberID: r.MemberID, ConversationID: r.ConversationID}
	read := false
	err := q.atomically(ctx, func(q *queries) error {
		read = false
		var last int64
		var readSeq sql.NullInt64
		var inTickets, mine bool
		t := &mu.Totals
		err := q.rowPrepared(ctx, findMemberUnread, r.ConversationID, r.MemberID).Scan(&last, &readSeq, &mu.Count,
			&inTickets, &mine, &t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
		if err != nil {
			return storeErr(err, "conversation", "find conversation %d", r.ConversationID)
		}
		if !readSeq.Valid || r.Seq <= readSeq.Int64 {
			return nil
		}
		left := 0
		if r.Seq < last {
			if left, err = q.CountMessages(ctx, r.ConversationID, r.Seq, r.Authors); err != nil {
				return err
			}
		}
		if left == 0 {
			_, err = q.execPrepared(ctx, `DELETE FROM member_unread WHERE member_id = ? AND conversation_id = ?`,
				r.MemberID, r.ConversationID)
		} else {
			_, err = q.execPrepared(ctx, `UPDATE member_unread SET read_seq = ?, unread = ? WHERE member_id = ? AND conversation_id = ?`,
				r.Seq, left, r.MemberID, r.ConversationID)
		}
		if err != nil {
			return err
		}
		d := mu.Count - left
		err = q.rowPrepared(ctx, `UPDATE member_unread_totals SET conversations = conversations - ?,
			tickets = tickets - ?, my_tickets = my_tickets - ?, version = version + 1 WHERE member_id = ?
			RETURNING conversations, tickets, my_tickets, version`, d, flag(inTickets)*d, flag(mine)*d, r.MemberID).
			Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
		if err != nil {
			return err
		}
		mu.Count, read = left, true
		return nil
	})
	if err != nil {
		return mu, false, storeErr(err, "unread", "read conversation %d for member %d", r.ConversationID, r.MemberID)
	}
	return mu, read, nil
}

// flag is 1 for true, 0 for false.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// unreadState reads a member's totals; zeros at version 0 without a row.
func (q *queries) unreadState(ctx context.Context, memberID int64) (hub.UnreadState, error) {
	var st hub.UnreadState
	t := &st.Totals
	err := q.q.QueryRowContext(ctx, `SELECT conversations, tickets, my_tickets, version FROM member_unread_totals
		WHERE member_id = ?`, memberID).Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return hub.UnreadState{}, nil
	}
	if err != nil {
		return st, storeErr(err, "unread", "find unread totals of member %d", memberID)
	}
	return st, nil
}

// ScopeUnread moves a conversation's unread between badges; see
// hub.Queries. It runs when a ticket is opened or reassigned: a row and a
// totals statement per member whose badges change.
func (q *queries) ScopeUnread(ctx context.Context, s hub.UnreadScope) ([]hub.MemberUnread, error) {
	out := []hub.MemberUnread{}
	err := q.atomically(ctx, func(q *queries) error {
		out = out[:0]
		var assignee int64
		if s.TicketID != 0 {
			err := q.q.QueryRowContext(ctx, `SELECT COALESCE(assignee_id, 0) FROM tickets WHERE id = ?`, s.TicketID).Scan(&assignee)
			if err != nil {
				return storeErr(err, "ticket", "find assignee of ticket %d", s.TicketID)
			}
		}
		type row struct {
			member          int64
			count           int
			inTickets, mine bool
		}
		rows, err := q.q.QueryContext(ctx, `SELECT member_id, unread, in_tickets, mine FROM member_unread
			WHERE conversation_id = ? ORDER BY member_id`, s.ConversationID)
		if err != nil {
			return err
		}
		var moved []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.member, &r.count, &r.inTickets, &r.mine); err != nil {
				rows.Close()
				return err
			}
			if r.inTickets != (s.TicketID != 0) || r.mine != (r.member == assignee) {
				moved = append(moved, r)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, r := range moved {
			inTickets, mine := s.TicketID != 0, r.member == assignee
			if _, err := q.q.ExecContext(ctx, `UPDATE member_unread SET in_tickets = ?, mine = ? WHERE member_id = ? AND conversation_id = ?`,
				inTickets, mine, r.member, s.ConversationID); err != nil {
				return err
			}
			mu := hub.MemberUnread{MemberID: r.member, ConversationID: s.ConversationID, Count: r.count}
			t := &mu.Totals
			err := q.q.QueryRowContext(ctx, `UPDATE member_unread_totals SET tickets = tickets + ?, my_tickets = my_tickets + ?,
				version = version + 1 WHERE member_id = ? RETURNING conversations, tickets, my_tickets, version`,
				(flag(inTickets)-flag(r.inTickets))*r.count, (flag(mine)-flag(r.mine))*r.count, r.member).
				Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
			if err != nil {
				return err
			}
			out = append(out, mu)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, "unread", "move unread of conversation %d", s.ConversationID)
	}
	return out, nil
}

// FindUnread reads a member's totals and their counts of some
// conversations in one statement (one snapshot): the totals' row, and a
// primary-key probe per conversation.
func (q *queries) FindUnread(ctx context.Context, memberID int64, conversationIDs []int64) (hub.UnreadCounts, error) {
	if len(conversationIDs) == 0 {
		// The badges alone (GET /api/v1/unread): one primary-key read.
		st, err := q.unreadState(ctx, memberID)
		return hub.UnreadCounts{UnreadState: st, Conversations: map[int64]hub.ConversationUnread{}}, err
	}
	args := []any{memberID}
	for _, id := range conversationIDs {
		args = append(args, id)
	}
	rows, err := q.q.QueryContext(ctx, `SELECT COALESCE(t.conversations, 0), COALESCE(t.tickets, 0), COALESCE(t.my_tickets, 0),
			COALESCE(t.version, 0), u.conversation_id, COALESCE(u.unread, 0), COALESCE(c.ticket_id, 0)
		FROM (SELECT ? AS member_id) me
		LEFT JOIN member_unread_totals t ON t.member_id = me.member_id
		LEFT JOIN member_unread u ON u.member_id = me.member_id AND u.conversation_id IN (`+placeholders(len(conversationIDs))+`)
		LEFT JOIN conversations c ON c.id = u.conversation_id`, args...)
	if err != nil {
		return hub.UnreadCounts{}, storeErr(err, "unread", "find unread of member %d", memberID)
	}
	defer rows.Close()
	out := hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}}
	for rows.Next() {
		var (
			conv sql.NullInt64
			cu   hub.ConversationUnread
		)
		t := &out.Totals
		if err := rows.Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &out.Version, &conv, &cu.Count, &cu.TicketID); err != nil {
			return hub.UnreadCounts{}, storeErr(err, "unread", "scan unread of member %d", memberID)
		}
		if conv.Valid {
			out.Conversations[conv.Int64] = cu
		}
	}
	if err := rows.Err(); err != nil {
		return hub.UnreadCounts{}, storeErr(err, "unread", "find unread of member %d", memberID)
	}
	return out, nil
}
