package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
)

const chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

// visitorCard starts a visit with the given headers and time zone, sends a
// message and returns the visitor's identity card as an agent reads it.
func visitorCard(tb testing.TB, n *testNode, token, siteKey string, header http.Header, tz string) (country, device string) {
	tb.Helper()
	var start struct {
		Token string `json:"token"`
	}
	header.Set("Origin", n.Origin)
	if st := do(tb, "POST", n.URL+"/api/v1/sdk/visitors", header, map[string]string{"site": siteKey, "tz": tz}, &start); st != 200 {
		tb.Fatalf("start visitor: status %d", st)
	}
	c := dial(tb, n.URL+"/ws/visitor?site="+siteKey, n.Origin, nil)
	c.call("auth", "auth.ok", map[string]string{"token": start.Token})
	sent := decode[struct{ Message wireMessage }](tb, c.call("send", "ack", map[string]any{"client_msg_id": "m1", "body": "hello"})).Message
	var detail struct {
		Visitor struct {
			Country string `json:"country"`
			Device  string `json:"device"`
		} `json:"visitor"`
	}
	if st := do(tb, "GET", fmt.Sprintf("%s/api/v1/conversations/%d", n.URL, sent.ConversationID), bearer(token), nil, &detail); st != 200 {
		tb.Fatalf("conversation: status %d", st)
	}
	return detail.Visitor.Country, detail.Visitor.Device
}

// TestVisitorCountryAndDevice: the identity card names the browser and the
// country: from a trusted proxy's country header when there is one, else
// from the browser's time zone. An untrusted client's header is ignored.
func TestVisitorCountryAndDevice(t *testing.T) {
	for _, tc := range []struct {
		name, trusted, tz, want string
	}{
		{"no trusted proxy: the time zone decides", "", "Europe/Berlin", "DE"},
		{"trusted proxy: its header decides", "127.0.0.1,::1", "Europe/Berlin", "FR"},
		{"unknown zone and no proxy: unknown", "", "Etc/UTC", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "PARLEY_TRUSTED_PROXIES="+tc.trusted)
			email, password := demoLogin(t, n)
			token := login(t, n, email, password)
			h := http.Header{"User-Agent": {chromeOnWindows}, "Cf-Ipcountry": {"FR"}}
			country, device := visitorCard(t, n, token, demoSiteKey(t, n), h, tc.tz)
			if country != tc.want || device != "Chrome 120 on Windows" {
				t.Fatalf("card: country %q, device %q; want %q, Chrome 120 on Windows", country, device, tc.want)
			}
		})
	}
}

// TestLoginLimitBehindProxy: behind a trusted proxy each client address
// has its own sign-in limit, read from X-Forwarded-For; without one, the
// header is ignored, so a client cannot dodge the limit by forging it.
func TestLoginLimitBehindProxy(t *testing.T) {
	guesses := 0 // each guess another email: only the per-IP limit refuses
	fail := func(n *testNode, from string) int {
		guesses++
		return do(t, "POST", n.URL+"/api/v1/auth/login", http.Header{"X-Forwarded-For": {from}},
			map[string]string{"email": "guess" + strconv.Itoa(guesses) + "@x.test", "password": "wrong password"}, nil)
	}
	limited := func(n *testNode, from string) bool {
		for range 30 {
			if st := fail(n, from); st == 429 {
				return true
			}
		}
		return false
	}
	behind := startNode(t, "PARLEY_DEMO=false", "PARLEY_TRUSTED_PROXIES=127.0.0.1,::1")
	if !limited(behind, "203.0.113.1") {
		t.Fatal("no per-IP limit for 203.0.113.1")
	}
	if st := fail(behind, "203.0.113.2"); st != 401 {
		t.Fatalf("another client behind the proxy: status %d, want 401", st)
	}
	// The client writes the left part of X-Forwarded-For; the proxy appends.
	if st := fail(behind, "203.0.113.2, 203.0.113.1"); st != 429 {
		t.Fatalf("a forged left-most address: status %d, want 429", st)
	}

	direct := startNode(t, "PARLEY_DEMO=false")
	if !limited(direct, "203.0.113.1") {
		t.Fatal("no per-IP limit")
	}
	if st := fail(direct, "203.0.113.2"); st != 429 {
		t.Fatalf("a forged X-Forwarded-For dodged the limit: status %d", st)
	}
}
