package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/parley-chat/parley/hub"
)

const emailColumns = `id, tenant_id, kind, to_addr, reply_to, subject, body, conversation_id, unless_read_seq, status,
	attempts, next_attempt_at, last_error, sent_at, created_at`

func scanEmail(s scanner) (*hub.Email, error) {
	var e hub.Email
	var sentAt int64
	err := s.Scan(&e.ID, &e.TenantID, &e.Kind, &e.To, &e.ReplyTo, &e.Subject, &e.Body, &e.ConversationID,
		&e.UnlessReadSeq, &e.Status, &e.Attempts, timeCol{&e.NextAttemptAt}, &e.LastError, &sentAt,
		timeCol{&e.CreatedAt})
	if err != nil {
		return nil, err
	}
	if sentAt != 0 {
		e.SentAt = time.UnixMicro(sentAt).UTC()
	}
	return &e, nil
}

// optionalMicros is a time column where 0 means "not yet" (sent_at).
func optionalMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// utcOptional is utc that keeps the zero time zero.
func utcOptional(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return utc(t)
}

// CreateEmail inserts e into the outbox and sets its ID.
func (q *queries) CreateEmail(ctx context.Context, e *hub.Email) error {
	e.NextAttemptAt, e.SentAt, e.CreatedAt = utc(e.NextAttemptAt), utcOptional(e.SentAt), utc(e.CreatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO emails (tenant_id, kind, to_addr, reply_to, subject, body,
		conversation_id, unless_read_seq, status, attempts, next_attempt_at, last_error, sent_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.TenantID, e.Kind, e.To, e.ReplyTo, e.Subject, e.Body, e.ConversationID, e.UnlessReadSeq, e.Status,
		e.Attempts, micros(e.NextAttemptAt), e.LastError, optionalMicros(e.SentAt), micros(e.CreatedAt)).Scan(&e.ID)
	if err != nil {
		return storeErr(err, "email", "create email")
	}
	return nil
}

// ClaimDueEmails takes up to limit pending emails due at now, the longest
// due first, and moves them to now+lease. It runs in one BEGIN IMMEDIATE
// transaction, so no other writer claims the same rows in between.
func (q *queries) ClaimDueEmails(ctx context.Context, now time.Time, lease time.Duration, limitN int) ([]*hub.Email, error) {
	now = utc(now)
	var out []*hub.Email
	err := q.atomically(ctx, func(q *queries) error {
		out = []*hub.Email{}
		rows, err := q.q.QueryContext(ctx, `SELECT id FROM emails WHERE status = ? AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`, hub.EmailPending, micros(now), hub.EmailClaimBatch.Limit(limitN))
		if err != nil {
			return storeErr(err, "email", "find due emails")
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return storeErr(err, "email", "scan due email")
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return storeErr(err, "email", "find due emails")
		}
		if err := rows.Close(); err != nil {
			return storeErr(err, "email", "find due emails")
		}
		if len(ids) == 0 {
			return nil
		}
		args := append([]any{micros(now.Add(lease))}, ids...)
		rows, err = q.q.QueryContext(ctx, `UPDATE emails SET next_attempt_at = ? WHERE id IN (`+placeholders(len(ids))+`)
			RETURNING `+emailColumns, args...)
		if err != nil {
			return storeErr(err, "email", "claim emails")
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEmail(rows)
			if err != nil {
				return storeErr(err, "email", "scan email")
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return storeErr(err, "email", "claim emails")
		}
		// RETURNING has no order: put the rows back in the order selected.
		pos := make(map[int64]int, len(ids))
		for i, id := range ids {
			pos[id.(int64)] = i
		}
		slices.SortFunc(out, func(a, b *hub.Email) int { return pos[a.ID] - pos[b.ID] })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateEmail writes e's delivery state: status, attempts, next attempt,
// last error and sent at. A missing row is ENotFound.
func (q *queries) UpdateEmail(ctx context.Context, e *hub.Email) error {
	e.NextAttemptAt, e.SentAt = utc(e.NextAttemptAt), utcOptional(e.SentAt)
	res, err := q.q.ExecContext(ctx, `UPDATE emails SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
		sent_at = ? WHERE id = ?`,
		e.Status, e.Attempts, micros(e.NextAttemptAt), e.LastError, optionalMicros(e.SentAt), e.ID)
	if err != nil {
		return storeErr(err, "email", "update email %d", e.ID)
	}
	return mustChange(res, "email", e.ID)
}

// FindEmails returns every email of the tenant in the order written.
func (q *queries) FindEmails(ctx context.Context, tenantID int64) ([]*hub.Email, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+emailColumns+` FROM emails WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, storeErr(err, "email", "find emails of tenant %d", tenantID)
	}
	defer rows.Close()
	out := []*hub.Email{}
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, storeErr(err, "email", "scan email")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "email", "find emails of tenant %d", tenantID)
	}
	return out, nil
}
