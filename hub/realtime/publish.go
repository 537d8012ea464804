// The node as a hub.Publisher: events are queued and one goroutine
// publishes them to the broker in order, retrying a failing broker.

package realtime

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
)

type publication struct {
	topic   string
	payload []byte
}

// Publish queues payload for topic and returns at once: one goroutine
// publishes the queue in order, retrying a failing broker a few times, so
// a broker hiccup neither fails nor slows the caller and this node's events
// keep their order. EUnavailable when the queue is full.
func (n *Node) Publish(_ context.Context, topic string, payload []byte) error {
	select {
	case n.pubq <- publication{topic: topic, payload: payload}:
		return nil
	default:
		n.pubLost.Store(true)
		return hub.Errorf(hub.EUnavailable, "realtime publish queue is full")
	}
}

func (n *Node) runPublisher(b hub.Broker) {
	defer close(n.pubDone)
	for {
		select {
		case p := <-n.pubq:
			n.publishOne(b, p)
		case <-n.pubStop:
			for {
				select {
				case p := <-n.pubq:
					n.publishOne(b, p)
				default:
					return
				}
			}
		}
	}
}

func (n *Node) publishOne(b hub.Broker, p publication) {
	delay := 25 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(n.pubCtx, publishTimeout)
		err := b.Publish(ctx, p.topic, p.payload)
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
			n.log.Error().Err(err).Str("topic", p.topic).Int("attempts", attempt).Msg("publish failed: event dropped")
			return
		}
		n.log.Warn().Err(err).Str("topic", p.topic).Int("attempt", attempt).Msg("publish failed: retrying")
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-n.pubCtx.Done():
			t.Stop()
		}
		delay = min(2*delay, time.Second)
	}
}
