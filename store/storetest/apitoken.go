package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testAPITokens: tokens are found by id and by hash, listed per tenant
// newest first with revoked ones, revoked once, touched; audit entries
// keep the token they name.
func testAPITokens(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn, other := mustTenant(t, s), mustTenant(t, s)
	creator := mustMember(t, s, tn.ID)
	expires := at(3600)
	tok := &hub.APIToken{TenantID: tn.ID, Name: "CRM sync", Scope: hub.ScopeWrite, TokenHash: unique("tok"), Hint: "abcd",
		CreatedBy: creator.ID, CreatedAt: t0, ExpiresAt: &expires}
	must(t, s.CreateAPIToken(ctx, tok))
	if tok.ID == 0 {
		t.Fatal("CreateAPIToken did not set ID")
	}
	wantEqual(t, "expires at after create", *tok.ExpiresAt, utc(expires))
	got, err := s.FindAPITokenByID(ctx, tok.ID)
	must(t, err)
	wantEqual(t, "FindAPITokenByID", got, tok)
	got, err = s.FindAPITokenByHash(ctx, tok.TokenHash)
	must(t, err)
	wantEqual(t, "FindAPITokenByHash", got, tok)
	_, err = s.FindAPITokenByHash(ctx, "nope")
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindAPITokenByID(ctx, tok.ID+1000)
	wantCode(t, err, hub.ENotFound)
	wantCode(t, s.CreateAPIToken(ctx, &hub.APIToken{TenantID: other.ID, Name: "dup", Scope: hub.ScopeRead,
		TokenHash: tok.TokenHash, CreatedBy: creator.ID, CreatedAt: t0}), hub.EConflict)

	forever := &hub.APIToken{TenantID: tn.ID, Name: "Reports", Scope: hub.ScopeRead, TokenHash: unique("tok"),
		CreatedBy: creator.ID, CreatedAt: at(1)}
	must(t, s.CreateAPIToken(ctx, forever))
	elsewhere := &hub.APIToken{TenantID: other.ID, Name: "Other", Scope: hub.ScopeAdmin, TokenHash: unique("tok"),
		CreatedBy: creator.ID, CreatedAt: at(2)}
	must(t, s.CreateAPIToken(ctx, elsewhere))
	list, err := s.FindAPITokens(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindAPITokens", list, []*hub.APIToken{forever, tok})
	none, err := s.FindAPITokens(ctx, tn.ID+1000)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("FindAPITokens of no tenant: %#v, want empty and not nil", none)
	}

	// Touch sets the last use; revoke works once and keeps the row.
	must(t, s.TouchAPIToken(ctx, tok.ID, at(60)))
	wantCode(t, s.TouchAPIToken(ctx, tok.ID+1000, at(60)), hub.ENotFound)
	must(t, s.RevokeAPIToken(ctx, tok.ID, at(70)))
	wantCode(t, s.RevokeAPIToken(ctx, tok.ID, at(71)), hub.ENotFound)
	wantCode(t, s.RevokeAPIToken(ctx, tok.ID+1000, at(71)), hub.ENotFound)
	got, err = s.FindAPITokenByHash(ctx, tok.TokenHash)
	must(t, err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(utc(at(60))) || got.RevokedAt == nil || !got.RevokedAt.Equal(utc(at(70))) {
		t.Fatalf("after touch and revoke: last used %v, revoked %v", got.LastUsedAt, got.RevokedAt)
	}
	got, err = s.FindAPITokenByID(ctx, forever.ID)
	must(t, err)
	if got.LastUsedAt != nil || got.RevokedAt != nil || got.ExpiresAt != nil {
		t.Fatalf("an untouched token: %+v", got)
	}

	// Audit entries keep the token.
	e := &hub.AuditEntry{TenantID: tn.ID, ActorKind: hub.ActorMember, ActorID: creator.ID, TokenID: tok.ID,
		Action: "ticket.status", Subject: "ticket:1", CreatedAt: t0}
	must(t, s.CreateAuditEntry(ctx, e))
	entries, err := s.FindAuditEntries(ctx, hub.AuditFilter{TenantID: tn.ID, Limit: 10})
	must(t, err)
	if len(entries) != 1 || entries[0].TokenID != tok.ID {
		t.Fatalf("audit entries: %+v, want one naming token %d", entries, tok.ID)
	}
}
