package realtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/realtime"
)

// TestTwoNodes runs two nodes on one store and one memory cluster: a visitor
// on one and an agent on the other talk live, and each sees every message
// once, in order.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	cluster := broker.NewMemoryCluster()
	inCluster := withBroker(func(h hub.BrokerHandler) hub.Broker {
		return broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster})
	})
	e1 := newEnv(t, inCluster)
	e2 := newEnv(t, inCluster, withStore(e1.db))
	if e1.node.NodeID() == e2.node.NodeID() {
		t.Fatal("two nodes with one id")
	}
	a := e1.newAccount()
	conv := startConversation(t, e1, a)
	id := conv.conv.ID

	visitor := e1.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 1)
	agent := e2.agent(a)
	if _, ms := subscribe(t, agent, id, 0); bodies(ms) != "1:hello, anyone there?" {
		t.Fatalf("agent subscribed: %s", bodies(ms))
	}

	for i := range 5 {
		agent.request(realtime.TypeSend, fmt.Sprintf("a%d", i), map[string]any{"conversation_id": id, "body": fmt.Sprintf("agent %d", i)}, realtime.TypeAck)
		visitor.request(realtime.TypeSend, fmt.Sprintf("v%d", i), map[string]any{"conversation_id": id, "body": fmt.Sprintf("visitor %d", i)}, realtime.TypeAck)
	}
	want := ""
	for i := range 5 {
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf("%d:agent %d,%d:visitor %d", 2*i+2, i, 2*i+3, i)
	}
	if got := bodies(visitor.messages(10)); got != want {
		t.Errorf("visitor on node 1:\n got %s\nwant %s", got, want)
	}
	if got := bodies(agent.messages(10)); got != want {
		t.Errorf("agent on node 2:\n got %s\nwant %s", got, want)
	}
	for _, c := range []*client{agent, visitor} {
		c.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id})
		c.noMessageBefore("end")
	}

	// Both nodes answer their probe through the shared cluster.
	for _, e := range []*env{e1, e2} {
		ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
		if err := e.node.Probe(ctx); err != nil {
			t.Errorf("probe %s: %v", e.node.NodeID(), err)
		}
		cancel()
	}
}
