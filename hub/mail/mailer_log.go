package mail

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// Log is the mailer of a node without an SMTP server: it logs each email,
// body included, at warn level and reports success, so the outbox marks it
// sent instead of retrying (004 "Troubleshooting": payload logged only).
type Log struct {
	Logger zerolog.Logger
}

var _ hub.Mailer = Log{}

// Send logs m and returns nil.
func (l Log) Send(_ context.Context, m hub.Mail) error {
	l.Logger.Warn().Str("event", "email_not_sent").Str("to", m.To).Str("reply_to", m.ReplyTo).
		Str("subject", m.Subject).Str("body", m.Text).
		Msg("email payload logged only: no SMTP server configured (set PARLEY_SMTP_URL)")
	return nil
}
