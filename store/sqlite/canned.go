package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

const cannedColumns = `id, tenant_id, title, body, created_by, created_at, updated_at`

func scanCanned(s scanner) (*hub.CannedResponse, error) {
	var c hub.CannedResponse
	if err := s.Scan(&c.ID, &c.TenantID, &c.Title, &c.Body, &c.CreatedBy, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateCannedResponse inserts c and sets its ID.
func (q *queries) CreateCannedResponse(ctx context.Context, c *hub.CannedResponse) error {
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO canned_responses (tenant_id, title, body, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		c.TenantID, c.Title, c.Body, c.CreatedBy, micros(c.CreatedAt), micros(c.UpdatedAt)).Scan(&c.ID)
	if err != nil {
		return storeErr(err, "canned response", "create canned response")
	}
	return nil
}

// FindCannedResponseByID returns ENotFound when there is no such response.
func (q *queries) FindCannedResponseByID(ctx context.Context, id int64) (*hub.CannedResponse, error) {
	c, err := scanCanned(q.q.QueryRowContext(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "canned response", "find canned response %d", id)
	}
	return c, nil
}

// FindCannedResponses returns a tenant's canned responses by title (byte
// order, as Postgres's "C" collation), then id, through
// canned_responses_tenant.
func (q *queries) FindCannedResponses(ctx context.Context, tenantID int64) ([]*hub.CannedResponse, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE tenant_id = ?
		ORDER BY title, id`, tenantID)
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
	res, err := q.q.ExecContext(ctx, `UPDATE canned_responses SET title = ?, body = ?, updated_at = ? WHERE id = ?`,
		c.Title, c.Body, micros(c.UpdatedAt), c.ID)
	if err != nil {
		return storeErr(err, "canned response", "update canned response %d", c.ID)
	}
	return mustChange(res, "canned response", c.ID)
}

// DeleteCannedResponse removes a canned response.
func (q *queries) DeleteCannedResponse(ctx context.Context, id int64) error {
	res, err := q.q.ExecContext(ctx, `DELETE FROM canned_responses WHERE id = ?`, id)
	if err != nil {
		return storeErr(err, "canned response", "delete canned response %d", id)
	}
	return mustChange(res, "canned response", id)
}
