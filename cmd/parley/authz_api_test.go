package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
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
	"PATCH /api/v1/me":           {access: routeMember, path: "/api/v1/me", body: `{"locale":"en"}`, stranger: 200},
	"GET /api/v1/members":        {access: routeMember, path: "/api/v1/members", stranger: 200, list: "members"},
	"PATCH /api/v1/members/:id":  {access: routeMember, path: "/api/v1/members/{admin}", body: `{"role":"agent"}`, stranger: 404, agent: 403},
	"DELETE /api/v1/members/:id": {access: routeMember, path: "/api/v1/members/{admin}", stranger: 404, agent: 403},
	"GET /api/v1/invites":        {access: routeMember, path: "/api/v1/invites", stranger: 200, agent: 403, list: "invites"},
	"POST /api/v1/invites": {access: routeMember, path: "/api/v1/invites",
		body: `{"email":"newhire@beta.test","role":"agent","tenant_id":{tenant}}`, stranger: 201, agent: 403},
	"DELETE /api/v1/invites/:id": {access: routeMember, path: "/api/v1/invites/{invite}", stranger: 404, agent: 403},

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

	"GET /api/v1/reports":     {access: routeMember, path: "/api/v1/reports?site={site}", stranger: 404},
	"GET /api/v1/reports.csv": {access: routeMember, path: "/api/v1/reports.csv?site={site}", stranger: 404},

	// Support (docs/api.md "Support"): owners and admins only; the review
	// of an assistant answer is any member's; staff's own list.
	"GET /api/v1/support/access": {access: routeMember, path: "/api/v1/support/access", stranger: 200, agent: 403},
	"PUT /api/v1/support/access": {access: routeMember, path: "/api/v1/support/access", body: `{"open":false,"minutes":0}`, stranger: 200, agent: 403},
	"GET /api/v1/support/audit":  {access: routeMember, path: "/api/v1/support/audit", stranger: 200, agent: 403, list: "audit"},
	"GET /api/v1/support/tickets": {access: routeMember, path: "/api/v1/support/tickets", stranger: 200, agent: 403,
		list: "supportTickets"},
	"POST /api/v1/support/tickets": {access: routeMember, path: "/api/v1/support/tickets",
		body: `{"subject":"Beta question","body":"How do I pause a site?"}`, stranger: 201, agent: 403},
	"GET /api/v1/support/tickets/:id": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}", stranger: 404, agent: 403},
	"GET /api/v1/support/tickets/:id/messages": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/messages",
		stranger: 404, agent: 403},
	"POST /api/v1/support/tickets/:id/messages": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/messages",
		body: `{"client_msg_id":"hijack","body":"hijack"}`, stranger: 404, agent: 403},
	"POST /api/v1/support/tickets/:id/attachments": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/attachments",
		body: "@file", stranger: 404, agent: 403},
	"POST /api/v1/support/tickets/:id/read": {access: routeMember, path: "/api/v1/support/tickets/{supportTicket}/read",
		body: `{"seq":1}`, stranger: 404, agent: 403},
	"GET /api/v1/support/reviews/:id": {access: routeMember, path: "/api/v1/support/reviews/{assistantAnswer}", stranger: 404},
	"POST /api/v1/support/reviews/preview": {access: routeMember, path: "/api/v1/support/reviews/preview",
		body: `{"message_id":{assistantAnswer},"expected":"Hijack","cause":"other"}`, stranger: 404},
	"POST /api/v1/support/reviews": {access: routeMember, path: "/api/v1/support/reviews",
		body: `{"message_id":{assistantAnswer},"expected":"Hijack","cause":"other"}`, stranger: 404},
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

// authzMember is a signed-in member.
type authzMember struct {
	ID, TenantID int64
	Token        string
	Auth         http.Header
}

// authzSocket is a websocket that keeps every frame it read, for the
// checks of what each recipient may see.
type authzSocket struct {
	c   *client
	log []frame
}

func (s *authzSocket) read() frame {
	s.c.tb.Helper()
	f := s.c.next()
	s.log = append(s.log, f)
	return f
}

// until reads frames until ok holds for one, and returns it.
func (s *authzSocket) until(ok func(frame) bool) frame {
	s.c.tb.Helper()
	for {
		if f := s.read(); ok(f) {
			return f
		}
	}
}

// request sends a frame and returns the reply to it (or its error).
func (s *authzSocket) request(typ string, data any) frame {
	s.c.tb.Helper()
	id := s.c.send(typ, data)
	return s.until(func(f frame) bool { return f.ID == id })
}

// authzWorld is the two workspaces, their sockets, and the ids the cases
// of authzRoutes name.
type authzWorld struct {
	n   *testNode
	env []string

	owner, admin, agent authzMember // tenant A
	stranger            authzMember // tenant B's owner
	siteKey, secret     string      // tenant A's site: its key and identity secret
	strangerSiteKey     string
	visitorToken        string // A's visitor, the one with the conversation
	strangerVisitor     string // B's visitor's token
	ids                 map[string]int64
	// A's rows by kind (authzCase.list).
	rows map[string][]int64

	aOwner, aAgent *authzSocket // A's owner and agent, subscribed to the conversation
	bOwner         *authzSocket // B's owner
	v1             *authzSocket // A's visitor with the conversation
	v2             *authzSocket // another visitor of A's site
	bVisitor       *authzSocket // B's visitor
	// The messages the recipients' checks look for.
	assistantNote, assistantAnswer, greeting, agentReply, fileMessage, noteID int64
}

// expand replaces {name} in s by the world's ids.
func (w *authzWorld) expand(s string) string {
	var pairs []string
	for k, v := range w.ids {
		pairs = append(pairs, "{"+k+"}", strconv.FormatInt(v, 10))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// authzPNG is a tiny file the upload routes take.
var authzPNG = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

// call sends c's request (path and body expanded) with header and returns
// the status and the answer.
func (w *authzWorld) call(tb testing.TB, method string, c authzCase, header http.Header) (int, []byte) {
	tb.Helper()
	return w.send(tb, method, w.expand(c.path), w.expand(c.body), header)
}

// send sends one request; the body "@file" is a multipart upload into the
// conversation {conv}, each with a client_msg_id of its own (a repeated
// one would answer with the first message and hide what a second did).
func (w *authzWorld) send(tb testing.TB, method, path, body string, header http.Header) (int, []byte) {
	tb.Helper()
	if body != "@file" {
		st, _, raw := inboxRaw(tb, method, w.n.URL+path, header, body)
		return st, raw
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fw.Write(authzPNG); err != nil {
		tb.Fatal(err)
	}
	for k, v := range map[string]string{"conversation_id": strconv.FormatInt(w.ids["conv"], 10), "client_msg_id": "file-" + strconv.FormatInt(time.Now().UnixNano(), 36), "caption": "A photo"} {
		if err := mw.WriteField(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(method, w.n.URL+path, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, _, raw := exchange(tb, req)
	return st, raw
}

// must sends a request as a member of A and decodes the answer, failing
// unless the status is want.
func (w *authzWorld) must(tb testing.TB, m authzMember, method, path string, body any, want int, out any) {
	tb.Helper()
	if st := do(tb, method, w.n.URL+path, m.Auth, body, out); st != want {
		tb.Fatalf("%s %s: status %d, want %d", method, path, st, want)
	}
}

func (w *authzWorld) signedIn(tb testing.TB, token string) authzMember {
	tb.Helper()
	m := authzMember{Token: token, Auth: bearer(token)}
	var me apiMember
	w.must(tb, m, "GET", "/api/v1/me", nil, 200, &me)
	m.ID, m.TenantID = me.ID, me.TenantID
	return m
}

func (w *authzWorld) user(tb testing.TB, email string, args ...string) authzMember {
	tb.Helper()
	h := inboxUser(tb, w.n, w.env, email, args...)
	return w.signedIn(tb, tokenOf(h))
}

// agentSocket opens an agent websocket with m's session cookie.
func (w *authzWorld) agentSocket(tb testing.TB, m authzMember) *authzSocket {
	tb.Helper()
	s := &authzSocket{c: dial(tb, w.n.URL+"/ws/agent", w.n.Origin, http.Header{"Cookie": {"parley_session=" + m.Token}})}
	s.until(func(f frame) bool { return f.Type == "auth.ok" })
	return s
}

// visitor starts a visit on siteKey and returns its token and socket.
func (w *authzWorld) visitor(tb testing.TB, siteKey string, identity map[string]any) (string, *authzSocket) {
	tb.Helper()
	var start struct {
		Token string `json:"token"`
	}
	body := map[string]any{"site": siteKey, "page": w.n.Origin + "/pricing"}
	if identity != nil {
		body["identity"] = identity
	}
	if st := do(tb, "POST", w.n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {w.n.Origin}}, body, &start); st != 200 {
		tb.Fatalf("start visitor on %s: status %d", siteKey, st)
	}
	s := &authzSocket{c: dial(tb, w.n.URL+"/ws/visitor?site="+siteKey, w.n.Origin, nil)}
	if f := s.request("auth", map[string]string{"token": start.Token}); f.Type != "auth.ok" {
		tb.Fatalf("visitor auth: %s %s", f.Type, f.Data)
	}
	return start.Token, s
}

// authzData decodes a frame's data as an object.
func authzData(tb testing.TB, f frame) map[string]json.RawMessage {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(f.Data, &m); err != nil {
		tb.Fatalf("%s data %s: %v", f.Type, f.Data, err)
	}
	return m
}

// authzInt reads a number member of data (0 when absent).
func authzInt(data map[string]json.RawMessage, key string) int64 {
	var v int64
	_ = json.Unmarshal(data[key], &v)
	return v
}

func authzString(data map[string]json.RawMessage, key string) string {
	var v string
	_ = json.Unmarshal(data[key], &v)
	return v
}

// isMessage reports whether f is message.created of message id.
func isMessage(tb testing.TB, f frame, id int64) bool {
	return f.Type == "message.created" && authzInt(authzData(tb, f), "id") == id
}

// newAuthzWorld sets up both workspaces. A's team works on the visitor's
// conversation while every socket watches, so that the sockets' logs hold
// what each recipient got (checked in TestAuthzSweep/event_payloads).
func newAuthzWorld(t *testing.T) *authzWorld {
	dir := t.TempDir()
	w := &authzWorld{env: []string{"PARLEY_DATA_DIR=" + dir}, ids: map[string]int64{}}
	w.n = startNode(t, w.env...)
	t.Cleanup(func() {
		// A frame that never came is easier to explain with the node's
		// complaints (an assistant run that failed, a refused socket).
		if t.Failed() {
			w.n.logs.mu.Lock()
			defer w.n.logs.mu.Unlock()
			for _, l := range w.n.logs.lines {
				if l["level"] == "error" || l["level"] == "warn" {
					t.Logf("node %s: %v", l["level"], l)
				}
			}
		}
	})
	email, password := demoLogin(t, w.n)
	w.owner = w.signedIn(t, login(t, w.n, email, password))
	w.must(t, w.owner, "PATCH", "/api/v1/me", map[string]string{"name": "Alpha Owner"}, 200, nil)
	tenant := strconv.FormatInt(w.owner.TenantID, 10)
	w.admin = w.user(t, "admin@alpha.test", "-tenant-id", tenant, "-role", "admin", "-name", "Alpha Admin")
	w.agent = w.user(t, "agent@alpha.test", "-tenant-id", tenant, "-role", "agent", "-name", "Alpha Agent")
	w.stranger = w.user(t, "owner@beta.test", "-tenant", "Beta", "-name", "Beta Owner")
	if w.stranger.TenantID == w.owner.TenantID {
		t.Fatal("the stranger is in tenant A")
	}

	// A's site, renamed, with a secret the test knows; B's site.
	var sites struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	w.must(t, w.owner, "GET", "/api/v1/sites", nil, 200, &sites)
	if len(sites.Items) != 1 {
		t.Fatalf("tenant A has %d sites", len(sites.Items))
	}
	site := sites.Items[0].ID
	w.siteKey = demoSiteKey(t, w.n)
	w.must(t, w.owner, "PATCH", fmt.Sprintf("/api/v1/sites/%d", site), map[string]string{"name": "Alpha shop"}, 200, nil)
	var secret struct {
		IdentitySecret string `json:"identity_secret"`
	}
	w.must(t, w.owner, "POST", fmt.Sprintf("/api/v1/sites/%d/identity-secret", site), nil, 200, &secret)
	w.secret = secret.IdentitySecret
	var bSite struct {
		ID  int64  `json:"id"`
		Key string `json:"key"`
	}
	w.must(t, w.stranger, "POST", "/api/v1/sites", map[string]any{"name": "Beta shop", "allowed_origins": []string{w.n.Origin}}, 201, &bSite)
	w.strangerSiteKey = bSite.Key

	// The knowledge entry, the canned response, the invitations.
	var kn, cr, inv, ownerInv struct{ ID int64 }
	w.must(t, w.owner, "POST", fmt.Sprintf("/api/v1/sites/%d/knowledge", site),
		map[string]string{"kind": "qa", "title": "Alpha returns policy", "body": "Alpha takes returns for 14 days."}, 201, &kn)
	w.must(t, w.owner, "POST", "/api/v1/canned-responses", map[string]string{"title": "Alpha greeting", "body": "Hello from Alpha"}, 201, &cr)
	w.must(t, w.owner, "POST", "/api/v1/invites", map[string]string{"email": "invitee@alpha.test", "role": "agent"}, 201, &inv)
	w.must(t, w.owner, "POST", "/api/v1/invites", map[string]string{"email": "boss@alpha.test", "role": "owner"}, 201, &ownerInv)

	// Everybody's sockets, then the conversation.
	w.aOwner, w.aAgent, w.bOwner = w.agentSocket(t, w.owner), w.agentSocket(t, w.agent), w.agentSocket(t, w.stranger)
	w.visitorToken, w.v1 = w.visitor(t, w.siteKey, map[string]any{"email": "visitor@alpha.test", "name": "Alpha Visitor"})
	_, w.v2 = w.visitor(t, w.siteKey, nil)
	w.strangerVisitor, w.bVisitor = w.visitor(t, w.strangerSiteKey, nil)

	sent := func(f frame) map[string]json.RawMessage {
		t.Helper()
		if f.Type != "ack" {
			t.Fatalf("send: %s %s", f.Type, f.Data)
		}
		var ack struct{ Message map[string]json.RawMessage }
		if err := json.Unmarshal(f.Data, &ack); err != nil {
			t.Fatal(err)
		}
		return ack.Message
	}
	assistantAfter := func(seq int64) int64 {
		t.Helper()
		f := w.v1.until(func(f frame) bool {
			if f.Type != "message.created" {
				return false
			}
			d := authzData(t, f)
			return authzString(d, "author_kind") == "assistant" && authzInt(d, "seq") > seq
		})
		return authzInt(authzData(t, f), "id")
	}
	// The assistant greets the visitor; A's agents then open the
	// conversation, and watch it answer from the knowledge base and keep
	// a note of an acknowledgement it does not answer.
	hello := sent(w.v1.request("send", map[string]string{"client_msg_id": "hello", "body": "Hello"}))
	conv := authzInt(hello, "conversation_id")
	w.greeting = assistantAfter(authzInt(hello, "seq"))
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		if f := s.request("subscribe", map[string]any{"conversation_id": conv, "after_seq": 0}); f.Type != "subscribed" {
			t.Fatalf("subscribe: %s %s", f.Type, f.Data)
		}
	}
	q := sent(w.v1.request("send", map[string]string{"client_msg_id": "shipping", "body": "How long does shipping take?"}))
	w.assistantAnswer = assistantAfter(authzInt(q, "seq"))
	ok := sent(w.v1.request("send", map[string]string{"client_msg_id": "ok", "body": "ok"}))
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		f := s.until(func(f frame) bool {
			if f.Type != "message.created" {
				return false
			}
			d := authzData(t, f)
			return authzString(d, "author_kind") == "assistant" && authzInt(d, "seq") > authzInt(ok, "seq")
		})
		w.assistantNote = authzInt(authzData(t, f), "id")
	}

	// A's team at work: a reply, a private note, a file, a ticket opened,
	// assigned and moved on, typing, viewing, and a take-over.
	var reply, file struct{ ID int64 }
	w.must(t, w.agent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv),
		map[string]any{"client_msg_id": "reply", "body": "Alpha agent reply: it ships today"}, 201, &reply)
	w.agentReply = reply.ID
	w.v1.until(func(f frame) bool { return isMessage(t, f, reply.ID) })
	note := sent(w.aOwner.request("send", map[string]any{"conversation_id": conv, "client_msg_id": "note",
		"body": "alpha private note: VIP customer", "internal": true}))
	w.noteID = authzInt(note, "id")
	w.aAgent.until(func(f frame) bool { return isMessage(t, f, w.noteID) })
	w.ids = map[string]int64{"conv": conv}
	st, raw := w.send(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/attachments", conv), "@file", w.agent.Auth)
	if st != 201 || json.Unmarshal(raw, &file) != nil {
		t.Fatalf("upload: %d %s", st, raw)
	}
	w.fileMessage = file.ID
	w.v1.until(func(f frame) bool { return isMessage(t, f, file.ID) })
	var tk struct{ ID int64 }
	w.must(t, w.admin, "POST", "/api/v1/tickets", map[string]any{"conversation_id": conv, "subject": "Alpha refund",
		"requester_email": "visitor@alpha.test"}, 201, &tk)
	w.must(t, w.owner, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), map[string]any{"assignee_id": w.agent.ID}, 200, nil)
	w.must(t, w.agent, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), map[string]any{"status": "in_progress"}, 200, nil)
	w.aOwner.c.send("typing", map[string]any{"conversation_id": conv, "typing": true})
	w.v1.until(func(f frame) bool {
		return f.Type == "typing" && authzString(authzData(t, f), "author_kind") == "agent"
	})
	w.aOwner.c.send("viewing", map[string]any{"conversation_id": conv, "viewing": true})
	w.aAgent.until(func(f frame) bool {
		return f.Type == "viewing" && authzInt(authzData(t, f), "member_id") == w.owner.ID
	})
	w.must(t, w.admin, "POST", fmt.Sprintf("/api/v1/conversations/%d/take-over", conv), nil, 200, nil)
	// The take-over's message and update come last: whatever the others
	// got of the work above came before.
	w.v1.until(func(f frame) bool {
		return f.Type == "message.created" && authzString(authzData(t, f), "body") == "Alpha Admin joined the conversation"
	})
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		s.until(func(f frame) bool {
			return f.Type == "conversation.updated" && authzInt(authzData(t, f), "assignee_id") == w.admin.ID
		})
	}
	for _, s := range []*authzSocket{w.v2, w.bVisitor, w.bOwner} {
		s.request("presence.list", nil)
	}

	// A's support ticket, with the platform's staff answering it.
	var sup struct{ ID int64 }
	w.must(t, w.owner, "POST", "/api/v1/support/tickets", map[string]string{"subject": "Alpha widget question", "body": "Alpha asks"}, 201, &sup)

	var c inboxConversation
	w.must(t, w.owner, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, 200, &c)
	w.ids = map[string]int64{"supportTicket": sup.ID, "conv": conv, "lastSeq": c.LastSeq, "site": site, "ticket": tk.ID, "knowledge": kn.ID,
		"canned": cr.ID, "invite": inv.ID, "ownerInvite": ownerInv.ID, "owner": w.owner.ID, "admin": w.admin.ID,
		"agent": w.agent.ID, "tenant": w.owner.TenantID, "assistantAnswer": w.assistantAnswer, "strangerSite": bSite.ID}
	w.rows = map[string][]int64{"members": {w.owner.ID, w.admin.ID, w.agent.ID}, "invites": {inv.ID, ownerInv.ID},
		"conversations": {conv}, "tickets": {tk.ID}, "sites": {site}, "canned": {cr.ID}, "supportTickets": {sup.ID}}
	return w
}

// bind makes the sockets fail the running (sub)test.
func (w *authzWorld) bind(tb testing.TB) {
	for _, s := range []*authzSocket{w.aOwner, w.aAgent, w.bOwner, w.v1, w.v2, w.bVisitor} {
		s.c.tb = tb
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
		"/api/v1/invites", "/api/v1/support/tickets", "/api/v1/support/tickets/{supportTicket}/messages", "/api/v1/support/access"} {
		st, raw := w.send(tb, "GET", w.expand(path), "", w.owner.Auth)
		if st != 200 {
			tb.Fatalf("A's owner GET %s: %d %s", path, st, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			tb.Fatalf("GET %s: %v", path, err)
		}
		authzDrop(v, "online") // presence comes and goes with sockets
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
}

// staffView: platform staff see a workspace's support tickets, but its
// dashboard only while its support access is open, then read-only, each
// request written to the workspace's audit log; closed, nothing.
func (w *authzWorld) staffView(t *testing.T, base map[string]string) {
	staff := w.user(t, "staff@parley.test", "-staff", "-name", "Parley Staff")
	var inbox struct{ Items []struct{ ID int64 } }
	w.must(t, staff, "GET", "/api/v1/tickets?queue=support", nil, 200, &inbox)
	if !slices.ContainsFunc(inbox.Items, func(it struct{ ID int64 }) bool { return it.ID == w.ids["supportTicket"] }) {
		t.Fatalf("staff's support inbox %+v lacks A's ticket %d", inbox.Items, w.ids["supportTicket"])
	}
	viewing := http.Header{dashboard.WorkspaceHeader: {strconv.FormatInt(w.owner.TenantID, 10)}}
	for k, v := range staff.Auth {
		viewing[k] = v
	}
	keys := make([]string, 0, len(authzRoutes))
	for k, c := range authzRoutes {
		if c.access == routeMember {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	sweep := func(open bool) {
		t.Helper()
		for _, key := range keys {
			c := authzRoutes[key]
			method, path, _ := strings.Cut(key, " ")
			want := 403
			ownSide := strings.HasPrefix(path, "/api/v1/support/") || strings.HasPrefix(path, "/api/v1/staff/")
			if open && method == "GET" && c.agent == 0 && !ownSide {
				want = 200
			}
			st, raw := w.call(t, method, c, viewing)
			if want == 200 {
				if st != 200 {
					t.Errorf("staff viewing A, %s: %d %s, want 200", key, st, raw)
				}
				continue
			}
			authzProblem(t, fmt.Sprintf("staff viewing A (access open %v), %s", open, key), st, raw, 403)
		}
	}
	sweep(false)
	w.unchanged(t, base)

	w.must(t, w.owner, "PUT", "/api/v1/support/access", map[string]any{"open": true, "minutes": 60}, 200, nil)
	sweep(true)
	var log struct {
		Items []struct {
			Action string          `json:"action"`
			Data   json.RawMessage `json:"data"`
		}
	}
	w.must(t, w.owner, "GET", "/api/v1/support/audit", nil, 200, &log)
	views := 0
	for _, e := range log.Items {
		if e.Action == "support.view" && strings.Contains(string(e.Data), "Parley Staff") {
			views++
		}
	}
	if views < 20 {
		t.Errorf("A's support audit shows %d views by staff, want one per read (%d entries)", views, len(log.Items))
	}
	w.must(t, w.owner, "PUT", "/api/v1/support/access", map[string]any{"open": false}, 200, nil)
	st, raw := w.send(t, "GET", "/api/v1/conversations", "", viewing)
	authzProblem(t, "staff viewing A after access closed", st, raw, 403)
	// The audit and access rows the sweep wrote are A's own doing.
	base["/api/v1/support/access"] = w.snapshot(t)["/api/v1/support/access"]
	w.unchanged(t, base)
}

// visitorMessageKeys are the fields of a message a visitor may see
// (docs/protocol.md "message.created").
var visitorMessageKeys = []string{"id", "conversation_id", "seq", "author_kind", "author_name", "body", "status_type",
	"client_msg_id", "feedback", "attachment", "prompt", "created_at"}

// authzOnly fails when data has a key outside allowed.
func authzOnly(tb testing.TB, what string, data map[string]json.RawMessage, allowed ...string) {
	tb.Helper()
	for k := range data {
		if !slices.Contains(allowed, k) {
			tb.Errorf("%s carries %q, which its recipient may not see: %v", what, k, data)
		}
	}
}

// checkVisitorFrames: A's visitor got the chat and nothing else: no
// notes (the team's or the assistant's), no traces or internal fields, no
// conversation, ticket, viewing or presence events.
func (w *authzWorld) checkVisitorFrames(t *testing.T) {
	conv := w.ids["conv"]
	seen := map[int64]bool{}
	typing := false
	for _, f := range w.v1.log {
		for _, secret := range []string{"alpha private note", "Nothing was sent", `"trace"`, `"internal"`, `"tenant_id"`,
			"requester_email", "escalation_", "handoff"} {
			if strings.Contains(string(f.Data), secret) {
				t.Errorf("the visitor got %s %s, which holds %s", f.Type, f.Data, secret)
			}
		}
		switch f.Type {
		case "auth.ok":
		case "ack":
			var ack struct{ Message map[string]json.RawMessage }
			if err := json.Unmarshal(f.Data, &ack); err != nil {
				t.Fatal(err)
			}
			authzOnly(t, "the visitor's ack", ack.Message, visitorMessageKeys...)
		case "message.created", "message.updated":
			d := authzData(t, f)
			authzOnly(t, "a visitor's "+f.Type, d, visitorMessageKeys...)
			if authzInt(d, "conversation_id") != conv {
				t.Errorf("the visitor got a message of conversation %d: %s", authzInt(d, "conversation_id"), f.Data)
			}
			seen[authzInt(d, "id")] = true
		case "typing":
			d := authzData(t, f)
			authzOnly(t, "a visitor's typing", d, "conversation_id", "author_kind", "author_id", "typing", "status_type")
			typing = typing || authzString(d, "author_kind") == "agent"
		case "unread":
			authzOnly(t, "a visitor's unread", authzData(t, f), "conversation_id", "count", "version")
		default:
			t.Errorf("the visitor got %s %s", f.Type, f.Data)
		}
	}
	for name, id := range map[string]int64{"the greeting": w.greeting, "the answer": w.assistantAnswer, "the reply": w.agentReply,
		"the file": w.fileMessage} {
		if !seen[id] {
			t.Errorf("the visitor never got %s (message %d)", name, id)
		}
	}
	for name, id := range map[string]int64{"the private note": w.noteID, "the assistant's note": w.assistantNote} {
		if seen[id] {
			t.Errorf("the visitor got %s (message %d)", name, id)
		}
	}
	if !typing {
		t.Error("the visitor never saw the agent typing")
	}
}

// checkAgentFrames: A's agents got the notes, the traces, the ticket and
// conversation updates and the viewing, their own unread numbers and no
// one else's, and nothing of another workspace.
func (w *authzWorld) checkAgentFrames(t *testing.T) {
	self := map[string]int64{"A's owner": w.owner.ID, "A's agent": w.agent.ID}
	for name, s := range map[string]*authzSocket{"A's owner": w.aOwner, "A's agent": w.aAgent} {
		got := map[string]bool{}
		for _, f := range s.log {
			var d map[string]json.RawMessage
			if json.Unmarshal(f.Data, &d) != nil {
				continue
			}
			if tenant, ok := d["tenant_id"]; ok && string(tenant) != strconv.FormatInt(w.owner.TenantID, 10) {
				t.Errorf("%s got %s of tenant %s: %s", name, f.Type, tenant, f.Data)
			}
			if f.Type == "presence" && authzInt(d, "member_id") == w.stranger.ID {
				t.Errorf("%s got B's presence: %s", name, f.Data)
			}
			switch {
			case f.Type == "subscribed":
				var sub struct{ Messages []map[string]json.RawMessage }
				if err := json.Unmarshal(f.Data, &sub); err != nil {
					t.Fatal(err)
				}
				for _, m := range sub.Messages {
					if authzInt(m, "id") == w.greeting && authzTrace(m) {
						got["the greeting's trace"] = true
					}
				}
			case f.Type == "message.created" && authzInt(d, "id") == w.assistantAnswer && authzTrace(d):
				got["the answer's trace"] = true
			case f.Type == "message.created" && authzInt(d, "id") == w.assistantNote && authzTrace(d) && string(d["internal"]) == "true":
				got["the assistant's note"] = true
			case f.Type == "message.created" && authzInt(d, "id") == w.noteID && string(d["internal"]) == "true":
				got["the private note"] = true
			case f.Type == "ticket.updated" && authzInt(d, "id") == w.ids["ticket"] && authzString(d, "status") == "in_progress":
				got["the ticket's status"] = true
			case f.Type == "ticket.updated" && authzInt(d, "id") == w.ids["ticket"] && authzInt(d, "assignee_id") == w.agent.ID:
				got["the ticket's assignee"] = true
			case f.Type == "conversation.updated" && authzInt(d, "assignee_id") == w.admin.ID:
				got["the take-over"] = true
			case f.Type == "unread" && authzInt(d, "member_id") != self[name]:
				t.Errorf("%s got another member's unread: %s", name, f.Data)
			case f.Type == "unread":
				got["its own unread"] = true
			}
		}
		for _, want := range []string{"the greeting's trace", "the answer's trace", "the assistant's note", "the private note",
			"the ticket's status", "the ticket's assignee", "the take-over", "its own unread"} {
			if !got[want] {
				t.Errorf("%s never got %s", name, want)
			}
		}
	}
}

// authzTrace reports whether a message carries a decision trace.
func authzTrace(m map[string]json.RawMessage) bool {
	var tr struct{ Decision, Provider string }
	return json.Unmarshal(m["trace"], &tr) == nil && tr.Provider != ""
}

// checkNothingOfA: s got no event at all, except its own workspace's
// presence, and no frame naming A's conversation.
func (w *authzWorld) checkNothingOfA(t *testing.T, name string, s *authzSocket) {
	for _, f := range s.log {
		if f.ID != "" || f.Type == "auth.ok" || f.Type == "presence.list" {
			continue // replies to its own frames
		}
		if f.Type == "presence" {
			if m := authzInt(authzData(t, f), "member_id"); slices.Contains(w.rows["members"], m) {
				t.Errorf("%s got A's presence: %s", name, f.Data)
			}
			continue
		}
		t.Errorf("%s got %s %s", name, f.Type, f.Data)
	}
	s.log = nil
}

// websocketFrames: B's owner, B's visitor and another visitor of A's
// site try every frame on A's conversation and get an error with a stable
// code; visitor tokens of another site and sockets without a session are
// refused.
func (w *authzWorld) websocketFrames(t *testing.T) {
	conv := w.ids["conv"]
	frames := []struct {
		typ                string
		data               map[string]any
		agentCode, visitor string
	}{
		{"subscribe", map[string]any{"conversation_id": conv, "after_seq": 0}, "not_found", "not_found"},
		{"unsubscribe", map[string]any{"conversation_id": conv}, "not_found", "not_found"},
		{"send", map[string]any{"conversation_id": conv, "client_msg_id": "hijack", "body": "hijack"}, "not_found", "not_found"},
		{"send", map[string]any{"conversation_id": conv, "client_msg_id": "hijack-note", "body": "hijack", "internal": true}, "not_found", "forbidden"},
		{"read", map[string]any{"conversation_id": conv, "seq": w.ids["lastSeq"]}, "not_found", "not_found"},
		{"typing", map[string]any{"conversation_id": conv, "typing": true}, "not_found", "not_found"},
		{"history", map[string]any{"conversation_id": conv}, "not_found", "not_found"},
		{"viewing", map[string]any{"conversation_id": conv, "viewing": true}, "not_found", "forbidden"},
		{"feedback", map[string]any{"message_id": w.assistantAnswer, "feedback": "down"}, "forbidden", "not_found"},
		{"ticket.create", map[string]any{"conversation_id": conv, "subject": "Hijack", "email": "b@beta.test"}, "forbidden", "not_found"},
		{"presence.list", nil, "", "forbidden"},
	}
	for name, s := range map[string]*authzSocket{"B's owner": w.bOwner, "B's visitor": w.bVisitor, "another visitor of A": w.v2} {
		for _, fr := range frames {
			want := fr.visitor
			if s == w.bOwner {
				want = fr.agentCode
			}
			if want == "" {
				continue
			}
			f := s.request(fr.typ, fr.data)
			if f.Type != "error" || authzString(authzData(t, f), "code") != want {
				t.Errorf("%s's %s %v: %s %s, want an error %s", name, fr.typ, fr.data, f.Type, f.Data, want)
			}
		}
		w.checkNothingOfA(t, name, s)
	}
	// A visitor's list of conversations holds their own only; agents
	// have none.
	for name, s := range map[string]*authzSocket{"B's visitor": w.bVisitor, "another visitor of A": w.v2} {
		f := s.request("conversations", nil)
		if f.Type != "conversations" || strings.Contains(string(f.Data), fmt.Sprintf(`"id":%d,`, conv)) {
			t.Errorf("%s's conversations: %s %s, want a list without conversation %d", name, f.Type, f.Data, conv)
		}
	}
	if f := w.bOwner.request("conversations", nil); f.Type != "error" || authzString(authzData(t, f), "code") != "forbidden" {
		t.Errorf("B's owner's conversations: %s %s, want forbidden", f.Type, f.Data)
	}
	// A's own visitor cannot write a note either.
	f := w.v1.request("send", map[string]any{"conversation_id": conv, "client_msg_id": "own-note", "body": "note?", "internal": true})
	if f.Type != "error" || authzString(authzData(t, f), "code") != "forbidden" {
		t.Errorf("the visitor's internal note: %s %s, want forbidden", f.Type, f.Data)
	}

	// A visitor token works only on a socket of its own site.
	for name, tt := range map[string]struct{ site, token string }{
		"B's visitor on A's site": {w.siteKey, w.strangerVisitor},
		"A's visitor on B's site": {w.strangerSiteKey, w.visitorToken},
	} {
		s := &authzSocket{c: dial(t, w.n.URL+"/ws/visitor?site="+tt.site, w.n.Origin, nil)}
		if f := s.request("auth", map[string]string{"token": tt.token}); f.Type != "error" || authzString(authzData(t, f), "code") != "unauthorized" {
			t.Errorf("%s: %s %s, want unauthorized", name, f.Type, f.Data)
		}
		if f := s.request("subscribe", map[string]any{"conversation_id": conv}); f.Type != "error" || authzString(authzData(t, f), "code") != "unauthorized" {
			t.Errorf("%s then subscribes: %s %s, want unauthorized", name, f.Type, f.Data)
		}
		s.c.conn.CloseNow()
	}
	// An agent socket without a session, or with an ended one, is
	// unauthorized for every frame but auth.
	ended := login(t, w.n, "agent@alpha.test", inboxPassword)
	if st := do(t, "POST", w.n.URL+"/api/v1/auth/logout", bearer(ended), nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	for name, h := range map[string]http.Header{"no session": nil, "an ended session": {"Cookie": {"parley_session=" + ended}}} {
		s := &authzSocket{c: dial(t, w.n.URL+"/ws/agent", w.n.Origin, h)}
		for _, typ := range []string{"subscribe", "history", "send", "presence.list"} {
			if f := s.request(typ, map[string]any{"conversation_id": conv, "body": "x"}); f.Type != "error" || authzString(authzData(t, f), "code") != "unauthorized" {
				t.Errorf("agent socket with %s, %s: %s %s, want unauthorized", name, typ, f.Type, f.Data)
			}
		}
		if f := s.request("auth", map[string]string{"token": ended}); f.Type != "error" || authzString(authzData(t, f), "code") != "unauthorized" {
			t.Errorf("agent socket with %s, auth with the ended session: %s %s", name, f.Type, f.Data)
		}
		s.c.conn.CloseNow()
	}
	// The handshakes check the origin.
	for name, path := range map[string]string{"agent": "/ws/agent", "visitor": "/ws/visitor?site=" + w.siteKey} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, resp, err := websocket.Dial(ctx, strings.Replace(w.n.URL, "http", "ws", 1)+path, &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {"https://evil.test"}, "Cookie": {"parley_session=" + w.owner.Token}}})
		cancel()
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Errorf("%s socket from another origin: %v %v, want 403", name, err, resp)
		}
	}
}

// crossTenantREST: B's owner calls every member route on A's ids, B's
// visitor every visitor route; lists and B's own creations hold nothing
// of A.
func (w *authzWorld) crossTenantREST(t *testing.T) {
	keys := make([]string, 0, len(authzRoutes))
	for k := range authzRoutes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		c := authzRoutes[key]
		method, _, _ := strings.Cut(key, " ")
		var h http.Header
		switch c.access {
		case routeMember:
			h = w.stranger.Auth
		case routeVisitor:
			h = http.Header{"Authorization": {"Bearer " + w.strangerVisitor}, "Origin": {w.n.Origin}}
		default:
			continue
		}
		st, raw := w.call(t, method, c, h)
		if c.stranger == 404 {
			authzProblem(t, "tenant B "+key+" on A's ids", st, raw, 404)
			continue
		}
		if st != c.stranger {
			t.Errorf("tenant B %s: %d %s, want %d", key, st, raw, c.stranger)
			continue
		}
		w.nothingOfA(t, "tenant B "+key, raw, c.list)
	}

	// What the table cannot say in one request.
	for _, r := range []struct {
		method, path, body string
		want               int
	}{
		// A ticket without a chat on A's site (docs/api.md "Tickets").
		{"POST", "/api/v1/tickets", `{"site_id":{site},"subject":"Hijack","requester_email":"b@beta.test"}`, 404},
		// A's conversations are no filter of B's list.
		{"GET", "/api/v1/conversations?site={site}", "", 200},
		// An invitation to the email A invited leaves A's invitation be.
		{"POST", "/api/v1/invites", `{"email":"invitee@alpha.test","role":"agent"}`, 201},
		// B's report counts nothing of A.
		{"GET", "/api/v1/reports", "", 200},
		{"GET", "/api/v1/reports.csv", "", 200},
		// B's own site cannot be moved into A, nor take A's key.
		{"PATCH", "/api/v1/sites/{strangerSite}", `{"name":"Beta shop","tenant_id":{tenant},"key":"` + w.siteKey + `","identity_secret":"x"}`, 200},
		// B's own ticket (then: A's agent is no assignee of it).
		{"POST", "/api/v1/tickets", `{"subject":"Beta question","requester_email":"b@beta.test","site_id":{strangerSite}}`, 201},
	} {
		st, raw := w.send(t, r.method, w.expand(r.path), w.expand(r.body), w.stranger.Auth)
		what := "tenant B " + r.method + " " + w.expand(r.path) + " " + w.expand(r.body)
		switch {
		case r.want == 404:
			authzProblem(t, what, st, raw, 404)
		case st != r.want:
			t.Errorf("%s: %d %s, want %d", what, st, raw, r.want)
		case r.path == "/api/v1/invites":
			// A's invitation stays (the snapshot says so).
		case strings.HasPrefix(r.path, "/api/v1/reports.csv"):
			rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("B's report CSV: %v %q", err, raw)
			}
			for _, row := range rows[1:] {
				if strings.Join(row[1:], ",") != "0,0,0,0,0" {
					t.Errorf("B's report CSV counts something: %v", row)
				}
			}
		case r.path == "/api/v1/reports":
			var rep apiReport
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.totals() != [5]int{} || rep.VisitorConversations != 0 {
				t.Errorf("B's report counts A's traffic: %s", raw)
			}
		case strings.HasPrefix(r.path, "/api/v1/sites/"):
			var s struct {
				TenantID int64  `json:"tenant_id"`
				Key      string `json:"key"`
			}
			if err := json.Unmarshal(raw, &s); err != nil || s.TenantID != w.stranger.TenantID || s.Key != w.strangerSiteKey {
				t.Errorf("B's site after a patch naming A: %s", raw)
			}
		case r.method == "POST" && strings.HasPrefix(r.path, "/api/v1/tickets"):
			var tk struct{ ID int64 }
			if err := json.Unmarshal(raw, &tk); err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
			st, raw := w.send(t, "PATCH", path, fmt.Sprintf(`{"assignee_id":%d}`, w.agent.ID), w.stranger.Auth)
			if st != 400 || !strings.Contains(string(raw), `"code":"invalid"`) {
				t.Errorf("tenant B assigns its ticket to A's agent: %d %s, want 400", st, raw)
			}
		default:
			w.nothingOfA(t, what, raw, "conversations")
		}
	}
	// A's report still counts A's traffic: B's empty one says something.
	var rep apiReport
	w.must(t, w.owner, "GET", "/api/v1/reports", nil, 200, &rep)
	if rep.totals()[0] == 0 {
		t.Errorf("A's report counts no conversation: %+v", rep)
	}
}

// nothingOfA fails when an answer to tenant B holds anything of A: its
// names and keys, an id of A's rows of kind list, or a tenant_id of A.
func (w *authzWorld) nothingOfA(t *testing.T, what string, raw []byte, list string) {
	t.Helper()
	lower := strings.ToLower(string(raw))
	for _, marker := range []string{"alpha", "demo.parley.local", strings.ToLower(w.siteKey)} {
		if strings.Contains(lower, marker) {
			t.Errorf("%s: the answer holds %q of tenant A: %s", what, marker, raw)
		}
	}
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if tid, ok := v["tenant_id"].(float64); ok && int64(tid) != w.stranger.TenantID {
				t.Errorf("%s: the answer holds tenant %v's %v", what, tid, v)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	if list == "" {
		return
	}
	var page struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	for _, it := range page.Items {
		if slices.Contains(w.rows[list], it.ID) {
			t.Errorf("%s: the list holds A's %s %d", what, list, it.ID)
		}
	}
}

// roles: within A, an agent gets 403 for what docs/roles.md keeps for
// owners and admins (and 200 for every read), an admin 403 for what it
// keeps for owners.
func (w *authzWorld) roles(t *testing.T) {
	keys := make([]string, 0, len(authzRoutes))
	for k := range authzRoutes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	forbidden := 0
	for _, key := range keys {
		c := authzRoutes[key]
		method, _, _ := strings.Cut(key, " ")
		if c.access != routeMember {
			continue
		}
		switch {
		case c.agent == 403:
			forbidden++
			st, raw := w.call(t, method, c, w.agent.Auth)
			authzProblem(t, "A's agent "+key, st, raw, 403)
		case method == "GET":
			if st, raw := w.call(t, method, c, w.agent.Auth); st != 200 {
				t.Errorf("A's agent %s: %d %s, want 200", key, st, raw)
			}
		}
	}
	if forbidden < 14 {
		t.Errorf("only %d routes are for owners and admins", forbidden)
	}

	for _, r := range []struct {
		what               string
		who                authzMember
		method, path, body string
		want               int
	}{
		{"an agent promotes itself", w.agent, "PATCH", "/api/v1/members/{agent}", `{"role":"admin"}`, 403},
		{"an admin demotes the owner", w.admin, "PATCH", "/api/v1/members/{owner}", `{"role":"admin"}`, 403},
		{"an admin removes the owner", w.admin, "DELETE", "/api/v1/members/{owner}", "", 403},
		{"an admin makes an agent owner", w.admin, "PATCH", "/api/v1/members/{agent}", `{"role":"owner"}`, 403},
		{"an admin makes itself owner", w.admin, "PATCH", "/api/v1/members/{admin}", `{"role":"owner"}`, 403},
		{"an admin invites an owner", w.admin, "POST", "/api/v1/invites", `{"email":"boss2@alpha.test","role":"owner"}`, 403},
		{"an admin revokes an owner's invitation", w.admin, "DELETE", "/api/v1/invites/{ownerInvite}", "", 403},
		{"the last owner steps down", w.owner, "PATCH", "/api/v1/members/{owner}", `{"role":"admin"}`, 409},
		{"the last owner leaves", w.owner, "DELETE", "/api/v1/members/{owner}", "", 409},
	} {
		st, raw := w.send(t, r.method, w.expand(r.path), r.body, r.who.Auth)
		authzProblem(t, r.what, st, raw, r.want)
	}
	// A profile update cannot carry a role.
	st, raw := w.send(t, "PATCH", "/api/v1/me", `{"role":"owner","tenant_id":1}`, w.agent.Auth)
	var me apiMember
	do(t, "GET", w.n.URL+"/api/v1/me", w.agent.Auth, nil, &me)
	if me.Role != "agent" || me.TenantID != w.owner.TenantID {
		t.Errorf("an agent's PATCH /me naming a role (%d %s) made it %+v", st, raw, me)
	}
}

// adminMay: an admin lists, makes and revokes invitations of agents,
// changes a site and an agent's role.
func (w *authzWorld) adminMay(t *testing.T) {
	var invites struct{ Items []struct{ ID int64 } }
	w.must(t, w.admin, "GET", "/api/v1/invites", nil, 200, &invites)
	if len(invites.Items) != 2 {
		t.Errorf("the admin sees %d invitations, want 2", len(invites.Items))
	}
	var inv struct{ ID int64 }
	w.must(t, w.admin, "POST", "/api/v1/invites", map[string]string{"email": "temp@alpha.test", "role": "agent"}, 201, &inv)
	w.must(t, w.admin, "DELETE", fmt.Sprintf("/api/v1/invites/%d", inv.ID), nil, 204, nil)
	w.must(t, w.admin, "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.ids["site"]), map[string]string{"name": "Alpha shop"}, 200, nil)
	w.must(t, w.admin, "PATCH", fmt.Sprintf("/api/v1/members/%d", w.agent.ID), map[string]string{"role": "agent"}, 200, nil)
}

// unauthenticated: every member and visitor route answers 401 without
// credentials, with a made-up token and with an ended session.
func (w *authzWorld) unauthenticated(t *testing.T) {
	ended := login(t, w.n, "admin@alpha.test", inboxPassword)
	if st := do(t, "POST", w.n.URL+"/api/v1/auth/logout", bearer(ended), nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	n := 0
	for key, c := range authzRoutes {
		method, _, _ := strings.Cut(key, " ")
		if c.access != routeMember && c.access != routeVisitor {
			continue
		}
		n++
		headers := map[string]http.Header{
			"no credentials":  {"Origin": {w.n.Origin}},
			"a made-up token": {"Origin": {w.n.Origin}, "Authorization": {"Bearer made-up"}},
		}
		if c.access == routeMember {
			headers["an ended session"] = http.Header{"Origin": {w.n.Origin}, "Cookie": {"parley_session=" + ended}}
			headers["an ended bearer token"] = bearer(ended)
		} else {
			headers["a member's session"] = http.Header{"Origin": {w.n.Origin}, "Authorization": {"Bearer " + w.owner.Token}}
		}
		for name, h := range headers {
			st, raw := w.call(t, method, c, h)
			authzProblem(t, key+" with "+name, st, raw, 401)
		}
	}
	if n < 39 {
		t.Errorf("only %d routes need credentials", n)
	}
	// Files: the signed path is the key; a wrong signature finds nothing.
	if st, _, raw := inboxRaw(t, "GET", fmt.Sprintf("%s/files/%d/AAAAAAAAAAAAAAAAAAAAAAAA/x.png", w.n.URL, 1), nil, ""); st != 404 {
		t.Errorf("a file with a made-up signature: %d %s", st, raw)
	}
}

// csrf: every member route that changes state refuses the session cookie
// from another origin, or without one; so does logout.
func (w *authzWorld) csrf(t *testing.T) {
	cookie := "parley_session=" + w.owner.Token
	n := 0
	for key, c := range authzRoutes {
		method, _, _ := strings.Cut(key, " ")
		if c.access != routeMember || method == "GET" {
			continue
		}
		n++
		for name, h := range map[string]http.Header{
			"another origin": {"Cookie": {cookie}, "Origin": {"https://evil.test"}},
			"no origin":      {"Cookie": {cookie}},
			"a lookalike":    {"Cookie": {cookie}, "Origin": {w.n.Origin + ".evil.test"}},
		} {
			st, raw := w.call(t, method, c, h)
			authzProblem(t, key+" with the cookie from "+name, st, raw, 403)
			if st == 403 && !strings.Contains(string(raw), "cross-site") {
				t.Errorf("%s with the cookie from %s: refused for another reason: %s", key, name, raw)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d routes change state", n)
	}
	st, raw := w.send(t, "POST", "/api/v1/auth/logout", "", http.Header{"Cookie": {cookie}, "Origin": {"https://evil.test"}})
	authzProblem(t, "logout with the cookie from another origin", st, raw, 403)
	// The cookie itself works from the hub's origin (the 403s are about
	// the origin) and for reads from anywhere.
	w.must(t, authzMember{Auth: http.Header{"Cookie": {cookie}, "Origin": {w.n.Origin}}}, "POST",
		fmt.Sprintf("/api/v1/conversations/%d/read", w.ids["conv"]), map[string]int{"seq": 0}, 200, nil)
	w.must(t, authzMember{Auth: http.Header{"Cookie": {cookie}, "Origin": {"https://evil.test"}}}, "GET", "/api/v1/me", nil, 200, nil)
}
