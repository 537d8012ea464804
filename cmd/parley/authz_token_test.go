package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// The API token part of TestAuthzSweep: every member route with a token
// of each scope, and with tokens that do not hold (made up, revoked,
// expired); the agent websocket refuses tokens.

// authzToken is an API token of tenant A's owner.
type authzToken struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

// newToken creates an API token as A's owner.
func (w *authzWorld) newToken(t *testing.T, name string, scope hub.Scope, expires *time.Time) authzToken {
	t.Helper()
	body := map[string]any{"name": name, "scope": scope}
	if expires != nil {
		body["expires_at"] = expires
	}
	var tok authzToken
	w.must(t, w.owner, "POST", "/api/v1/tokens", body, 201, &tok)
	if !strings.HasPrefix(tok.Secret, hub.APITokenPrefix) {
		t.Fatalf("token secret %q", tok.Secret)
	}
	return tok
}

// tokenRefusal is what hub's rules give a token of scope on a route: 403
// for what only a person may do (hub.Actor.Person), for any change with a
// scope that does not write (hub.Actor.Writable), for what the scope's
// role may not do (docs/roles.md, as the table says for agents) and for
// staff's routes (which no workspace member may call: tenant B's owner
// gets 403); 0 when the scope allows the route.
func tokenRefusal(scope hub.Scope, method string, c authzCase) int {
	switch {
	case c.person, c.stranger == 403:
		return 403
	case method != "GET" && !scope.Writes():
		return 403
	case c.agent == 403 && scope.Role() == hub.RoleAgent, c.owner && scope.Role() != hub.RoleOwner:
		return 403
	}
	return 0
}

// apiTokens: with a token of each scope, every member route answers as
// tokenRefusal says: refusals first (A unchanged after them), then the
// reads, then the changes the scopes allow, called for real (which is why
// this part runs last). Tokens that do not hold are 401 everywhere.
func (w *authzWorld) apiTokens(t *testing.T) {
	expiresAt := time.Now().Add(2 * time.Second)
	expiring := w.newToken(t, "Alpha soon expired", hub.ScopeAdmin, &expiresAt)
	revoked := w.newToken(t, "Alpha revoked", hub.ScopeAdmin, nil)
	w.must(t, w.owner, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", revoked.ID), nil, 204, nil)
	tokens := map[hub.Scope]authzToken{}
	for _, s := range hub.Scopes {
		tokens[s] = w.newToken(t, "Alpha "+string(s), s, nil)
	}
	base := w.snapshot(t)

	keys := make([]string, 0, len(authzRoutes))
	for k, c := range authzRoutes {
		if c.access == routeMember {
			keys = append(keys, k)
		}
	}
	// Deletions last, so that what they delete is there for the others.
	sort.Slice(keys, func(i, j int) bool {
		di, dj := strings.HasPrefix(keys[i], "DELETE "), strings.HasPrefix(keys[j], "DELETE ")
		if di != dj {
			return dj
		}
		return keys[i] < keys[j]
	})
	auth := func(secret string) http.Header {
		return http.Header{"Authorization": {"Bearer " + secret}, "Origin": {w.n.Origin}}
	}

	refused, allowed := 0, map[hub.Scope]int{}
	for _, scope := range hub.Scopes {
		for _, key := range keys {
			c := authzRoutes[key]
			method, _, _ := strings.Cut(key, " ")
			if tokenRefusal(scope, method, c) == 403 {
				refused++
				st, raw := w.call(t, method, c, auth(tokens[scope].Secret))
				authzProblem(t, fmt.Sprintf("a %s token, %s", scope, key), st, raw, 403)
			}
		}
	}
	w.unchanged(t, base)
	for _, scope := range hub.Scopes {
		for _, key := range keys {
			c := authzRoutes[key]
			method, _, _ := strings.Cut(key, " ")
			if method == "GET" && tokenRefusal(scope, method, c) == 0 {
				allowed[scope]++
				if st, raw := w.call(t, method, c, auth(tokens[scope].Secret)); st != 200 {
					t.Errorf("a %s token, %s: %d %s, want 200", scope, key, st, raw)
				}
			}
		}
	}
	w.unchanged(t, base)
	// The changes: the write scope's, then the admin scope's. A change may
	// meet the state an earlier one left (a closed conversation: 409), but
	// never a refusal of the caller.
	for _, scope := range []hub.Scope{hub.ScopeWrite, hub.ScopeAdmin} {
		for _, key := range keys {
			c := authzRoutes[key]
			method, _, _ := strings.Cut(key, " ")
			if method == "GET" || tokenRefusal(scope, method, c) != 0 {
				continue
			}
			allowed[scope]++
			st, raw := w.call(t, method, c, auth(tokens[scope].Secret))
			if st == 401 || st == 403 || st >= 500 {
				t.Errorf("a %s token, %s: %d %s, want it allowed", scope, key, st, raw)
			}
		}
	}
	if refused < 60 || allowed[hub.ScopeRead] < 15 || allowed[hub.ScopeWrite] <= allowed[hub.ScopeRead] ||
		allowed[hub.ScopeAdmin] <= allowed[hub.ScopeWrite] {
		t.Errorf("%d refusals, allowed %v: the scopes should widen read < write < admin", refused, allowed)
	}

	// GET /me says which token acts, with its role, never the owner's.
	var me struct {
		ID    int64  `json:"id"`
		Role  string `json:"role"`
		Token struct {
			ID    int64  `json:"id"`
			Scope string `json:"scope"`
		} `json:"api_token"`
	}
	w.must(t, authzMember{Auth: auth(tokens[hub.ScopeAdmin].Secret)}, "GET", "/api/v1/me", nil, 200, &me)
	if me.ID != w.owner.ID || me.Role != "admin" || me.Token.ID != tokens[hub.ScopeAdmin].ID || me.Token.Scope != "admin" {
		t.Errorf("GET /me with the admin token: %+v", me)
	}

	// Tokens that do not hold: 401 on every member route.
	if d := time.Until(expiresAt); d > 0 {
		time.Sleep(d + 10*time.Millisecond)
	}
	n := 0
	for _, key := range keys {
		c := authzRoutes[key]
		method, _, _ := strings.Cut(key, " ")
		for name, secret := range map[string]string{"a revoked token": revoked.Secret, "an expired token": expiring.Secret,
			"a made-up token": hub.APITokenPrefix + "made-up"} {
			n++
			st, raw := w.call(t, method, c, auth(secret))
			authzProblem(t, key+" with "+name, st, raw, 401)
		}
	}
	if n < 150 {
		t.Errorf("only %d requests with tokens that do not hold", n)
	}

	// The agent websocket is the dashboard's: it takes no token, of any
	// scope, in the auth frame or as the cookie.
	for _, scope := range hub.Scopes {
		secret := tokens[scope].Secret
		for name, h := range map[string]http.Header{"the auth frame": nil, "the cookie": {"Cookie": {"parley_session=" + secret}}} {
			s := &authzSocket{c: dial(t, w.n.URL+"/ws/agent", w.n.Origin, h)}
			for _, typ := range []string{"auth", "send", "subscribe"} {
				f := s.request(typ, map[string]any{"token": secret, "conversation_id": w.ids["conv"], "body": "x", "client_msg_id": "tok"})
				if f.Type != "error" || authzString(authzData(t, f), "code") != "unauthorized" {
					t.Errorf("agent socket, a %s token in %s, %s: %s %s, want unauthorized", scope, name, typ, f.Type, f.Data)
				}
			}
			s.c.conn.CloseNow()
		}
	}
}
