// Package mail sends Parley's email (the outbox of hub.MailWorker): SMTP
// through github.com/wneessen/go-mail, or, when no SMTP server is
// configured, a mailer that only logs what it would have sent.
package mail

import (
	"strings"
	"unicode"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// New returns the mailer for PARLEY_SMTP_URL and PARLEY_MAIL_FROM: an SMTP
// mailer (see NewSMTP), or the Log mailer when rawURL is empty.
func New(rawURL, from string, log zerolog.Logger) (hub.Mailer, error) {
	if strings.TrimSpace(rawURL) == "" {
		return Log{Logger: log}, nil
	}
	return NewSMTP(rawURL, from)
}

// oneLine turns control characters (line breaks above all) into spaces,
// so that no text can add a header line.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
