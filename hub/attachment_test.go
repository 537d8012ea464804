package hub_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

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

// sigOf is the signature segment of a file's link.
func sigOf(tb testing.TB, path string) string {
	tb.Helper()
	parts := strings.Split(path, "/") // "", "files", id, sig, name
	if len(parts) != 5 {
		tb.Fatalf("link %q", path)
	}
	return parts[3]
}

// TestAttachmentLinksExpire (issue 12 §4): a file's link works for a day
// (up to an hour more), listing the messages hands out a fresh one, a link
// of the previous secret works until it expires, and links without an
// expiry (the old form) or with a forged one do not work.
func TestAttachmentLinksExpire(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	m, err := f.svc.SendAttachment(ctx, f.visitor, hub.NewAttachment{ClientMsgID: "f1", Name: "shot.png", Data: pngBytes})
	if err != nil {
		t.Fatal(err)
	}
	sig := sigOf(t, m.Attachment.Path)
	start := f.now
	works := func(sig string) bool {
		_, err := f.svc.Attachment(ctx, m.Attachment.ID, sig)
		return err == nil
	}
	f.now = start.Add(hub.AttachmentLinkTTL)
	if !works(sig) {
		t.Fatal("the link stopped working within its day")
	}
	f.now = start.Add(hub.AttachmentLinkTTL + time.Hour + time.Second)
	if works(sig) {
		t.Fatal("the link works after its day and hour")
	}
	// Listing the messages gives a fresh link, to all who list them.
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: m.ConversationID})
	if err != nil {
		t.Fatal(err)
	}
	fresh := sigOf(t, msgs[0].Attachment.Path)
	if !works(fresh) {
		t.Fatal("the fresh link does not work")
	}
	// Another secret: the old links work until they expire, with the old
	// secret kept as previous; without it they do not.
	rotated := *f.svc
	rotated.Secret, rotated.PreviousSecrets = []byte("a new secret"), [][]byte{f.svc.Secret}
	if _, err := rotated.Attachment(ctx, m.Attachment.ID, fresh); err != nil {
		t.Fatalf("a link of the previous secret: %v", err)
	}
	rotated.PreviousSecrets = nil
	if _, err := rotated.Attachment(ctx, m.Attachment.ID, fresh); !hub.IsCode(err, hub.ENotFound) {
		t.Fatalf("a link of a secret no longer kept: %v", err)
	}
	exp, mac, _ := strings.Cut(fresh, ".")
	for _, bad := range []string{mac, "9999999999." + mac, exp + ".AAAAAAAAAAAAAAAAAAAAAAAA", exp, ""} {
		if works(bad) {
			t.Fatalf("link signature %q works", bad)
		}
	}
}
