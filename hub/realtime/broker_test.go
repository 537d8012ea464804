package realtime_test

import (
	"context"
	"errors"
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
