package broker_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/broker/brokertest"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestMemory(t *testing.T) {
	cluster := brokertest.PerTest(func(*testing.T) *broker.MemoryCluster { return broker.NewMemoryCluster() })
	brokertest.Run(t, func(t *testing.T, h hub.BrokerHandler) hub.Broker {
		return broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster(t)})
	})
}

// A handler that stops must not block Publish; what does not fit the queue
// is dropped, counted, and followed by a reset where the gap is.
func TestMemoryFullQueue(t *testing.T) {
	m := metrics.New()
	h := brokertest.NewHandler(t)
	release := make(chan struct{})
	h.Work = func() { <-release }
	b := broker.NewMemory(h, broker.MemoryConfig{QueueSize: 10, Metrics: m})
	t.Cleanup(func() { _ = b.Close() })
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}

	const n = 200
	published := make(chan error, 1)
	go func() {
		for i := range n {
			if err := b.Publish(ctx, "a", []byte(strconv.Itoa(i))); err != nil {
				published <- err
				return
			}
		}
		published <- nil
	}()
	select {
	case err := <-published:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(brokertest.Timeout):
		t.Fatal("publish blocked on a stuck handler")
	}
	close(release)

	var events []brokertest.Event
	for {
		events = append(events, h.Next(t))
		if last := events[len(events)-1]; last.Reset {
			break
		}
	}
	received := brokertest.CheckNoSilentLoss(t, events, n)
	dropped := int(counterValue(t, m.BrokerDrops))
	if dropped == 0 || received+dropped != n {
		t.Fatalf("received %d and dropped %d of %d messages", received, dropped, n)
	}

	// Delivery resumes after the reset.
	if err := b.Publish(ctx, "a", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if e := h.NextMessage(t); string(e.Payload) != "after" {
		t.Fatalf("got %v, want a \"after\"", e)
	}
}

// Unsubscribe stops even messages already queued.
func TestMemoryUnsubscribeDropsQueued(t *testing.T) {
	h := brokertest.NewHandler(t)
	release := make(chan struct{})
	h.Work = func() { <-release }
	b := broker.NewMemory(h, broker.MemoryConfig{})
	t.Cleanup(func() { _ = b.Close() })
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a", "b"); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"a", "a", "a", "b"} {
		if err := b.Publish(ctx, topic, []byte(topic)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Unsubscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	close(release)
	// The first "a" may already be in the handler; the others must not be.
	e := h.NextMessage(t)
	if e.Topic == "a" {
		e = h.NextMessage(t)
	}
	if e.Topic != "b" {
		t.Fatalf("got %v after unsubscribing a, want b", e)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
