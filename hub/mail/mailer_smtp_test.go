package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/parley-chat/parley/hub"
	parleymail "github.com/parley-chat/parley/hub/mail"
)

// received is one message as the test server got it.
type received struct {
	From string
	To   []string
	Data []byte
	User string // who authenticated, "" for nobody
	TLS  bool
}

// server is a real SMTP server (emersion/go-smtp) on a port of its own
// that records what it receives.
type server struct {
	addr string
	// user and password, when set, are required before MAIL FROM.
	user, password string
	// rejectRcpt makes every RCPT TO fail with 550.
	rejectRcpt bool

	mu    sync.Mutex
	got   []received
	auths int // AUTH attempts
}

type serverConfig struct {
	user, password string
	rejectRcpt     bool
	// tls: "" plain only, "starttls" offers STARTTLS, "implicit" is TLS
	// from the first byte.
	tls string
	// insecureAuth allows AUTH without TLS.
	insecureAuth bool
}

func startServer(t *testing.T, cfg serverConfig) *server {
	t.Helper()
	srv := &server{user: cfg.user, password: cfg.password, rejectRcpt: cfg.rejectRcpt}
	s := smtp.NewServer(srv)
	s.Domain = "mx.test"
	s.AllowInsecureAuth = cfg.insecureAuth
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch cfg.tls {
	case "starttls":
		s.TLSConfig = serverTLS(t)
	case "implicit":
		s.TLSConfig = serverTLS(t)
		l = tls.NewListener(l, s.TLSConfig)
	}
	srv.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	t.Cleanup(func() {
		// Closing the listener ends Serve even if it has not registered
		// it yet (when the test skipped or ended at once); Close then ends
		// the sessions. Close alone would wait for a Serve that never
		// returns.
		_ = l.Close()
		_ = s.Close()
		<-done
	})
	return srv
}

func (s *server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{srv: s, conn: c, tls: isTLS}, nil
}

func (s *server) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *server) authAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
}

type session struct {
	srv  *server
	conn *smtp.Conn
	tls  bool
	user string
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	s.srv.mu.Lock()
	s.srv.auths++
	s.srv.mu.Unlock()
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.srv.user || password != s.srv.password {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.cur.Data = b
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// testCA is a self-signed certificate for 127.0.0.1, made once.
var testCA = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

func serverTLS(t *testing.T) *tls.Config {
	t.Helper()
	cert, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// clientTLS trusts the test certificate and nothing else.
func clientTLS(t *testing.T) *tls.Config {
	t.Helper()
	cert, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}

func mustSMTP(t *testing.T, url, from string) *parleymail.SMTP {
	t.Helper()
	m, err := parleymail.NewSMTP(url, from)
	if err != nil {
		t.Fatal(err)
	}
	m.Timeout = 5 * time.Second
	return m
}

func send(t *testing.T, m hub.Mailer, mail hub.Mail) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return m.Send(ctx, mail)
}

// parsed is a received message, decoded.
type parsed struct {
	header mail.Header
	body   string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return parsed{header: msg.Header, body: strings.ReplaceAll(string(b), "\r\n", "\n")}
}

func (p parsed) address(t *testing.T, name string) string {
	t.Helper()
	a, err := mail.ParseAddress(p.header.Get(name))
	if err != nil {
		t.Fatalf("%s header %q: %v", name, p.header.Get(name), err)
	}
	return a.Address
}

func (p parsed) subject(t *testing.T) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", p.header.Get("Subject"), err)
	}
	return s
}

func mustOne(t *testing.T, srv *server) received {
	t.Helper()
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	return got[0]
}

// TestSMTPDelivers sends to a plain-text server with AUTH PLAIN, as a local
// Mailpit is used, and checks every part of what arrives.
func TestSMTPDelivers(t *testing.T) {
	srv := startServer(t, serverConfig{user: "ann", password: "p@ss word", insecureAuth: true})
	m := mustSMTP(t, "smtp://ann:p%40ss%20word@"+srv.addr+"?insecure=1", "Acme Support <support@acme.test>")
	subject := "[TKT-42] Возврат денег за заказ №17"
	body := "Здравствуйте!\nThe refund is on its way: 100 € back.\n\nReply in the chat on Shop or to this email.\n"
	err := send(t, m, hub.Mail{To: "ivan@example.test", ReplyTo: "ann@example.test", Subject: subject, Text: body,
		MessageID: "parley.7.123"})
	if err != nil {
		t.Fatal(err)
	}
	got := mustOne(t, srv)
	if got.From != "support@acme.test" || len(got.To) != 1 || got.To[0] != "ivan@example.test" {
		t.Errorf("envelope: from %q to %q, want support@acme.test to ivan@example.test", got.From, got.To)
	}
	if got.User != "ann" {
		t.Errorf("authenticated as %q, want ann", got.User)
	}
	p := parse(t, got.Data)
	if a := p.address(t, "From"); a != "support@acme.test" {
		t.Errorf("From = %q", a)
	}
	if a := p.address(t, "To"); a != "ivan@example.test" {
		t.Errorf("To = %q", a)
	}
	if a := p.address(t, "Reply-To"); a != "ann@example.test" {
		t.Errorf("Reply-To = %q", a)
	}
	raw := p.header.Get("Subject")
	if !strings.HasPrefix(raw, "=?UTF-8?") {
		t.Errorf("raw Subject %q is not RFC 2047-encoded", raw)
	}
	if s := p.subject(t); s != subject {
		t.Errorf("Subject = %q, want %q", s, subject)
	}
	if p.body != body {
		t.Errorf("body:\n%q\nwant\n%q", p.body, body)
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("Content-Type = %q, want text/plain in UTF-8", ct)
	}
	if id := p.header.Get("Message-Id"); id != "<parley.7.123@acme.test>" {
		t.Errorf("Message-ID = %q, want <parley.7.123@acme.test>", id)
	}
	if p.header.Get("Date") == "" {
		t.Error("no Date header")
	}
	if v := p.header.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
}

// TestSMTPSubjectInjection checks that a subject cannot add header lines.
func TestSMTPSubjectInjection(t *testing.T) {
	srv := startServer(t, serverConfig{})
	m := mustSMTP(t, "smtp://"+srv.addr, "support@acme.test")
	if err := send(t, m, hub.Mail{To: "ivan@example.test", Subject: "Hi\r\nBcc: eve@evil.test", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	p := parse(t, mustOne(t, srv).Data)
	if p.header.Get("Bcc") != "" {
		t.Fatalf("the subject added a Bcc header: %q", p.header)
	}
	if s := p.subject(t); s != "Hi  Bcc: eve@evil.test" {
		t.Errorf("Subject = %q", s)
	}
	if id := p.header.Get("Message-Id"); !strings.HasSuffix(id, "@acme.test>") || len(id) < 20 {
		t.Errorf("generated Message-ID = %q, want a random one at the sender's domain", id)
	}
}

// TestSMTPStartTLS checks the default: STARTTLS when offered, with the
// certificate verified, and AUTH after it.
func TestSMTPStartTLS(t *testing.T) {
	srv := startServer(t, serverConfig{user: "ann", password: "secret", tls: "starttls"})
	m := mustSMTP(t, "smtp://ann:secret@"+srv.addr, "support@acme.test")
	m.TLSConfig = clientTLS(t)
	if err := send(t, m, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"}); err != nil {
		t.Fatal(err)
	}
	got := mustOne(t, srv)
	if !got.TLS || got.User != "ann" {
		t.Fatalf("received over TLS %v as %q, want TLS as ann", got.TLS, got.User)
	}

	// An unknown certificate is refused: the mailer verifies it.
	untrusting := mustSMTP(t, "smtp://ann:secret@"+srv.addr, "support@acme.test")
	if err := send(t, untrusting, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"}); err == nil {
		t.Fatal("send with an untrusted certificate succeeded")
	}
	if n := len(srv.received()); n != 1 {
		t.Fatalf("server has %d messages, want still 1", n)
	}
}

// TestSMTPImplicitTLS checks smtps://: TLS from the first byte.
func TestSMTPImplicitTLS(t *testing.T) {
	srv := startServer(t, serverConfig{user: "ann", password: "secret", tls: "implicit"})
	m := mustSMTP(t, "smtps://ann:secret@"+srv.addr, "support@acme.test")
	m.TLSConfig = clientTLS(t)
	if err := send(t, m, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"}); err != nil {
		t.Fatal(err)
	}
	if got := mustOne(t, srv); !got.TLS || got.User != "ann" {
		t.Fatalf("received over TLS %v as %q, want TLS as ann", got.TLS, got.User)
	}
}

// TestSMTPNoPasswordInClear checks that without TLS and without
// ?insecure=1 the password is not sent: the send fails before AUTH.
func TestSMTPNoPasswordInClear(t *testing.T) {
	srv := startServer(t, serverConfig{user: "ann", password: "secret", insecureAuth: true})
	m := mustSMTP(t, "smtp://ann:secret@"+srv.addr, "support@acme.test")
	err := send(t, m, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"})
	if err == nil {
		t.Fatal("send over a plain connection with a password succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error shows the password: %v", err)
	}
	if n := srv.authAttempts(); n != 0 {
		t.Fatalf("server saw %d AUTH attempts, want none", n)
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	srv := startServer(t, serverConfig{user: "ann", password: "secret", insecureAuth: true})
	m := mustSMTP(t, "smtp://ann:wrong@"+srv.addr+"?insecure=1", "support@acme.test")
	err := send(t, m, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"})
	if err == nil {
		t.Fatal("send with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error shows the password: %v", err)
	}
	if n := len(srv.received()); n != 0 {
		t.Fatalf("server received %d messages, want none", n)
	}
}

func TestSMTPRejectedRecipient(t *testing.T) {
	srv := startServer(t, serverConfig{rejectRcpt: true})
	m := mustSMTP(t, "smtp://"+srv.addr, "support@acme.test")
	err := send(t, m, hub.Mail{To: "nobody@example.test", Subject: "Hello", Text: "Hi"})
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("send to a rejected recipient: error %v, want the server's 550", err)
	}
	if n := len(srv.received()); n != 0 {
		t.Fatalf("server received %d messages, want none", n)
	}
}

// TestSMTPGivesUpAtDeadline talks to a server that accepts connections and
// never answers: Send must return by the context's deadline.
func TestSMTPGivesUpAtDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent until the test ends
		}
	}()
	m := mustSMTP(t, "smtp://"+l.Addr().String(), "support@acme.test")
	m.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Send(ctx, hub.Mail{To: "ivan@example.test", Subject: "Hello", Text: "Hi"}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("send to a silent server succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Send did not return after its context's deadline")
	}
}

func TestNewSMTP(t *testing.T) {
	for _, tt := range []struct {
		url, from, want string
	}{
		{"smtp://user:pa55@mail.test", "support@acme.test", "smtp://user@mail.test"},
		{"smtps://user:pa55@mail.test:2465", "Acme <support@acme.test>", "smtps://user@mail.test:2465"},
		{"smtp://127.0.0.1:1025?insecure=1", "support@acme.test", "smtp://127.0.0.1:1025?insecure=1"},
	} {
		m, err := parleymail.NewSMTP(tt.url, tt.from)
		if err != nil {
			t.Errorf("NewSMTP(%q): %v", tt.url, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("NewSMTP(%q).String() = %q, want %q (no password)", tt.url, got, tt.want)
		}
	}
	for _, tt := range []struct{ url, from string }{
		{"http://mail.test", "support@acme.test"},
		{"smtp://", "support@acme.test"},
		{"smtp://mail.test:99999", "support@acme.test"},
		{"smtp://mail.test:x", "support@acme.test"},
		{"smtp://mail.test?tls=off", "support@acme.test"},
		{"smtp://mail.test?insecure=maybe", "support@acme.test"},
		{"smtp://mail.test/path", "support@acme.test"},
		{"smtp://mail.test", ""},
		{"smtp://mail.test", "not an address"},
		{"smtp://user:hunter2%zz@mail.test", "support@acme.test"},
		{"smtp://user:hunter2@mail.test\x7f", "support@acme.test"},
	} {
		_, err := parleymail.NewSMTP(tt.url, tt.from)
		if err == nil {
			t.Errorf("NewSMTP(%q, %q) succeeded, want an error", tt.url, tt.from)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NewSMTP(%q) error shows the password: %v", tt.url, err)
		}
	}
}

func TestNew(t *testing.T) {
	m, err := parleymail.New("", "", hubLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(parleymail.Log); !ok {
		t.Fatalf("New without a URL = %T, want mail.Log", m)
	}
	m, err = parleymail.New("smtp://mail.test", "support@acme.test", hubLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*parleymail.SMTP); !ok {
		t.Fatalf("New with a URL = %T, want *mail.SMTP", m)
	}
	if _, err := parleymail.New("smtp://mail.test", "", hubLogger(t)); err == nil {
		t.Fatal("New with a URL and no sender succeeded")
	}
}
