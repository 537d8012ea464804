package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-chat/parley/dashboard"
)

// The REST parts of TestAuthzSweep: tenant B on A's ids
// (cross_tenant_rest), the roles within A (roles), requests without a
// session or from another origin (unauthenticated_and_csrf), and platform
// staff viewing A through its support access (staff_view).

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
		{"an admin exports a visitor's data", w.admin, "GET", "/api/v1/visitors/{visitor}/export", "", 403},
		{"an admin deletes a visitor", w.admin, "DELETE", "/api/v1/visitors/{visitor}", "", 403},
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
