package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// The chat's gates on open visitor sockets (docs/architecture.md "Gates").
//
// Every node keeps, for each site it has visitor sockets of, the site's
// hub.Gate: loaded from the store when the first of them authenticates
// (after joining the site's gate topic, so that no change is missed in
// between), and kept current by hub.EventSiteGate, which the Service
// publishes after every change of the site or of its workspace's plan
// commits. A gate replaces the one kept only when its Version is higher,
// so events that arrive late or twice change nothing. Each frame of a
// visitor socket is checked against the gate in memory, without reading
// the store; a new gate closes every local socket it refuses with
// CloseChatUnavailable and the reason.
//
// Lost events: a broker reset, a lost publish, and every SessionCheck,
// the node reads the gates it keeps from the store again
// (TestGateCaughtUpAfterLostEvent, TestGateCaughtUpOnBrokerReset).
//
// Guarded by TestOpenSocketsFollowTheGate, TestFrameRefusedBeforeClose,
// TestNoStoreReadPerFrame and, across nodes, TestPauseClosesSocketOnOtherNode.

// CloseChatUnavailable closes a visitor socket whose site's chat no longer
// takes it; the close reason is the gate's: hub.ReasonWidgetPaused,
// ReasonWidgetDisabled, ReasonFeatureLocked, ReasonSiteNotMapped or
// hub.ReasonVerifiedOnly. The client shows that the chat is paused or
// unavailable and tries again much later or when its user asks, not in a
// loop (docs/protocol.md "Close codes").
const CloseChatUnavailable websocket.StatusCode = 4003

// gates is the node's copy of the gate of each site it has visitor
// sockets of.
type gates struct {
	mu    sync.Mutex
	sites map[int64]*siteGate
	keys  map[string]int64 // the site keys of sites, for handshakes (gateOfKey)
	// refresh asks gateLoop to read every gate from the store now.
	refresh chan struct{}
}

// siteGate is one site's gate, shared by the node's sockets of the site.
type siteGate struct {
	gate atomic.Pointer[hub.Gate] // nil until loaded
	refs int                      // sessions holding it; guarded by gates.mu
}

// gateSubject is what a visitor socket is checked with: its site's gate
// and who it is to the gate. It is set before the socket is first
// checked, so that a new gate arriving meanwhile finds it.
type gateSubject struct {
	site     *siteGate
	verified bool
	// origins are the pages the socket serves: its token's page, and the
	// handshake's Origin when a site's page opened the socket itself.
	origins []string
}

// store keeps g unless a gate with the same or a higher version is kept
// already; it reports whether it kept g.
func (sg *siteGate) store(g hub.Gate) bool {
	for {
		cur := sg.gate.Load()
		if cur != nil && cur.Version >= g.Version {
			return false
		}
		if sg.gate.CompareAndSwap(cur, &g) {
			return true
		}
	}
}

// acquireGate makes the site's gate available to s: it joins the site's
// gate topic, then loads the gate from the store unless the node keeps it
// already (and hears its changes). Only s's reader calls it; again after a
// failure, it goes on where it failed.
func (n *Node) acquireGate(ctx context.Context, s *session) (*siteGate, error) {
	// A failed authenticate leaves every topic, this one too: joined
	// again, the gate is read again, as changes may have passed unheard.
	joined := false
	if topic := hub.TopicSiteGate(s.site.ID); !s.topics[topic] {
		if err := n.join(ctx, s, topic); err != nil {
			return nil, err
		}
		s.topics[topic], joined = true, true
	}
	sg := s.gateEntry
	reload := joined && sg != nil
	if sg == nil {
		n.gates.mu.Lock()
		if sg = n.gates.sites[s.site.ID]; sg == nil {
			sg = &siteGate{}
			n.gates.sites[s.site.ID] = sg
			n.gates.keys[s.site.Key] = s.site.ID
		}
		sg.refs++
		n.gates.mu.Unlock()
		s.gateEntry = sg
	}
	if reload || sg.gate.Load() == nil {
		g, err := n.svc.SiteGate(ctx, s.site.ID)
		if err != nil {
			return nil, err
		}
		n.applyGate(g)
	}
	return sg, nil
}

// releaseGate forgets the site's gate with the node's last socket of it.
func (n *Node) releaseGate(s *session) {
	if s.gateEntry == nil {
		return
	}
	n.gates.mu.Lock()
	defer n.gates.mu.Unlock()
	s.gateEntry.refs--
	if s.gateEntry.refs <= 0 && n.gates.sites[s.site.ID] == s.gateEntry {
		delete(n.gates.sites, s.site.ID)
		delete(n.gates.keys, s.site.Key)
	}
}

// gateOfKey is the gate of the site with key for a visitor socket's
// handshake: the one the node keeps while it has sockets of the site
// (current as every socket's frames are checked against it), else read
// from the store. ENotFound for an unknown key.
func (n *Node) gateOfKey(ctx context.Context, key string) (hub.Gate, error) {
	n.gates.mu.Lock()
	var g *hub.Gate
	if sg := n.gates.sites[n.gates.keys[key]]; sg != nil {
		g = sg.gate.Load()
	}
	n.gates.mu.Unlock()
	if g != nil {
		return *g, nil
	}
	site, tenant, _, err := n.svc.WidgetSite(ctx, key, "")
	if err != nil {
		return hub.Gate{}, err
	}
	if site == nil {
		return hub.Gate{}, hub.Errorf(hub.ENotFound, "unknown site key")
	}
	return hub.GateOf(site, tenant), nil
}

// gateReceived applies an EventSiteGate from the broker.
func (n *Node) gateReceived(data json.RawMessage) {
	var g hub.Gate
	if err := json.Unmarshal(data, &g); err != nil || g.SiteID == 0 {
		n.log.Error().Err(err).Msg("undecodable site gate")
		return
	}
	n.applyGate(g)
}

// applyGate keeps g when it is newer than the gate kept for its site, and
// then closes the local visitor sockets it refuses.
func (n *Node) applyGate(g hub.Gate) {
	n.gates.mu.Lock()
	sg := n.gates.sites[g.SiteID]
	n.gates.mu.Unlock()
	if sg == nil || !sg.store(g) {
		return
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	t := n.topics[hub.TopicSiteGate(g.SiteID)]
	if t == nil {
		return
	}
	for s := range t.subs {
		if _, reason := s.gateRefusal(); reason != "" {
			s.closeChat(reason)
		}
	}
}

// gateRefusal returns the gate a visitor socket is checked with and why it
// refuses the socket now ("" when it does not, and for the sockets that
// have no gate to pass: agents, requesters, visitors before auth).
func (s *session) gateRefusal() (hub.Gate, string) {
	subj := s.gateSubj.Load()
	if subj == nil {
		return hub.Gate{}, ""
	}
	g := subj.site.gate.Load()
	if g == nil {
		return hub.Gate{}, ""
	}
	return *g, g.ForVisitor(subj.verified, subj.origins...)
}

// checkGate refuses a visitor's frame when the gate kept in memory refuses
// the socket, even before the node's handler closed it: the frame gets the
// gate's error, and the socket closes with CloseChatUnavailable after it.
func (s *session) checkGate(id string) bool {
	g, reason := s.gateRefusal()
	if reason == "" {
		return true
	}
	s.push(&item{kind: itemFrame, frame: s.errorFrame(id, "", g.Error(reason, s.pageOrigin))})
	s.push(&item{kind: itemClose, code: CloseChatUnavailable, reason: reason})
	return false
}

// closeChat closes a visitor socket the gate refuses now.
func (s *session) closeChat(reason string) {
	if s.close(CloseChatUnavailable, reason) {
		s.logger().Info().Str("reason", reason).Msg("closing visitor socket: the chat is closed to it")
	}
}

// pageOrigins are the pages a visitor socket serves (gateSubject.origins).
func (s *session) pageOrigins(a hub.Actor) []string {
	origins := []string{a.Origin}
	if s.pageOrigin != "" && s.pageOrigin != a.Origin {
		origins = append(origins, s.pageOrigin)
	}
	return origins
}

// admitVisitor sets the gate a just authenticated visitor socket is checked
// with from now on, and checks it: a gate refusing the socket is the
// visitor's error (Gate.Error).
func (s *session) admitVisitor(sg *siteGate, a hub.Actor) error {
	s.gateSubj.Store(&gateSubject{site: sg, verified: a.Verified, origins: s.pageOrigins(a)})
	if g, reason := s.gateRefusal(); reason != "" {
		return g.Error(reason, a.Origin)
	}
	return nil
}

// refreshGates asks gateLoop to read the gates from the store now (after
// events may have been lost). It never blocks.
func (n *Node) refreshGates() {
	select {
	case n.gates.refresh <- struct{}{}:
	default:
	}
}

// gateLoop reads every gate the node keeps from the store every
// SessionCheck, and when refreshGates asks, until the node stops: the
// fallback for lost EventSiteGates.
func (n *Node) gateLoop() {
	t := time.NewTicker(n.cfg.SessionCheck)
	defer t.Stop()
	for {
		select {
		case <-n.pubStop:
			return
		case <-t.C:
		case <-n.gates.refresh:
		}
		n.gates.mu.Lock()
		ids := make([]int64, 0, len(n.gates.sites))
		for id := range n.gates.sites {
			ids = append(ids, id)
		}
		n.gates.mu.Unlock()
		slices.Sort(ids)
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(n.pubCtx, opTimeout)
			g, err := n.svc.SiteGate(ctx, id)
			cancel()
			if err != nil {
				if n.pubCtx.Err() == nil {
					n.log.Warn().Err(err).Int64("site", id).Msg("refresh site gate: keeping the one known")
				}
				continue
			}
			n.applyGate(g)
		}
	}
}
