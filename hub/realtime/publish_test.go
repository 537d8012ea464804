package realtime_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// batchBroker records the PublishBatch calls that carry test topics
// ("test:…"; the node also publishes presence), can hold the next such
// call until released, and can fail calls (a held call fails or not as
// fail was when it was made).
type batchBroker struct {
	hub.Broker
	fail atomic.Bool

	mu    sync.Mutex
	calls [][]string // per call, its test events as "topic=payload"
	hold  chan struct{}
	held  chan struct{}
}

func (b *batchBroker) PublishBatch(ctx context.Context, pubs []hub.Publication) error {
	var events []string
	for _, p := range pubs {
		if strings.HasPrefix(p.Topic, "test:") {
			events = append(events, p.Topic+"="+string(p.Payload))
		}
	}
	failing := b.fail.Load()
	if len(events) > 0 {
		b.mu.Lock()
		b.calls = append(b.calls, events)
		hold, held := b.hold, b.held
		b.hold, b.held = nil, nil
		b.mu.Unlock()
		if hold != nil {
			close(held)
			<-hold
		}
	}
	if failing {
		return errBrokerDown
	}
	return b.Broker.PublishBatch(ctx, pubs)
}

// holdNext makes the next call with a test event wait until release is
// called; held is closed once it waits.
func (b *batchBroker) holdNext() (held <-chan struct{}, release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	hold, h := make(chan struct{}), make(chan struct{})
	b.hold, b.held = hold, h
	return h, sync.OnceFunc(func() { close(hold) })
}

func (b *batchBroker) recorded() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]string(nil), b.calls...)
}

func newBatchEnv(t *testing.T) (*env, *batchBroker) {
	t.Helper()
	bb := &batchBroker{}
	// No heartbeat: a presence event queued among the test's would shift
	// the batch boundaries the tests expect.
	quiet := withConfig(func(c *realtime.Config) { c.PresenceInterval = time.Hour })
	e := newEnv(t, quiet, withBroker(func(h hub.BrokerHandler) hub.Broker {
		bb.Broker = newMemoryBroker(h)
		return bb
	}))
	return e, bb
}

// publishTest queues events named topic=payload on the node.
func publishTest(t *testing.T, n *realtime.Node, events ...string) {
	t.Helper()
	for _, ev := range events {
		topic, payload, _ := strings.Cut(ev, "=")
		if err := n.Publish(context.Background(), topic, []byte(payload)); err != nil {
			t.Fatalf("publish %s: %v", ev, err)
		}
	}
}

// interleaved returns n events alternating over two topics, payloads
// numbered from first.
func interleaved(first, n int) []string {
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf("test:%c=%d", "ab"[i%2], first+i)
	}
	return events
}

// What queues while a batch is being published goes out as the next
// batch, in queue order, up to PublishBatch events.
func TestPublishBatchesWhatIsQueued(t *testing.T) {
	t.Parallel()
	e, bb := newBatchEnv(t)
	held, release := bb.holdNext()
	defer release()
	publishTest(t, e.node, "test:a=first")
	<-held
	queued := interleaved(0, realtime.PublishBatch+10)
	publishTest(t, e.node, queued...)
	release()
	want := [][]string{{"test:a=first"}, queued[:realtime.PublishBatch], queued[realtime.PublishBatch:]}
	eventually(t, "three batches", func() bool { return len(bb.recorded()) >= len(want) })
	if got := bb.recorded(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches of %v events, want %v:\n%v", batchSizes(got), batchSizes(want), got)
	}
}

// A batch stops growing once it holds PublishBatchBytes of payload.
func TestPublishBatchBytes(t *testing.T) {
	t.Parallel()
	e, bb := newBatchEnv(t)
	held, release := bb.holdNext()
	defer release()
	publishTest(t, e.node, "test:a=first")
	<-held
	// Three payloads of a third reach the cap: the fourth waits.
	big := strings.Repeat("x", realtime.PublishBatchBytes/3)
	var queued []string
	for i := range 4 {
		queued = append(queued, "test:a="+strconv.Itoa(i)+big)
	}
	publishTest(t, e.node, queued...)
	release()
	want := [][]string{{"test:a=first"}, queued[:3], queued[3:]}
	eventually(t, "three batches", func() bool { return len(bb.recorded()) >= len(want) })
	if got := bb.recorded(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches of %v events, want %v", batchSizes(got), batchSizes(want))
	}
}

func batchSizes(calls [][]string) []int {
	sizes := make([]int, len(calls))
	for i, c := range calls {
		sizes[i] = len(c)
	}
	return sizes
}

// While the broker fails, the whole batch is tried again, in order, up to
// five attempts; then each of its events is logged as dropped and, once
// publishing works again, local sessions resume with publish_lost, as when
// events were published one by one.
func TestPublishRetriesBatch(t *testing.T) {
	t.Parallel()
	e, bb := newBatchEnv(t)
	agent := e.agent(e.newAccount())

	held, release := bb.holdNext()
	defer release()
	publishTest(t, e.node, "test:a=first")
	<-held
	bb.fail.Store(true)
	batch := interleaved(0, 3)
	publishTest(t, e.node, batch...)
	release()
	dropped := regexp.MustCompile(`"topic":"test:[ab]","attempts":5,"message":"publish failed: event dropped"`)
	eventually(t, "events dropped", func() bool {
		return len(dropped.FindAllString(e.logs.String(), -1)) == len(batch)
	})
	want := [][]string{{"test:a=first"}}
	for range 5 {
		want = append(want, batch)
	}
	if got := bb.recorded(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("calls:\n%v\nwant:\n%v", got, want)
	}

	bb.fail.Store(false)
	publishTest(t, e.node, "test:a=after")
	resume := agent.waitFor(realtime.TypeResume, "")
	if r := decode[struct{ Reason string }](t, resume.Data); r.Reason != realtime.ReasonPublishLost {
		t.Errorf("resume %s, want reason %s", resume.Data, realtime.ReasonPublishLost)
	}
}
