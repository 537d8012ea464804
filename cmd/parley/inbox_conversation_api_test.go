package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Conversations view of the inbox (004) end to end: its filters over
// keyset pages, the identity card, take-over and export.

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
