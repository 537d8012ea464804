package hub_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func TestAppearanceValidate(t *testing.T) {
	ok := hub.DefaultAppearance
	ok.AssistantName, ok.AssistantAvatar, ok.AgentAvatar = "Ava", "https://cdn.shop.test/ava.png", "https://cdn.shop.test/team.png"
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid appearance refused: %v", err)
	}
	tests := map[string]func(a *hub.Appearance){
		"colour name":       func(a *hub.Appearance) { a.Color = "red" },
		"position":          func(a *hub.Appearance) { a.Position = "top" },
		"long greeting":     func(a *hub.Appearance) { a.Greeting = strings.Repeat("г", 501) },
		"long label":        func(a *hub.Appearance) { a.LauncherLabel = strings.Repeat("x", 41) },
		"http avatar":       func(a *hub.Appearance) { a.AgentAvatar = "http://cdn.shop.test/a.png" },
		"javascript avatar": func(a *hub.Appearance) { a.AssistantAvatar = "javascript:alert(1)" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			a := ok
			change(&a)
			wantCode(t, a.Validate(), hub.EInvalid)
		})
	}
}

func TestInstructionsWarning(t *testing.T) {
	warn := []string{
		"If you can't help, tell users to email support@shop.test",
		"Always ask them to contact our support team.",
		"Please call us at +1 555 0100 for refunds.",
		"Если не знаешь ответа, напиши, чтобы обратились в службу поддержки.",
		"Пусть пишут на почту help@shop.ru",
	}
	for _, s := range warn {
		if hub.InstructionsWarning(s) == "" {
			t.Errorf("no warning for %q", s)
		}
	}
	fine := []string{"", "Be brief and friendly. Answer in the visitor's language.", "Отвечай кратко и вежливо.",
		"Never promise refunds; offer a ticket instead."}
	for _, s := range fine {
		if w := hub.InstructionsWarning(s); w != "" {
			t.Errorf("warning %q for %q", w, s)
		}
	}
}

func TestUpdateSite(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	instr, off := "Be brief.", true
	site, err := f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, hub.SiteUpdate{Instructions: &instr,
		Handoff: &hub.HandoffSettings{Disabled: off, OutOfHoursMessage: "Back at nine."}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Site(ctx, f.ownerA, f.site.ID)
	if err != nil || got.Instructions != "Be brief." || !got.Handoff.Disabled || got.Handoff.OutOfHoursMessage != "Back at nine." || site.Key != got.Key {
		t.Fatalf("after update: %+v (%v)", got, err)
	}
	bad := "not an email"
	_, err = f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, hub.SiteUpdate{Instructions: &instr, SupportEmail: &bad})
	wantCode(t, err, hub.EInvalid)
	agent := f.ownerA
	agent.Role = hub.RoleAgent
	_, err = f.svc.UpdateSite(ctx, agent, f.site.ID, hub.SiteUpdate{Instructions: &instr})
	wantCode(t, err, hub.EForbidden)
	other, _ := mustTenant(t, f.svc, "Other", "owner@other.test")
	outsider := hub.Actor{Kind: hub.ActorMember, ID: 999, TenantID: other.ID, Role: hub.RoleOwner}
	_, err = f.svc.UpdateSite(ctx, outsider, f.site.ID, hub.SiteUpdate{Instructions: &instr})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Site(ctx, outsider, f.site.ID)
	wantCode(t, err, hub.ENotFound)

	// A model key belongs to one workspace: another's cannot be named.
	own := hub.AIProvider{BaseURL: "https://llm.example.com/v1", Model: "m", KeyEnv: "PARLEY_AI_KEY_" + itoa(f.tenant.ID) + "_SHOP"}
	if _, err := f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, hub.SiteUpdate{AIProvider: &own}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"PARLEY_AI_KEY_" + itoa(other.ID) + "_SHOP", "PARLEY_AI_KEY_SHOP", "PARLEY_AI_KEY_" + itoa(f.tenant.ID) + "_", "DATABASE_URL"} {
		theirs := own
		theirs.KeyEnv = key
		_, err = f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, hub.SiteUpdate{AIProvider: &theirs})
		wantCode(t, err, hub.EInvalid)
	}
}

// TestOriginOf: the origin of the hub's base URL, as the dashboard's
// cookie check and the pages compare it with browsers' Origin headers.
func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://Chat.Example.com/":     "https://chat.example.com",
		"http://127.0.0.1:8080/parley/": "http://127.0.0.1:8080",
		"HTTPS://x.test:8443?q=1":       "https://x.test:8443",
		"chat.example.com":              "",
		"":                              "",
	} {
		if got := hub.OriginOf(in); got != want {
			t.Errorf("OriginOf(%q) = %q, want %q", in, got, want)
		}
	}
}
