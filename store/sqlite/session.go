package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// CreateSession inserts s and sets its ID.
func (q *queries) CreateSession(ctx context.Context, s *hub.Session) error {
	s.CreatedAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.ExpiresAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO sessions (member_id, tenant_id, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		s.MemberID, s.TenantID, s.TokenHash, micros(s.CreatedAt), micros(s.ExpiresAt)).Scan(&s.ID)
	if err != nil {
		return storeErr(err, "session", "create session")
	}
	return nil
}

// FindSessionByTokenHash returns the session, expired or not; ENotFound
// when there is none.
func (q *queries) FindSessionByTokenHash(ctx context.Context, hash string) (*hub.Session, error) {
	var s hub.Session
	err := q.q.QueryRowContext(ctx, `SELECT id, member_id, tenant_id, token_hash, created_at, expires_at
		FROM sessions WHERE token_hash = ?`, hash).
		Scan(&s.ID, &s.MemberID, &s.TenantID, &s.TokenHash, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if err != nil {
		return nil, storeErr(err, "session", "find session")
	}
	return &s, nil
}

// DeleteSession deletes a session. Deleting one that is gone is not an
// error: two logouts may race.
func (q *queries) DeleteSession(ctx context.Context, id int64) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return storeErr(err, "session", "delete session %d", id)
	}
	return nil
}

// DeleteMemberSessions deletes the member's sessions but the one whose
// token hash is keep.
func (q *queries) DeleteMemberSessions(ctx context.Context, memberID int64, keep string) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE member_id = ? AND token_hash <> ?`, memberID, keep); err != nil {
		return storeErr(err, "session", "delete sessions of member %d", memberID)
	}
	return nil
}
