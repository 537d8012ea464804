package hub_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// pngBytes is the start of a PNG file: enough for content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

func TestSendAttachment(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	m, err := f.svc.SendAttachment(ctx, f.visitor, hub.NewAttachment{ClientMsgID: "f1", Name: `../../etc/pa"ss\wd.png`, Data: pngBytes})
	if err != nil {
		t.Fatal(err)
	}
	ref := m.Attachment
	if ref == nil || ref.ContentType != "image/png" || ref.Name != "wd.png" || ref.Size != int64(len(pngBytes)) || m.Body != "wd.png" {
		t.Fatalf("message = %+v, attachment %+v", m, ref)
	}
	// Retrying the upload returns the same message and file.
	again, err := f.svc.SendAttachment(ctx, f.visitor, hub.NewAttachment{ClientMsgID: "f1", Name: "x.png", Data: pngBytes})
	if err != nil || again.ID != m.ID || again.Attachment.ID != ref.ID {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	// The signed path opens the file; a forged one does not.
	parts := strings.Split(ref.Path, "/") // "", "files", id, sig, name
	a, err := f.svc.Attachment(ctx, ref.ID, parts[3])
	if err != nil || !bytes.Equal(a.Data, pngBytes) || !a.IsImage() {
		t.Fatalf("download: %+v, %v", a, err)
	}
	_, err = f.svc.Attachment(ctx, ref.ID, "forged")
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Attachment(ctx, ref.ID+1, parts[3])
	wantCode(t, err, hub.ENotFound)

	for name, data := range map[string][]byte{
		"empty":      nil,
		"too big":    append(append([]byte{}, pngBytes...), make([]byte, hub.MaxAttachmentBytes)...),
		"html":       []byte("<!doctype html><script>alert(1)</script>"),
		"executable": append([]byte("MZ\x90\x00"), make([]byte, 100)...),
	} {
		if _, err := f.svc.SendAttachment(ctx, f.visitor, hub.NewAttachment{Name: name, Data: data}); hub.ErrorCode(err) != hub.EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	pdf, err := f.svc.SendAttachment(ctx, f.visitor, hub.NewAttachment{Name: "invoice.pdf", Data: []byte("%PDF-1.4\n..."), Caption: "My invoice"})
	if err != nil || pdf.Attachment.ContentType != "application/pdf" || pdf.Body != "My invoice" {
		t.Fatalf("pdf: %+v, %v", pdf, err)
	}
}
