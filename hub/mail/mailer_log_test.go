package mail_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	parleymail "github.com/parley-chat/parley/hub/mail"
)

func hubLogger(t *testing.T) zerolog.Logger { return hubtest.Logger(t) }

// TestLog checks the mailer of a node without SMTP: the whole payload is
// logged at warn level, with what to set, and the send succeeds.
func TestLog(t *testing.T) {
	var buf bytes.Buffer
	m := parleymail.Log{Logger: zerolog.New(&buf)}
	err := m.Send(t.Context(), hub.Mail{To: "ivan@example.test", ReplyTo: "ann@example.test",
		Subject: "[TKT-1] Возврат", Text: "Hello\nworld"})
	if err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	want := map[string]any{"level": "warn", "event": "email_not_sent", "to": "ivan@example.test",
		"reply_to": "ann@example.test", "subject": "[TKT-1] Возврат", "body": "Hello\nworld",
		"message": "email payload logged only: no SMTP server configured (set PARLEY_SMTP_URL)"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("log field %s = %v, want %v", k, got[k], v)
		}
	}
}
