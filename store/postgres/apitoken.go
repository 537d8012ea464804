package postgres

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
)

const apiTokenColumns = `id, tenant_id, name, scope, token_hash, hint, created_by, created_at, expires_at, last_used_at, revoked_at`

func scanAPIToken(s scanner) (*hub.APIToken, error) {
	var t hub.APIToken
	if err := s.Scan(&t.ID, &t.TenantID, &t.Name, &t.Scope, &t.TokenHash, &t.Hint, &t.CreatedBy, &t.CreatedAt,
		&t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = t.CreatedAt.UTC(), utcPtr(t.ExpiresAt), utcPtr(t.LastUsedAt), utcPtr(t.RevokedAt)
	return &t, nil
}

// CreateAPIToken inserts t and sets its ID; a taken token hash is EConflict.
func (q *queries) CreateAPIToken(ctx context.Context, t *hub.APIToken) error {
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = utc(t.CreatedAt), utcPtr(t.ExpiresAt), utcPtr(t.LastUsedAt), utcPtr(t.RevokedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO api_tokens (tenant_id, name, scope, token_hash, hint, created_by, created_at,
		expires_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		t.TenantID, t.Name, t.Scope, t.TokenHash, t.Hint, t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.LastUsedAt,
		t.RevokedAt).Scan(&t.ID)
	if err != nil {
		return storeErr(err, "API token", "create API token")
	}
	return nil
}

// FindAPITokenByID returns ENotFound when there is no such token.
func (q *queries) FindAPITokenByID(ctx context.Context, id int64) (*hub.APIToken, error) {
	t, err := scanAPIToken(q.q.QueryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "API token", "find API token %d", id)
	}
	return t, nil
}

// FindAPITokenByHash finds a token by its secret's hash, revoked or not.
func (q *queries) FindAPITokenByHash(ctx context.Context, hash string) (*hub.APIToken, error) {
	t, err := scanAPIToken(q.q.QueryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, storeErr(err, "API token", "find API token by hash")
	}
	return t, nil
}

// FindAPITokens returns the tenant's tokens, newest first.
func (q *queries) FindAPITokens(ctx context.Context, tenantID int64) ([]*hub.APIToken, error) {
	rows, err := q.q.Query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE tenant_id = $1 ORDER BY id DESC`, tenantID)
	out, err := collect(rows, err, scanAPIToken)
	if err != nil {
		return nil, storeErr(err, "API token", "find API tokens of tenant %d", tenantID)
	}
	return out, nil
}

// RevokeAPIToken sets revoked_at; ENotFound when the token is missing or
// revoked already.
func (q *queries) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := q.q.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, utc(at), id)
	if err != nil {
		return storeErr(err, "API token", "revoke API token %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "API token not found")
	}
	return nil
}

// TouchAPIToken sets last_used_at; ENotFound when the token is gone.
func (q *queries) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := q.q.Exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, utc(at), id)
	if err != nil {
		return storeErr(err, "API token", "touch API token %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "API token not found")
	}
	return nil
}
