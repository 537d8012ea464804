package realtime

import "time"

// bucket is a token bucket: rate tokens per second, at most burst saved.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newBucket(rate, burst float64, now time.Time) bucket {
	return bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *bucket) allow(now time.Time) bool {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Per-frame-type limits. A client over a type's limit gets a rate_limited
// error for that frame; one that keeps sending far beyond every limit
// (the abuse bucket, which counts refused frames too) is disconnected.
const (
	sendRate, sendBurst     = 10, 20
	typingRate, typingBurst = 5, 10
	otherRate, otherBurst   = 30, 60
	abuseRate, abuseBurst   = 100, 200
)

// limiter holds one session's buckets. Only the session's reader uses it.
type limiter struct {
	send, typing, other, abuse bucket
}

func newLimiter(now time.Time) *limiter {
	return &limiter{
		send:   newBucket(sendRate, sendBurst, now),
		typing: newBucket(typingRate, typingBurst, now),
		other:  newBucket(otherRate, otherBurst, now),
		abuse:  newBucket(abuseRate, abuseBurst, now),
	}
}

// allow reports whether a frame of type typ may be handled now, and whether
// the client is sending so much that it should be disconnected.
func (l *limiter) allow(typ string, now time.Time) (ok, abusive bool) {
	if !l.abuse.allow(now) {
		return false, true
	}
	switch typ {
	case TypeSend, TypeTicketCreate:
		return l.send.allow(now), false
	case TypeTyping:
		return l.typing.allow(now), false
	default:
		return l.other.allow(now), false
	}
}
