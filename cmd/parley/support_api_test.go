package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/dashboard"

	"github.com/parley-chat/parley/hub/hubtest"
)

// TestSupportOnCluster runs the support section across two nodes on
// Postgres and Redis: the owner on node A, staff on node B. The new ticket
// reaches staff live; staff's reply and resolution reach the owner's
// support socket live; support access opened on A lets staff read on B,
// and closing it on A closes staff's viewing socket on B at once.
func TestSupportOnCluster(t *testing.T) {
	c := startCluster(t)
	a, b, env := c.a, c.b, c.env
	owner := login(t, a, c.email, c.password)
	ownerAuth := bearer(owner)
	staffAuth := inboxUser(t, b, env, "sam@parley.test", "-staff", "-name", "Sam")
	staffToken := tokenOf(staffAuth)

	staffSocket := agentFor(t, b, staffToken)
	support := dial(t, a.URL+"/ws/support", a.Origin, http.Header{"Cookie": {"parley_session=" + owner}})
	support.await("auth.ok", "")

	var st struct {
		ID             int64  `json:"id"`
		Ref            string `json:"ref"`
		Status         string `json:"status"`
		ConversationID int64  `json:"conversation_id"`
	}
	if code := do(t, "POST", a.URL+"/api/v1/support/tickets", ownerAuth,
		map[string]string{"subject": "Widget is blank", "body": "Since this morning.", "request_type": "critical"}, &st); code != 201 || st.Status != "on_customer" {
		t.Fatalf("new support ticket: %d %+v", code, st)
	}
	staffSocket.await("ticket.updated", "") // live in staff's inbox, on the other node
	support.call("subscribe", "subscribed", map[string]any{"conversation_id": st.ConversationID, "after_seq": 0})

	if code := do(t, "POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", b.URL, st.ConversationID), staffAuth,
		map[string]string{"client_msg_id": "r1", "body": "Looking into it now."}, nil); code != 201 {
		t.Fatalf("staff reply: %d", code)
	}
	reply, _ := support.await("message.created", "")
	if m := decode[wireMessage](t, reply.Data); m.Body != "Looking into it now." || m.AuthorKind != "agent" {
		t.Fatalf("the owner got %s", reply.Data)
	}
	if code := do(t, "PATCH", fmt.Sprintf("%s/api/v1/tickets/%d", b.URL, st.ID), staffAuth, map[string]string{"status": "resolved"}, nil); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	for {
		f, _ := support.await("support.ticket", "")
		if decode[struct{ Status string }](t, f.Data).Status == "done" {
			break
		}
	}

	// Support access: opened on A, used on B, closed on A.
	var me struct {
		TenantID int64 `json:"tenant_id"`
	}
	if code := do(t, "GET", a.URL+"/api/v1/me", ownerAuth, nil, &me); code != 200 || me.TenantID == 0 {
		t.Fatalf("/me: %d %+v", code, me)
	}
	viewing := http.Header{dashboard.WorkspaceHeader: {strconv.FormatInt(me.TenantID, 10)}}
	viewing.Set("Authorization", "Bearer "+staffToken)
	if code := do(t, "GET", b.URL+"/api/v1/conversations", viewing, nil, nil); code != 403 {
		t.Fatalf("staff read a closed workspace: %d", code)
	}
	if code := do(t, "PUT", a.URL+"/api/v1/support/access", ownerAuth, map[string]any{"open": true, "minutes": 60}, nil); code != 200 {
		t.Fatalf("open access: %d", code)
	}
	if code := do(t, "GET", b.URL+"/api/v1/conversations", viewing, nil, nil); code != 200 {
		t.Fatalf("staff read an open workspace: %d", code)
	}
	viewer := dial(t, b.URL+"/ws/agent?tenant_id="+viewing.Get(dashboard.WorkspaceHeader), b.Origin,
		http.Header{"Cookie": {"parley_session=" + staffToken}})
	viewer.await("auth.ok", "")
	if code := do(t, "PUT", a.URL+"/api/v1/support/access", ownerAuth, map[string]any{"open": false}, nil); code != 200 {
		t.Fatalf("close access: %d", code)
	}
	// The session check runs every 30 s; the event across Redis is faster.
	if code := closeCode(t, viewer, hubtest.Wait); code != 4001 {
		t.Fatalf("staff's viewing socket closed with %d, want 4001", code)
	}
	if code := do(t, "GET", b.URL+"/api/v1/conversations", viewing, nil, nil); code != 403 {
		t.Fatalf("staff read after access closed: %d", code)
	}
}
