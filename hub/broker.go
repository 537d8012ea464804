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
	// Subscribe adds topics to the node's subscription; once it returns,
	// messages published to them are delivered. Subscribing to a topic
	// twice is the same as once (callers reference-count).
	Subscribe(ctx context.Context, topics ...string) error
	// Unsubscribe removes topics from the node's subscription.
	Unsubscribe(ctx context.Context, topics ...string) error
	// Close stops delivery and releases connections.
	Close() error
}

// BrokerHandler receives what a Broker delivers. Calls come from one
// goroutine, in order, and must not block.
type BrokerHandler interface {
	HandleMessage(topic string, payload []byte)
	// HandleReset runs after the subscription was lost and re-established:
	// messages published in between may be lost.
	HandleReset()
}

// Publisher is the part of a Broker the Service needs.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}
