package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

const cannedColumns = `id, tenant_id, title, body, created_by, created_at, updated_at`

func scanCanned(s scanner) (*hub.CannedResponse, error) {
	var c hub.CannedResponse
	if err := s.Scan(&c.ID, &c.TenantID, &c.Title, &c.Body, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateCannedResponse inserts c and sets its ID.
func (q *queries) CreateCannedResponse(ctx context.Context, c *hub.CannedResponse) error {
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO canned_responses (tenant_id, title, body, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.TenantID, c.Title, c.Body, c.CreatedBy, c.CreatedAt, c.UpdatedAt).Scan(&c.ID)
	if err != nil {
		return storeErr(err, "canned response", "create canned response")
	}
	return nil
}

// FindCannedResponseByID returns ENotFound when there is no such response.
func (q *queries) FindCannedResponseByID(ctx context.Context, id int64) (*hub.CannedResponse, error) {
	c, err := scanCanned(q.q.QueryRow(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "canned response", "find canned response %d", id)
	}
	return c, nil
}

// FindCannedResponses returns a tenant's canned responses by title, then
// id, through canned_responses_tenant.
func (q *queries) FindCannedResponses(ctx context.Context, tenantID int64) ([]*hub.CannedResponse, error) {
	rows, err := q.q.Query(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE tenant_id = $1
		ORDER BY title COLLATE "C", id`, tenantID)
	if err != nil {
		return nil, storeErr(err, "canned response", "find canned responses of tenant %d", tenantID)
	}
	defer rows.Close()
	out := []*hub.CannedResponse{}
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, storeErr(err, "canned response", "scan canned response")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "canned response", "find canned responses of tenant %d", tenantID)
	}
	return out, nil
}

// UpdateCannedResponse writes Title, Body and UpdatedAt.
func (q *queries) UpdateCannedResponse(ctx context.Context, c *hub.CannedResponse) error {
	c.UpdatedAt = utc(c.UpdatedAt)
	tag, err := q.q.Exec(ctx, `UPDATE canned_responses SET title = $2, body = $3, updated_at = $4 WHERE id = $1`,
		c.ID, c.Title, c.Body, c.UpdatedAt)
	if err != nil {
		return storeErr(err, "canned response", "update canned response %d", c.ID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "canned response not found")
	}
	return nil
}

// DeleteCannedResponse removes a canned response.
func (q *queries) DeleteCannedResponse(ctx context.Context, id int64) error {
	tag, err := q.q.Exec(ctx, `DELETE FROM canned_responses WHERE id = $1`, id)
	if err != nil {
		return storeErr(err, "canned response", "delete canned response %d", id)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "canned response not found")
	}
	return nil
}
