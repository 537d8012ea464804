// A session's writer side: the queue items it processes, broker events
// delivered once each in seq order, gaps filled from the store, subscribes
// completed, and resumes.

package realtime

import (
	"context"
	"slices"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// write adds one frame to the writer's burst: the frames the writer
// writes one after another leave in one write to the socket when it
// flushes (framebuf.go), which it does when its queue is empty, before it
// waits on the store, and every flushAt bytes. Fails once abortWrites was
// called.
func (s *session) write(frame []byte) error {
	if s.writesAborted.Load() {
		return context.Canceled
	}
	if !s.bursting {
		s.bursting = true
		s.fw.hold()
	}
	// The frame is held, so the write does not wait on the socket; at most
	// on a ping's or pong's write, which has its own deadline. Without a
	// deadline here coder/websocket arms no timer per frame.
	if err := s.conn.Write(context.Background(), websocket.MessageText, frame); err != nil {
		return err
	}
	s.burstFrames++
	return nil
}

// flushAt is how many bytes a burst holds before the writer flushes it
// although more frames are queued.
const flushAt = 32 << 10

// flush writes the burst to the socket in one write, within WriteTimeout,
// and ends it; a burst that abortWrites cut short is dropped. Only the
// writer calls it.
func (s *session) flush() error { return s.endBurst(true) }

// endBurst ends the burst, if any, writing it when send is set.
func (s *session) endBurst(send bool) error {
	if !s.bursting {
		return nil
	}
	s.bursting = false
	frames := s.burstFrames
	s.burstFrames = 0
	ctx, cancel := context.WithTimeout(context.Background(), s.n.cfg.WriteTimeout)
	defer cancel()
	// abortWrites sets writesAborted and then cancels what it finds here:
	// either it finds this write, or this write sees writesAborted.
	s.abortWrite.Store(&cancel)
	defer s.abortWrite.Store(nil)
	aborted := s.writesAborted.Load()
	if send && !aborted {
		// Counted before the write, so that a client that read the
		// frames finds them counted (TestFramesOfABatchLeaveInOneWrite).
		s.n.metrics.FramesWritten(s.kind, frames)
	}
	err := s.fw.release(ctx, send && !aborted)
	if err == nil && aborted {
		err = context.Canceled
	}
	return err
}

// abortWrites aborts the burst in flight, if any, and fails the writes to
// come: the writer is most likely blocked on a full socket (a slow
// consumer), and the socket is dropped rather than wait WriteTimeout for
// it. The close frame is not a write of the writer's: an idle writer still
// sends it.
func (s *session) abortWrites() {
	s.writesAborted.Store(true)
	if cancel := s.abortWrite.Load(); cancel != nil {
		(*cancel)()
	}
}

func (s *session) writeFrame(typ, id string, data any) error {
	frame, err := encodeFrame(typ, id, data)
	if err != nil {
		return s.write(s.errorFrame(id, typ, err))
	}
	return s.write(frame)
}

// process handles one queue item on the writer. An error means the socket
// is gone.
func (s *session) process(it *item) error {
	switch it.kind {
	case itemFrame:
		return s.write(it.frame)
	case itemAck:
		if err := s.acked(it.conv, it.after); err != nil {
			return err
		}
		return s.write(it.frame)
	case itemEvent:
		return s.deliver(it.ev)
	case itemBegin:
		if st := s.convs[it.conv]; st != nil {
			st.pending = true
		} else {
			s.convs[it.conv] = &convState{pending: true}
		}
		return nil
	case itemSubscribe:
		if err := s.flush(); err != nil { // it waits on the store
			return err
		}
		return s.subscribed(it)
	case itemUnsubscribe:
		delete(s.convs, it.conv)
		return s.writeFrame(TypeUnsubscribed, it.id, conversationRef{ConversationID: it.conv})
	case itemResume:
		return s.resume(it.reason)
	case itemClose:
		if s.close(it.code, it.reason) {
			s.logger().Info().Int("code", int(it.code)).Str("reason", it.reason).Msg("closing socket")
		}
	}
	return nil
}

// acked counts the session's own message at seq in conv as delivered:
// its ack, next in order, carries the message, so its message.created
// event is dropped as a duplicate when it comes (docs/protocol.md "send";
// TestSenderGetsNoEcho). Messages before it that the session has not
// delivered yet (their events still on their way from another node) are
// read from the store and sent first, so that the client gets the
// conversation in seq order, acks included (docs/protocol.md "Ordering,
// duplicates and resume"; TestTwoNodes, TestAckAfterTheMessagesBeforeIt).
// An echo that came first changes nothing.
func (s *session) acked(conv, seq int64) error {
	st := s.convs[conv]
	if st == nil || st.pending || seq <= st.lastSeq {
		return nil
	}
	if seq > st.lastSeq+1 {
		if err := s.fillGap(conv, st, seq); err != nil {
			return err
		}
	}
	st.lastSeq = seq
	return nil
}

// deliver writes a broker event. Message events of a subscribed
// conversation go out once each, in seq order: duplicates are dropped and a
// gap is filled from the store first.
func (s *session) deliver(b *broadcast) error {
	if b.typ == hub.EventViewing {
		s.answerViewing(b) // viewing.go
	}
	if b.typ == hub.EventConversationUpdated && b.version != 0 {
		if st := s.convs[b.conv]; st != nil {
			if b.version <= st.version {
				return nil // the same update from the other topic (TestAgentGetsEachUpdateOnce)
			}
			st.version = b.version
		}
		return s.write(b.frame)
	}
	if b.typ != hub.EventMessageCreated || b.conv == 0 || b.seq == 0 {
		return s.write(b.frame)
	}
	st := s.convs[b.conv]
	if st == nil {
		// Agents get message events only from topics they subscribed
		// to: this one is late, after unsubscribe. Visitors get all of
		// theirs; without a subscribe there is nothing to track.
		if s.kind == kindAgent {
			return nil
		}
		return s.write(b.frame)
	}
	if st.pending || b.seq <= st.lastSeq {
		return nil
	}
	if b.seq > st.lastSeq+1 {
		if err := s.fillGap(b.conv, st, b.seq); err != nil {
			return err
		}
	}
	st.lastSeq = b.seq
	return s.write(b.frame)
}

// fillGap delivers the messages between st.lastSeq and seq (both
// exclusive) from the store. Visitors do not see internal notes, so for
// them a gap is often empty. When the store fails or the gap is too large,
// the client is told to reload (resync).
func (s *session) fillGap(conv int64, st *convState, seq int64) error {
	if err := s.flush(); err != nil {
		return err
	}
	ctx, cancel := s.opContext()
	defer cancel()
	actor := *s.actor.Load()
	limit := s.n.cfg.ResumeLimit
	msgs, err := s.n.svc.Messages(ctx, actor, hub.MessageFilter{ConversationID: conv, AfterSeq: st.lastSeq, BeforeSeq: seq, Limit: limit + 1})
	if err != nil || len(msgs) > limit {
		if err != nil {
			s.logger().Warn().Err(err).Int64("conversation", conv).Msg("fill gap: resync")
		}
		st.lastSeq = seq - 1
		return s.writeFrame(TypeResync, "", resyncData{ConversationID: conv, LastSeq: seq - 1})
	}
	return s.writeMessages(actor, st, msgs)
}

// writeMessages writes msgs as message.created events and advances lastSeq.
func (s *session) writeMessages(actor hub.Actor, st *convState, msgs []*hub.Message) error {
	for _, m := range msgs {
		if m.Seq <= st.lastSeq {
			continue
		}
		if err := s.writeFrame(hub.EventMessageCreated, "", m.View(actor)); err != nil {
			return err
		}
		st.lastSeq = m.Seq
	}
	return nil
}

// subscribed completes a subscribe on the writer: the topic is joined, so
// what the store returns now plus the events that follow leave no hole.
func (s *session) subscribed(it *item) error {
	if it.err != nil {
		if st := s.convs[it.conv]; st != nil && st.pending {
			delete(s.convs, it.conv)
		}
		return s.write(s.errorFrame(it.id, TypeSubscribe, it.err))
	}
	ctx, cancel := s.opContext()
	defer cancel()
	actor := *s.actor.Load()
	limit := s.n.cfg.ResumeLimit
	conv, err := s.n.svc.Conversation(ctx, actor, it.conv)
	var msgs []*hub.Message
	if err == nil {
		msgs, err = s.n.svc.Messages(ctx, actor, hub.MessageFilter{ConversationID: it.conv, AfterSeq: it.after, Limit: limit + 1})
	}
	if err != nil {
		delete(s.convs, it.conv)
		return s.write(s.errorFrame(it.id, TypeSubscribe, err))
	}
	st := &convState{}
	data := subscribedData{Conversation: conv.View(actor), Messages: []any{}}
	views, all, err := newestViews(actor, msgs)
	if err != nil {
		delete(s.convs, it.conv)
		return s.write(s.errorFrame(it.id, TypeSubscribe, err))
	}
	if len(msgs) > limit || !all {
		// Too many, or too much for one frame: the client pages with
		// history instead.
		data.Resync = true
		st.lastSeq = conv.LastSeq
	} else {
		data.Messages = views
		st.lastSeq = min(it.after, conv.LastSeq)
		if len(msgs) > 0 {
			st.lastSeq = max(st.lastSeq, msgs[len(msgs)-1].Seq)
		}
	}
	s.convs[it.conv] = st
	return s.writeFrame(TypeSubscribed, it.id, data)
}

// resume catches every subscribed conversation up from the store, then
// tells the client to refresh the rest of its state.
func (s *session) resume(reason string) error {
	actor := *s.actor.Load()
	limit := s.n.cfg.ResumeLimit
	ids := make([]int64, 0, len(s.convs))
	for id, st := range s.convs {
		if !st.pending {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := s.flush(); err != nil {
			return err
		}
		st := s.convs[id]
		ctx, cancel := s.opContext()
		msgs, err := s.n.svc.Messages(ctx, actor, hub.MessageFilter{ConversationID: id, AfterSeq: st.lastSeq, Limit: limit + 1})
		var conv *hub.Conversation
		if err == nil && len(msgs) > limit {
			conv, err = s.n.svc.Conversation(ctx, actor, id)
		}
		cancel()
		switch {
		case err != nil:
			// The next message event finds the gap and fills it.
			s.logger().Warn().Err(err).Int64("conversation", id).Msg("resume conversation")
		case conv != nil:
			st.lastSeq = conv.LastSeq
			if err := s.writeFrame(TypeResync, "", resyncData{ConversationID: id, LastSeq: conv.LastSeq}); err != nil {
				return err
			}
		default:
			if err := s.writeMessages(actor, st, msgs); err != nil {
				return err
			}
		}
	}
	return s.writeFrame(TypeResume, "", resumeData{Reason: reason})
}
