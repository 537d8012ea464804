package sqlite

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
	var m hub.Member
	if err := s.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.Locale, &m.PasswordHash, timeCol{&m.CreatedAt},
		&m.FailedLogins, optionalTimeCol{&m.LockedUntil}, optionalTimeCol{&m.RoleChangedAt}, &m.Staff); err != nil {
		return nil, err
	}
	return &m, nil
}

// optionalTimeCol scans a time column where 0 means "never" into the zero
// time (locked_until, role_changed_at).
type optionalTimeCol struct{ t *time.Time }

func (c optionalTimeCol) Scan(v any) error {
	if n, ok := v.(int64); ok && n == 0 {
		*c.t = time.Time{}
		return nil
	}
	return timeCol(c).Scan(v)
}

// CreateMember inserts m with its email lower-cased and sets its ID. A
// taken email, in any case, is EConflict.
func (q *queries) CreateMember(ctx context.Context, m *hub.Member) error {
	m.Email, m.CreatedAt = strings.ToLower(m.Email), utc(m.CreatedAt)
	m.LockedUntil, m.RoleChangedAt = utcOptional(m.LockedUntil), utcOptional(m.RoleChangedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO members (tenant_id, email, name, role, locale, password_hash, created_at,
		failed_logins, locked_until, role_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.TenantID, m.Email, m.Name, m.Role, m.Locale, m.PasswordHash, micros(m.CreatedAt),
		m.FailedLogins, optionalMicros(m.LockedUntil), optionalMicros(m.RoleChangedAt)).Scan(&m.ID)
	if err != nil {
		return storeErr(err, "member", "create member")
	}
	return nil
}

// FindMemberByID returns ENotFound when there is no such member.
func (q *queries) FindMemberByID(ctx context.Context, id int64) (*hub.Member, error) {
	m, err := scanMember(q.q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "member", "find member %d", id)
	}
	return m, nil
}

// FindMemberByEmail matches email case-insensitively.
func (q *queries) FindMemberByEmail(ctx context.Context, email string) (*hub.Member, error) {
	m, err := scanMember(q.q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE email = ?`,
		strings.ToLower(email)))
	if err != nil {
		return nil, storeErr(err, "member", "find member by email")
	}
	return m, nil
}

// FindMembers returns the tenant's members in the order they were added.
func (q *queries) FindMembers(ctx context.Context, tenantID int64) ([]*hub.Member, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+memberColumns+` FROM members WHERE tenant_id = ? ORDER BY id`, tenantID)
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
	res, err := q.q.ExecContext(ctx, `UPDATE members SET name = ?, role = ?, locale = ?, password_hash = ?,
		role_changed_at = ? WHERE id = ?`,
		m.Name, m.Role, m.Locale, m.PasswordHash, optionalMicros(m.RoleChangedAt), m.ID)
	if err != nil {
		return storeErr(err, "member", "update member %d", m.ID)
	}
	return mustChange(res, "member", m.ID)
}

// DeleteMember deletes a member; the foreign keys delete their sessions
// and password resets and unassign their conversations and tickets.
func (q *queries) DeleteMember(ctx context.Context, id int64) error {
	res, err := q.q.ExecContext(ctx, `DELETE FROM members WHERE id = ?`, id)
	if err != nil {
		return storeErr(err, "member", "delete member %d", id)
	}
	return mustChange(res, "member", id)
}

// LockTeam checks that the tenant exists. SQLite transactions start with
// BEGIN IMMEDIATE and hold the write lock, so they are serialized already.
func (q *queries) LockTeam(ctx context.Context, tenantID int64) error {
	var id int64
	if err := q.q.QueryRowContext(ctx, `SELECT id FROM tenants WHERE id = ?`, tenantID).Scan(&id); err != nil {
		return storeErr(err, "tenant", "lock team of tenant %d", tenantID)
	}
	return nil
}

// AddLoginFailure counts a failed sign-in in one statement.
func (q *queries) AddLoginFailure(ctx context.Context, memberID int64) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `UPDATE members SET failed_logins = failed_logins + 1 WHERE id = ?
		RETURNING failed_logins`, memberID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "member", "count failed sign-in of member %d", memberID)
	}
	return n, nil
}

// LockMember moves locked_until to until unless it is later already.
func (q *queries) LockMember(ctx context.Context, memberID int64, until time.Time) error {
	res, err := q.q.ExecContext(ctx, `UPDATE members SET locked_until = MAX(locked_until, ?) WHERE id = ?`,
		micros(utc(until)), memberID)
	if err != nil {
		return storeErr(err, "member", "lock member %d", memberID)
	}
	return mustChange(res, "member", memberID)
}

// ResetLoginFailures clears the failure count and the lock.
func (q *queries) ResetLoginFailures(ctx context.Context, memberID int64) error {
	res, err := q.q.ExecContext(ctx, `UPDATE members SET failed_logins = 0, locked_until = 0 WHERE id = ?`, memberID)
	if err != nil {
		return storeErr(err, "member", "reset failed sign-ins of member %d", memberID)
	}
	return mustChange(res, "member", memberID)
}
