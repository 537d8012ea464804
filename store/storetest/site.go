package storetest

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func testSites(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	site := &hub.Site{TenantID: tn.ID, Key: "site_one", Name: "Shop",
		AllowedOrigins: []string{"https://shop.test", "http://localhost:3000"}, IdentitySecret: "secret",
		VerifiedOnly: true, WidgetEnabled: true, Paused: false, TicketsEnabled: true, SupportEmail: "help@shop.test",
		AssistantEnabled: true, Instructions: "Be kind.", DefaultLocale: "ru",
		Appearance: hub.Appearance{Color: "#112233", Position: "left", Greeting: "Привет!", LauncherLabel: "Chat"},
		Handoff: hub.HandoffSettings{OutOfHoursMessage: "Мы ответим утром.",
			Hours: hub.BusinessHours{TimeZone: "Europe/Moscow", Start: "09:00", End: "18:00", Days: []time.Weekday{1, 2, 3}}},
		AIProvider: hub.AIProvider{BaseURL: "http://127.0.0.1:11434/v1", Model: "llama3", KeyEnv: "PARLEY_AI_KEY_SHOP"},
		Synonyms:   [][]string{{"доставка", "shipping"}}, CreatedAt: t0, UpdatedAt: at(1)}
	must(t, s.CreateSite(ctx, site))
	if site.ID == 0 {
		t.Fatal("CreateSite did not set ID")
	}
	got, err := s.FindSiteByID(ctx, site.ID)
	must(t, err)
	wantEqual(t, "FindSiteByID", got, site)
	got, err = s.FindSiteByKey(ctx, "site_one")
	must(t, err)
	wantEqual(t, "FindSiteByKey", got, site)

	_, err = s.FindSiteByID(ctx, site.ID+1000)
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindSiteByKey(ctx, "site_none")
	wantCode(t, err, hub.ENotFound)

	dup := &hub.Site{TenantID: tn.ID, Key: "site_one", Name: "Copy", IdentitySecret: "x", CreatedAt: t0, UpdatedAt: t0}
	wantCode(t, s.CreateSite(ctx, dup), hub.EConflict)

	// Every field but ID, TenantID and CreatedAt is written.
	site.Key, site.Name, site.AllowedOrigins, site.IdentitySecret = "site_two", "Store", []string{"https://b.test"}, "s2"
	site.VerifiedOnly, site.WidgetEnabled, site.Paused, site.TicketsEnabled = false, false, true, false
	site.SupportEmail, site.AssistantEnabled, site.Instructions, site.UpdatedAt = "", false, "", at(2)
	site.DefaultLocale, site.Appearance = "en", hub.Appearance{Color: "#445566", Position: "right"}
	site.Handoff, site.AIProvider = hub.HandoffSettings{Disabled: true}, hub.AIProvider{}
	must(t, s.UpdateSite(ctx, site))
	got, err = s.FindSiteByID(ctx, site.ID)
	must(t, err)
	wantEqual(t, "site after UpdateSite", got, site)

	wantCode(t, s.UpdateSite(ctx, &hub.Site{ID: site.ID + 1000, Key: "site_three", UpdatedAt: t0}), hub.ENotFound)

	// No origins read back as an empty list.
	bare := &hub.Site{TenantID: tn.ID, Key: "site_bare", Name: "Bare", IdentitySecret: "x", CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateSite(ctx, bare))
	got, err = s.FindSiteByID(ctx, bare.ID)
	must(t, err)
	if got.AllowedOrigins == nil || len(got.AllowedOrigins) != 0 {
		t.Fatalf("AllowedOrigins of a site without origins = %#v, want an empty list", got.AllowedOrigins)
	}

	mustSite(t, s, mustTenant(t, s).ID)
	list, err := s.FindSites(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindSites", ids(list, func(s *hub.Site) int64 { return s.ID }), []int64{site.ID, bare.ID})
}
