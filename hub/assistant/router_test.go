package assistant

import (
	"io/fs"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/rs/zerolog"
)

// MustRouter returns a Router with the node defaults given, env as its
// environment and files as its file system.
func MustRouter(tb testing.TB, def OpenAIConfig, builtin hub.Assistant, env, files map[string]string) *Router {
	tb.Helper()
	def.Timeout, def.Backoff = 2*time.Second, time.Millisecond
	return New(Config{
		Default: def,
		Builtin: builtin,
		LookupEnv: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
		ReadFile: func(name string) ([]byte, error) {
			if v, ok := files[name]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		},
		Log: zerolog.Nop(),
	})
}

func routerInput(p hub.AIProvider) hub.AssistantInput {
	return hub.AssistantInput{Site: &hub.Site{ID: 9, TenantID: 1, AIProvider: p},
		Messages: []*hub.Message{modelMsg(hub.AuthorVisitor, "Hello")}}
}

func TestRouterBuiltinWhenNothingConfigured(t *testing.T) {
	builtin := &fakeFallback{}
	r := MustRouter(t, OpenAIConfig{APIKey: "sk-node"}, builtin, nil, nil)
	for _, p := range []hub.AIProvider{{}, {KeyEnv: "PARLEY_AI_KEY_1_SHOP"}} {
		d, err := r.Decide(t.Context(), routerInput(p))
		if err != nil {
			t.Fatal(err)
		}
		if d.Trace.Provider != "builtin" || d.Trace.Fallback != "" {
			t.Errorf("provider %+v: trace = %+v, want the built-in's without a fallback reason", p, d.Trace)
		}
	}
	if builtin.calls.Load() != 2 {
		t.Errorf("built-in asked %d times, want 2", builtin.calls.Load())
	}
	if d, err := r.Decide(t.Context(), hub.AssistantInput{}); err != nil || d.Trace.Provider != "builtin" {
		t.Errorf("without a site: %+v, %v", d, err)
	}
}

func TestRouterGlobalSettings(t *testing.T) {
	node := newFakeModelServer(t, modelAnswers("From the node's model."))
	r := MustRouter(t, OpenAIConfig{BaseURL: node.URL(), Model: "node-model", APIKey: "sk-node"}, &fakeFallback{}, nil, nil)
	d, err := r.Decide(t.Context(), routerInput(hub.AIProvider{}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Body != "From the node's model." || d.Trace.Provider != "model:node-model" {
		t.Errorf("decision = %+v", d)
	}
	req := node.Requests()[0]
	if req.Model != "node-model" || req.Authorization != "Bearer sk-node" {
		t.Errorf("request model %q, auth %q", req.Model, req.Authorization)
	}
}

func TestRouterPerSiteSettings(t *testing.T) {
	env := map[string]string{
		"PARLEY_AI_KEY_1_SHOP":      "sk-shop",
		"PARLEY_AI_KEY_1_FILE_FILE": "/run/secrets/shop-key",
		"PARLEY_AI_KEY_1_GONE_FILE": "/run/secrets/missing",
		"PARLEY_AI_KEY_1_EMPTY":     "",
	}
	files := map[string]string{"/run/secrets/shop-key": "sk-from-file\n"}
	tests := []struct {
		name         string
		site         func(siteURL string) hub.AIProvider
		wantServer   string // "node" or "site", "" for the built-in
		wantModel    string
		wantAuth     string
		wantFallback string
	}{
		{"model only: the node's server and key", func(string) hub.AIProvider { return hub.AIProvider{Model: "site-model"} },
			"node", "site-model", "Bearer sk-node", ""},
		{"own key on the node's server", func(string) hub.AIProvider {
			return hub.AIProvider{KeyEnv: "PARLEY_AI_KEY_1_SHOP"}
		}, "node", "node-model", "Bearer sk-shop", ""},
		{"own server and key", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u, Model: "site-model", KeyEnv: "PARLEY_AI_KEY_1_SHOP"}
		}, "site", "site-model", "Bearer sk-shop", ""},
		{"own server never gets the node's key", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u}
		}, "site", "node-model", "", ""},
		{"key from the _FILE variant", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u, Model: "site-model", KeyEnv: "PARLEY_AI_KEY_1_FILE"}
		}, "site", "site-model", "Bearer sk-from-file", ""},
		{"key variable not set", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u, Model: "site-model", KeyEnv: "PARLEY_AI_KEY_1_X"}
		}, "", "", "", "key variable PARLEY_AI_KEY_1_X is not set"},
		{"key variable empty", func(u string) hub.AIProvider {
			return hub.AIProvider{Model: "site-model", KeyEnv: "PARLEY_AI_KEY_1_EMPTY"}
		}, "", "", "", "key variable PARLEY_AI_KEY_1_EMPTY is not set"},
		{"key file missing", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u, KeyEnv: "PARLEY_AI_KEY_1_GONE"}
		}, "", "", "", "key file named by PARLEY_AI_KEY_1_GONE_FILE cannot be read"},
		{"invalid settings", func(u string) hub.AIProvider {
			return hub.AIProvider{BaseURL: u, KeyEnv: "DATABASE_URL"}
		}, "", "", "", "the site's AI provider settings are invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeModelServer(t, modelAnswers("node"))
			site := newFakeModelServer(t, modelAnswers("site"))
			builtin := &fakeFallback{}
			r := MustRouter(t, OpenAIConfig{BaseURL: node.URL(), Model: "node-model", APIKey: "sk-node"}, builtin, env, files)
			d, err := r.Decide(t.Context(), routerInput(tt.site(site.URL())))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantServer == "" {
				if d.Trace.Provider != "builtin" || d.Trace.Fallback != tt.wantFallback || len(node.Requests())+len(site.Requests()) != 0 {
					t.Errorf("trace = %+v, want the built-in's with fallback %q and no requests", d.Trace, tt.wantFallback)
				}
				return
			}
			if d.Body != tt.wantServer || d.Trace.Provider != "model:"+tt.wantModel || builtin.calls.Load() != 0 {
				t.Errorf("decision = %+v, want %s's answer from %s", d, tt.wantServer, tt.wantModel)
			}
			srv := map[string]*fakeModelServer{"node": node, "site": site}[tt.wantServer]
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Model != tt.wantModel || reqs[0].Authorization != tt.wantAuth {
				t.Fatalf("requests = %+v, want one for %s with auth %q", reqs, tt.wantModel, tt.wantAuth)
			}
		})
	}
}

func TestRouterNoModelForBaseURL(t *testing.T) {
	site := newFakeModelServer(t, modelAnswers("site"))
	r := MustRouter(t, OpenAIConfig{}, &fakeFallback{}, nil, nil)
	d, err := r.Decide(t.Context(), routerInput(hub.AIProvider{BaseURL: site.URL()}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Trace.Provider != "builtin" || d.Trace.Fallback != "no AI model is configured for base URL "+site.URL() {
		t.Errorf("trace = %+v", d.Trace)
	}
}

func TestRouterCachesClients(t *testing.T) {
	env := map[string]string{"PARLEY_AI_KEY_1_A": "sk-a", "PARLEY_AI_KEY_1_B": "sk-b"}
	r := MustRouter(t, OpenAIConfig{Model: "node-model", APIKey: "sk-node"}, &fakeFallback{}, env, nil)
	pick := func(p hub.AIProvider) *OpenAI {
		t.Helper()
		c, reason := r.pick(&hub.Site{ID: 1, TenantID: 1, AIProvider: p})
		if c == nil {
			t.Fatalf("no model for %+v: %s", p, reason)
		}
		return c
	}
	node := pick(hub.AIProvider{})
	if pick(hub.AIProvider{}) != node || pick(hub.AIProvider{BaseURL: DefaultBaseURL + "/"}) != node {
		t.Error("the same settings built a second client")
	}
	a := pick(hub.AIProvider{KeyEnv: "PARLEY_AI_KEY_1_A"})
	others := []*OpenAI{node, a, pick(hub.AIProvider{KeyEnv: "PARLEY_AI_KEY_1_B"}), pick(hub.AIProvider{Model: "other"}),
		pick(hub.AIProvider{BaseURL: "https://llm.example.com/v1"})}
	for i := range others {
		for j := range i {
			if others[i] == others[j] {
				t.Errorf("settings %d and %d share a client", i, j)
			}
		}
	}
	if pick(hub.AIProvider{KeyEnv: "PARLEY_AI_KEY_1_A"}) != a {
		t.Error("the same key built a second client")
	}
	if a.cfg.APIKey != "sk-a" || a.cfg.Fallback == nil || a.cfg.Timeout != 2*time.Second {
		t.Errorf("client config = %+v", a.cfg)
	}
}

func TestRouterNeedsBuiltin(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without a built-in assistant did not panic")
		}
	}()
	New(Config{})
}
