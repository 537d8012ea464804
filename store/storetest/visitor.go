package storetest

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testVisitors(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	site, other := mustSite(t, s, tn.ID), mustSite(t, s, tn.ID)
	v := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon_1", ExternalID: "cust-1", Email: "ann@x.test",
		Name: "Ann", Traits: json.RawMessage(`{"plan": "pro", "seats": 3, "tags": ["a", "b"]}`), Locale: "en-GB",
		Country: "GB", Device: "Firefox", CurrentPage: "https://shop.test/cart", FirstSeen: t0, LastSeen: at(5)}
	must(t, s.CreateVisitor(ctx, v))
	if v.ID == 0 {
		t.Fatal("CreateVisitor did not set ID")
	}
	check := func(what string, got *hub.Visitor, want *hub.Visitor) {
		t.Helper()
		if !jsonEqual(got.Traits, want.Traits) {
			t.Fatalf("%s: traits %s, want %s", what, got.Traits, want.Traits)
		}
		g, w := *got, *want
		g.Traits, w.Traits = nil, nil
		wantEqual(t, what, g, w)
	}
	got, err := s.FindVisitorByID(ctx, v.ID)
	must(t, err)
	check("FindVisitorByID", got, v)
	got, err = s.FindVisitorByAnonymousID(ctx, site.ID, "anon_1")
	must(t, err)
	check("FindVisitorByAnonymousID", got, v)
	got, err = s.FindVisitorByExternalID(ctx, site.ID, "cust-1")
	must(t, err)
	check("FindVisitorByExternalID", got, v)

	_, err = s.FindVisitorByID(ctx, v.ID+1000)
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindVisitorByAnonymousID(ctx, other.ID, "anon_1")
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindVisitorByExternalID(ctx, other.ID, "cust-1")
	wantCode(t, err, hub.ENotFound)

	// Ids are unique per site; the empty external id is no id.
	dupAnon := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon_1", FirstSeen: t0, LastSeen: t0}
	wantCode(t, s.CreateVisitor(ctx, dupAnon), hub.EConflict)
	dupExt := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon_2", ExternalID: "cust-1", FirstSeen: t0, LastSeen: t0}
	wantCode(t, s.CreateVisitor(ctx, dupExt), hub.EConflict)
	for _, id := range []string{"anon_3", "anon_4"} {
		must(t, s.CreateVisitor(ctx, &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: id, FirstSeen: t0, LastSeen: t0}))
	}
	_, err = s.FindVisitorByExternalID(ctx, site.ID, "")
	wantCode(t, err, hub.ENotFound)
	must(t, s.CreateVisitor(ctx, &hub.Visitor{TenantID: tn.ID, SiteID: other.ID, AnonymousID: "anon_1", ExternalID: "cust-1",
		FirstSeen: t0, LastSeen: t0}))

	// No traits read back as none.
	bare := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon_bare", FirstSeen: t0, LastSeen: t0}
	must(t, s.CreateVisitor(ctx, bare))
	got, err = s.FindVisitorByID(ctx, bare.ID)
	must(t, err)
	if len(got.Traits) != 0 {
		t.Fatalf("traits of a visitor without traits = %s, want none", got.Traits)
	}

	bad := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon_bad", Traits: json.RawMessage(`{"a":`),
		FirstSeen: t0, LastSeen: t0}
	wantCode(t, s.CreateVisitor(ctx, bad), hub.EInvalid)

	// Every field but ID, TenantID, SiteID and FirstSeen is written.
	v.AnonymousID, v.ExternalID, v.Email, v.Name = "anon_9", "cust-9", "ann@y.test", "Ann B"
	v.Traits, v.Locale, v.Country, v.Device = json.RawMessage(`{"plan":"free"}`), "fr", "FR", "Safari"
	v.CurrentPage, v.LastSeen = "https://shop.test/", at(9)
	must(t, s.UpdateVisitor(ctx, v))
	got, err = s.FindVisitorByID(ctx, v.ID)
	must(t, err)
	check("visitor after UpdateVisitor", got, v)
	v.Traits = nil
	must(t, s.UpdateVisitor(ctx, v))
	got, err = s.FindVisitorByID(ctx, v.ID)
	must(t, err)
	check("visitor after clearing traits", got, v)

	wantCode(t, s.UpdateVisitor(ctx, &hub.Visitor{ID: v.ID + 1000, AnonymousID: "x"}), hub.ENotFound)
	dupAnon = &hub.Visitor{ID: bare.ID, AnonymousID: "anon_9", LastSeen: t0}
	wantCode(t, s.UpdateVisitor(ctx, dupAnon), hub.EConflict)
}
