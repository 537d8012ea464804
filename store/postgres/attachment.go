package postgres

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// CreateAttachment stores a file with its bytes and sets a.ID.
func (q *queries) CreateAttachment(ctx context.Context, a *hub.Attachment) error {
	a.CreatedAt = utc(a.CreatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO attachments (tenant_id, conversation_id, name, content_type, size, sha256,
		data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.TenantID, a.ConversationID, a.Name, a.ContentType, a.Size, a.SHA256, a.Data, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return storeErr(err, "attachment", "create attachment")
	}
	return nil
}

// FindAttachment returns a file with its bytes; ENotFound when there is
// no such file.
func (q *queries) FindAttachment(ctx context.Context, id int64) (*hub.Attachment, error) {
	var a hub.Attachment
	row := q.q.QueryRow(ctx, `SELECT id, tenant_id, conversation_id, name, content_type, size, sha256, data,
		created_at FROM attachments WHERE id = $1`, id)
	err := row.Scan(&a.ID, &a.TenantID, &a.ConversationID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Data,
		&a.CreatedAt)
	if err != nil {
		return nil, storeErr(err, "attachment", "find attachment %d", id)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}
