package postgres

import (
	"context"
	"math"
	"time"

	"github.com/parley-chat/parley/hub"
)

const tenantColumns = `id, name, plan, platform, support_access_open, support_access_until, created_at`

func scanTenant(s scanner) (*hub.Tenant, error) {
	var t hub.Tenant
	err := s.Scan(&t.ID, &t.Name, &t.Plan, &t.Platform, &t.SupportAccess.Open, &t.SupportAccess.Until, &t.CreatedAt)
	if err != nil {
		return nil, err
	}
	t.SupportAccess.Until = utcPtr(t.SupportAccess.Until)
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// CreateTenant inserts t and sets its ID. A second platform tenant is
// EConflict (the unique index tenants_platform).
func (q *queries) CreateTenant(ctx context.Context, t *hub.Tenant) error {
	t.SupportAccess.Until, t.CreatedAt = utcPtr(t.SupportAccess.Until), utc(t.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO tenants (name, plan, platform, support_access_open, support_access_until,
		created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		t.Name, t.Plan, t.Platform, t.SupportAccess.Open, t.SupportAccess.Until, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return storeErr(err, tenantNoun(t), "create tenant")
	}
	return nil
}

// tenantNoun names t in CreateTenant's errors: the only unique index on
// tenants is the platform's, so a conflict says "platform tenant already
// exists".
func tenantNoun(t *hub.Tenant) string {
	if t.Platform {
		return "platform tenant"
	}
	return "tenant"
}

// FindTenantByID returns ENotFound when there is no such tenant.
func (q *queries) FindTenantByID(ctx context.Context, id int64) (*hub.Tenant, error) {
	t, err := scanTenant(q.q.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenant %d", id)
	}
	return t, nil
}

// FindPlatformTenant returns ENotFound before the platform tenant exists.
func (q *queries) FindPlatformTenant(ctx context.Context) (*hub.Tenant, error) {
	t, err := scanTenant(q.q.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE platform`))
	if err != nil {
		return nil, storeErr(err, "platform tenant", "find platform tenant")
	}
	return t, nil
}

// UpdateSupportAccess writes the tenant's support access; ENotFound when
// there is no such tenant.
func (q *queries) UpdateSupportAccess(ctx context.Context, tenantID int64, a hub.SupportAccess) error {
	tag, err := q.q.Exec(ctx, `UPDATE tenants SET support_access_open = $2, support_access_until = $3 WHERE id = $1`,
		tenantID, a.Open, utcPtr(a.Until))
	if err != nil {
		return storeErr(err, "tenant", "update support access of tenant %d", tenantID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "tenant not found")
	}
	return nil
}

// FindTenantsWithSupportAccess returns the tenants whose access is open at
// now, by name in byte order (as in SQLite), then id, through
// tenants_support_access.
func (q *queries) FindTenantsWithSupportAccess(ctx context.Context, now time.Time) ([]*hub.Tenant, error) {
	rows, err := q.q.Query(ctx, `SELECT `+tenantColumns+` FROM tenants
		WHERE support_access_open AND (support_access_until IS NULL OR support_access_until > $1)
		ORDER BY name COLLATE "C", id`, utc(now))
	out, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenants with support access")
	}
	return out, nil
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

// UpdateTenantPlan sets the tenant's plan; ENotFound when there is no
// such tenant.
func (q *queries) UpdateTenantPlan(ctx context.Context, tenantID int64, plan string) error {
	tag, err := q.q.Exec(ctx, `UPDATE tenants SET plan = $2 WHERE id = $1`, tenantID, plan)
	if err != nil {
		return storeErr(err, "tenant", "update plan of tenant %d", tenantID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "tenant not found")
	}
	return nil
}

// FindTenants returns the customers' tenants, newest first, by the
// primary key.
func (q *queries) FindTenants(ctx context.Context, f hub.TenantFilter) ([]*hub.Tenant, error) {
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := q.q.Query(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE NOT platform AND id < $1 ORDER BY id DESC LIMIT $2`,
		before, f.Limit)
	out, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenants")
	}
	return out, nil
}
