package sqlite

import (
	"context"

	"github.com/parley-chat/parley/hub"
)

// CreateAttachment stores a file with its bytes and sets a.ID.
func (q *queries) CreateAttachment(ctx context.Context, a *hub.Attachment) error {
	a.CreatedAt = utc(a.CreatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO attachments (tenant_id, conversation_id, name, content_type, size, sha256,
		data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.TenantID, a.ConversationID, a.Name, a.ContentType, a.Size, a.SHA256, a.Data, micros(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return storeErr(err, "attachment", "create attachment")
	}
	return nil
}

// FindAttachment returns a file with its bytes; ENotFound when there is
// no such file.
func (q *queries) FindAttachment(ctx context.Context, id int64) (*hub.Attachment, error) {
	var a hub.Attachment
	row := q.q.QueryRowContext(ctx, `SELECT id, tenant_id, conversation_id, name, content_type, size, sha256, data,
		created_at FROM attachments WHERE id = ?`, id)
	err := row.Scan(&a.ID, &a.TenantID, &a.ConversationID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Data,
		timeCol{&a.CreatedAt})
	if err != nil {
		return nil, storeErr(err, "attachment", "find attachment %d", id)
	}
	return &a, nil
}
