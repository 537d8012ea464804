// Package ratelimit keeps Parley's limits (hub.Limits): in Redis when the
// node has one, so that N nodes give a client the budget of one, else in
// memory. Token buckets are golang.org/x/time/rate in memory and
// github.com/go-redis/redis_rate (GCRA, one atomic script per check) in
// Redis; Local is the same bucket for what is limited per connection.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/parley-chat/parley/hub"
)

// maxKeys bounds a Memory's keys of each kind; when a map is full, what
// has recovered (full buckets, forgotten strikes, ended locks) is dropped,
// and if that is not enough, everything.
const maxKeys = 20000

// Memory is hub.Limits in this process's memory: right for one node.
type Memory struct {
	// Clock defaults to time.Now.
	Clock func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	strikes map[string]strike
	locks   map[string]time.Time
}

type strike struct {
	n      int
	forget time.Time
}

var _ hub.Limits = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]*rate.Limiter{}, strikes: map[string]strike{}, locks: map[string]time.Time{}}
}

func (m *Memory) now() time.Time {
	if m.Clock != nil {
		return m.Clock()
	}
	return time.Now()
}

// bucket returns key's bucket. m.mu must be held.
func (m *Memory) bucket(key string, r hub.Rate, now time.Time) *rate.Limiter {
	b := m.buckets[key]
	if b == nil {
		if len(m.buckets) >= maxKeys {
			for k, old := range m.buckets {
				if old.TokensAt(now) >= float64(old.Burst()) {
					delete(m.buckets, k)
				}
			}
			if len(m.buckets) >= maxKeys {
				clear(m.buckets)
			}
		}
		b = rate.NewLimiter(rate.Every(r.Every()), r.Size())
		b.SetBurstAt(now, r.Size()) // full from now on
		m.buckets[key] = b
	}
	return b
}

// wait is how long until b has a token at now.
func wait(b *rate.Limiter, r hub.Rate, now time.Time) time.Duration {
	t := b.TokensAt(now)
	if t >= 1 {
		return 0
	}
	return time.Duration((1 - t) * float64(r.Every()))
}

// Take implements hub.Limits.
func (m *Memory) Take(_ context.Context, key string, r hub.Rate) (time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bucket(key, r, now)
	if b.AllowN(now, 1) {
		return 0, nil
	}
	return wait(b, r, now), nil
}

// Peek implements hub.Limits.
func (m *Memory) Peek(_ context.Context, key string, r hub.Rate) (time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	return wait(m.bucket(key, r, now), r, now), nil
}

// Strike implements hub.Limits.
func (m *Memory) Strike(_ context.Context, key string, keep time.Duration) (int, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.strikes[key]
	if !ok || !now.Before(s.forget) {
		s = strike{}
		if len(m.strikes) >= maxKeys {
			for k, old := range m.strikes {
				if !now.Before(old.forget) {
					delete(m.strikes, k)
				}
			}
			if len(m.strikes) >= maxKeys {
				clear(m.strikes)
			}
		}
	}
	s.n++
	s.forget = now.Add(keep)
	m.strikes[key] = s
	return s.n, nil
}

// Lock implements hub.Limits.
func (m *Memory) Lock(_ context.Context, key string, d time.Duration) error {
	now := m.now()
	until := now.Add(d)
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.locks[key]; ok && cur.After(until) {
		return nil
	}
	if len(m.locks) >= maxKeys {
		for k, old := range m.locks {
			if !old.After(now) {
				delete(m.locks, k)
			}
		}
		if len(m.locks) >= maxKeys {
			clear(m.locks)
		}
	}
	m.locks[key] = until
	return nil
}

// Locked implements hub.Limits.
func (m *Memory) Locked(_ context.Context, key string) (time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.locks[key]; ok && until.After(now) {
		return until.Sub(now), nil
	}
	return 0, nil
}

// Local is one token bucket for what is limited per connection (a
// websocket's frames): no keys, no lock shared with anything, owned by
// one goroutine.
type Local struct{ l *rate.Limiter }

// NewLocal returns a full bucket of r.
func NewLocal(r hub.Rate, now time.Time) *Local {
	l := rate.NewLimiter(rate.Every(r.Every()), r.Size())
	l.SetBurstAt(now, r.Size())
	return &Local{l: l}
}

// Allow takes a token at now, or reports that there is none.
func (b *Local) Allow(now time.Time) bool { return b.l.AllowN(now, 1) }
