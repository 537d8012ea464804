package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/parley-chat/parley/hub"
)

const inviteColumns = `id, tenant_id, email, role, token_hash, invited_by, expires_at, accepted_at, created_at`

func scanInvite(s scanner) (*hub.Invite, error) {
	var (
		i          hub.Invite
		acceptedAt *time.Time
	)
	if err := s.Scan(&i.ID, &i.TenantID, &i.Email, &i.Role, &i.TokenHash, &i.InvitedBy, &i.ExpiresAt, &acceptedAt,
		&i.CreatedAt); err != nil {
		return nil, err
	}
	i.ExpiresAt, i.AcceptedAt, i.CreatedAt = i.ExpiresAt.UTC(), fromNullTime(acceptedAt), i.CreatedAt.UTC()
	return &i, nil
}

// CreateInvite inserts i with its email lower-cased and sets its ID.
func (q *queries) CreateInvite(ctx context.Context, i *hub.Invite) error {
	i.Email = strings.ToLower(i.Email)
	i.ExpiresAt, i.AcceptedAt, i.CreatedAt = utc(i.ExpiresAt), utcOptional(i.AcceptedAt), utc(i.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO invites (tenant_id, email, role, token_hash, invited_by, expires_at,
		accepted_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		i.TenantID, i.Email, i.Role, i.TokenHash, i.InvitedBy, i.ExpiresAt, optionalTime(i.AcceptedAt),
		i.CreatedAt).Scan(&i.ID)
	if err != nil {
		return storeErr(err, "invite", "create invite")
	}
	return nil
}

// FindInviteByID returns ENotFound when there is no such invite.
func (q *queries) FindInviteByID(ctx context.Context, id int64) (*hub.Invite, error) {
	i, err := scanInvite(q.q.QueryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "invite", "find invite %d", id)
	}
	return i, nil
}

// FindInviteByTokenHash returns the invite, pending or not.
func (q *queries) FindInviteByTokenHash(ctx context.Context, hash string) (*hub.Invite, error) {
	i, err := scanInvite(q.q.QueryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, storeErr(err, "invite", "find invite by token")
	}
	return i, nil
}

// FindInvites returns the tenant's invites not accepted yet, by id.
func (q *queries) FindInvites(ctx context.Context, tenantID int64) ([]*hub.Invite, error) {
	rows, err := q.q.Query(ctx, `SELECT `+inviteColumns+` FROM invites WHERE tenant_id = $1 AND accepted_at IS NULL
		ORDER BY id`, tenantID)
	if err != nil {
		return nil, storeErr(err, "invite", "find invites of tenant %d", tenantID)
	}
	defer rows.Close()
	out := []*hub.Invite{}
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, storeErr(err, "invite", "scan invite")
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "invite", "find invites of tenant %d", tenantID)
	}
	return out, nil
}

// AcceptInvite marks a pending invite accepted; ENotFound when it is
// missing or accepted already. The row lock makes a concurrent accept wait
// and then find it accepted.
func (q *queries) AcceptInvite(ctx context.Context, id int64, at time.Time) error {
	tag, err := q.q.Exec(ctx, `UPDATE invites SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL`, utc(at), id)
	if err != nil {
		return storeErr(err, "invite", "accept invite %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "invite not found")
	}
	return nil
}

// DeleteInvite returns ENotFound when there is no such invite.
func (q *queries) DeleteInvite(ctx context.Context, id int64) error {
	tag, err := q.q.Exec(ctx, `DELETE FROM invites WHERE id = $1`, id)
	if err != nil {
		return storeErr(err, "invite", "delete invite %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "invite not found")
	}
	return nil
}
