package sqlite

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
)

// CreatePasswordReset inserts r and sets its ID.
func (q *queries) CreatePasswordReset(ctx context.Context, r *hub.PasswordReset) error {
	r.ExpiresAt, r.UsedAt, r.CreatedAt = utc(r.ExpiresAt), utcOptional(r.UsedAt), utc(r.CreatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO password_resets (member_id, token_hash, expires_at, used_at, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		r.MemberID, r.TokenHash, micros(r.ExpiresAt), optionalMicros(r.UsedAt), micros(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return storeErr(err, "password reset", "create password reset")
	}
	return nil
}

// FindPasswordResetByTokenHash returns the reset, used or not.
func (q *queries) FindPasswordResetByTokenHash(ctx context.Context, hash string) (*hub.PasswordReset, error) {
	var r hub.PasswordReset
	err := q.q.QueryRowContext(ctx, `SELECT id, member_id, token_hash, expires_at, used_at, created_at
		FROM password_resets WHERE token_hash = ?`, hash).
		Scan(&r.ID, &r.MemberID, &r.TokenHash, timeCol{&r.ExpiresAt}, optionalTimeCol{&r.UsedAt}, timeCol{&r.CreatedAt})
	if err != nil {
		return nil, storeErr(err, "password reset", "find password reset")
	}
	return &r, nil
}

// UsePasswordReset marks an unused reset used; ENotFound when it is
// missing or used already.
func (q *queries) UsePasswordReset(ctx context.Context, id int64, at time.Time) error {
	res, err := q.q.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at = 0`,
		micros(utc(at)), id)
	if err != nil {
		return storeErr(err, "password reset", "use password reset %d", id)
	}
	return mustChange(res, "password reset", id)
}

// CountPasswordResets counts the member's resets created since.
func (q *queries) CountPasswordResets(ctx context.Context, memberID int64, since time.Time) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM password_resets WHERE member_id = ? AND created_at >= ?`,
		memberID, micros(utc(since))).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "password reset", "count password resets of member %d", memberID)
	}
	return n, nil
}
