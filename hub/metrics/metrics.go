// Package metrics holds Parley's Prometheus collectors. Every name is
// prefixed parley_. Components take a *Metrics; a nil *Metrics is valid and
// records nothing, so tests need not build one.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collectors of one node.
type Metrics struct {
	Registry *prometheus.Registry

	Connections       *prometheus.GaugeVec   // by kind: visitor, agent
	FramesIn          *prometheus.CounterVec // by kind
	FramesOut         *prometheus.CounterVec // by kind
	SocketWrites      *prometheus.CounterVec // by kind; frames out / socket writes is frames a write
	MessagesPersisted prometheus.Counter
	DeliverLatency    prometheus.Histogram // publish to delivery, seconds
	BrokerReconnects  prometheus.Counter
	BrokerDrops       prometheus.Counter
	SlowConsumers     prometheus.Counter
	StoreErrors       prometheus.Counter
}

// New creates the collectors and registers them, with the Go and process
// collectors, on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_connections_open", Help: "Open websocket connections by kind.",
		}, []string{"kind"}),
		FramesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_frames_in_total", Help: "Websocket frames received by kind.",
		}, []string{"kind"}),
		FramesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_frames_out_total", Help: "Websocket frames sent by kind.",
		}, []string{"kind"}),
		SocketWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_socket_writes_total", Help: "Writes of queued websocket frames to sockets by kind (several frames queued together leave in one write).",
		}, []string{"kind"}),
		MessagesPersisted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_messages_persisted_total", Help: "Messages committed to the store.",
		}),
		DeliverLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parley_publish_to_deliver_seconds",
			Help:    "Time from publishing an event to handing it to local sessions.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		BrokerReconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_broker_reconnects_total", Help: "Broker subscription re-establishments.",
		}),
		BrokerDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_broker_dropped_total", Help: "Broker messages dropped because the node could not keep up.",
		}),
		SlowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_slow_consumer_disconnects_total", Help: "Websockets closed because their send queue was full.",
		}),
		StoreErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_store_errors_total", Help: "Store operations that failed for a reason other than the caller's input.",
		}),
	}
	m.Registry.MustRegister(
		prometheus.NewGoCollector(),
		prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}),
		m.Connections, m.FramesIn, m.FramesOut, m.SocketWrites, m.MessagesPersisted, m.DeliverLatency,
		m.BrokerReconnects, m.BrokerDrops, m.SlowConsumers, m.StoreErrors,
	)
	return m
}

// ConnOpened records a new connection of kind.
func (m *Metrics) ConnOpened(kind string) {
	if m != nil {
		m.Connections.WithLabelValues(kind).Inc()
	}
}

// ConnClosed records a closed connection of kind.
func (m *Metrics) ConnClosed(kind string) {
	if m != nil {
		m.Connections.WithLabelValues(kind).Dec()
	}
}

// FrameIn records a received frame.
func (m *Metrics) FrameIn(kind string) {
	if m != nil {
		m.FramesIn.WithLabelValues(kind).Inc()
	}
}

// FramesWritten records one write of n frames to a socket of kind.
func (m *Metrics) FramesWritten(kind string, n int) {
	if m != nil && n > 0 {
		m.FramesOut.WithLabelValues(kind).Add(float64(n))
		m.SocketWrites.WithLabelValues(kind).Inc()
	}
}

// Delivered records the latency of an event published at publishedAt.
func (m *Metrics) Delivered(publishedAt time.Time) {
	if m != nil && !publishedAt.IsZero() {
		m.DeliverLatency.Observe(time.Since(publishedAt).Seconds())
	}
}

// MessagePersisted records a committed message.
func (m *Metrics) MessagePersisted() {
	if m != nil {
		m.MessagesPersisted.Inc()
	}
}

// BrokerReconnected records a re-established broker subscription.
func (m *Metrics) BrokerReconnected() {
	if m != nil {
		m.BrokerReconnects.Inc()
	}
}

// BrokerDropped records n dropped broker messages.
func (m *Metrics) BrokerDropped(n int) {
	if m != nil {
		m.BrokerDrops.Add(float64(n))
	}
}

// SlowConsumer records a slow-consumer disconnect.
func (m *Metrics) SlowConsumer() {
	if m != nil {
		m.SlowConsumers.Inc()
	}
}

// StoreError records a failed store operation.
func (m *Metrics) StoreError() {
	if m != nil {
		m.StoreErrors.Inc()
	}
}
