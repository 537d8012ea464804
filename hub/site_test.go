package hub_test

import (
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
