package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub/hubtest"
)

// End-to-end tests of docs/api.md "Accounts" and "Team" on the real
// binary, with real emails through an SMTP server (startMailbox).

// apiMember is a member as the API shows it.
type apiMember struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Locale   string `json:"locale"`
	Online   bool   `json:"online"`
}

type apiSession struct {
	Token  string    `json:"token"`
	Member apiMember `json:"member"`
}

// problemBody is an error answer.
type problemBody struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// doHeaders is do that also returns the answer's headers.
func doHeaders(tb testing.TB, method, url string, header http.Header, body, out any) (int, http.Header) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	st, h, raw := exchange(tb, req)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}
	return st, h
}

// exchange sends req and returns the status, the headers and the body.
func exchange(tb testing.TB, req *http.Request) (int, http.Header, []byte) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// signUp creates a workspace through the API and checks the cookie.
func signUp(tb testing.TB, n *testNode, workspace, email string) apiSession {
	tb.Helper()
	var s apiSession
	st, h := doHeaders(tb, "POST", n.URL+"/api/v1/auth/signup", nil,
		map[string]string{"workspace": workspace, "name": "Owner of " + workspace, "email": email, "password": "owner password"}, &s)
	if st != 201 || s.Token == "" || s.Member.Role != "owner" {
		tb.Fatalf("sign up %s: status %d, %+v", email, st, s)
	}
	wantSessionCookie(tb, h, s.Token)
	return s
}

// wantSessionCookie checks the session cookie of an answer.
func wantSessionCookie(tb testing.TB, h http.Header, token string) {
	tb.Helper()
	cookie := h.Get("Set-Cookie")
	if !strings.Contains(cookie, "parley_session="+token) || !strings.Contains(cookie, "HttpOnly") ||
		!strings.Contains(strings.ToLower(cookie), "samesite=lax") {
		tb.Fatalf("session cookie %q", cookie)
	}
}

// mailToken waits for the count-th email to rcpt and returns the token of
// its link to path (…/reset or …/invite on the hub's base URL).
func mailToken(tb testing.TB, n *testNode, mb *mailbox, rcpt string, count int, path string) string {
	tb.Helper()
	waitUntil(tb, "email to "+rcpt, func() (bool, any) { return len(mb.to(rcpt)) >= count, len(mb.to(rcpt)) })
	m := mb.to(rcpt)[count-1]
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		tb.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(n.Origin+path+"?token=") + `([A-Za-z0-9_-]+)`).FindSubmatch(text)
	if link == nil {
		tb.Fatalf("no link to %s%s in the email to %s: %q", n.Origin, path, rcpt, text)
	}
	return string(link[1])
}

// closeCode reads c until the server closes it and returns the code.
func closeCode(tb testing.TB, c *client, within time.Duration) websocket.StatusCode {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		if _, _, err := c.conn.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				tb.Fatalf("socket still open after %v", within)
			}
			return websocket.CloseStatus(err)
		}
	}
}

// invite invites email with role and accepts it through the emailed link.
func invite(tb testing.TB, n *testNode, mb *mailbox, inviter, email, role string) apiSession {
	tb.Helper()
	if st := do(tb, "POST", n.URL+"/api/v1/invites", bearer(inviter), map[string]string{"email": email, "role": role}, nil); st != 201 {
		tb.Fatalf("invite %s: status %d", email, st)
	}
	token := mailToken(tb, n, mb, email, len(mb.to(email))+1, "/invite")
	var s apiSession
	st, h := doHeaders(tb, "POST", n.URL+"/api/v1/auth/invites/"+token+"/accept", nil,
		map[string]string{"name": "Invited " + role, "password": "invited password"}, &s)
	if st != 201 || s.Member.Email != email || s.Member.Role != role {
		tb.Fatalf("accept the invitation of %s: status %d, %+v", email, st, s)
	}
	wantSessionCookie(tb, h, s.Token)
	return s
}

func TestSignUpAPI(t *testing.T) {
	n := startNode(t, "PARLEY_DEMO=false")
	owner := signUp(t, n, "Acme", "Ann@Acme.test")
	var me apiMember
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(owner.Token), nil, &me); st != 200 || me.Email != "ann@acme.test" ||
		me.Role != "owner" || me.Name != "Owner of Acme" {
		t.Fatalf("me: status %d, %+v", st, me)
	}
	var p problemBody
	if st := do(t, "POST", n.URL+"/api/v1/auth/signup", nil, map[string]string{"workspace": "Again", "name": "A",
		"email": "ann@acme.test", "password": "owner password"}, &p); st != 409 || p.Code != "conflict" {
		t.Fatalf("sign up with a taken email: status %d, %+v", st, p)
	}
	if st := do(t, "POST", n.URL+"/api/v1/auth/signup", nil, map[string]string{"workspace": "Short", "name": "S",
		"email": "s@acme.test", "password": "123456789"}, &p); st != 400 || !strings.Contains(p.Detail, "10 characters") {
		t.Fatalf("sign up with a 9-character password: status %d, %+v", st, p)
	}

	// PATCH /me: name, locale, password with the current one; the caller's
	// session stays, the others end.
	other := login(t, n, "ann@acme.test", "owner password")
	var updated apiMember
	if st := do(t, "PATCH", n.URL+"/api/v1/me", bearer(owner.Token), map[string]any{"name": "Ann", "locale": "ru"}, &updated); st != 200 ||
		updated.Name != "Ann" || updated.Locale != "ru" {
		t.Fatalf("patch me: status %d, %+v", st, updated)
	}
	if st := do(t, "PATCH", n.URL+"/api/v1/me", bearer(owner.Token), map[string]any{"locale": "de"}, &p); st != 400 {
		t.Fatalf("locale de: status %d", st)
	}
	if st := do(t, "PATCH", n.URL+"/api/v1/me", bearer(owner.Token), map[string]any{"password": "new owner password",
		"current_password": "wrong password"}, &p); st != 403 {
		t.Fatalf("a wrong current password: status %d, %+v", st, p)
	}
	if st := do(t, "PATCH", n.URL+"/api/v1/me", bearer(owner.Token), map[string]any{"password": "new owner password",
		"current_password": "owner password"}, nil); st != 200 {
		t.Fatalf("new password: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(owner.Token), nil, nil); st != 200 {
		t.Fatalf("the caller's session after a new password: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(other), nil, nil); st != 401 {
		t.Fatalf("another session after a new password: status %d", st)
	}
	login(t, n, "ann@acme.test", "new owner password")

	closed := startNode(t, "PARLEY_DEMO=false", "PARLEY_SIGNUP=closed")
	if st := do(t, "POST", closed.URL+"/api/v1/auth/signup", nil, map[string]string{"workspace": "Closed", "name": "C",
		"email": "c@acme.test", "password": "owner password"}, &p); st != 403 || p.Code != "forbidden" {
		t.Fatalf("sign up while closed: status %d, %+v", st, p)
	}
}

// TestLoginThrottleAPI: five failures lock an account (429 with
// Retry-After, even with the right password); failures from one address
// hit the per-IP limit (429 with Retry-After) whatever the account.
func TestLoginThrottleAPI(t *testing.T) {
	n := startNode(t, "PARLEY_DEMO=false")
	signUp(t, n, "Acme", "ann@acme.test")
	signUp(t, n, "Beta", "bea@beta.test")
	loginAs := func(email, password string) (int, http.Header, problemBody) {
		var p problemBody
		st, h := doHeaders(t, "POST", n.URL+"/api/v1/auth/login", nil, map[string]string{"email": email, "password": password}, &p)
		return st, h, p
	}
	for i := range 5 {
		if st, _, p := loginAs("ann@acme.test", "wrong password"); st != 401 || p.Detail != "wrong email or password" {
			t.Fatalf("failure %d: status %d, %+v", i+1, st, p)
		}
	}
	// An unknown email answers exactly like a wrong password.
	if st, _, p := loginAs("nobody@acme.test", "wrong password"); st != 401 || p.Detail != "wrong email or password" {
		t.Fatalf("unknown email: status %d, %+v", st, p)
	}
	// Locked for a minute from the fifth failure.
	st, h, p := loginAs("ann@acme.test", "owner password")
	if secs, _ := strconv.Atoi(h.Get("Retry-After")); st != 429 || p.Code != "rate_limited" || secs < 40 || secs > 60 {
		t.Fatalf("locked account: status %d, Retry-After %q, %+v", st, h.Get("Retry-After"), p)
	}

	// Seven failures so far from this address; the limit is 10 a minute.
	// Each guess is another email, so only the per-IP limit can refuse.
	failures, wait := 7, 0
	for ; ; failures++ {
		if failures > 20 {
			t.Fatal("no per-IP limit after 20 failures")
		}
		st, h, p := loginAs(fmt.Sprintf("guess%d@acme.test", failures), "wrong password")
		if st == 401 {
			continue
		}
		if st != 429 || p.Code != "rate_limited" || !strings.Contains(p.Detail, "your address") {
			t.Fatalf("failure %d: status %d, %+v", failures+1, st, p)
		}
		var err error
		if wait, err = strconv.Atoi(h.Get("Retry-After")); err != nil || wait < 1 || wait > 6 {
			t.Fatalf("per-IP Retry-After %q", h.Get("Retry-After"))
		}
		break
	}
	limitedAt := time.Now()
	if failures < 10 {
		t.Fatalf("per-IP limit after %d failures, want at least 10", failures)
	}
	// While limited, the right password of another account is refused too
	// (unless the bucket could have refilled meanwhile: Retry-After is
	// rounded up).
	st, h, _ = loginAs("bea@beta.test", "owner password")
	if st != 429 && time.Since(limitedAt) < time.Duration(wait-1)*time.Second {
		t.Fatalf("another account from a limited address: status %d", st)
	}
	if st == 429 && h.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// TestPasswordResetAPI runs the reset flow end to end through a real
// email: no email for an unknown address, the link sets the password
// once, and every session and agent socket of the member ends.
func TestPasswordResetAPI(t *testing.T) {
	mb := startMailbox(t)
	n := startNode(t, "PARLEY_DEMO=false", "PARLEY_SMTP_URL=smtp://"+mb.addr)
	owner := signUp(t, n, "Acme", "ann@acme.test")
	agent := agentFor(t, n, owner.Token)

	for _, email := range []string{"nobody@acme.test", "ANN@acme.test"} {
		if st := do(t, "POST", n.URL+"/api/v1/auth/password-reset", nil, map[string]string{"email": email}, nil); st != 204 {
			t.Fatalf("reset %s: status %d", email, st)
		}
	}
	token := mailToken(t, n, mb, "ann@acme.test", 1, "/reset")
	if got := len(mb.to("nobody@acme.test")); got != 0 {
		t.Fatalf("%d emails to an address without an account", got)
	}
	var p problemBody
	if st := do(t, "POST", n.URL+"/api/v1/auth/password-reset/confirm", nil, map[string]string{"token": token, "password": "short"}, &p); st != 400 {
		t.Fatalf("short password: status %d", st)
	}
	if st := do(t, "POST", n.URL+"/api/v1/auth/password-reset/confirm", nil, map[string]string{"token": token, "password": "reset password"}, nil); st != 204 {
		t.Fatalf("confirm: status %d", st)
	}
	if st := do(t, "POST", n.URL+"/api/v1/auth/password-reset/confirm", nil, map[string]string{"token": token, "password": "again password"}, &p); st != 400 || p.Code != "invalid" {
		t.Fatalf("second use of the link: status %d, %+v", st, p)
	}
	if code := closeCode(t, agent, hubtest.Wait); code != 4001 {
		t.Fatalf("agent socket closed with %d, want 4001", code)
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(owner.Token), nil, nil); st != 401 {
		t.Fatalf("old session after a reset: status %d", st)
	}
	if st := do(t, "POST", n.URL+"/api/v1/auth/login", nil, map[string]string{"email": "ann@acme.test", "password": "owner password"}, nil); st != 401 {
		t.Fatalf("old password after a reset: status %d", st)
	}
	login(t, n, "ann@acme.test", "reset password")
}

// TestInviteAPI runs invitations end to end through real emails.
func TestInviteAPI(t *testing.T) {
	mb := startMailbox(t)
	n := startNode(t, "PARLEY_DEMO=false", "PARLEY_SMTP_URL=smtp://"+mb.addr)
	owner := signUp(t, n, "Acme", "ann@acme.test")
	agentFor(t, n, owner.Token) // the owner is online

	var inv struct {
		ID        int64     `json:"id"`
		Email     string    `json:"email"`
		Role      string    `json:"role"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if st := do(t, "POST", n.URL+"/api/v1/invites", bearer(owner.Token), map[string]string{"email": "Bob@Acme.test", "role": "admin"}, &inv); st != 201 ||
		inv.Email != "bob@acme.test" || inv.Role != "admin" || time.Until(inv.ExpiresAt) < 6*24*time.Hour {
		t.Fatalf("invite: status %d, %+v", st, inv)
	}
	var pending struct{ Items []json.RawMessage }
	if st := do(t, "GET", n.URL+"/api/v1/invites", bearer(owner.Token), nil, &pending); st != 200 || len(pending.Items) != 1 {
		t.Fatalf("pending invites: status %d, %s", st, pending.Items)
	}
	token := mailToken(t, n, mb, "bob@acme.test", 1, "/invite")
	var info map[string]string
	if st := do(t, "GET", n.URL+"/api/v1/auth/invites/"+token, nil, nil, &info); st != 200 ||
		info["workspace"] != "Acme" || info["email"] != "bob@acme.test" || info["role"] != "admin" {
		t.Fatalf("invite info: status %d, %v", st, info)
	}
	var bob apiSession
	st, h := doHeaders(t, "POST", n.URL+"/api/v1/auth/invites/"+token+"/accept", nil, map[string]string{"name": "Bob", "password": "bob password"}, &bob)
	if st != 201 || bob.Member.Role != "admin" || bob.Member.TenantID != owner.Member.TenantID {
		t.Fatalf("accept: status %d, %+v", st, bob)
	}
	wantSessionCookie(t, h, bob.Token)
	if st := do(t, "POST", n.URL+"/api/v1/auth/invites/"+token+"/accept", nil, map[string]string{"name": "Bob", "password": "bob password"}, nil); st != 404 {
		t.Fatalf("second accept: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/auth/invites/"+token, nil, nil, nil); st != 404 {
		t.Fatalf("info of an accepted invite: status %d", st)
	}
	login(t, n, "bob@acme.test", "bob password")

	var team struct{ Items []apiMember }
	waitUntil(t, "the owner online in the team list", func() (bool, any) {
		if st := do(t, "GET", n.URL+"/api/v1/members", bearer(bob.Token), nil, &team); st != 200 {
			t.Fatalf("members: status %d", st)
		}
		return len(team.Items) == 2 && team.Items[0].Online && !team.Items[1].Online, team.Items
	})

	// Revoking kills the link.
	if st := do(t, "POST", n.URL+"/api/v1/invites", bearer(bob.Token), map[string]string{"email": "carol@acme.test", "role": "agent"}, &inv); st != 201 {
		t.Fatalf("invite carol: status %d", st)
	}
	carol := mailToken(t, n, mb, "carol@acme.test", 1, "/invite")
	if st := do(t, "DELETE", fmt.Sprintf("%s/api/v1/invites/%d", n.URL, inv.ID), bearer(bob.Token), nil, nil); st != 204 {
		t.Fatalf("revoke: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/auth/invites/"+carol, nil, nil, nil); st != 404 {
		t.Fatalf("info of a revoked invite: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/invites", bearer(owner.Token), nil, &pending); st != 200 || len(pending.Items) != 0 {
		t.Fatalf("pending invites after accept and revoke: status %d, %s", st, pending.Items)
	}
}

// TestTeamAPI: permissions of the team endpoints, the last owner, and a
// role change and a removal closing the member's agent socket, with a
// short PARLEY_SESSION_CHECK.
func TestTeamAPI(t *testing.T) {
	mb := startMailbox(t)
	n := startNode(t, "PARLEY_DEMO=false", "PARLEY_SMTP_URL=smtp://"+mb.addr, "PARLEY_SESSION_CHECK=500ms")
	teamFlow(t, n, n, mb)
}

// TestTeamAPIOnCluster: the same on Postgres and Redis, the changes made
// on one node and the agent's socket on the other.
func TestTeamAPIOnCluster(t *testing.T) {
	mb := startMailbox(t)
	env := append(clusterEnv(t), "PARLEY_DEMO=false", "PARLEY_SMTP_URL=smtp://"+mb.addr, "PARLEY_SESSION_CHECK=500ms")
	a := startNode(t, env...)
	b := startNode(t, env...)
	teamFlow(t, a, b, mb)
}

func teamFlow(t *testing.T, n, socketNode *testNode, mb *mailbox) {
	owner := signUp(t, n, "Acme", "ann@acme.test")
	agent := invite(t, n, mb, owner.Token, "bob@acme.test", "agent")
	other := signUp(t, n, "Beta", "bea@beta.test")
	otherAgent := invite(t, n, mb, other.Token, "bill@beta.test", "agent")
	member := func(id int64) string { return fmt.Sprintf("%s/api/v1/members/%d", n.URL, id) }
	var p problemBody

	// An agent may list the team but change nothing.
	var team struct{ Items []apiMember }
	if st := do(t, "GET", n.URL+"/api/v1/members", bearer(agent.Token), nil, &team); st != 200 || len(team.Items) != 2 {
		t.Fatalf("members for an agent: status %d, %+v", st, team)
	}
	for _, r := range []struct {
		method, url string
		body        any
	}{
		{"PATCH", member(owner.Member.ID), map[string]string{"role": "agent"}},
		{"DELETE", member(owner.Member.ID), nil},
		{"PATCH", member(agent.Member.ID), map[string]string{"role": "admin"}},
		{"GET", n.URL + "/api/v1/invites", nil},
		{"POST", n.URL + "/api/v1/invites", map[string]string{"email": "x@acme.test", "role": "agent"}},
	} {
		if st := do(t, r.method, r.url, bearer(agent.Token), r.body, &p); st != 403 || p.Code != "forbidden" {
			t.Fatalf("agent %s %s: status %d, %+v", r.method, r.url, st, p)
		}
	}

	// Another workspace's members and invites are 404, never 403.
	if st := do(t, "POST", n.URL+"/api/v1/invites", bearer(owner.Token), map[string]string{"email": "dan@acme.test", "role": "agent"}, nil); st != 201 {
		t.Fatalf("invite dan: status %d", st)
	}
	var pending struct {
		Items []struct {
			ID int64 `json:"id"`
		}
	}
	if st := do(t, "GET", n.URL+"/api/v1/invites", bearer(owner.Token), nil, &pending); st != 200 || len(pending.Items) != 1 {
		t.Fatalf("invites: status %d, %+v", st, pending)
	}
	for _, r := range []struct {
		method, url string
		body        any
	}{
		{"PATCH", member(agent.Member.ID), map[string]string{"role": "admin"}},
		{"DELETE", member(agent.Member.ID), nil},
		{"DELETE", member(owner.Member.ID), nil},
		{"DELETE", fmt.Sprintf("%s/api/v1/invites/%d", n.URL, pending.Items[0].ID), nil},
	} {
		if st := do(t, r.method, r.url, bearer(other.Token), r.body, &p); st != 404 || p.Code != "not_found" {
			t.Fatalf("other workspace %s %s: status %d, %+v", r.method, r.url, st, p)
		}
	}
	if st := do(t, "GET", n.URL+"/api/v1/members", bearer(otherAgent.Token), nil, &team); st != 200 || len(team.Items) != 2 ||
		team.Items[0].Email != "bea@beta.test" || team.Items[1].Email != "bill@beta.test" {
		t.Fatalf("the other workspace's team: status %d, %+v", st, team)
	}

	// The last owner can be neither demoted nor removed.
	if st := do(t, "PATCH", member(owner.Member.ID), bearer(owner.Token), map[string]string{"role": "admin"}, &p); st != 409 || p.Code != "conflict" {
		t.Fatalf("demote the last owner: status %d, %+v", st, p)
	}
	if st := do(t, "DELETE", member(owner.Member.ID), bearer(owner.Token), nil, &p); st != 409 {
		t.Fatalf("remove the last owner: status %d, %+v", st, p)
	}

	// A role change closes the member's agent socket with 4001; the
	// member reconnects with the new role; a removal closes it again.
	socket := agentFor(t, socketNode, agent.Token)
	var changed apiMember
	if st := do(t, "PATCH", member(agent.Member.ID), bearer(owner.Token), map[string]string{"role": "admin"}, &changed); st != 200 || changed.Role != "admin" {
		t.Fatalf("make bob admin: status %d, %+v", st, changed)
	}
	if code := closeCode(t, socket, hubtest.Wait); code != 4001 {
		t.Fatalf("socket after a role change closed with %d, want 4001", code)
	}
	var me apiMember
	if st := do(t, "GET", socketNode.URL+"/api/v1/me", bearer(agent.Token), nil, &me); st != 200 || me.Role != "admin" {
		t.Fatalf("me after the role change: status %d, %+v", st, me)
	}
	socket = agentFor(t, socketNode, agent.Token)
	// An admin cannot make owners.
	if st := do(t, "PATCH", member(owner.Member.ID), bearer(agent.Token), map[string]string{"role": "admin"}, &p); st != 403 {
		t.Fatalf("admin demotes the owner: status %d, %+v", st, p)
	}
	if st := do(t, "DELETE", member(agent.Member.ID), bearer(owner.Token), nil, nil); st != 204 {
		t.Fatalf("remove bob: status %d", st)
	}
	if code := closeCode(t, socket, hubtest.Wait); code != 4001 {
		t.Fatalf("socket after a removal closed with %d, want 4001", code)
	}
	if st := do(t, "GET", socketNode.URL+"/api/v1/me", bearer(agent.Token), nil, nil); st != 401 {
		t.Fatalf("session of a removed member: status %d", st)
	}
	if st := do(t, "GET", n.URL+"/api/v1/members", bearer(owner.Token), nil, &team); st != 200 || len(team.Items) != 1 {
		t.Fatalf("team after the removal: status %d, %+v", st, team)
	}

	// Logout closes the socket of its session.
	socket = agentFor(t, socketNode, owner.Token)
	if st := do(t, "POST", n.URL+"/api/v1/auth/logout", bearer(owner.Token), nil, nil); st != 204 {
		t.Fatalf("logout: status %d", st)
	}
	if code := closeCode(t, socket, hubtest.Wait); code != 4001 {
		t.Fatalf("socket after logout closed with %d, want 4001", code)
	}
}

// TestAccountConfig: PARLEY_SIGNUP and PARLEY_SESSION_CHECK.
func TestAccountConfig(t *testing.T) {
	c, _, err := loadConfig(nil, nil, io.Discard)
	if err != nil || !c.SignupOpen || c.SessionCheck != 30*time.Second {
		t.Fatalf("defaults: sign-up open %v, session check %v, %v", c.SignupOpen, c.SessionCheck, err)
	}
	c, _, err = loadConfig(nil, []string{"PARLEY_SIGNUP=closed", "PARLEY_SESSION_CHECK=250ms"}, io.Discard)
	if err != nil || c.SignupOpen || c.SessionCheck != 250*time.Millisecond {
		t.Fatalf("set: sign-up open %v, session check %v, %v", c.SignupOpen, c.SessionCheck, err)
	}
	for _, env := range []string{"PARLEY_SIGNUP=maybe", "PARLEY_SESSION_CHECK=2m", "PARLEY_SESSION_CHECK=0s", "PARLEY_SESSION_CHECK=soon"} {
		name, _, _ := strings.Cut(env, "=")
		if _, _, err := loadConfig(nil, []string{env}, io.Discard); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming %s", env, err, name)
		}
	}
}
