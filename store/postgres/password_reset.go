package postgres

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
)

// CreatePasswordReset inserts r and sets its ID.
func (q *queries) CreatePasswordReset(ctx context.Context, r *hub.PasswordReset) error {
	r.ExpiresAt, r.UsedAt, r.CreatedAt = utc(r.ExpiresAt), utcOptional(r.UsedAt), utc(r.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO password_resets (member_id, token_hash, expires_at, used_at, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		r.MemberID, r.TokenHash, r.ExpiresAt, optionalTime(r.UsedAt), r.CreatedAt).Scan(&r.ID)
	if err != nil {
		return storeErr(err, "password reset", "create password reset")
	}
	return nil
}

// FindPasswordResetByTokenHash returns the reset, used or not.
func (q *queries) FindPasswordResetByTokenHash(ctx context.Context, hash string) (*hub.PasswordReset, error) {
	var (
		r      hub.PasswordReset
		usedAt *time.Time
	)
	err := q.q.QueryRow(ctx, `SELECT id, member_id, token_hash, expires_at, used_at, created_at
		FROM password_resets WHERE token_hash = $1`, hash).
		Scan(&r.ID, &r.MemberID, &r.TokenHash, &r.ExpiresAt, &usedAt, &r.CreatedAt)
	if err != nil {
		return nil, storeErr(err, "password reset", "find password reset")
	}
	r.ExpiresAt, r.UsedAt, r.CreatedAt = r.ExpiresAt.UTC(), fromNullTime(usedAt), r.CreatedAt.UTC()
	return &r, nil
}

// UsePasswordReset marks an unused reset used; ENotFound when it is
// missing or used already. The row lock makes a concurrent use wait and
// then find it used.
func (q *queries) UsePasswordReset(ctx context.Context, id int64, at time.Time) error {
	tag, err := q.q.Exec(ctx, `UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, utc(at), id)
	if err != nil {
		return storeErr(err, "password reset", "use password reset %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "password reset not found")
	}
	return nil
}

// CountPasswordResets counts the member's resets created since.
func (q *queries) CountPasswordResets(ctx context.Context, memberID int64, since time.Time) (int, error) {
	var n int
	err := q.q.QueryRow(ctx, `SELECT count(*) FROM password_resets WHERE member_id = $1 AND created_at >= $2`,
		memberID, utc(since)).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "password reset", "count password resets of member %d", memberID)
	}
	return n, nil
}
