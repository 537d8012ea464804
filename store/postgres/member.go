package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/parley-chat/parley/hub"
)

// memberColumns read a member with the derived Staff: whether their
// tenant is the platform's (a primary-key lookup in the same statement).
const memberColumns = `id, tenant_id, email, name, role, locale, password_hash, created_at, failed_logins, locked_until,
	role_changed_at, (SELECT t.platform FROM tenants t WHERE t.id = members.tenant_id)`

func scanMember(s scanner) (*hub.Member, error) {
	var (
		m                          hub.Member
		lockedUntil, roleChangedAt *time.Time
	)
	if err := s.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.Locale, &m.PasswordHash, &m.CreatedAt,
		&m.FailedLogins, &lockedUntil, &roleChangedAt, &m.Staff); err != nil {
		return nil, err
	}
	m.CreatedAt, m.LockedUntil, m.RoleChangedAt = m.CreatedAt.UTC(), fromNullTime(lockedUntil), fromNullTime(roleChangedAt)
	return &m, nil
}

// fromNullTime reads a nullable time column where NULL means "never" into
// the zero time.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// CreateMember inserts m with its email lower-cased and sets its ID. A
// taken email, in any case, is EConflict.
func (q *queries) CreateMember(ctx context.Context, m *hub.Member) error {
	m.Email, m.CreatedAt = strings.ToLower(m.Email), utc(m.CreatedAt)
	m.LockedUntil, m.RoleChangedAt = utcOptional(m.LockedUntil), utcOptional(m.RoleChangedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO members (tenant_id, email, name, role, locale, password_hash, created_at,
		failed_logins, locked_until, role_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		m.TenantID, m.Email, m.Name, m.Role, m.Locale, m.PasswordHash, m.CreatedAt,
		m.FailedLogins, optionalTime(m.LockedUntil), optionalTime(m.RoleChangedAt)).Scan(&m.ID)
	if err != nil {
		return storeErr(err, "member", "create member")
	}
	return nil
}

// FindMemberByID returns ENotFound when there is no such member.
func (q *queries) FindMemberByID(ctx context.Context, id int64) (*hub.Member, error) {
	m, err := scanMember(q.q.QueryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "member", "find member %d", id)
	}
	return m, nil
}

// FindMemberByEmail matches email case-insensitively.
func (q *queries) FindMemberByEmail(ctx context.Context, email string) (*hub.Member, error) {
	m, err := scanMember(q.q.QueryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE email = $1`,
		strings.ToLower(email)))
	if err != nil {
		return nil, storeErr(err, "member", "find member by email")
	}
	return m, nil
}

// FindMembers returns the tenant's members in the order they were added.
func (q *queries) FindMembers(ctx context.Context, tenantID int64) ([]*hub.Member, error) {
	rows, err := q.q.Query(ctx, `SELECT `+memberColumns+` FROM members WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, storeErr(err, "member", "find members of tenant %d", tenantID)
	}
	defer rows.Close()
	out := []*hub.Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, storeErr(err, "member", "scan member")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "member", "find members of tenant %d", tenantID)
	}
	return out, nil
}

// UpdateMember writes m's name, role, locale, password hash and role
// change time. A missing member is ENotFound.
func (q *queries) UpdateMember(ctx context.Context, m *hub.Member) error {
	m.RoleChangedAt = utcOptional(m.RoleChangedAt)
	tag, err := q.q.Exec(ctx, `UPDATE members SET name = $1, role = $2, locale = $3, password_hash = $4,
		role_changed_at = $5 WHERE id = $6`,
		m.Name, m.Role, m.Locale, m.PasswordHash, optionalTime(m.RoleChangedAt), m.ID)
	if err != nil {
		return storeErr(err, "member", "update member %d", m.ID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "member not found")
	}
	return nil
}

// DeleteMember deletes a member; the foreign keys delete their sessions
// and password resets and unassign their conversations and tickets.
func (q *queries) DeleteMember(ctx context.Context, id int64) error {
	tag, err := q.q.Exec(ctx, `DELETE FROM members WHERE id = $1`, id)
	if err != nil {
		return storeErr(err, "member", "delete member %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "member not found")
	}
	return nil
}

// LockTeam locks the tenant's row until the transaction ends. Ticket
// numbering updates the same row, so it waits too, for as long as a team
// change takes.
func (q *queries) LockTeam(ctx context.Context, tenantID int64) error {
	var id int64
	if err := q.q.QueryRow(ctx, `SELECT id FROM tenants WHERE id = $1 FOR UPDATE`, tenantID).Scan(&id); err != nil {
		return storeErr(err, "tenant", "lock team of tenant %d", tenantID)
	}
	return nil
}

// AddLoginFailure counts a failed sign-in in one statement.
func (q *queries) AddLoginFailure(ctx context.Context, memberID int64) (int, error) {
	var n int
	err := q.q.QueryRow(ctx, `UPDATE members SET failed_logins = failed_logins + 1 WHERE id = $1
		RETURNING failed_logins`, memberID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "member", "count failed sign-in of member %d", memberID)
	}
	return n, nil
}

// LockMember moves locked_until to until unless it is later already.
func (q *queries) LockMember(ctx context.Context, memberID int64, until time.Time) error {
	tag, err := q.q.Exec(ctx, `UPDATE members SET locked_until = GREATEST(locked_until, $1) WHERE id = $2`,
		utc(until), memberID)
	if err != nil {
		return storeErr(err, "member", "lock member %d", memberID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "member not found")
	}
	return nil
}

// ResetLoginFailures clears the failure count and the lock.
func (q *queries) ResetLoginFailures(ctx context.Context, memberID int64) error {
	tag, err := q.q.Exec(ctx, `UPDATE members SET failed_logins = 0, locked_until = NULL WHERE id = $1`, memberID)
	if err != nil {
		return storeErr(err, "member", "reset failed sign-ins of member %d", memberID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "member not found")
	}
	return nil
}
