// The node as a hub.Publisher: events are queued and one goroutine
// publishes them to the broker in order, in batches of what is queued,
// retrying a failing broker.

package realtime

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
)

// The publisher's batch: at most publishBatch events, and it stops growing
// once it holds publishBatchBytes of payload. The caps bound what one
// failed attempt sends again and how long one attempt may take
// (publishTimeout), not the latency of the first event: it never waits
// for more.
const (
	publishBatch      = 128
	publishBatchBytes = 256 << 10
)

// Publish queues payload for topic and returns at once: one goroutine
// publishes the queue in order, retrying a failing broker a few times, so
// a broker hiccup neither fails nor slows the caller and this node's events
// keep their order. EUnavailable when the queue is full.
func (n *Node) Publish(_ context.Context, topic string, payload []byte) error {
	select {
	case n.pubq <- hub.Publication{Topic: topic, Payload: payload}:
		return nil
	default:
		n.pubLost.Store(true)
		return hub.Errorf(hub.EUnavailable, "realtime publish queue is full")
	}
}

// runPublisher publishes the queue in batches: it waits for one event,
// takes whatever else is queued by then (up to the caps) and publishes
// them with one PublishBatch, one round trip on Redis
// (TestPublishBatchesWhatIsQueued, TestPublishBatchBytes). Under load the
// events of a message and of its neighbours share a round trip; alone, an
// event goes out at once, since takeQueued never waits for more. On
// pubStop it publishes what is left, then returns.
func (n *Node) runPublisher(b hub.Broker) {
	defer close(n.pubDone)
	batch := make([]hub.Publication, 0, publishBatch)
	for {
		select {
		case p := <-n.pubq:
			batch = n.takeQueued(append(batch, p))
			n.publishBatch(b, batch)
		case <-n.pubStop:
			for {
				if batch = n.takeQueued(batch); len(batch) == 0 {
					return
				}
				n.publishBatch(b, batch)
				batch = reuse(batch)
			}
		}
		batch = reuse(batch)
	}
}

// takeQueued appends to batch what is queued, without waiting, up to the
// caps.
func (n *Node) takeQueued(batch []hub.Publication) []hub.Publication {
	size := 0
	for _, p := range batch {
		size += len(p.Payload)
	}
	for len(batch) < publishBatch && size < publishBatchBytes {
		select {
		case p := <-n.pubq:
			batch = append(batch, p)
			size += len(p.Payload)
		default:
			return batch
		}
	}
	return batch
}

// reuse empties batch for the next one, letting go of the payloads.
func reuse(batch []hub.Publication) []hub.Publication {
	clear(batch)
	return batch[:0]
}

// publishBatch publishes batch, trying the whole batch again with backoff
// while the broker fails, up to publishAttempts times; then the events are
// dropped, each logged, and pubLost is set. The first batch published
// after a loss resets the local sessions (ReasonPublishLost), so that
// their clients catch up from the store (TestPublishRetriesBatch,
// TestPublishRetriesAndResumesAfterBrokerFailure). A batch that failed
// may have been partly published: trying it again can deliver an event
// twice, which sessions tolerate (hub.Broker.PublishBatch).
func (n *Node) publishBatch(b hub.Broker, batch []hub.Publication) {
	delay := 25 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(n.pubCtx, publishTimeout)
		err := b.PublishBatch(ctx, batch)
		cancel()
		if err == nil {
			if n.pubLost.Swap(false) {
				// Events were lost while publishing failed: local clients
				// catch up from the store. (Remote nodes see their own
				// broker reset, or fill gaps on the next message.)
				n.resetSessions(ReasonPublishLost)
			}
			return
		}
		if attempt == publishAttempts || n.pubCtx.Err() != nil {
			n.pubLost.Store(true)
			for _, p := range batch {
				n.log.Error().Err(err).Str("topic", p.Topic).Int("attempts", attempt).Msg("publish failed: event dropped")
			}
			return
		}
		n.log.Warn().Err(err).Str("topic", batch[0].Topic).Int("events", len(batch)).Int("attempt", attempt).Msg("publish failed: retrying")
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-n.pubCtx.Done():
			t.Stop()
		}
		delay = min(2*delay, time.Second)
	}
}
