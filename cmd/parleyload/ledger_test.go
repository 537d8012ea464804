package main

import (
	"testing"
	"time"
)

func TestLedger(t *testing.T) {
	l := newLedger()
	now := time.Now()
	l.sent(msgKey{0, 0}, 2) // acked, delivered twice: complete
	l.sent(msgKey{0, 1}, 2) // acked, delivered once: incomplete
	l.sent(msgKey{1, 0}, 1) // refused
	l.sent(msgKey{1, 1}, 1) // never answered
	l.acked(msgKey{0, 0}, now.Add(time.Second))
	l.delivered(msgKey{0, 0}, 0, now.Add(time.Second))
	if got := l.outstanding(); got != 4 {
		t.Fatalf("outstanding %d before the second delivery, want 4", got)
	}
	l.delivered(msgKey{0, 0}, 1, now.Add(2*time.Second))
	l.delivered(msgKey{0, 0}, 1, now.Add(3*time.Second)) // a duplicate: ignored
	l.acked(msgKey{0, 1}, now)
	l.delivered(msgKey{0, 1}, 1, now)
	l.refused(msgKey{1, 0}, "rate_limited")
	l.delivered(msgKey{9, 9}, 0, now) // never sent: ignored
	if got := l.outstanding(); got != 2 {
		t.Fatalf("outstanding %d, want 2", got)
	}
	st := l.take()
	if st.Sent != 4 || st.Acked != 2 || st.Refused != 1 || st.Delivered != 3 || st.Complete != 1 ||
		st.Incomplete != 2 || st.Missing != 2 || st.FirstRefusal != "rate_limited" {
		t.Errorf("stats %+v", st)
	}
	if len(st.Delivery[0]) != 1 || len(st.Delivery[1]) != 2 || len(st.Ack) != 2 {
		t.Errorf("samples: %d acks, %d + %d deliveries; want 2, 1 + 2", len(st.Ack), len(st.Delivery[0]), len(st.Delivery[1]))
	}
	if l.outstanding() != 0 || l.take().Sent != 0 {
		t.Error("take did not start again from zero")
	}
}
