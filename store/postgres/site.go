package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/jsoncol"
)

const siteColumns = `id, tenant_id, key, name, allowed_origins::text, identity_secret, verified_only, widget_enabled,
	paused, tickets_enabled, support_email, assistant_enabled, instructions, default_locale, appearance::text,
	created_at, updated_at, handoff, ai_provider, version, synonyms::text, knowledge_version`

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
		&site.Instructions, &site.DefaultLocale, &appearance, &site.CreatedAt, &site.UpdatedAt, &handoff, &provider, &site.Version,
		&synonyms, &site.KnowledgeVersion)
	if err != nil {
		return nil, err
	}
	if err := jsoncol.ParseSite(&site, origins, appearance, handoff, provider); err != nil {
		return nil, err
	}
	if err := jsoncol.ParseSynonyms(&site, synonyms); err != nil {
		return nil, err
	}
	site.CreatedAt, site.UpdatedAt = site.CreatedAt.UTC(), site.UpdatedAt.UTC()
	return &site, nil
}

// CreateSite inserts s and sets its ID. A taken key is EConflict.
func (q *queries) CreateSite(ctx context.Context, s *hub.Site) error {
	s.CreatedAt, s.UpdatedAt = utc(s.CreatedAt), utc(s.UpdatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO sites (tenant_id, key, name, allowed_origins, identity_secret, verified_only,
		widget_enabled, paused, tickets_enabled, support_email, assistant_enabled, instructions, default_locale, appearance,
		created_at, updated_at, handoff, ai_provider, synonyms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
		s.TenantID, s.Key, s.Name, jsoncol.Origins(s.AllowedOrigins), s.IdentitySecret, s.VerifiedOnly, s.WidgetEnabled,
		s.Paused, s.TicketsEnabled, s.SupportEmail, s.AssistantEnabled, s.Instructions, s.DefaultLocale,
		jsoncol.Appearance(s.Appearance), s.CreatedAt, s.UpdatedAt, jsoncol.Settings(s.Handoff),
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
	s, err := scanSite(q.q.QueryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "site", "find site %d", id)
	}
	return s, nil
}

// FindSiteByKey finds a site by its public key.
func (q *queries) FindSiteByKey(ctx context.Context, key string) (*hub.Site, error) {
	s, err := scanSite(q.q.QueryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE key = $1`, key))
	if err != nil {
		return nil, storeErr(err, "site", "find site by key")
	}
	return s, nil
}

// FindSites returns the tenant's sites in the order they were created.
func (q *queries) FindSites(ctx context.Context, tenantID int64) ([]*hub.Site, error) {
	rows, err := q.q.Query(ctx, `SELECT `+siteColumns+` FROM sites WHERE tenant_id = $1 ORDER BY id`, tenantID)
	out, err := collect(rows, err, scanSite)
	if err != nil {
		return nil, storeErr(err, "site", "find sites of tenant %d", tenantID)
	}
	return out, nil
}

// UpdateSite writes every field but ID, TenantID, Version,
// KnowledgeVersion and CreatedAt, and increments the version, and the
// knowledge version when the synonyms change; the row stays locked until
// the transaction ends.
func (q *queries) UpdateSite(ctx context.Context, s *hub.Site) error {
	s.UpdatedAt = utc(s.UpdatedAt)
	if s.Synonyms == nil {
		s.Synonyms = [][]string{}
	}
	err := q.q.QueryRow(ctx, `UPDATE sites SET key = $2, name = $3, allowed_origins = $4, identity_secret = $5,
		verified_only = $6, widget_enabled = $7, paused = $8, tickets_enabled = $9, support_email = $10,
		assistant_enabled = $11, instructions = $12, default_locale = $13, appearance = $14, updated_at = $15,
		handoff = $16, ai_provider = $17, version = version + 1,
		knowledge_version = knowledge_version + CASE WHEN synonyms = $18::jsonb THEN 0 ELSE 1 END, synonyms = $18
		WHERE id = $1 RETURNING version, knowledge_version`,
		s.ID, s.Key, s.Name, jsoncol.Origins(s.AllowedOrigins), s.IdentitySecret, s.VerifiedOnly, s.WidgetEnabled, s.Paused,
		s.TicketsEnabled, s.SupportEmail, s.AssistantEnabled, s.Instructions, s.DefaultLocale, jsoncol.Appearance(s.Appearance),
		s.UpdatedAt, jsoncol.Settings(s.Handoff), jsoncol.Settings(s.AIProvider), jsoncol.Synonyms(s.Synonyms)).Scan(&s.Version,
		&s.KnowledgeVersion)
	if err != nil {
		return storeErr(err, "site", "update site %d", s.ID)
	}
	return nil
}

// TouchSites increments the version of every site of the tenant and
// returns them, by id, as they are after the increment (the rows stay
// locked until the transaction ends).
func (q *queries) TouchSites(ctx context.Context, tenantID int64) ([]*hub.Site, error) {
	rows, err := q.q.Query(ctx, `UPDATE sites SET version = version + 1 WHERE tenant_id = $1 RETURNING `+siteColumns, tenantID)
	out, err := collect(rows, err, scanSite)
	if err != nil {
		return nil, storeErr(err, "site", "touch sites of tenant %d", tenantID)
	}
	slices.SortFunc(out, func(a, b *hub.Site) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
