package postgres

import (
	"context"
	"strconv"

	"github.com/parley-chat/parley/hub"
)

// CreateAuditEntry inserts e and sets its ID; Data must be JSON or empty.
func (q *queries) CreateAuditEntry(ctx context.Context, e *hub.AuditEntry) error {
	data, err := jsonText(e.Data, "audit data")
	if err != nil {
		return err
	}
	e.CreatedAt = utc(e.CreatedAt)
	err = q.q.QueryRow(ctx, `INSERT INTO audit_entries (tenant_id, actor_kind, actor_id, token_id, action, subject, data,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.TenantID, e.ActorKind, e.ActorID, e.TokenID, e.Action, e.Subject, data, e.CreatedAt).Scan(&e.ID)
	if err != nil {
		return storeErr(err, "audit entry", "create audit entry")
	}
	return nil
}

// FindAuditEntries returns the tenant's entries newest first (by ID).
func (q *queries) FindAuditEntries(ctx context.Context, f hub.AuditFilter) ([]*hub.AuditEntry, error) {
	var w where
	w.add("tenant_id = ?", f.TenantID)
	if f.Subject != "" {
		w.add("subject = ?", f.Subject)
	}
	if f.BeforeID != 0 {
		w.add("id < ?", f.BeforeID)
	}
	w.args = append(w.args, hub.AuditPage.Limit(f.Limit))
	sql := `SELECT id, tenant_id, actor_kind, actor_id, token_id, action, subject, data::text, created_at FROM audit_entries
		WHERE ` + w.String() + ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(w.args))
	rows, err := q.q.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, storeErr(err, "audit entry", "find audit entries of tenant %d", f.TenantID)
	}
	defer rows.Close()
	out := []*hub.AuditEntry{}
	for rows.Next() {
		var (
			e    hub.AuditEntry
			data *string
		)
		if err := rows.Scan(&e.ID, &e.TenantID, &e.ActorKind, &e.ActorID, &e.TokenID, &e.Action, &e.Subject, &data, &e.CreatedAt); err != nil {
			return nil, storeErr(err, "audit entry", "scan audit entry")
		}
		e.Data, e.CreatedAt = rawJSON(data), e.CreatedAt.UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "audit entry", "find audit entries of tenant %d", f.TenantID)
	}
	return out, nil
}
