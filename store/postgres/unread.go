package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parley-chat/parley/hub"
)

// Unread per member: hub/unread.go has the rules, the hub.Queries docs the
// contract, migrations/0010_member_unread.sql the tables. Every write
// locks the conversation's row first (CreateMessage's UPDATE, or
// lockConversation), then the member rows of that conversation, then the
// members' totals in member id order: messages and reads of a
// conversation take turns, so a count never misses a message committed
// meanwhile, and two writers never wait for each other in a circle.
// store/sqlite keeps the same numbers; storetest Unread and UnreadRecount
// hold both to them.

// lockConversation locks the conversation's row as CreateMessage's UPDATE
// does, and returns its last seq as of the lock. FOR NO KEY UPDATE leaves
// the key-share locks of foreign keys (a read marker, an attachment) free.
func (q *queries) lockConversation(ctx context.Context, id int64) (int64, error) {
	var last int64
	err := q.q.QueryRow(ctx, `SELECT last_seq FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&last)
	if err != nil {
		return 0, storeErr(err, "conversation", "lock conversation %d", id)
	}
	return last, nil
}

// addUnread is AddUnread in one statement, whatever the size of the team:
// a row per member, each member's count up by one, then their totals up by
// one in the badges of their row (the ticket's assignee read here, after
// the conversation's lock), in member order. The members are not locked:
// only a member's first row in the conversation checks its foreign key,
// which fails if the member was deleted meanwhile (AddUnread's EConflict,
// which the hub retries); locking the team on every message would make
// concurrent messages of a workspace share row locks (multixacts).
const addUnread = `WITH counted AS (
	INSERT INTO member_unread AS u (member_id, conversation_id, read_seq, unread, in_tickets, mine)
	SELECT m.id, $2, $3, 1, $4::bigint <> 0, COALESCE(m.id = (SELECT assignee_id FROM tickets WHERE id = $4::bigint), false)
		FROM members m WHERE m.tenant_id = $1 ORDER BY m.id
	ON CONFLICT (conversation_id, member_id) DO UPDATE SET unread = u.unread + 1
	RETURNING u.member_id, u.unread, u.in_tickets, u.mine
), ` + totalsOfCounted + `
SELECT totals.member_id, counted.unread, totals.conversations, totals.tickets, totals.my_tickets, totals.version
	FROM totals JOIN counted USING (member_id) ORDER BY totals.member_id`

// AddUnread counts the visitor message at seq for the whole team.
func (q *queries) AddUnread(ctx context.Context, s hub.UnreadScope, seq int64) ([]hub.MemberUnread, error) {
	rows, err := q.q.Query(ctx, addUnread, s.TenantID, s.ConversationID, seq-1, s.TicketID)
	out, err := collect(rows, err, scanMemberUnread(s.ConversationID))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == foreignKeyViolation {
		return nil, &hub.Error{Code: hub.EConflict, Message: "a member left meanwhile: try again", Err: err}
	}
	if err != nil {
		return nil, storeErr(err, "unread", "count unread in conversation %d", s.ConversationID)
	}
	return out, nil
}

// scanMemberUnread scans a row of (member, count, totals, version) of a
// conversation.
func scanMemberUnread(conversationID int64) func(scanner) (hub.MemberUnread, error) {
	return func(r scanner) (hub.MemberUnread, error) {
		mu := hub.MemberUnread{ConversationID: conversationID}
		t := &mu.Totals
		return mu, r.Scan(&mu.MemberID, &mu.Count, &t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
	}
}

// Statements of ReadUnread: the member's row goes (nothing left unread)
// or keeps the count after the new position, and their totals go down by
// the difference in the badges of the row.
const (
	readAllUnread = `WITH r AS (
		DELETE FROM member_unread WHERE member_id = $1 AND conversation_id = $2 RETURNING in_tickets, mine
	)`
	readSomeUnread = `WITH r AS (
		UPDATE member_unread SET read_seq = $4, unread = $5 WHERE member_id = $1 AND conversation_id = $2
		RETURNING in_tickets, mine
	)`
	readTotals = `
	UPDATE member_unread_totals t SET conversations = t.conversations - $3,
		tickets = t.tickets - CASE WHEN r.in_tickets THEN $3 ELSE 0 END,
		my_tickets = t.my_tickets - CASE WHEN r.mine THEN $3 ELSE 0 END, version = t.version + 1
	FROM r WHERE t.member_id = $1
	RETURNING t.conversations, t.tickets, t.my_tickets, t.version`
)

// findMemberUnread reads a member's row in a conversation (read_seq NULL:
// none, nothing unread) and their totals (zeros at version 0 without a
// row), in one statement.
const findMemberUnread = `SELECT u.read_seq, COALESCE(u.unread, 0), COALESCE(t.conversations, 0), COALESCE(t.tickets, 0),
		COALESCE(t.my_tickets, 0), COALESCE(t.version, 0)
	FROM (SELECT $1::bigint AS member_id) me
	LEFT JOIN member_unread u ON u.member_id = me.member_id AND u.conversation_id = $2
	LEFT JOIN member_unread_totals t ON t.member_id = me.member_id`

// totalsOfCounted is the CTE that adds the rows of a CTE named counted
// (member_id, unread, in_tickets, mine: one more unread each) to the
// members' totals, in member order.
const totalsOfCounted = `totals AS (
	INSERT INTO member_unread_totals AS t (member_id, conversations, tickets, my_tickets, version)
	SELECT member_id, 1, in_tickets::int, mine::int, 1 FROM counted ORDER BY member_id
	ON CONFLICT (member_id) DO UPDATE SET conversations = t.conversations + 1,
		tickets = t.tickets + excluded.tickets, my_tickets = t.my_tickets + excluded.my_tickets, version = t.version + 1
	RETURNING t.member_id, t.conversations, t.tickets, t.my_tickets, t.version
)`

// ReadUnread moves a member's read position; see hub.Queries. The member's
// numbers are read in a statement after the one that locks the
// conversation, so that they include every count committed before the
// lock was granted: a statement that waits for a lock rereads only the
// row it locks.
func (q *queries) ReadUnread(ctx context.Context, r hub.UnreadRead) (hub.MemberUnread, bool, error) {
	mu := hub.MemberUnread{MemberID: r.MemberID, ConversationID: r.ConversationID}
	last, err := q.lockConversation(ctx, r.ConversationID)
	if err != nil {
		return mu, false, err
	}
	var readSeq *int64
	t := &mu.Totals
	err = q.q.QueryRow(ctx, findMemberUnread, r.MemberID, r.ConversationID).
		Scan(&readSeq, &mu.Count, &t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
	if err != nil {
		return mu, false, storeErr(err, "unread", "find unread of member %d in conversation %d", r.MemberID, r.ConversationID)
	}
	if readSeq == nil || r.Seq <= *readSeq {
		return mu, false, nil
	}
	left := 0
	if r.Seq < last {
		if left, err = q.CountMessages(ctx, r.ConversationID, r.Seq, r.Authors); err != nil {
			return mu, false, err
		}
	}
	sql, args := readAllUnread+readTotals, []any{r.MemberID, r.ConversationID, mu.Count - left}
	if left > 0 {
		sql, args = readSomeUnread+readTotals, append(args, r.Seq, left)
	}
	err = q.q.QueryRow(ctx, sql, args...).Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &mu.Version)
	if err != nil {
		return mu, false, storeErr(err, "unread", "read conversation %d for member %d", r.ConversationID, r.MemberID)
	}
	mu.Count = left
	return mu, true, nil
}

// unreadState reads a member's totals; zeros at version 0 without a row.
func (q *queries) unreadState(ctx context.Context, memberID int64) (hub.UnreadState, error) {
	var st hub.UnreadState
	t := &st.Totals
	err := q.q.QueryRow(ctx, `SELECT conversations, tickets, my_tickets, version FROM member_unread_totals
		WHERE member_id = $1`, memberID).Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &st.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return hub.UnreadState{}, nil
	}
	if err != nil {
		return st, storeErr(err, "unread", "find unread totals of member %d", memberID)
	}
	return st, nil
}

// ScopeUnread moves a conversation's unread between badges; see
// hub.Queries. It runs when a ticket is opened or reassigned, so it
// favours plain steps over one statement: the rows whose badges change
// take the new ones, then the totals of their members are locked in order
// and moved by each row's count.
func (q *queries) ScopeUnread(ctx context.Context, s hub.UnreadScope) ([]hub.MemberUnread, error) {
	if _, err := q.lockConversation(ctx, s.ConversationID); err != nil {
		return nil, err
	}
	var assignee int64
	if s.TicketID != 0 {
		err := q.q.QueryRow(ctx, `SELECT COALESCE(assignee_id, 0) FROM tickets WHERE id = $1`, s.TicketID).Scan(&assignee)
		if err != nil {
			return nil, storeErr(err, "ticket", "find assignee of ticket %d", s.TicketID)
		}
	}
	rows, err := q.q.Query(ctx, `UPDATE member_unread u SET in_tickets = $2, mine = (u.member_id = $3)
		FROM member_unread prev
		WHERE u.conversation_id = $1 AND prev.conversation_id = $1 AND prev.member_id = u.member_id
			AND (u.in_tickets <> $2 OR u.mine <> (u.member_id = $3))
		RETURNING u.member_id, (u.in_tickets::int - prev.in_tickets::int) * u.unread, (u.mine::int - prev.mine::int) * u.unread`,
		s.ConversationID, s.TicketID != 0, assignee)
	var members []int64
	var tickets, mine []int
	if err == nil {
		for rows.Next() {
			var m int64
			var t, my int
			if err = rows.Scan(&m, &t, &my); err != nil {
				break
			}
			members, tickets, mine = append(members, m), append(tickets, t), append(mine, my)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		return nil, storeErr(err, "unread", "move unread of conversation %d", s.ConversationID)
	}
	if len(members) == 0 {
		return []hub.MemberUnread{}, nil
	}
	if _, err := q.q.Exec(ctx, `SELECT 1 FROM member_unread_totals WHERE member_id = ANY($1) ORDER BY member_id FOR UPDATE`,
		members); err != nil {
		return nil, storeErr(err, "unread", "lock unread totals")
	}
	rows, err = q.q.Query(ctx, `UPDATE member_unread_totals t SET tickets = t.tickets + d.tickets,
		my_tickets = t.my_tickets + d.mine, version = t.version + 1
		FROM unnest($1::bigint[], $2::int[], $3::int[]) AS d (member_id, tickets, mine), member_unread u
		WHERE t.member_id = d.member_id AND u.member_id = d.member_id AND u.conversation_id = $4
		RETURNING t.member_id, u.unread, t.conversations, t.tickets, t.my_tickets, t.version`,
		members, tickets, mine, s.ConversationID)
	out, err := collect(rows, err, scanMemberUnread(s.ConversationID))
	if err != nil {
		return nil, storeErr(err, "unread", "move unread totals of conversation %d", s.ConversationID)
	}
	slices.SortFunc(out, func(a, b hub.MemberUnread) int { return cmp.Compare(a.MemberID, b.MemberID) })
	return out, nil
}

// findUnread is FindUnread's statement (BenchmarkUnread EXPLAINs it).
const findUnread = `SELECT COALESCE(t.conversations, 0), COALESCE(t.tickets, 0), COALESCE(t.my_tickets, 0),
		COALESCE(t.version, 0), u.conversation_id, COALESCE(u.unread, 0), COALESCE(c.ticket_id, 0)
	FROM (SELECT $1::bigint AS member_id) me
	LEFT JOIN member_unread_totals t ON t.member_id = me.member_id
	LEFT JOIN member_unread u ON u.member_id = me.member_id AND u.conversation_id = ANY($2::bigint[])
	LEFT JOIN conversations c ON c.id = u.conversation_id`

// FindUnread reads a member's totals and their counts of some
// conversations in one statement (one snapshot): the totals' row, and a
// primary-key probe per conversation.
func (q *queries) FindUnread(ctx context.Context, memberID int64, conversationIDs []int64) (hub.UnreadCounts, error) {
	if len(conversationIDs) == 0 {
		// The badges alone (GET /api/v1/unread): one primary-key read.
		st, err := q.unreadState(ctx, memberID)
		return hub.UnreadCounts{UnreadState: st, Conversations: map[int64]hub.ConversationUnread{}}, err
	}
	rows, err := q.q.Query(ctx, findUnread, memberID, conversationIDs)
	if err != nil {
		return hub.UnreadCounts{}, storeErr(err, "unread", "find unread of member %d", memberID)
	}
	defer rows.Close()
	out := hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}}
	for rows.Next() {
		var (
			conv *int64
			cu   hub.ConversationUnread
		)
		t := &out.Totals
		if err := rows.Scan(&t.Conversations, &t.Tickets, &t.MyTickets, &out.Version, &conv, &cu.Count, &cu.TicketID); err != nil {
			return hub.UnreadCounts{}, storeErr(err, "unread", "scan unread of member %d", memberID)
		}
		if conv != nil {
			out.Conversations[*conv] = cu
		}
	}
	if err := rows.Err(); err != nil {
		return hub.UnreadCounts{}, storeErr(err, "unread", "find unread of member %d", memberID)
	}
	return out, nil
}
