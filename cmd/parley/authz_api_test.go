package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/dashboard"
	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
	"github.com/parley-chat/parley/widget"
)

// Authorization, endpoint by endpoint: docs/api.md ("Anything of another
// workspace is 404, never 403"), docs/roles.md and docs/protocol.md
// ("Every frame is authorized"). Tenant A is the demo workspace with an
// owner, an admin and an agent, a site, a visitor's conversation holding
// assistant answers with decision traces, an assistant note, a private
// note, a file and a ticket, plus a knowledge entry, a canned response and
// two invitations. Tenant B is a second workspace with its owner, a site
// and a visitor. authzRoutes lists every route of the API with what each
// caller gets; TestAuthzRouteTable fails when a route has no entry.
// TestAuthzSweep runs them in the world of authz_world_test.go; its parts
// are in authz_socket_test.go and authz_rest_test.go.

// authzAccess says who may call a route at all.
type authzAccess int

const (
	// routePublic routes need no credentials: signing in and up, password
	// resets, invitations by their secret token, and starting a visit on a
	// site by its public key.
	routePublic authzAccess = iota + 1
	// routeVisitor routes take a visitor token (Authorization: Bearer).
	routeVisitor
	// routeMember routes take a dashboard session (cookie or bearer).
	routeMember
	// routeSocket routes upgrade to a websocket whose every frame is
	// authorized (TestAuthzSweep/websocket_frames).
	routeSocket
	// routeSigned routes serve a file whose signed path is the capability.
	routeSigned
)

// authzCase is what callers get from one route.
type authzCase struct {
	access authzAccess
	// path and body are the request on tenant A's rows; {name} stands for
	// an id or value of the world (authzWorld.expand). The body "@file"
	// uploads a small PNG instead of JSON.
	path, body string
	// stranger is the status tenant B's owner (or, on visitor routes, B's
	// visitor) gets: 404 for a row of A, or the 2xx of a route that acts
	// on the caller's own workspace, whose answer must then hold nothing
	// of A.
	stranger int
	// agent is 403 for what only owners and admins may do
	// (docs/roles.md); 0 for what every member may do (an agent's GET is
	// then 200).
	agent int
	// list names the kind of A's ids that a list answer must not hold.
	list string
	// person marks what only a person signed in may do (hub.Actor.Person):
	// an API token of any scope gets 403 (TestAuthzSweep/api_tokens).
	person bool
	// owner marks what only owners may do: admins get 403 (authzWorld.roles),
	// and so does every API token, whose role is never owner
	// (hub.Scope.Role; TestAuthzSweep/api_tokens).
	owner bool
}

// authzRoutes is every route of the dashboard and widget under /api/v1,
// plus the websockets and files, keyed by method and path pattern.
var authzRoutes = map[string]authzCase{
	"POST /api/v1/auth/login":                  {access: routePublic},
	"POST /api/v1/auth/logout":                 {access: routePublic}, // ends the caller's own session; the cookie needs the hub's origin (csrf)
	"POST /api/v1/auth/signup":                 {access: routePublic},
	"POST /api/v1/auth/password-reset":         {access: routePublic},
	"POST /api/v1/auth/password-reset/confirm": {access: routePublic},
	"GET /api/v1/auth/invites/:token":          {access: routePublic},
	"POST /api/v1/auth/invites/:token/accept":  {access: routePublic},
	"OPTIONS /api/v1/sdk/*":                    {access: routePublic},
	"GET /api/v1/sdk/chat/config":              {access: routePublic},
	"POST /api/v1/sdk/visitors":                {access: routePublic},

	"POST /api/v1/sdk/page":        {access: routeVisitor, path: "/api/v1/sdk/page", body: `{"url":"https://beta.test/elsewhere"}`, stranger: 204},
	"POST /api/v1/sdk/attachments": {access: routeVisitor, path: "/api/v1/sdk/attachments", body: "@file", stranger: 404},

	"GET /ws/agent":             {access: routeSocket},
	"GET /ws/visitor":           {access: routeSocket},
	"GET /files/:id/:sig/:name": {access: routeSigned},

	"GET /api/v1/me":             {access: routeMember, path: "/api/v1/me", stranger: 200},
	"PATCH /api/v1/me":           {access: routeMember, path: "/api/v1/me", body: `{"locale":"en"}`, stranger: 200, person: true},
	"GET /api/v1/members":        {access: routeMember, path: "/api/v1/members", stranger: 200, list: "members"},
	"PATCH /api/v1/members/:id":  {access: routeMember, path: "/api/v1/members/{admin}", body: `{"role":"agent"}`, stranger: 404, agent: 403},
	"DELETE /api/v1/members/:id": {access: routeMember, path: "/api/v1/members/{admin}", stranger: 404, agent: 403},
	"GET /api/v1/invites":        {access: routeMember, path: "/api/v1/invites", stranger: 200, agent: 403, list: "invites"},
	"POST /api/v1/invites": {access: routeMember, path: "/api/v1/invites",
		body: `{"email":"newhire@beta.test","role":"agent","tenant_id":{tenant}}`, stranger: 201, agent: 403},
	"DELETE /api/v1/invites/:id": {access: routeMember, path: "/api/v1/invites/{invite}", stranger: 404, agent: 403},
	// Workspace API tokens: owners' and admins', managed by them in person.
	"GET /api/v1/tokens": {access: routeMember, path: "/api/v1/tokens", stranger: 200, agent: 403, list: "tokens", person: true},
	"POST /api/v1/tokens": {access: routeMember, path: "/api/v1/tokens", body: `{"name":"Beta bot","scope":"admin","tenant_id":{tenant}}`,
		stranger: 201, agent: 403, person: true},
	"DELETE /api/v1/tokens/:id": {access: routeMember, path: "/api/v1/tokens/{token}", stranger: 404, agent: 403, person: true},

	"GET /api/v1/conversations":              {access: routeMember, path: "/api/v1/conversations", stranger: 200, list: "conversations"},
	"GET /api/v1/conversations/:id":          {access: routeMember, path: "/api/v1/conversations/{conv}", stranger: 404},
	"PATCH /api/v1/conversations/:id":        {access: routeMember, path: "/api/v1/conversations/{conv}", body: `{"status":"closed"}`, stranger: 404},
	"GET /api/v1/conversations/:id/messages": {access: routeMember, path: "/api/v1/conversations/{conv}/messages", stranger: 404},
	"POST /api/v1/conversations/:id/messages": {access: routeMember, path: "/api/v1/conversations/{conv}/messages",
		body: `{"client_msg_id":"hijack","body":"hijack","internal":true}`, stranger: 404},
	"POST /api/v1/conversations/:id/read": {access: routeMember, path: "/api/v1/conversations/{conv}/read", body: `{"seq":{lastSeq}}`, stranger: 404},
	// A member's own badges: tenant B gets B's (none of A's), read-only.
	"GET /api/v1/unread":                         {access: routeMember, path: "/api/v1/unread", stranger: 200},
	"POST /api/v1/conversations/:id/attachments": {access: routeMember, path: "/api/v1/conversations/{conv}/attachments", body: "@file", stranger: 404},
	"POST /api/v1/conversations/:id/take-over":   {access: routeMember, path: "/api/v1/conversations/{conv}/take-over", stranger: 404},
	"GET /api/v1/conversations/:id/export":       {access: routeMember, path: "/api/v1/conversations/{conv}/export", stranger: 404},

	"GET /api/v1/tickets": {access: routeMember, path: "/api/v1/tickets", stranger: 200, list: "tickets"},
	"POST /api/v1/tickets": {access: routeMember, path: "/api/v1/tickets",
		body: `{"conversation_id":{conv},"subject":"Hijack","requester_email":"b@beta.test"}`, stranger: 404},
	"GET /api/v1/tickets/:id":   {access: routeMember, path: "/api/v1/tickets/{ticket}", stranger: 404},
	"PATCH /api/v1/tickets/:id": {access: routeMember, path: "/api/v1/tickets/{ticket}", body: `{"status":"closed"}`, stranger: 404},

	"GET /api/v1/sites":         {access: routeMember, path: "/api/v1/sites", stranger: 200, list: "sites"},
	"GET /api/v1/sites/:site":   {access: routeMember, path: "/api/v1/sites/{site}", stranger: 404},
	"PATCH /api/v1/sites/:site": {access: routeMember, path: "/api/v1/sites/{site}", body: `{"paused":true}`, stranger: 404, agent: 403},
	"POST /api/v1/sites": {access: routeMember, path: "/api/v1/sites",
		body: `{"name":"Beta blog","allowed_origins":["https://blog.beta.test"],"tenant_id":{tenant}}`, stranger: 201, agent: 403},
	"POST /api/v1/sites/:site/identity-secret": {access: routeMember, path: "/api/v1/sites/{site}/identity-secret", stranger: 404, agent: 403},

	"GET /api/v1/sites/:site/knowledge": {access: routeMember, path: "/api/v1/sites/{site}/knowledge", stranger: 404},
	"POST /api/v1/sites/:site/knowledge": {access: routeMember, path: "/api/v1/sites/{site}/knowledge",
		body: `{"kind":"qa","title":"Hijack","body":"Hijack"}`, stranger: 404, agent: 403},
	"GET /api/v1/knowledge/:id":    {access: routeMember, path: "/api/v1/knowledge/{knowledge}", stranger: 404},
	"PATCH /api/v1/knowledge/:id":  {access: routeMember, path: "/api/v1/knowledge/{knowledge}", body: `{"title":"Hijack"}`, stranger: 404, agent: 403},
	"DELETE /api/v1/knowledge/:id": {access: routeMember, path: "/api/v1/knowledge/{knowledge}", stranger: 404, agent: 403},

	"GET /api/v1/canned-responses": {access: routeMember, path: "/api/v1/canned-responses", stranger: 200, list: "canned"},
	"POST /api/v1/canned-responses": {access: routeMember, path: "/api/v1/canned-responses",
		body: `{"title":"Beta hello","body":"Hello from Beta","tenant_id":{tenant}}`, stranger: 201, agent: 403},
	"GET /api/v1/canned-responses/:id":    {access: routeMember, path: "/api/v1/canned-responses/{canned}", stranger: 404},
	"PATCH /api/v1/canned-responses/:id":  {access: routeMember, path: "/api/v1/canned-responses/{canned}", body: `{"body":"hijack"}`, stranger: 404, agent: 403},
	"DELETE /api/v1/canned-responses/:id": {access: routeMember, path: "/api/v1/canned-responses/{canned}", stranger: 404, agent: 403},

	// A person's data (docs/integrations.md): owners only, so admins are
	// refused too (authzWorld.roles).
	"GET /api/v1/visitors/:id/export": {access: routeMember, path: "/api/v1/visitors/{visitor}/export", stranger: 404, agent: 403, owner: true},
	"DELETE /api/v1/visitors/:id":     {access: routeMember, path: "/api/v1/visitors/{visitor}", stranger: 404, agent: 403, owner: true},

	"GET /api/v1/reports":     {access: routeMember, path: "/api/v1/reports?site={site}", stranger: 404},
	"GET /api/v1/reports.csv": {access: routeMember, path: "/api/v1/reports.csv?site={site}", stranger: 404},

	// Support (docs/api.md "Support"): owners and admins only; the review
	// of an assistant answer is any member's; staff's own list.
	"GET /api/v1/support/access": {access: routeMember, path: "/api/v1/support/access", stranger: 200, agent: 403, person: true},
	"PUT /api/v1/support/access": {access: routeMember, path: "/api/v1/support/access", body: `{"open":false,"minutes":0}`, stranger: 200, agent: 403, person: true},
	"GET /api/v1/support/audit":  {access: routeMember, path: "/api/v1/support/audit", stranger: 200, agent: 403, list: "audit", person: true},
	"GET /api/v1/support/tickets": {access: routeMember, path: "/api/v1/support/tickets", stranger: 200, agent: 403,
		list: "supportTickets", person: true},
	"POST /api/v1/support/tickets": {access: routeMember, path: "/api/v1/support/tickets",
		body: `{"subject":"Beta question","body":"How do I pause a site?"}`, stranger: 201, agent: 403, person: true},
	"GET /api/v1/support/tickets/:id": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}", stranger: 404, agent: 403, person: true},
	"GET /api/v1/support/tickets/:id/messages": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/messages",
		stranger: 404, agent: 403, person: true},
	"POST /api/v1/support/tickets/:id/messages": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/messages",
		body: `{"client_msg_id":"hijack","body":"hijack"}`, stranger: 404, agent: 403, person: true},
	"POST /api/v1/support/tickets/:id/attachments": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/attachments",
		body: "@file", stranger: 404, agent: 403, person: true},
	"POST /api/v1/support/tickets/:id/read": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/read",
		body: `{"seq":1}`, stranger: 404, agent: 403, person: true},
	"GET /api/v1/support/reviews/:id": {access: routeMember, path: "/api/v1/support/reviews/{assistantAnswer}", stranger: 404, person: true},
	"POST /api/v1/support/reviews/preview": {access: routeMember, path: "/api/v1/support/reviews/preview",
		body: `{"message_id":{assistantAnswer},"expected":"Hijack","cause":"other"}`, stranger: 404, person: true},
	"POST /api/v1/support/reviews": {access: routeMember, path: "/api/v1/support/reviews",
		body: `{"message_id":{assistantAnswer},"expected":"Hijack","cause":"other"}`, stranger: 404, person: true},
	"GET /api/v1/staff/workspaces": {access: routeMember, path: "/api/v1/staff/workspaces", stranger: 403, agent: 403},
	"GET /api/v1/staff/plans":      {access: routeMember, path: "/api/v1/staff/plans", stranger: 403, agent: 403},
	"PUT /api/v1/staff/workspaces/:id/plan": {access: routeMember, path: "/api/v1/staff/workspaces/{tenant}/plan",
		body: `{"plan":"free"}`, stranger: 403, agent: 403},
	"GET /ws/support": {access: routeSocket},
}

// authzRoutesOf returns the routes app serves under /api/v1, /ws/ and
// /files/, as "METHOD /path" (HEAD, which fiber adds to every GET, and
// middleware left out).
func authzRoutesOf(app *fiber.App) []string {
	var out []string
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead {
			continue
		}
		if strings.HasPrefix(r.Path, "/api/v1") || strings.HasPrefix(r.Path, "/ws/") || strings.HasPrefix(r.Path, "/files/") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAuthzRouteTable: every route the dashboard and the widget mount has
// an entry in authzRoutes, so that a new endpoint cannot escape the sweeps
// of TestAuthzSweep, and every entry is a route that exists.
func TestAuthzRouteTable(t *testing.T) {
	svc := &hub.Service{}
	rt := realtime.New(realtime.Config{Service: svc, Log: zerolog.Nop()})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	widget.Mount(app, widget.Config{Service: svc, Realtime: rt, BaseURL: "http://hub.test",
		DemoSiteKey: func(context.Context) (string, error) { return "", hub.Errorf(hub.ENotFound, "no demo") }})
	dashboard.Mount(app, dashboard.Config{Service: svc, Realtime: rt, BaseURL: "http://hub.test"})

	routes := authzRoutesOf(app)
	if len(routes) < 40 {
		t.Fatalf("found only %d routes: %v", len(routes), routes)
	}
	for _, r := range routes {
		if _, ok := authzRoutes[r]; !ok {
			t.Errorf("route %s has no case in authzRoutes: say who may call it and what tenant B and an agent get", r)
		}
	}
	for r, c := range authzRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("authzRoutes has %s, which is no route", r)
		}
		if (c.access == routeMember || c.access == routeVisitor) && (c.path == "" || c.stranger == 0) {
			t.Errorf("%s: a %v route needs a request on tenant A's rows and what tenant B gets", r, c.access)
		}
		if c.agent != 0 && c.agent != 403 {
			t.Errorf("%s: agent is 403 or 0, not %d", r, c.agent)
		}
	}
}

// snapshot reads everything of tenant A as A's owner: any change made by
// somebody who should not have been able to shows as a difference.
func (w *authzWorld) snapshot(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, path := range []string{"/api/v1/conversations/{conv}", "/api/v1/conversations/{conv}/messages", "/api/v1/conversations",
		"/api/v1/tickets/{ticket}", "/api/v1/tickets", "/api/v1/sites", "/api/v1/sites/{site}", "/api/v1/sites/{site}/knowledge",
		"/api/v1/knowledge/{knowledge}", "/api/v1/canned-responses", "/api/v1/canned-responses/{canned}", "/api/v1/members",
		"/api/v1/invites", "/api/v1/support/tickets", "/api/v1/support/tickets/{supportTicket}/messages", "/api/v1/support/access",
		"/api/v1/tokens"} {
		st, raw := w.send(tb, "GET", w.expand(path), "", w.owner.Auth)
		if st != 200 {
			tb.Fatalf("A's owner GET %s: %d %s", path, st, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			tb.Fatalf("GET %s: %v", path, err)
		}
		authzDrop(v, "online")       // presence comes and goes with sockets
		authzDrop(v, "last_used_at") // and an API token's use with its requests
		b, _ := json.Marshal(v)
		out[path] = string(b)
	}
	for _, m := range []authzMember{w.owner, w.admin, w.agent} {
		var me apiMember
		st := do(tb, "GET", w.n.URL+"/api/v1/me", m.Auth, nil, &me)
		out[fmt.Sprintf("session of member %d", m.ID)] = fmt.Sprintf("%d %s %s", st, me.Role, me.Name)
	}
	// The identity secret: a user hash made with the one the test knows
	// still verifies.
	var visit struct{ Verified bool }
	st := do(tb, "POST", w.n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {w.n.Origin}}, map[string]any{"site": w.siteKey,
		"identity": map[string]string{"external_id": "alpha-user-1", "user_hash": userHash(w.secret, "alpha-user-1")}}, &visit)
	out["identity secret"] = fmt.Sprintf("%d verified=%v", st, visit.Verified)
	return out
}

// authzDrop deletes key from every object in v.
func authzDrop(v any, key string) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, key)
		for _, e := range v {
			authzDrop(e, key)
		}
	case []any:
		for _, e := range v {
			authzDrop(e, key)
		}
	}
}

// unchanged fails for every part of A that differs from before.
func (w *authzWorld) unchanged(tb testing.TB, before map[string]string) {
	tb.Helper()
	after := w.snapshot(tb)
	keys := make([]string, 0, len(before))
	for k := range before {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if before[k] != after[k] {
			tb.Errorf("tenant A's %s changed:\nbefore %s\nafter  %s", k, before[k], after[k])
		}
	}
}

// authzCodes are the problem codes of the statuses the sweeps expect
// (docs/api.md).
var authzCodes = map[int]string{400: hub.EInvalid, 401: hub.EUnauthorized, 403: hub.EForbidden, 404: hub.ENotFound, 409: hub.EConflict}

// authzProblem checks an error answer's status and code.
func authzProblem(tb testing.TB, what string, st int, raw []byte, want int) {
	tb.Helper()
	var p problemBody
	_ = json.Unmarshal(raw, &p)
	if st != want || p.Code != authzCodes[want] {
		tb.Errorf("%s: %d %s, want %d %s", what, st, raw, want, authzCodes[want])
	}
}

// TestAuthzSweep runs every route and frame against the two workspaces:
// what each recipient of tenant A's work got, tenant B's websocket frames
// and REST calls on A's ids, the roles within A, requests without a
// session or from another origin. After each part, A's data is read back
// unchanged.
func TestAuthzSweep(t *testing.T) {
	w := newAuthzWorld(t)
	base := w.snapshot(t)
	if base["identity secret"] != "200 verified=true" {
		t.Fatalf("a user hash made with the site's secret: %s", base["identity secret"])
	}

	t.Run("event_payloads", func(t *testing.T) {
		w.bind(t)
		w.checkVisitorFrames(t)
		w.checkAgentFrames(t)
		// Nobody outside A's conversation got anything of it.
		for name, s := range map[string]*authzSocket{"another visitor of A": w.v2, "B's visitor": w.bVisitor, "B's owner": w.bOwner} {
			w.checkNothingOfA(t, name, s)
		}
	})

	t.Run("websocket_frames", func(t *testing.T) {
		w.bind(t)
		w.websocketFrames(t)
		w.unchanged(t, base)
		// A's visitor writes again: nobody outside A gets it.
		conv := w.ids["conv"]
		msg := w.v1.request("send", map[string]string{"client_msg_id": "again", "body": "Are you there, alpha team?"})
		if msg.Type != "ack" {
			t.Fatalf("visitor send: %s %s", msg.Type, msg.Data)
		}
		w.aAgent.until(func(f frame) bool {
			return f.Type == "message.created" && authzString(authzData(t, f), "body") == "Are you there, alpha team?"
		})
		for name, s := range map[string]*authzSocket{"another visitor of A": w.v2, "B's visitor": w.bVisitor, "B's owner": w.bOwner} {
			s.request("presence.list", nil)
			w.checkNothingOfA(t, name, s)
		}
		var c inboxConversation
		w.must(t, w.owner, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, 200, &c)
		w.ids["lastSeq"] = c.LastSeq
		base = w.snapshot(t)
	})

	t.Run("cross_tenant_rest", func(t *testing.T) {
		w.bind(t)
		w.crossTenantREST(t)
		w.unchanged(t, base)
	})

	t.Run("roles", func(t *testing.T) {
		w.bind(t)
		w.roles(t)
		w.unchanged(t, base)
		// What admins may do, they can: the 403s were about the role.
		w.adminMay(t)
		base = w.snapshot(t)
	})

	t.Run("unauthenticated_and_csrf", func(t *testing.T) {
		w.bind(t)
		w.unauthenticated(t)
		w.csrf(t)
		w.unchanged(t, base)
	})

	t.Run("staff_view", func(t *testing.T) {
		w.bind(t)
		w.staffView(t, base)
	})

	// Last: the routes a token's scope allows are called for real.
	t.Run("api_tokens", func(t *testing.T) {
		w.bind(t)
		w.apiTokens(t)
	})
}
