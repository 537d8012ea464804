package hub

import (
	"context"
	"time"
)

// Rate is a token bucket: Burst tokens at most, N of them coming back
// every Per. A zero Burst means N.
type Rate struct {
	N     int
	Per   time.Duration
	Burst int
}

// Every is the time one token takes to come back.
func (r Rate) Every() time.Duration { return r.Per / time.Duration(max(r.N, 1)) }

// Size is the bucket's size.
func (r Rate) Size() int {
	if r.Burst > 0 {
		return r.Burst
	}
	return r.N
}

// Limits count what clients do, for the limits that must hold across the
// nodes of a cluster (sign-ins per address and per unknown email, sign-ups,
// password resets): hub/ratelimit keeps them in Redis when the node has
// one, else in memory. Keys name an action and who does it
// ("login:203.0.113.7"); implementations add their own prefix. A broken
// Redis fails the check with EUnavailable: the caller decides whether to
// let the request through (it does for sign-ins, whose accounts lock in
// the database anyway). One Limits serves every node of a cluster
// (TestLimitsAcrossNodes).
type Limits interface {
	// Take takes one of key's tokens under r and returns 0, or, when there
	// is none, how long until there is one (taking nothing).
	Take(ctx context.Context, key string, r Rate) (time.Duration, error)
	// Peek is Take without taking.
	Peek(ctx context.Context, key string, r Rate) (time.Duration, error)
	// Strike adds one to key's count of failures, which is forgotten keep
	// after its last strike, and returns the new count.
	Strike(ctx context.Context, key string, keep time.Duration) (int, error)
	// Lock refuses key for d from now; a lock that lasts longer stays.
	Lock(ctx context.Context, key string, d time.Duration) error
	// Locked returns how much longer key is locked (0: not locked).
	Locked(ctx context.Context, key string) (time.Duration, error)
}
