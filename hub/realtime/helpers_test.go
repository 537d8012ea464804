package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/realtime"
	"github.com/parley-chat/parley/hub/web"
	"github.com/parley-chat/parley/store/sqlite"
)

const (
	siteOrigin  = "https://shop.example"
	dashOrigin  = "https://parley.example"
	testTimeout = hubtest.Wait
)

// env is one running node: a real SQLite store, a broker, a Fiber app on
// 127.0.0.1:0 with the three websocket routes.
type env struct {
	t      *testing.T
	db     *sqlite.DB
	svc    *hub.Service
	node   *realtime.Node
	broker hub.Broker
	app    *fiber.App
	addr   string
	logs   *syncBuffer
}

type envOption func(*realtime.Config, *envSettings)

type envSettings struct {
	noPrepare bool
	db        *sqlite.DB
	broker    func(h hub.BrokerHandler) hub.Broker
	wrapStore func(hub.Store) hub.Store
	service   func(*hub.Service)
}

func withConfig(f func(*realtime.Config)) envOption {
	return func(c *realtime.Config, _ *envSettings) { f(c) }
}

func withoutPrepare() envOption {
	return func(_ *realtime.Config, s *envSettings) { s.noPrepare = true }
}

// withStore shares another env's store (for two nodes of one cluster).
func withStore(db *sqlite.DB) envOption {
	return func(_ *realtime.Config, s *envSettings) { s.db = db }
}

func withStoreWrapper(f func(hub.Store) hub.Store) envOption {
	return func(_ *realtime.Config, s *envSettings) { s.wrapStore = f }
}

func withBroker(f func(h hub.BrokerHandler) hub.Broker) envOption {
	return func(_ *realtime.Config, s *envSettings) { s.broker = f }
}

// withService changes the Service before anything uses it (its Clock).
func withService(f func(*hub.Service)) envOption {
	return func(_ *realtime.Config, s *envSettings) { s.service = f }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	logs := &syncBuffer{}
	log := zerolog.New(io.MultiWriter(zerolog.NewTestWriter(t), logs)).Level(zerolog.DebugLevel)
	cfg := realtime.Config{Log: log, AgentOrigins: []string{dashOrigin}}
	var set envSettings
	for _, o := range opts {
		o(&cfg, &set)
	}
	db := set.db
	if db == nil {
		var err error
		db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
	}
	var store hub.Store = db
	if set.wrapStore != nil {
		store = set.wrapStore(db)
	}
	svc := &hub.Service{Store: store, Log: hubtest.Logger(t), Secret: []byte("test-secret-test-secret")}
	if set.service != nil {
		set.service(svc)
	}
	cfg.Service = svc
	node := realtime.New(cfg)
	newBroker := set.broker
	if newBroker == nil {
		newBroker = newMemoryBroker
	}
	b := newBroker(node)
	if err := node.Start(b); err != nil {
		t.Fatal(err)
	}
	svc.Publisher = node

	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: web.ErrorHandler})
	if !set.noPrepare {
		realtime.Prepare(app)
	}
	app.Use(web.Middleware(log))
	app.Get("/ws/visitor", node.VisitorHandler())
	app.Get("/ws/agent", node.AgentHandler())
	app.Get("/ws/support", node.SupportHandler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = app.Listener(ln)
	}()
	e := &env{t: t, db: db, svc: svc, node: node, broker: b, app: app, addr: ln.Addr().String(), logs: logs}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := node.Shutdown(ctx); err != nil {
			t.Errorf("node shutdown: %v", err)
		}
		if err := app.ShutdownWithContext(ctx); err != nil {
			t.Errorf("app shutdown: %v", err)
		}
		<-served
		b.Close()
	})
	return e
}

// account is a tenant with its owner, logged in, and one site.
type account struct {
	tenant *hub.Tenant
	owner  *hub.Member
	actor  hub.Actor
	token  string // owner's session token
	site   *hub.Site
}

var accountSeq struct {
	sync.Mutex
	n int
}

func (e *env) newAccount() *account {
	e.t.Helper()
	ctx := context.Background()
	accountSeq.Lock()
	accountSeq.n++
	n := accountSeq.n
	accountSeq.Unlock()
	email := fmt.Sprintf("owner%d@example.com", n)
	tenant, owner, err := e.svc.CreateTenant(ctx, hub.NewAccount{TenantName: fmt.Sprintf("Tenant %d", n), Email: email, Password: "password123"})
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, email, "password123")
	if err != nil {
		e.t.Fatal(err)
	}
	a := &account{tenant: tenant, owner: owner, token: token,
		actor: hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: owner.Role}}
	a.site = e.newSite(a, siteOrigin)
	return a
}

func (e *env) newSite(a *account, origins ...string) *hub.Site {
	e.t.Helper()
	site, err := e.svc.CreateSite(context.Background(), a.actor, hub.NewSite{TenantID: a.tenant.ID, Name: "Shop", AllowedOrigins: origins})
	if err != nil {
		e.t.Fatal(err)
	}
	return site
}

// newVisitor starts a visitor on site and returns it with its token.
func (e *env) newVisitor(site *hub.Site) (*hub.Visitor, string) {
	e.t.Helper()
	visit, err := e.svc.StartVisitor(context.Background(), hub.VisitorStart{SiteKey: site.Key, Origin: site.AllowedOrigins[0]})
	if err != nil {
		e.t.Fatal(err)
	}
	return visit.Visitor, visit.Token
}

// frame is a server frame as a client sees it.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
	// ack marks a message.created the test client made of an ack's
	// message (client.read).
	ack bool
}

type client struct {
	t    *testing.T
	conn *websocket.Conn
	// pending holds frames read but not yet taken, in order.
	pending []frame
	// fromAck tells, for each message messages took, whether it came from
	// an ack or an event: the other copy is skipped, a second event is not.
	fromAck map[[2]int64]bool
}

type dialOpts struct {
	origin string
	header http.Header
	client *http.Client
	opts   *websocket.DialOptions
}

func (e *env) dial(path string, o dialOpts) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for k, v := range o.header {
		h[k] = v
	}
	if o.origin != "" {
		h.Set("Origin", o.origin)
	}
	opts := o.opts
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	opts.HTTPHeader = h
	if o.client != nil {
		opts.HTTPClient = o.client
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return websocket.Dial(ctx, "ws://"+e.addr+path, opts)
}

func (e *env) mustDial(path string, o dialOpts) *client {
	e.t.Helper()
	conn, _, err := e.dial(path, o)
	if err != nil {
		e.t.Fatalf("dial %s: %v", path, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &client{t: e.t, conn: conn}
	e.t.Cleanup(func() { conn.CloseNow() })
	if f := c.next(); f.Type != realtime.TypeHello {
		e.t.Fatalf("first frame is %s, want hello", f.Type)
	}
	return c
}

// visitor connects a visitor to site and authenticates it.
func (e *env) visitor(site *hub.Site, token string) *client {
	e.t.Helper()
	c := e.mustDial("/ws/visitor?site="+site.Key, dialOpts{origin: site.AllowedOrigins[0]})
	c.send(realtime.TypeAuth, "auth", map[string]any{"token": token})
	c.waitFor(realtime.TypeAuthOK, "auth")
	return c
}

// agent connects with the session cookie, which authenticates at once.
func (e *env) agent(a *account) *client {
	e.t.Helper()
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + a.token}}})
	c.waitFor(realtime.TypeAuthOK, "")
	return c
}

func (c *client) send(typ, id string, data any) {
	c.t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "id": id, "data": data})
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame or the read error.
func (c *client) read(d time.Duration) (frame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	typ, b, err := c.conn.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	if typ != websocket.MessageText {
		return frame{}, fmt.Errorf("got a binary frame")
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		return frame{}, fmt.Errorf("undecodable frame %q: %v", b, err)
	}
	if f.Type == realtime.TypeAck {
		// The ack is the sender's copy of its message (docs/protocol.md
		// "send"): a client shows it as it shows message.created, so the
		// test client takes it as one, marked ack, after the ack frame.
		var d struct{ Message json.RawMessage }
		if json.Unmarshal(f.Data, &d) == nil && len(d.Message) > 0 {
			c.pending = append(c.pending, frame{Type: hub.EventMessageCreated, Data: d.Message, ack: true})
		}
	}
	return f, nil
}

func (c *client) next() frame {
	c.t.Helper()
	f, err := c.read(testTimeout)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

// take returns the first pending or newly read frame that matches; the
// frames read past stay pending, in order, for later calls.
func (c *client) take(what string, match func(frame) bool) frame {
	c.t.Helper()
	for i, f := range c.pending {
		if match(f) {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			return f
		}
	}
	for {
		f, err := c.read(testTimeout)
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
		c.pending = append(c.pending, f)
	}
}

// waitFor returns the next frame of type typ (and id, when not empty);
// with an id, a reply of another type (an error) fails the test.
func (c *client) waitFor(typ, id string) frame {
	c.t.Helper()
	f := c.take(typ+" "+id, func(f frame) bool { return f.Type == typ && (id == "" || f.ID == id) || id != "" && f.ID == id })
	if typ != "" && f.Type != typ {
		c.t.Fatalf("waiting for %s %q: got %s %s", typ, id, f.Type, f.Data)
	}
	return f
}

// until returns the frame of type typ and id and every frame before it,
// which it consumes.
func (c *client) until(typ, id string) (frame, []frame) {
	c.t.Helper()
	f := c.waitFor(typ, id)
	before := c.pending
	c.pending = nil
	return f, before
}

// request sends a frame and returns the reply with the same id.
func (c *client) request(typ, id string, data any, reply string) frame {
	c.t.Helper()
	c.send(typ, id, data)
	return c.waitFor(reply, id)
}

// expectError sends a frame and checks that the reply is an error with code.
func (c *client) expectError(typ, id string, data any, code string) {
	c.t.Helper()
	c.send(typ, id, data)
	f := c.take("reply "+id, func(f frame) bool { return f.ID == id })
	if f.Type != realtime.TypeError {
		c.t.Fatalf("%s: got %s %s, want error %s", typ, f.Type, f.Data, code)
	}
	if got := errCode(c.t, f); got != code {
		c.t.Fatalf("%s: error code %q (%s), want %q", typ, got, f.Data, code)
	}
}

func errCode(t *testing.T, f frame) string {
	t.Helper()
	var d struct{ Code, Message string }
	if err := json.Unmarshal(f.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Message == "" {
		t.Errorf("error frame without a message: %s", f.Data)
	}
	return d.Code
}

// message is the part of a message frame the tests look at.
type message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	Body           string `json:"body"`
	Internal       bool   `json:"internal"`
	TenantID       int64  `json:"tenant_id"`
	AuthorID       int64  `json:"author_id"`
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// messages returns the next n messages, from message.created frames and
// acks: an ack of a message taken already, or the event of one taken from
// its ack, is skipped; an event that comes twice is not.
func (c *client) messages(n int) []message {
	c.t.Helper()
	var out []message
	for len(out) < n {
		f := c.take("message.created", func(f frame) bool { return f.Type == hub.EventMessageCreated })
		m := decode[message](c.t, f.Data)
		key := [2]int64{m.ConversationID, m.Seq}
		if c.fromAck == nil {
			c.fromAck = map[[2]int64]bool{}
		}
		if taken, ok := c.fromAck[key]; ok && (f.ack || taken) {
			continue // a copy: an ack of a message taken, an event of one taken from its ack
		}
		c.fromAck[key] = f.ack
		out = append(out, m)
	}
	return out
}

// noMessageBefore fails if a message.created frame is pending or arrives
// before the frame with id, whose request the caller has sent.
func (c *client) noMessageBefore(id string) {
	c.t.Helper()
	_, before := c.until("", id)
	for _, f := range before {
		if f.Type == hub.EventMessageCreated && !f.ack {
			c.t.Fatalf("unexpected message.created %s", f.Data)
		}
	}
}

// closeStatus reads until the socket closes and returns its status.
func (c *client) closeStatus(d time.Duration) websocket.StatusCode {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("socket still open after %v", d)
		}
		_, err := c.read(left)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("socket still open after %v", d)
			}
			return websocket.CloseStatus(err)
		}
	}
}

func bodies(ms []message) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%d:%s", m.Seq, m.Body)
	}
	return b.String()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, testTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// conversation is a visitor of an account's site with a conversation that
// holds the visitor's first message.
type conversation struct {
	visitor      *hub.Visitor
	visitorToken string
	visitorActor hub.Actor
	conv         *hub.Conversation
	first        *hub.Message
}

func startConversation(t *testing.T, e *env, a *account) *conversation {
	t.Helper()
	ctx := context.Background()
	v, token := e.newVisitor(a.site)
	actor, err := e.svc.VisitorActor(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.SendMessage(ctx, actor, hub.NewMessage{Body: "hello, anyone there?"})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := e.svc.Conversation(ctx, actor, m.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	return &conversation{visitor: v, visitorToken: token, visitorActor: actor, conv: conv, first: m}
}

// say sends a message as actor through the service.
func (e *env) say(actor hub.Actor, conv int64, body string, internal bool) *hub.Message {
	e.t.Helper()
	m, err := e.svc.SendMessage(context.Background(), actor, hub.NewMessage{ConversationID: conv, Body: body, Internal: internal})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}
