package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

type subscribed struct {
	Conversation json.RawMessage   `json:"conversation"`
	Messages     []json.RawMessage `json:"messages"`
	Resync       bool              `json:"resync"`
}

func subscribe(t *testing.T, c *client, conv, after int64) (subscribed, []message) {
	t.Helper()
	id := fmt.Sprintf("sub-%d-%d", conv, after)
	f := c.request(realtime.TypeSubscribe, id, map[string]any{"conversation_id": conv, "after_seq": after}, realtime.TypeSubscribed)
	s := decode[subscribed](t, f.Data)
	var ms []message
	for _, raw := range s.Messages {
		ms = append(ms, decode[message](t, raw))
	}
	return s, ms
}

func TestLiveExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID

	agent := e.agent(a)
	s, ms := subscribe(t, agent, id, 0)
	if bodies(ms) != "1:hello, anyone there?" || s.Resync {
		t.Fatalf("agent subscribed: %s", bodies(ms))
	}
	full := decode[hub.Conversation](t, s.Conversation)
	if full.ID != id || full.VisitorID != conv.visitor.ID || full.TenantID != a.tenant.ID {
		t.Errorf("agent sees conversation %s", s.Conversation)
	}

	visitor := e.visitor(a.site, conv.visitorToken)
	vs, vms := subscribe(t, visitor, id, 1)
	if len(vms) != 0 {
		t.Errorf("visitor after 1: %s", bodies(vms))
	}
	// Visitors see only their view (hub.VisitorConversation): nothing of
	// the team's side.
	var vconv map[string]any
	if err := json.Unmarshal(vs.Conversation, &vconv); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range vconv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "created_at,id,last_message_at,last_seq,preview,preview_author,status,unread,version" ||
		vconv["id"] != float64(id) || vconv["last_seq"] != float64(1) || vconv["status"] != "open" {
		t.Errorf("visitor sees conversation %s", vs.Conversation)
	}

	// Agent → visitor.
	ack := agent.request(realtime.TypeSend, "s1", map[string]any{"conversation_id": id, "client_msg_id": "a-1", "body": "Hi! How can I help?"}, realtime.TypeAck)
	am := decode[struct{ Message message }](t, ack.Data).Message
	if am.Seq != 2 || am.Body != "Hi! How can I help?" {
		t.Errorf("ack %s", ack.Data)
	}
	got := visitor.messages(1)
	if bodies(got) != "2:Hi! How can I help?" {
		t.Errorf("visitor got %s", bodies(got))
	}
	if got[0].TenantID != 0 || got[0].AuthorID != 0 {
		t.Errorf("visitor view leaks tenant or author ids: %+v", got[0])
	}
	if m := agent.messages(1); bodies(m) != "2:Hi! How can I help?" {
		t.Errorf("agent's own event: %s", bodies(m))
	}

	// Visitor → agent.
	visitor.request(realtime.TypeSend, "v1", map[string]any{"conversation_id": id, "client_msg_id": "v-1", "body": "My order is late"}, realtime.TypeAck)
	if m := agent.messages(1); bodies(m) != "3:My order is late" {
		t.Errorf("agent got %s", bodies(m))
	}
	if m := visitor.messages(1); bodies(m) != "3:My order is late" {
		t.Errorf("visitor's own event: %s", bodies(m))
	}

	// Typing reaches the other side.
	visitor.send(realtime.TypeTyping, "", map[string]any{"conversation_id": id, "typing": true})
	typing := agent.waitFor(hub.EventTyping, "")
	td := decode[hub.TypingData](t, typing.Data)
	if td.ConversationID != id || td.AuthorKind != hub.AuthorVisitor || !td.Typing {
		t.Errorf("typing %s", typing.Data)
	}

	// Reads answer with the absolute unread count.
	rd := visitor.request(realtime.TypeRead, "r", map[string]any{"conversation_id": id, "seq": 3}, realtime.TypeReadOK)
	r := decode[struct {
		ConversationID int64 `json:"conversation_id"`
		Unread         int   `json:"unread"`
		Version        int64 `json:"version"`
	}](t, rd.Data)
	if r.ConversationID != id || r.Unread != 0 || r.Version == 0 {
		t.Errorf("read.ok %s", rd.Data)
	}

	// History, newest first page in ascending order.
	h := agent.request(realtime.TypeHistory, "h", map[string]any{"conversation_id": id, "before_seq": 3, "limit": 1}, realtime.TypeHistory)
	hm := decode[struct{ Messages []message }](t, h.Data).Messages
	if bodies(hm) != "2:Hi! How can I help?" {
		t.Errorf("history %s", h.Data)
	}

	// Unsubscribed agents get no more message events.
	agent.request(realtime.TypeUnsubscribe, "u", map[string]any{"conversation_id": id}, realtime.TypeUnsubscribed)
	e.say(conv.visitorActor, id, "still there?", false)
	visitor.messages(1)
	agent.send(realtime.TypeHistory, "probe", map[string]any{"conversation_id": id})
	agent.noMessageBefore("probe")
}

func TestInternalNotesNeverReachVisitors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 0)
	visitor := e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 1)

	// A visitor cannot write notes.
	visitor.expectError(realtime.TypeSend, "n", map[string]any{"conversation_id": id, "body": "x", "internal": true}, hub.EForbidden)

	agent.request(realtime.TypeSend, "note", map[string]any{"conversation_id": id, "body": "secret note", "internal": true}, realtime.TypeAck)
	if m := agent.messages(1); bodies(m) != "2:secret note" || !m[0].Internal {
		t.Fatalf("agent note event: %+v", m)
	}
	agent.request(realtime.TypeSend, "reply", map[string]any{"conversation_id": id, "body": "public reply"}, realtime.TypeAck)

	// Live: the visitor gets the reply (after a gap fill that finds only
	// the invisible note) and nothing else.
	if m := visitor.messages(1); bodies(m) != "3:public reply" {
		t.Fatalf("visitor live: %s", bodies(m))
	}
	// Subscribe and history from the store.
	_, ms := subscribe(t, visitor, id, 0)
	if bodies(ms) != "1:hello, anyone there?,3:public reply" {
		t.Errorf("visitor subscribe: %s", bodies(ms))
	}
	h := visitor.request(realtime.TypeHistory, "h", map[string]any{"conversation_id": id}, realtime.TypeHistory)
	if strings.Contains(string(h.Data), "secret") || strings.Contains(string(h.Data), "internal") {
		t.Errorf("visitor history %s", h.Data)
	}
	// After a broker reset the catch-up skips the note too.
	e.say(a.actor, id, "another secret", true)
	e.node.HandleReset()
	_, before := visitor.until(realtime.TypeResume, "")
	for _, f := range before {
		if strings.Contains(string(f.Data), "secret") {
			t.Errorf("visitor got %s %s", f.Type, f.Data)
		}
	}
}

func TestAckIsByteIdenticalOnRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	visitor := e.visitor(a.site, conv.visitorToken)
	data := map[string]any{"conversation_id": 0, "client_msg_id": "cm-42", "body": "same message"}
	first := visitor.request(realtime.TypeSend, "try1", data, realtime.TypeAck)
	second := visitor.request(realtime.TypeSend, "try2", data, realtime.TypeAck)
	if !bytes.Equal(first.Data, second.Data) {
		t.Fatalf("acks differ:\n%s\n%s", first.Data, second.Data)
	}
	if m := decode[struct{ Message message }](t, first.Data).Message; m.ConversationID != conv.conv.ID || m.Seq != 2 {
		t.Errorf("ack %s", first.Data)
	}
	// The retry stored nothing new.
	_, ms := subscribe(t, visitor, conv.conv.ID, 0)
	if len(ms) != 2 {
		t.Errorf("messages after retry: %s", bodies(ms))
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	b := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	other := startConversation(t, e, a) // another visitor of the same site

	agentB := e.agent(b)
	for _, tt := range []struct {
		typ  string
		data map[string]any
	}{
		{realtime.TypeSubscribe, map[string]any{"conversation_id": id}},
		{realtime.TypeSend, map[string]any{"conversation_id": id, "body": "hi"}},
		{realtime.TypeRead, map[string]any{"conversation_id": id, "seq": 1}},
		{realtime.TypeHistory, map[string]any{"conversation_id": id}},
		{realtime.TypeTyping, map[string]any{"conversation_id": id, "typing": true}},
		{realtime.TypeUnsubscribe, map[string]any{"conversation_id": id}},
	} {
		agentB.expectError(tt.typ, "b-"+tt.typ, tt.data, hub.ENotFound)
	}

	// A visitor cannot reach another visitor's conversation either.
	visitor := e.visitor(a.site, other.visitorToken)
	for _, typ := range []string{realtime.TypeSubscribe, realtime.TypeSend, realtime.TypeRead, realtime.TypeHistory, realtime.TypeTyping} {
		visitor.expectError(typ, "v-"+typ, map[string]any{"conversation_id": id, "body": "hi", "seq": 1}, hub.ENotFound)
	}

	// Nothing of tenant A's traffic reaches tenant B's agent.
	agentA := e.agent(a)
	subscribe(t, agentA, id, 1)
	e.say(a.actor, id, "for tenant A", false)
	agentA.messages(1)
	agentB.send(realtime.TypeHistory, "probe", map[string]any{"conversation_id": 999999})
	for {
		f := agentB.next()
		if f.ID == "probe" {
			break
		}
		if strings.Contains(string(f.Data), "tenant A") || strings.Contains(string(f.Data), fmt.Sprintf(`"tenant_id":%d`, a.tenant.ID)) {
			t.Fatalf("tenant B got %s %s", f.Type, f.Data)
		}
	}
}

func TestBadFramesKeepTheSocketOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	c := e.visitor(a.site, conv.visitorToken)

	for _, raw := range []string{`not json`, `{"id":"x"}`, `[1,2]`, `{"type":5}`, `{"type":"send","id":"` + strings.Repeat("i", 65) + `"}`} {
		c.sendRaw([]byte(raw))
		f := c.next()
		if f.Type != realtime.TypeError || errCode(t, f) != realtime.CodeBadFrame {
			t.Fatalf("%s: got %s %s, want bad_frame", raw, f.Type, f.Data)
		}
	}
	c.expectError("launch.missiles", "u1", map[string]any{}, realtime.CodeUnknownType)
	c.expectError(realtime.TypeSubscribe, "d1", "not an object", hub.EInvalid)
	c.expectError(realtime.TypeSubscribe, "d2", map[string]any{"conversation_id": "one"}, hub.EInvalid)
	c.expectError(realtime.TypeSubscribe, "d3", map[string]any{}, hub.EInvalid)
	c.expectError(realtime.TypeSend, "d4", map[string]any{"conversation_id": conv.conv.ID, "body": "   "}, hub.EInvalid)
	c.expectError(realtime.TypeHistory, "d5", map[string]any{"conversation_id": conv.conv.ID, "limit": -1}, hub.EInvalid)
	// Still open and working.
	c.request(realtime.TypeSubscribe, "ok", map[string]any{"conversation_id": conv.conv.ID}, realtime.TypeSubscribed)
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	c := e.visitor(a.site, conv.visitorToken)
	const n = 40 // typing allows a burst of 10
	for i := range n {
		c.send(realtime.TypeTyping, fmt.Sprintf("t%d", i), map[string]any{"conversation_id": conv.conv.ID, "typing": i%2 == 0})
	}
	limited := 0
	c.send(realtime.TypeHistory, "done", map[string]any{"conversation_id": conv.conv.ID})
	for {
		f := c.next()
		if f.ID == "done" {
			if f.Type != realtime.TypeHistory {
				t.Fatalf("history after typing burst: %s %s", f.Type, f.Data)
			}
			break
		}
		if f.Type == realtime.TypeError {
			if code := errCode(t, f); code != hub.ERateLimited {
				t.Fatalf("error %s", f.Data)
			}
			limited++
		}
	}
	if limited < n-20 || limited > n-10 {
		t.Errorf("%d of %d typing frames limited", limited, n)
	}
}

func TestAbusiveClientIsDisconnected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	c := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
	ctx := context.Background()
	go func() {
		for i := 0; i < 1000; i++ {
			if c.conn.Write(ctx, 1, []byte(`{"type":"nope"}`)) != nil {
				return
			}
		}
	}()
	if code := c.closeStatus(testTimeout); code != realtime.ClosePolicy {
		t.Fatalf("close %d, want 1008", code)
	}
}

// heldChat is a conversation, its visitor's and an agent's sockets
// subscribed to it, on a node whose publishes hb holds when told to.
func heldChat(t *testing.T) (hb *heldBroker, id int64, agent, visitor *client) {
	t.Helper()
	e := newEnv(t, withBroker(func(h hub.BrokerHandler) hub.Broker {
		hb = &heldBroker{Broker: newMemoryBroker(h)}
		return hb
	}))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id = conv.conv.ID
	agent = e.agent(a)
	subscribe(t, agent, id, 1)
	visitor = e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 1)
	return hb, id, agent, visitor
}

// TestSenderGetsNoEcho: on a subscribed conversation the ack is the
// sender's copy of its message; its message.created event, which reaches
// the node after the ack (the broker holds it until then), is not sent
// again. The other side gets the event, and the sender the next message.
func TestSenderGetsNoEcho(t *testing.T) {
	t.Parallel()
	hb, id, agent, visitor := heldChat(t)

	hb.hold()
	ack := visitor.request(realtime.TypeSend, "v2", map[string]any{"conversation_id": id, "client_msg_id": "v-2", "body": "where is my parcel"}, realtime.TypeAck)
	if m := decode[struct{ Message message }](t, ack.Data).Message; m.Seq != 2 {
		t.Fatalf("ack %s", ack.Data)
	}
	hb.let()
	if m := agent.messages(1); bodies(m) != "2:where is my parcel" {
		t.Fatalf("agent got %s", bodies(m))
	}
	agent.request(realtime.TypeSend, "a3", map[string]any{"conversation_id": id, "client_msg_id": "a-3", "body": "on its way"}, realtime.TypeAck)
	visitor.take("the agent's reply", func(f frame) bool {
		return f.Type == hub.EventMessageCreated && !f.ack && decode[message](t, f.Data).Seq == 3
	})
	for _, f := range visitor.pending { // what came before the reply
		if f.Type == hub.EventMessageCreated && !f.ack {
			t.Fatalf("the visitor got an event of its own message: %s", f.Data)
		}
	}
}

// TestAgentGetsEachUpdateOnce: an agent follows a conversation from the
// inbox and from its own topic, and each conversation.updated comes on
// both; the socket sends each version once.
func TestAgentGetsEachUpdateOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 1)
	for i := range 3 {
		e.say(conv.visitorActor, id, fmt.Sprint("message ", i), false)
		// The inbox's payload ends with the member's unread, after the
		// conversation's topic's payload: both copies have come by then.
		agent.take("the unread", func(f frame) bool {
			return f.Type == hub.EventUnread && decode[struct {
				ConversationID int64 `json:"conversation_id"`
				Count          int   `json:"count"`
			}](t, f.Data).Count == i+2
		})
	}
	versions := map[int64]int{}
	for _, f := range agent.pending {
		if f.Type == hub.EventConversationUpdated {
			versions[decode[struct{ Version int64 }](t, f.Data).Version]++
		}
	}
	if len(versions) != 3 {
		t.Fatalf("conversation.updated versions %v, want three", versions)
	}
	for v, n := range versions {
		if n != 1 {
			t.Fatalf("version %d came %d times: %v", v, n, versions)
		}
	}
}

// TestAckAfterTheMessagesBeforeIt: an agent's ack overtakes no message
// before it. The visitor's message (seq 2) is committed, but its event is
// held on its way; the agent's next message (seq 3) is acked after seq 2
// is read from the store and sent, and the event of seq 2, let go, is
// dropped as a copy.
func TestAckAfterTheMessagesBeforeIt(t *testing.T) {
	t.Parallel()
	hb, id, agent, visitor := heldChat(t)

	hb.hold()
	visitor.request(realtime.TypeSend, "v2", map[string]any{"conversation_id": id, "client_msg_id": "v-2", "body": "still there?"}, realtime.TypeAck)
	agent.send(realtime.TypeSend, "a3", map[string]any{"conversation_id": id, "client_msg_id": "a-3", "body": "yes"})
	_, before := agent.until(realtime.TypeAck, "a3")
	var seqs []int64
	for _, f := range before {
		if f.Type == hub.EventMessageCreated && !f.ack {
			seqs = append(seqs, decode[message](t, f.Data).Seq)
		}
	}
	if fmt.Sprint(seqs) != "[2]" {
		t.Fatalf("messages before the ack of seq 3: %v, want [2]", seqs)
	}
	hb.let()
	agent.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
	agent.noMessageBefore("end")
}
