package realtime

import (
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/ratelimit"
)

// Per-frame-type limits of one connection (docs/protocol.md "Limits"). A
// client over a type's limit gets a rate_limited error for that frame;
// one that keeps sending far beyond every limit (the abuse bucket, which
// counts refused frames too) is disconnected.
var (
	sendRate   = hub.Rate{N: 10, Per: time.Second, Burst: 20}
	typingRate = hub.Rate{N: 5, Per: time.Second, Burst: 10}
	otherRate  = hub.Rate{N: 30, Per: time.Second, Burst: 60}
	abuseRate  = hub.Rate{N: 100, Per: time.Second, Burst: 200}
)

// limiter holds one session's buckets. Only the session's reader uses it.
type limiter struct {
	send, typing, other, abuse *ratelimit.Local
}

func newLimiter(now time.Time) *limiter {
	return &limiter{
		send:   ratelimit.NewLocal(sendRate, now),
		typing: ratelimit.NewLocal(typingRate, now),
		other:  ratelimit.NewLocal(otherRate, now),
		abuse:  ratelimit.NewLocal(abuseRate, now),
	}
}

// allow reports whether a frame of type typ may be handled now, and whether
// the client is sending so much that it should be disconnected.
func (l *limiter) allow(typ string, now time.Time) (ok, abusive bool) {
	if !l.abuse.Allow(now) {
		return false, true
	}
	switch typ {
	case TypeSend, TypeTicketCreate:
		return l.send.Allow(now), false
	case TypeTyping:
		return l.typing.Allow(now), false
	default:
		return l.other.Allow(now), false
	}
}
