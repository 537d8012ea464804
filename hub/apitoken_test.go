package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// TestAPITokens: owners and admins create, list and revoke their
// workspace's tokens; the secret is shown once and only its hash is kept;
// agents, tokens and other workspaces cannot manage them.
func TestAPITokens(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	admin, adminA := addMember(t, f, "admin@acme.test", hub.RoleAdmin)
	_, agentA := addMember(t, f, "agent@acme.test", hub.RoleAgent)

	in := hub.NewAPIToken{Name: "  CRM sync ", Scope: hub.ScopeWrite}
	tok, secret, err := f.svc.CreateAPIToken(ctx, f.ownerA, in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, hub.APITokenPrefix) || len(secret) < len(hub.APITokenPrefix)+40 || !hub.IsAPIToken(secret) {
		t.Fatalf("secret %q", secret)
	}
	if tok.Name != "CRM sync" || tok.Scope != hub.ScopeWrite || tok.CreatedBy != f.owner.ID || tok.TenantID != f.tenant.ID ||
		tok.TokenHash != hub.HashToken(secret) || tok.Hint != secret[len(secret)-4:] || tok.ExpiresAt != nil {
		t.Fatalf("created %+v", tok)
	}
	stored, err := f.svc.Store.FindAPITokenByID(ctx, tok.ID)
	if err != nil || stored.TokenHash == secret || strings.Contains(stored.TokenHash, secret) {
		t.Fatalf("stored %+v, %v: the secret must not be kept", stored, err)
	}

	// An admin creates one too, with an expiry; both are listed, newest first.
	until := f.now.Add(24 * time.Hour)
	second, _, err := f.svc.CreateAPIToken(ctx, adminA, hub.NewAPIToken{Name: "Reports", Scope: hub.ScopeRead, ExpiresAt: &until})
	if err != nil {
		t.Fatal(err)
	}
	if second.CreatedBy != admin.ID || second.ExpiresAt == nil || !second.ExpiresAt.Equal(until) {
		t.Fatalf("admin's token %+v", second)
	}
	list, err := f.svc.APITokens(ctx, f.ownerA)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != tok.ID {
		t.Fatalf("list %+v, %v", list, err)
	}

	// What is refused.
	past := f.now.Add(-time.Second)
	for _, c := range []struct {
		what  string
		actor hub.Actor
		in    hub.NewAPIToken
		code  string
	}{
		{"an agent", agentA, in, hub.EForbidden},
		{"an empty name", f.ownerA, hub.NewAPIToken{Name: " ", Scope: hub.ScopeRead}, hub.EInvalid},
		{"a long name", f.ownerA, hub.NewAPIToken{Name: strings.Repeat("n", hub.MaxAPITokenName+1), Scope: hub.ScopeRead}, hub.EInvalid},
		{"an unknown scope", f.ownerA, hub.NewAPIToken{Name: "x", Scope: "owner"}, hub.EInvalid},
		{"no scope", f.ownerA, hub.NewAPIToken{Name: "x"}, hub.EInvalid},
		{"an expiry now", f.ownerA, hub.NewAPIToken{Name: "x", Scope: hub.ScopeRead, ExpiresAt: &f.now}, hub.EInvalid},
		{"an expiry past", f.ownerA, hub.NewAPIToken{Name: "x", Scope: hub.ScopeRead, ExpiresAt: &past}, hub.EInvalid},
	} {
		if _, _, err := f.svc.CreateAPIToken(ctx, c.actor, c.in); hub.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.what, err, c.code)
		}
	}
	_, err = f.svc.APITokens(ctx, agentA)
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.RevokeAPIToken(ctx, agentA, tok.ID), hub.EForbidden)

	// A token manages no tokens, not even an admin one.
	_, adminSecret, err := f.svc.CreateAPIToken(ctx, f.ownerA, hub.NewAPIToken{Name: "Admin bot", Scope: hub.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := f.svc.TokenActor(ctx, adminSecret)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.CreateAPIToken(ctx, bot, in)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.APITokens(ctx, bot)
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.RevokeAPIToken(ctx, bot, tok.ID), hub.EForbidden)

	// Another workspace sees none and revokes none.
	_, other := mustTenant(t, f.svc, "Other", "owner@other.test")
	otherA := hub.Actor{Kind: hub.ActorMember, ID: other.ID, TenantID: other.TenantID, Role: hub.RoleOwner}
	theirs, err := f.svc.APITokens(ctx, otherA)
	if err != nil || len(theirs) != 0 {
		t.Fatalf("another workspace's list: %+v, %v", theirs, err)
	}
	wantCode(t, f.svc.RevokeAPIToken(ctx, otherA, tok.ID), hub.ENotFound)

	// An admin revokes the owner's token: it stops working and leaves the
	// list; revoking again is not found. Both are audited.
	if _, err := f.svc.TokenActor(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeAPIToken(ctx, adminA, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.TokenActor(ctx, secret)
	wantCode(t, err, hub.EUnauthorized)
	wantCode(t, f.svc.RevokeAPIToken(ctx, f.ownerA, tok.ID), hub.ENotFound)
	list, err = f.svc.APITokens(ctx, f.ownerA)
	if err != nil || len(list) != 2 || list[1].ID != second.ID {
		t.Fatalf("list after a revocation %+v, %v", list, err)
	}
	if got := auditActions(t, f, "api_token:"+itoa(tok.ID)); strings.Join(got, ",") != "api_token.revoke,api_token.create" {
		t.Errorf("audit of the token: %v", got)
	}
}

// TestAPITokenActor: a token acts for its creator in their workspace with
// its scope's role, capped by the creator's own; unknown, revoked and
// expired tokens and tokens of a member who left are unauthorized; the
// last use is written at most once a minute; audit entries name the token.
func TestAPITokenActor(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	admin, adminA := addMember(t, f, "admin@acme.test", hub.RoleAdmin)

	until := f.now.Add(time.Hour)
	tok, secret, err := f.svc.CreateAPIToken(ctx, f.ownerA, hub.NewAPIToken{Name: "Bot", Scope: hub.ScopeAdmin, ExpiresAt: &until})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.TokenActor(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	want := hub.Actor{Kind: hub.ActorMember, ID: f.owner.ID, TenantID: f.tenant.ID, Role: hub.RoleAdmin, TokenID: tok.ID,
		TokenName: "Bot", Scope: hub.ScopeAdmin}
	if a != want {
		t.Fatalf("actor %+v, want %+v (an admin token is never the owner)", a, want)
	}
	if b, err := f.svc.BearerActor(ctx, secret); err != nil || b != want {
		t.Fatalf("BearerActor: %+v, %v", b, err)
	}
	// A session's place takes no token.
	_, err = f.svc.MemberActor(ctx, secret)
	wantCode(t, err, hub.EUnauthorized)

	// Last use: written at the first use, then not again within a minute.
	lastUsed := func() time.Time {
		t.Helper()
		got, err := f.svc.Store.FindAPITokenByID(ctx, tok.ID)
		if err != nil || got.LastUsedAt == nil {
			t.Fatalf("token %+v, %v: no last use", got, err)
		}
		return *got.LastUsedAt
	}
	first := f.now
	if !lastUsed().Equal(first) {
		t.Fatalf("last used %v, want %v", lastUsed(), first)
	}
	f.now = f.now.Add(59 * time.Second)
	if _, err := f.svc.TokenActor(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(first) {
		t.Fatalf("last used written again within a minute: %v", lastUsed())
	}
	f.now = f.now.Add(time.Second)
	if _, err := f.svc.TokenActor(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(f.now) {
		t.Fatalf("last used %v, want %v", lastUsed(), f.now)
	}

	// The audit log names the token.
	c, err := f.svc.CreateCannedResponse(ctx, a, hub.NewCannedResponse{Title: "Hi", Body: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	es, err := f.svc.Store.FindAuditEntries(ctx, hub.AuditFilter{TenantID: f.tenant.ID, Subject: "canned_response:" + itoa(c.ID)})
	if err != nil || len(es) != 1 || es[0].TokenID != tok.ID || es[0].ActorID != f.owner.ID {
		t.Fatalf("audit of the token's write: %+v, %v", es, err)
	}

	// An admin's admin token acts as an agent once the admin is one.
	_, adminSecret, err := f.svc.CreateAPIToken(ctx, adminA, hub.NewAPIToken{Name: "Admin's", Scope: hub.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ChangeRole(ctx, f.ownerA, admin.ID, hub.RoleAgent); err != nil {
		t.Fatal(err)
	}
	if a, err := f.svc.TokenActor(ctx, adminSecret); err != nil || a.Role != hub.RoleAgent || a.ID != admin.ID {
		t.Fatalf("token of a demoted admin: %+v, %v", a, err)
	}
	// ... and stops working when they leave.
	if err := f.svc.RemoveMember(ctx, f.ownerA, admin.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.TokenActor(ctx, adminSecret)
	wantCode(t, err, hub.EUnauthorized)

	// Unknown tokens, with the prefix or without.
	for _, s := range []string{"", hub.APITokenPrefix, hub.APITokenPrefix + "made-up", secret + "x", strings.TrimPrefix(secret, hub.APITokenPrefix)} {
		if _, err := f.svc.TokenActor(ctx, s); !hub.IsCode(err, hub.EUnauthorized) {
			t.Errorf("token %q: %v, want unauthorized", s, err)
		}
	}
	// Expiry: the token works until its time, not at it.
	f.now = until.Add(-time.Microsecond)
	if _, err := f.svc.TokenActor(ctx, secret); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	f.now = until
	_, err = f.svc.TokenActor(ctx, secret)
	wantCode(t, err, hub.EUnauthorized)
}

// TestAPITokenScopes: read refuses every write (Writable) with a token's
// message; write acts as an agent; admin as an admin; no token may do
// what only a person does (Person): the profile, support, tokens.
func TestAPITokenScopes(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	actors := map[hub.Scope]hub.Actor{}
	for _, s := range hub.Scopes {
		_, secret, err := f.svc.CreateAPIToken(ctx, f.ownerA, hub.NewAPIToken{Name: string(s), Scope: s})
		if err != nil {
			t.Fatal(err)
		}
		if actors[s], err = f.svc.TokenActor(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	if s := hub.Scope("owner"); s.Valid() {
		t.Error("owner is a scope")
	}
	for scope, a := range actors {
		if a.Role != scope.Role() || a.Role == hub.RoleOwner {
			t.Errorf("%s token's role %s", scope, a.Role)
		}
		err := a.Writable()
		if scope.Writes() != (err == nil) {
			t.Errorf("%s token: Writable %v", scope, err)
		}
		if err != nil && (!hub.IsCode(err, hub.EForbidden) || !strings.Contains(hub.ErrorMessage(err), "read scope")) {
			t.Errorf("%s token: Writable says %v", scope, err)
		}
		wantCode(t, a.Person(), hub.EForbidden)
		name := "Token"
		_, err = f.svc.UpdateProfile(ctx, a, hub.ProfileUpdate{Name: &name})
		wantCode(t, err, hub.EForbidden)
		_, err = f.svc.SupportAccessOf(ctx, a)
		wantCode(t, err, hub.EForbidden)
		// Reading works with every scope.
		if _, err := f.svc.Conversations(ctx, a, hub.ConversationFilter{}); err != nil {
			t.Errorf("%s token lists conversations: %v", scope, err)
		}
	}
	if err := f.ownerA.Person(); err != nil {
		t.Errorf("the owner's session: %v", err)
	}
	// Admin's writes: admin only.
	for scope, a := range actors {
		_, err := f.svc.CreateCannedResponse(ctx, a, hub.NewCannedResponse{Title: "T " + string(scope), Body: "B"})
		if (scope == hub.ScopeAdmin) != (err == nil) {
			t.Errorf("%s token creates a canned response: %v", scope, err)
		}
	}
}
