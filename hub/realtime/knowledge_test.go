package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/realtime"
)

// TestKnowledgeChangedAcrossNodes: a knowledge write on one node reaches
// Config.KnowledgeChanged on every node of the cluster, the writer's too,
// with the site's new knowledge version; clients never hear it.
func TestKnowledgeChangedAcrossNodes(t *testing.T) {
	t.Parallel()
	cluster := broker.NewMemoryCluster()
	inCluster := withBroker(func(h hub.BrokerHandler) hub.Broker {
		return broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster})
	})
	heard1, heard2 := make(chan hub.KnowledgeChange, 8), make(chan hub.KnowledgeChange, 8)
	listen := func(c chan hub.KnowledgeChange) envOption {
		return withConfig(func(cfg *realtime.Config) {
			cfg.KnowledgeChanged = func(k hub.KnowledgeChange) { c <- k }
		})
	}
	e1 := newEnv(t, inCluster, listen(heard1))
	e2 := newEnv(t, inCluster, withStore(e1.db), listen(heard2))
	a := e1.newAccount()
	agent := e2.agent(a)

	ctx := context.Background()
	if _, err := e1.svc.CreateKnowledgeEntry(ctx, a.actor, hub.NewKnowledgeEntry{SiteID: a.site.ID,
		Kind: hub.KnowledgeQA, Title: "Delivery", Body: "Two days."}); err != nil {
		t.Fatal(err)
	}
	v, err := e1.db.KnowledgeVersion(ctx, a.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := hub.KnowledgeChange{SiteID: a.site.ID, Version: v}
	for i, c := range []chan hub.KnowledgeChange{heard1, heard2} {
		select {
		case got := <-c:
			if got != want {
				t.Errorf("node %d heard %+v, want %+v", i+1, got, want)
			}
		case <-time.After(testTimeout):
			t.Fatalf("node %d did not hear the change", i+1)
		}
	}
	agent.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": 0})
	_, before := agent.until("", "end")
	for _, f := range before {
		if f.Type == hub.EventKnowledgeChanged {
			t.Fatalf("an agent heard %s", f.Data)
		}
	}
}
