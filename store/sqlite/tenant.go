package sqlite

import (
	"context"
	"math"
	"time"

	"github.com/parley-chat/parley/hub"
)

const tenantColumns = `id, name, plan, platform, support_access_open, support_access_until, created_at`

func scanTenant(s scanner) (*hub.Tenant, error) {
	var t hub.Tenant
	err := s.Scan(&t.ID, &t.Name, &t.Plan, &t.Platform, &t.SupportAccess.Open, nullTimeCol{&t.SupportAccess.Until},
		timeCol{&t.CreatedAt})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTenant inserts t and sets its ID. A second platform tenant is
// EConflict (the unique index tenants_platform).
func (q *queries) CreateTenant(ctx context.Context, t *hub.Tenant) error {
	t.SupportAccess.Until, t.CreatedAt = utcPtr(t.SupportAccess.Until), utc(t.CreatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO tenants (name, plan, platform, support_access_open, support_access_until,
		created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Name, t.Plan, t.Platform, t.SupportAccess.Open, microsPtr(t.SupportAccess.Until), micros(t.CreatedAt)).Scan(&t.ID)
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
	t, err := scanTenant(q.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenant %d", id)
	}
	return t, nil
}

// FindPlatformTenant returns ENotFound before the platform tenant exists.
func (q *queries) FindPlatformTenant(ctx context.Context) (*hub.Tenant, error) {
	t, err := scanTenant(q.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE platform = 1`))
	if err != nil {
		return nil, storeErr(err, "platform tenant", "find platform tenant")
	}
	return t, nil
}

// UpdateSupportAccess writes the tenant's support access; ENotFound when
// there is no such tenant.
func (q *queries) UpdateSupportAccess(ctx context.Context, tenantID int64, a hub.SupportAccess) error {
	res, err := q.q.ExecContext(ctx, `UPDATE tenants SET support_access_open = ?, support_access_until = ? WHERE id = ?`,
		a.Open, microsPtr(utcPtr(a.Until)), tenantID)
	if err != nil {
		return storeErr(err, "tenant", "update support access of tenant %d", tenantID)
	}
	return mustChange(res, "tenant", tenantID)
}

// FindTenantsWithSupportAccess returns the tenants whose access is open at
// now, by name, then id, through tenants_support_access (whose condition
// the statement repeats word for word, so that SQLite uses it).
func (q *queries) FindTenantsWithSupportAccess(ctx context.Context, now time.Time) ([]*hub.Tenant, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants
		WHERE support_access_open = 1 AND (support_access_until IS NULL OR support_access_until > ?)
		ORDER BY name, id`, micros(utc(now)))
	out, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenants with support access")
	}
	return out, nil
}

// CountTenants counts every tenant.
func (q *queries) CountTenants(ctx context.Context) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM tenants`).Scan(&n); err != nil {
		return 0, storeErr(err, "tenant", "count tenants")
	}
	return n, nil
}

// NextTicketNumber increments the tenant's ticket counter in one
// statement; a rolled-back transaction gives its number back.
func (q *queries) NextTicketNumber(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, `UPDATE tenants SET ticket_seq = ticket_seq + 1 WHERE id = ? RETURNING ticket_seq`,
		tenantID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "tenant", "next ticket number of tenant %d", tenantID)
	}
	return n, nil
}

// UpdateTenantPlan sets the tenant's plan; ENotFound when there is no
// such tenant.
func (q *queries) UpdateTenantPlan(ctx context.Context, tenantID int64, plan string) error {
	res, err := q.q.ExecContext(ctx, `UPDATE tenants SET plan = ? WHERE id = ?`, plan, tenantID)
	if err != nil {
		return storeErr(err, "tenant", "update plan of tenant %d", tenantID)
	}
	return mustChange(res, "tenant", tenantID)
}

// FindTenants returns the customers' tenants, newest first, by the
// primary key.
func (q *queries) FindTenants(ctx context.Context, f hub.TenantFilter) ([]*hub.Tenant, error) {
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := q.q.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE platform = 0 AND id < ? ORDER BY id DESC LIMIT ?`,
		before, f.Limit)
	out, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, storeErr(err, "tenant", "find tenants")
	}
	return out, nil
}
