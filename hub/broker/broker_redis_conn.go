// The Redis broker's subscription connection: connecting and subscribing
// every wanted topic, barriers and their acknowledgement, the read loop and
// its health check, and reconnecting with backoff when the connection is
// lost.

package broker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// How long one connection attempt may take, and how long to wait between
// failed attempts.
const (
	redisConnectTimeout = 10 * time.Second
	redisMinBackoff     = 100 * time.Millisecond
	redisMaxBackoff     = 5 * time.Second
)

// redisConn is one subscription connection.
type redisConn struct {
	ps *redis.PubSub
	// lastRead is when the last reply arrived (unix ns), for the health
	// check.
	lastRead atomic.Int64
	// resetAt is the barrier after the resubscription; when its pong
	// arrives the node calls HandleReset. 0 when no reset is owed.
	// Guarded by Redis.mu.
	resetAt uint64
}

func (r *Redis) broadcastLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// barrierLocked writes a ping carrying the next seq on c.
func (r *Redis) barrierLocked(c *redisConn) (uint64, error) {
	r.seq++
	return r.seq, c.ps.Ping(r.ctx, strconv.FormatUint(r.seq, 10))
}

// loseLocked retires c if it is the current connection: its topics are no
// longer confirmed, and closing it ends its read loop, which reconnects.
func (r *Redis) loseLocked(c *redisConn, err error) {
	if r.conn == c {
		r.conn = nil
		for _, s := range r.topics {
			s.seq = 0
		}
		r.broadcastLocked()
		r.log.Debug().Err(err).Msg("redis subscription connection retired")
	}
	// Closing the PubSub also discards any connection go-redis made inside
	// it by itself. It is done in the background because it waits for
	// go-redis, which may be dialing for as long as DialTimeout, and mu must
	// not wait with it.
	r.retiring.Go(func() { _ = c.ps.Close() })
}

func (r *Redis) lose(c *redisConn, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loseLocked(c, err)
}

// connect opens a subscription connection, subscribes every wanted topic
// and makes it current. Confirmation arrives later, through the read loop.
func (r *Redis) connect(ctx context.Context) (*redisConn, error) {
	ctx, cancel := context.WithTimeout(ctx, redisConnectTimeout)
	defer cancel()
	// Dial outside mu: a ping makes the PubSub connect.
	ps := r.sub.Subscribe(ctx)
	if err := ps.Ping(ctx, "connect"); err != nil {
		_ = ps.Close()
		return nil, err
	}
	c := &redisConn{ps: ps}
	c.lastRead.Store(time.Now().UnixNano())

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		_ = ps.Close()
		return nil, errClosed()
	}
	if len(r.topics) > 0 {
		topics := make([]string, 0, len(r.topics))
		for t := range r.topics {
			topics = append(topics, t)
		}
		if err := ps.Subscribe(ctx, r.channels(topics)...); err != nil {
			_ = ps.Close()
			return nil, err
		}
	}
	seq, err := r.barrierLocked(c)
	if err != nil {
		_ = ps.Close()
		return nil, err
	}
	for _, s := range r.topics {
		s.seq = seq
	}
	if r.connected {
		c.resetAt = seq
	}
	r.connected = true
	r.conn = c
	r.broadcastLocked()
	return c, nil
}

// run reads c until it breaks, then reconnects, until Close.
func (r *Redis) run(c *redisConn) {
	defer r.reading.Done()
	for {
		start := time.Now()
		err := r.receive(c)
		r.lose(c, err)
		if r.ctx.Err() != nil {
			return
		}
		r.log.Warn().Err(err).Msg("redis subscription lost: reconnecting")
		// A connection that broke soon after it was made is not replaced at
		// once, so that a flapping Redis is not hammered.
		wait := time.Since(start) < redisMaxBackoff
		for failures := 0; ; failures++ {
			if wait || failures > 0 {
				select {
				case <-time.After(backoff(failures + 1)):
				case <-r.ctx.Done():
					return
				}
			}
			c, err = r.connect(r.ctx)
			if err == nil {
				break
			}
			if r.ctx.Err() != nil {
				return
			}
			r.log.Warn().Err(err).Int("failures", failures+1).Msg("redis subscription: reconnect failed")
		}
	}
}

// backoff is the jittered wait before reconnect attempt n (n >= 1).
func backoff(n int) time.Duration {
	d := redisMaxBackoff
	if n < 7 {
		d = min(redisMinBackoff<<(n-1), redisMaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// receive reads c, queueing messages and acknowledging barriers, until a
// read fails. A watchdog pings a silent connection and closes one that
// stays silent, which fails the read.
func (r *Redis) receive(c *redisConn) error {
	stop := make(chan struct{})
	var watching sync.WaitGroup
	watching.Go(func() { r.watch(c, stop) })
	defer func() {
		close(stop)
		watching.Wait()
	}()
	for {
		msg, err := c.ps.Receive(r.ctx)
		if err != nil {
			return err
		}
		c.lastRead.Store(time.Now().UnixNano())
		switch m := msg.(type) {
		case *redis.Message:
			if topic, ok := strings.CutPrefix(m.Channel, r.prefix); ok {
				r.q.push(delivery{topic: topic, payload: []byte(m.Payload)})
			}
		case *redis.Pong:
			// Pongs without a seq answer the connect ping.
			if seq, err := strconv.ParseUint(m.Payload, 10, 64); err == nil {
				r.ack(c, seq)
			}
		}
	}
}

// ack records that Redis has handled every command up to barrier seq on c.
func (r *Redis) ack(c *redisConn, seq uint64) {
	r.mu.Lock()
	if r.conn != c {
		r.mu.Unlock()
		return
	}
	if seq > r.acked {
		r.acked = seq
		r.broadcastLocked()
	}
	reset := c.resetAt != 0 && seq >= c.resetAt
	if reset {
		c.resetAt = 0
	}
	topics := len(r.topics)
	r.mu.Unlock()
	if reset {
		r.metrics.BrokerReconnected()
		r.log.Info().Int("topics", topics).Msg("redis subscription re-established: resetting")
		r.q.push(delivery{reset: true})
	}
}

// watch pings c after HealthCheck of silence and retires it after three
// times as long without any reply, which covers a connection that died
// without an error (a half-open TCP connection, a frozen Redis).
func (r *Redis) watch(c *redisConn, stop <-chan struct{}) {
	tick := time.NewTicker(r.health)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		silent := time.Since(time.Unix(0, c.lastRead.Load()))
		switch {
		case silent >= 3*r.health:
			r.log.Warn().Dur("silent", silent).Msg("redis subscription: no reply to health check")
			r.lose(c, fmt.Errorf("broker: no reply from redis for %s", silent))
			return
		case silent >= r.health:
			r.mu.Lock()
			if r.conn == c {
				if _, err := r.barrierLocked(c); err != nil {
					r.loseLocked(c, err)
				}
			}
			r.mu.Unlock()
		}
	}
}
