package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestPlanFeatures checks hub's one table of plans and features cell by
// cell, against 003 (tickets: Standard and Pro) and 004 (the widget: Pro
// and Enterprise), and that the platform's own tenant has everything.
func TestPlanFeatures(t *testing.T) {
	tests := []struct {
		plan            string
		widget, tickets bool
	}{
		{hub.PlanFree, false, false},
		{hub.PlanStandard, false, true},
		{hub.PlanPro, true, true},
		{hub.PlanEnterprise, true, true},
		{"gold", false, false}, // not a plan
	}
	for _, tt := range tests {
		if got := hub.PlanHas(tt.plan, hub.FeatureWidget); got != tt.widget {
			t.Errorf("%s has the widget: %v, want %v", tt.plan, got, tt.widget)
		}
		if got := hub.PlanHas(tt.plan, hub.FeatureTickets); got != tt.tickets {
			t.Errorf("%s has tickets: %v, want %v", tt.plan, got, tt.tickets)
		}
		tn := &hub.Tenant{Plan: tt.plan}
		if tn.Has(hub.FeatureWidget) != tt.widget || tn.Has(hub.FeatureTickets) != tt.tickets {
			t.Errorf("a workspace on %s: Has disagrees with the table", tt.plan)
		}
		if hub.ValidPlan(tt.plan) != (tt.plan != "gold") {
			t.Errorf("ValidPlan(%q) = %v", tt.plan, hub.ValidPlan(tt.plan))
		}
	}
	if !slices.Equal(hub.Plans, []string{"free", "standard", "pro", "enterprise"}) || hub.DefaultPlan != hub.PlanPro {
		t.Fatalf("plans %q, default %q", hub.Plans, hub.DefaultPlan)
	}
	platform := &hub.Tenant{Plan: hub.PlanFree, Platform: true}
	if !platform.Has(hub.FeatureWidget) || !platform.Has(hub.FeatureTickets) {
		t.Fatal("the platform's tenant lacks a feature")
	}
	site := &hub.Site{TicketsEnabled: true}
	for _, tt := range []struct {
		plan    string
		enabled bool
		want    bool
	}{{hub.PlanStandard, true, true}, {hub.PlanFree, true, false}, {hub.PlanPro, false, false}} {
		site.TicketsEnabled = tt.enabled
		if got := hub.TicketsOn(site, &hub.Tenant{Plan: tt.plan}); got != tt.want {
			t.Errorf("TicketsOn(%s, tickets_enabled %v) = %v", tt.plan, tt.enabled, got)
		}
	}
	if text := hub.LockedText(hub.PlanStandard, hub.FeatureWidget); !strings.Contains(text, "(Standard) does not include the chat widget") ||
		!strings.Contains(text, "Pro or Enterprise") || !strings.Contains(text, "upgrade the plan") {
		t.Fatalf("locked text: %s", text)
	}
}

// TestSetPlan: only staff (not as viewers) and the operator set plans; the
// platform's tenant has none; a change is audited, bumps every site's
// version and tells every node the sites' gates and the dashboards the
// plan.
func TestSetPlan(t *testing.T) {
	f := newSupportFixture(t)
	ctx := context.Background()
	second, err := f.svc.CreateSite(ctx, f.ownerA, hub.NewSite{TenantID: f.tenant.ID, Name: "Blog", AllowedOrigins: []string{"https://blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	f.pub.take()
	viewer := f.staff
	viewer.ReadOnly, viewer.TenantID = true, f.tenant.ID
	for name, a := range map[string]hub.Actor{"owner": f.ownerA, "viewer": viewer, "visitor": f.visitor} {
		if _, err := f.svc.SetPlan(ctx, a, f.tenant.ID, hub.PlanFree); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("%s sets a plan: %v", name, err)
		}
	}
	if _, err := f.svc.SetPlan(ctx, f.staff, f.tenant.ID, "gold"); hub.ErrorCode(err) != hub.EInvalid {
		t.Errorf("unknown plan: %v", err)
	}
	if _, err := f.svc.SetPlan(ctx, f.staff, f.staff.TenantID, hub.PlanFree); hub.ErrorCode(err) != hub.EInvalid {
		t.Errorf("the platform's plan: %v", err)
	}
	if _, err := f.svc.SetPlan(ctx, f.staff, 999999, hub.PlanFree); hub.ErrorCode(err) != hub.ENotFound {
		t.Errorf("no such workspace: %v", err)
	}
	if len(f.pub.take()) != 0 {
		t.Fatal("a refused change published something")
	}

	tn, err := f.svc.SetPlan(ctx, f.staff, f.tenant.ID, hub.PlanStandard)
	if err != nil || tn.Plan != hub.PlanStandard {
		t.Fatalf("set plan: %+v, %v", tn, err)
	}
	stored, err := f.svc.Store.FindTenantByID(ctx, f.tenant.ID)
	if err != nil || stored.Plan != hub.PlanStandard {
		t.Fatalf("stored plan: %+v, %v", stored, err)
	}
	events := f.pub.take()
	gates := map[int64]hub.Gate{}
	for _, p := range events {
		if p.Event.Type != hub.EventSiteGate {
			continue
		}
		var g hub.Gate
		if err := json.Unmarshal(p.Event.Data, &g); err != nil {
			t.Fatal(err)
		}
		if p.Topic != hub.TopicSiteGate(g.SiteID) {
			t.Errorf("gate of site %d published to %s", g.SiteID, p.Topic)
		}
		gates[g.SiteID] = g
	}
	for _, site := range []*hub.Site{f.site, second} {
		g, ok := gates[site.ID]
		now, err := f.svc.Store.FindSiteByID(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || g.Version != site.Version+1 || now.Version != g.Version || g.Widget || g.Plan != hub.PlanStandard ||
			g.Closed() != hub.ReasonFeatureLocked {
			t.Errorf("site %d: gate %+v (published %v), stored version %d, was %d", site.ID, g, ok, now.Version, site.Version)
		}
	}
	if got := topics(events, hub.EventWorkspacePlan); !slices.Equal(got, []string{hub.TopicInbox(f.tenant.ID)}) {
		t.Errorf("workspace.plan published to %v", got)
	}
	log, err := f.svc.Store.FindAuditEntries(ctx, hub.AuditFilter{TenantID: f.tenant.ID, Subject: "tenant:" + itoa(f.tenant.ID)})
	if err != nil || len(log) != 1 || log[0].Action != "workspace.plan" || log[0].ActorKind != hub.ActorStaff || log[0].ActorID != f.staff.ID ||
		string(log[0].Data) != `{"from":"pro","to":"standard"}` {
		t.Fatalf("audit %+v, %v", log, err)
	}

	// The same plan again changes nothing; the operator sets plans too.
	if _, err := f.svc.SetPlan(ctx, f.staff, f.tenant.ID, hub.PlanStandard); err != nil || len(f.pub.take()) != 0 {
		t.Fatalf("same plan: %v", err)
	}
	if tn, err := f.svc.SetPlan(ctx, hub.Actor{Kind: hub.ActorSystem}, f.tenant.ID, hub.PlanEnterprise); err != nil || tn.Plan != hub.PlanEnterprise {
		t.Fatalf("operator: %+v, %v", tn, err)
	}

	// Staff list every customer's workspace with its plan, never the platform's.
	list, err := f.svc.Workspaces(ctx, f.staff, 0)
	if err != nil || len(list) != 1 || list[0].ID != f.tenant.ID || list[0].Plan != hub.PlanEnterprise {
		t.Fatalf("workspaces %+v, %v", list, err)
	}
	if _, err := f.svc.Workspaces(ctx, f.ownerA, 0); hub.ErrorCode(err) != hub.EForbidden {
		t.Fatalf("an owner lists workspaces: %v", err)
	}
}

// TestWidgetGatesAllReasons reaches each of 004's reasons and
// verified_only through the plan and the Builder's settings, for a new
// page (WidgetSite), a visit and a token issued before, with fix texts
// that name the place to fix it.
func TestWidgetGatesAllReasons(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	staff := hub.Actor{Kind: hub.ActorSystem}
	visit, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	update := func(in hub.SiteUpdate) {
		t.Helper()
		if _, err := f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	yes, no := true, false
	tests := []struct {
		name   string
		change func()
		reason string
		code   string
		fix    string
	}{
		{"open", func() {}, "", "", ""},
		{"standard plan", func() {
			if _, err := f.svc.SetPlan(ctx, staff, f.tenant.ID, hub.PlanStandard); err != nil {
				t.Fatal(err)
			}
		}, hub.ReasonFeatureLocked, hub.EForbidden, "plan (Standard) does not include the chat widget"},
		{"enterprise plan", func() {
			if _, err := f.svc.SetPlan(ctx, staff, f.tenant.ID, hub.PlanEnterprise); err != nil {
				t.Fatal(err)
			}
		}, "", "", ""},
		{"widget removed", func() { update(hub.SiteUpdate{WidgetEnabled: &no}) }, hub.ReasonWidgetDisabled, hub.EForbidden,
			"create one in Settings → Sites → Shop → Builder"},
		{"widget created, paused", func() { update(hub.SiteUpdate{WidgetEnabled: &yes, Paused: &yes}) }, hub.ReasonWidgetPaused,
			hub.EForbidden, "click Publish in Settings → Sites → Shop → Builder"},
		{"published", func() { update(hub.SiteUpdate{Paused: &no}) }, "", "", ""},
		{"origin removed", func() { update(hub.SiteUpdate{AllowedOrigins: &[]string{"https://other.test"}}) }, hub.ReasonSiteNotMapped,
			hub.ENotFound, "Complete mapping in Settings → Sites → Shop: add this page's origin (https://shop.test)"},
	}
	for _, tt := range tests {
		tt.change()
		_, _, reason, err := f.svc.WidgetSite(ctx, f.site.Key, "https://shop.test")
		if err != nil || reason != tt.reason {
			t.Fatalf("%s: page gated by %q (%v), want %q", tt.name, reason, err, tt.reason)
		}
		_, startErr := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
		_, tokenErr := f.svc.VisitorActor(ctx, visit.Token)
		if tt.reason != "" && !hub.IsGateReason(tt.reason) {
			t.Errorf("%s: IsGateReason(%s) is false", tt.name, tt.reason)
		}
		for what, err := range map[string]error{"a new visit": startErr, "a token issued before": tokenErr} {
			if hub.ErrorReason(err) != tt.reason || hub.ErrorCode(err) != tt.code || !strings.Contains(hub.ErrorMessage(err), tt.fix) {
				t.Errorf("%s: %s: %v, want %s %s with %q", tt.name, what, err, tt.code, tt.reason, tt.fix)
			}
		}
	}

	// verified_only: the token of an anonymous visit is refused; the
	// page is not (it waits for identify).
	update(hub.SiteUpdate{AllowedOrigins: &[]string{"https://shop.test"}, VerifiedOnly: &yes})
	if !hub.IsGateReason(hub.ReasonVerifiedOnly) || hub.IsGateReason(hub.ReasonConversationClosed) {
		t.Fatal("IsGateReason disagrees with the gates")
	}
	if _, err := f.svc.VisitorActor(ctx, visit.Token); hub.ErrorReason(err) != hub.ReasonVerifiedOnly || hub.ErrorCode(err) != hub.EUnauthorized {
		t.Fatalf("verified-only: %v", err)
	}
	if _, _, reason, _ := f.svc.WidgetSite(ctx, f.site.Key, "https://shop.test"); reason != "" {
		t.Fatalf("verified-only gates the page: %s", reason)
	}
	// An unknown key names no site.
	if _, _, reason, _ := f.svc.WidgetSite(ctx, "site_nope", "https://shop.test"); reason != hub.ReasonSiteNotMapped {
		t.Fatalf("unknown key: %q", reason)
	}
	if fix := (hub.Gate{}).Fix(hub.ReasonSiteNotMapped, "https://shop.test"); !strings.Contains(fix, "this site key names no site") {
		t.Fatalf("unknown key's fix: %s", fix)
	}
}

// TestAssistantSilentWhileChatClosed: the assistant does not answer in a
// conversation whose site's chat is closed now (paused, removed, locked by
// the plan, verified-only to an unverified visitor), neither when it runs
// nor when the chat closes while it decides; the team gets a note, and
// the sweep does not take the message up again. Open again, it answers
// the next message.
func TestAssistantSilentWhileChatClosed(t *testing.T) {
	yes, no := true, false
	for name, close := range map[string]func(f *fixture){
		"paused": func(f *fixture) { mustUpdateSite(t, f, hub.SiteUpdate{Paused: &yes}) },
		"removed": func(f *fixture) {
			mustUpdateSite(t, f, hub.SiteUpdate{WidgetEnabled: &no})
		},
		"free plan": func(f *fixture) {
			if _, err := f.svc.SetPlan(context.Background(), hub.Actor{Kind: hub.ActorSystem}, f.tenant.ID, hub.PlanFree); err != nil {
				t.Fatal(err)
			}
		},
		"verified only": func(f *fixture) { mustUpdateSite(t, f, hub.SiteUpdate{VerifiedOnly: &yes}) },
	} {
		t.Run(name, func(t *testing.T) {
			f := mustFixture(t)
			ctx := context.Background()
			m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "How long is delivery?"})
			close(f)
			a := &scripted{decisions: []hub.Decision{answer("Delivery takes 3 days.")}}
			if err := f.svc.RunAssistant(ctx, a, m.ConversationID); err != nil {
				t.Fatal(err)
			}
			wantClosedNote(t, f, m.ConversationID, a, 0)
		})
	}

	t.Run("closed while deciding", func(t *testing.T) {
		f := mustFixture(t)
		ctx := context.Background()
		m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "How long is delivery?"})
		a := &pausing{f: f, t: t}
		if err := f.svc.RunAssistant(ctx, a, m.ConversationID); err != nil {
			t.Fatal(err)
		}
		wantClosedNote(t, f, m.ConversationID, nil, 0)
		var stopped bool
		for _, p := range f.pub.take() {
			var d hub.TypingData
			if p.Event.Type == hub.EventTyping && json.Unmarshal(p.Event.Data, &d) == nil && d.AuthorKind == hub.AuthorAssistant && !d.Typing {
				stopped = true
			}
		}
		if !stopped {
			t.Fatal("the assistant's typing was not taken back")
		}
		// Published again, the next message is answered.
		mustUpdateSite(t, f, hub.SiteUpdate{Paused: &no})
		visitorSays(t, f, &scripted{decisions: []hub.Decision{answer("Delivery takes 3 days.")}}, "And to Berlin?")
		if got := lastMessage(t, f, m.ConversationID); got.AuthorKind != hub.AuthorAssistant || got.Internal || got.Body != "Delivery takes 3 days." {
			t.Fatalf("after publishing: %+v", got)
		}
	})
}

// pausing is an Assistant that pauses the site while it decides.
type pausing struct {
	f *fixture
	t *testing.T
}

func (a *pausing) Decide(context.Context, hub.AssistantInput) (hub.Decision, error) {
	yes := true
	mustUpdateSite(a.t, a.f, hub.SiteUpdate{Paused: &yes})
	return answer("Delivery takes 3 days."), nil
}

func mustUpdateSite(t *testing.T, f *fixture, in hub.SiteUpdate) {
	t.Helper()
	if _, err := f.svc.UpdateSite(context.Background(), f.ownerA, f.site.ID, in); err != nil {
		t.Fatal(err)
	}
}

// wantClosedNote checks that the conversation's newest message is the
// assistant's internal note about the closed chat, that nothing reached
// the visitor and the message counts as handled.
func wantClosedNote(t *testing.T, f *fixture, conv int64, a *scripted, calls int) {
	t.Helper()
	ctx := context.Background()
	last := lastMessage(t, f, conv)
	if last.AuthorKind != hub.AuthorAssistant || !last.Internal || !strings.Contains(last.Body, "the chat is closed on this site") {
		t.Fatalf("newest message %+v, want the assistant's note", last)
	}
	if a != nil && a.calls() != calls {
		t.Fatalf("the assistant was asked %d times", a.calls())
	}
	seen, err := f.svc.Store.FindMessages(ctx, hub.MessageFilter{ConversationID: conv, VisitorView: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range seen {
		if m.AuthorKind == hub.AuthorAssistant {
			t.Fatalf("the visitor got the assistant's %q", m.Body)
		}
	}
	c := mustConversation(t, f.svc, f.ownerA, conv)
	if c.AssistantSeq != c.VisitorSeq || c.Handoff != hub.HandoffAssistant {
		t.Fatalf("conversation %+v: the message is not handled, or the hand-off moved", c)
	}
	pending, err := f.svc.Store.FindPendingAssistantConversations(ctx, f.now.Add(1e12), 10)
	if err != nil || len(pending) != 0 {
		t.Fatalf("the sweep would take it up again: %v, %v", pending, err)
	}
}

// TestTicketsLockedByPlan: a plan without tickets refuses new ones (the
// widget's form, an agent's, the config's offer) with FEATURE_LOCKED;
// tickets opened before stay readable, answerable and movable.
func TestTicketsLockedByPlan(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "My order is broken"})
	old, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{Subject: "Before", RequesterEmail: "ann@shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetPlan(ctx, hub.Actor{Kind: hub.ActorSystem}, f.tenant.ID, hub.PlanFree); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{Subject: "After", RequesterEmail: "ann@shop.test"})
	if hub.ErrorCode(err) != hub.EForbidden || hub.ErrorReason(err) != hub.ReasonFeatureLocked ||
		!strings.Contains(hub.ErrorMessage(err), "plan (Free) does not include tickets") {
		t.Fatalf("agent's ticket on the free plan: %v", err)
	}
	// The visitor's ticket form: the widget is locked too, so a token
	// issued before is refused first; the ticket rule itself holds for
	// the actor the token gave.
	_, err = f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: m.ConversationID, Subject: "Broken", RequesterEmail: "ann@shop.test"})
	if hub.ErrorReason(err) != hub.ReasonFeatureLocked {
		t.Fatalf("visitor's ticket on the free plan: %v", err)
	}
	if n := len(tickets(t, f)); n != 1 {
		t.Fatalf("%d tickets, want the one from before", n)
	}
	// The one from before: read, answered, resolved.
	if _, err := f.svc.Ticket(ctx, f.ownerA, old.ID); err != nil {
		t.Fatalf("read: %v", err)
	}
	resolved := hub.TicketResolved
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, old.ID, hub.TicketUpdate{Status: &resolved}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if _, _, _, err := f.svc.WidgetSite(ctx, f.site.Key, "https://shop.test"); err != nil {
		t.Fatal(err)
	}
	// Standard has tickets again.
	if _, err := f.svc.SetPlan(ctx, hub.Actor{Kind: hub.ActorSystem}, f.tenant.ID, hub.PlanStandard); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{Subject: "Again", RequesterEmail: "ann@shop.test"}); err != nil {
		t.Fatalf("standard plan: %v", err)
	}
}
