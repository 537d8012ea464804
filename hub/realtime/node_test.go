package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/parley-chat/parley/hub/realtime"
)

// smallReadBufferClient dials with a 4 KiB socket receive buffer, so that a
// client that stops reading backs the server up quickly.
func smallReadBufferClient() *http.Client {
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func counterValue(t *testing.T, c interface{ Write(*dto.Metric) error }) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestSlowConsumerDisconnectedOthersUnaffected(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SendQueue = 8; c.Metrics = m }))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID

	slow := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, client: smallReadBufferClient(),
		header: http.Header{"Cookie": {"parley_session=" + a.token}}})
	slow.waitFor(realtime.TypeAuthOK, "")
	subscribe(t, slow, id, 1)
	// From here on, slow never reads.

	fast := e.agent(a)
	subscribe(t, fast, id, 1)
	got := make(chan int64, 16)
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := fast.read(testTimeout)
			if err != nil {
				readErr <- err
				return
			}
			if f.Type == hub.EventMessageCreated {
				var m message
				if err := json.Unmarshal(f.Data, &m); err != nil {
					readErr <- err
					return
				}
				got <- m.Seq
			}
		}
	}()
	// say sends a message and waits until the fast client has it: the
	// fast client keeps up, the slow one falls behind.
	say := func(body string) {
		t.Helper()
		m := e.say(a.actor, id, body, false)
		select {
		case seq := <-got:
			if seq != m.Seq {
				t.Fatalf("fast client got seq %d, want %d", seq, m.Seq)
			}
		case err := <-readErr:
			t.Fatalf("fast client: %v", err)
		}
	}

	body := strings.Repeat("x", hub.MaxBodyBytes)
	deadline := time.Now().Add(20 * time.Second)
	n := 0
	for counterValue(t, m.SlowConsumers) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no slow consumer after %d messages", n)
		}
		say(body)
		n++
	}
	// The slow socket is gone on the server without the client reading.
	eventually(t, "slow session closed", func() bool { return e.node.Sessions() == 1 })
	for range 3 {
		say("after")
	}
	if got := counterValue(t, m.SlowConsumers); got != 1 {
		t.Errorf("slow consumers %v", got)
	}
	t.Logf("slow consumer after %d messages", n)
	// The slow client finds its socket closed once it reads again.
	slow.closeStatus(testTimeout)
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	for _, prepare := range []bool{true, false} {
		name := "prepared"
		if !prepare {
			name = "without prepare"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			if !prepare {
				opts = append(opts, withoutPrepare())
			}
			e := newEnv(t, opts...)
			a := e.newAccount()
			conv := startConversation(t, e, a)
			agent := e.agent(a)
			visitor := e.visitor(a.site, conv.visitorToken)
			// One socket that never authenticates.
			anon := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})

			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			shutdown := make(chan error, 1)
			go func() { shutdown <- e.node.Shutdown(ctx) }()
			// Clients read (and so answer the close handshake) while
			// the node shuts down.
			for _, c := range []*client{agent, visitor, anon} {
				if code := c.closeStatus(testTimeout); code != websocket.StatusGoingAway {
					t.Errorf("close status %d, want 1001", code)
				}
			}
			if err := <-shutdown; err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			if n := e.node.Sessions(); n != 0 {
				t.Errorf("%d sessions after shutdown", n)
			}
			_, resp, err := e.dial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
			if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("dial after shutdown: %v %v", resp, err)
			}
		})
	}
}

func TestPingKeepsIdleConnectionAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) {
		c.PingInterval = 20 * time.Millisecond
		c.PongTimeout = time.Second
	}))
	a := e.newAccount()
	var pings atomic.Int64
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + a.token}},
		opts: &websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true }}})
	c.waitFor(realtime.TypeAuthOK, "")
	// Reading answers pings; the client sends nothing until 10 pings.
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := c.read(2 * testTimeout)
			if err != nil || f.ID == "alive" {
				readErr <- err
				return
			}
		}
	}()
	eventually(t, "10 pings", func() bool { return pings.Load() >= 10 })
	c.send(realtime.TypeHistory, "alive", map[string]any{"conversation_id": 1})
	if err := <-readErr; err != nil {
		t.Fatalf("idle connection: %v after %d pings", err, pings.Load())
	}
	c.expectError(realtime.TypeHistory, "still", map[string]any{"conversation_id": 1}, hub.ENotFound)
	if n := e.node.Sessions(); n != 1 {
		t.Errorf("%d sessions", n)
	}
}

// slowStore makes FindMessages slow while slow is set.
type slowStore struct {
	hub.Store
	slow  atomic.Bool
	delay time.Duration
}

func (s *slowStore) FindMessages(ctx context.Context, f hub.MessageFilter) ([]*hub.Message, error) {
	if s.slow.Load() {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.FindMessages(ctx, f)
}

// TestBusyReaderIsNotADeadPeer: while the reader waits on a slow store it
// reads no pongs; the connection must survive that.
func TestBusyReaderIsNotADeadPeer(t *testing.T) {
	t.Parallel()
	var store *slowStore
	e := newEnv(t, withConfig(func(c *realtime.Config) {
		c.PingInterval = 20 * time.Millisecond
		c.PongTimeout = 150 * time.Millisecond
	}), withStoreWrapper(func(s hub.Store) hub.Store {
		store = &slowStore{Store: s, delay: time.Second}
		return store
	}))
	a := e.newAccount()
	conv := startConversation(t, e, a)
	c := e.agent(a)
	store.slow.Store(true)
	h := c.request(realtime.TypeHistory, "slow", map[string]any{"conversation_id": conv.conv.ID}, realtime.TypeHistory)
	store.slow.Store(false)
	if ms := decode[struct{ Messages []message }](t, h.Data).Messages; len(ms) != 1 {
		t.Errorf("history %s", h.Data)
	}
	c.request(realtime.TypeHistory, "after", map[string]any{"conversation_id": conv.conv.ID}, realtime.TypeHistory)
}

func TestDeadPeerDetected(t *testing.T) {
	for _, prepare := range []bool{true, false} {
		t.Run(map[bool]string{true: "prepared", false: "without prepare"}[prepare], func(t *testing.T) {
			t.Parallel()
			opts := []envOption{withConfig(func(c *realtime.Config) {
				c.PingInterval = 50 * time.Millisecond
				c.PongTimeout = 100 * time.Millisecond
			})}
			if !prepare {
				opts = append(opts, withoutPrepare())
			}
			e := newEnv(t, opts...)
			a := e.newAccount()
			// A client that never reads never answers pings.
			conn, _, err := e.dial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + a.token}}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			eventually(t, "session open", func() bool { return e.node.Sessions() == 1 })
			eventually(t, "dead peer closed", func() bool { return e.node.Sessions() == 0 })
		})
	}
}

func TestFrameLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	c := e.agent(a)
	frame := func(size int) []byte {
		head, tail := `{"type":"history","id":"big","data":{"conversation_id":1,"pad":"`, `"}}`
		return []byte(head + strings.Repeat("p", size-len(head)-len(tail)) + tail)
	}
	c.sendRaw(frame(64 << 10))
	if f := c.waitFor(realtime.TypeError, "big"); errCode(t, f) != hub.ENotFound {
		t.Fatalf("64 KiB frame: %s", f.Data)
	}
	c.sendRaw(frame(64<<10 + 1))
	if code := c.closeStatus(testTimeout); code != websocket.StatusMessageTooBig {
		t.Fatalf("close status %d, want 1009", code)
	}
	eventually(t, "session closed", func() bool { return e.node.Sessions() == 0 })
}

func TestProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := e.node.Probe(ctx); err != nil {
		t.Fatalf("probe: %v", err)
	}
	e.broker.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := e.node.Probe(ctx); err == nil {
		t.Fatal("probe succeeded with a closed broker")
	}
}

func TestPresence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	ctx := context.Background()
	second, err := e.svc.AddMember(ctx, a.actor, hub.NewMember{TenantID: a.tenant.ID, Email: "agent2@example.com", Password: "password123", Role: hub.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, "agent2@example.com", "password123")
	if err != nil {
		t.Fatal(err)
	}
	owner := e.agent(a)
	presence := func(online bool) {
		t.Helper()
		f := owner.take("presence", func(f frame) bool {
			if f.Type != hub.EventPresence {
				return false
			}
			p := decode[realtime.PresenceData](t, f.Data)
			return p.MemberID == second.ID && p.Online == online
		})
		if string(f.Data) != `{"member_id":`+itoa(second.ID)+`,"online":`+map[bool]string{true: "true", false: "false"}[online]+`}` {
			t.Errorf("presence data %s", f.Data)
		}
	}
	var conns []*client
	for range 2 {
		c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + token}}})
		c.waitFor(realtime.TypeAuthOK, "")
		conns = append(conns, c)
	}
	presence(true)
	conns[0].conn.Close(websocket.StatusNormalClosure, "")
	conns[1].conn.Close(websocket.StatusNormalClosure, "")
	presence(false)
	// One online and one offline event: the second session changed nothing.
	owner.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": 1})
	_, before := owner.until("", "end")
	for _, f := range before {
		if f.Type == hub.EventPresence && strings.Contains(string(f.Data), `"member_id":`+itoa(second.ID)+",") {
			t.Errorf("extra presence %s", f.Data)
		}
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestConcurrentSubscribers joins and leaves one topic from many sessions at
// once; every session that subscribed must get the next message.
func TestConcurrentSubscribers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	const n = 8
	clients := make([]*client, n)
	var wg sync.WaitGroup
	for i := range clients {
		clients[i] = e.agent(a)
	}
	for round := range 3 {
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				frame := fmt.Sprintf(`{"type":"subscribe","id":"s","data":{"conversation_id":%d,"after_seq":%d}}`, conv.conv.ID, 1+round)
				if i%2 == round%2 {
					frame = fmt.Sprintf(`{"type":"unsubscribe","id":"u","data":{"conversation_id":%d}}`, conv.conv.ID)
				}
				if err := c.conn.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i, c := range clients {
			if i%2 == round%2 {
				c.waitFor(realtime.TypeUnsubscribed, "u")
			} else {
				c.waitFor(realtime.TypeSubscribed, "s")
			}
		}
		m := e.say(a.actor, conv.conv.ID, "round", false)
		for i, c := range clients {
			if i%2 != round%2 {
				if got := c.messages(1); got[0].Seq != m.Seq {
					t.Fatalf("round %d client %d got seq %d, want %d", round, i, got[0].Seq, m.Seq)
				}
			}
			c.pending = nil
		}
	}
}
