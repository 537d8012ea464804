package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Workspace API tokens (issue 15, docs/integrations.md "API tokens"): a
// workspace's owners and admins create them in Settings for scripts and
// integrations. A token's secret is shown once and stored only hashed
// (HashToken). A request with `Authorization: Bearer <secret>` acts for
// the member who created the token, with the role its scope gives and
// never more than that member's own (TokenActor); every audit entry it
// causes names it (AuditEntry.TokenID). The token is looked up in the
// store on every request, so a revocation or an expiry holds at once on
// every node.
//
// Guarded by TestAPITokens, TestAPITokenActor, TestAPITokenScopes
// (hub/apitoken_test.go), store/storetest's APITokens, and in cmd/parley
// TestAuthzSweep/api_tokens and TestAPITokenRevokedOnEveryNode.

// Scope is what an API token may do. Scopes are levels: each allows what
// the one before it does.
type Scope string

// Scopes.
const (
	// ScopeRead reads whatever an agent reads (any GET of the member API
	// that is not a person's own: see Actor.Person) and changes nothing
	// (Actor.Writable).
	ScopeRead Scope = "read"
	// ScopeWrite does what an agent does: replies, notes, files,
	// conversation and ticket changes.
	ScopeWrite Scope = "write"
	// ScopeAdmin does what an admin does besides: sites, the knowledge
	// base, canned responses, the team and its invitations.
	ScopeAdmin Scope = "admin"
)

// Scopes lists the scopes, narrowest first.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// Valid reports whether s is one of Scopes.
func (s Scope) Valid() bool { return s == ScopeRead || s == ScopeWrite || s == ScopeAdmin }

// Role is the role a token of scope s acts with: never owner.
func (s Scope) Role() Role {
	if s == ScopeAdmin {
		return RoleAdmin
	}
	return RoleAgent
}

// Writes reports whether a token of scope s may change anything.
func (s Scope) Writes() bool { return s == ScopeWrite || s == ScopeAdmin }

// APITokenPrefix starts every API token's secret, so that a bearer value
// is told from a session token at a glance, and a leaked one is found by
// secret scanners.
const APITokenPrefix = "parley_pat_"

// IsAPIToken reports whether a bearer value is an API token's secret.
func IsAPIToken(bearer string) bool { return strings.HasPrefix(bearer, APITokenPrefix) }

// Limits of API tokens.
const (
	// MaxAPITokenName is the longest name, in characters.
	MaxAPITokenName = 80
	// APITokenTouch is how often a token's LastUsedAt is written at most:
	// a busy integration does not write on every request.
	APITokenTouch = time.Minute
)

// APIToken is a workspace API token. Its secret is never stored.
type APIToken struct {
	ID        int64  `json:"id"`
	TenantID  int64  `json:"tenant_id"`
	Name      string `json:"name"`
	Scope     Scope  `json:"scope"`
	TokenHash string `json:"-"`
	// Hint is the secret's last four characters, to tell tokens apart.
	Hint string `json:"hint"`
	// CreatedBy is the member the token acts for.
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt nil: the token works until it is revoked.
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Expired reports whether the token's expiry has come at now.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// APITokenQueries are the store's operations on API tokens.
type APITokenQueries interface {
	// CreateAPIToken inserts t and sets its ID; a taken token hash is
	// EConflict.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// FindAPITokenByID returns ENotFound when there is no such token.
	FindAPITokenByID(ctx context.Context, id int64) (*APIToken, error)
	// FindAPITokenByHash finds a token by its secret's hash, revoked or
	// not (an indexed lookup: it runs on every request of a token).
	FindAPITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// FindAPITokens returns all of the tenant's tokens, revoked ones
	// included, newest first. Never nil.
	FindAPITokens(ctx context.Context, tenantID int64) ([]*APIToken, error)
	// RevokeAPIToken sets RevokedAt of a token not revoked yet; ENotFound
	// when it is missing or revoked already.
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
	// TouchAPIToken sets LastUsedAt (ENotFound when the token is gone).
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// NewAPIToken describes a token to create.
type NewAPIToken struct {
	Name  string `json:"name"`
	Scope Scope  `json:"scope"`
	// ExpiresAt, when set, must be in the future.
	ExpiresAt *time.Time `json:"expires_at"`
}

// canManageTokens allows a workspace's owners and admins, signed in as
// themselves: no token hands out or revokes tokens, nor does staff's
// read-only view.
func canManageTokens(actor Actor) error {
	if err := actor.Person(); err != nil {
		return err
	}
	if !actor.IsMember() || actor.ReadOnly || actor.Role != RoleOwner && actor.Role != RoleAdmin {
		return Errorf(EForbidden, "only the workspace owner or an admin can manage API tokens")
	}
	return nil
}

// CreateAPIToken creates a token of the actor's workspace and returns it
// with its secret, which is shown this once. Owners and admins only
// (EForbidden); EInvalid for an empty or long name, an unknown scope or an
// expiry not in the future.
func (s *Service) CreateAPIToken(ctx context.Context, actor Actor, in NewAPIToken) (*APIToken, string, error) {
	if err := canManageTokens(actor); err != nil {
		return nil, "", err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > MaxAPITokenName {
		return nil, "", Errorf(EInvalid, "name must be 1 to %d characters", MaxAPITokenName)
	}
	if !in.Scope.Valid() {
		return nil, "", Errorf(EInvalid, "scope must be read, write or admin")
	}
	now := s.now()
	var expires *time.Time
	if in.ExpiresAt != nil {
		e := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		if !e.After(now) {
			return nil, "", Errorf(EInvalid, "expires_at must be in the future")
		}
		expires = &e
	}
	secret := APITokenPrefix + RandomToken(32)
	t := &APIToken{TenantID: actor.TenantID, Name: name, Scope: in.Scope, TokenHash: HashToken(secret),
		Hint: secret[len(secret)-4:], CreatedBy: actor.ID, CreatedAt: now, ExpiresAt: expires}
	err := s.tx(ctx, func(q Queries) error {
		if err := q.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "api_token.create", Subject: fmt.Sprintf("api_token:%d", t.ID),
			Data: mustJSON(map[string]any{"name": t.Name, "scope": t.Scope, "expires_at": t.ExpiresAt}), CreatedAt: now})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// APITokens returns the actor's workspace's tokens that are not revoked,
// expired ones included, newest first. Owners and admins only.
func (s *Service) APITokens(ctx context.Context, actor Actor) ([]*APIToken, error) {
	if err := canManageTokens(actor); err != nil {
		return nil, err
	}
	all, err := s.Store.FindAPITokens(ctx, actor.TenantID)
	if err != nil {
		return nil, err
	}
	out := []*APIToken{}
	for _, t := range all {
		if t.RevokedAt == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeAPIToken revokes a token of the actor's workspace: the next
// request with it is refused, on every node. Owners and admins only; a
// token of another workspace, or one revoked already, is ENotFound.
func (s *Service) RevokeAPIToken(ctx context.Context, actor Actor, id int64) error {
	if err := canManageTokens(actor); err != nil {
		return err
	}
	return s.tx(ctx, func(q Queries) error {
		t, err := q.FindAPITokenByID(ctx, id)
		if err != nil {
			return err
		}
		if t.TenantID != actor.TenantID || t.RevokedAt != nil {
			return Errorf(ENotFound, "API token not found")
		}
		now := s.now()
		if err := q.RevokeAPIToken(ctx, t.ID, now); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "api_token.revoke", Subject: fmt.Sprintf("api_token:%d", t.ID),
			Data: mustJSON(map[string]any{"name": t.Name, "scope": t.Scope}), CreatedAt: now})
	})
}

// TokenActor authenticates an API token's secret: the member who created
// it, in its workspace, with the role of its scope, or the member's own
// when that is less (an admin token of a member made agent acts as an
// agent). EUnauthorized for an unknown, revoked or expired token, and when
// its creator has left the workspace. It writes LastUsedAt at most once
// per APITokenTouch.
func (s *Service) TokenActor(ctx context.Context, secret string) (Actor, error) {
	denied := Errorf(EUnauthorized, "API token unknown, revoked or expired: create a new one in Settings")
	if !IsAPIToken(secret) {
		return Actor{}, denied
	}
	t, err := s.Store.FindAPITokenByHash(ctx, HashToken(secret))
	if IsCode(err, ENotFound) {
		return Actor{}, denied
	}
	if err != nil {
		return Actor{}, err
	}
	now := s.now()
	if t.RevokedAt != nil || t.Expired(now) {
		return Actor{}, denied
	}
	m, err := s.Store.FindMemberByID(ctx, t.CreatedBy)
	if IsCode(err, ENotFound) || err == nil && m.TenantID != t.TenantID {
		return Actor{}, Errorf(EUnauthorized, "the member who created this API token left the workspace: create a new one in Settings")
	}
	if err != nil {
		return Actor{}, err
	}
	role := t.Scope.Role()
	if m.Role == RoleAgent {
		role = RoleAgent
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= APITokenTouch {
		// Last use is a hint for the token's owners: a failed write is
		// logged and the request goes on.
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.Log.Warn().Err(err).Int64("tenant", t.TenantID).Int64("api_token", t.ID).Msg("touch api token")
		}
	}
	return Actor{Kind: ActorMember, ID: m.ID, TenantID: t.TenantID, Role: role, TokenID: t.ID, TokenName: t.Name,
		Scope: t.Scope}, nil
}

// BearerActor authenticates an `Authorization: Bearer` value of the REST
// API: an API token (TokenActor) or a dashboard session (MemberActor).
func (s *Service) BearerActor(ctx context.Context, bearer string) (Actor, error) {
	if IsAPIToken(bearer) {
		return s.TokenActor(ctx, bearer)
	}
	return s.MemberActor(ctx, bearer)
}
