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
// of a workspace reaches another one or a visitor.

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

type inboxPage struct {
	Items []inboxConversation `json:"items"`
	Next  string              `json:"next"`
}

// inboxIDs lists the conversations a query finds, over every page.
func inboxIDs(tb testing.TB, base string, auth http.Header, query string) []int64 {
	tb.Helper()
	var out []int64
	next := ""
	for range 20 {
		url := base + "/conversations?limit=2&" + query
		if next != "" {
			url += "&before=" + next
		}
		var p inboxPage
		if st := do(tb, "GET", url, auth, nil, &p); st != 200 {
			tb.Fatalf("GET %s: %d", url, st)
		}
		for _, c := range p.Items {
			if slices.Contains(out, c.ID) {
				tb.Fatalf("%s: conversation %d on two pages", query, c.ID)
			}
			out = append(out, c.ID)
		}
		if next = p.Next; next == "" {
			slices.Sort(out)
			return out
		}
	}
	tb.Fatalf("%s: pages do not end", query)
	return nil
}

// TestInboxConversations: every filter of the Conversations view over
// keyset pages, the identity card, take-over and export.
func TestInboxConversations(t *testing.T) {
	n := startNode(t)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	auth := bearer(token)
	base := n.URL + "/api/v1"
	siteKey := demoSiteKey(t, n)

	// The built-in assistant answers from the demo knowledge base; the
	// visitors vote on its answers.
	vote := func(c *client, m wireMessage, feedback string) {
		t.Helper()
		c.call("feedback", "feedback.ok", map[string]any{"message_id": m.ID, "feedback": feedback})
	}
	up := inboxVisitor(t, n, siteKey, map[string]any{"email": "ann@example.com", "name": "Ann", "traits": map[string]any{"plan": "pro"}})
	upAnswer := inboxAsk(t, up, "How long does shipping take?")
	vote(up, upAnswer, "up")
	down := inboxVisitor(t, n, siteKey, nil)
	vote(down, inboxAsk(t, down, "How do I reset my password?"), "down")
	both := inboxVisitor(t, n, siteKey, nil)
	vote(both, inboxAsk(t, both, "How long does shipping take?"), "up")
	vote(both, inboxAsk(t, both, "How do I reset my password?"), "down")
	withoutAssistant(t, n, token)
	none := inboxVisitor(t, n, siteKey, nil)
	noneMsg := decode[struct{ Message wireMessage }](t, none.call("send", "ack", map[string]any{"client_msg_id": "n1", "body": "Hello"})).Message
	c1, c4 := upAnswer.ConversationID, noneMsg.ConversationID
	var c2, c3 int64
	for _, c := range inboxIDs(t, base, auth, "") {
		if c != c1 && c != c4 {
			if c2 == 0 {
				c2 = c
			} else {
				c3 = c
			}
		}
	}
	var conv inboxConversation
	if do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, c2), auth, nil, &conv); conv.FeedbackDown != 1 || conv.FeedbackUp != 0 {
		c2, c3 = c3, c2
	}
	// The down voter's conversation is escalated: the visitor opens a
	// ticket from the widget (the downvote flow). An agent opens one from
	// the "both" conversation: it has a ticket, but is not escalated.
	down.call("ticket.create", "ticket.created", map[string]any{"conversation_id": c2, "subject": "Password trouble", "email": "bob@example.com"})
	if st := do(t, "POST", base+"/tickets", auth, map[string]any{"conversation_id": c3, "subject": "Mixed feelings", "requester_email": "cy@example.com"}, nil); st != 201 {
		t.Fatalf("open ticket: %d", st)
	}
	for c, want := range map[int64]bool{c2: true, c3: false} {
		var got struct {
			Escalated bool  `json:"escalated"`
			TicketID  int64 `json:"ticket_id"`
		}
		if do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, c), auth, nil, &got); got.Escalated != want || got.TicketID == 0 {
			t.Fatalf("conversation %d: %+v, want escalated %v and a ticket", c, got, want)
		}
	}

	var sites struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	do(t, "GET", base+"/sites", auth, nil, &sites)
	var blog struct{ ID int64 }
	if st := do(t, "POST", base+"/sites", auth, map[string]any{"name": "Blog", "allowed_origins": []string{"https://blog.example"}}, &blog); st != 201 {
		t.Fatalf("create site: %d", st)
	}
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	all := []int64{c1, c2, c3, c4}
	slices.Sort(all)
	for query, want := range map[string][]int64{
		"":                                 all,
		"feedback=either":                  sortedInt64(c1, c2, c3),
		"feedback=any":                     sortedInt64(c1, c2, c3), // the name "either" had before
		"feedback=up":                      {c1},
		"feedback=down":                    {c2},
		"feedback=both":                    {c3},
		"feedback=none":                    {c4},
		"escalated=true":                   {c2},
		"escalated=false":                  sortedInt64(c1, c3, c4),
		"has_ticket=true":                  sortedInt64(c2, c3),
		"has_ticket=false":                 sortedInt64(c1, c4),
		"escalated=false&feedback=either":  sortedInt64(c1, c3),
		"has_ticket=false&feedback=either": {c1},
		"status=open":                      all,
		"status=resolved":                  nil,
		fmt.Sprintf("site=%d", sites.Items[0].ID): all,
		fmt.Sprintf("site=%d", blog.ID):           nil,
		"from=" + day(-1) + "&to=" + day(1):       all,
		"from=" + day(1):                          nil,
		"to=" + day(-1):                           nil,
		"from=" + day(-1) + "&feedback=down":      {c2},
	} {
		if got := inboxIDs(t, base, auth, query); !slices.Equal(got, want) {
			t.Errorf("conversations?%s = %v, want %v", query, got, want)
		}
	}
	for _, bad := range []string{"feedback=all", "escalated=maybe", "has_ticket=yes", "from=2026-13-01", "to=yesterday", "status=archived",
		"from=" + day(1) + "&to=" + day(-1), "site=-1", "before=xyz"} {
		if st, _, body := inboxRaw(t, "GET", base+"/conversations?"+bad, auth, ""); st != 400 || !strings.Contains(string(body), `"code":"invalid"`) {
			t.Errorf("conversations?%s: %d %s, want 400 invalid", bad, st, body)
		}
	}

	// The identity card, in the list and the detail.
	var p inboxPage
	do(t, "GET", base+"/conversations?feedback=up", auth, nil, &p)
	do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, c1), auth, nil, &conv)
	for _, c := range []inboxConversation{p.Items[0], conv} {
		v := c.Visitor
		if v == nil || v.Email != "ann@example.com" || v.Name != "Ann" || string(v.Traits) != `{"plan":"pro"}` ||
			!strings.HasPrefix(v.AnonymousID, "anon_") || v.CurrentPage != n.Origin+"/pricing" || v.FirstSeen.IsZero() || v.LastSeen.IsZero() {
			t.Fatalf("identity card: %+v", v)
		}
		if c.FeedbackUp != 1 || c.FeedbackDown != 0 || c.Handoff != "assistant" {
			t.Fatalf("conversation: %+v", c)
		}
	}

	// Take-over: the agent's dashboard and the visitor learn it live.
	agent := agentFor(t, n, token)
	agent.call("subscribe", "subscribed", map[string]any{"conversation_id": c1})
	var me struct{ ID int64 }
	do(t, "GET", base+"/me", auth, nil, &me)
	if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/take-over", base, c1), auth, nil, &conv); st != 200 ||
		conv.Handoff != "human" || conv.AssigneeID != me.ID {
		t.Fatalf("take-over: %d %+v", st, conv)
	}
	joined := up.messageAfter(upAnswer.Seq)
	if joined.AuthorKind != "system" || joined.Body != "Demo Owner joined the conversation" {
		t.Fatalf("the visitor saw %+v", joined)
	}
	if m := agent.messageAfter(0); m.Body != "Demo Owner joined the conversation" {
		t.Fatalf("the agent saw %+v", m)
	}
	for {
		f, _ := agent.await("conversation.updated", "")
		if c := decode[inboxConversation](t, f.Data); c.ID == c1 {
			if c.Handoff != "human" || c.AssigneeID != me.ID {
				t.Fatalf("conversation.updated: %s", f.Data)
			}
			break
		}
	}

	// Export: every message, the internal note too, as a download.
	if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/messages", base, c1), auth, map[string]any{"client_msg_id": "note", "body": "VIP", "internal": true}, nil); st != 201 {
		t.Fatalf("note: %d", st)
	}
	st, h, body := inboxRaw(t, "GET", fmt.Sprintf("%s/conversations/%d/export", base, c1), auth, "")
	if st != 200 || h.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="conversation-%[1]d.json"; filename*=UTF-8''conversation-%[1]d.json`, c1) ||
		!strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("export: %d %v", st, h)
	}
	var export struct {
		Conversation inboxConversation `json:"conversation"`
		Visitor      struct{ Email string }
		Messages     []struct {
			Seq      int64
			Body     string
			Internal bool
		}
	}
	if err := json.Unmarshal(body, &export); err != nil {
		t.Fatal(err)
	}
	last := export.Messages[len(export.Messages)-1]
	if export.Conversation.ID != c1 || export.Visitor.Email != "ann@example.com" || len(export.Messages) != int(export.Conversation.LastSeq) ||
		last.Body != "VIP" || !last.Internal {
		t.Fatalf("export: %s", body)
	}
	// The visitor never gets the note.
	for _, m := range decode[struct{ Messages []wireMessage }](t, up.call("history", "history", map[string]any{"conversation_id": c1})).Messages {
		if m.Body == "VIP" {
			t.Fatal("the visitor's history holds the internal note")
		}
	}
}

func sortedInt64(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
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

// TestInboxPresenceAndViewingOnCluster: two nodes on Postgres and Redis.
// An agent on each sees the other come online, the one connecting later
// learns the online set at once, both see each other viewing the same
// ticket's conversation, and the visitor sees none of it, nor the notes.
func TestInboxPresenceAndViewingOnCluster(t *testing.T) {
	c := startCluster(t)
	a, b := c.a, c.b
	token := login(t, a, c.email, c.password)
	withoutAssistant(t, a, token)
	agentAuth := inboxUser(t, b, c.env, "agent@cluster.test", "-tenant-id", "1", "-role", "agent", "-name", "Bea")
	agentToken := tokenOf(agentAuth)
	auth := bearer(token)
	var owner, agentMe struct{ ID int64 }
	do(t, "GET", a.URL+"/api/v1/me", auth, nil, &owner)
	do(t, "GET", b.URL+"/api/v1/me", agentAuth, nil, &agentMe)

	visitor := visitorFor(t, a, demoSiteKey(t, a), "http://dashboard.test")
	conv := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "Where is my parcel?"})).Message.ConversationID
	if st := do(t, "POST", a.URL+"/api/v1/tickets", auth, map[string]any{"conversation_id": conv, "subject": "Parcel", "requester_email": "ann@example.com"}, nil); st != 201 {
		t.Fatalf("ticket: %d", st)
	}

	// online follows presence.list and presence events until want holds.
	online := func(c *client, set map[int64]bool, want ...int64) {
		t.Helper()
		for {
			var got []int64
			for m, on := range set {
				if on {
					got = append(got, m)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if slices.Equal(got, want) {
				return
			}
			f := c.next()
			switch f.Type {
			case "presence.list":
				clear(set)
				for _, m := range decode[struct{ Online []int64 }](t, f.Data).Online {
					set[m] = true
				}
			case "presence":
				p := decode[struct {
					MemberID int64 `json:"member_id"`
					Online   bool  `json:"online"`
				}](t, f.Data)
				set[p.MemberID] = p.Online
			}
		}
	}
	ownerWS := agentFor(t, a, token)
	ownerSet := map[int64]bool{}
	online(ownerWS, ownerSet, owner.ID)
	agentWS := agentFor(t, b, agentToken)
	online(agentWS, map[int64]bool{}, owner.ID, agentMe.ID) // learnt at once, from node b
	online(ownerWS, ownerSet, owner.ID, agentMe.ID)         // told live, on node a

	// Both open the ticket's conversation and see each other there.
	ownerWS.call("subscribe", "subscribed", map[string]any{"conversation_id": conv})
	agentWS.call("subscribe", "subscribed", map[string]any{"conversation_id": conv})
	type viewing struct {
		ConversationID int64  `json:"conversation_id"`
		MemberID       int64  `json:"member_id"`
		Name           string `json:"name"`
		Viewing        bool   `json:"viewing"`
	}
	sees := func(c *client, member int64, name string, on bool) {
		t.Helper()
		for {
			f, _ := c.await("viewing", "")
			v := decode[viewing](t, f.Data)
			if v.MemberID == member && v.Viewing == on {
				if v.ConversationID != conv || v.Name != name {
					t.Fatalf("viewing: %+v", v)
				}
				return
			}
		}
	}
	ownerWS.send("viewing", map[string]any{"conversation_id": conv, "viewing": true})
	sees(agentWS, owner.ID, "Demo Owner", true)
	agentWS.send("viewing", map[string]any{"conversation_id": conv, "viewing": true})
	sees(ownerWS, agentMe.ID, "Bea", true)
	// Typing of agents reaches the other agent and the visitor.
	agentWS.send("typing", map[string]any{"conversation_id": conv, "typing": true})
	ownerWS.await("typing", "")
	visitor.await("typing", "")
	// A private note reaches the agents only.
	ownerWS.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "note", "body": "VIP customer", "internal": true})
	if m := agentWS.messageAfter(0); m.Body != "VIP customer" {
		t.Fatalf("agent on node b saw %+v", m)
	}
	agentWS.conn.CloseNow()
	sees(ownerWS, agentMe.ID, "Bea", false)
	online(ownerWS, ownerSet, owner.ID)

	// The visitor saw no viewing, presence or note, only the chat.
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "Hello?"})
	history, before := visitor.replyTo(visitor.send("history", map[string]any{"conversation_id": conv}))
	for _, f := range append(before, history) {
		if f.Type == "viewing" || f.Type == "presence" || f.Type == "presence.list" {
			t.Fatalf("the visitor got %s %s", f.Type, f.Data)
		}
		if f.Type == "message.created" && strings.Contains(string(f.Data), "VIP") {
			t.Fatalf("the visitor got the note %s", f.Data)
		}
	}
	if strings.Contains(string(history.Data), "VIP") {
		t.Fatalf("the visitor's history holds the note: %s", history.Data)
	}
}
