// Pings: one node-wide ticker finds the sessions whose ping is due, instead
// of a pinger goroutine and ticker per socket; a ping in flight has a
// goroutine of its own for its round trip only.

package realtime

import (
	"context"
	"time"
)

// pingSteps is how many ticks of the node's ping ticker a PingInterval
// spans: a session is pinged every PingInterval to PingInterval plus a
// tenth, and the ticker walks the sessions ten times per interval.
const pingSteps = 10

// pingLoop pings the sessions whose ping is due until the node shuts down.
func (n *Node) pingLoop() {
	t := time.NewTicker(max(n.cfg.PingInterval/pingSteps, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-n.pubStop:
			return
		case now := <-t.C:
			n.mu.RLock()
			for s := range n.sessions {
				if s.pingDue(now) {
					go s.ping()
				}
			}
			n.mu.RUnlock()
		}
	}
}

// pingDue reports whether s is to be pinged now, and if so marks its ping
// in flight (pingAt 0) so that the next ticks skip it.
func (s *session) pingDue(now time.Time) bool {
	at := s.pingAt.Load()
	return at != 0 && now.UnixNano() >= at && s.pingAt.CompareAndSwap(at, 0)
}

// ping pings the peer; one that does not answer within PongTimeout is dead
// and its socket is closed abruptly. Pongs are read by the reader, so a
// ping unanswered while the reader was busy with a frame (a slow store), or
// while frames kept arriving, proves nothing, and the next ping is due a
// PingInterval after this one began. Guarded by
// TestPingKeepsIdleConnectionAlive, TestBusyReaderIsNotADeadPeer and
// TestDeadPeerDetected.
func (s *session) ping() {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), s.n.cfg.PongTimeout) // the socket's close ends it too
	err := s.conn.Ping(ctx)
	cancel()
	if err == nil || s.busy.Load() || s.lastFrame.Load() >= start.UnixNano() {
		s.pingAt.Store(start.Add(s.n.cfg.PingInterval).UnixNano())
		return
	}
	select {
	case <-s.dying:
	default:
		s.logger().Info().Err(err).Msg("no pong: closing")
		s.abort()
	}
}
