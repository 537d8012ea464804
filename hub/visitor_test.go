package hub_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func userHash(secret, externalID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(externalID))
	return hex.EncodeToString(mac.Sum(nil))
}

func jwtHS256(secret string, header, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	body := enc(header) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (f *fixture) start(tb testing.TB, in hub.VisitorStart) (*hub.Visit, error) {
	tb.Helper()
	if in.SiteKey == "" {
		in.SiteKey = f.site.Key
	}
	if in.Origin == "" {
		in.Origin = "https://shop.test"
	}
	return f.svc.StartVisitor(context.Background(), in)
}

func TestVisitorTokens(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	visit, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.VisitorActor(ctx, visit.Token)
	if err != nil || a.ID != visit.Visitor.ID || a.SiteID != f.site.ID || a.TenantID != f.tenant.ID || a.Kind != hub.ActorVisitor || a.Verified {
		t.Fatalf("actor = %+v, %v", a, err)
	}
	// The same anonymous id continues the same visitor, with their conversation.
	conv := mustSend(t, f.svc, a, hub.NewMessage{Body: "hi"}).ConversationID
	again, err := f.start(t, hub.VisitorStart{AnonymousID: visit.Visitor.AnonymousID})
	if err != nil || again.Visitor.ID != visit.Visitor.ID || again.Conversation == nil || again.Conversation.ID != conv {
		t.Fatalf("return visit = %+v, %v; want visitor %d with conversation %d", again, err, visit.Visitor.ID, conv)
	}
	for name, bad := range map[string]string{"tampered": visit.Token[:len(visit.Token)-2] + "xx", "no sig": "abc", "empty": ""} {
		if _, err := f.svc.VisitorActor(ctx, bad); hub.ErrorCode(err) != hub.EUnauthorized {
			t.Errorf("%s token: %v, want unauthorized", name, err)
		}
	}
	other := &hub.Service{Store: f.svc.Store, Secret: []byte("another secret")}
	if _, err := other.VisitorActor(ctx, visit.Token); hub.ErrorCode(err) != hub.EUnauthorized {
		t.Errorf("token accepted under another secret: %v", err)
	}
	f.now = f.now.Add(hub.VisitorTokenTTL + time.Second)
	_, err = f.svc.VisitorActor(ctx, visit.Token)
	wantCode(t, err, hub.EUnauthorized)
}

func TestWidgetGates(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	reason := func(key, origin string) string {
		t.Helper()
		_, _, r, err := f.svc.WidgetSite(ctx, key, origin)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	update := func(change func(*hub.Site)) {
		t.Helper()
		change(f.site)
		if err := f.svc.Store.UpdateSite(ctx, f.site); err != nil {
			t.Fatal(err)
		}
	}
	if r := reason(f.site.Key, "https://shop.test"); r != "" {
		t.Fatalf("open site gated: %s", r)
	}
	if r := reason("site_nope", "https://shop.test"); r != hub.ReasonSiteNotMapped {
		t.Fatalf("unknown site: %q", r)
	}
	if r := reason(f.site.Key, "https://evil.test"); r != hub.ReasonSiteNotMapped {
		t.Fatalf("foreign origin: %q", r)
	}
	update(func(s *hub.Site) { s.Paused = true })
	if r := reason(f.site.Key, "https://shop.test"); r != hub.ReasonWidgetPaused {
		t.Fatalf("paused: %q", r)
	}
	_, err := f.start(t, hub.VisitorStart{})
	wantCode(t, err, hub.EForbidden)
	update(func(s *hub.Site) { s.Paused, s.WidgetEnabled = false, false })
	if r := reason(f.site.Key, "https://shop.test"); r != hub.ReasonWidgetDisabled {
		t.Fatalf("disabled: %q", r)
	}
	// A token issued before the widget was switched off stops working.
	_, err = f.svc.VisitorActor(ctx, f.svc.IssueVisitorToken(&hub.Visitor{ID: f.visitor.ID, SiteID: f.site.ID, TenantID: f.tenant.ID}, false, "https://shop.test"))
	wantCode(t, err, hub.EForbidden)

	free, owner, err := f.svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Free", Email: "free@x.test", Password: "correct horse", Plan: hub.PlanFree})
	if err != nil {
		t.Fatal(err)
	}
	site, err := f.svc.CreateSite(ctx, hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: free.ID, Role: hub.RoleOwner},
		hub.NewSite{TenantID: free.ID, Name: "Free site", AllowedOrigins: []string{"https://free.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := reason(site.Key, "https://free.test"); r != hub.ReasonFeatureLocked {
		t.Fatalf("free plan: %q", r)
	}
}

func TestIdentityVerification(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	secret := f.site.IdentitySecret
	anon, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	anonActor, _ := f.svc.VisitorActor(ctx, anon.Token)
	conv := mustSend(t, f.svc, anonActor, hub.NewMessage{Body: "before signing in"}).ConversationID

	// Signing in adopts this browser's anonymous visitor and its thread.
	signed, err := f.start(t, hub.VisitorStart{AnonymousID: anon.Visitor.AnonymousID, Identity: &hub.Identity{
		ExternalID: "user-42", Email: "Ann@Example.com", Name: "Ann", UserHash: userHash(secret, "user-42")}})
	if err != nil {
		t.Fatal(err)
	}
	if !signed.Verified || signed.Visitor.ID != anon.Visitor.ID || signed.Visitor.Email != "ann@example.com" ||
		signed.Conversation == nil || signed.Conversation.ID != conv {
		t.Fatalf("signed-in visit = %+v (visitor %+v)", signed, signed.Visitor)
	}
	// On another device, the same user gets the same visitor and history.
	other, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{ExternalID: "user-42", Token: jwtHS256(secret,
		map[string]any{"alg": "HS256", "typ": "JWT"}, map[string]any{"sub": "user-42", "exp": f.now.Add(time.Hour).Unix()})}})
	if err != nil || other.Visitor.ID != anon.Visitor.ID || other.Conversation == nil || other.Conversation.ID != conv {
		t.Fatalf("other device = %+v, %v", other, err)
	}
	// A browser whose anonymous visitor belongs to user-42 does not show
	// that thread to someone else who signs in there.
	someone, err := f.start(t, hub.VisitorStart{AnonymousID: anon.Visitor.AnonymousID, Identity: &hub.Identity{
		ExternalID: "user-7", UserHash: userHash(secret, "user-7")}})
	if err != nil || someone.Visitor.ID == anon.Visitor.ID || someone.Conversation != nil {
		t.Fatalf("another user on the same browser = %+v, %v", someone, err)
	}

	bad := map[string]*hub.Identity{
		"external id without proof": {ExternalID: "user-42"},
		"wrong hash":                {ExternalID: "user-42", UserHash: userHash("guess", "user-42")},
		"hash of another id":        {ExternalID: "user-42", UserHash: userHash(secret, "user-43")},
		"alg none":                  {Token: jwtHS256(secret, map[string]any{"alg": "none"}, map[string]any{"sub": "u", "exp": f.now.Add(time.Hour).Unix()})},
		"expired":                   {Token: jwtHS256(secret, map[string]any{"alg": "HS256"}, map[string]any{"sub": "u", "exp": f.now.Add(-time.Second).Unix()})},
		"no exp":                    {Token: jwtHS256(secret, map[string]any{"alg": "HS256"}, map[string]any{"sub": "u"})},
		"far exp":                   {Token: jwtHS256(secret, map[string]any{"alg": "HS256"}, map[string]any{"sub": "u", "exp": f.now.Add(365 * 24 * time.Hour).Unix()})},
		"wrong secret":              {Token: jwtHS256("guess", map[string]any{"alg": "HS256"}, map[string]any{"sub": "u", "exp": f.now.Add(time.Hour).Unix()})},
		"token for another user":    {ExternalID: "user-42", Token: jwtHS256(secret, map[string]any{"alg": "HS256"}, map[string]any{"sub": "user-43", "exp": f.now.Add(time.Hour).Unix()})},
	}
	for name, id := range bad {
		if _, err := f.start(t, hub.VisitorStart{Identity: id}); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	if _, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{Email: "not an email"}}); hub.ErrorCode(err) != hub.EInvalid {
		t.Errorf("bad email: %v", err)
	}
	if _, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{Traits: json.RawMessage(`[1]`)}}); hub.ErrorCode(err) != hub.EInvalid {
		t.Errorf("traits not an object: %v", err)
	}
	// Unverified details without an external id are kept.
	plain, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{Name: "Bob", Traits: json.RawMessage(`{"plan":"pro"}`)}})
	if err != nil || plain.Verified || plain.Visitor.Name != "Bob" {
		t.Fatalf("unverified details: %+v, %v", plain, err)
	}
}

func TestVerifiedOnlyGatesEverything(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	anon, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	f.site.VerifiedOnly = true
	if err := f.svc.Store.UpdateSite(ctx, f.site); err != nil {
		t.Fatal(err)
	}
	_, err = f.start(t, hub.VisitorStart{})
	wantCode(t, err, hub.EForbidden)
	// A token issued before the switch no longer authenticates anything.
	_, err = f.svc.VisitorActor(ctx, anon.Token)
	wantCode(t, err, hub.EUnauthorized)

	ok, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{ExternalID: "u1", UserHash: userHash(f.site.IdentitySecret, "u1")}})
	if err != nil || !ok.Verified {
		t.Fatalf("verified visitor: %+v, %v", ok, err)
	}
	a, err := f.svc.VisitorActor(ctx, ok.Token)
	if err != nil || !a.Verified {
		t.Fatalf("verified token: %+v, %v", a, err)
	}
	mustSend(t, f.svc, a, hub.NewMessage{Body: "hello"})
}

func TestTrackPage(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	if err := f.svc.TrackPage(ctx, f.visitor, "https://shop.test/pricing", "Pricing"); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Store.FindVisitorByID(ctx, f.visitor.ID)
	if err != nil || v.CurrentPage != "https://shop.test/pricing" {
		t.Fatalf("visitor after track = %+v, %v", v, err)
	}
	wantCode(t, f.svc.TrackPage(ctx, f.visitor, "javascript:alert(1)", ""), hub.EInvalid)
	wantCode(t, f.svc.TrackPage(ctx, f.ownerA, "https://shop.test/", ""), hub.EForbidden)
}

func TestVisitorContactEmail(t *testing.T) {
	tests := []struct {
		name string
		v    hub.Visitor
		want string
	}{
		{"identity email", hub.Visitor{Email: "ann@shop.test", Traits: json.RawMessage(`{"email":"other@shop.test"}`)}, "ann@shop.test"},
		{"trait email", hub.Visitor{Traits: json.RawMessage(`{"email":" Ann@Shop.test ","plan":"pro"}`)}, "ann@shop.test"},
		{"invalid trait", hub.Visitor{Traits: json.RawMessage(`{"email":"not an email"}`)}, ""},
		{"trait of another type", hub.Visitor{Traits: json.RawMessage(`{"email":42}`)}, ""},
		{"nothing", hub.Visitor{}, ""},
	}
	for _, tt := range tests {
		if got := tt.v.ContactEmail(); got != tt.want {
			t.Errorf("%s: ContactEmail() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
