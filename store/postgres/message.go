package postgres

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/hubsql"
	"github.com/parley-chat/parley/store/internal/jsoncol"
)

const messageColumns = `id, tenant_id, conversation_id, seq, author_kind, author_id, body, status_type, internal,
	client_msg_id, feedback, attachment, created_at, author_name, prompt, trace`

func scanMessage(s scanner) (*hub.Message, error) {
	var (
		m          hub.Message
		attachment string
		trace      string
	)
	err := s.Scan(&m.ID, &m.TenantID, &m.ConversationID, &m.Seq, &m.AuthorKind, &m.AuthorID, &m.Body, &m.StatusType,
		&m.Internal, &m.ClientMsgID, &m.Feedback, &attachment, &m.CreatedAt, &m.AuthorName, &m.Prompt, &trace)
	if err != nil {
		return nil, err
	}
	if m.Attachment, err = jsoncol.ParseAttachmentRef(attachment); err != nil {
		return nil, err
	}
	if m.Trace, err = jsoncol.ParseTrace(trace); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// CreateMessage takes the conversation's next seq and inserts m with it in
// one statement: the UPDATE locks the conversation row, so concurrent
// writers queue and seqs have no gaps or duplicates; if the insert fails
// the increment is undone with it. The same UPDATE keeps the response
// times that reports read (hubsql.SetResponseTimes). Sets m.ID and m.Seq. A
// duplicate (conversation, client message id) is EConflict.
// Guarded by storetest MessageSeqConcurrent, MessageSeqWithoutTx,
// MessageClientIDs and Report.
func (q *queries) CreateMessage(ctx context.Context, m *hub.Message) error {
	m.CreatedAt = utc(m.CreatedAt)
	set := `last_seq = last_seq + 1`
	if times := hubsql.SetResponseTimes(m, "$10::timestamptz", hubsql.Interval); times != "" {
		set += ", " + times
	}
	err := q.q.QueryRow(ctx, `WITH s AS (
			UPDATE conversations SET `+set+` WHERE id = $1 RETURNING last_seq
		)
		INSERT INTO messages (tenant_id, conversation_id, seq, author_kind, author_id, body, status_type, internal,
			client_msg_id, attachment, created_at, author_name, prompt, trace)
		SELECT $2, $1, s.last_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM s
		RETURNING id, seq`,
		m.ConversationID, m.TenantID, m.AuthorKind, m.AuthorID, m.Body, m.StatusType, m.Internal, m.ClientMsgID,
		jsoncol.AttachmentRef(m.Attachment), m.CreatedAt, m.AuthorName, m.Prompt, jsoncol.Trace(m.Trace)).Scan(&m.ID, &m.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return hub.Errorf(hub.ENotFound, "conversation not found")
	}
	if err != nil {
		return storeErr(err, "message", "create message in conversation %d", m.ConversationID)
	}
	return nil
}

// FindMessageByID returns ENotFound when there is no such message.
func (q *queries) FindMessageByID(ctx context.Context, id int64) (*hub.Message, error) {
	m, err := scanMessage(q.q.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "message", "find message %d", id)
	}
	return m, nil
}

// UpdateMessageFeedback sets a message's feedback; ENotFound when there is
// no such message.
func (q *queries) UpdateMessageFeedback(ctx context.Context, id int64, feedback string) error {
	tag, err := q.q.Exec(ctx, `UPDATE messages SET feedback = $2 WHERE id = $1`, id, feedback)
	if err != nil {
		return storeErr(err, "message", "update feedback of message %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "message not found")
	}
	return nil
}

// FindMessageByClientID finds a message by the id its sender gave it; the
// empty id matches nothing.
func (q *queries) FindMessageByClientID(ctx context.Context, conversationID int64, clientMsgID string) (*hub.Message, error) {
	m, err := scanMessage(q.q.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND client_msg_id = $2 AND client_msg_id <> ''`, conversationID, clientMsgID))
	if err != nil {
		return nil, storeErr(err, "message", "find message of conversation %d by client id", conversationID)
	}
	return m, nil
}

// FindMessages returns messages in ascending seq order: the first Limit of
// the range, or with Newest the last Limit.
func (q *queries) FindMessages(ctx context.Context, f hub.MessageFilter) ([]*hub.Message, error) {
	var w where
	w.add("conversation_id = ?", f.ConversationID)
	w.add("seq > ?", f.AfterSeq)
	if f.BeforeSeq != 0 {
		w.add("seq < ?", f.BeforeSeq)
	}
	if f.VisitorView {
		w.add("NOT internal")
	}
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	w.args = append(w.args, hub.MessagePage.Limit(f.Limit))
	sql := `SELECT ` + messageColumns + ` FROM messages WHERE ` + w.String() +
		` ORDER BY seq ` + order + ` LIMIT $` + strconv.Itoa(len(w.args))
	rows, err := q.q.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, storeErr(err, "message", "find messages of conversation %d", f.ConversationID)
	}
	defer rows.Close()
	out := []*hub.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, storeErr(err, "message", "scan message")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "message", "find messages of conversation %d", f.ConversationID)
	}
	if f.Newest {
		slices.Reverse(out)
	}
	return out, nil
}

// CountMessages counts non-internal messages after afterSeq by authors.
func (q *queries) CountMessages(ctx context.Context, conversationID, afterSeq int64, authors []hub.AuthorKind) (int, error) {
	kinds := make([]string, len(authors))
	for i, a := range authors {
		kinds[i] = string(a)
	}
	var n int
	err := q.q.QueryRow(ctx, `SELECT count(*) FROM messages
		WHERE conversation_id = $1 AND seq > $2 AND NOT internal AND author_kind = ANY($3)`,
		conversationID, afterSeq, kinds).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "message", "count messages of conversation %d", conversationID)
	}
	return n, nil
}
