package hub_test

import (
	"context"
	"testing"

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
