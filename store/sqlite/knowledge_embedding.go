package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/vector"
)

// FindKnowledgeEmbeddings returns the site's embeddings of model by entry
// id; never nil.
func (q *queries) FindKnowledgeEmbeddings(ctx context.Context, siteID int64, model string) (map[int64]hub.KnowledgeEmbedding, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT k.entry_id, k.model, k.text_hash, k.dims, k.vector, k.created_at
		FROM knowledge_embeddings k JOIN knowledge_entries e ON e.id = k.entry_id
		WHERE e.site_id = ? AND k.model = ?`, siteID, model)
	if err != nil {
		return nil, storeErr(err, "knowledge embedding", "find knowledge embeddings of site %d", siteID)
	}
	defer rows.Close()
	out := map[int64]hub.KnowledgeEmbedding{}
	for rows.Next() {
		var e hub.KnowledgeEmbedding
		var dims int
		var b []byte
		if err := rows.Scan(&e.EntryID, &e.Model, &e.TextHash, &dims, &b, timeCol{&e.CreatedAt}); err != nil {
			return nil, storeErr(err, "knowledge embedding", "scan knowledge embedding")
		}
		if e.Vector, err = vector.Decode(b, dims); err != nil {
			return nil, storeErr(err, "knowledge embedding", "read embedding of knowledge entry %d", e.EntryID)
		}
		out[e.EntryID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "knowledge embedding", "find knowledge embeddings of site %d", siteID)
	}
	return out, nil
}

// SaveKnowledgeEmbeddings upserts each embedding on (entry_id, model); the
// EXISTS skips entries deleted meanwhile instead of failing on the foreign
// key.
func (q *queries) SaveKnowledgeEmbeddings(ctx context.Context, es []hub.KnowledgeEmbedding) error {
	if err := hub.ValidEmbeddings(es); err != nil {
		return err
	}
	for _, e := range es {
		_, err := q.q.ExecContext(ctx, `INSERT INTO knowledge_embeddings (entry_id, model, text_hash, dims, vector, created_at)
			SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM knowledge_entries WHERE id = ?)
			ON CONFLICT (entry_id, model) DO UPDATE SET text_hash = excluded.text_hash, dims = excluded.dims,
				vector = excluded.vector, created_at = excluded.created_at`,
			e.EntryID, e.Model, e.TextHash, len(e.Vector), vector.Encode(e.Vector), micros(utc(e.CreatedAt)), e.EntryID)
		if err != nil {
			return storeErr(err, "knowledge embedding", "save embedding of knowledge entry %d", e.EntryID)
		}
	}
	return nil
}
