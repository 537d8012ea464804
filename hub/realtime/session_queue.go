// A session's outbound queue: a slice that grows on demand up to
// Config.SendQueue and is released when it drains, and a writer goroutine
// that runs only while the queue holds items (or to close the socket), so
// an idle socket has neither (docs/BENCHMARKS.md "Idle websockets").

package realtime

import "github.com/coder/websocket"

// queue is the part of a session that its producers (the reader, the
// node's dispatch) and its writer share, guarded by session.qmu.
type queue struct {
	items []*item // read-only once queued; a broadcast item is shared
	// writing: a writer goroutine runs. It is cleared only by a writer
	// that found the queue empty and the session alive, so that at most
	// one writer runs and the one that closes the socket is the last.
	writing bool
	// running: run has started, writers may be started.
	running bool
	// kick: a caller of offerLater is to start the writer (kick).
	kick bool
	// room, when not nil, is closed when the writer takes an item: push
	// waits on it while the queue is full.
	room chan struct{}
}

// offer queues it without blocking; a full queue means the client does not
// read fast enough, and it is disconnected. Guarded by
// TestSlowConsumerDisconnectedOthersUnaffected.
func (s *session) offer(it *item) {
	s.enqueue(it, false)
}

// offerLater is offer without starting the writer: it reports whether the
// caller must kick s, which it does for each session once.
func (s *session) offerLater(it *item) (kick bool) {
	return s.enqueue(it, true)
}

func (s *session) enqueue(it *item, later bool) (kick bool) {
	select {
	case <-s.dying:
		return false // the writer writes nothing more
	default:
	}
	s.qmu.Lock()
	full := len(s.q.items) >= s.n.cfg.SendQueue
	if !full {
		s.q.items = append(s.q.items, it)
		switch {
		case !later:
			s.startWriter()
		case !s.q.kick && s.q.running && !s.q.writing:
			s.q.kick, kick = true, true
		}
	}
	s.qmu.Unlock()
	if full && s.close(CloseTryAgain, "slow consumer: reconnect and resume") {
		s.n.metrics.SlowConsumer()
		s.logger().Warn().Int("queue", s.n.cfg.SendQueue).Msg("slow consumer: closing")
		s.abortWrites()
	}
	return kick
}

// kick starts the writer that offerLater left to the caller, unless one
// runs already.
func (s *session) kick() {
	s.qmu.Lock()
	s.q.kick = false
	if len(s.q.items) > 0 {
		s.startWriter()
	}
	s.qmu.Unlock()
}

// push queues it for the writer, waiting while the queue is full (the
// reader answering its own frames: they are not dropped).
func (s *session) push(it *item) {
	for {
		s.qmu.Lock()
		if len(s.q.items) < s.n.cfg.SendQueue {
			s.q.items = append(s.q.items, it)
			s.startWriter()
			s.qmu.Unlock()
			return
		}
		if s.q.room == nil {
			s.q.room = make(chan struct{})
		}
		room := s.q.room
		s.qmu.Unlock()
		select {
		case <-room:
		case <-s.dying:
			return
		}
	}
}

// startWriter starts a writer unless one runs. s.qmu must be held.
func (s *session) startWriter() {
	if s.q.running && !s.q.writing {
		s.q.writing = true
		go s.writeLoop()
	}
}

// next takes the next item for the writer; last says the queue is empty
// after it. It returns nil when the writer is to end: with closing set
// when the session is closing (the writer then closes the socket and stays
// the last one), otherwise because the queue is empty (and the writer is
// no longer running).
func (s *session) next() (it *item, last, closing bool) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	select {
	case <-s.dying:
		return nil, true, true
	default:
	}
	if len(s.q.items) == 0 {
		s.q.items = nil // an idle socket keeps no array
		s.q.writing = false
		return nil, true, false
	}
	it = s.q.items[0]
	s.q.items[0] = nil
	s.q.items = s.q.items[1:]
	if s.q.room != nil {
		close(s.q.room)
		s.q.room = nil
	}
	return it, len(s.q.items) == 0, false
}

// writeLoop writes the queue in order until it is empty, or until the
// session closes, and then closes the socket with the session's close
// code (finish closes s.finished, which the reader waits for). Frames keep
// the order they were queued in because one writer runs at a time and
// takes them in order. The frames of the items it finds queued together
// leave in one write (burst): it flushes when the queue is empty.
func (s *session) writeLoop() {
	for {
		it, last, closing := s.next()
		if closing {
			if err := s.flush(); err != nil {
				s.logger().Debug().Err(err).Msg("flush before close")
			}
			s.finish()
			return
		}
		if it == nil {
			return // the burst was flushed with the last item
		}
		err := s.process(it)
		if err == nil && (last || s.fw.size() >= flushAt) {
			err = s.flush()
		}
		if err != nil {
			if s.close(websocket.StatusAbnormalClosure, "") {
				s.logger().Debug().Err(err).Msg("write failed: closing")
			}
			_ = s.endBurst(false) // finish writes through
			s.finish()
			return
		}
	}
}
