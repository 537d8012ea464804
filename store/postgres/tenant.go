package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// CreateTenant inserts t and sets its ID.
func (q *queries) CreateTenant(ctx context.Context, t *hub.Tenant) error {
	t.CreatedAt = utc(t.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO tenants (name, plan, created_at) VALUES ($1, $2, $3) RETURNING id`,
		t.Name, t.Plan, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return storeErr(err, "tenant", "create tenant")
	}
	return nil
}

// FindTenantByID returns ENotFound when there is no such tenant.
func (q *queries) FindTenantByID(ctx context.Context, id int64) (*hub.Tenant, error) {
	var t hub.Tenant
	err := q.q.QueryRow(ctx, `SELECT id, name, plan, created_at FROM tenants WHERE id = $1`, id).
		Scan(&t.ID, &t.Name, &t.Plan, &t.CreatedAt)
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenant %d", id)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// CountTenants counts every tenant.
func (q *queries) CountTenants(ctx context.Context) (int, error) {
	var n int
	if err := q.q.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&n); err != nil {
		return 0, storeErr(err, "tenant", "count tenants")
	}
	return n, nil
}

// NextTicketNumber increments the tenant's ticket counter. The row lock it
// takes makes concurrent callers wait, so numbers are never handed out
// twice; a rolled-back transaction gives its number back.
func (q *queries) NextTicketNumber(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := q.q.QueryRow(ctx, `UPDATE tenants SET ticket_seq = ticket_seq + 1 WHERE id = $1 RETURNING ticket_seq`,
		tenantID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "tenant", "next ticket number of tenant %d", tenantID)
	}
	return n, nil
}
