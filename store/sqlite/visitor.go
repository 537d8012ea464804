package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

const visitorColumns = `id, tenant_id, site_id, anonymous_id, external_id, email, name, traits, locale, country,
	device, current_page, first_seen, last_seen`

func scanVisitor(s scanner) (*hub.Visitor, error) {
	var (
		v      hub.Visitor
		traits *string
	)
	err := s.Scan(&v.ID, &v.TenantID, &v.SiteID, &v.AnonymousID, &v.ExternalID, &v.Email, &v.Name, &traits, &v.Locale,
		&v.Country, &v.Device, &v.CurrentPage, timeCol{&v.FirstSeen}, timeCol{&v.LastSeen})
	if err != nil {
		return nil, err
	}
	v.Traits = rawJSON(traits)
	return &v, nil
}

// CreateVisitor inserts v and sets its ID. A taken (site, anonymous id) or
// (site, external id) is EConflict; Traits must be JSON or empty.
func (q *queries) CreateVisitor(ctx context.Context, v *hub.Visitor) error {
	traits, err := jsonText(v.Traits, "traits")
	if err != nil {
		return err
	}
	v.FirstSeen, v.LastSeen = utc(v.FirstSeen), utc(v.LastSeen)
	err = q.q.QueryRowContext(ctx, `INSERT INTO visitors (tenant_id, site_id, anonymous_id, external_id, email, name,
		traits, locale, country, device, current_page, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.TenantID, v.SiteID, v.AnonymousID, v.ExternalID, v.Email, v.Name, traits, v.Locale, v.Country, v.Device,
		v.CurrentPage, micros(v.FirstSeen), micros(v.LastSeen)).Scan(&v.ID)
	if err != nil {
		return storeErr(err, "visitor", "create visitor")
	}
	return nil
}

// FindVisitorByID returns ENotFound when there is no such visitor.
func (q *queries) FindVisitorByID(ctx context.Context, id int64) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRowContext(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "visitor", "find visitor %d", id)
	}
	return v, nil
}

// FindVisitorByAnonymousID finds a site's visitor by the widget's id.
func (q *queries) FindVisitorByAnonymousID(ctx context.Context, siteID int64, anonymousID string) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRowContext(ctx, `SELECT `+visitorColumns+` FROM visitors
		WHERE site_id = ? AND anonymous_id = ?`, siteID, anonymousID))
	if err != nil {
		return nil, storeErr(err, "visitor", "find visitor of site %d by anonymous id", siteID)
	}
	return v, nil
}

// FindVisitorByExternalID finds a site's visitor by the customer's own id;
// the empty id matches nobody.
func (q *queries) FindVisitorByExternalID(ctx context.Context, siteID int64, externalID string) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRowContext(ctx, `SELECT `+visitorColumns+` FROM visitors
		WHERE site_id = ? AND external_id = ? AND external_id <> ''`, siteID, externalID))
	if err != nil {
		return nil, storeErr(err, "visitor", "find visitor of site %d by external id", siteID)
	}
	return v, nil
}

// UpdateVisitor writes every field but ID, TenantID, SiteID and FirstSeen.
func (q *queries) UpdateVisitor(ctx context.Context, v *hub.Visitor) error {
	traits, err := jsonText(v.Traits, "traits")
	if err != nil {
		return err
	}
	v.LastSeen = utc(v.LastSeen)
	res, err := q.q.ExecContext(ctx, `UPDATE visitors SET anonymous_id = ?, external_id = ?, email = ?, name = ?,
		traits = ?, locale = ?, country = ?, device = ?, current_page = ?, last_seen = ? WHERE id = ?`,
		v.AnonymousID, v.ExternalID, v.Email, v.Name, traits, v.Locale, v.Country, v.Device, v.CurrentPage,
		micros(v.LastSeen), v.ID)
	if err != nil {
		return storeErr(err, "visitor", "update visitor %d", v.ID)
	}
	return mustChange(res, "visitor", v.ID)
}

// FindVisitorsByIDs returns the visitors of ids that exist.
func (q *queries) FindVisitorsByIDs(ctx context.Context, ids []int64) ([]*hub.Visitor, error) {
	out := []*hub.Visitor{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.q.QueryContext(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, storeErr(err, "visitor", "find %d visitors", len(ids))
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVisitor(rows)
		if err != nil {
			return nil, storeErr(err, "visitor", "scan visitor")
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "visitor", "find %d visitors", len(ids))
	}
	return out, nil
}

// LockVisitor only checks that the visitor exists: SQLite has one writer
// at a time (DB.tx), which already serializes what the lock guards.
func (q *queries) LockVisitor(ctx context.Context, id int64) error {
	if err := q.q.QueryRowContext(ctx, `SELECT id FROM visitors WHERE id = ?`, id).Scan(&id); err != nil {
		return storeErr(err, "visitor", "lock visitor %d", id)
	}
	return nil
}
