package broker

import (
	"bytes"
	"context"
	"sync"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/rs/zerolog"
)

// DefaultMemoryQueueSize is the delivery queue of a Memory broker when
// MemoryConfig.QueueSize is zero.
const DefaultMemoryQueueSize = 4096

// MemoryConfig configures a Memory broker. The zero value is ready to use.
type MemoryConfig struct {
	// QueueSize bounds the messages waiting for the handler. When it is
	// full, messages are dropped, counted, and followed by HandleReset.
	// Zero means DefaultMemoryQueueSize.
	QueueSize int
	// Cluster connects this broker to the other Memory brokers of the
	// cluster, as if they were nodes sharing a Redis. Nil means a cluster
	// of its own: a single node.
	Cluster *MemoryCluster
	// Metrics counts dropped messages; nil records nothing.
	Metrics *metrics.Metrics
	// Logger reports dropped messages; the zero value discards.
	Logger zerolog.Logger
}

// MemoryCluster is the shared bus of Memory brokers in one process: a
// message published on any member reaches every member subscribed to its
// topic. It lets tests run several nodes in one process.
type MemoryCluster struct {
	mu      sync.RWMutex
	members map[*Memory]struct{}
}

// NewMemoryCluster returns an empty cluster; pass it as
// MemoryConfig.Cluster to each Memory broker that should join it.
func NewMemoryCluster() *MemoryCluster {
	return &MemoryCluster{members: map[*Memory]struct{}{}}
}

func (c *MemoryCluster) join(m *Memory) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members[m] = struct{}{}
}

func (c *MemoryCluster) leave(m *Memory) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.members, m)
}

func (c *MemoryCluster) publish(topic string, payload []byte) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for m := range c.members {
		m.offer(topic, payload)
	}
}

// Memory is the in-process hub.Broker, the default of a single binary.
//
// Ordering: messages published to one topic by one goroutine reach every
// subscribed member in publish order. Publish never waits for a handler:
// each member queues what it receives and one goroutine per member calls
// its handler.
type Memory struct {
	cluster *MemoryCluster
	q       *queue

	mu     sync.RWMutex
	topics map[string]struct{}
	closed bool

	stop chan struct{}
	done chan struct{}
}

var _ hub.Broker = (*Memory)(nil)

// NewMemory returns a Memory broker that delivers to h, and starts its
// delivery goroutine; Close stops it.
func NewMemory(h hub.BrokerHandler, cfg MemoryConfig) *Memory {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultMemoryQueueSize
	}
	if cfg.Cluster == nil {
		cfg.Cluster = NewMemoryCluster()
	}
	m := &Memory{
		cluster: cfg.Cluster,
		q:       newQueue(cfg.QueueSize, cfg.Metrics, cfg.Logger),
		topics:  map[string]struct{}{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	m.cluster.join(m)
	go func() {
		defer close(m.done)
		m.q.run(h, m.subscribed, m.stop)
	}()
	return m
}

// Publish queues payload for every member subscribed to topic, including
// this one, and returns without waiting for any handler. The payload is
// copied once and shared by the members: handlers must not modify it.
// EUnavailable after Close.
func (m *Memory) Publish(_ context.Context, topic string, payload []byte) error {
	if m.isClosed() {
		return errClosed()
	}
	m.cluster.publish(topic, bytes.Clone(payload))
	return nil
}

// PublishBatch publishes pubs as Publish does, one after the other, in
// their order. EUnavailable after Close.
func (m *Memory) PublishBatch(_ context.Context, pubs []hub.Publication) error {
	if m.isClosed() {
		return errClosed()
	}
	for _, p := range pubs {
		m.cluster.publish(p.Topic, bytes.Clone(p.Payload))
	}
	return nil
}

func (m *Memory) isClosed() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.closed
}

// offer queues a published message if this member is subscribed to topic.
func (m *Memory) offer(topic string, payload []byte) {
	if m.subscribed(topic) {
		m.q.push(delivery{topic: topic, payload: payload})
	}
}

func (m *Memory) subscribed(topic string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.topics[topic]
	return ok && !m.closed
}

// Subscribe adds topics; messages published after it returns are
// delivered. Subscribing twice is the same as once. EUnavailable after
// Close.
func (m *Memory) Subscribe(_ context.Context, topics ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed()
	}
	for _, t := range topics {
		m.topics[t] = struct{}{}
	}
	return nil
}

// Unsubscribe removes topics: once it returns, no delivery for them
// starts, even of messages already queued. It never fails.
func (m *Memory) Unsubscribe(_ context.Context, topics ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range topics {
		delete(m.topics, t)
	}
	return nil
}

// Close leaves the cluster and stops the delivery goroutine, waiting for a
// handler call in progress: do not call it from the handler. Queued
// messages are discarded. Closing twice is harmless.
func (m *Memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cluster.leave(m)
	close(m.stop)
	<-m.done
	return nil
}
