package realtime_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/parley-chat/parley/hub/realtime"
)

// ignoreBroker is a handler for a broker whose messages nobody receives:
// the test hands the node its broker messages itself.
type ignoreBroker struct{}

func (ignoreBroker) HandleMessage(string, []byte) {}
func (ignoreBroker) HandleReset()                 {}

// TestFramesOfABatchLeaveInOneWrite: the events of the broker messages a
// node handles together (until the broker's HandleIdle) reach each socket
// in one write, in their order (docs/architecture.md "A message, end to end").
func TestFramesOfABatchLeaveInOneWrite(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.Metrics = m }),
		withBroker(func(hub.BrokerHandler) hub.Broker { return newMemoryBroker(ignoreBroker{}) }))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	agent := e.agent(a)
	subscribe(t, agent, id, 1)

	frames, writes := m.FramesOut.WithLabelValues("agent"), m.SocketWrites.WithLabelValues("agent")
	frames0, writes0 := counterValue(t, frames), counterValue(t, writes)
	payload := func(evs ...hub.Event) []byte {
		var enc [][]byte
		for _, ev := range evs {
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			enc = append(enc, b)
		}
		return hub.EncodeEvents(enc)
	}
	msg := func(seq int64) hub.Event {
		return hub.Event{Type: hub.EventMessageCreated, TenantID: a.tenant.ID, ConversationID: id, Seq: seq,
			Data: json.RawMessage(`{"seq":` + strconv.FormatInt(seq, 10) + `,"body":"b"}`)}
	}
	// The node's broker handler runs on one goroutine; here it is this one.
	e.node.HandleMessage(hub.TopicConversation(id), payload(msg(2)))
	e.node.HandleMessage(hub.TopicInbox(a.tenant.ID), payload(hub.Event{Type: hub.EventConversationUpdated,
		TenantID: a.tenant.ID, ConversationID: id, Version: 1 << 40, Data: json.RawMessage(`{"id":1}`)}))
	e.node.HandleMessage(hub.TopicConversation(id), payload(msg(3)))
	e.node.HandleIdle()

	var got []string
	for len(got) < 3 {
		f := agent.next()
		got = append(got, f.Type)
	}
	want := []string{hub.EventMessageCreated, hub.EventConversationUpdated, hub.EventMessageCreated}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("frames %v, want %v", got, want)
		}
	}
	if f, w := counterValue(t, frames)-frames0, counterValue(t, writes)-writes0; f != 3 || w != 1 {
		t.Fatalf("%v frames went out in %v writes, want 3 in 1", f, w)
	}
}
