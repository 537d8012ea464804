package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The inbox end to end: the Conversations view's filters, identity cards,
// take-over and export (004); tickets with their unread counts, visitor and
// conversation (003); canned responses; sites with their snippet and
// identity secret; presence and viewing across two nodes; and that nothing
// of a workspace reaches another one or a visitor. The Conversations view
// is in inbox_conversation_api_test.go, presence and viewing across two
// nodes in inbox_cluster_test.go.

const inboxPassword = "inbox password 1"

// inboxUser runs parley user add with env (the node's store) and signs the
// new member in; args choose the workspace and role.
func inboxUser(tb testing.TB, n *testNode, env []string, email string, args ...string) http.Header {
	tb.Helper()
	args = append([]string{"user", "add", "-email", email, "-password", inboxPassword}, args...)
	if err := run(context.Background(), args, append(env, "PARLEY_LOG_FORMAT=json"), io.Discard, io.Discard); err != nil {
		tb.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return bearer(login(tb, n, email, inboxPassword))
}

// inboxRaw sends a request and returns the status, the headers and the body.
func inboxRaw(tb testing.TB, method, url string, header http.Header, body string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = header.Clone()
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return exchange(tb, req)
}

// inboxVisitor starts a visit with identity details (unverified: email,
// name, traits) and returns its authenticated websocket.
func inboxVisitor(tb testing.TB, n *testNode, siteKey string, identity map[string]any) *client {
	tb.Helper()
	var start struct {
		Token string `json:"token"`
	}
	body := map[string]any{"site": siteKey, "page": n.Origin + "/pricing"}
	if identity != nil {
		body["identity"] = identity
	}
	if st := do(tb, "POST", n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {n.Origin}}, body, &start); st != 200 {
		tb.Fatalf("start visitor: status %d", st)
	}
	c := dial(tb, n.URL+"/ws/visitor?site="+siteKey, n.Origin, nil)
	c.call("auth", "auth.ok", map[string]string{"token": start.Token})
	return c
}

// inboxAsk sends a question and waits for the assistant's answer; it
// returns the answer.
func inboxAsk(tb testing.TB, c *client, question string) wireMessage {
	tb.Helper()
	sent := decode[struct{ Message wireMessage }](tb, c.call("send", "ack", map[string]any{"client_msg_id": question, "body": question})).Message
	for {
		m := c.messageAfter(sent.Seq)
		if m.AuthorKind == "assistant" {
			return m
		}
		sent.Seq = m.Seq
	}
}

type inboxConversation struct {
	ID           int64  `json:"id"`
	SiteID       int64  `json:"site_id"`
	Status       string `json:"status"`
	Handoff      string `json:"handoff"`
	AssigneeID   int64  `json:"assignee_id"`
	TicketID     int64  `json:"ticket_id"`
	LastSeq      int64  `json:"last_seq"`
	FeedbackUp   int    `json:"feedback_up"`
	FeedbackDown int    `json:"feedback_down"`
	Visitor      *struct {
		ID          int64           `json:"id"`
		AnonymousID string          `json:"anonymous_id"`
		Email       string          `json:"email"`
		Name        string          `json:"name"`
		Traits      json.RawMessage `json:"traits"`
		Device      string          `json:"device"`
		CurrentPage string          `json:"current_page"`
		FirstSeen   time.Time       `json:"first_seen"`
		LastSeen    time.Time       `json:"last_seen"`
	} `json:"visitor"`
}

// TestInboxTicketsSitesCanned: tickets carry the member's own unread and
// last activity and their detail the visitor and conversation; canned responses (all read,
// owners and admins write); sites with their snippet, created and with a
// rotated identity secret.
func TestInboxTicketsSitesCanned(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_DATA_DIR=" + dir}
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	auth := bearer(token)
	agentAuth := inboxUser(t, n, env, "agent@demo.test", "-tenant-id", "1", "-role", "agent", "-name", "Agent Smith")
	base := n.URL + "/api/v1"
	siteKey := demoSiteKey(t, n)

	visitor := inboxVisitor(t, n, siteKey, map[string]any{"email": "ann@example.com"})
	first := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "My order is late"})).Message
	type ticket struct {
		ID             int64      `json:"id"`
		Ref            string     `json:"ref"`
		Status         string     `json:"status"`
		AssigneeID     int64      `json:"assignee_id"`
		Unread         int        `json:"unread"`
		LastActivityAt time.Time  `json:"last_activity_at"`
		ResolvedAt     *time.Time `json:"resolved_at"`
		ResolvedBy     int64      `json:"resolved_by"`
		Visitor        *struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		} `json:"visitor"`
		Conversation *struct {
			ID             int64 `json:"id"`
			UnreadByAgents int   `json:"unread_by_agents"`
		} `json:"conversation"`
	}
	var tk ticket
	if st := do(t, "POST", base+"/tickets", agentAuth, map[string]any{"conversation_id": first.ConversationID, "subject": "Late order", "requester_email": "ann@example.com"}, &tk); st != 201 {
		t.Fatalf("create ticket: %d", st)
	}
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "Any news?"})
	var list struct{ Items []ticket }
	if st := do(t, "GET", base+"/tickets", agentAuth, nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].Unread != 2 ||
		time.Since(list.Items[0].LastActivityAt) > time.Minute {
		t.Fatalf("tickets: %d %+v", st, list)
	}
	var detail ticket
	if st := do(t, "GET", fmt.Sprintf("%s/tickets/%d", base, tk.ID), agentAuth, nil, &detail); st != 200 || detail.Ref != "TKT-1" ||
		detail.Visitor == nil || detail.Visitor.Email != "ann@example.com" || detail.Conversation == nil ||
		detail.Conversation.ID != first.ConversationID || detail.Conversation.UnreadByAgents != 2 || detail.Unread != 2 {
		t.Fatalf("ticket detail: %d %+v", st, detail)
	}
	// "Assign to me", then resolve; read clears the unread count.
	var agentMe struct{ ID int64 }
	do(t, "GET", base+"/me", agentAuth, nil, &agentMe)
	if st := do(t, "PATCH", fmt.Sprintf("%s/tickets/%d", base, tk.ID), agentAuth, map[string]any{"assignee_id": agentMe.ID}, &tk); st != 200 || tk.AssigneeID != agentMe.ID {
		t.Fatalf("assign: %d %+v", st, tk)
	}
	if st := do(t, "GET", base+"/tickets?filter=mine", agentAuth, nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("mine: %d %+v", st, list)
	}
	if st := do(t, "PATCH", fmt.Sprintf("%s/tickets/%d", base, tk.ID), agentAuth, map[string]any{"status": "resolved"}, &tk); st != 200 ||
		tk.Status != "resolved" || tk.ResolvedAt == nil || tk.ResolvedBy != agentMe.ID {
		t.Fatalf("resolve: %d %+v", st, tk)
	}
	var conv inboxConversation
	do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, first.ConversationID), agentAuth, nil, &conv)
	do(t, "POST", fmt.Sprintf("%s/conversations/%d/read", base, first.ConversationID), agentAuth, map[string]any{"seq": conv.LastSeq}, nil)
	if do(t, "GET", fmt.Sprintf("%s/tickets/%d", base, tk.ID), agentAuth, nil, &detail); detail.Unread != 0 {
		t.Fatalf("unread after reading: %+v", detail)
	}
	// The agent's read was the agent's own: the owner still has both.
	if do(t, "GET", fmt.Sprintf("%s/tickets/%d", base, tk.ID), auth, nil, &detail); detail.Unread != 2 {
		t.Fatalf("the owner's unread after the agent read: %+v", detail)
	}
	type badges struct {
		Totals struct {
			Conversations int `json:"conversations"`
			Tickets       int `json:"tickets"`
			MyTickets     int `json:"my_tickets"`
		} `json:"totals"`
		Version int64 `json:"version"`
	}
	var ownerBadges, agentBadges badges
	if st := do(t, "GET", base+"/unread", auth, nil, &ownerBadges); st != 200 || ownerBadges.Totals.Conversations != 2 ||
		ownerBadges.Totals.Tickets != 2 || ownerBadges.Totals.MyTickets != 0 || ownerBadges.Version == 0 {
		t.Fatalf("the owner's badges: %d %+v", st, ownerBadges)
	}
	if st := do(t, "GET", base+"/unread", agentAuth, nil, &agentBadges); st != 200 || agentBadges.Totals.Conversations != 0 || agentBadges.Version == 0 {
		t.Fatalf("the agent's badges: %d %+v", st, agentBadges)
	}

	// Canned responses: everyone reads, owners and admins write.
	type canned struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	var cr canned
	if st := do(t, "POST", base+"/canned-responses", auth, map[string]any{"title": "Shipping", "body": "Orders ship within a day."}, &cr); st != 201 || cr.ID == 0 {
		t.Fatalf("create canned: %d %+v", st, cr)
	}
	var crs struct{ Items []canned }
	if st := do(t, "GET", base+"/canned-responses", agentAuth, nil, &crs); st != 200 || len(crs.Items) != 1 || crs.Items[0] != cr {
		t.Fatalf("agent lists canned: %d %+v", st, crs)
	}
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/canned-responses", `{"title":"x","body":"y"}`},
		{"PATCH", fmt.Sprintf("/canned-responses/%d", cr.ID), `{"body":"y"}`},
		{"DELETE", fmt.Sprintf("/canned-responses/%d", cr.ID), ""},
		{"POST", "/sites", `{"name":"Agent site"}`},
		{"POST", "/sites/1/identity-secret", ""},
	} {
		if st, _, body := inboxRaw(t, r.method, base+r.path, agentAuth, r.body); st != 403 {
			t.Errorf("agent %s %s: %d %s, want 403", r.method, r.path, st, body)
		}
	}
	if st := do(t, "PATCH", fmt.Sprintf("%s/canned-responses/%d", base, cr.ID), auth, map[string]any{"body": "Orders ship the same day."}, &cr); st != 200 ||
		cr.Body != "Orders ship the same day." || cr.Title != "Shipping" {
		t.Fatalf("update canned: %d %+v", st, cr)
	}
	if st, _, body := inboxRaw(t, "POST", base+"/canned-responses", auth, `{"title":"","body":"x"}`); st != 400 {
		t.Fatalf("empty title: %d %s", st, body)
	}
	if st, _, _ := inboxRaw(t, "DELETE", fmt.Sprintf("%s/canned-responses/%d", base, cr.ID), auth, ""); st != 204 {
		t.Fatalf("delete canned: %d", st)
	}
	if st, _, _ := inboxRaw(t, "GET", fmt.Sprintf("%s/canned-responses/%d", base, cr.ID), agentAuth, ""); st != 404 {
		t.Fatalf("deleted canned: %d", st)
	}

	// Sites: the snippet in every view, the secret shown once.
	type site struct {
		ID             int64    `json:"id"`
		Key            string   `json:"key"`
		Name           string   `json:"name"`
		AllowedOrigins []string `json:"allowed_origins"`
		Snippet        string   `json:"snippet"`
		IdentitySecret string   `json:"identity_secret"`
	}
	var blog site
	if st := do(t, "POST", base+"/sites", auth, map[string]any{"name": "Blog", "allowed_origins": []string{"https://Blog.example"}}, &blog); st != 201 ||
		blog.IdentitySecret == "" || blog.Name != "Blog" || !slices.Equal(blog.AllowedOrigins, []string{"https://blog.example"}) {
		t.Fatalf("create site: %d %+v", st, blog)
	}
	wantSnippet := func(s site) {
		t.Helper()
		if !strings.Contains(s.Snippet, `"`+n.Origin+`"`) || !strings.Contains(s.Snippet, `"`+s.Key+`"`) || !strings.Contains(s.Snippet, "/widget.js") ||
			!strings.HasPrefix(s.Snippet, "<script>") {
			t.Fatalf("snippet of %s: %q", s.Key, s.Snippet)
		}
	}
	wantSnippet(blog)
	var got site
	if do(t, "GET", fmt.Sprintf("%s/sites/%d", base, blog.ID), agentAuth, nil, &got); got.IdentitySecret != "" || got.Snippet != blog.Snippet {
		t.Fatalf("site as read: %+v", got)
	}
	var all struct{ Items []site }
	do(t, "GET", base+"/sites", agentAuth, nil, &all)
	if len(all.Items) != 2 {
		t.Fatalf("sites: %+v", all)
	}
	for _, s := range all.Items {
		wantSnippet(s)
		if s.IdentitySecret != "" {
			t.Fatal("the list shows an identity secret")
		}
	}
	if st := do(t, "PATCH", fmt.Sprintf("%s/sites/%d", base, blog.ID), auth, map[string]any{"name": "Blog 2"}, &got); st != 200 || got.Snippet != blog.Snippet {
		t.Fatalf("patched site: %d %+v", st, got)
	}
	var rotated struct {
		IdentitySecret string `json:"identity_secret"`
	}
	if st := do(t, "POST", fmt.Sprintf("%s/sites/%d/identity-secret", base, blog.ID), auth, nil, &rotated); st != 200 ||
		rotated.IdentitySecret == "" || rotated.IdentitySecret == blog.IdentitySecret {
		t.Fatalf("rotate: %d %+v", st, rotated)
	}
	for _, bad := range []string{`{"name":""}`, `{"name":"x","allowed_origins":["not an origin"]}`} {
		if st, _, body := inboxRaw(t, "POST", base+"/sites", auth, bad); st != 400 {
			t.Errorf("POST /sites %s: %d %s", bad, st, body)
		}
	}
}

// TestInboxIsolation: a member of another workspace gets 404 for every
// conversation, ticket, site and canned response of the first through
// REST, and an error frame for subscribing to, viewing or typing in its
// conversation.
func TestInboxIsolation(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_DATA_DIR=" + dir}
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	auth := bearer(token)
	stranger := inboxUser(t, n, env, "owner@other.test", "-tenant", "Other")
	base := n.URL + "/api/v1"

	visitor := visitorFor(t, n, demoSiteKey(t, n), n.Origin)
	conv := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "hi"})).Message.ConversationID
	var tk, cr, sites struct {
		ID    int64 `json:"id"`
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	do(t, "POST", base+"/tickets", auth, map[string]any{"conversation_id": conv, "subject": "Help", "requester_email": "ann@example.com"}, &tk)
	do(t, "POST", base+"/canned-responses", auth, map[string]any{"title": "Hi", "body": "Hello!"}, &cr)
	do(t, "GET", base+"/sites", auth, nil, &sites)
	site := sites.Items[0].ID
	if tk.ID == 0 || cr.ID == 0 {
		t.Fatalf("fixture: ticket %d, canned %d", tk.ID, cr.ID)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/conversations/%d", conv), ""},
		{"GET", fmt.Sprintf("/conversations/%d/messages", conv), ""},
		{"POST", fmt.Sprintf("/conversations/%d/messages", conv), `{"body":"hijack"}`},
		{"POST", fmt.Sprintf("/conversations/%d/read", conv), `{"seq":1}`},
		{"POST", fmt.Sprintf("/conversations/%d/take-over", conv), ""},
		{"GET", fmt.Sprintf("/conversations/%d/export", conv), ""},
		{"GET", fmt.Sprintf("/tickets/%d", tk.ID), ""},
		{"PATCH", fmt.Sprintf("/tickets/%d", tk.ID), `{"status":"closed"}`},
		{"POST", "/tickets", fmt.Sprintf(`{"conversation_id":%d,"subject":"x","requester_email":"x@y.test"}`, conv)},
		{"GET", fmt.Sprintf("/sites/%d", site), ""},
		{"PATCH", fmt.Sprintf("/sites/%d", site), `{"paused":true}`},
		{"POST", fmt.Sprintf("/sites/%d/identity-secret", site), ""},
		{"GET", fmt.Sprintf("/canned-responses/%d", cr.ID), ""},
		{"PATCH", fmt.Sprintf("/canned-responses/%d", cr.ID), `{"body":"mine"}`},
		{"DELETE", fmt.Sprintf("/canned-responses/%d", cr.ID), ""},
	} {
		if st, _, body := inboxRaw(t, r.method, base+r.path, stranger, r.body); st != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
			t.Errorf("stranger %s %s: %d %s, want 404", r.method, r.path, st, body)
		}
	}
	for _, path := range []string{"/conversations", "/tickets", "/canned-responses", "/sites"} {
		var p struct{ Items []json.RawMessage }
		if st := do(t, "GET", base+path, stranger, nil, &p); st != 200 || len(p.Items) != 0 {
			t.Errorf("stranger GET %s: %d %d items", path, st, len(p.Items))
		}
	}
	// Nothing the stranger tried changed anything.
	var c inboxConversation
	if do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, conv), auth, nil, &c); c.AssigneeID != 0 || c.LastSeq != 2 {
		t.Fatalf("the stranger changed the conversation: %+v", c)
	}

	// Over the websocket: error frames, and no event.
	ws := dial(t, n.URL+"/ws/agent", n.Origin, http.Header{"Cookie": {"parley_session=" + tokenOf(stranger)}})
	ws.await("auth.ok", "")
	for _, f := range []struct {
		typ  string
		data map[string]any
	}{
		{"subscribe", map[string]any{"conversation_id": conv}},
		{"viewing", map[string]any{"conversation_id": conv, "viewing": true}},
		{"typing", map[string]any{"conversation_id": conv, "typing": true}},
		{"history", map[string]any{"conversation_id": conv}},
		{"send", map[string]any{"conversation_id": conv, "body": "hijack"}},
	} {
		fr, before := ws.replyTo(ws.send(f.typ, f.data))
		for _, b := range before {
			if b.Type == "message.created" || b.Type == "typing" || b.Type == "viewing" || b.Type == "conversation.updated" {
				t.Fatalf("the stranger got %s %s", b.Type, b.Data)
			}
		}
		if fr.Type != "error" || !strings.Contains(string(fr.Data), `"code":"not_found"`) {
			t.Fatalf("stranger's %s: %s %s, want a not_found error", f.typ, fr.Type, fr.Data)
		}
	}
}
