// A websocket session: its type and queue items, and its lifecycle (the
// reader, closing). The queue and its writer are in session_queue.go, what
// the writer does with the queue in session_delivery.go, the client's
// frames in session_frames.go, pings in ping.go.

package realtime

import (
	"context"
	"errors"
	"net"
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

// session is one websocket. Its reader (the goroutine that serves the
// socket, upgrade.go) reads and handles client frames in order; its writer is the only
// goroutine that writes frames, from a bounded queue that the reader, the
// node's broker dispatch and resets fill, and runs only while the queue
// holds items (session_queue.go); the node's ping ticker checks the peer is
// alive (ping.go).
//
// Per-conversation resume state (convs) belongs to the writer, so the
// decision to deliver, drop or gap-fill a message happens in the same order
// as the frames go out.
type session struct {
	n       *Node
	kind    string
	reqID   string
	started time.Time
	// site is the site a visitor socket was opened for: its id and its
	// workspace's, not the whole hub.Site, which each socket would hold a
	// copy of.
	site siteRef
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
	raw  net.Conn     // the socket under conn, for an abrupt close
	fw   *frameWriter // under conn: holds the writer's frames (framebuf.go)

	actor atomic.Pointer[hub.Actor]
	// busy is set while the reader handles a frame: it reads no pongs
	// meanwhile. lastFrame is when the reader last got a frame (Unix ns).
	busy      atomic.Bool
	lastFrame atomic.Int64
	// pingAt is when the node's ping ticker pings the session next (Unix
	// ns); 0 before the session runs and while a ping is in flight (ping.go).
	pingAt atomic.Int64

	qmu       sync.Mutex
	q         queue         // session_queue.go
	finished  chan struct{} // closed when the last writer has closed the socket
	dying     chan struct{} // closed when the session starts to close
	dieOnce   sync.Once
	closeCode websocket.StatusCode // set before dying is closed
	closeMsg  string
	done      chan struct{} // closed when every goroutine has ended

	// ctx is cancelled when run ends, for what outlives the session's
	// goroutines (viewing.go). Their own operations do not derive from it
	// (opContext).
	ctx    context.Context
	cancel context.CancelFunc
	// abortWrite cancels the burst in flight, if any; writesAborted fails
	// every write from then on (abortWrites: a slow consumer).
	abortWrite    atomic.Pointer[context.CancelFunc]
	writesAborted atomic.Bool

	// Owned by the reader.
	topics  map[string]bool
	limiter *limiter
	// Owned by the writer.
	convs map[int64]*convState
	// bursting: the frameWriter holds the writer's frames until flush
	// (session_delivery.go).
	bursting    bool
	burstFrames int

	// viewing is what the session said it views (viewing.go).
	viewing viewingSet
}

// siteRef names a visitor socket's site.
type siteRef struct {
	ID, TenantID int64
	Key          string
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
	// version is the highest conversation version of a
	// conversation.updated delivered: an agent gets each from the inbox
	// and from the conversation's topic, and the second is dropped.
	version int64
}

type itemKind int

const (
	itemFrame       itemKind = iota + 1 // frame: a reply, ready to write
	itemAck                             // frame, conv, after: the ack of the message at seq after
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
		dying:    make(chan struct{}),
		finished: make(chan struct{}),
		done:     make(chan struct{}),
		topics:   map[string]bool{},
		convs:    map[int64]*convState{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.recheck = make(chan struct{}, 1) // session_check.go
	return s
}

// logger is the node's logger with the session's request id, kind, site
// and actor. It is built at each call rather than kept: a socket logs a
// few lines in its life, and a kept logger would hold its own copy of the
// fields for all of it (docs/BENCHMARKS.md "Idle websockets").
func (s *session) logger() *zerolog.Logger {
	c := s.n.log.With().Str("request_id", s.reqID).Str("kind", s.kind)
	if s.site.ID != 0 {
		c = c.Int64("site", s.site.ID)
	}
	if a := s.actor.Load(); a != nil {
		c = c.Int64("tenant", a.TenantID)
		switch {
		case a.Kind == hub.ActorVisitor && a.OnBehalf != 0:
			c = c.Int64("visitor", a.ID).Int64("member", a.OnBehalf)
		case a.Kind == hub.ActorVisitor:
			c = c.Int64("visitor", a.ID)
		case a.ReadOnly:
			c = c.Int64("member", a.ID).Bool("support_viewer", true)
		default:
			c = c.Int64("member", a.ID)
		}
	}
	l := c.Logger()
	return &l
}

// opContext bounds one store or broker operation of the reader, the
// writer or checkLoop. It does not derive from s.ctx: those goroutines end
// before run cancels it, and a child would leave s.ctx a map of children
// and a done channel for the socket's life.
func (s *session) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// close starts closing the socket with code; the writer sends the close
// frame. It reports whether this call started the close.
func (s *session) close(code websocket.StatusCode, reason string) bool {
	started := false
	s.dieOnce.Do(func() {
		s.closeCode, s.closeMsg = code, reason
		close(s.dying)
		started = true
	})
	if started {
		// A writer closes the socket: the one running sees dying.
		s.qmu.Lock()
		s.startWriter()
		s.qmu.Unlock()
	}
	return started
}

// abort closes the socket without a close handshake.
func (s *session) abort() {
	s.close(websocket.StatusAbnormalClosure, "")
	if s.raw != nil {
		_ = s.raw.Close()
	}
}

// reply queues a frame for the writer.
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

	s.qmu.Lock()
	s.q.running = true
	select {
	case <-s.dying: // closed before it ran (Shutdown)
		s.startWriter()
	default:
	}
	s.qmu.Unlock()
	var checker sync.WaitGroup
	checker.Add(1)
	go func() {
		defer checker.Done()
		s.checkLoop()
	}()

	s.reply(TypeHello, "", helloData{Protocol: ProtocolVersion, Node: n.cfg.NodeID, PingIntervalMS: n.cfg.PingInterval.Milliseconds()})
	switch {
	case s.preAuth != nil:
		var err error
		s.aside(func() {
			ctx, cancel := s.opContext()
			err = s.authenticate(ctx, "", *s.preAuth)
			cancel()
		})
		if err != nil {
			s.logger().Warn().Err(err).Msg("cookie authentication failed")
			s.close(CloseTryAgain, "try again later")
		}
	case s.preAuthErr != nil:
		s.push(&item{kind: itemFrame, frame: s.errorFrame("", TypeAuth, s.preAuthErr)})
	case s.refused != "":
		s.push(&item{kind: itemClose, code: CloseChatUnavailable, reason: s.refused}) // gate.go
	}
	s.pingAt.Store(time.Now().Add(n.cfg.PingInterval).UnixNano()) // ping.go
	authTimer := time.AfterFunc(n.cfg.AuthTimeout, func() {
		if s.actor.Load() == nil && s.close(ClosePolicy, "authentication timeout") {
			s.logger().Info().Msg("no auth in time: closing")
		}
	})

	s.readLoop()
	authTimer.Stop()
	// Every way out of readLoop closed the session, so the last writer
	// is closing the socket (session_queue.go).
	<-s.finished
	checker.Wait()
	n.unregister(s)
	code := s.closeCode
	s.logger().Debug().Int("code", int(code)).Str("reason", s.closeMsg).Msg("websocket closed")
}

// aside runs f on a goroutine of its own and waits for it. The reader
// handles frames this way so that its own stack stays as small as a read
// needs: handling a frame calls the store, whose calls run deep, and a
// stack once grown is kept until a garbage collection finds it mostly
// unused, which an idle socket's reader would otherwise hold for its life
// (docs/BENCHMARKS.md "Idle websockets").
func (s *session) aside(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func (s *session) readLoop() {
	for {
		// Not s.ctx: the socket's close ends the read, and a context
		// that can end would cost a registered callback per socket.
		typ, data, err := s.conn.Read(context.Background())
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
		s.aside(func() { s.handle(data) })
		s.busy.Store(false)
	}
}

// closeHandshakeTimeout bounds how long a peer may take to answer our close
// frame before the socket is dropped (the library would wait 5 s).
const closeHandshakeTimeout = 2 * time.Second

// finish closes the websocket with the session's close code. Only the
// last writer calls it.
func (s *session) finish() {
	defer close(s.finished)
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
