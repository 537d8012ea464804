package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// maxSubscriptions bounds the broker topics one session holds (an agent's
// subscribed conversations plus its personal topics).
const maxSubscriptions = 500

// Session kinds, as metrics and logs name them.
const (
	kindVisitor = "visitor"
	kindAgent   = "agent"
	// kindRequester is a workspace's owner or admin on /ws/support
	// (support.go).
	kindRequester = "requester"
)

// session is one websocket. Its reader (the goroutine that accepted the
// socket) reads and handles client frames in order; its writer is the only
// goroutine that writes frames, from a bounded queue that the reader, the
// node's broker dispatch and resets fill; a pinger checks the peer is alive.
//
// Per-conversation resume state (convs) belongs to the writer, so the
// decision to deliver, drop or gap-fill a message happens in the same order
// as the frames go out.
type session struct {
	n       *Node
	kind    string
	reqID   string
	started time.Time
	// site is the site a visitor socket was opened for.
	site *hub.Site
	// pageOrigin is the handshake's Origin when a site's page opened the
	// visitor socket itself, "" when the hub's chat frame did (gate.go).
	pageOrigin string
	// refused is the gate's reason when the handshake found the site's
	// chat closed: the socket closes with CloseChatUnavailable after hello.
	refused string
	// gateEntry is the site's gate a visitor socket holds (gate.go);
	// owned by the reader.
	gateEntry *siteGate
	// gateSubj is what a visitor socket's frames are checked with.
	gateSubj atomic.Pointer[gateSubject]
	// preAuth is an agent (or requester) authenticated by cookie at the
	// handshake; preAuthErr tells why a cookie was refused.
	preAuth    *hub.Actor
	preAuthErr error
	// token is an agent's or requester's session token, re-checked by
	// checkLoop (session_check.go). It is written before actor is set and
	// read only once actor is.
	token string
	// viewTenant is the workspace an agent socket's handshake asked to
	// view as support staff (?tenant_id=, support.go); 0 for none.
	viewTenant int64
	// quiet is a topic the session joined only to hear that its session
	// must be checked: HandleMessage delivers none of its events
	// (quietTopic). Written before actor is set and read only once actor
	// is.
	quiet string
	// recheck asks checkLoop to check the session now.
	recheck chan struct{}

	conn *websocket.Conn
	raw  net.Conn // the socket under conn, for an abrupt close

	actor atomic.Pointer[hub.Actor]
	log   atomic.Pointer[zerolog.Logger]
	// busy is set while the reader handles a frame: it reads no pongs
	// meanwhile. lastFrame is when the reader last got a frame (Unix ns).
	busy      atomic.Bool
	lastFrame atomic.Int64

	out       chan *item    // items are read-only once queued; a broadcast item is shared
	dying     chan struct{} // closed when the session starts to close
	dieOnce   sync.Once
	closeCode websocket.StatusCode // set before dying is closed
	closeMsg  string
	done      chan struct{} // closed when every goroutine has ended

	ctx    context.Context
	cancel context.CancelFunc
	// writeCtx bounds every write; cancelling it aborts a write stuck on
	// a client that does not read.
	writeCtx    context.Context
	writeCancel context.CancelFunc

	// Owned by the reader.
	topics  map[string]bool
	limiter *limiter
	// Owned by the writer.
	convs map[int64]*convState

	// viewing is what the session said it views (viewing.go).
	viewing viewingSet
}

// convState is what the writer knows of a conversation the client
// subscribed to.
type convState struct {
	// lastSeq is the highest seq delivered; message events at or below it
	// are duplicates.
	lastSeq int64
	// pending: a subscribe is in progress, its store read will cover
	// whatever message events arrive meanwhile, so they are dropped.
	pending bool
}

type itemKind int

const (
	itemFrame       itemKind = iota + 1 // frame: a reply, ready to write
	itemEvent                           // ev: a broker event
	itemBegin                           // conv: a subscribe starts
	itemSubscribe                       // conv, after, id, err: a subscribe's topic is joined
	itemUnsubscribe                     // conv, id
	itemResume                          // reason: events may have been lost
	itemClose                           // code, reason: close after the frames queued before
)

// item is one entry of a session's queue.
type item struct {
	kind   itemKind
	frame  []byte
	ev     *broadcast
	conv   int64
	after  int64
	id     string
	err    error
	reason string
	code   websocket.StatusCode
}

func (n *Node) newSession(kind, reqID string) *session {
	s := &session{
		n: n, kind: kind, reqID: reqID, started: time.Now(),
		out:    make(chan *item, n.cfg.SendQueue),
		dying:  make(chan struct{}),
		done:   make(chan struct{}),
		topics: map[string]bool{},
		convs:  map[int64]*convState{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.writeCtx, s.writeCancel = context.WithCancel(s.ctx)
	s.recheck = make(chan struct{}, 1) // session_check.go
	l := n.log.With().Str("request_id", reqID).Str("kind", kind).Logger()
	s.log.Store(&l)
	return s
}

func (s *session) logger() *zerolog.Logger { return s.log.Load() }

// close starts closing the socket with code; the writer sends the close
// frame. It reports whether this call started the close.
func (s *session) close(code websocket.StatusCode, reason string) bool {
	started := false
	s.dieOnce.Do(func() {
		s.closeCode, s.closeMsg = code, reason
		close(s.dying)
		started = true
	})
	return started
}

// abort closes the socket without a close handshake.
func (s *session) abort() {
	s.close(websocket.StatusAbnormalClosure, "")
	if s.raw != nil {
		_ = s.raw.Close()
	}
}

// offer queues it without blocking; a full queue means the client does not
// read fast enough, and it is disconnected.
func (s *session) offer(it *item) {
	select {
	case s.out <- it:
	default:
		if s.close(CloseTryAgain, "slow consumer: reconnect and resume") {
			s.n.metrics.SlowConsumer()
			s.logger().Warn().Int("queue", cap(s.out)).Msg("slow consumer: closing")
			// The writer is most likely blocked on a full socket: abort
			// that write (which drops the connection) rather than wait
			// WriteTimeout for it. An idle writer still sends 1013.
			s.writeCancel()
		}
	}
}

// push queues it for the reader, waiting while the queue is full.
func (s *session) push(it *item) {
	select {
	case s.out <- it:
	case <-s.dying:
	}
}

// reply queues a frame for the reader.
func (s *session) reply(typ, id string, data any) {
	frame, err := encodeFrame(typ, id, data)
	if err != nil {
		s.logger().Error().Err(err).Str("type", typ).Msg("encode frame")
		frame, _ = encodeFrame(TypeError, id, errorData{Code: hub.EInternal, Message: hub.ErrorMessage(err)})
	}
	s.push(&item{kind: itemFrame, frame: frame})
}

func (s *session) replyError(id, code, msg string) {
	s.reply(TypeError, id, errorData{Code: code, Message: msg})
}

// errorFrame encodes err as an error frame; internal causes are logged,
// never sent.
func (s *session) errorFrame(id, frameType string, err error) []byte {
	code := hub.ErrorCode(err)
	if code == hub.EInternal {
		s.logger().Error().Err(err).Str("frame", frameType).Msg("frame failed")
	}
	frame, _ := encodeFrame(TypeError, id, errorData{Code: code, Reason: hub.ErrorReason(err), Message: hub.ErrorMessage(err)})
	return frame
}

// run serves the session until the socket closes. It is the reader.
func (s *session) run() {
	n := s.n
	defer close(s.done)
	defer s.cancel()
	s.conn.SetReadLimit(n.cfg.MaxFrameBytes)
	s.limiter = newLimiter(time.Now())
	n.metrics.ConnOpened(s.kind)
	defer n.metrics.ConnClosed(s.kind)
	s.logger().Debug().Msg("websocket open")

	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		s.writeLoop()
	}()
	go func() {
		defer wg.Done()
		s.pingLoop()
	}()
	go func() {
		defer wg.Done()
		s.checkLoop()
	}()

	s.reply(TypeHello, "", helloData{Protocol: ProtocolVersion, Node: n.cfg.NodeID, PingIntervalMS: n.cfg.PingInterval.Milliseconds()})
	switch {
	case s.preAuth != nil:
		ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
		err := s.authenticate(ctx, "", *s.preAuth)
		cancel()
		if err != nil {
			s.logger().Warn().Err(err).Msg("cookie authentication failed")
			s.close(CloseTryAgain, "try again later")
		}
	case s.preAuthErr != nil:
		s.push(&item{kind: itemFrame, frame: s.errorFrame("", TypeAuth, s.preAuthErr)})
	case s.refused != "":
		s.push(&item{kind: itemClose, code: CloseChatUnavailable, reason: s.refused}) // gate.go
	}
	authTimer := time.AfterFunc(n.cfg.AuthTimeout, func() {
		if s.actor.Load() == nil && s.close(ClosePolicy, "authentication timeout") {
			s.logger().Info().Msg("no auth in time: closing")
		}
	})

	s.readLoop()
	authTimer.Stop()
	wg.Wait()
	n.unregister(s)
	code := s.closeCode
	s.logger().Debug().Int("code", int(code)).Str("reason", s.closeMsg).Msg("websocket closed")
}

func (s *session) readLoop() {
	for {
		typ, data, err := s.conn.Read(s.ctx)
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrMessageTooBig):
				s.logger().Info().Int64("limit", s.n.cfg.MaxFrameBytes).Msg("frame too big: closing")
				s.close(CloseTooBig, "frame too big")
			case websocket.CloseStatus(err) != -1:
				s.close(websocket.CloseStatus(err), "")
			default:
				s.close(websocket.StatusAbnormalClosure, "")
			}
			return
		}
		s.n.metrics.FrameIn(s.kind)
		s.lastFrame.Store(time.Now().UnixNano())
		select {
		case <-s.dying:
			continue // closing: read on until the close handshake ends
		default:
		}
		if typ != websocket.MessageText {
			s.replyError("", CodeBadFrame, "frames are JSON text messages")
			continue
		}
		s.busy.Store(true)
		s.handle(data)
		s.busy.Store(false)
	}
}

// writeLoop writes the queue until the session closes, then closes the
// socket with the session's close code.
func (s *session) writeLoop() {
	defer s.finish()
	for {
		select {
		case <-s.dying:
			return
		default:
		}
		select {
		case <-s.dying:
			return
		case it := <-s.out:
			if err := s.process(it); err != nil {
				if s.close(websocket.StatusAbnormalClosure, "") {
					s.logger().Debug().Err(err).Msg("write failed: closing")
				}
				return
			}
		}
	}
}

// closeHandshakeTimeout bounds how long a peer may take to answer our close
// frame before the socket is dropped (the library would wait 5 s).
const closeHandshakeTimeout = 2 * time.Second

// finish closes the websocket with the session's close code.
func (s *session) finish() {
	code := s.closeCode
	var err error
	if code == websocket.StatusAbnormalClosure {
		err = s.conn.CloseNow()
	} else {
		watchdog := time.AfterFunc(closeHandshakeTimeout, func() { _ = s.raw.Close() })
		err = s.conn.Close(code, s.closeMsg)
		watchdog.Stop()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.logger().Debug().Err(err).Msg("close websocket")
	}
	// The websocket closed its net.Conn; make sure of it in case the
	// handshake failed half-way.
	_ = s.raw.Close()
}

// pingLoop pings the peer every PingInterval; a peer that does not answer
// within PongTimeout is dead and its socket is closed abruptly. Pongs are
// read by the reader, so a ping unanswered while the reader was busy with a
// frame (a slow store), or while frames kept arriving, proves nothing.
func (s *session) pingLoop() {
	t := time.NewTicker(s.n.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.dying:
			return
		case <-t.C:
		}
		start := time.Now().UnixNano()
		ctx, cancel := context.WithTimeout(s.ctx, s.n.cfg.PongTimeout)
		err := s.conn.Ping(ctx)
		cancel()
		if err == nil || s.busy.Load() || s.lastFrame.Load() >= start {
			continue
		}
		select {
		case <-s.dying:
		default:
			s.logger().Info().Err(err).Msg("no pong: closing")
			s.abort()
		}
		return
	}
}

// write sends one frame.
func (s *session) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(s.writeCtx, s.n.cfg.WriteTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		return err
	}
	s.n.metrics.FrameOut(s.kind)
	return nil
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

// deliver writes a broker event. Message events of a subscribed
// conversation go out once each, in seq order: duplicates are dropped and a
// gap is filled from the store first.
func (s *session) deliver(b *broadcast) error {
	if b.typ == hub.EventViewing {
		s.answerViewing(b) // viewing.go
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
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
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
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
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
		st := s.convs[id]
		ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
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

// handle decodes and handles one client frame, on the reader.
func (s *session) handle(raw []byte) {
	var f inFrame
	if err := json.Unmarshal(raw, &f); err != nil || f.Type == "" || len(f.ID) > maxFrameID {
		s.replyError("", CodeBadFrame, "a frame is a JSON object with a type, an optional id of at most 64 bytes, and data")
		return
	}
	ok, abusive := s.limiter.allow(f.Type, time.Now())
	if abusive {
		if s.close(ClosePolicy, "too many frames") {
			s.logger().Warn().Msg("client floods frames: closing")
		}
		return
	}
	if !ok {
		s.replyError(f.ID, hub.ERateLimited, "too many frames of this type: slow down")
		return
	}
	h := s.handlers(f.Type)
	if h == nil {
		s.replyError(f.ID, CodeUnknownType, "unknown frame type")
		return
	}
	a := s.actor.Load()
	if f.Type != TypeAuth && a == nil {
		s.replyError(f.ID, hub.EUnauthorized, "authenticate first: send an auth frame")
		return
	}
	if a != nil {
		if err := s.permit(f.Type, *a); err != nil { // support.go
			s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
			return
		}
		if s.kind == kindVisitor && !s.checkGate(f.ID) { // gate.go
			return
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
	defer cancel()
	if err := h(ctx, f); err != nil {
		s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
	}
}

func (s *session) handlers(typ string) func(context.Context, inFrame) error {
	switch typ {
	case TypeAuth:
		return s.onAuth
	case TypeSubscribe:
		return s.onSubscribe
	case TypeUnsubscribe:
		return s.onUnsubscribe
	case TypeSend:
		return s.onSend
	case TypeTyping:
		return s.onTyping
	case TypeRead:
		return s.onRead
	case TypeHistory:
		return s.onHistory
	case TypeFeedback:
		return s.onFeedback
	case TypeTicketCreate:
		return s.onTicketCreate
	case TypeConversations:
		return s.onConversations
	case TypeViewing: // viewing.go
		return s.onViewing
	case TypePresenceList: // presence.go
		return s.onPresenceList
	}
	return nil
}

func (s *session) onFeedback(ctx context.Context, f inFrame) error {
	var d feedbackData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	m, err := s.n.svc.SetFeedback(ctx, actor, d.MessageID, d.Feedback)
	if err != nil {
		return err
	}
	s.reply(TypeFeedbackOK, f.ID, ackData{Message: m.View(actor)})
	return nil
}

// onTicketCreate opens a ticket for the visitor's conversation (the
// downvote's "Open a support ticket"). A retry while the ticket is still
// active returns the same ticket.
func (s *session) onTicketCreate(ctx context.Context, f inFrame) error {
	var d ticketCreateData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	if actor.Kind != hub.ActorVisitor {
		return hub.Errorf(hub.EForbidden, "agents open tickets through the REST API")
	}
	t, err := s.n.svc.CreateTicket(ctx, actor, hub.NewTicket{ConversationID: d.ConversationID, Subject: d.Subject,
		Description: d.Description, RequesterEmail: d.Email})
	if err != nil {
		return err
	}
	s.reply(TypeTicketOK, f.ID, ticketOKData{Ticket: ticketRef{ID: t.ID, Ref: t.Ref(), Subject: t.Subject, Status: t.Status}})
	return nil
}

// onConversations lists the visitor's own conversations (the widget's
// past conversations).
func (s *session) onConversations(ctx context.Context, f inFrame) error {
	var d conversationsData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.Limit < 0 || d.BeforeID < 0 {
		return hub.Errorf(hub.EInvalid, "limit and before_id must not be negative")
	}
	convs, err := s.n.svc.VisitorConversations(ctx, *s.actor.Load(),
		hub.ConversationFilter{BeforeTime: d.BeforeTime, BeforeID: d.BeforeID, Limit: d.Limit})
	if err != nil {
		return err
	}
	s.reply(TypeConversations, f.ID, conversationsReply{Conversations: convs})
	return nil
}

func (s *session) onAuth(ctx context.Context, f inFrame) error {
	if s.actor.Load() != nil {
		return hub.Errorf(hub.EInvalid, "already authenticated")
	}
	var d authData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.Token == "" {
		return hub.Errorf(hub.EUnauthorized, "token is required")
	}
	var (
		actor hub.Actor
		err   error
	)
	switch s.kind {
	case kindVisitor:
		// The site's gate first (gate.go), so that a change after the
		// token's check is heard or read.
		sg, gerr := s.n.acquireGate(ctx, s)
		if gerr != nil {
			return gerr
		}
		actor, err = s.n.svc.VisitorActor(ctx, d.Token)
		if err == nil && (actor.SiteID != s.site.ID || actor.TenantID != s.site.TenantID) {
			err = hub.Errorf(hub.EUnauthorized, "visitor token belongs to another site")
		}
		if err == nil {
			err = s.admitVisitor(sg, actor)
		}
		if reason := hub.ErrorReason(err); hub.IsGateReason(reason) {
			// Refused by the chat's gate: the error, then the close.
			s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
			s.push(&item{kind: itemClose, code: CloseChatUnavailable, reason: reason})
			return nil
		}
	case kindAgent:
		tenant := d.TenantID
		switch {
		case tenant < 0:
			return hub.Errorf(hub.EInvalid, "tenant_id must be a workspace id")
		case tenant == 0:
			tenant = s.viewTenant
		case s.viewTenant != 0 && tenant != s.viewTenant:
			return hub.Errorf(hub.EInvalid, "tenant_id differs from the one the socket was opened for")
		}
		actor, err = s.n.sessionActor(ctx, s.kind, d.Token, tenant) // support.go
		s.token = d.Token                                           // for checkLoop
	default: // kindRequester: tenant_id is for staff on agent sockets
		actor, err = s.n.sessionActor(ctx, s.kind, d.Token, 0)
		s.token = d.Token
	}
	if err != nil {
		return err
	}
	return s.authenticate(ctx, f.ID, actor)
}

// authenticate joins the actor's personal topics and replies auth.ok. A
// support viewer's authentication is written to the workspace's audit log
// first (support.go).
func (s *session) authenticate(ctx context.Context, id string, actor hub.Actor) error {
	var topics []string
	s.quiet = quietTopic(s.kind, actor) // support.go
	switch {
	case s.kind == kindRequester:
		// The conversations' events as their visitor gets them, and the
		// workspace's support tickets (hub.EventSupportTicket).
		topics = []string{hub.TopicVisitor(actor.ID), hub.TopicSupport(actor.HomeTenantID), s.quiet}
	case actor.Kind == hub.ActorVisitor:
		topics = []string{hub.TopicVisitor(actor.ID)}
	default: // a support viewer's member topic is quiet
		topics = []string{hub.TopicMember(actor.ID), hub.TopicInbox(actor.TenantID)}
	}
	if err := s.recordView(ctx, actor, hub.SupportView{Kind: hub.ViewLive}); err != nil {
		return err
	}
	for _, t := range topics {
		if err := s.n.join(ctx, s, t); err != nil {
			for joined := range s.topics {
				s.n.leave(s, joined)
			}
			clear(s.topics)
			return err
		}
		s.topics[t] = true
	}
	l := s.logger().With().Int64("tenant", actor.TenantID).Logger()
	switch {
	case actor.Kind == hub.ActorVisitor && actor.OnBehalf != 0:
		l = l.With().Int64("visitor", actor.ID).Int64("member", actor.OnBehalf).Logger()
	case actor.Kind == hub.ActorVisitor:
		l = l.With().Int64("visitor", actor.ID).Logger()
	case actor.ReadOnly:
		l = l.With().Int64("member", actor.ID).Bool("support_viewer", true).Logger()
	default:
		l = l.With().Int64("member", actor.ID).Logger()
	}
	s.log.Store(&l)
	// auth.ok is queued before the actor is set: the node delivers
	// events only to sessions with an actor, so none precedes auth.ok.
	// Those published in between are not lost to the client: it loads
	// its state after auth.ok.
	s.reply(TypeAuthOK, id, authOKData{Kind: s.kind, ID: actor.ID, ReadOnly: actor.ReadOnly})
	s.actor.Store(&actor)
	if actor.Kind == hub.ActorMember {
		if !actor.ReadOnly { // a support viewer is not one of the team
			s.n.presence(actor, true)
		}
		s.n.sendPresenceList(s, "") // presence.go: the online set, then changes
	}
	l.Debug().Msg("authenticated")
	return nil
}

func (s *session) onSubscribe(ctx context.Context, f inFrame) error {
	var d subscribeData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.ConversationID <= 0 || d.AfterSeq < 0 {
		return hub.Errorf(hub.EInvalid, "conversation_id is required and after_seq must not be negative")
	}
	actor := *s.actor.Load()
	if _, err := s.n.svc.Conversation(ctx, actor, d.ConversationID); err != nil {
		return err
	}
	if err := s.recordView(ctx, actor, hub.SupportView{Kind: hub.ViewConversation, ID: d.ConversationID}); err != nil { // support.go
		return err
	}
	s.push(&item{kind: itemBegin, conv: d.ConversationID})
	var err error
	if t := hub.TopicConversation(d.ConversationID); actor.Kind == hub.ActorMember && !s.topics[t] {
		if len(s.topics) >= maxSubscriptions {
			err = hub.Errorf(hub.EInvalid, "too many subscriptions: unsubscribe from some conversations first")
		} else if err = s.n.join(ctx, s, t); err == nil {
			s.topics[t] = true
		}
	}
	s.push(&item{kind: itemSubscribe, conv: d.ConversationID, after: d.AfterSeq, id: f.ID, err: err})
	return nil
}

func (s *session) onUnsubscribe(ctx context.Context, f inFrame) error {
	var d conversationRef
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	if _, err := s.n.svc.Conversation(ctx, actor, d.ConversationID); err != nil {
		return err
	}
	s.stopViewing(ctx, d.ConversationID) // viewing.go
	if t := hub.TopicConversation(d.ConversationID); s.topics[t] {
		s.n.leave(s, t)
		delete(s.topics, t)
	}
	s.push(&item{kind: itemUnsubscribe, conv: d.ConversationID, id: f.ID})
	return nil
}

func (s *session) onSend(ctx context.Context, f inFrame) error {
	var d sendData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.ConversationID < 0 {
		return hub.Errorf(hub.EInvalid, "conversation_id must not be negative")
	}
	if d.ConversationID == 0 && s.kind == kindRequester {
		// A visitor's first message opens its conversation; a
		// requester's conversations are its support tickets, opened
		// through the REST API.
		return hub.Errorf(hub.EInvalid, "conversation_id is required: open a support ticket first")
	}
	actor := *s.actor.Load()
	m, err := s.n.svc.SendMessage(ctx, actor, hub.NewMessage{ConversationID: d.ConversationID, ClientMsgID: d.ClientMsgID, Body: d.Body, Internal: d.Internal})
	if err != nil {
		return err
	}
	// The message.created event follows through the broker; the client
	// keeps one of the two by seq.
	s.reply(TypeAck, f.ID, ackData{Message: m.View(actor)})
	return nil
}

func (s *session) onTyping(ctx context.Context, f inFrame) error {
	var d typingData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	return s.n.svc.Typing(ctx, *s.actor.Load(), d.ConversationID, d.Typing)
}

func (s *session) onRead(ctx context.Context, f inFrame) error {
	var d readData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	st, err := s.n.svc.MarkRead(ctx, *s.actor.Load(), d.ConversationID, d.Seq)
	if err != nil {
		return err
	}
	s.reply(TypeReadOK, f.ID, st) // a member's own count and badges, or the visitor's count
	return nil
}

func (s *session) onHistory(ctx context.Context, f inFrame) error {
	var d historyData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.BeforeSeq < 0 || d.Limit < 0 {
		return hub.Errorf(hub.EInvalid, "before_seq and limit must not be negative")
	}
	d.Limit = hub.HistoryPage.Limit(d.Limit)
	actor := *s.actor.Load()
	msgs, err := s.n.svc.Messages(ctx, actor, hub.MessageFilter{ConversationID: d.ConversationID, BeforeSeq: d.BeforeSeq, Newest: true, Limit: d.Limit})
	if err != nil {
		return err
	}
	// The newest that fit one frame; the client pages on from the first.
	views, _, err := newestViews(actor, msgs)
	if err != nil {
		return err
	}
	s.reply(TypeHistory, f.ID, historyReply{ConversationID: d.ConversationID, Messages: views})
	return nil
}
