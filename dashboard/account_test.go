package dashboard

import (
	"testing"
	"time"
)

// TestIPLimits: a bucket holds the limit, refills at the limit a minute,
// peek takes nothing, and keys are independent.
func TestIPLimits(t *testing.T) {
	l := newIPLimits(10)
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for i := range 10 {
		if w := l.take("login:1.2.3.4", t0); w != 0 {
			t.Fatalf("take %d refused (wait %v)", i+1, w)
		}
	}
	if w := l.peek("login:1.2.3.4", t0); w != 6*time.Second {
		t.Fatalf("peek on an empty bucket: wait %v, want 6s", w)
	}
	if w := l.take("login:1.2.3.4", t0.Add(3*time.Second)); w != 3*time.Second {
		t.Fatalf("take half a token later: wait %v, want 3s", w)
	}
	if w := l.take("login:5.6.7.8", t0); w != 0 {
		t.Fatalf("another address waits %v", w)
	}
	if w := l.take("signup:1.2.3.4", t0); w != 0 {
		t.Fatalf("another action waits %v", w)
	}
	if w := l.peek("login:1.2.3.4", t0.Add(6*time.Second)); w != 0 {
		t.Fatalf("peek after a refill: wait %v", w)
	}
	if w := l.take("login:1.2.3.4", t0.Add(6*time.Second)); w != 0 {
		t.Fatalf("take after a refill: wait %v", w)
	}
	if w := l.take("login:1.2.3.4", t0.Add(6*time.Second)); w == 0 {
		t.Fatal("a second take after one token refilled succeeded")
	}
	// A minute refills the whole bucket, never more.
	later := t0.Add(time.Hour)
	for i := range 10 {
		if w := l.take("login:1.2.3.4", later); w != 0 {
			t.Fatalf("take %d an hour later refused (wait %v)", i+1, w)
		}
	}
	if w := l.take("login:1.2.3.4", later); w == 0 {
		t.Fatal("the bucket held more than the limit")
	}
}
