package hub

import "context"

// Broker carries events between the nodes of a cluster. It is the fast path,
// never the source of truth: delivery is best effort, and when a node may
// have missed messages its BrokerHandler.HandleReset runs so that clients
// resume from the Store.
//
// Ordering: messages published to one topic by one node arrive at every
// subscribed node in publish order.
type Broker interface {
	// Publish sends payload to every node subscribed to topic, including
	// this one. EUnavailable when the broker cannot be reached.
	Publish(ctx context.Context, topic string, payload []byte) error
	// PublishBatch publishes pubs as if Publish were called for each, in
	// order, but in one round trip where the broker can: messages of one
	// topic arrive in their order in pubs, and after those of earlier
	// calls (brokertest's BatchOrder). EUnavailable when the broker cannot
	// be reached; then any of pubs may have been published already, so a
	// caller that tries again may deliver some twice (receivers already
	// drop what they saw: a broker's own retry can do the same).
	PublishBatch(ctx context.Context, pubs []Publication) error
	// Subscribe adds topics to the node's subscription; once it returns,
	// messages published to them are delivered. Subscribing to a topic
	// twice is the same as once (callers reference-count).
	Subscribe(ctx context.Context, topics ...string) error
	// Unsubscribe removes topics from the node's subscription.
	Unsubscribe(ctx context.Context, topics ...string) error
	// Close stops delivery and releases connections.
	Close() error
}

// Publication is one message of a Broker.PublishBatch.
type Publication struct {
	Topic   string
	Payload []byte
}

// BrokerHandler receives what a Broker delivers. Calls come from one
// goroutine, in order, and must not block.
type BrokerHandler interface {
	HandleMessage(topic string, payload []byte)
	// HandleReset runs after the subscription was lost and re-established:
	// messages published in between may be lost.
	HandleReset()
}

// BrokerIdler is a BrokerHandler told when it has handled the messages
// that arrived together: both brokers call HandleIdle, on the handler's
// goroutine, when nothing more is queued for it, and at least every
// IdleEvery messages under a steady stream. The realtime node starts its
// sockets' writers then, so that the frames of a batch leave each socket
// in one write.
type BrokerIdler interface {
	HandleIdle()
}

// IdleEvery bounds how many messages a BrokerIdler handles between two
// HandleIdle calls.
const IdleEvery = 16

// Publisher is the part of a Broker the Service needs.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}
