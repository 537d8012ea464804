package hub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Session and token lifetimes.
const (
	SessionTTL      = 30 * 24 * time.Hour
	VisitorTokenTTL = 30 * 24 * time.Hour
)

// RandomToken returns n random bytes, URL-safe base64 encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a session token, the form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// HashPassword returns a bcrypt hash of password: at least
// MinPasswordLength characters and at most 72 bytes (bcrypt's limit).
func HashPassword(password string) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return "", Errorf(EInvalid, "password must be at least %d characters", MinPasswordLength)
	}
	if len(password) > 72 {
		return "", Errorf(EInvalid, "password must be at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// Login checks a member's email and password and starts a session. It
// returns the session token, which is shown once and stored only hashed.
//
// Failed sign-ins are throttled per account (hub/account.go): after
// loginFailuresBeforeLock failures in a row the account refuses sign-in
// for a growing period, with ERateLimited carrying the delay (RetryDelay),
// even for the right password. Emails without an account answer exactly
// like accounts, so neither the answer nor the lock tells which exist.
func (s *Service) Login(ctx context.Context, email, password string) (string, *Member, error) {
	denied := Errorf(EUnauthorized, "wrong email or password")
	email = normalizeEmail(email)
	m, err := s.Store.FindMemberByEmail(ctx, email)
	if IsCode(err, ENotFound) {
		if err := s.throttleUnknown(ctx, email); err != nil {
			return "", nil, err
		}
		// Spend the same time as a real check, so timing does not reveal
		// which emails have accounts.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z6gXbT9Kxg7tRp5r0b0l3RCm"), []byte(password))
		s.failUnknown(ctx, email)
		return "", nil, denied
	}
	if err != nil {
		return "", nil, err
	}
	if err := s.verifyPassword(ctx, m, password, denied); err != nil {
		return "", nil, err
	}
	token, err := s.startSession(ctx, m)
	if err != nil {
		return "", nil, err
	}
	return token, m, nil
}

// startSession creates a session for m and returns its token.
func (s *Service) startSession(ctx context.Context, m *Member) (string, error) {
	token := RandomToken(32)
	now := s.now()
	sess := &Session{MemberID: m.ID, TenantID: m.TenantID, TokenHash: HashToken(token), CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// Logout ends the session of token. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	sess, err := s.Store.FindSessionByTokenHash(ctx, HashToken(token))
	if IsCode(err, ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(ctx, sess.ID); err != nil {
		return err
	}
	// The member's sockets re-check their session now: the ones this
	// session opened close (realtime, close code 4001).
	s.publishSessionsChanged(ctx, sess.TenantID, sess.MemberID)
	return nil
}

// MemberActor authenticates a dashboard session token.
func (s *Service) MemberActor(ctx context.Context, token string) (Actor, error) {
	denied := Errorf(EUnauthorized, "session expired or unknown: log in again")
	if token == "" {
		return Actor{}, denied
	}
	if IsAPIToken(token) {
		// A session's place (the dashboard, the agent websocket) takes no
		// API token: BearerActor takes them on the REST API.
		return Actor{}, Errorf(EUnauthorized, "API tokens work on the REST API only: sign in to the dashboard for this")
	}
	sess, err := s.Store.FindSessionByTokenHash(ctx, HashToken(token))
	if IsCode(err, ENotFound) {
		return Actor{}, denied
	}
	if err != nil {
		return Actor{}, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return Actor{}, denied
	}
	m, err := s.Store.FindMemberByID(ctx, sess.MemberID)
	if IsCode(err, ENotFound) {
		return Actor{}, denied
	}
	if err != nil {
		return Actor{}, err
	}
	return Actor{Kind: ActorMember, ID: m.ID, TenantID: m.TenantID, Role: m.Role, Staff: m.Staff}, nil
}

// visitorClaims is the payload of a visitor token.
type visitorClaims struct {
	Visitor  int64 `json:"v"`
	Site     int64 `json:"s"`
	Tenant   int64 `json:"t"`
	Expires  int64 `json:"e"`
	Verified bool  `json:"vf,omitempty"`
	// Origin is the page the visit started from (Actor.Origin).
	Origin string `json:"o,omitempty"`
}

// IssueVisitorToken signs a token that authenticates v on any node;
// verified says their identity was proven by the site, origin is the page
// the visit started from (lower-cased), which must stay allowed.
func (s *Service) IssueVisitorToken(v *Visitor, verified bool, origin string) string {
	claims := visitorClaims{Visitor: v.ID, Site: v.SiteID, Tenant: v.TenantID, Expires: s.now().Add(VisitorTokenTTL).Unix(),
		Verified: verified, Origin: strings.ToLower(origin)}
	body := base64.RawURLEncoding.EncodeToString(mustJSON(claims))
	return body + "." + s.sign(body)
}

func (s *Service) sign(body string) string {
	mac := hmac.New(sha256.New, s.Secret)
	mac.Write([]byte("visitor." + body))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// VisitorActor authenticates a visitor token, and checks that the site
// still takes chats from this visitor (Gate.ForVisitor: the page's origin
// still allowed, the widget in the plan, created and published, and a
// verified visitor on a verified-only site): a change of the site applies
// to tokens already issued. It reads the site and its workspace.
func (s *Service) VisitorActor(ctx context.Context, token string) (Actor, error) {
	a, err := s.VisitorToken(token)
	if err != nil {
		return Actor{}, err
	}
	g, err := s.SiteGate(ctx, a.SiteID)
	if IsCode(err, ENotFound) {
		return Actor{}, errVisitorToken()
	}
	if err != nil {
		return Actor{}, err
	}
	if reason := g.ForVisitor(a.Verified, a.Origin); reason != "" {
		return Actor{}, g.Error(reason, a.Origin)
	}
	return a, nil
}

// VisitorToken is VisitorActor without the gate: the token's signature
// and expiry only. It is for a caller that checks the gate itself against
// a copy it keeps current, as a node does for its visitor sockets
// (hub/realtime gate.go), so that opening a socket does not read the site
// and its workspace again.
func (s *Service) VisitorToken(token string) (Actor, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(body))) {
		return Actor{}, errVisitorToken()
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Actor{}, errVisitorToken()
	}
	var c visitorClaims
	if err := json.Unmarshal(raw, &c); err != nil || s.now().Unix() >= c.Expires {
		return Actor{}, errVisitorToken()
	}
	return Actor{Kind: ActorVisitor, ID: c.Visitor, TenantID: c.Tenant, SiteID: c.Site, Verified: c.Verified, Origin: c.Origin}, nil
}

// errVisitorToken is the one answer to a token that does not hold.
func errVisitorToken() error {
	return Errorf(EUnauthorized, "visitor token invalid or expired: start a new visitor session")
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// validEmail is a deliberately loose check: one @, a dot in the domain, no
// spaces. Deliverability is the mail server's business.
func validEmail(email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(email, " \t\r\n<>,;") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && len(email) <= 254
}
