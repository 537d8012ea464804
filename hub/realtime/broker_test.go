package realtime_test

import (
	"context"
	"errors"
	"sync"

	"github.com/parley-chat/parley/hub"
)

// fakeBroker is a single-node broker: one goroutine delivers in publish
// order to the handler. It can be made to fail.
type fakeBroker struct {
	h    hub.BrokerHandler
	mu   sync.Mutex
	subs map[string]bool
	q    chan [2]any
	fail bool
	done chan struct{}
	once sync.Once
}

func newMemoryBroker(h hub.BrokerHandler) hub.Broker {
	b := &fakeBroker{h: h, subs: map[string]bool{}, q: make(chan [2]any, 1<<16), done: make(chan struct{})}
	go func() {
		for {
			select {
			case m := <-b.q:
				b.mu.Lock()
				ok := b.subs[m[0].(string)]
				b.mu.Unlock()
				if ok {
					h.HandleMessage(m[0].(string), m[1].([]byte))
				}
			case <-b.done:
				return
			}
		}
	}()
	return b
}

var errBrokerDown = errors.New("broker down")

func (b *fakeBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	b.mu.Lock()
	fail := b.fail
	b.mu.Unlock()
	if fail {
		return errBrokerDown
	}
	select {
	case <-b.done:
		return errBrokerDown
	case b.q <- [2]any{topic, payload}:
		return nil
	}
}

func (b *fakeBroker) Subscribe(ctx context.Context, topics ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range topics {
		b.subs[t] = true
	}
	return nil
}

func (b *fakeBroker) Unsubscribe(ctx context.Context, topics ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range topics {
		delete(b.subs, t)
	}
	return nil
}

func (b *fakeBroker) Close() error {
	b.once.Do(func() { close(b.done) })
	return nil
}
