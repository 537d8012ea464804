package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// msgKey names one measured message: visitor v's j-th.
type msgKey struct{ v, j int }

// inFlight is a message sent and not yet acked and delivered everywhere.
type inFlight struct {
	sent  time.Time
	want  int // deliveries expected: the agent sockets following it
	got   int
	acked bool
}

// stepStats is what a ledger counted during one step.
type stepStats struct {
	Sent, Acked, Refused, Delivered, Complete, Disordered int
	// Others are messages the agents got that the visitors did not send:
	// the assistant's answers. Frames counts every frame the agents got.
	Others, Frames int
	// Incomplete messages were neither refused nor both acked and
	// delivered to every follower when the step ended; Missing counts
	// their missing deliveries.
	Incomplete, Missing int
	Ack                 []time.Duration
	Delivery            [2][]time.Duration // by the receiving agent's node: a, b
	LastComplete        time.Time
	FirstRefusal        string
}

// ledger matches sends with their acks and deliveries. Every method is
// safe for concurrent use: the senders, each visitor's reader and each
// agent's reader call it.
type ledger struct {
	mu     sync.Mutex
	open   map[msgKey]*inFlight
	cur    stepStats
	frames atomic.Int64 // outside mu: every agent frame counts
}

func newLedger() *ledger { return &ledger{open: map[msgKey]*inFlight{}} }

// sent records k as sent now, to be delivered want times. Call it before
// writing the frame, so that its ack cannot come first.
func (l *ledger) sent(k msgKey, want int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open[k] = &inFlight{sent: time.Now(), want: want}
	l.cur.Sent++
}

func (l *ledger) acked(k msgKey, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.open[k]
	if m == nil || m.acked {
		return
	}
	m.acked = true
	l.cur.Acked++
	l.cur.Ack = append(l.cur.Ack, at.Sub(m.sent))
	l.completeLocked(k, m, at)
}

// refused records the server's error answer to k; it is not delivered.
func (l *ledger) refused(k msgKey, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.open[k]; !ok {
		return
	}
	delete(l.open, k)
	l.cur.Refused++
	if l.cur.FirstRefusal == "" {
		l.cur.FirstRefusal = why
	}
}

// delivered records k's arrival at an agent socket on node (0: a, 1: b).
// A message no longer open (from an earlier step, given up) is ignored.
func (l *ledger) delivered(k msgKey, node int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.open[k]
	if m == nil || m.got >= m.want {
		return
	}
	m.got++
	l.cur.Delivered++
	l.cur.Delivery[node] = append(l.cur.Delivery[node], at.Sub(m.sent))
	l.completeLocked(k, m, at)
}

// disordered counts a delivery that did not come after the one before it
// from the same visitor on the same socket (a duplicate or a reordering).
func (l *ledger) disordered() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.Disordered++
}

// other counts a message an agent got that no visitor sent.
func (l *ledger) other() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.Others++
}

func (l *ledger) completeLocked(k msgKey, m *inFlight, at time.Time) {
	if !m.acked || m.got < m.want {
		return
	}
	delete(l.open, k)
	l.cur.Complete++
	if at.After(l.cur.LastComplete) {
		l.cur.LastComplete = at
	}
}

// outstanding is the number of messages still open.
func (l *ledger) outstanding() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// take ends the step: what is still open is given up (counted incomplete)
// and the counts start again from zero.
func (l *ledger) take() stepStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.cur
	st.Frames = int(l.frames.Swap(0))
	st.Incomplete = len(l.open)
	for _, m := range l.open {
		st.Missing += m.want - m.got
	}
	l.open = map[msgKey]*inFlight{}
	l.cur = stepStats{}
	return st
}
