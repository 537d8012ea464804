package main

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAPITokenRevokedOnEveryNode: a token created on node a works on node
// b; revoked on a, the very next request with it on b is 401 (each request
// looks its token up in the store: docs/integrations.md "API tokens").
func TestAPITokenRevokedOnEveryNode(t *testing.T) {
	c := startCluster(t)
	owner := bearer(login(t, c.a, c.email, c.password))
	var tok struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	if st := do(t, "POST", c.a.URL+"/api/v1/tokens", owner, map[string]string{"name": "Cluster bot", "scope": "write"}, &tok); st != 201 {
		t.Fatalf("create a token on a: %d", st)
	}
	auth := http.Header{"Authorization": {"Bearer " + tok.Secret}}
	for _, n := range []*testNode{c.a, c.b} {
		if st, _, raw := inboxRaw(t, "GET", n.URL+"/api/v1/conversations", auth, ""); st != 200 {
			t.Fatalf("the token on %s: %d %s", n.URL, st, raw)
		}
	}
	// The write scope is an agent's: a canned response is an admin's.
	st, _, raw := inboxRaw(t, "POST", c.b.URL+"/api/v1/canned-responses", auth, `{"title":"Hi","body":"Hello"}`)
	authzProblem(t, "a write token creates a canned response on b", st, raw, 403)

	if st := do(t, "DELETE", fmt.Sprintf("%s/api/v1/tokens/%d", c.a.URL, tok.ID), owner, nil, nil); st != 204 {
		t.Fatalf("revoke on a: %d", st)
	}
	st, _, raw = inboxRaw(t, "GET", c.b.URL+"/api/v1/conversations", auth, "")
	authzProblem(t, "the revoked token's next request on b", st, raw, 401)
	st, _, raw = inboxRaw(t, "GET", c.a.URL+"/api/v1/me", auth, "")
	authzProblem(t, "the revoked token on a", st, raw, 401)
	// The token's list on b no longer has it.
	var list struct{ Items []struct{ ID int64 } }
	if st := do(t, "GET", c.b.URL+"/api/v1/tokens", owner, nil, &list); st != 200 || len(list.Items) != 0 {
		t.Fatalf("tokens on b after the revocation: %d %+v", st, list.Items)
	}
}
