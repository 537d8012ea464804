package broker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/broker/brokertest"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/redis/go-redis/v9"
)

// testPrefix is a channel prefix no other test uses, so tests can share one
// Redis and run in parallel.
func testPrefix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "parleytest:" + hex.EncodeToString(b) + ":"
}

// mustRedis returns a Redis broker on url, closed when t ends.
func mustRedis(t testing.TB, h hub.BrokerHandler, url string, cfg broker.RedisConfig) *broker.Redis {
	t.Helper()
	cfg.URL = url
	cfg.Logger = hubtest.Logger(t)
	ctx, cancel := context.WithTimeout(context.Background(), brokertest.Timeout)
	defer cancel()
	b, err := broker.NewRedis(ctx, h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

// mustAdmin returns a plain client for inspecting and disturbing Redis.
func mustAdmin(t testing.TB, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRedis(t *testing.T) {
	url := hubtest.RedisURL(t)
	prefix := brokertest.PerTest(func(t *testing.T) string { return testPrefix(t) })
	brokertest.Run(t, func(t *testing.T, h hub.BrokerHandler) hub.Broker {
		return mustRedis(t, h, url, broker.RedisConfig{Prefix: prefix(t)})
	})
}

func TestRedisUnreachable(t *testing.T) {
	// Port 1 on loopback refuses connections.
	ctx, cancel := context.WithTimeout(context.Background(), brokertest.Timeout)
	defer cancel()
	_, err := broker.NewRedis(ctx, brokertest.NewHandler(t), broker.RedisConfig{URL: "redis://127.0.0.1:1/0"})
	if !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("got %v, want %s", err, hub.EUnavailable)
	}
}

// subscriberIDs returns the CLIENT LIST ids of the connections named name.
func subscriberIDs(t *testing.T, admin *redis.Client, name string) []string {
	t.Helper()
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.Lines(list) {
		fields := map[string]string{}
		for f := range strings.FieldsSeq(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] == name {
			ids = append(ids, fields["id"])
		}
	}
	return ids
}

// oneSubscriber waits until exactly one connection is named name, and
// returns its id: a node holds one subscription connection.
func oneSubscriber(t *testing.T, admin *redis.Client, name string) string {
	t.Helper()
	deadline := time.Now().Add(brokertest.Timeout)
	for {
		ids := subscriberIDs(t, admin, name)
		if len(ids) == 1 {
			return ids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections named %s: %v, want one", name, ids)
		}
		// A killed connection can take a moment to leave CLIENT LIST.
		time.Sleep(20 * time.Millisecond)
	}
}

func publish(t *testing.T, b hub.Broker, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), brokertest.Timeout)
	defer cancel()
	if err := b.Publish(ctx, topic, []byte(payload)); err != nil {
		t.Fatalf("publish %s %q: %v", topic, payload, err)
	}
}

func subscribe(t *testing.T, b hub.Broker, topics ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), brokertest.Timeout)
	defer cancel()
	if err := b.Subscribe(ctx, topics...); err != nil {
		t.Fatalf("subscribe %q: %v", topics, err)
	}
}

func expectMessage(t *testing.T, h *brokertest.Handler, topic, payload string) {
	t.Helper()
	e := h.NextMessage(t)
	if e.Topic != topic || string(e.Payload) != payload {
		t.Fatalf("got %v, want %s %q", e, topic, payload)
	}
}

// Killing the subscription connection makes the node reconnect,
// resubscribe, count the reconnect and call HandleReset; delivery goes on.
func TestRedisReconnectAfterKill(t *testing.T) {
	url := hubtest.RedisURL(t)
	t.Parallel()
	admin := mustAdmin(t, url)
	prefix := testPrefix(t)
	m := metrics.New()
	h := brokertest.NewHandler(t)
	b := mustRedis(t, h, url, broker.RedisConfig{Prefix: prefix, Name: "node1", Metrics: m})
	other := mustRedis(t, brokertest.NewHandler(t), url, broker.RedisConfig{Prefix: prefix, Name: "node2"})
	subscribe(t, b, "a", "b")
	publish(t, other, "a", "before")
	expectMessage(t, h, "a", "before")

	for round := 1; round <= 3; round++ {
		id := oneSubscriber(t, admin, prefix+"node1:subscriber")
		if err := admin.ClientKillByFilter(context.Background(), "ID", id).Err(); err != nil {
			t.Fatal(err)
		}
		// Nothing was published meanwhile: the next call is the reset.
		if e := h.Next(t); !e.Reset {
			t.Fatalf("round %d: got %v, want a reset", round, e)
		}
		if got := counterValue(t, m.BrokerReconnects); got != float64(round) {
			t.Fatalf("round %d: %v reconnects recorded", round, got)
		}
		if newID := oneSubscriber(t, admin, prefix+"node1:subscriber"); newID == id {
			t.Fatalf("round %d: the killed connection %s is still listed", round, id)
		}
		p := "after " + strconv.Itoa(round)
		publish(t, other, "a", p)
		publish(t, other, "b", p)
		expectMessage(t, h, "a", p)
		expectMessage(t, h, "b", p)
	}
	// The node publishes too, and receives its own messages.
	publish(t, b, "a", "own")
	expectMessage(t, h, "a", "own")
}

// A Subscribe racing with the loss of the connection still returns only
// once the topic is subscribed on Redis.
func TestRedisSubscribeDuringReconnect(t *testing.T) {
	url := hubtest.RedisURL(t)
	t.Parallel()
	admin := mustAdmin(t, url)
	prefix := testPrefix(t)
	h := brokertest.NewHandler(t)
	b := mustRedis(t, h, url, broker.RedisConfig{Prefix: prefix, Name: "node1"})
	other := mustRedis(t, brokertest.NewHandler(t), url, broker.RedisConfig{Prefix: prefix, Name: "node2"})
	subscribe(t, b, "a")
	for round := range 5 {
		id := oneSubscriber(t, admin, prefix+"node1:subscriber")
		if err := admin.ClientKillByFilter(context.Background(), "ID", id).Err(); err != nil {
			t.Fatal(err)
		}
		topic := "new" + strconv.Itoa(round)
		subscribe(t, b, topic)
		publish(t, other, topic, "hello")
		// The reset may come before or after the message.
		var gotMessage, gotReset bool
		for !gotMessage || !gotReset {
			e := h.Next(t)
			switch {
			case e.Reset:
				gotReset = true
			case e.Topic == topic && string(e.Payload) == "hello":
				gotMessage = true
			default:
				t.Fatalf("round %d: unexpected %v", round, e)
			}
		}
	}
}

// proxy is a TCP proxy to Redis that can cut or freeze connections, to
// play a Redis that restarts or a network that silently drops traffic.
type proxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	// delay holds back every byte in both directions, like a slow network.
	delay time.Duration

	mu    sync.Mutex
	pairs []*pair
}

type pair struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func startProxy(t *testing.T, redisURL string, delay time.Duration) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: u.Host, delay: delay}
	var wg sync.WaitGroup
	wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		wg.Wait()
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		pr := &pair{client: c, server: s}
		p.mu.Lock()
		p.pairs = append(p.pairs, pr)
		p.mu.Unlock()
		go pr.pipe(s, c, p.delay)
		go pr.pipe(c, s, p.delay)
	}
}

// pipe copies src to dst, delay late, until either fails; a frozen pair
// reads on but forwards nothing, like a black-holed network.
func (pr *pair) pipe(dst, src net.Conn, delay time.Duration) {
	defer pr.close()
	type chunk struct {
		at   time.Time
		data []byte
	}
	chunks := make(chan chunk, 1024)
	go func() {
		defer pr.close()
		for c := range chunks {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.data); err != nil {
				return
			}
		}
	}()
	defer close(chunks)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !pr.frozen.Load() {
			chunks <- chunk{at: time.Now().Add(delay), data: bytes.Clone(buf[:n])}
		}
		if err != nil {
			return
		}
	}
}

func (pr *pair) close() {
	_ = pr.client.Close()
	_ = pr.server.Close()
}

// cut closes every open connection, like a Redis restart.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.pairs {
		pr.close()
	}
	p.pairs = nil
}

// freeze stops forwarding on every open connection without closing it.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.pairs {
		pr.frozen.Store(true)
	}
}

// Subscribe waits for Redis to confirm: over a slow link, a message another
// node publishes right after Subscribe returns still arrives, although it
// reaches Redis sooner than anything this node sends.
func TestRedisSubscribeConfirmedOverSlowLink(t *testing.T) {
	url := hubtest.RedisURL(t)
	t.Parallel()
	_, proxied := startProxy(t, url, 50*time.Millisecond)
	prefix := testPrefix(t)
	h := brokertest.NewHandler(t)
	b := mustRedis(t, h, proxied, broker.RedisConfig{Prefix: prefix})
	other := mustRedis(t, brokertest.NewHandler(t), url, broker.RedisConfig{Prefix: prefix})
	for i := range 10 {
		topic := "t" + strconv.Itoa(i)
		subscribe(t, b, topic)
		publish(t, other, topic, "hello")
		expectMessage(t, h, topic, "hello")
	}
}

// A subscription that goes silent without an error (no reply to the
// health-check ping) is noticed and rebuilt.
func TestRedisHealthCheck(t *testing.T) {
	url := hubtest.RedisURL(t)
	t.Parallel()
	p, proxied := startProxy(t, url, 0)
	prefix := testPrefix(t)
	m := metrics.New()
	h := brokertest.NewHandler(t)
	b := mustRedis(t, h, proxied, broker.RedisConfig{Prefix: prefix, Metrics: m, HealthCheck: 200 * time.Millisecond})
	other := mustRedis(t, brokertest.NewHandler(t), url, broker.RedisConfig{Prefix: prefix})
	subscribe(t, b, "a")
	publish(t, other, "a", "before")
	expectMessage(t, h, "a", "before")

	p.freeze()
	if e := h.Next(t); !e.Reset {
		t.Fatalf("got %v, want a reset", e)
	}
	if got := counterValue(t, m.BrokerReconnects); got != 1 {
		t.Fatalf("%v reconnects recorded, want 1", got)
	}
	publish(t, other, "a", "after")
	expectMessage(t, h, "a", "after")
}

// While Redis is down, Publish and Subscribe fail with EUnavailable; when
// it is back, the node resubscribes, resets and delivers again.
func TestRedisOutage(t *testing.T) {
	url := hubtest.RedisURL(t)
	t.Parallel()
	p, proxied := startProxy(t, url, 0)
	prefix := testPrefix(t)
	m := metrics.New()
	h := brokertest.NewHandler(t)
	b := mustRedis(t, h, proxied, broker.RedisConfig{Prefix: prefix, Metrics: m})
	other := mustRedis(t, brokertest.NewHandler(t), url, broker.RedisConfig{Prefix: prefix})
	subscribe(t, b, "a")

	p.down.Store(true)
	p.cut()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := b.Publish(ctx, "a", []byte("x")); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("publish while down: got %v, want %s", err, hub.EUnavailable)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := b.Subscribe(ctx, "given-up"); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("subscribe while down: got %v, want %s", err, hub.EUnavailable)
	}
	publish(t, other, "a", "lost while down")

	p.down.Store(false)
	if e := h.Next(t); !e.Reset {
		t.Fatalf("got %v, want a reset", e)
	}
	if got := counterValue(t, m.BrokerReconnects); got != 1 {
		t.Fatalf("%v reconnects recorded, want 1", got)
	}
	// The topic whose Subscribe failed was given up.
	subscribe(t, b, "sentinel")
	publish(t, other, "given-up", "no")
	publish(t, other, "a", "back")
	publish(t, other, "sentinel", "end")
	expectMessage(t, h, "a", "back")
	expectMessage(t, h, "sentinel", "end")
	h.ExpectNoMessage(t)
}

// A burst bigger than a slow handler can take: either every message
// arrives, or the drops are counted and a reset sits where they were.
func TestRedisBurst(t *testing.T) {
	url := hubtest.RedisURL(t)
	const n = 20000
	for _, tc := range []struct {
		name      string
		queue     int
		wantDrops bool
	}{
		{"DefaultQueue", 0, false},
		{"SmallQueue", 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prefix := testPrefix(t)
			m := metrics.New()
			h := brokertest.NewHandler(t)
			h.Work = func() { time.Sleep(20 * time.Microsecond) }
			b := mustRedis(t, h, url, broker.RedisConfig{Prefix: prefix, QueueSize: tc.queue, Metrics: m})
			subscribe(t, b, "burst")

			// Pipelined straight into Redis: faster than any Publish loop.
			admin := mustAdmin(t, url)
			ctx := context.Background()
			for start := 0; start < n; start += 1000 {
				_, err := admin.Pipelined(ctx, func(pipe redis.Pipeliner) error {
					for i := start; i < start+1000; i++ {
						pipe.Publish(ctx, prefix+"burst", strconv.Itoa(i))
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}

			var events []brokertest.Event
			received, last := 0, ""
			settled := func() bool {
				dropped := int(counterValue(t, m.BrokerDrops))
				if received+dropped < n {
					return false
				}
				// When the tail was dropped, a reset is owed after it.
				return last == strconv.Itoa(n-1) || events[len(events)-1].Reset
			}
			for !settled() {
				e := h.Next(t)
				events = append(events, e)
				if !e.Reset {
					received++
					last = string(e.Payload)
				}
			}
			h.ExpectNoMessage(t)
			brokertest.CheckNoSilentLoss(t, events, n)
			dropped := int(counterValue(t, m.BrokerDrops))
			t.Logf("received %d, dropped %d", received, dropped)
			if received+dropped != n {
				t.Fatalf("received %d and dropped %d of %d messages", received, dropped, n)
			}
			if tc.wantDrops && dropped == 0 {
				t.Fatal("no drops: the test did not exercise the full queue")
			}
		})
	}
}
