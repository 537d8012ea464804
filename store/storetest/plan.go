package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testSiteVersions: a site starts at version 1; UpdateSite and TouchSites
// increment it (the gates' versions, hub/gate.go), TouchSites for every
// site of one tenant and no other.
func testSiteVersions(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn, other := mustTenant(t, s), mustTenant(t, s)
	a, b, c := mustSite(t, s, tn.ID), mustSite(t, s, tn.ID), mustSite(t, s, other.ID)
	wantEqual(t, "version of a new site", a.Version, int64(1))
	a.Paused = true
	must(t, s.UpdateSite(ctx, a))
	wantEqual(t, "version after UpdateSite", a.Version, int64(2))
	var touched []*hub.Site
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		var err error
		touched, err = q.TouchSites(ctx, tn.ID)
		return err
	}))
	wantEqual(t, "touched sites", ids(touched, func(s *hub.Site) int64 { return s.ID }), []int64{a.ID, b.ID})
	wantEqual(t, "versions after TouchSites", []int64{touched[0].Version, touched[1].Version}, []int64{3, 2})
	if !touched[0].Paused {
		t.Fatal("TouchSites returned a site without its settings")
	}
	for _, site := range []*hub.Site{a, b, c} {
		got, err := s.FindSiteByID(ctx, site.ID)
		must(t, err)
		want := site.Version
		if site.TenantID == tn.ID {
			want++
		}
		wantEqual(t, "stored version", got.Version, want)
	}
	none, err := s.TouchSites(ctx, mustTenant(t, s).ID)
	must(t, err)
	wantEqual(t, "TouchSites of a tenant without sites", len(none), 0)
}

// testTenantPlans: UpdateTenantPlan writes the plan; FindTenants pages the
// customers' tenants, newest first, without the platform's.
func testTenantPlans(t *testing.T, s hub.Store) {
	ctx := t.Context()
	platform := &hub.Tenant{Name: "Parley", Plan: hub.PlanPro, Platform: true, CreatedAt: t0}
	must(t, s.CreateTenant(ctx, platform))
	a, b, c := mustTenant(t, s), mustTenant(t, s), mustTenant(t, s)
	must(t, s.UpdateTenantPlan(ctx, b.ID, hub.PlanStandard))
	got, err := s.FindTenantByID(ctx, b.ID)
	must(t, err)
	wantEqual(t, "plan after UpdateTenantPlan", got.Plan, hub.PlanStandard)
	wantCode(t, s.UpdateTenantPlan(ctx, c.ID+1000, hub.PlanFree), hub.ENotFound)

	first, err := s.FindTenants(ctx, hub.TenantFilter{Limit: 2})
	must(t, err)
	wantEqual(t, "first page", ids(first, func(t *hub.Tenant) int64 { return t.ID }), []int64{c.ID, b.ID})
	wantEqual(t, "plan in the list", first[1].Plan, hub.PlanStandard)
	next, err := s.FindTenants(ctx, hub.TenantFilter{BeforeID: b.ID, Limit: 2})
	must(t, err)
	wantEqual(t, "next page, without the platform", ids(next, func(t *hub.Tenant) int64 { return t.ID }), []int64{a.ID})
	empty, err := s.FindTenants(ctx, hub.TenantFilter{BeforeID: a.ID, Limit: 2})
	must(t, err)
	if empty == nil || len(empty) != 0 {
		t.Fatalf("past the last page: %#v, want an empty list", empty)
	}
}
