// Package brokertest is the contract suite every hub.Broker must pass, and
// a recording hub.BrokerHandler for broker tests.
package brokertest

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// Timeout is how long a test waits for something that should happen.
const Timeout = hubtest.Wait

// Run runs the contract suite. newBroker returns a broker delivering to h;
// brokers made for the same t must share their backing, like nodes of one
// cluster, and brokers made for different tests must not (PerTest helps).
// Run closes every broker when its test ends; Close must tolerate being
// called twice.
func Run(t *testing.T, newBroker func(t *testing.T, h hub.BrokerHandler) hub.Broker) {
	open := func(t *testing.T, h hub.BrokerHandler) hub.Broker {
		t.Helper()
		b := newBroker(t, h)
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	tests := []struct {
		name string
		run  func(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker)
	}{
		{"Deliver", testDeliver},
		{"UnsubscribedTopicNotDelivered", testUnsubscribedTopic},
		{"UnsubscribeStopsDelivery", testUnsubscribe},
		{"ResubscribeAfterUnsubscribe", testResubscribe},
		{"DoubleSubscribeSingleUnsubscribe", testDoubleSubscribe},
		{"PerTopicOrder", testOrder},
		{"BatchOrder", testBatchOrder},
		{"Idle", testIdle},
		{"OneGoroutine", testOneGoroutine},
		{"SubscribeIsEffectiveOnReturn", testSubscribeEffective},
		{"TwoNodes", testTwoNodes},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return c
}

func mustSubscribe(t *testing.T, b hub.Broker, topics ...string) {
	t.Helper()
	if err := b.Subscribe(ctx(t), topics...); err != nil {
		t.Fatalf("subscribe %q: %v", topics, err)
	}
}

func mustUnsubscribe(t *testing.T, b hub.Broker, topics ...string) {
	t.Helper()
	if err := b.Unsubscribe(ctx(t), topics...); err != nil {
		t.Fatalf("unsubscribe %q: %v", topics, err)
	}
}

func mustPublish(t *testing.T, b hub.Broker, topic, payload string) {
	t.Helper()
	if err := b.Publish(ctx(t), topic, []byte(payload)); err != nil {
		t.Fatalf("publish %s %q: %v", topic, payload, err)
	}
}

// expect fails unless the next messages h receives are want, in order.
func expect(t *testing.T, h *Handler, want ...Event) {
	t.Helper()
	for _, w := range want {
		got := h.NextMessage(t)
		if got.Topic != w.Topic || !bytes.Equal(got.Payload, w.Payload) {
			t.Fatalf("got message %s %q, want %s %q", got.Topic, got.Payload, w.Topic, w.Payload)
		}
	}
}

func msg(topic, payload string) Event { return Event{Topic: topic, Payload: []byte(payload)} }

func testDeliver(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "a", "b")
	// Payloads are opaque bytes: zero bytes, invalid UTF-8, empty.
	binary := []byte{0, 1, 0xff, 0xfe, '\n', 0}
	if err := b.Publish(ctx(t), "a", binary); err != nil {
		t.Fatal(err)
	}
	mustPublish(t, b, "b", "")
	mustPublish(t, b, "a", "second")
	got := h.NextMessage(t)
	if got.Topic != "a" || !bytes.Equal(got.Payload, binary) {
		t.Fatalf("got %s %q, want a %q", got.Topic, got.Payload, binary)
	}
	// b and a are different topics: their relative order is not promised.
	seen := map[string]string{}
	for range 2 {
		e := h.NextMessage(t)
		seen[e.Topic] = string(e.Payload)
	}
	if want := map[string]string{"a": "second", "b": ""}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", seen, want)
	}
	h.ExpectNoMessage(t)
}

func testUnsubscribedTopic(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "a")
	mustPublish(t, b, "other", "not for us")
	mustPublish(t, b, "a", "for us")
	// Whatever a broker wrongly delivers arrives before the message
	// published after it, or with it.
	expect(t, h, msg("a", "for us"))
	h.ExpectNoMessage(t)
}

func testUnsubscribe(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "a", "sentinel")
	mustPublish(t, b, "a", "before")
	expect(t, h, msg("a", "before"))
	mustUnsubscribe(t, b, "a")
	mustPublish(t, b, "a", "after")
	mustPublish(t, b, "sentinel", "end")
	expect(t, h, msg("sentinel", "end"))
	h.ExpectNoMessage(t)
	// Unsubscribing what is not subscribed is harmless.
	mustUnsubscribe(t, b, "a", "never")
}

func testResubscribe(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	for i := range 20 {
		mustSubscribe(t, b, "a")
		p := strconv.Itoa(i)
		mustPublish(t, b, "a", p)
		expect(t, h, msg("a", p))
		mustUnsubscribe(t, b, "a")
	}
	mustSubscribe(t, b, "sentinel")
	mustPublish(t, b, "a", "unsubscribed")
	mustPublish(t, b, "sentinel", "end")
	expect(t, h, msg("sentinel", "end"))
	h.ExpectNoMessage(t)
}

// Subscribing twice is the same as once: one delivery per message, and one
// Unsubscribe stops it (callers reference-count, the broker does not).
func testDoubleSubscribe(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "sentinel")
	mustSubscribe(t, b, "a")
	mustSubscribe(t, b, "a", "a")
	mustPublish(t, b, "a", "once")
	expect(t, h, msg("a", "once"))
	mustPublish(t, b, "a", "twice")
	expect(t, h, msg("a", "twice"))
	mustUnsubscribe(t, b, "a")
	mustPublish(t, b, "a", "after")
	mustPublish(t, b, "sentinel", "end")
	expect(t, h, msg("sentinel", "end"))
	h.ExpectNoMessage(t)
}

func testOrder(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "a", "b")
	const n = 1000
	for i := range n {
		// Interleave a second topic: order is per topic.
		mustPublish(t, b, "a", strconv.Itoa(i))
		mustPublish(t, b, "b", strconv.Itoa(i))
	}
	next := map[string]int{}
	for range 2 * n {
		e := h.NextMessage(t)
		if want := strconv.Itoa(next[e.Topic]); string(e.Payload) != want {
			t.Fatalf("topic %s: got %q, want %q", e.Topic, e.Payload, want)
		}
		next[e.Topic]++
	}
}

// A batch keeps the order of its messages per topic, with topics
// interleaved, and comes after what was published before it, batch or not,
// on this node and on another (hub.Broker.PublishBatch).
func testBatchOrder(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h, hr := NewHandler(t), NewHandler(t)
	b, remote := open(t, h), open(t, hr)
	mustSubscribe(t, b, "a", "b")
	mustSubscribe(t, remote, "a", "b")
	if err := b.PublishBatch(ctx(t), nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	const batches, size = 50, 20
	sent := map[string]int{}
	pub := func(topic string) hub.Publication {
		p := hub.Publication{Topic: topic, Payload: []byte(strconv.Itoa(sent[topic]))}
		sent[topic]++
		return p
	}
	for i := range batches {
		pubs := make([]hub.Publication, size)
		for j := range pubs {
			topic := "a"
			if (i+j)%3 == 0 {
				topic = "b"
			}
			pubs[j] = pub(topic)
		}
		if err := b.PublishBatch(ctx(t), pubs); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		p := pub("a")
		mustPublish(t, b, p.Topic, string(p.Payload))
	}
	for node, rec := range []*Handler{h, hr} {
		next := map[string]int{}
		for range batches * (size + 1) {
			e := rec.NextMessage(t)
			if want := strconv.Itoa(next[e.Topic]); string(e.Payload) != want {
				t.Fatalf("node %d, topic %s: got %q, want %q", node+1, e.Topic, e.Payload, want)
			}
			next[e.Topic]++
		}
		if fmt.Sprint(next) != fmt.Sprint(sent) {
			t.Fatalf("node %d got %v messages per topic, want %v", node+1, next, sent)
		}
		rec.ExpectNoMessage(t)
	}
}

// The handler is called from one goroutine at a time, however many
// goroutines publish; the Handler records overlapping calls and fails the
// test.
func testOneGoroutine(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	h.Work = runtime.Gosched
	b := open(t, h)
	const publishers, each = 8, 100
	topics := make([]string, publishers)
	for i := range topics {
		topics[i] = "t" + strconv.Itoa(i)
	}
	mustSubscribe(t, b, topics...)
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	c := ctx(t)
	for _, topic := range topics {
		wg.Go(func() {
			for j := range each {
				if err := b.Publish(c, topic, []byte(strconv.Itoa(j))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range publishers * each {
		h.NextMessage(t)
	}
	if h.Overlapped() {
		t.Fatal("handler was called from two goroutines at once")
	}
}

// Once Subscribe returns, a message another node publishes is delivered:
// a broker that returns before the subscription is in place fails here.
func testSubscribeEffective(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	other := open(t, NewHandler(t))
	for i := range 50 {
		topic := "fresh" + strconv.Itoa(i)
		mustSubscribe(t, b, topic)
		mustPublish(t, other, topic, "hello")
		expect(t, h, msg(topic, "hello"))
	}
}

func testTwoNodes(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h1, h2 := NewHandler(t), NewHandler(t)
	n1, n2 := open(t, h1), open(t, h2)
	mustSubscribe(t, n1, "a")
	mustSubscribe(t, n2, "a")
	mustPublish(t, n1, "a", "from 1")
	mustPublish(t, n2, "a", "from 2")
	for i, h := range []*Handler{h1, h2} {
		got := map[string]bool{}
		for range 2 {
			got[string(h.NextMessage(t).Payload)] = true
		}
		if !got["from 1"] || !got["from 2"] {
			t.Fatalf("node %d got %v, want both messages", i+1, got)
		}
	}
	// A topic only one node subscribed reaches only that node.
	mustSubscribe(t, n2, "b")
	mustPublish(t, n1, "b", "only 2")
	mustPublish(t, n1, "a", "both")
	expect(t, h2, msg("b", "only 2"), msg("a", "both"))
	expect(t, h1, msg("a", "both"))
	h1.ExpectNoMessage(t)
}

func testClose(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := NewHandler(t)
	b := open(t, h)
	mustSubscribe(t, b, "a")
	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := b.Publish(ctx(t), "a", []byte("x")); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("publish after close: got %v, want %s", err, hub.EUnavailable)
	}
	if err := b.PublishBatch(ctx(t), []hub.Publication{{Topic: "a", Payload: []byte("x")}}); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("batch after close: got %v, want %s", err, hub.EUnavailable)
	}
	if err := b.Subscribe(ctx(t), "b"); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("subscribe after close: got %v, want %s", err, hub.EUnavailable)
	}
	// A message from another node after Close is not delivered.
	other := open(t, NewHandler(t))
	mustPublish(t, other, "a", "after close")
	h.ExpectNoMessage(t)
}

// Event is one handler call: a message, or a reset.
type Event struct {
	Topic   string
	Payload []byte
	Reset   bool
}

func (e Event) String() string {
	if e.Reset {
		return "reset"
	}
	return fmt.Sprintf("%s %q", e.Topic, e.Payload)
}

// Handler is a hub.BrokerHandler that records every call, in order. It
// fails its test when two calls overlap or when more calls arrive than it
// can hold.
type Handler struct {
	// Work, if set, runs inside every HandleMessage, to make the handler
	// slow or widen races. Set it before the broker starts.
	Work func()

	events   chan Event
	inCall   atomic.Int32
	overlap  atomic.Bool
	overflow atomic.Bool
}

// NewHandler returns a Handler that checks its invariants when t ends.
func NewHandler(t *testing.T) *Handler {
	h := &Handler{events: make(chan Event, 1<<16)}
	t.Cleanup(func() {
		if h.overlap.Load() {
			t.Error("handler was called from two goroutines at once")
		}
		if h.overflow.Load() {
			t.Error("handler recorded more calls than it can hold")
		}
	})
	return h
}

// HandleMessage records a message.
func (h *Handler) HandleMessage(topic string, payload []byte) {
	h.record(Event{Topic: topic, Payload: bytes.Clone(payload)}, h.Work)
}

// HandleReset records a reset.
func (h *Handler) HandleReset() { h.record(Event{Reset: true}, nil) }

func (h *Handler) record(e Event, work func()) {
	if h.inCall.Add(1) != 1 {
		h.overlap.Store(true)
	}
	defer h.inCall.Add(-1)
	if work != nil {
		work()
	}
	select {
	case h.events <- e:
	default:
		h.overflow.Store(true)
	}
}

// Overlapped reports whether two calls ever overlapped.
func (h *Handler) Overlapped() bool { return h.overlap.Load() }

// Events is every recorded call, in order, for tests that look at resets.
func (h *Handler) Events() <-chan Event { return h.events }

// Next returns the next call, failing t after Timeout.
func (h *Handler) Next(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-h.events:
		return e
	case <-time.After(Timeout):
		t.Fatalf("no broker delivery within %s", Timeout)
		return Event{}
	}
}

// NextMessage returns the next message, failing t on a reset (the suite
// does nothing that should lose messages) or after Timeout.
func (h *Handler) NextMessage(t *testing.T) Event {
	t.Helper()
	e := h.Next(t)
	if e.Reset {
		t.Fatal("unexpected HandleReset")
	}
	return e
}

// WaitReset skips messages until a reset, failing t after Timeout.
func (h *Handler) WaitReset(t *testing.T) {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		select {
		case e := <-h.events:
			if e.Reset {
				return
			}
		case <-deadline:
			t.Fatalf("no HandleReset within %s", Timeout)
		}
	}
}

// ExpectNoMessage fails t if a call is recorded now or within a short
// grace period. Callers first wait for a message published after the one
// that must not arrive, so the grace period only catches stragglers.
func (h *Handler) ExpectNoMessage(t *testing.T) {
	t.Helper()
	select {
	case e := <-h.events:
		t.Fatalf("unexpected delivery: %v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

// PerTest returns a function that gives each test one value, made by
// newValue on its first call in that test: a suite factory uses it to put
// all brokers of one test on one backing (a MemoryCluster, a Redis
// prefix).
func PerTest[V any](newValue func(t *testing.T) V) func(t *testing.T) V {
	var mu sync.Mutex
	values := map[*testing.T]V{}
	return func(t *testing.T) V {
		mu.Lock()
		defer mu.Unlock()
		v, ok := values[t]
		if !ok {
			v = newValue(t)
			values[t] = v
			t.Cleanup(func() {
				mu.Lock()
				defer mu.Unlock()
				delete(values, t)
			})
		}
		return v
	}
}

// CheckNoSilentLoss checks the events of a burst of n messages with
// payloads "0" to "n-1", published in order on one topic: messages arrive
// in order, and wherever some are missing a reset sits in their place (or
// after the last message, when the tail is missing). It returns how many
// messages arrived.
func CheckNoSilentLoss(t *testing.T, events []Event, n int) int {
	t.Helper()
	received, next := 0, 0
	reset := false // a reset since the last message
	for _, e := range events {
		if e.Reset {
			reset = true
			continue
		}
		seq, err := strconv.Atoi(string(e.Payload))
		if err != nil || seq < next || seq >= n {
			t.Fatalf("message %q out of order: want %d or later", e.Payload, next)
		}
		if seq > next && !reset {
			t.Fatalf("messages %d to %d lost without a reset", next, seq-1)
		}
		received++
		next = seq + 1
		reset = false
	}
	if next < n && !reset {
		t.Fatalf("messages %d to %d lost without a reset after them", next, n-1)
	}
	return received
}

// idleHandler counts the messages handled since the last HandleIdle.
type idleHandler struct {
	mu      sync.Mutex
	handled int // in all
	since   int // since the last HandleIdle
	most    int // the most between two HandleIdle calls
}

func (h *idleHandler) HandleMessage(string, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handled++
	h.since++
	h.most = max(h.most, h.since)
}

func (h *idleHandler) HandleReset() {}

func (h *idleHandler) HandleIdle() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.since = 0
}

// testIdle: a hub.BrokerIdler is told when it has handled what arrived,
// and at least every hub.IdleEvery messages in a stream.
func testIdle(t *testing.T, open func(*testing.T, hub.BrokerHandler) hub.Broker) {
	h := &idleHandler{}
	b := open(t, h)
	mustSubscribe(t, b, "a")
	const n = 40*hub.IdleEvery + 3 // not a multiple: the last HandleIdle is for an empty queue
	pubs := make([]hub.Publication, n)
	for i := range pubs {
		pubs[i] = hub.Publication{Topic: "a", Payload: []byte(strconv.Itoa(i))}
	}
	if err := b.PublishBatch(ctx(t), pubs); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(Timeout)
	for {
		h.mu.Lock()
		handled, since, most := h.handled, h.since, h.most
		h.mu.Unlock()
		if most > hub.IdleEvery {
			t.Fatalf("%d messages handled between two HandleIdle calls, want at most %d", most, hub.IdleEvery)
		}
		if handled == n && since == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of %d messages, %d since the last HandleIdle", handled, n, since)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
