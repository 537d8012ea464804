package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/hubsql"
	"github.com/parley-chat/parley/store/internal/jsoncol"
)

var _ hub.QuickSender = (*DB)(nil)

// sendQuick is SendQuick's statement; the %s are the conversation (twice)
// and the response times' SET list. It is hub's appendMessage and
// countUnread for a visitor's message (store/postgres
// TestSendQuickSameAsTx), in the order the transaction takes its locks:
//   - c locks and updates the conversation if it is the visitor's, open,
//     without a ticket, and holds no message of the client id (a retry
//     that gets past this check because the original committed while the
//     statement waited for the lock fails on the unique index instead);
//   - m inserts the message at the conversation's new last seq;
//   - counted and totals are addUnread's (unread.go) without a ticket.
//
// The result is the conversation's row, the message's id and the members'
// new unread as a JSON array of [member, count, conversations, tickets,
// my tickets, version].
const sendQuick = `WITH c AS (
	UPDATE conversations SET last_seq = last_seq + 1, %[2]s
		unread_by_agents = unread_by_agents + 1, visitor_read_seq = last_seq + 1, unread_by_visitor = 0,
		visitor_seq = last_seq + 1, last_message_at = $6, updated_at = $6, preview = $7, preview_author = $8,
		version = version + 1
	WHERE id = %[1]s AND tenant_id = $2 AND visitor_id = $3 AND status = $4 AND ticket_id IS NULL
		AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = %[1]s AND client_msg_id = $5 AND $5 <> '')
	RETURNING ` + conversationColumns + `
), m AS (
	INSERT INTO messages (tenant_id, conversation_id, seq, author_kind, author_id, body, status_type, internal,
		client_msg_id, attachment, created_at, author_name, prompt, trace)
	SELECT c.tenant_id, c.id, c.last_seq, $9, $10, $11, $12, false, $5, $13, $6, $14, $15, $16 FROM c
	RETURNING id
), counted AS (
	INSERT INTO member_unread AS u (member_id, conversation_id, read_seq, unread, in_tickets, mine)
	SELECT mb.id, c.id, c.last_seq - 1, 1, false, false FROM c, members mb WHERE mb.tenant_id = c.tenant_id ORDER BY mb.id
	ON CONFLICT (conversation_id, member_id) DO UPDATE SET unread = u.unread + 1
	RETURNING u.member_id, u.unread, u.in_tickets, u.mine
), ` + totalsOfCounted + `
SELECT c.*, m.id, (SELECT COALESCE(json_agg(json_build_array(totals.member_id, counted.unread, totals.conversations,
		totals.tickets, totals.my_tickets, totals.version) ORDER BY totals.member_id), '[]')
	FROM totals JOIN counted USING (member_id))
FROM c, m`

// SendQuick writes a visitor's message in one statement, committed alone
// or with others that arrived meanwhile (group_commit.go); see
// hub.QuickSender.
func (db *DB) SendQuick(ctx context.Context, in hub.QuickSend) (*hub.Conversation, []hub.MemberUnread, error) {
	m := in.Message
	m.CreatedAt = utc(m.CreatedAt)
	conv := `$1::bigint`
	if m.ConversationID == 0 {
		conv = `(SELECT id FROM conversations WHERE visitor_id = $3 ORDER BY id DESC LIMIT 1) AND $1::bigint = 0`
	}
	set := ""
	if times := hubsql.SetResponseTimes(m, "$6::timestamptz", hubsql.Interval); times != "" {
		set = times + ","
	}
	// $8 is the preview's author and $9 the message's: the same author.
	args := []any{m.ConversationID, m.TenantID, m.AuthorID, in.Status, m.ClientMsgID, m.CreatedAt, in.Preview,
		m.AuthorKind, m.AuthorKind, m.AuthorID, m.Body, m.StatusType, jsoncol.AttachmentRef(m.Attachment),
		m.AuthorName, m.Prompt, jsoncol.Trace(m.Trace)}
	v, err := db.group.do(ctx, &groupReq{sql: fmt.Sprintf(sendQuick, conv, set), args: args, scan: scanQuick})
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil, hub.ErrNotQuick
	case errors.As(err, &pe) && pe.Code == foreignKeyViolation:
		return nil, nil, &hub.Error{Code: hub.EConflict, Message: "a member left meanwhile: try again", Err: err}
	case err != nil:
		return nil, nil, storeErr(err, "message", "send a message to conversation %d", m.ConversationID)
	}
	r := v.(quickRow)
	m.ID, m.Seq, m.ConversationID = r.id, r.conv.LastSeq, r.conv.ID
	return r.conv, r.unread, nil
}

// quickRow is what sendQuick returns.
type quickRow struct {
	conv   *hub.Conversation
	id     int64
	unread []hub.MemberUnread
}

// scanQuick reads sendQuick's row: pgx.ErrNoRows when it wrote nothing.
func scanQuick(row pgx.Row) (any, error) {
	var (
		r      quickRow
		unread []byte
	)
	c, err := scanConversation(withExtra{row, []any{&r.id, &unread}})
	if err != nil {
		return nil, err
	}
	r.conv = c
	var rows [][6]int64
	if err := json.Unmarshal(unread, &rows); err != nil {
		return nil, fmt.Errorf("postgres: unread of conversation %d: %w", c.ID, err)
	}
	r.unread = make([]hub.MemberUnread, len(rows))
	for i, u := range rows {
		r.unread[i] = hub.MemberUnread{MemberID: u[0], ConversationID: c.ID, Count: int(u[1]),
			UnreadState: hub.UnreadState{Totals: hub.UnreadTotals{Conversations: int(u[2]), Tickets: int(u[3]),
				MyTickets: int(u[4])}, Version: u[5]}}
	}
	return r, nil
}

// withExtra scans a row's leading columns into what its caller asks for
// and the rest into extra.
type withExtra struct {
	row   pgx.Row
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }
