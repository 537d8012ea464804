package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parley-chat/parley/hub"
)

// DefaultTimeout bounds connecting to the SMTP server and each step of a
// send when SMTP.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// SMTP sends mail through an SMTP server. It is safe for concurrent use:
// each Send opens its own connection.
//
// Messages are plain text in UTF-8 (quoted-printable), with From, To,
// Reply-To (when set), Subject (RFC 2047-encoded when not ASCII), Date,
// Message-ID and "Auto-Submitted: auto-generated", so vacation responders
// stay quiet while people can still reply.
type SMTP struct {
	// Timeout bounds connecting and each step of a send: DefaultTimeout
	// when zero. A send's context deadline cuts it shorter.
	Timeout time.Duration
	// TLSConfig, when set, is used for TLS instead of the system's roots
	// (a private CA, say); its ServerName defaults to the URL's host.
	TLSConfig *tls.Config

	url         *url.URL // for String, without the password
	host        string
	port        int
	user        string
	password    string
	implicitTLS bool
	insecure    bool
	from        *mail.Address
	domain      string // of from, for Message-IDs
}

var _ hub.Mailer = (*SMTP)(nil)

// NewSMTP returns a mailer for the server at rawURL that sends as from
// ("support@example.com" or "Acme Support <support@example.com>").
//
// rawURL is one of:
//
//	smtp://user:password@host:587   STARTTLS when the server offers it (port 587 by default)
//	smtps://user:password@host:465  TLS from the first byte (port 465 by default)
//
// Credentials are optional and URL-escaped (p%40ss for p@ss). Without TLS
// the password is never sent: a server that offers no STARTTLS then only
// gets challenge-response mechanisms (SCRAM, CRAM-MD5), or the send fails.
// For a local test server such as Mailpit, ?insecure=1 also accepts any
// certificate and allows PLAIN and LOGIN without TLS:
//
//	smtp://dev:dev@127.0.0.1:1025?insecure=1
//
// Errors never quote rawURL, which may hold the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, errors.New("mail: the SMTP URL is not a valid URL: want smtp://user:password@host:port or smtps://…")
	}
	s := &SMTP{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.port = gomail.DefaultPortTLS
	case "smtps":
		s.port, s.implicitTLS = gomail.DefaultPortSSL, true
	default:
		return nil, fmt.Errorf("mail: the SMTP URL's scheme is %q: want smtp (STARTTLS) or smtps (TLS)", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: the SMTP URL names no host: want smtp://user:password@host:port")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail: the SMTP URL's port %q is not a port number", p)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: the SMTP URL must not have a path")
	}
	for key, values := range u.Query() {
		switch key {
		case "insecure":
			v := strings.ToLower(values[len(values)-1])
			s.insecure = v == "1" || v == "true" || v == "yes"
			if !s.insecure && v != "0" && v != "false" && v != "no" {
				return nil, fmt.Errorf("mail: the SMTP URL's insecure=%q: want 1 or 0", v)
			}
		default:
			return nil, fmt.Errorf("mail: the SMTP URL has an unknown parameter %q: only insecure=1 is known", key)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	s.url = &url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}
	if s.user != "" {
		s.url.User = url.User(s.user)
	}
	if s.from, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail: the sender %q is not an email address (set PARLEY_MAIL_FROM, e.g. support@example.com)", from)
	}
	_, s.domain, _ = strings.Cut(s.from.Address, "@")
	return s, nil
}

// String is the server's URL without the password, for logs.
func (s *SMTP) String() string {
	if s.url == nil {
		return "smtp://(not configured)"
	}
	return s.url.String()
}

// Send delivers m over a new connection. It gives up at ctx's deadline:
// the connection's timeouts are cut to fit in it.
func (s *SMTP) Send(ctx context.Context, m hub.Mail) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if deadline, ok := ctx.Deadline(); ok {
		// go-mail renews the deadline once, between connecting and
		// sending, so two of these fit in the context's time.
		timeout = min(timeout, time.Until(deadline)/2)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	if timeout <= 0 {
		return fmt.Errorf("mail: send to %s: %w", m.To, context.DeadlineExceeded)
	}
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.options(timeout)...)
	if err != nil {
		return fmt.Errorf("mail: smtp client for %s: %w", s, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s via %s: %w", m.To, net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return nil
}

// message builds the MIME message of m.
func (s *SMTP) message(m hub.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("mail: reply-to %q: %w", m.ReplyTo, err)
		}
	}
	msg.Subject(oneLine(m.Subject))
	id := m.MessageID
	if id == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // never fails
		id = hex.EncodeToString(b)
	}
	msg.SetMessageIDWithValue(id + "@" + s.domain)
	msg.SetDate()
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// options configures go-mail for one send.
func (s *SMTP) options(timeout time.Duration) []gomail.Option {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = s.host
	}
	if s.insecure {
		tlsConfig.InsecureSkipVerify = true // asked for by ?insecure=1, for local test servers
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConfig)}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user == "" {
		return opts
	}
	opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	if s.insecure {
		return append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
			gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
	}
	// Auto-discovery picks the strongest mechanism the server offers, and
	// without TLS none that sends the password itself.
	return append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
}
