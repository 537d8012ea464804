package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRESTTicketsAndConversations drives the dashboard API with a bearer
// token: conversation reads, replies, reads markers, and the ticket flow
// with the 003 filters and search.
func TestRESTTicketsAndConversations(t *testing.T) {
	n := startNode(t)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	auth := bearer(token)
	siteKey := demoSiteKey(t, n)

	visitor := visitorFor(t, n, siteKey, n.Origin)
	first := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "I need a refund"})).Message
	conv := first.ConversationID
	base := n.URL + "/api/v1"

	var convs struct {
		Items []struct {
			ID             int64 `json:"id"`
			UnreadByAgents int   `json:"unread_by_agents"`
		} `json:"items"`
	}
	if st := do(t, "GET", base+"/conversations", auth, nil, &convs); st != 200 || len(convs.Items) != 1 || convs.Items[0].UnreadByAgents != 1 {
		t.Fatalf("list conversations: %d %+v", st, convs)
	}
	var reply wireMessage
	if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/messages", base, conv), auth, map[string]any{"client_msg_id": "r1", "body": "On it"}, &reply); st != 201 || reply.Seq != 2 {
		t.Fatalf("reply: %d %+v", st, reply)
	}
	var again wireMessage
	if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/messages", base, conv), auth, map[string]any{"client_msg_id": "r1", "body": "On it"}, &again); st != 201 || again != reply {
		t.Fatalf("retried reply: %d %+v, want %+v", st, again, reply)
	}
	var msgs struct{ Items []wireMessage }
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d/messages?after_seq=1", base, conv), auth, nil, &msgs); st != 200 || len(msgs.Items) != 1 || msgs.Items[0].Seq != 2 {
		t.Fatalf("messages after 1: %d %+v", st, msgs)
	}
	// ?limit= bounds the page (docs/api.md): the first message only, or
	// the newest before seq 3 only; a bad limit is invalid.
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d/messages?limit=1", base, conv), auth, nil, &msgs); st != 200 || len(msgs.Items) != 1 || msgs.Items[0].Seq != 1 {
		t.Fatalf("messages, limit 1: %d %+v", st, msgs)
	}
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d/messages?before_seq=3&limit=1", base, conv), auth, nil, &msgs); st != 200 || len(msgs.Items) != 1 || msgs.Items[0].Seq != 2 {
		t.Fatalf("messages before 3, limit 1: %d %+v", st, msgs)
	}
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d/messages?limit=-1", base, conv), auth, nil, nil); st != 400 {
		t.Fatalf("messages, limit -1: %d", st)
	}

	type ticket struct {
		ID         int64  `json:"id"`
		Number     int64  `json:"number"`
		Status     string `json:"status"`
		AssigneeID int64  `json:"assignee_id"`
		ResolvedBy int64  `json:"resolved_by"`
	}
	var tk ticket
	if st := do(t, "POST", base+"/tickets", auth, map[string]any{"conversation_id": conv, "subject": "Refund for order 42", "requester_email": "ann@example.com"}, &tk); st != 201 || tk.Number != 1 || tk.Status != "open" {
		t.Fatalf("create ticket: %d %+v", st, tk)
	}
	for i := range 3 {
		var other ticket
		if st := do(t, "POST", base+"/tickets", auth, map[string]any{"subject": fmt.Sprintf("Question %d", i), "requester_email": "bob@example.com"}, &other); st != 201 {
			t.Fatalf("create ticket %d: %d", i, st)
		}
	}
	var me struct{ ID int64 }
	do(t, "GET", base+"/me", auth, nil, &me)
	if st := do(t, "PATCH", fmt.Sprintf("%s/tickets/%d", base, tk.ID), auth, map[string]any{"assignee_id": me.ID, "status": "resolved"}, &tk); st != 200 ||
		tk.AssigneeID != me.ID || tk.Status != "resolved" || tk.ResolvedBy != me.ID {
		t.Fatalf("update ticket: %d %+v", st, tk)
	}

	var list struct {
		Items []ticket `json:"items"`
		Next  string   `json:"next"`
	}
	for query, want := range map[string]int{"": 4, "?filter=mine": 1, "?filter=resolved": 1, "?filter=open": 3, "?q=refund": 1, "?q=question": 3, "?q=nothing": 0} {
		if st := do(t, "GET", base+"/tickets"+query, auth, nil, &list); st != 200 || len(list.Items) != want {
			t.Errorf("tickets%s: %d, %d items, want %d", query, st, len(list.Items), want)
		}
	}
	// Keyset pages neither overlap nor skip.
	seen := map[int64]bool{}
	next := ""
	for pages := 0; ; pages++ {
		url := base + "/tickets?limit=3"
		if next != "" {
			url += "&before=" + next
		}
		list.Next = ""
		if st := do(t, "GET", url, auth, nil, &list); st != 200 {
			t.Fatalf("page: %d", st)
		}
		for _, it := range list.Items {
			if seen[it.ID] {
				t.Fatalf("ticket %d on two pages", it.ID)
			}
			seen[it.ID] = true
		}
		if next = list.Next; next == "" || pages > 5 {
			break
		}
	}
	if len(seen) != 4 {
		t.Fatalf("pages held %d tickets, want 4", len(seen))
	}

	var p struct{ Code string }
	for _, bad := range []struct{ method, path, body string }{
		{"GET", "/tickets?filter=done", ""},
		{"GET", "/tickets/abc", ""},
		{"PATCH", fmt.Sprintf("/tickets/%d", tk.ID), `{"status":"done"}`},
		{"POST", "/tickets", `{"subject":""}`},
		{"POST", "/tickets", `not json`},
	} {
		req, _ := http.NewRequest(bad.method, base+bad.path, strings.NewReader(bad.body))
		req.Header = auth.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"code":"invalid"`) {
			t.Errorf("%s %s: %d %s, want 400 invalid", bad.method, bad.path, resp.StatusCode, body)
		}
	}
	if st := do(t, "GET", base+"/tickets/99999", auth, nil, &p); st != 404 || p.Code != "not_found" {
		t.Errorf("missing ticket: %d %+v", st, p)
	}
}

func TestUserAddAndMigrate(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_DATA_DIR=" + dir, "PARLEY_LOG_FORMAT=json"}
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var out strings.Builder
	if err := run(ctx, []string{"user", "add", "-email", "ann@acme.test", "-tenant", "Acme", "-password", "correct horse"}, env, &out, io.Discard); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if !strings.Contains(out.String(), `created workspace "Acme"`) {
		t.Fatalf("user add said %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "add", "-email", "bob@acme.test", "-tenant-id", "1", "-role", "agent"}, env, &out, io.Discard); err != nil {
		t.Fatalf("add member: %v", err)
	}
	if !strings.Contains(out.String(), "(agent") || !strings.Contains(out.String(), "password: ") {
		t.Fatalf("add member said %q", out.String())
	}
	generated := out.String()[strings.Index(out.String(), "password: ")+len("password: "):]
	generated = strings.TrimSpace(generated)
	if err := run(ctx, []string{"user", "add", "-email", "ANN@acme.test", "-tenant", "Again"}, env, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate email: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "-email", "x@acme.test"}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("user add without a workspace succeeded")
	}
	if err := run(ctx, []string{"user", "add", "-email", "x@acme.test", "-staff", "-tenant-id", "1"}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("user add -staff with a workspace succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"user", "add", "-email", "sam@parley.test", "-staff", "-password", "staff password"}, env, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "added platform staff") || !strings.Contains(out.String(), "(owner") {
		t.Fatalf("add staff: %v, said %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "add", "-email", "tom@parley.test", "-staff"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "(agent") {
		t.Fatalf("second staff: %v, said %q (the first is the owner, the others agents)", err, out.String())
	}

	// The server on the same data dir has no demo (the store is not empty)
	// and both members can sign in.
	n := startNode(t, append(env, "PARLEY_DATA_DIR="+dir)...)
	if n.logs.find("created a demo workspace: sign in with this login (shown once)") != nil {
		t.Fatal("demo seeded into a store that has workspaces")
	}
	login(t, n, "ann@acme.test", "correct horse")
	login(t, n, "bob@acme.test", generated)
	for email, pw := range map[string]string{"sam@parley.test": "staff password", "ann@acme.test": "correct horse"} {
		var me struct{ Staff bool }
		if st := do(t, "GET", n.URL+"/api/v1/me", bearer(login(t, n, email, pw)), nil, &me); st != 200 || me.Staff != (email == "sam@parley.test") {
			t.Fatalf("%s: /me status %d, staff %v", email, st, me.Staff)
		}
	}
}
