package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

const visitorColumns = `id, tenant_id, site_id, anonymous_id, external_id, email, name, traits::text, locale, country,
	device, current_page, first_seen, last_seen`

func scanVisitor(s scanner) (*hub.Visitor, error) {
	var (
		v      hub.Visitor
		traits *string
	)
	err := s.Scan(&v.ID, &v.TenantID, &v.SiteID, &v.AnonymousID, &v.ExternalID, &v.Email, &v.Name, &traits, &v.Locale,
		&v.Country, &v.Device, &v.CurrentPage, &v.FirstSeen, &v.LastSeen)
	if err != nil {
		return nil, err
	}
	v.Traits = rawJSON(traits)
	v.FirstSeen, v.LastSeen = v.FirstSeen.UTC(), v.LastSeen.UTC()
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
	err = q.q.QueryRow(ctx, `INSERT INTO visitors (tenant_id, site_id, anonymous_id, external_id, email, name, traits,
		locale, country, device, current_page, first_seen, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		v.TenantID, v.SiteID, v.AnonymousID, v.ExternalID, v.Email, v.Name, traits, v.Locale, v.Country, v.Device,
		v.CurrentPage, v.FirstSeen, v.LastSeen).Scan(&v.ID)
	if err != nil {
		return storeErr(err, "visitor", "create visitor")
	}
	return nil
}

// FindVisitorByID returns ENotFound when there is no such visitor.
func (q *queries) FindVisitorByID(ctx context.Context, id int64) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRow(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "visitor", "find visitor %d", id)
	}
	return v, nil
}

// LockVisitor locks the visitor's row until the transaction ends.
func (q *queries) LockVisitor(ctx context.Context, id int64) error {
	if err := q.q.QueryRow(ctx, `SELECT id FROM visitors WHERE id = $1 FOR UPDATE`, id).Scan(&id); err != nil {
		return storeErr(err, "visitor", "lock visitor %d", id)
	}
	return nil
}

// FindVisitorByAnonymousID finds a site's visitor by the widget's id.
func (q *queries) FindVisitorByAnonymousID(ctx context.Context, siteID int64, anonymousID string) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRow(ctx, `SELECT `+visitorColumns+` FROM visitors
		WHERE site_id = $1 AND anonymous_id = $2`, siteID, anonymousID))
	if err != nil {
		return nil, storeErr(err, "visitor", "find visitor of site %d by anonymous id", siteID)
	}
	return v, nil
}

// FindVisitorByExternalID finds a site's visitor by the customer's own id;
// the empty id matches nobody.
func (q *queries) FindVisitorByExternalID(ctx context.Context, siteID int64, externalID string) (*hub.Visitor, error) {
	v, err := scanVisitor(q.q.QueryRow(ctx, `SELECT `+visitorColumns+` FROM visitors
		WHERE site_id = $1 AND external_id = $2 AND external_id <> ''`, siteID, externalID))
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
	tag, err := q.q.Exec(ctx, `UPDATE visitors SET anonymous_id = $2, external_id = $3, email = $4, name = $5,
		traits = $6, locale = $7, country = $8, device = $9, current_page = $10, last_seen = $11 WHERE id = $1`,
		v.ID, v.AnonymousID, v.ExternalID, v.Email, v.Name, traits, v.Locale, v.Country, v.Device, v.CurrentPage, v.LastSeen)
	if err != nil {
		return storeErr(err, "visitor", "update visitor %d", v.ID)
	}
	if tag.RowsAffected() == 0 {
		return hub.Errorf(hub.ENotFound, "visitor not found")
	}
	return nil
}

// FindVisitorsByIDs returns the visitors of ids that exist.
func (q *queries) FindVisitorsByIDs(ctx context.Context, ids []int64) ([]*hub.Visitor, error) {
	out := []*hub.Visitor{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.Query(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE id = ANY($1)`, ids)
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
