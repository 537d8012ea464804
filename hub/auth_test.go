package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func TestLoginAndSessions(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	_, _, err := f.svc.Login(ctx, "owner@acme.test", "wrong password")
	wantCode(t, err, hub.EUnauthorized)
	_, _, err = f.svc.Login(ctx, "nobody@acme.test", "correct horse")
	wantCode(t, err, hub.EUnauthorized)

	token, m, err := f.svc.Login(ctx, " OWNER@acme.test", "correct horse")
	if err != nil || m.ID != f.owner.ID {
		t.Fatalf("login: %v, %v", m, err)
	}
	a, err := f.svc.MemberActor(ctx, token)
	if err != nil || a != f.ownerA {
		t.Fatalf("actor = %+v, %v; want %+v", a, err, f.ownerA)
	}
	f.now = f.now.Add(hub.SessionTTL)
	_, err = f.svc.MemberActor(ctx, token)
	wantCode(t, err, hub.EUnauthorized)
	f.now = f.now.Add(-hub.SessionTTL)
	if err := f.svc.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.MemberActor(ctx, token)
	wantCode(t, err, hub.EUnauthorized)
}

func TestVisitorTokens(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	v, token, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.VisitorActor(ctx, token)
	if err != nil || a.ID != v.ID || a.SiteID != f.site.ID || a.TenantID != f.tenant.ID || a.Kind != hub.ActorVisitor {
		t.Fatalf("actor = %+v, %v", a, err)
	}
	// The same anonymous id continues the same visitor.
	again, _, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test", AnonymousID: v.AnonymousID})
	if err != nil || again.ID != v.ID {
		t.Fatalf("return visit = %+v, %v; want visitor %d", again, err, v.ID)
	}
	for name, bad := range map[string]string{
		"tampered": token[:len(token)-2] + "xx",
		"no sig":   "abc",
		"empty":    "",
	} {
		if _, err := f.svc.VisitorActor(ctx, bad); hub.ErrorCode(err) != hub.EUnauthorized {
			t.Errorf("%s token: %v, want unauthorized", name, err)
		}
	}
	other := &hub.Service{Store: f.svc.Store, Secret: []byte("another secret")}
	if _, err := other.VisitorActor(ctx, token); hub.ErrorCode(err) != hub.EUnauthorized {
		t.Errorf("token accepted under another secret: %v", err)
	}
	f.now = f.now.Add(hub.VisitorTokenTTL + time.Second)
	_, err = f.svc.VisitorActor(ctx, token)
	wantCode(t, err, hub.EUnauthorized)
}

func TestStartVisitorGates(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	_, _, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: "site_nope", Origin: "https://shop.test"})
	wantCode(t, err, hub.ENotFound)
	_, _, err = f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://evil.test"})
	wantCode(t, err, hub.EForbidden)
	f.site.Paused = true
	if err := f.svc.Store.UpdateSite(ctx, f.site); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	wantCode(t, err, hub.EForbidden)
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Shop.Example.com": "https://shop.example.com",
		"http://localhost:3000/":   "http://localhost:3000",
		"ftp://x.test":             "",
		"https://x.test/path":      "",
		"example.com":              "",
		"https://user@x.test":      "",
	} {
		got, err := hub.NormalizeOrigin(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q accepted as %q", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
