package storetest

import (
	"bytes"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testAttachments: a file keeps its bytes, and a message keeps its
// reference to the file.
func testAttachments(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0}, 1000)
	a := &hub.Attachment{TenantID: f.tenant.ID, ConversationID: f.conv.ID, Name: "shot.png", ContentType: "image/png",
		Size: int64(len(data)), SHA256: "abc", Data: data, CreatedAt: t0}
	must(t, s.CreateAttachment(ctx, a))
	if a.ID == 0 {
		t.Fatal("CreateAttachment did not set ID")
	}
	got, err := s.FindAttachment(ctx, a.ID)
	must(t, err)
	wantEqual(t, "FindAttachment", got, a)
	_, err = s.FindAttachment(ctx, a.ID+1000)
	wantCode(t, err, hub.ENotFound)

	ref := &hub.AttachmentRef{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, Path: "/files/1/sig/shot.png"}
	m := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor,
		Body: "shot.png", Attachment: ref, CreatedAt: t0})
	back, err := s.FindMessageByID(ctx, m.ID)
	must(t, err)
	wantEqual(t, "message with attachment", back, m)
	plain := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, Body: "no file", CreatedAt: t0})
	back, err = s.FindMessageByID(ctx, plain.ID)
	must(t, err)
	if back.Attachment != nil {
		t.Fatalf("message without a file has %+v", back.Attachment)
	}
}
