package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/jsoncol"
	"github.com/parley-chat/parley/store/internal/textsearch"
)

const knowledgeColumns = `id, tenant_id, site_id, kind, title, body, created_at, updated_at, language, phrasings,
	translation_of`

func scanKnowledgeEntry(s scanner) (*hub.KnowledgeEntry, error) {
	var (
		e           hub.KnowledgeEntry
		phrasings   string
		translation sql.NullInt64
	)
	err := s.Scan(&e.ID, &e.TenantID, &e.SiteID, &e.Kind, &e.Title, &e.Body, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt},
		&e.Language, &phrasings, &translation)
	if err != nil {
		return nil, err
	}
	if e.Phrasings, err = jsoncol.ParsePhrasings(phrasings); err != nil {
		return nil, err
	}
	e.TranslationOf = translation.Int64
	return &e, nil
}

// touchKnowledge increments the knowledge version of a site.
func (q *queries) touchKnowledge(ctx context.Context, siteID int64) error {
	if _, err := q.q.ExecContext(ctx, `UPDATE sites SET knowledge_version = knowledge_version + 1 WHERE id = ?`, siteID); err != nil {
		return storeErr(err, "site", "touch knowledge of site %d", siteID)
	}
	return nil
}

// LockKnowledge checks that the site exists: SQLite runs one writing
// transaction at a time, so it need not lock anything.
func (q *queries) LockKnowledge(ctx context.Context, siteID int64) error {
	var id int64
	if err := q.q.QueryRowContext(ctx, `SELECT id FROM sites WHERE id = ?`, siteID).Scan(&id); err != nil {
		return storeErr(err, "site", "lock knowledge of site %d", siteID)
	}
	return nil
}

// KnowledgeVersion returns ENotFound when there is no such site.
func (q *queries) KnowledgeVersion(ctx context.Context, siteID int64) (int64, error) {
	var v int64
	if err := q.q.QueryRowContext(ctx, `SELECT knowledge_version FROM sites WHERE id = ?`, siteID).Scan(&v); err != nil {
		return 0, storeErr(err, "site", "knowledge version of site %d", siteID)
	}
	return v, nil
}

// CreateKnowledgeEntry inserts e and sets its ID; a trigger indexes it in
// knowledge_fts. The site's knowledge version grows in the same
// transaction.
func (q *queries) CreateKnowledgeEntry(ctx context.Context, e *hub.KnowledgeEntry) error {
	e.CreatedAt, e.UpdatedAt = utc(e.CreatedAt), utc(e.UpdatedAt)
	if e.Phrasings == nil {
		e.Phrasings = []string{}
	}
	return q.atomically(ctx, func(q *queries) error {
		err := q.q.QueryRowContext(ctx, `INSERT INTO knowledge_entries (tenant_id, site_id, kind, title, body, created_at,
			updated_at, language, phrasings, translation_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.TenantID, e.SiteID, e.Kind, e.Title, e.Body, micros(e.CreatedAt), micros(e.UpdatedAt), e.Language,
			jsoncol.Phrasings(e.Phrasings), nullID(e.TranslationOf)).Scan(&e.ID)
		if err != nil {
			return storeErr(err, "knowledge entry", "create knowledge entry")
		}
		return q.touchKnowledge(ctx, e.SiteID)
	})
}

// FindKnowledgeEntryByID returns ENotFound when there is no such entry.
func (q *queries) FindKnowledgeEntryByID(ctx context.Context, id int64) (*hub.KnowledgeEntry, error) {
	e, err := scanKnowledgeEntry(q.q.QueryRowContext(ctx, `SELECT `+knowledgeColumns+` FROM knowledge_entries WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "knowledge entry", "find knowledge entry %d", id)
	}
	return e, nil
}

// FindKnowledgeEntries returns the site's entries by ascending id.
func (q *queries) FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*hub.KnowledgeEntry, error) {
	return q.knowledgeEntries(ctx, "find knowledge of site %d", siteID,
		`SELECT `+knowledgeColumns+` FROM knowledge_entries WHERE site_id = ? ORDER BY id`, siteID)
}

// UpdateKnowledgeEntry writes Kind, Title, Body, Language, Phrasings,
// TranslationOf and UpdatedAt; a trigger re-indexes the entry, and the
// site's knowledge version grows in the same transaction. A missing entry
// is ENotFound.
func (q *queries) UpdateKnowledgeEntry(ctx context.Context, e *hub.KnowledgeEntry) error {
	e.UpdatedAt = utc(e.UpdatedAt)
	if e.Phrasings == nil {
		e.Phrasings = []string{}
	}
	return q.atomically(ctx, func(q *queries) error {
		var siteID int64
		err := q.q.QueryRowContext(ctx, `UPDATE knowledge_entries SET kind = ?, title = ?, body = ?, updated_at = ?,
			language = ?, phrasings = ?, translation_of = ? WHERE id = ? RETURNING site_id`,
			e.Kind, e.Title, e.Body, micros(e.UpdatedAt), e.Language, jsoncol.Phrasings(e.Phrasings),
			nullID(e.TranslationOf), e.ID).Scan(&siteID)
		if err != nil {
			return storeErr(err, "knowledge entry", "update knowledge entry %d", e.ID)
		}
		return q.touchKnowledge(ctx, siteID)
	})
}

// DeleteKnowledgeEntry deletes an entry and, by a trigger, its index
// entry; its translations' translation_of becomes NULL (ON DELETE SET
// NULL) and the site's knowledge version grows, in the same transaction.
// A missing entry is ENotFound.
func (q *queries) DeleteKnowledgeEntry(ctx context.Context, id int64) error {
	return q.atomically(ctx, func(q *queries) error {
		var siteID int64
		err := q.q.QueryRowContext(ctx, `DELETE FROM knowledge_entries WHERE id = ? RETURNING site_id`, id).Scan(&siteID)
		if err != nil {
			return storeErr(err, "knowledge entry", "delete knowledge entry %d", id)
		}
		return q.touchKnowledge(ctx, siteID)
	})
}

// maxKnowledgeResults caps SearchKnowledge's limit.
const maxKnowledgeResults = 100

// knowledgeTitleWeight is how much more a word in the title counts than
// one in the body in bm25. bm25 normalizes each column by its length, so a
// word in a long title scores less than one in a short body; 10 keeps a
// title match ahead of body-only matches of the same word, as Postgres's
// ts_rank (no length normalization, weights 1.0 and 0.4) always does.
// storetest's "title above body" cases guard it.
const knowledgeTitleWeight = 10.0

// SearchKnowledge matches any term of query as a prefix of a word of the
// title or body through knowledge_fts and orders by bm25 (lower is better)
// with titles weighted knowledgeTitleWeight, ties by id.
func (q *queries) SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*hub.KnowledgeEntry, error) {
	terms := textsearch.Terms(query)
	if len(terms) == 0 || limit < 1 {
		return []*hub.KnowledgeEntry{}, nil
	}
	return q.knowledgeEntries(ctx, "search knowledge of site %d", siteID, `SELECT e.id, e.tenant_id, e.site_id, e.kind,
		e.title, e.body, e.created_at, e.updated_at, e.language, e.phrasings, e.translation_of
		FROM knowledge_fts JOIN knowledge_entries e ON e.id = knowledge_fts.rowid
		WHERE knowledge_fts MATCH ? AND e.site_id = ?
		ORDER BY bm25(knowledge_fts, ?, 1.0), e.id LIMIT ?`,
		ftsAnyPrefix(terms), siteID, knowledgeTitleWeight, min(limit, maxKnowledgeResults))
}

// ftsAnyPrefix ORs the terms as FTS5 prefix strings: "refund"* OR "req"*.
// Quoting makes every term a plain string whatever it holds, so user input
// never reaches FTS5's query syntax (OR, NEAR, column filters, …). Case is
// left to the tokenizer, which folds the query as it folded the index;
// ftsQuery is the AND form tickets use.
func ftsAnyPrefix(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return strings.Join(parts, " OR ")
}

// knowledgeEntries runs a query for entries; what and id describe it in
// errors.
func (q *queries) knowledgeEntries(ctx context.Context, what string, id int64, query string, args ...any) ([]*hub.KnowledgeEntry, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
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
