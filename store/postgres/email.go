package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/parley-chat/parley/hub"
)

const emailColumns = `id, tenant_id, kind, to_addr, reply_to, subject, body, conversation_id, unless_read_seq, status,
	attempts, next_attempt_at, last_error, sent_at, created_at`

func scanEmail(s scanner, extra ...any) (*hub.Email, error) {
	var (
		e      hub.Email
		sentAt *time.Time
	)
	dest := []any{&e.ID, &e.TenantID, &e.Kind, &e.To, &e.ReplyTo, &e.Subject, &e.Body, &e.ConversationID,
		&e.UnlessReadSeq, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &sentAt, &e.CreatedAt}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if sentAt != nil {
		e.SentAt = sentAt.UTC()
	}
	e.NextAttemptAt, e.CreatedAt = e.NextAttemptAt.UTC(), e.CreatedAt.UTC()
	return &e, nil
}

// optionalTime is a nullable time column where NULL means "not yet".
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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
	err := q.q.QueryRow(ctx, `INSERT INTO emails (tenant_id, kind, to_addr, reply_to, subject, body, conversation_id,
		unless_read_seq, status, attempts, next_attempt_at, last_error, sent_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		e.TenantID, e.Kind, e.To, e.ReplyTo, e.Subject, e.Body, e.ConversationID, e.UnlessReadSeq, e.Status,
		e.Attempts, e.NextAttemptAt, e.LastError, optionalTime(e.SentAt), e.CreatedAt).Scan(&e.ID)
	if err != nil {
		return storeErr(err, "email", "create email")
	}
	return nil
}

// ClaimDueEmails takes up to limit pending emails due at now, the longest
// due first, and moves them to now+lease, in one statement. FOR UPDATE SKIP
// LOCKED makes concurrent claimers on other nodes pass over rows another
// one is taking; a row claimed and committed meanwhile is re-checked
// against next_attempt_at <= now and left out.
func (q *queries) ClaimDueEmails(ctx context.Context, now time.Time, lease time.Duration, limitN int) ([]*hub.Email, error) {
	now = utc(now)
	rows, err := q.q.Query(ctx, `WITH due AS (
			SELECT id AS due_id, next_attempt_at AS due_at FROM emails
			WHERE status = $1 AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE emails SET next_attempt_at = $4 FROM due WHERE id = due_id
		RETURNING `+emailColumns+`, due_at`,
		hub.EmailPending, now, hub.EmailClaimBatch.Limit(limitN), now.Add(lease))
	if err != nil {
		return nil, storeErr(err, "email", "claim emails")
	}
	defer rows.Close()
	type claimed struct {
		e   *hub.Email
		due time.Time
	}
	var got []claimed
	for rows.Next() {
		var due time.Time
		e, err := scanEmail(rows, &due)
		if err != nil {
			return nil, storeErr(err, "email", "scan email")
		}
		got = append(got, claimed{e, due})
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "email", "claim emails")
	}
	// RETURNING has no order: sort as selected, by the time each was due.
	slices.SortFunc(got, func(a, b claimed) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.e.ID, b.e.ID)
	})
	out := make([]*hub.Email, len(got))
	for i, c := range got {
		out[i] = c.e
	}
	return out, nil
}

// UpdateEmail writes e's delivery state: status, attempts, next attempt,
// last error and sent at. A missing row is ENotFound.
func (q *queries) UpdateEmail(ctx context.Context, e *hub.Email) error {
	e.NextAttemptAt, e.SentAt = utc(e.NextAttemptAt), utcOptional(e.SentAt)
	tag, err := q.q.Exec(ctx, `UPDATE emails SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4,
		sent_at = $5 WHERE id = $6`,
		e.Status, e.Attempts, e.NextAttemptAt, e.LastError, optionalTime(e.SentAt), e.ID)
	if err != nil {
		return storeErr(err, "email", "update email %d", e.ID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "email not found")
	}
	return nil
}

// FindEmails returns every email of the tenant in the order written.
func (q *queries) FindEmails(ctx context.Context, tenantID int64) ([]*hub.Email, error) {
	rows, err := q.q.Query(ctx, `SELECT `+emailColumns+` FROM emails WHERE tenant_id = $1 ORDER BY id`, tenantID)
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
