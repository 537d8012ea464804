package realtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Prepare configures app for websockets: fasthttp ignores Close on a
// hijacked connection unless Server.KeepHijackedConns is set, and a read
// blocked on such a connection would never return. Call it once, before
// the app starts listening. (Sessions also close the socket under
// fasthttp's wrapper, so a forgotten Prepare cannot leak sockets; it still
// saves fasthttp a second close.)
func Prepare(app *fiber.App) {
	app.Server().KeepHijackedConns = true
}

// VisitorHandler upgrades /ws/visitor?site=<site key>. The Origin header
// must be one of the site's allowed origins; the client then authenticates
// with its visitor token (an auth frame).
func (n *Node) VisitorHandler() fiber.Handler {
	return func(c *fiber.Ctx) error { return n.upgrade(c, kindVisitor) }
}

// AgentHandler upgrades /ws/agent. The Origin header must be one of
// Config.AgentOrigins. A valid dashboard session cookie authenticates the
// socket at once; otherwise the client sends an auth frame with a session
// token. Platform staff view a workspace whose support access is open by
// naming it, in the query (?tenant_id=, for the cookie) or the auth
// frame: the socket is then read-only (support.go).
func (n *Node) AgentHandler() fiber.Handler {
	return func(c *fiber.Ctx) error { return n.upgrade(c, kindAgent) }
}

// SupportHandler upgrades /ws/support, the socket a workspace's owners and
// admins talk to the platform's team on (support.go). It authenticates
// like /ws/agent (the same origins, the session cookie or an auth frame
// with a session token), as the member's requester actor: agents and
// staff are refused with forbidden.
func (n *Node) SupportHandler() fiber.Handler {
	return func(c *fiber.Ctx) error { return n.upgrade(c, kindRequester) }
}

// upgrade checks the handshake, copies the request out of fasthttp's
// recycled buffers, and hijacks the connection; the hijack goroutine then
// runs the whole session.
func (n *Node) upgrade(c *fiber.Ctx, kind string) error {
	reqID := requestID(c)
	if n.isClosing() {
		return problem(c, reqID, hub.EUnavailable, "server is shutting down: reconnect")
	}
	if !isWebSocketUpgrade(c) {
		c.Set(fiber.HeaderUpgrade, "websocket")
		return problemStatus(c, reqID, fiber.StatusUpgradeRequired, hub.EInvalid, "a websocket upgrade is required")
	}
	s := n.newSession(kind, reqID)
	origin := normalizeOrigin(c.Get(fiber.HeaderOrigin))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	switch kind {
	case kindVisitor:
		key := strings.Clone(c.Query("site"))
		g, err := n.gateOfKey(ctx, key) // gate.go
		if hub.IsCode(err, hub.ENotFound) {
			return problem(c, reqID, hub.ENotFound, "unknown site key")
		} else if err != nil {
			s.logger().Error().Err(err).Msg("find site for websocket")
			return problem(c, reqID, hub.EInternal, "internal error")
		}
		fromFrame := slices.Contains(n.cfg.WidgetOrigins, origin)
		if origin == "" || !g.Allows(origin) && !fromFrame {
			return problem(c, reqID, hub.EForbidden, "origin not allowed")
		}
		// A closed chat is told by the close code after the upgrade, so
		// that a browser can read its reason (gate.go).
		s.refused = g.Closed()
		if !fromFrame {
			s.pageOrigin = origin
		}
		s.site = siteRef{ID: g.SiteID, TenantID: g.TenantID, Key: key}
	case kindAgent, kindRequester:
		if origin == "" || !n.agentOrigins[origin] {
			return problem(c, reqID, hub.EForbidden, "origin not allowed")
		}
		if v := c.Query("tenant_id"); v != "" && kind == kindAgent {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return problem(c, reqID, hub.EInvalid, "tenant_id must be a workspace id")
			}
			s.viewTenant = id
		}
		if token := c.Cookies(n.cfg.SessionCookie); token != "" {
			actor, err := n.sessionActor(ctx, kind, strings.Clone(token), s.viewTenant) // support.go
			if err != nil {
				s.preAuthErr = err
			} else {
				s.preAuth, s.token = &actor, strings.Clone(token)
			}
		}
	}
	r, err := httpRequest(c)
	if err != nil {
		return problem(c, reqID, hub.EInvalid, "malformed upgrade request")
	}

	fctx := c.Context()
	fctx.HijackSetNoResponse(true)
	if !c.App().Server().KeepHijackedConns {
		// Without Prepare, fasthttp closes conn when the hijack
		// handler returns: the session runs on its goroutine.
		fctx.Hijack(func(conn net.Conn) { n.serve(s, &hijackedConn{Conn: conn}, r, false) })
		return nil
	}
	fctx.Hijack(func(conn net.Conn) {
		raw, err := handOff(conn)
		if err != nil {
			s.logger().Debug().Err(err).Msg("websocket upgrade: read what fasthttp buffered")
			_ = raw.Close()
			s.cancel()
			return
		}
		go n.serve(s, raw, r, true)
	})
	return nil
}

// handOff takes conn from fasthttp so that its hijack handler can return
// at once: fasthttp then releases the request's RequestCtx and its 4 KiB
// read buffer, which it would otherwise keep for the socket's life
// (hijackConnHandler, fasthttp v1.51; docs/BENCHMARKS.md "Idle
// websockets"). Only with Server.KeepHijackedConns (Prepare), or fasthttp
// would close conn. What fasthttp's reader holds beyond the request (a
// client that did not wait for the 101) is read out first, with a read
// deadline in the past so that nothing is read from the socket itself; the
// returned conn yields it before the socket's bytes. From then on conn's
// reader belongs to fasthttp's pool again, so only the socket under it is
// used. Guarded by TestUpgradeKeepsEarlyFrame.
func handOff(conn net.Conn) (*hijackedConn, error) {
	u, ok := conn.(interface{ UnsafeConn() net.Conn })
	if !ok {
		return &hijackedConn{Conn: conn}, fmt.Errorf("hijacked %T has no UnsafeConn", conn)
	}
	raw := &hijackedConn{Conn: u.UnsafeConn()}
	if err := conn.SetReadDeadline(time.Unix(1, 0)); err != nil {
		return raw, err
	}
	var p [512]byte
	for {
		n, err := conn.Read(p[:])
		raw.pending = append(raw.pending, p[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return raw, err
		}
	}
	return raw, raw.SetReadDeadline(time.Time{})
}

// serve accepts the websocket and runs the session, on fasthttp's hijack
// goroutine until the session ends (without Prepare: fasthttp would close
// the socket if it returned), or after handOff on a goroutine of its own
// (see session.aside for why run starts on a new one).
func (n *Node) serve(s *session, raw *hijackedConn, r *http.Request, handedOff bool) {
	s.raw = raw
	if !n.register(s) {
		_, _ = raw.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
		_ = raw.Close()
		return
	}
	w := newHijackResponse(raw)
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// The origin was checked against the site or AgentOrigins
		// above; the library would compare it with Host, which is wrong
		// for a widget embedded on a customer's site.
		InsecureSkipVerify: true,
		// Context takeover costs about 1.2 MB per connection.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.logger().Info().Err(err).Msg("websocket upgrade failed")
		_ = raw.Close()
		s.cancel()
		n.unregister(s)
		close(s.done)
		return
	}
	s.conn, s.fw = ws, w.fw
	if handedOff {
		go s.run()
		return
	}
	s.run()
}

// hijackedConn closes the socket itself: fasthttp's hijacked connection
// ignores Close unless Server.KeepHijackedConns is set. After handOff it
// wraps the socket itself and first yields the bytes fasthttp had buffered.
type hijackedConn struct {
	net.Conn
	pending []byte // read by the websocket's reader only
}

func (c *hijackedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.pending = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *hijackedConn) Close() error {
	if u, ok := c.Conn.(interface{ UnsafeConn() net.Conn }); ok {
		return u.UnsafeConn().Close()
	}
	return c.Conn.Close()
}

// hijackResponse is the http.ResponseWriter websocket.Accept needs on a
// connection fasthttp has handed over: WriteHeader writes the status line
// and headers straight to the connection, and Hijack returns it.
type hijackResponse struct {
	conn   net.Conn
	brw    *bufio.ReadWriter
	fw     *frameWriter // under brw.Writer (framebuf.go)
	header http.Header
	wrote  bool
	err    error
}

var _ http.Hijacker = (*hijackResponse)(nil)

// readBufferSize is the websocket's read buffer. Clients send small frames
// a few times a second at most (ratelimit.go), and a read into a buffer as
// large as this one bypasses it, so 4 KiB (bufio's default) would mostly sit
// idle, for every socket (docs/BENCHMARKS.md "Idle websockets").
const readBufferSize = 256

func newHijackResponse(conn net.Conn) *hijackResponse {
	fw := &frameWriter{conn: conn}
	return &hijackResponse{conn: conn, fw: fw, header: http.Header{},
		brw: bufio.NewReadWriter(bufio.NewReaderSize(conn, readBufferSize), bufio.NewWriterSize(fw, frameBufferSize))}
}

func (w *hijackResponse) Header() http.Header { return w.header }

func (w *hijackResponse) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if status != http.StatusSwitchingProtocols {
		w.header.Set("Connection", "close")
	}
	if _, err := fmt.Fprintf(w.brw, "HTTP/1.1 %03d %s\r\n", status, http.StatusText(status)); err != nil {
		w.err = err
		return
	}
	if err := w.header.Write(w.brw); err != nil {
		w.err = err
		return
	}
	if _, err := w.brw.WriteString("\r\n"); err != nil {
		w.err = err
		return
	}
	w.err = w.brw.Flush()
}

func (w *hijackResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.brw.Write(p)
	if err == nil {
		err = w.brw.Flush()
	}
	return n, err
}

func (w *hijackResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.err != nil {
		return nil, nil, w.err
	}
	return w.conn, w.brw, nil
}

// httpRequest copies what websocket.Accept reads out of fasthttp's
// request, whose values are only valid until the handler returns.
func httpRequest(c *fiber.Ctx) (*http.Request, error) {
	fr := c.Request()
	uri := string(fr.RequestURI())
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, err
	}
	proto := string(fr.Header.Protocol())
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return nil, fmt.Errorf("bad protocol %q", proto)
	}
	h := http.Header{}
	fr.Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	r := &http.Request{
		Method: string(fr.Header.Method()), URL: u, RequestURI: uri,
		Proto: proto, ProtoMajor: major, ProtoMinor: minor,
		Header: h, Host: string(fr.Host()), RemoteAddr: c.Context().RemoteAddr().String(),
	}
	return r.WithContext(context.Background()), nil
}

func isWebSocketUpgrade(c *fiber.Ctx) bool {
	return headerHasToken(c.Get(fiber.HeaderConnection), "upgrade") && headerHasToken(c.Get(fiber.HeaderUpgrade), "websocket")
}

func headerHasToken(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// requestID is the request id the HTTP middleware set, or the incoming
// X-Request-Id, or a new one.
func requestID(c *fiber.Ctx) string {
	if id := web.RequestID(c); id != "" {
		return strings.Clone(id)
	}
	if id := c.Get(web.RequestIDHeader); validRequestID(id) {
		return strings.Clone(id)
	}
	return hub.RandomToken(12)
}

// validRequestID accepts what web.Middleware accepts: 1 to 64 characters of
// A-Z a-z 0-9 - _, safe to log.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func problem(c *fiber.Ctx, reqID, code, detail string) error {
	return problemStatus(c, reqID, hub.ErrorStatus(code), code, detail)
}

// problemStatus writes an RFC 9457 problem body, before any upgrade.
func problemStatus(c *fiber.Ctx, reqID string, status int, code, detail string) error {
	return c.Status(status).JSON(web.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, RequestID: reqID}, "application/problem+json")
}
