package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// silent returns a Service on e's store that publishes nothing: messages it
// sends are committed but their events are "lost".
func (e *env) silent() *hub.Service {
	return &hub.Service{Store: e.db, Log: e.svc.Log, Secret: e.svc.Secret}
}

func TestResumeAfterDisconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID

	visitor := e.visitor(a.site, conv.visitorToken)
	_, ms := subscribe(t, visitor, id, 0)
	if bodies(ms) != "1:hello, anyone there?" {
		t.Fatalf("first subscribe: %s", bodies(ms))
	}
	e.say(a.actor, id, "one", false)
	last := visitor.messages(1)[0].Seq
	visitor.conn.CloseNow()

	e.say(a.actor, id, "two", false)
	e.say(a.actor, id, "note", true)
	e.say(a.actor, id, "three", false)

	visitor = e.visitor(a.site, conv.visitorToken)
	_, ms = subscribe(t, visitor, id, last)
	if got := bodies(ms); got != "3:two,5:three" {
		t.Fatalf("resume after %d: %s", last, got)
	}
	// Live delivery continues after the resumed range, once each.
	e.say(a.actor, id, "four", false)
	visitor.request(realtime.TypeSend, "v", map[string]any{"conversation_id": id, "body": "five"}, realtime.TypeAck)
	if got := bodies(visitor.messages(2)); got != "6:four,7:five" {
		t.Fatalf("live after resume: %s", got)
	}
	visitor.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
	visitor.noMessageBefore("end")

	// Re-subscribing with a later after_seq is idempotent.
	_, ms = subscribe(t, visitor, id, 6)
	if got := bodies(ms); got != "7:five" {
		t.Fatalf("re-subscribe: %s", got)
	}
}

func TestResyncBeyondResumeLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.ResumeLimit = 3 }))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	for i := range 4 {
		e.say(a.actor, id, fmt.Sprintf("m%d", i), false)
	}
	agent := e.agent(a)
	s, ms := subscribe(t, agent, id, 1)
	if !s.Resync || len(ms) != 0 || s.Messages == nil {
		t.Fatalf("4 missed with limit 3: resync=%v messages=%s", s.Resync, bodies(ms))
	}
	if c := decode[hub.Conversation](t, s.Conversation); c.LastSeq != 5 {
		t.Errorf("conversation last_seq %d", c.LastSeq)
	}
	// Exactly at the limit: no resync.
	s, ms = subscribe(t, agent, id, 2)
	if s.Resync || bodies(ms) != "3:m1,4:m2,5:m3" {
		t.Fatalf("3 missed with limit 3: resync=%v %s", s.Resync, bodies(ms))
	}
	// After a resync, live delivery continues from last_seq.
	subscribe(t, agent, id, 0)
	e.say(a.actor, id, "live", false)
	if got := bodies(agent.messages(1)); got != "6:live" {
		t.Errorf("after resync: %s", got)
	}
}

func TestGapFilledWhenEventsAreLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 1)
	visitor := e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 1)

	silent := e.silent()
	for _, m := range []struct {
		body     string
		internal bool
	}{{"lost one", false}, {"lost note", true}, {"lost two", false}} {
		if _, err := silent.SendMessage(context.Background(), a.actor, hub.NewMessage{ConversationID: id, Body: m.body, Internal: m.internal}); err != nil {
			t.Fatal(err)
		}
	}
	e.say(a.actor, id, "arrives", false)

	if got := bodies(agent.messages(4)); got != "2:lost one,3:lost note,4:lost two,5:arrives" {
		t.Errorf("agent: %s", got)
	}
	if got := bodies(visitor.messages(3)); got != "2:lost one,4:lost two,5:arrives" {
		t.Errorf("visitor: %s", got)
	}
	for _, c := range []*client{agent, visitor} {
		c.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
		c.noMessageBefore("end")
	}
}

func TestOutOfOrderEventsDeliveredInOrderOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 1)
	visitor := e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 1)

	silent := e.silent()
	var ms []*hub.Message
	for _, body := range []string{"second", "third"} {
		m, err := silent.SendMessage(context.Background(), a.actor, hub.NewMessage{ConversationID: id, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	// Two nodes published out of order: seq 3 arrives before seq 2.
	publishMessage(t, e, ms[1])
	publishMessage(t, e, ms[0])
	e.say(a.actor, id, "fourth", false)

	if got := bodies(agent.messages(3)); got != "2:second,3:third,4:fourth" {
		t.Errorf("agent: %s", got)
	}
	if got := bodies(visitor.messages(3)); got != "2:second,3:third,4:fourth" {
		t.Errorf("visitor: %s", got)
	}
	for _, c := range []*client{agent, visitor} {
		c.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
		c.noMessageBefore("end")
	}
}

// publishMessage publishes m's message.created events the way the Service
// does.
func publishMessage(t *testing.T, e *env, m *hub.Message) {
	t.Helper()
	conv, err := e.svc.Store.FindConversationByID(context.Background(), m.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	pub := func(topic string, data any) {
		raw, _ := json.Marshal(data)
		payload, _ := json.Marshal(hub.Event{Type: hub.EventMessageCreated, TenantID: m.TenantID, ConversationID: m.ConversationID,
			Seq: m.Seq, Data: raw, At: time.Now().UnixNano()})
		if err := e.node.Publish(context.Background(), topic, payload); err != nil {
			t.Fatal(err)
		}
	}
	pub(hub.TopicConversation(m.ConversationID), m)
	if !m.Internal {
		pub(hub.TopicVisitor(conv.VisitorID), m.ForVisitor())
	}
}

func TestBrokerResetResumesFromStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.ResumeLimit = 2 }))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	other := startConversation(t, e, a)
	agent := e.agent(a)
	subscribe(t, agent, conv.conv.ID, 1)
	subscribe(t, agent, other.conv.ID, 1)

	silent := e.silent()
	send := func(c int64, body string) {
		if _, err := silent.SendMessage(context.Background(), a.actor, hub.NewMessage{ConversationID: c, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	send(conv.conv.ID, "missed a")
	send(conv.conv.ID, "missed b")
	for i := range 3 { // over the limit of 2
		send(other.conv.ID, fmt.Sprintf("x%d", i))
	}
	e.node.HandleReset()

	resume, before := agent.until(realtime.TypeResume, "")
	if r := decode[struct{ Reason string }](t, resume.Data); r.Reason != "broker_reset" {
		t.Errorf("resume %s", resume.Data)
	}
	var got []message
	var resync []json.RawMessage
	for _, f := range before {
		switch f.Type {
		case hub.EventMessageCreated:
			got = append(got, decode[message](t, f.Data))
		case realtime.TypeResync:
			resync = append(resync, f.Data)
		}
	}
	if bodies(got) != "2:missed a,3:missed b" {
		t.Errorf("caught up: %s", bodies(got))
	}
	want := fmt.Sprintf(`{"conversation_id":%d,"last_seq":4}`, other.conv.ID)
	if len(resync) != 1 || string(resync[0]) != want {
		t.Errorf("resync frames %s, want %s", resync, want)
	}
	// Live delivery goes on without duplicates.
	e.say(a.actor, conv.conv.ID, "after", false)
	e.say(a.actor, other.conv.ID, "after other", false)
	if got := bodies(agent.messages(2)); got != "4:after,5:after other" {
		t.Errorf("after reset: %s", got)
	}
}

func TestPublishRetriesAndResumesAfterBrokerFailure(t *testing.T) {
	t.Parallel()
	var fb *flakyBroker
	e := newEnv(t, withBroker(func(h hub.BrokerHandler) hub.Broker {
		fb = &flakyBroker{Broker: newMemoryBroker(h)}
		return fb
	}))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 1)

	fb.fail.Store(true)
	// The send succeeds although the broker is down: publishing is queued.
	ack := agent.request(realtime.TypeSend, "s", map[string]any{"conversation_id": id, "body": "during outage"}, realtime.TypeAck)
	if decode[struct{ Message message }](t, ack.Data).Message.Seq != 2 {
		t.Fatalf("ack %s", ack.Data)
	}
	// Every attempt fails (5 attempts, about 0.4 s of backoff) and the
	// event is dropped; once the broker works again the session catches
	// up from the store.
	eventually(t, "event dropped", func() bool {
		return strings.Contains(e.logs.String(), `"topic":"`+hub.TopicConversation(id)+`","attempts":5,"message":"publish failed: event dropped"`)
	})
	fb.fail.Store(false)
	e.say(a.actor, id, "after outage", false)
	resume := agent.waitFor(realtime.TypeResume, "")
	if r := decode[struct{ Reason string }](t, resume.Data); r.Reason != "publish_lost" {
		t.Errorf("resume %s", resume.Data)
	}
	// Messages before and after the resume frame, in order, once each.
	agent.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
	_, before := agent.until(realtime.TypeHistory, "end")
	var got []message
	for _, f := range before {
		if f.Type == hub.EventMessageCreated {
			got = append(got, decode[message](t, f.Data))
		}
	}
	if bodies(got) != "2:during outage,3:after outage" {
		t.Errorf("messages: %s", bodies(got))
	}
}
