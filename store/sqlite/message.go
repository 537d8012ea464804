package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

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
		&m.Internal, &m.ClientMsgID, &m.Feedback, &attachment, timeCol{&m.CreatedAt}, &m.AuthorName, &m.Prompt, &trace)
	if err != nil {
		return nil, err
	}
	if m.Attachment, err = jsoncol.ParseAttachmentRef(attachment); err != nil {
		return nil, err
	}
	if m.Trace, err = jsoncol.ParseTrace(trace); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateMessage inserts m with the conversation's next seq, then records
// that seq as the conversation's last_seq, with the response times that
// reports read (hubsql.SetResponseTimes), in one transaction (the
// caller's, or its own). The transaction holds SQLite's write lock, so
// seqs have no gaps or duplicates; inserting first means a failed insert
// changes nothing. Both statements are kept prepared (stmt.go): every
// message runs them. Sets m.ID and m.Seq. A duplicate (conversation,
// client message id) is EConflict.
// Guarded by storetest MessageSeqConcurrent, MessageSeqWithoutTx,
// MessageClientIDs and Report.
func (q *queries) CreateMessage(ctx context.Context, m *hub.Message) error {
	m.CreatedAt = utc(m.CreatedAt)
	return q.atomically(ctx, func(q *queries) error {
		err := q.rowPrepared(ctx, `INSERT INTO messages (tenant_id, conversation_id, seq, author_kind, author_id,
			body, status_type, internal, client_msg_id, attachment, created_at, author_name, prompt, trace)
			SELECT ?, id, last_seq + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM conversations WHERE id = ?
			RETURNING id, seq`,
			m.TenantID, m.AuthorKind, m.AuthorID, m.Body, m.StatusType, m.Internal, m.ClientMsgID,
			jsoncol.AttachmentRef(m.Attachment), micros(m.CreatedAt), m.AuthorName, m.Prompt,
			jsoncol.Trace(m.Trace), m.ConversationID).Scan(&m.ID, &m.Seq)
		if errors.Is(err, sql.ErrNoRows) {
			return hub.Errorf(hub.ENotFound, "conversation not found")
		}
		if err != nil {
			return storeErr(err, "message", "create message in conversation %d", m.ConversationID)
		}
		set, args := `last_seq = ?2`, []any{m.ConversationID, m.Seq}
		if times := hubsql.SetResponseTimes(m, "?3", hubsql.Micros); times != "" {
			set, args = set+", "+times, append(args, micros(m.CreatedAt))
		}
		if _, err := q.execPrepared(ctx, `UPDATE conversations SET `+set+` WHERE id = ?1`, args...); err != nil {
			return storeErr(err, "conversation", "advance seq of conversation %d", m.ConversationID)
		}
		return nil
	})
}

// FindMessageByID returns ENotFound when there is no such message.
func (q *queries) FindMessageByID(ctx context.Context, id int64) (*hub.Message, error) {
	m, err := scanMessage(q.q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "message", "find message %d", id)
	}
	return m, nil
}

// UpdateMessageFeedback sets a message's feedback; ENotFound when there is
// no such message.
func (q *queries) UpdateMessageFeedback(ctx context.Context, id int64, feedback string) error {
	res, err := q.q.ExecContext(ctx, `UPDATE messages SET feedback = ? WHERE id = ?`, feedback, id)
	if err != nil {
		return storeErr(err, "message", "update feedback of message %d", id)
	}
	return mustChange(res, "message", id)
}

// FindMessageByClientID finds a message by the id its sender gave it; the
// empty id matches nothing.
func (q *queries) FindMessageByClientID(ctx context.Context, conversationID int64, clientMsgID string) (*hub.Message, error) {
	m, err := scanMessage(q.q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND client_msg_id = ? AND client_msg_id <> ''`, conversationID, clientMsgID))
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
	rows, err := q.q.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+w.String()+
		` ORDER BY seq `+order+` LIMIT ?`, w.args...)
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
	if len(authors) == 0 {
		return 0, nil
	}
	args := []any{conversationID, afterSeq}
	for _, a := range authors {
		args = append(args, string(a))
	}
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM messages
		WHERE conversation_id = ? AND seq > ? AND NOT internal AND author_kind IN (`+placeholders(len(authors))+`)`,
		args...).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "message", "count messages of conversation %d", conversationID)
	}
	return n, nil
}
