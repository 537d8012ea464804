package postgres

import (
	"context"
	"strings"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/jsoncol"
	"github.com/parley-chat/parley/store/internal/textsearch"
)

const knowledgeColumns = `id, tenant_id, site_id, kind, title, body, created_at, updated_at, language, phrasings::text,
	translation_of`

func scanKnowledgeEntry(s scanner) (*hub.KnowledgeEntry, error) {
	var (
		e           hub.KnowledgeEntry
		phrasings   string
		translation *int64
	)
	err := s.Scan(&e.ID, &e.TenantID, &e.SiteID, &e.Kind, &e.Title, &e.Body, &e.CreatedAt, &e.UpdatedAt, &e.Language,
		&phrasings, &translation)
	if err != nil {
		return nil, err
	}
	if e.Phrasings, err = jsoncol.ParsePhrasings(phrasings); err != nil {
		return nil, err
	}
	if translation != nil {
		e.TranslationOf = *translation
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return &e, nil
}

// LockKnowledge locks the site's row until the transaction ends.
func (q *queries) LockKnowledge(ctx context.Context, siteID int64) error {
	var id int64
	if err := q.q.QueryRow(ctx, `SELECT id FROM sites WHERE id = $1 FOR UPDATE`, siteID).Scan(&id); err != nil {
		return storeErr(err, "site", "lock knowledge of site %d", siteID)
	}
	return nil
}

// KnowledgeVersion returns ENotFound when there is no such site.
func (q *queries) KnowledgeVersion(ctx context.Context, siteID int64) (int64, error) {
	var v int64
	if err := q.q.QueryRow(ctx, `SELECT knowledge_version FROM sites WHERE id = $1`, siteID).Scan(&v); err != nil {
		return 0, storeErr(err, "site", "knowledge version of site %d", siteID)
	}
	return v, nil
}

// touchKnowledge is the part of a statement that increments the knowledge
// version of the site of the entry a CTE named e wrote: one statement, so
// that the write and the increment are atomic in or out of a transaction.
const touchKnowledge = `, touched AS (UPDATE sites SET knowledge_version = knowledge_version + 1
	WHERE id = (SELECT site_id FROM e))`

// CreateKnowledgeEntry inserts e and sets its ID; the generated search
// column indexes it and the site's knowledge version grows in the same
// statement.
func (q *queries) CreateKnowledgeEntry(ctx context.Context, e *hub.KnowledgeEntry) error {
	e.CreatedAt, e.UpdatedAt = utc(e.CreatedAt), utc(e.UpdatedAt)
	if e.Phrasings == nil {
		e.Phrasings = []string{}
	}
	err := q.q.QueryRow(ctx, `WITH e AS (INSERT INTO knowledge_entries (tenant_id, site_id, kind, title, body, created_at,
		updated_at, language, phrasings, translation_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id, site_id)`+touchKnowledge+` SELECT id FROM e`,
		e.TenantID, e.SiteID, e.Kind, e.Title, e.Body, e.CreatedAt, e.UpdatedAt, e.Language,
		jsoncol.Phrasings(e.Phrasings), nullID(e.TranslationOf)).Scan(&e.ID)
	if err != nil {
		return storeErr(err, "knowledge entry", "create knowledge entry")
	}
	return nil
}

// FindKnowledgeEntryByID returns ENotFound when there is no such entry.
func (q *queries) FindKnowledgeEntryByID(ctx context.Context, id int64) (*hub.KnowledgeEntry, error) {
	e, err := scanKnowledgeEntry(q.q.QueryRow(ctx, `SELECT `+knowledgeColumns+` FROM knowledge_entries WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "knowledge entry", "find knowledge entry %d", id)
	}
	return e, nil
}

// FindKnowledgeEntries returns the site's entries by ascending id.
func (q *queries) FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*hub.KnowledgeEntry, error) {
	return q.knowledgeEntries(ctx, "find knowledge of site %d", siteID,
		`SELECT `+knowledgeColumns+` FROM knowledge_entries WHERE site_id = $1 ORDER BY id`, siteID)
}

// UpdateKnowledgeEntry writes Kind, Title, Body, Language, Phrasings,
// TranslationOf and UpdatedAt; the search column follows and the site's
// knowledge version grows in the same statement. A missing entry is
// ENotFound.
func (q *queries) UpdateKnowledgeEntry(ctx context.Context, e *hub.KnowledgeEntry) error {
	e.UpdatedAt = utc(e.UpdatedAt)
	if e.Phrasings == nil {
		e.Phrasings = []string{}
	}
	var id int64
	err := q.q.QueryRow(ctx, `WITH e AS (UPDATE knowledge_entries SET kind = $2, title = $3, body = $4, updated_at = $5,
		language = $6, phrasings = $7, translation_of = $8 WHERE id = $1 RETURNING id, site_id)`+touchKnowledge+`
		SELECT id FROM e`, e.ID, e.Kind, e.Title, e.Body, e.UpdatedAt, e.Language, jsoncol.Phrasings(e.Phrasings),
		nullID(e.TranslationOf)).Scan(&id)
	if err != nil {
		return storeErr(err, "knowledge entry", "update knowledge entry %d", e.ID)
	}
	return nil
}

// DeleteKnowledgeEntry returns ENotFound when there is no such entry. Its
// translations' translation_of becomes NULL (ON DELETE SET NULL) and the
// site's knowledge version grows, in the same statement.
func (q *queries) DeleteKnowledgeEntry(ctx context.Context, id int64) error {
	err := q.q.QueryRow(ctx, `WITH e AS (DELETE FROM knowledge_entries WHERE id = $1 RETURNING id, site_id)`+
		touchKnowledge+` SELECT id FROM e`, id).Scan(&id)
	if err != nil {
		return storeErr(err, "knowledge entry", "delete knowledge entry %d", id)
	}
	return nil
}

// maxKnowledgeResults caps SearchKnowledge's limit.
const maxKnowledgeResults = 100

// SearchKnowledge matches any term of query as a prefix of a word of the
// title or body through the search column's GIN index and orders by
// ts_rank with its default weights (title, A, 1.0; body, B, 0.4), best
// first, ties by id. ts_rank is left without length normalization: then a
// word in the title always outranks the same word found only in bodies,
// as storetest's "title above body" cases expect of every store.
func (q *queries) SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*hub.KnowledgeEntry, error) {
	terms := textsearch.Terms(query)
	if len(terms) == 0 || limit < 1 {
		return []*hub.KnowledgeEntry{}, nil
	}
	return q.knowledgeEntries(ctx, "search knowledge of site %d", siteID, `SELECT `+knowledgeColumns+`
		FROM knowledge_entries, to_tsquery('simple', $2) AS q
		WHERE site_id = $1 AND search @@ q
		ORDER BY ts_rank(search, q) DESC, id LIMIT $3`,
		siteID, tsqueryAnyPrefix(terms), min(limit, maxKnowledgeResults))
}

// tsqueryAnyPrefix ORs the terms as prefixes: 'refund':* | 'req':*. Terms
// hold only letters and digits, so quoting them cannot fail, and the
// operators of tsquery syntax never come from the user.
func tsqueryAnyPrefix(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + t + "':*"
	}
	return strings.Join(parts, " | ")
}

// knowledgeEntries runs a query for entries; what and id describe it in
// errors.
func (q *queries) knowledgeEntries(ctx context.Context, what string, id int64, sql string, args ...any) ([]*hub.KnowledgeEntry, error) {
	rows, err := q.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, storeErr(err, "knowledge entry", what, id)
	}
	defer rows.Close()
	out := []*hub.KnowledgeEntry{}
	for rows.Next() {
		e, err := scanKnowledgeEntry(rows)
		if err != nil {
			return nil, storeErr(err, "knowledge entry", "scan knowledge entry")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "knowledge entry", what, id)
	}
	return out, nil
}
