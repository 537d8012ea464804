package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// CreateSession inserts s and sets its ID.
func (q *queries) CreateSession(ctx context.Context, s *hub.Session) error {
	s.CreatedAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.ExpiresAt)
	err := q.q.QueryRow(ctx, `INSERT INTO sessions (member_id, tenant_id, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		s.MemberID, s.TenantID, s.TokenHash, s.CreatedAt, s.ExpiresAt).Scan(&s.ID)
	if err != nil {
		return storeErr(err, "session", "create session")
	}
	return nil
}

// FindSessionByTokenHash returns the session, expired or not; ENotFound
// when there is none.
func (q *queries) FindSessionByTokenHash(ctx context.Context, hash string) (*hub.Session, error) {
	var s hub.Session
	err := q.q.QueryRow(ctx, `SELECT id, member_id, tenant_id, token_hash, created_at, expires_at
		FROM sessions WHERE token_hash = $1`, hash).
		Scan(&s.ID, &s.MemberID, &s.TenantID, &s.TokenHash, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return nil, storeErr(err, "session", "find session")
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

// DeleteSession deletes a session. Deleting one that is gone is not an
// error: two logouts may race.
func (q *queries) DeleteSession(ctx context.Context, id int64) error {
	if _, err := q.q.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return storeErr(err, "session", "delete session %d", id)
	}
	return nil
}

// DeleteMemberSessions deletes the member's sessions but the one whose
// token hash is keep.
func (q *queries) DeleteMemberSessions(ctx context.Context, memberID int64, keep string) error {
	if _, err := q.q.Exec(ctx, `DELETE FROM sessions WHERE member_id = $1 AND token_hash <> $2`, memberID, keep); err != nil {
		return storeErr(err, "session", "delete sessions of member %d", memberID)
	}
	return nil
}
