// The Redis broker: its config, NewRedis, and the hub.Broker methods
// (Publish, PublishBatch, Subscribe, Unsubscribe, Close). Its subscription
// connection is in broker_redis_conn.go.

package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/rs/zerolog"
)

// Defaults of RedisConfig.
const (
	DefaultRedisPrefix      = "parley:"
	DefaultRedisQueueSize   = 10000
	DefaultRedisHealthCheck = time.Second
)

// RedisConfig configures a Redis broker.
type RedisConfig struct {
	// URL of the Redis server: redis://[user:password@]host:port/db, or
	// rediss:// for TLS. Required.
	URL string
	// Prefix is prepended to every channel name so that deployments and
	// tests can share one Redis. Handlers see topics without it. Zero
	// means DefaultRedisPrefix.
	Prefix string
	// Name tells this node's connections apart in CLIENT LIST: they are
	// named Prefix+Name+":subscriber" and Prefix+Name+":publisher", or
	// Prefix+"subscriber" and Prefix+"publisher" when Name is empty.
	Name string
	// QueueSize bounds the messages received from Redis and waiting for the
	// handler; size it for bursts. When it is full, messages are dropped,
	// counted, and followed by HandleReset. Zero means
	// DefaultRedisQueueSize.
	QueueSize int
	// HealthCheck is how long the subscription may be silent before the
	// node pings Redis. With no reply at all for three times as long, the
	// subscription counts as lost and is rebuilt. Zero means
	// DefaultRedisHealthCheck.
	HealthCheck time.Duration
	// Metrics counts drops and reconnects; nil records nothing.
	Metrics *metrics.Metrics
	// Logger reports lost subscriptions and drops; the zero value discards.
	Logger zerolog.Logger
}

// Redis is a hub.Broker over Redis pub/sub, for a cluster of nodes.
//
// Each node holds one subscription connection (one redis.PubSub), named
// "<Prefix><Name>:subscriber" in CLIENT LIST, on which Subscribe and
// Unsubscribe change the set of channels; Publish and PublishBatch use a
// separate connection pool, named "<Prefix><Name>:publisher". One goroutine
// reads the subscription into a bounded queue and another calls the
// handler, so a slow handler never stalls the connection.
//
// Ordering: Redis has handled a Publish or PublishBatch when it returns, so
// the messages one goroutine publishes to a topic reach every subscribed
// node in publish order, and the node keeps the order Redis delivers in up
// to the handler. When the subscription breaks (a read error, or no reply to
// a health-check ping), the node reconnects with backoff, subscribes every
// current topic again and, once Redis has confirmed that, calls HandleReset:
// messages published in between may be lost, never silently
// (TestRedisReconnectAfterKill, TestRedisHealthCheck, TestRedisOutage).
type Redis struct {
	prefix  string
	health  time.Duration
	metrics *metrics.Metrics
	log     zerolog.Logger
	pub     *redis.Client
	sub     *redis.Client
	q       *queue

	// ctx lives as long as the broker; Close cancels it. Writes on the
	// subscription connection use it rather than a caller's context, because
	// a write cut short by one caller's deadline would break the connection
	// for everyone.
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool

	// mu guards the fields below and orders every write on the subscription
	// connection, so that barriers (pings carrying seq) reach Redis in seq
	// order: the pong of barrier n proves Redis has handled every command
	// written before it.
	mu     sync.Mutex
	topics map[string]*subscription // what the node wants, without prefix
	conn   *redisConn               // nil while (re)connecting
	seq    uint64                   // last barrier written
	acked  uint64                   // last barrier whose pong was read on conn
	// changed is closed, and replaced, whenever acked, conn, topics or
	// closed change, to wake Subscribe calls waiting for confirmation.
	changed   chan struct{}
	connected bool // a connection was established before: the next one owes a reset

	reading  sync.WaitGroup // the read loop
	retiring sync.WaitGroup // closing retired connections
	stop     chan struct{}  // stops the delivery goroutine
	stopped  chan struct{}  // closed when the delivery goroutine returned
}

var _ hub.Broker = (*Redis)(nil)

// subscription is one wanted topic.
type subscription struct {
	// seq is the barrier that confirms the topic on the current
	// connection; 0 while no SUBSCRIBE was written on it.
	seq uint64
}

// NewRedis connects to Redis and returns a broker that delivers to h. It
// fails with EUnavailable when Redis cannot be reached within ctx.
func NewRedis(ctx context.Context, h hub.BrokerHandler, cfg RedisConfig) (*Redis, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultRedisQueueSize
	}
	if cfg.HealthCheck <= 0 {
		cfg.HealthCheck = DefaultRedisHealthCheck
	}
	name := cfg.Prefix
	if cfg.Name != "" {
		name += cfg.Name + ":"
	}
	pubOpt, err := redisOptions(cfg.URL, name+"publisher")
	if err != nil {
		return nil, err
	}
	subOpt, err := redisOptions(cfg.URL, name+"subscriber")
	if err != nil {
		return nil, err
	}
	// RESP2 keeps go-redis's RESP3 push-notification processing off the
	// subscription connection: the read loop must see every reply, and
	// every change of connection, itself.
	subOpt.Protocol = 2

	r := &Redis{
		prefix:  cfg.Prefix,
		health:  cfg.HealthCheck,
		metrics: cfg.Metrics,
		log:     cfg.Logger,
		pub:     redis.NewClient(pubOpt),
		sub:     redis.NewClient(subOpt),
		q:       newQueue(cfg.QueueSize, cfg.Metrics, cfg.Logger),
		topics:  map[string]*subscription{},
		changed: make(chan struct{}),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())

	c, err := r.connect(ctx)
	if err == nil {
		err = r.pub.Ping(ctx).Err()
	}
	if err != nil {
		if c != nil {
			_ = c.ps.Close()
		}
		r.cancel()
		_ = r.pub.Close()
		_ = r.sub.Close()
		return nil, unavailable("broker: connect to redis: %w", err)
	}
	r.reading.Add(1)
	go r.run(c)
	go func() {
		defer close(r.stopped)
		r.q.run(h, r.subscribed, r.stop)
	}()
	return r, nil
}

func redisOptions(url, name string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("broker: redis url: %w", err)
	}
	opt.ClientName = connName(name)
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return opt, nil
}

// connName makes name acceptable to CLIENT SETNAME, which refuses spaces
// and special characters.
func connName(name string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return '_'
		}
		return r
	}, name)
}

// Publish sends payload to every node subscribed to topic, including this
// one. Messages one node publishes to a topic arrive in publish order when
// they are published one after the other. EUnavailable when Redis cannot be
// reached or after Close.
func (r *Redis) Publish(ctx context.Context, topic string, payload []byte) error {
	if r.closed.Load() {
		return errClosed()
	}
	if err := r.pub.Publish(ctx, r.prefix+topic, payload).Err(); err != nil {
		return unavailable("broker: publish %s: %w", topic, err)
	}
	return nil
}

// PublishBatch publishes pubs in one go-redis pipeline: every PUBLISH is
// written on one connection, then the replies are read, so the batch costs
// one round trip and Redis handles its messages in the order of pubs
// (brokertest's BatchOrder; BenchmarkRedisPublish measures the round trips
// saved). EUnavailable when Redis cannot be reached or after Close.
func (r *Redis) PublishBatch(ctx context.Context, pubs []hub.Publication) error {
	if r.closed.Load() {
		return errClosed()
	}
	if len(pubs) == 0 {
		return nil
	}
	_, err := r.pub.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range pubs {
			p.Publish(ctx, r.prefix+m.Topic, m.Payload)
		}
		return nil
	})
	if err != nil {
		return unavailable("broker: publish %d messages, the first to %s: %w", len(pubs), pubs[0].Topic, err)
	}
	return nil
}

// Subscribe adds topics to the node's subscription and returns once Redis
// has confirmed them, so a message published after it returns is delivered
// (TestRedisSubscribeConfirmedOverSlowLink). Subscribing to a topic twice is
// the same as once. While Redis is unreachable it waits for the
// reconnection, until ctx is done; it then returns EUnavailable and gives up
// the topics it added that Redis has not confirmed. EUnavailable also after
// Close, or when a concurrent Unsubscribe removed one of the topics first.
func (r *Redis) Subscribe(ctx context.Context, topics ...string) error {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return errClosed()
	}
	want := make([]*subscription, len(topics))
	var fresh []string
	for i, t := range topics {
		s := r.topics[t]
		if s == nil {
			s = &subscription{}
			r.topics[t] = s
			fresh = append(fresh, t)
		}
		want[i] = s
	}
	if c := r.conn; c != nil && len(fresh) > 0 {
		err := c.ps.Subscribe(r.ctx, r.channels(fresh)...)
		var seq uint64
		if err == nil {
			seq, err = r.barrierLocked(c)
		}
		if err != nil {
			// The connection is gone; the next one subscribes every topic.
			r.loseLocked(c, err)
		} else {
			for _, t := range fresh {
				r.topics[t].seq = seq
			}
		}
	}
	r.mu.Unlock()

	err := r.await(ctx, topics, want)
	if err != nil && len(fresh) > 0 {
		r.giveUp(fresh, want, topics)
	}
	return err
}

// await waits until every one of topics is confirmed on the current
// connection.
func (r *Redis) await(ctx context.Context, topics []string, want []*subscription) error {
	for {
		r.mu.Lock()
		if r.closed.Load() {
			r.mu.Unlock()
			return errClosed()
		}
		done := true
		for i, t := range topics {
			s := want[i]
			if r.topics[t] != s {
				r.mu.Unlock()
				return unavailable("broker: topic %s unsubscribed while subscribing", t)
			}
			if s.seq == 0 || s.seq > r.acked {
				done = false
			}
		}
		changed := r.changed
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return unavailable("broker: subscription not confirmed: %w", ctx.Err())
		}
	}
}

// giveUp removes the topics a failed Subscribe added, unless Redis
// confirmed them meanwhile: another caller may rely on those.
func (r *Redis) giveUp(fresh []string, want []*subscription, topics []string) {
	added := map[string]bool{}
	for _, t := range fresh {
		added[t] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var gone []string
	for i, t := range topics {
		s := want[i]
		if added[t] && r.topics[t] == s && (s.seq == 0 || s.seq > r.acked) {
			delete(r.topics, t)
			delete(added, t)
			gone = append(gone, t)
		}
	}
	r.unsubscribeLocked(gone)
}

// Unsubscribe removes topics from the node's subscription: once it
// returns, no delivery for them starts, even of messages already queued.
// It never fails: when the connection cannot take the UNSUBSCRIBE, it is
// rebuilt without the topics.
func (r *Redis) Unsubscribe(_ context.Context, topics ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var gone []string
	for _, t := range topics {
		if _, ok := r.topics[t]; ok {
			delete(r.topics, t)
			gone = append(gone, t)
		}
	}
	r.unsubscribeLocked(gone)
	return nil
}

func (r *Redis) unsubscribeLocked(topics []string) {
	if len(topics) == 0 {
		// Also guards PubSub.Unsubscribe, which with no channels drops all.
		return
	}
	r.broadcastLocked()
	if c := r.conn; c != nil {
		if err := c.ps.Unsubscribe(r.ctx, r.channels(topics)...); err != nil {
			r.loseLocked(c, err)
		}
	}
}

// Close stops delivery, waiting for a handler call in progress (do not call
// it from the handler), and closes the connections. Closing twice is
// harmless.
func (r *Redis) Close() error {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return nil
	}
	r.closed.Store(true)
	// Cancelled with mu held, so that a connect that sees closed also sees
	// the context done and the read loop stops at once.
	r.cancel()
	c := r.conn
	r.conn = nil
	r.broadcastLocked()
	r.mu.Unlock()

	if c != nil {
		// Unblocks the read loop.
		_ = c.ps.Close()
	}
	r.reading.Wait()
	r.retiring.Wait()
	close(r.stop)
	<-r.stopped
	return errors.Join(r.pub.Close(), r.sub.Close())
}

func (r *Redis) subscribed(topic string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.topics[topic]
	return ok
}

func (r *Redis) channels(topics []string) []string {
	chans := make([]string, len(topics))
	for i, t := range topics {
		chans[i] = r.prefix + t
	}
	return chans
}
