package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub/hubtest"
)

// apiWorkspace is the workspace part of GET /api/v1/me.
type apiWorkspace struct {
	ID       int64    `json:"id"`
	Plan     string   `json:"plan"`
	Features []string `json:"features"`
}

func workspaceOf(tb testing.TB, n *testNode, auth http.Header) apiWorkspace {
	tb.Helper()
	var me struct{ Workspace apiWorkspace }
	if st := do(tb, "GET", n.URL+"/api/v1/me", auth, nil, &me); st != 200 {
		tb.Fatalf("GET /me: %d", st)
	}
	return me.Workspace
}

// wantChatClosed reads until the socket closes and checks its close code
// (4003) and reason.
func (c *client) wantChatClosed(reason string) {
	c.tb.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), hubtest.Wait)
		_, _, err := c.conn.Read(ctx)
		cancel()
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4003 || ce.Reason != reason {
			c.tb.Fatalf("socket ended with %v, want close 4003 %s", err, reason)
		}
		return
	}
}

// TestPlanCommand: `parley plan` shows and sets a workspace's plan; the
// dashboard's /me and the widget's config follow, and a chat already open
// on the running node (without Redis) closes at its next gate re-read.
func TestPlanCommand(t *testing.T) {
	env := []string{"PARLEY_DATA_DIR=" + t.TempDir(), "PARLEY_SESSION_CHECK=200ms"}
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	owner := bearer(login(t, n, email, password))
	siteKey := demoSiteKey(t, n)
	ws := workspaceOf(t, n, owner)
	if ws.Plan != "pro" || strings.Join(ws.Features, ",") != "widget,tickets" {
		t.Fatalf("demo workspace: %+v, want pro with the widget and tickets", ws)
	}
	visitor := visitorFor(t, n, siteKey, n.Origin)

	plan := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"plan"}, args...), append(env, "PARLEY_LOG_FORMAT=json"), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	id := fmt.Sprint(ws.ID)
	if out, err := plan("-tenant-id", id); err != nil || !strings.Contains(out, "plan pro, with widget, tickets") {
		t.Fatalf("show: %q, %v", out, err)
	}
	if _, err := plan("-plan", "standard"); !errors.Is(err, errUsage) {
		t.Fatalf("without -tenant-id: %v", err)
	}
	if out, err := plan("-tenant-id", id, "-plan", "gold"); err == nil || !strings.Contains(err.Error(), "plan must be one of free, standard, pro, enterprise") {
		t.Fatalf("unknown plan: %q, %v", out, err)
	}
	out, err := plan("-tenant-id", id, "-plan", "standard")
	if err != nil || !strings.Contains(out, "plan standard, with tickets") {
		t.Fatalf("set: %q, %v", out, err)
	}
	if ws := workspaceOf(t, n, owner); ws.Plan != "standard" || strings.Join(ws.Features, ",") != "tickets" {
		t.Fatalf("after the command: %+v", ws)
	}
	var gate struct{ Reason, Detail string }
	if st := do(t, "GET", n.URL+"/api/v1/sdk/chat/config?site="+siteKey, http.Header{"Origin": {n.Origin}}, nil, &gate); st != 403 ||
		gate.Reason != "FEATURE_LOCKED" || !strings.Contains(gate.Detail, "(Standard) does not include the chat widget") {
		t.Fatalf("config on the standard plan: %d %+v", st, gate)
	}
	visitor.wantChatClosed("FEATURE_LOCKED")
}

// TestStaffSetsPlan: platform staff set any customer's plan through the
// REST API, access open or not; owners, agents, other workspaces and staff
// viewing a workspace are refused; the platform's own tenant has no plan.
func TestStaffSetsPlan(t *testing.T) {
	env := []string{"PARLEY_DATA_DIR=" + t.TempDir()}
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	owner := bearer(login(t, n, email, password))
	demo := workspaceOf(t, n, owner)
	agent := inboxUser(t, n, env, "agent@demo.test", "-tenant-id", fmt.Sprint(demo.ID), "-role", "agent")
	other := inboxUser(t, n, env, "owner@other.test", "-tenant", "Other")
	staff := inboxUser(t, n, env, "sam@parley.test", "-staff", "-name", "Sam")
	url := fmt.Sprintf("%s/api/v1/staff/workspaces/%d/plan", n.URL, demo.ID)

	for name, auth := range map[string]http.Header{"the owner": owner, "an agent": agent, "another workspace": other} {
		st, _, raw := inboxRaw(t, "PUT", url, auth, `{"plan":"free"}`)
		authzProblem(t, name+" sets a plan", st, raw, 403)
	}
	var list struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
			Plan string `json:"plan"`
		} `json:"items"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/staff/plans", staff, nil, &list); st != 200 || len(list.Items) != 2 ||
		list.Items[1].ID != demo.ID || list.Items[1].Plan != "pro" || list.Items[0].Name != "Other" {
		t.Fatalf("staff's list: %d %+v", st, list)
	}
	if st, _, raw := inboxRaw(t, "GET", n.URL+"/api/v1/staff/plans", owner, ""); st != 403 {
		t.Fatalf("an owner lists plans: %d %s", st, raw)
	}
	var set struct {
		ID   int64
		Plan string
	}
	if st := do(t, "PUT", url, staff, map[string]string{"plan": "free"}, &set); st != 200 || set.ID != demo.ID || set.Plan != "free" {
		t.Fatalf("staff sets the plan: %d %+v", st, set)
	}
	if ws := workspaceOf(t, n, owner); ws.Plan != "free" || len(ws.Features) != 0 {
		t.Fatalf("the owner's /me after: %+v", ws)
	}
	var body struct{ Code, Reason, Detail string }
	if st := do(t, "POST", n.URL+"/api/v1/tickets", owner, map[string]string{"subject": "Help", "requester_email": "ann@shop.test"}, &body); st != 403 ||
		body.Reason != "FEATURE_LOCKED" {
		t.Fatalf("a ticket on the free plan: %d %+v", st, body)
	}
	if st, _, raw := inboxRaw(t, "PUT", url, staff, `{"plan":"gold"}`); st != 400 {
		t.Fatalf("unknown plan: %d %s", st, raw)
	}
	staffMe := workspaceOf(t, n, staff)
	if st, _, raw := inboxRaw(t, "PUT", fmt.Sprintf("%s/api/v1/staff/workspaces/%d/plan", n.URL, staffMe.ID), staff, `{"plan":"free"}`); st != 400 {
		t.Fatalf("the platform's plan: %d %s", st, raw)
	}
	if !strings.Contains(strings.Join(staffMe.Features, ","), "widget") {
		t.Fatalf("the platform's workspace lacks features: %+v", staffMe)
	}
}

// TestPauseClosesSocketOnOtherNode: on two nodes (Postgres and Redis),
// pausing the site through node A closes a visitor socket on node B at
// once (the session check is a minute: only the event can do it within
// the wait); publishing opens it to new sockets again, and `parley plan`
// with Redis closes them the same way.
func TestPauseClosesSocketOnOtherNode(t *testing.T) {
	c := startCluster(t, "PARLEY_SESSION_CHECK=1m")
	a, b := c.a, c.b
	siteKey := demoSiteKey(t, b)
	const origin = "http://dashboard.test"
	owner := bearer(login(t, a, c.email, c.password))
	siteURL := fmt.Sprintf("%s/api/v1/sites/%d", a.URL, demoSiteID(t, a, owner))

	onB := visitorFor(t, b, siteKey, origin)
	onB.call("conversations", "conversations", map[string]any{})
	if st := do(t, "PATCH", siteURL, owner, map[string]any{"paused": true}, nil); st != 200 {
		t.Fatalf("pause: %d", st)
	}
	onB.wantChatClosed("WIDGET_PAUSED")

	if st := do(t, "PATCH", siteURL, owner, map[string]any{"paused": false}, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	again := visitorFor(t, b, siteKey, origin)
	again.call("conversations", "conversations", map[string]any{})
	ws := workspaceOf(t, a, owner)
	if err := run(context.Background(), []string{"plan", "-tenant-id", fmt.Sprint(ws.ID), "-plan", "standard"},
		append(c.env, "PARLEY_LOG_FORMAT=json"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	again.wantChatClosed("FEATURE_LOCKED")
}
