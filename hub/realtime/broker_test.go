package realtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
)

func newMemoryBroker(h hub.BrokerHandler) hub.Broker {
	return broker.NewMemory(h, broker.MemoryConfig{})
}

// flakyBroker is a broker whose Publish can be made to fail, as Redis does
// during an outage.
type flakyBroker struct {
	hub.Broker
	fail atomic.Bool
}

var errBrokerDown = errors.New("broker down")

func (b *flakyBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.fail.Load() {
		return errBrokerDown
	}
	return b.Broker.Publish(ctx, topic, payload)
}

func (b *flakyBroker) PublishBatch(ctx context.Context, pubs []hub.Publication) error {
	if b.fail.Load() {
		return errBrokerDown
	}
	return b.Broker.PublishBatch(ctx, pubs)
}

// heldBroker holds every publish while held is set, until release: the
// events of a write then reach the sessions after its ack, every time.
type heldBroker struct {
	hub.Broker
	mu      sync.Mutex
	held    bool
	release chan struct{}
}

func (b *heldBroker) hold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held, b.release = true, make(chan struct{})
}

func (b *heldBroker) let() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held {
		b.held = false
		close(b.release)
	}
}

func (b *heldBroker) wait(ctx context.Context) error {
	b.mu.Lock()
	held, release := b.held, b.release
	b.mu.Unlock()
	if !held {
		return nil
	}
	select {
	case <-release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *heldBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := b.wait(ctx); err != nil {
		return err
	}
	return b.Broker.Publish(ctx, topic, payload)
}

func (b *heldBroker) PublishBatch(ctx context.Context, pubs []hub.Publication) error {
	if err := b.wait(ctx); err != nil {
		return err
	}
	return b.Broker.PublishBatch(ctx, pubs)
}
