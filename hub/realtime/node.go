// Package realtime is Parley's websocket engine. A Node holds the
// websockets of one process: it upgrades visitor, agent and support
// requester connections through Fiber, authenticates and authorizes every
// frame through the hub.Service, subscribes to the broker topics its
// sessions need, and fans the events other nodes (and this one) publish
// out to its sessions.
//
// The broker is the fast path, the store the truth: a session tracks the
// last message seq it delivered per conversation and fills any gap from the
// store, so a client sees every message of a subscribed conversation once,
// in order, even when the broker loses events. docs/protocol.md describes
// the wire protocol.
//
// Wiring, in this order:
//
//	node := realtime.New(cfg)
//	b := broker.NewMemory(node, broker.MemoryConfig{}) // or Redis
//	node.Start(b)
//	service.Publisher = node
//	realtime.Prepare(app)
//	app.Get("/ws/visitor", node.VisitorHandler())
//	app.Get("/ws/agent", node.AgentHandler())
//	app.Get("/ws/support", node.SupportHandler())
package realtime

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/metrics"
)

// Config configures a Node. The zero value of every field but Service is a
// usable default.
type Config struct {
	Service *hub.Service
	Log     zerolog.Logger
	// Metrics may be nil.
	Metrics *metrics.Metrics
	// NodeID names the node in hello frames, logs and its probe topic.
	// Default: a random id.
	NodeID string
	// AgentOrigins are the Origin values allowed to open agent sockets:
	// the dashboard's own origin(s). Empty: no browser agent can connect.
	AgentOrigins []string
	// WidgetOrigins are origins allowed to open visitor sockets for any
	// site: the hub's own, where the widget's iframe runs. Only pages the
	// site allows may frame it (frame-ancestors), so this opens nothing to
	// other sites.
	WidgetOrigins []string
	// SessionCookie is the dashboard session cookie. Default "parley_session".
	SessionCookie string
	// SendQueue is the number of frames queued for one client before it is
	// disconnected as a slow consumer. Default 256.
	SendQueue int
	// PingInterval is the time between pings. Default 25 s.
	PingInterval time.Duration
	// PongTimeout is how long a pong may take before the peer is
	// considered dead. Default 10 s.
	PongTimeout time.Duration
	// AuthTimeout is how long a client may stay unauthenticated. Default 10 s.
	AuthTimeout time.Duration
	// WriteTimeout bounds one frame write. Default 10 s.
	WriteTimeout time.Duration
	// MaxFrameBytes is the largest frame a client may send; a larger one
	// closes the socket with 1009. Default 64 KiB.
	MaxFrameBytes int64
	// ResumeLimit is the most missed messages a session replays; beyond it
	// the client is told to reload history (resync). Default 200.
	ResumeLimit int
	// PublishQueue is the number of events waiting for the broker before
	// Publish fails. Default 8192.
	PublishQueue int
	// SessionCheck is how often an agent or requester socket re-checks
	// its dashboard session (and a support viewer its workspace's support
	// access), and how often the node reads the site gates it keeps from
	// the store again (gate.go). A logout, a password reset, a removal or a role change
	// closes it with 4001 at once when its hub.EventMemberSessions arrives
	// through the broker (a closed access: hub.EventSupportAccess), and at
	// the next check if that event was lost or nothing was published (an
	// access that expired). Default 30 s.
	SessionCheck time.Duration
	// PresenceInterval is how often the node tells the cluster which
	// members are online on it (presence.go); a node silent for three
	// intervals is taken for dead and its members go offline. Default 10 s.
	PresenceInterval time.Duration
	// KnowledgeChanged, when set, hears every hub.EventKnowledgeChanged
	// published on any node (the node subscribes hub.TopicKnowledge at
	// Start): the node's assistant drops its index of the site. It is
	// called on the broker's goroutine and must not block. An event lost
	// in a broker reset is not replayed: the assistant's own check of the
	// knowledge version is the safety net. Nil: the node does not listen.
	KnowledgeChanged func(hub.KnowledgeChange)
}

func (c *Config) setDefaults() {
	if c.NodeID == "" {
		c.NodeID = "node_" + hub.RandomToken(6)
	}
	if c.SessionCookie == "" {
		c.SessionCookie = "parley_session"
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 10 * time.Second
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 64 << 10
	}
	if c.ResumeLimit <= 0 {
		c.ResumeLimit = 200
	}
	if c.PublishQueue <= 0 {
		c.PublishQueue = 8192
	}
	if c.SessionCheck <= 0 {
		c.SessionCheck = 30 * time.Second
	}
	if c.PresenceInterval <= 0 {
		c.PresenceInterval = 10 * time.Second
	}
}

// Publishing to the broker: attempts per batch (publish.go), and how long
// each may take.
const (
	publishAttempts = 5
	publishTimeout  = 2 * time.Second
	// opTimeout bounds one store or broker operation done for a frame.
	opTimeout = 10 * time.Second
	// shutdownConcurrency is how many websockets close at once on Shutdown.
	shutdownConcurrency = 64
)

// Node is the realtime engine of one process. It is a hub.BrokerHandler
// (the broker delivers to it) and a hub.Publisher (the Service publishes
// through it).
type Node struct {
	cfg          Config
	svc          *hub.Service
	log          zerolog.Logger
	metrics      *metrics.Metrics
	agentOrigins map[string]bool
	probeTopic   string

	// broker is set once by Start, before started is closed.
	broker  hub.Broker
	started chan struct{}

	// kicks are the sessions the broker's handler queued items for
	// without starting their writers: HandleIdle starts them. Only the
	// handler's goroutine touches it (dispatch.go).
	kicks []*session

	mu       sync.RWMutex
	topics   map[string]*topic
	sessions map[*session]struct{}
	members  map[int64]int // local agent sessions per member, for presence
	closing  bool
	wg       sync.WaitGroup // sessions

	pubq      chan hub.Publication
	pubLost   atomic.Bool // a publish failed: local clients must resume
	pubStop   chan struct{}
	pubDone   chan struct{}
	pubCtx    context.Context
	pubCancel context.CancelFunc
	stopOnce  sync.Once

	probeMu sync.Mutex // guards probes; never held across a broker call
	probes  map[string]chan struct{}
	// probeSubMu serializes subscribing the probe topic.
	probeSubMu      sync.Mutex
	probeSubscribed bool

	// pres is the cluster's presence as this node knows it (presence.go).
	pres presenceState
	// gates are the gates of the sites with local visitor sockets (gate.go).
	gates gates
}

var (
	_ hub.BrokerHandler = (*Node)(nil)
	_ hub.Publisher     = (*Node)(nil)
)

// New returns a Node. Call Start before serving sockets.
func New(cfg Config) *Node {
	cfg.setDefaults()
	n := &Node{
		cfg:          cfg,
		svc:          cfg.Service,
		log:          cfg.Log.With().Str("node", cfg.NodeID).Logger(),
		metrics:      cfg.Metrics,
		agentOrigins: map[string]bool{},
		probeTopic:   "probe:" + cfg.NodeID,
		started:      make(chan struct{}),
		topics:       map[string]*topic{},
		sessions:     map[*session]struct{}{},
		members:      map[int64]int{},
		pubq:         make(chan hub.Publication, cfg.PublishQueue),
		pubStop:      make(chan struct{}),
		pubDone:      make(chan struct{}),
		probes:       map[string]chan struct{}{},
		gates:        gates{sites: map[int64]*siteGate{}, keys: map[string]int64{}, refresh: make(chan struct{}, 1)},
	}
	n.pubCtx, n.pubCancel = context.WithCancel(context.Background())
	for _, o := range cfg.AgentOrigins {
		if norm, err := hub.NormalizeOrigin(o); err == nil {
			n.agentOrigins[norm] = true
		} else {
			n.log.Warn().Str("origin", o).Msg("ignoring invalid agent origin")
		}
	}
	return n
}

// NodeID returns the node id.
func (n *Node) NodeID() string { return n.cfg.NodeID }

// Start attaches the broker, which must have been built with n as its
// handler, starts publishing, and subscribes the node's probe topic. An
// error means only that the probe topic could not be subscribed yet;
// Probe retries it.
func (n *Node) Start(b hub.Broker) error {
	select {
	case <-n.started:
		return fmt.Errorf("realtime: node already started")
	default:
	}
	n.broker = b
	close(n.started)
	go n.runPublisher(b)
	n.startPresence()
	go n.gateLoop()
	go n.pingLoop() // ping.go
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	if err := n.subscribeProbe(ctx); err != nil {
		return fmt.Errorf("realtime: subscribe probe topic: %w", err)
	}
	if n.cfg.KnowledgeChanged != nil {
		if err := b.Subscribe(ctx, hub.TopicKnowledge); err != nil {
			return fmt.Errorf("realtime: subscribe knowledge topic: %w", err)
		}
	}
	return nil
}

func (n *Node) brokerOrErr() (hub.Broker, error) {
	select {
	case <-n.started:
		return n.broker, nil
	default:
		return nil, hub.Errorf(hub.EUnavailable, "realtime is not started yet")
	}
}

// register adds a session unless the node is shutting down.
func (n *Node) register(s *session) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return false
	}
	n.sessions[s] = struct{}{}
	n.wg.Add(1)
	return true
}

// unregister undoes what the session's life left behind: topics, presence.
// It runs once every goroutine of the session has ended.
func (n *Node) unregister(s *session) {
	for name := range s.topics {
		n.leave(s, name)
	}
	n.endViewing(s)  // viewing.go
	n.releaseGate(s) // gate.go
	if a := s.actor.Load(); a != nil && a.Kind == hub.ActorMember && !a.ReadOnly {
		n.presence(*a, false)
	}
	n.mu.Lock()
	delete(n.sessions, s)
	n.mu.Unlock()
	n.wg.Done()
}

func (n *Node) isClosing() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.closing
}

// presence counts an agent's sessions on this node and tells the cluster
// (presence.go) when the first connects or the last disconnects.
func (n *Node) presence(a hub.Actor, online bool) {
	n.mu.Lock()
	c := n.members[a.ID]
	if online {
		c++
	} else {
		c--
	}
	if c <= 0 {
		delete(n.members, a.ID)
	} else {
		n.members[a.ID] = c
	}
	n.mu.Unlock()
	if online && c != 1 || !online && c != 0 {
		return
	}
	n.presenceChanged(a)
}

// Sessions returns the number of open websockets.
func (n *Node) Sessions() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sessions)
}

// Shutdown stops accepting websockets, closes every open one with 1001
// (going away), at most 64 close handshakes at a time, waits for their
// goroutines, and flushes the publish queue, all bounded by ctx. Sockets
// still open when ctx ends are closed abruptly. Shutdown does not close the
// broker: the caller does, afterwards. fasthttp's own Shutdown does not
// close hijacked connections, so call this before (or alongside) it.
func (n *Node) Shutdown(ctx context.Context) error {
	n.mu.Lock()
	n.closing = true
	sessions := make([]*session, 0, len(n.sessions))
	for s := range n.sessions {
		sessions = append(sessions, s)
	}
	n.mu.Unlock()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].started.Before(sessions[j].started) })

	sem := make(chan struct{}, shutdownConcurrency)
	var closers sync.WaitGroup
loop:
	for _, s := range sessions {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		closers.Add(1)
		go func() {
			defer closers.Done()
			defer func() { <-sem }()
			s.close(CloseGoingAway, "server shutting down")
			select {
			case <-s.done:
			case <-ctx.Done():
			}
		}()
	}
	closers.Wait()

	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		n.mu.RLock()
		for s := range n.sessions {
			s.abort()
		}
		n.mu.RUnlock()
	}

	n.presenceGone() // presence.go: before the publisher stops
	n.stopOnce.Do(func() { close(n.pubStop) })
	select {
	case <-n.started:
		select {
		case <-n.pubDone:
		case <-ctx.Done():
			n.pubCancel()
			<-n.pubDone
			err = ctx.Err()
		}
	default:
	}
	n.pubCancel()
	if err != nil {
		return fmt.Errorf("realtime: shutdown: %w", err)
	}
	return nil
}

// normalizeOrigin lower-cases a browser Origin header for comparison; ""
// when it is not a valid origin.
func normalizeOrigin(origin string) string {
	norm, err := hub.NormalizeOrigin(origin)
	if err != nil || strings.TrimSpace(origin) == "" {
		return ""
	}
	return norm
}
