package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// SaveReadMarker stores m unless the stored marker has a higher Seq, and
// returns the stored marker: markers never move backwards.
func (q *queries) SaveReadMarker(ctx context.Context, m hub.ReadMarker) (hub.ReadMarker, error) {
	_, err := q.q.Exec(ctx, `INSERT INTO read_markers (conversation_id, reader_kind, reader_id, seq, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (conversation_id, reader_kind, reader_id) DO UPDATE
		SET seq = excluded.seq, updated_at = excluded.updated_at
		WHERE read_markers.seq <= excluded.seq`,
		m.ConversationID, m.ReaderKind, m.ReaderID, m.Seq, utc(m.UpdatedAt))
	if err != nil {
		return hub.ReadMarker{}, storeErr(err, "read marker", "save read marker in conversation %d", m.ConversationID)
	}
	var out hub.ReadMarker
	err = q.q.QueryRow(ctx, `SELECT conversation_id, reader_kind, reader_id, seq, updated_at FROM read_markers
		WHERE conversation_id = $1 AND reader_kind = $2 AND reader_id = $3`, m.ConversationID, m.ReaderKind, m.ReaderID).
		Scan(&out.ConversationID, &out.ReaderKind, &out.ReaderID, &out.Seq, &out.UpdatedAt)
	if err != nil {
		return hub.ReadMarker{}, storeErr(err, "read marker", "find read marker in conversation %d", m.ConversationID)
	}
	out.UpdatedAt = out.UpdatedAt.UTC()
	return out, nil
}
