package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The websocket parts of TestAuthzSweep: what each recipient of tenant A's
// work got on its socket (event_payloads), and the frames tenant B and
// another visitor send on A's conversation, and the sockets refused
// (websocket_frames).

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
			if f.Type == "ack" && d["message"] != nil {
				// The sender's copy of its message (docs/protocol.md "send").
				if json.Unmarshal(d["message"], &d) != nil {
					continue
				}
				f.Type = "message.created"
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
