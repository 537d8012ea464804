package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/jsoncol"
)

const siteColumns = `id, tenant_id, key, name, allowed_origins, identity_secret, verified_only, widget_enabled,
	paused, tickets_enabled, support_email, assistant_enabled, instructions, default_locale, appearance,
	created_at, updated_at, handoff, ai_provider, version, synonyms, knowledge_version`

func scanSite(s scanner) (*hub.Site, error) {
	var (
		site       hub.Site
		origins    string
		appearance string
		handoff    string
		provider   string
		synonyms   string
	)
	err := s.Scan(&site.ID, &site.TenantID, &site.Key, &site.Name, &origins, &site.IdentitySecret, &site.VerifiedOnly,
		&site.WidgetEnabled, &site.Paused, &site.TicketsEnabled, &site.SupportEmail, &site.AssistantEnabled,
		&site.Instructions, &site.DefaultLocale, &appearance, timeCol{&site.CreatedAt}, timeCol{&site.UpdatedAt},
		&handoff, &provider, &site.Version, &synonyms, &site.KnowledgeVersion)
	if err != nil {
		return nil, err
	}
	if err := jsoncol.ParseSite(&site, origins, appearance, handoff, provider); err != nil {
		return nil, err
	}
	if err := jsoncol.ParseSynonyms(&site, synonyms); err != nil {
		return nil, err
	}
	return &site, nil
}

// CreateSite inserts s and sets its ID. A taken key is EConflict.
func (q *queries) CreateSite(ctx context.Context, s *hub.Site) error {
	s.CreatedAt, s.UpdatedAt = utc(s.CreatedAt), utc(s.UpdatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO sites (tenant_id, key, name, allowed_origins, identity_secret,
		verified_only, widget_enabled, paused, tickets_enabled, support_email, assistant_enabled, instructions,
		default_locale, appearance, created_at, updated_at, handoff, ai_provider, synonyms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.TenantID, s.Key, s.Name, jsoncol.Origins(s.AllowedOrigins), s.IdentitySecret, s.VerifiedOnly, s.WidgetEnabled,
		s.Paused, s.TicketsEnabled, s.SupportEmail, s.AssistantEnabled, s.Instructions, s.DefaultLocale,
		jsoncol.Appearance(s.Appearance), micros(s.CreatedAt), micros(s.UpdatedAt), jsoncol.Settings(s.Handoff),
		jsoncol.Settings(s.AIProvider), jsoncol.Synonyms(s.Synonyms)).Scan(&s.ID)
	if err != nil {
		return storeErr(err, "site", "create site")
	}
	if s.Synonyms == nil {
		s.Synonyms = [][]string{}
	}
	s.Version, s.KnowledgeVersion = 1, 1
	return nil
}

// FindSiteByID returns ENotFound when there is no such site.
func (q *queries) FindSiteByID(ctx context.Context, id int64) (*hub.Site, error) {
	s, err := scanSite(q.q.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "site", "find site %d", id)
	}
	return s, nil
}

// FindSiteByKey finds a site by its public key.
func (q *queries) FindSiteByKey(ctx context.Context, key string) (*hub.Site, error) {
	s, err := scanSite(q.q.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE key = ?`, key))
	if err != nil {
		return nil, storeErr(err, "site", "find site by key")
	}
	return s, nil
}

// FindSites returns the tenant's sites in the order they were created.
func (q *queries) FindSites(ctx context.Context, tenantID int64) ([]*hub.Site, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE tenant_id = ? ORDER BY id`, tenantID)
	out, err := collect(rows, err, scanSite)
	if err != nil {
		return nil, storeErr(err, "site", "find sites of tenant %d", tenantID)
	}
	return out, nil
}

// UpdateSite writes every field but ID, TenantID, Version,
// KnowledgeVersion and CreatedAt, and increments the version, and the
// knowledge version when the synonyms change.
func (q *queries) UpdateSite(ctx context.Context, s *hub.Site) error {
	s.UpdatedAt = utc(s.UpdatedAt)
	if s.Synonyms == nil {
		s.Synonyms = [][]string{}
	}
	synonyms := jsoncol.Synonyms(s.Synonyms)
	err := q.q.QueryRowContext(ctx, `UPDATE sites SET key = ?, name = ?, allowed_origins = ?, identity_secret = ?,
		verified_only = ?, widget_enabled = ?, paused = ?, tickets_enabled = ?, support_email = ?,
		assistant_enabled = ?, instructions = ?, default_locale = ?, appearance = ?, updated_at = ?, handoff = ?,
		ai_provider = ?, version = version + 1, knowledge_version = knowledge_version + (synonyms IS NOT ?),
		synonyms = ? WHERE id = ? RETURNING version, knowledge_version`,
		s.Key, s.Name, jsoncol.Origins(s.AllowedOrigins), s.IdentitySecret, s.VerifiedOnly, s.WidgetEnabled, s.Paused,
		s.TicketsEnabled, s.SupportEmail, s.AssistantEnabled, s.Instructions, s.DefaultLocale, jsoncol.Appearance(s.Appearance),
		micros(s.UpdatedAt), jsoncol.Settings(s.Handoff), jsoncol.Settings(s.AIProvider), synonyms, synonyms,
		s.ID).Scan(&s.Version, &s.KnowledgeVersion)
	if err != nil {
		return storeErr(err, "site", "update site %d", s.ID)
	}
	return nil
}

// TouchSites increments the version of every site of the tenant and
// returns them, by id.
func (q *queries) TouchSites(ctx context.Context, tenantID int64) ([]*hub.Site, error) {
	if _, err := q.q.ExecContext(ctx, `UPDATE sites SET version = version + 1 WHERE tenant_id = ?`, tenantID); err != nil {
		return nil, storeErr(err, "site", "touch sites of tenant %d", tenantID)
	}
	return q.FindSites(ctx, tenantID)
}
