package postgres

import (
	"context"
	"strings"

	"github.com/parley-chat/parley/hub"
)

const memberColumns = `id, tenant_id, email, name, role, password_hash, created_at`

func scanMember(s scanner) (*hub.Member, error) {
	var m hub.Member
	if err := s.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.PasswordHash, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// CreateMember inserts m with its email lower-cased and sets its ID. A
// taken email, in any case, is EConflict.
func (q *queries) CreateMember(ctx context.Context, m *hub.Member) error {
	m.Email, m.CreatedAt = strings.ToLower(m.Email), utc(m.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO members (tenant_id, email, name, role, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.TenantID, m.Email, m.Name, m.Role, m.PasswordHash, m.CreatedAt).Scan(&m.ID)
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
