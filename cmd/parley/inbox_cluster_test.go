package main

import (
	"slices"
	"strings"
	"testing"
)

// The inbox across two nodes on Postgres and Redis: presence and viewing.

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
