package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
)

// TestBrowserAPITokens: the owner creates an API token in Settings → API
// tokens, sees its secret once, which works on the API; the token is
// listed with its scope (the secret nowhere in the list, nor after a
// reload), then revoked, after which the API refuses it. The page in
// Russian too. PARLEY_TEST_SCREENSHOTS keeps screenshots of both
// languages.
func TestBrowserAPITokens(t *testing.T) {
	d := startDemoBrowser(t)
	n := d.n
	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, d.email, d.password)
	ann.click(t, tid("nav-settings"))
	ann.click(t, tid("settings-tokens"))
	ann.wait(t, "no tokens yet", `!!document.querySelector('[data-testid="token-none"]') && !document.querySelector('[data-testid="token-row"]')`,
		`document.body.innerText.slice(0, 500)`)

	ann.setField(t, tid("token-name"), "CRM sync")
	ann.setField(t, tid("token-scope"), "write")
	ann.setField(t, tid("token-expiry"), "30")
	ann.click(t, tid("token-create"))
	ann.wait(t, "the secret shown", `((el) => !!el && el.textContent.trim().startsWith(`+fmt.Sprintf("%q", hub.APITokenPrefix)+`))(document.querySelector('[data-testid="token-secret"]'))`,
		`document.body.innerText.slice(0, 500)`)
	var secret string
	if err := ann.evalPage(`document.querySelector('[data-testid="token-secret"]').textContent.trim()`, &secret); err != nil {
		t.Fatal(err)
	}
	ann.wait(t, "the new token listed behind the secret", `!!document.querySelector('[data-testid="token-row"]')`, `document.body.innerText.slice(0, 500)`)
	ann.shot(t, "secret")

	// The secret works on the API, as the owner with the write scope's role.
	var me struct {
		Role  string `json:"role"`
		Token struct {
			Name  string `json:"name"`
			Scope string `json:"scope"`
		} `json:"api_token"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(secret), nil, &me); st != 200 || me.Role != "agent" || me.Token.Name != "CRM sync" || me.Token.Scope != "write" {
		t.Fatalf("GET /me with the new token: %d %+v", st, me)
	}

	// Closed, the secret is gone from the page; the row stays, and after a
	// reload it has the last use.
	ann.click(t, `[data-testid="token-secret-modal"] `+tid("modal-close"))
	ann.wait(t, "the secret closed", `!document.querySelector('[data-testid="token-secret"]')`, `document.body.innerText.slice(0, 500)`)
	ann.do(t, "owner: reload", chromedp.Reload())
	row := `document.querySelector('[data-testid="token-row"]')`
	ann.wait(t, "the token listed with its scope and last use", row+`?.textContent.includes("CRM sync") && `+row+`.textContent.includes("Read and write") && !`+row+`.textContent.includes("Not used yet")`,
		`document.body.innerText.slice(0, 800)`)
	var page string
	if err := ann.evalPage(`document.body.innerHTML`, &page); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, secret) || !strings.Contains(page, "…"+secret[len(secret)-4:]) {
		t.Errorf("the list shows the secret, or not its last four characters")
	}
	ann.shot(t, "list-en")

	// In Russian.
	ann.setField(t, tid("lang-switch"), "ru")
	ann.wait(t, "the page in Russian", `document.documentElement.lang === "ru" && document.querySelector('[data-testid="tokens"] h2').textContent === "API-токены" && `+
		row+`.textContent.includes("Чтение и запись")`, `document.body.innerText.slice(0, 800)`)
	ann.shot(t, "list-ru")
	ann.setField(t, tid("lang-switch"), "en")

	// Revoked, it leaves the list and the API refuses it at once.
	ann.js(t, `window.confirm = () => true`)
	ann.click(t, tid("token-revoke"))
	ann.wait(t, "the token gone", `!document.querySelector('[data-testid="token-row"]')`, `document.body.innerText.slice(0, 500)`)
	st, _, raw := inboxRaw(t, "GET", n.URL+"/api/v1/conversations", http.Header{"Authorization": {"Bearer " + secret}}, "")
	authzProblem(t, "the revoked token", st, raw, 401)
	ann.checkClean(t)
}
