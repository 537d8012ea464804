package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/ratelimit"
)

// contract checks what every hub.Limits must do; two is a second handle on
// the same limits (another node), or the same one.
func contract(t *testing.T, one, two hub.Limits) {
	ctx := context.Background()
	key := "login:" + hub.RandomToken(6)
	r := hub.Rate{N: 3, Per: time.Hour}
	for i := range 5 {
		if w, err := one.Peek(ctx, key, r); err != nil || w != 0 {
			t.Fatalf("peek %d: %v, %v; want a token, none taken", i, w, err)
		}
	}
	for i, l := range []hub.Limits{one, two, one} {
		if w, err := l.Take(ctx, key, r); err != nil || w != 0 {
			t.Fatalf("take %d: %v, %v", i, w, err)
		}
	}
	for _, l := range []hub.Limits{two, one} {
		w, err := l.Take(ctx, key, r)
		if err != nil || w < 19*time.Minute || w > 21*time.Minute {
			t.Fatalf("take beyond the burst: %v, %v; want about 20 minutes", w, err)
		}
		if p, err := l.Peek(ctx, key, r); err != nil || p < 19*time.Minute || p > 21*time.Minute {
			t.Fatalf("peek on an empty bucket: %v, %v", p, err)
		}
	}
	if w, err := one.Take(ctx, key+"x", r); err != nil || w != 0 {
		t.Fatalf("another key: %v, %v", w, err)
	}

	for i := 1; i <= 3; i++ {
		l := []hub.Limits{one, two}[i%2]
		if n, err := l.Strike(ctx, "email:"+key, time.Hour); err != nil || n != i {
			t.Fatalf("strike %d: %d, %v", i, n, err)
		}
	}
	if n, err := one.Strike(ctx, "short:"+key, 50*time.Millisecond); err != nil || n != 1 {
		t.Fatalf("strike: %d, %v", n, err)
	}
	time.Sleep(300 * time.Millisecond) // well past the 50 ms it is kept
	if n, err := two.Strike(ctx, "short:"+key, time.Hour); err != nil || n != 1 {
		t.Fatalf("strike after the count was forgotten: %d, %v; want 1", n, err)
	}

	if d, err := two.Locked(ctx, key); err != nil || d != 0 {
		t.Fatalf("locked before any lock: %v, %v", d, err)
	}
	if err := one.Lock(ctx, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := two.Lock(ctx, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	if d, err := two.Locked(ctx, key); err != nil || d < 59*time.Minute || d > time.Hour {
		t.Fatalf("locked: %v, %v; want the longer lock, about an hour", d, err)
	}
}

func TestMemory(t *testing.T) {
	m := ratelimit.NewMemory()
	contract(t, m, m)
}

// TestMemoryRefill: tokens come back at the rate, never beyond the burst.
func TestMemoryRefill(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := ratelimit.NewMemory()
	m.Clock = func() time.Time { return now }
	r := hub.Rate{N: 10, Per: time.Minute}
	for range 10 {
		if w, _ := m.Take(ctx, "k", r); w != 0 {
			t.Fatal("the burst is 10")
		}
	}
	if w, _ := m.Take(ctx, "k", r); w != 6*time.Second {
		t.Fatalf("wait %v, want 6s", w)
	}
	now = now.Add(6 * time.Second)
	if w, _ := m.Take(ctx, "k", r); w != 0 {
		t.Fatalf("after 6s: %v, want a token", w)
	}
	now = now.Add(time.Hour)
	for range 10 {
		if w, _ := m.Take(ctx, "k", r); w != 0 {
			t.Fatal("after an hour the bucket is full again, and no fuller")
		}
	}
	if w, _ := m.Take(ctx, "k", r); w == 0 {
		t.Fatal("the bucket held more than its burst")
	}
}

// TestRedis runs the contract with two connections, as two nodes would
// have: they share one budget (TestLimitsAcrossNodes does it end to end).
func TestRedis(t *testing.T) {
	url := hubtest.RedisURL(t)
	prefix := "test_" + hub.RandomToken(6) + ":"
	one, err := ratelimit.NewRedis(url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := ratelimit.NewRedis(url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	contract(t, one, two)

	// A Redis that is gone is EUnavailable, not a pass.
	gone, err := ratelimit.NewRedis("redis://127.0.0.1:1/0", prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	if _, err := gone.Take(context.Background(), "k", hub.Rate{N: 1, Per: time.Minute}); !hub.IsCode(err, hub.EUnavailable) {
		t.Fatalf("Take on a missing Redis: %v, want unavailable", err)
	}
}
