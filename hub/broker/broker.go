// Package broker implements hub.Broker: Memory for a single process (and
// for tests that run several nodes in one process), Redis for a cluster.
//
// Both hand what they receive to one bounded queue per node, drained by one
// goroutine that calls the hub.BrokerHandler, so the handler sees calls from
// one goroutine, in order, and a slow handler never blocks Publish or the
// Redis connection. When the queue is full, messages are dropped and
// counted with metrics.BrokerDropped, and the handler gets HandleReset at
// the place of the gap, so that its clients resume from the store: nothing
// is lost silently (TestMemoryFullQueue, TestRedisBurst).
package broker

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/rs/zerolog"
)

// errClosed is what a closed broker returns from Publish and Subscribe.
func errClosed() error {
	return &hub.Error{Code: hub.EUnavailable, Message: "broker is closed"}
}

// unavailable is an EUnavailable error whose cause, for the log, is
// formatted like fmt.Errorf.
func unavailable(format string, args ...any) error {
	return &hub.Error{Code: hub.EUnavailable, Message: "broker is unavailable", Err: fmt.Errorf(format, args...)}
}

// delivery is one call to make on the handler: a message, or a reset.
type delivery struct {
	topic   string
	payload []byte
	reset   bool
}

// queue is the bounded hand-off between whatever receives messages and the
// one goroutine that calls the handler.
type queue struct {
	items   chan delivery
	metrics *metrics.Metrics
	log     zerolog.Logger

	// mu makes "queue the owed reset, then the item" one step, so that a
	// reset always sits exactly where messages were dropped.
	mu sync.Mutex
	// lost is set when a delivery was dropped and no reset follows it in
	// items yet. Written with mu held; read without it on the fast path.
	lost atomic.Bool
	// dropped counts the messages dropped since the last reset was queued.
	dropped int
}

func newQueue(size int, m *metrics.Metrics, log zerolog.Logger) *queue {
	return &queue{items: make(chan delivery, size), metrics: m, log: log}
}

// push queues d without blocking. When the queue is full, d is dropped and
// counted, and a reset is owed. Until the handler has worked through half
// the queue, later messages are dropped too: resuming at the first free
// slot would make one overload a storm of resets, each sending every client
// back to the store. Then the reset is queued before the message, where the
// gap is; if no message comes, run calls HandleReset once the queue is
// empty.
func (q *queue) push(d delivery) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if d.reset {
		select {
		case q.items <- d:
			// This reset also covers any earlier drop.
			q.endLoss()
		default:
			q.lost.Store(true)
		}
		return
	}
	if q.lost.Load() {
		if len(q.items) > cap(q.items)/2 {
			q.drop()
			return
		}
		select {
		case q.items <- delivery{reset: true}:
			q.endLoss()
		default:
			q.drop()
			return
		}
	}
	select {
	case q.items <- d:
	default:
		q.drop()
	}
}

// drop counts a dropped message; the first of a run is logged.
func (q *queue) drop() {
	q.metrics.BrokerDropped(1)
	if !q.lost.Load() {
		q.log.Warn().Int("queue", cap(q.items)).
			Msg("broker queue full: dropping messages until the handler catches up")
	}
	q.lost.Store(true)
	q.dropped++
}

// endLoss records that the reset owed for dropped messages is on its way.
func (q *queue) endLoss() {
	if q.dropped > 0 {
		q.log.Warn().Int("dropped", q.dropped).
			Msg("broker queue has room again: resetting after dropped messages")
	}
	q.lost.Store(false)
	q.dropped = 0
}

// owesReset reports, and clears, a reset that no queued delivery carries
// while nothing is queued, which is when HandleReset is in the right place.
func (q *queue) owesReset() bool {
	if len(q.items) > 0 || !q.lost.Load() {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) > 0 || !q.lost.Load() {
		return false
	}
	q.endLoss()
	return true
}

// run calls h for each delivery, in queue order, on the calling goroutine,
// until stop is closed. wanted filters out messages for topics unsubscribed
// after the message was queued, so that no delivery for a topic starts once
// Unsubscribe has returned.
// A handler that is a hub.BrokerIdler is told when the queue is empty, and
// every hub.IdleEvery deliveries.
func (q *queue) run(h hub.BrokerHandler, wanted func(topic string) bool, stop <-chan struct{}) {
	idler, _ := h.(hub.BrokerIdler)
	handled := 0
	for {
		select {
		case <-stop:
			return
		case d := <-q.items:
			switch {
			case d.reset:
				h.HandleReset()
			case wanted(d.topic):
				h.HandleMessage(d.topic, d.payload)
			}
		}
		if q.owesReset() {
			h.HandleReset()
		}
		if handled++; idler != nil && (handled >= hub.IdleEvery || len(q.items) == 0) {
			idler.HandleIdle()
			handled = 0
		}
	}
}
