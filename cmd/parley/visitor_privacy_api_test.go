package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestVisitorExportDelete: the owner downloads everything about a visitor
// as a JSON attachment, deletes them (204), and then the visitor, their
// conversation and a second deletion are 404 problems; the ticket of the
// conversation stays, without the visitor's email.
func TestVisitorExportDelete(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, "PARLEY_DATA_DIR="+dir)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	auth := bearer(token)
	base := n.URL + "/api/v1"
	siteKey := demoSiteKey(t, n)

	visitor := inboxVisitor(t, n, siteKey, map[string]any{"email": "gdpr.ann@example.com", "name": "Ann Gdpr"})
	first := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "g1", "body": "Delete me later"})).Message
	var conv struct {
		VisitorID int64 `json:"visitor_id"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d", base, first.ConversationID), auth, nil, &conv); st != 200 || conv.VisitorID == 0 {
		t.Fatalf("conversation: %d %+v", st, conv)
	}
	var tk struct{ ID int64 }
	if st := do(t, "POST", base+"/tickets", auth, map[string]any{"conversation_id": first.ConversationID, "subject": "Ann's refund",
		"requester_email": "gdpr.ann@example.com"}, &tk); st != 201 {
		t.Fatalf("create ticket: %d", st)
	}
	if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/messages", base, first.ConversationID), auth,
		map[string]any{"client_msg_id": "n1", "body": "note about Ann", "internal": true}, nil); st != 201 {
		t.Fatalf("note: %d", st)
	}

	exportURL := fmt.Sprintf("%s/visitors/%d/export", base, conv.VisitorID)
	st, h, raw := inboxRaw(t, "GET", exportURL, auth, "")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") ||
		!strings.Contains(h.Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="visitor-%d.json"`, conv.VisitorID)) {
		t.Fatalf("export: %d %v %s", st, h, raw)
	}
	var x struct {
		Visitor struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"visitor"`
		Conversations []struct {
			Conversation struct{ ID int64 } `json:"conversation"`
			Messages     []struct {
				Body     string `json:"body"`
				Internal bool   `json:"internal"`
			} `json:"messages"`
		} `json:"conversations"`
		Tickets []struct {
			ID             int64  `json:"id"`
			RequesterEmail string `json:"requester_email"`
		} `json:"tickets"`
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	if x.Visitor.ID != conv.VisitorID || x.Visitor.Email != "gdpr.ann@example.com" || len(x.Conversations) != 1 ||
		x.Conversations[0].Conversation.ID != first.ConversationID || len(x.Tickets) != 1 || x.Tickets[0].ID != tk.ID {
		t.Fatalf("export = %s", raw)
	}
	notes := 0
	for _, m := range x.Conversations[0].Messages {
		if m.Internal && m.Body == "note about Ann" {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("export lacks the internal note, flagged: %s", raw)
	}

	visitorURL := fmt.Sprintf("%s/visitors/%d", base, conv.VisitorID)
	if st, _, raw := inboxRaw(t, "DELETE", visitorURL, auth, ""); st != 204 || len(raw) != 0 {
		t.Fatalf("delete: %d %s", st, raw)
	}
	for _, r := range []struct{ method, url string }{
		{"GET", exportURL},
		{"DELETE", visitorURL},
		{"GET", fmt.Sprintf("%s/conversations/%d", base, first.ConversationID)},
	} {
		st, h, raw := inboxRaw(t, r.method, r.url, auth, "")
		if h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s after the deletion: Content-Type %q", r.method, r.url, h.Get("Content-Type"))
		}
		authzProblem(t, r.method+" "+r.url+" after the deletion", st, raw, http.StatusNotFound)
	}
	var after struct {
		Subject        string `json:"subject"`
		RequesterEmail string `json:"requester_email"`
		Number         int64  `json:"number"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/tickets/%d", base, tk.ID), auth, nil, &after); st != 200 || after.RequesterEmail != "" ||
		strings.Contains(after.Subject, "Ann") || after.Number == 0 {
		t.Fatalf("ticket after the deletion: %d %+v", st, after)
	}
}
