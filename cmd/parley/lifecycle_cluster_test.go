package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFirstMessageOnTwoNodes (issue 11 §5): a visitor's first message
// (no conversation id) that reaches two nodes at once, with the same
// client id, starts one conversation, and both nodes answer with the same
// ack byte for byte; two different first messages at once (two tabs) land
// in one conversation too. Many rounds, so that every interleaving of the
// two nodes' transactions gets its chance (docs/protocol.md "send").
func TestFirstMessageOnTwoNodes(t *testing.T) {
	c := startCluster(t)
	a, b := c.a, c.b
	siteKey := demoSiteKey(t, a)
	withoutAssistant(t, a, login(t, a, c.email, c.password))
	const origin = "http://dashboard.test"

	const rounds = 25
	for r := range rounds {
		var start struct {
			Token string `json:"token"`
		}
		if st := do(t, "POST", a.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {origin}}, map[string]string{"site": siteKey}, &start); st != 200 {
			t.Fatalf("start visitor: %d", st)
		}
		sockets := make([]*client, 4)
		for i := range sockets {
			n := a
			if i%2 == 1 {
				n = b
			}
			sockets[i] = dial(t, n.URL+"/ws/visitor?site="+siteKey, origin, nil)
			sockets[i].call("auth", "auth.ok", map[string]string{"token": start.Token})
		}
		// Sockets 0 (node A) and 1 (node B) send the same first message;
		// 2 (A) and 3 (B) another one each, as two more tabs would.
		ids := []string{"first", "first", "tab-2", "tab-3"}
		acks := make([]json.RawMessage, len(sockets))
		var wg sync.WaitGroup
		var ready sync.WaitGroup
		ready.Add(1)
		for i, c := range sockets {
			wg.Go(func() {
				ready.Wait()
				id := c.send("send", map[string]any{"client_msg_id": fmt.Sprintf("%s-%d", ids[i], r), "body": "Hello from " + ids[i]})
				f, _ := c.await("ack", id)
				acks[i] = f.Data
			})
		}
		ready.Done()
		wg.Wait()
		if t.Failed() {
			return
		}
		if !bytes.Equal(acks[0], acks[1]) {
			t.Fatalf("round %d: the same first message got two acks:\n A %s\n B %s", r, acks[0], acks[1])
		}
		conv := decode[struct{ Message wireMessage }](t, acks[0]).Message.ConversationID
		for i, ack := range acks {
			if got := decode[struct{ Message wireMessage }](t, ack).Message.ConversationID; got != conv {
				t.Fatalf("round %d: socket %d's message went to conversation %d, the first to %d", r, i, got, conv)
			}
		}
		list := decode[struct {
			Conversations []struct {
				ID      int64 `json:"id"`
				LastSeq int64 `json:"last_seq"`
			} `json:"conversations"`
		}](t, sockets[3].call("conversations", "conversations", nil)).Conversations
		if len(list) != 1 || list[0].ID != conv || list[0].LastSeq != 3 {
			t.Fatalf("round %d: the visitor has %+v, want one conversation %d with 3 messages", r, list, conv)
		}
		for _, c := range sockets {
			c.conn.CloseNow()
		}
	}
}

// TestConcurrentWritersNeverConflict (issue 11 §5): sixteen writers, two
// agents on each of two nodes, post messages with new client ids into one
// conversation that has a ticket, then spread over ten, while others
// change the ticket's priority and read: every request succeeds, every
// message is stored once, and seqs have no gap. Writers of a
// conversation queue on its row (hub.lockConversation) instead of losing
// a version race, so a client sees conflict only for its own conflicting
// request (docs/api.md "Errors").
func TestConcurrentWritersNeverConflict(t *testing.T) {
	c := startCluster(t)
	a, b := c.a, c.b
	ownerToken := login(t, a, c.email, c.password)
	withoutAssistant(t, a, ownerToken)
	owner := bearer(ownerToken)
	agent := inboxUser(t, b, c.env, "writer@cluster.test", "-tenant-id", "1", "-role", "agent", "-name", "Wes")
	siteKey := demoSiteKey(t, a)

	convs := make([]int64, 10)
	for i := range convs {
		v := visitorFor(t, a, siteKey, "http://dashboard.test")
		convs[i] = decode[struct{ Message wireMessage }](t, v.call("send", "ack", map[string]any{"client_msg_id": "v", "body": "Help"})).Message.ConversationID
		v.conn.CloseNow()
	}
	var ticket struct{ ID int64 }
	if st := do(t, "POST", a.URL+"/api/v1/tickets", owner, map[string]any{"conversation_id": convs[0], "subject": "Busy", "requester_email": "ann@example.com"}, &ticket); st != 201 {
		t.Fatalf("ticket: %d", st)
	}

	type writer struct {
		base string
		auth http.Header
	}
	var writers []writer
	for range 4 {
		for _, n := range []*testNode{a, b} {
			for _, auth := range []http.Header{owner, agent} {
				writers = append(writers, writer{n.URL + "/api/v1", auth})
			}
		}
	}
	var failures atomic.Int64
	post := func(w writer, i int, path, body string) {
		req, err := http.NewRequest("POST", w.base+path, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		req.Header = w.auth.Clone()
		req.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(path, "/tickets") {
			req.Method = "PATCH"
		}
		st, _, out := exchange(t, req)
		if st/100 != 2 {
			if failures.Add(1) <= 5 {
				t.Errorf("writer %d: %s %s: %d %s", i, req.Method, path, st, out)
			}
		}
	}
	run := func(name string, each int, pick func(r *rand.Rand) int64) {
		var wg sync.WaitGroup
		for i, w := range writers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(i), 7))
				for k := range each {
					conv := pick(r)
					post(w, i, fmt.Sprintf("/conversations/%d/messages", conv),
						fmt.Sprintf(`{"client_msg_id":"%s-%d-%d","body":"reply %d from writer %d"}`, name, i, k, k, i))
					switch k % 10 {
					case 3:
						post(w, i, fmt.Sprintf("/tickets/%d", ticket.ID), fmt.Sprintf(`{"priority":"%s"}`, []string{"low", "high"}[k%2]))
					case 7:
						post(w, i, fmt.Sprintf("/conversations/%d/read", conv), `{"seq":1000000}`)
					}
				}
			})
		}
		wg.Wait()
	}
	run("one", 100, func(*rand.Rand) int64 { return convs[0] })
	run("ten", 2500/len(writers)+1, func(r *rand.Rand) int64 { return convs[r.IntN(len(convs))] })
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests failed", n)
	}

	// Every message once, seqs without a gap.
	total := 0
	for _, conv := range convs {
		var msgs []wireMessage
		for after := int64(0); ; {
			var page struct {
				Items []wireMessage `json:"items"`
			}
			if st := do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d/messages?after_seq=%d", a.URL, conv, after), owner, nil, &page); st != 200 {
				t.Fatalf("messages of %d: %d", conv, st)
			}
			msgs = append(msgs, page.Items...)
			if len(page.Items) == 0 {
				break
			}
			after = page.Items[len(page.Items)-1].Seq
		}
		seen := map[string]bool{}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %d: message %d has seq %d", conv, i, m.Seq)
			}
			if m.ClientMsgID != "" && seen[m.ClientMsgID] {
				t.Fatalf("conversation %d: %s stored twice", conv, m.ClientMsgID)
			}
			seen[m.ClientMsgID] = true
			if m.AuthorKind == "agent" {
				total++
			}
		}
	}
	if want := len(writers) * (100 + 2500/len(writers) + 1); total != want {
		t.Fatalf("%d agent messages stored, want %d", total, want)
	}
}
