package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
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
//
// The limit is a bucket that gains a token every few seconds, so a request
// that should still be limited is only required to be while the 429's
// Retry-After has not passed (under load, a refill may come first).
func TestLoginLimitBehindProxy(t *testing.T) {
	guesses := 0 // each guess another email: only the per-IP limit refuses
	fail := func(n *testNode, from string) (int, http.Header) {
		guesses++
		return doHeaders(t, "POST", n.URL+"/api/v1/auth/login", http.Header{"X-Forwarded-For": {from}},
			map[string]string{"email": "guess" + strconv.Itoa(guesses) + "@x.test", "password": "wrong password"}, nil)
	}
	// limit fails from until it is refused, and returns until when the
	// refusal holds for certain.
	limit := func(n *testNode, from string) time.Time {
		t.Helper()
		for range 30 {
			if st, h := fail(n, from); st == 429 {
				wait, err := strconv.Atoi(h.Get("Retry-After"))
				if err != nil || wait < 1 {
					t.Fatalf("429 with Retry-After %q", h.Get("Retry-After"))
				}
				return time.Now().Add(time.Duration(wait-1) * time.Second)
			}
		}
		t.Fatalf("no per-IP limit for %s", from)
		return time.Time{}
	}
	stillLimited := func(n *testNode, from string, until time.Time, what string) {
		t.Helper()
		if st, _ := fail(n, from); st != 429 && time.Now().Before(until) {
			t.Fatalf("%s: status %d, want 429", what, st)
		}
	}

	behind := startNode(t, "PARLEY_DEMO=false", "PARLEY_TRUSTED_PROXIES=127.0.0.1,::1")
	until := limit(behind, "203.0.113.1")
	// The client writes the left part of X-Forwarded-For; the proxy appends.
	stillLimited(behind, "203.0.113.2, 203.0.113.1", until, "a forged left-most address")
	if st, _ := fail(behind, "203.0.113.2"); st != 401 {
		t.Fatalf("another client behind the proxy: status %d, want 401", st)
	}

	direct := startNode(t, "PARLEY_DEMO=false")
	until = limit(direct, "203.0.113.1")
	stillLimited(direct, "203.0.113.2", until, "a forged X-Forwarded-For without a trusted proxy")
}
