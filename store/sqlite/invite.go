package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/parley-chat/parley/hub"
)

const inviteColumns = `id, tenant_id, email, role, token_hash, invited_by, expires_at, accepted_at, created_at`

func scanInvite(s scanner) (*hub.Invite, error) {
	var i hub.Invite
	if err := s.Scan(&i.ID, &i.TenantID, &i.Email, &i.Role, &i.TokenHash, &i.InvitedBy, timeCol{&i.ExpiresAt},
		optionalTimeCol{&i.AcceptedAt}, timeCol{&i.CreatedAt}); err != nil {
		return nil, err
	}
	return &i, nil
}

// CreateInvite inserts i with its email lower-cased and sets its ID.
func (q *queries) CreateInvite(ctx context.Context, i *hub.Invite) error {
	i.Email = strings.ToLower(i.Email)
	i.ExpiresAt, i.AcceptedAt, i.CreatedAt = utc(i.ExpiresAt), utcOptional(i.AcceptedAt), utc(i.CreatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO invites (tenant_id, email, role, token_hash, invited_by, expires_at,
		accepted_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		i.TenantID, i.Email, i.Role, i.TokenHash, i.InvitedBy, micros(i.ExpiresAt), optionalMicros(i.AcceptedAt),
		micros(i.CreatedAt)).Scan(&i.ID)
	if err != nil {
		return storeErr(err, "invite", "create invite")
	}
	return nil
}

// FindInviteByID returns ENotFound when there is no such invite.
func (q *queries) FindInviteByID(ctx context.Context, id int64) (*hub.Invite, error) {
	i, err := scanInvite(q.q.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "invite", "find invite %d", id)
	}
	return i, nil
}

// FindInviteByTokenHash returns the invite, pending or not.
func (q *queries) FindInviteByTokenHash(ctx context.Context, hash string) (*hub.Invite, error) {
	i, err := scanInvite(q.q.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = ?`, hash))
	if err != nil {
		return nil, storeErr(err, "invite", "find invite by token")
	}
	return i, nil
}

// FindInvites returns the tenant's invites not accepted yet, by id.
func (q *queries) FindInvites(ctx context.Context, tenantID int64) ([]*hub.Invite, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE tenant_id = ? AND accepted_at = 0
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
// missing or accepted already.
func (q *queries) AcceptInvite(ctx context.Context, id int64, at time.Time) error {
	res, err := q.q.ExecContext(ctx, `UPDATE invites SET accepted_at = ? WHERE id = ? AND accepted_at = 0`,
		micros(utc(at)), id)
	if err != nil {
		return storeErr(err, "invite", "accept invite %d", id)
	}
	return mustChange(res, "invite", id)
}

// DeleteInvite returns ENotFound when there is no such invite.
func (q *queries) DeleteInvite(ctx context.Context, id int64) error {
	res, err := q.q.ExecContext(ctx, `DELETE FROM invites WHERE id = ?`, id)
	if err != nil {
		return storeErr(err, "invite", "delete invite %d", id)
	}
	return mustChange(res, "invite", id)
}
