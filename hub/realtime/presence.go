package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/parley-chat/parley/hub"
)

// Cluster-wide presence.
//
// Every node subscribes to one broker topic, presenceTopic, and tells the
// others there which members have agent sockets open on it: the whole
// list every PresenceInterval (the heartbeat) and whenever a node asks,
// and each change as it happens. Each node keeps the cluster's view: for
// every node heard from, the members online there, valid until that
// node's last message plus its TTL (three intervals). A member is online
// while any node lists them. A node that dies stops beating and its
// members go offline when the TTL passes; a node that shuts down says so
// and they go at once.
//
// Each node turns changes of the view into presence events for its own
// agent sessions of the member's workspace, under one lock, so that every
// session sees one ordered history, and a new session's presence.list
// snapshot is followed exactly by the changes after it.
//
// Guarded by TestClusterPresence, TestPresenceExpires and TestPresence.

// presenceTopic is the broker topic of presence messages between nodes;
// no client ever subscribes to it.
const presenceTopic = "presence"

// presenceMsg is what a node tells the others.
type presenceMsg struct {
	Node string `json:"node"`
	// Full: Entries are everything online on Node, replacing what was
	// known; otherwise they are changes.
	Full bool `json:"full,omitempty"`
	// Query asks every other node for its full list.
	Query bool `json:"query,omitempty"`
	// Gone: Node is shutting down; forget its members.
	Gone bool `json:"gone,omitempty"`
	// TTLMS is how long what Node says stays true without a new message.
	TTLMS   int64           `json:"ttl_ms"`
	Entries []presenceEntry `json:"entries,omitempty"`
}

type presenceEntry struct {
	Tenant int64 `json:"t"`
	Member int64 `json:"m"`
	Online bool  `json:"o"`
}

// presenceListData answers presence.list, and follows auth.ok for agents:
// the members of the workspace online on any node.
type presenceListData struct {
	Online []int64 `json:"online"`
}

// presenceState is a node's view of the cluster. Lock order: mu before
// Node.mu.
type presenceState struct {
	mu sync.Mutex
	// sources are the nodes heard from, this one included (it never
	// expires).
	sources map[string]*presenceSource
	// online counts, per tenant and member, the sources that list them.
	online map[int64]map[int64]int
	// subscribed: the node subscribed presenceTopic. Written by Start
	// and then only by presenceLoop.
	subscribed bool
}

type presenceSource struct {
	expires time.Time       // zero: never (this node)
	members map[int64]int64 // member → tenant
}

// presenceTTL is how long a node's list stays true without a heartbeat.
func (n *Node) presenceTTL() time.Duration { return 3 * n.cfg.PresenceInterval }

// presenceChanged records that a member's first local agent session
// opened or its last closed, and tells the cluster. Node.presence calls it
// on those transitions. It reads the member's session count again under
// the view's lock, so that two transitions racing (a close and an open)
// leave the view as the count is, whichever runs last.
func (n *Node) presenceChanged(a hub.Actor) {
	p := &n.pres
	p.mu.Lock()
	n.mu.RLock()
	online := n.members[a.ID] > 0
	n.mu.RUnlock()
	src := p.source(n.cfg.NodeID)
	if online {
		n.presenceSet(src, a.ID, a.TenantID)
	} else {
		n.presenceUnset(src, a.ID)
	}
	// Published under the lock, so that the cluster hears this node's
	// changes in the order its view took them.
	n.publishPresence(presenceMsg{Entries: []presenceEntry{{Tenant: a.TenantID, Member: a.ID, Online: online}}})
	p.mu.Unlock()
}

// source returns the entry of node, creating it. p.mu must be held.
func (p *presenceState) source(node string) *presenceSource {
	if p.sources == nil {
		p.sources = map[string]*presenceSource{}
	}
	src := p.sources[node]
	if src == nil {
		src = &presenceSource{members: map[int64]int64{}}
		p.sources[node] = src
	}
	return src
}

// presenceSet lists member as online at src and announces the member to
// local sessions if no source listed them before. n.pres.mu must be held.
func (n *Node) presenceSet(src *presenceSource, member, tenant int64) {
	if _, ok := src.members[member]; ok {
		return
	}
	src.members[member] = tenant
	if n.pres.online == nil {
		n.pres.online = map[int64]map[int64]int{}
	}
	counts := n.pres.online[tenant]
	if counts == nil {
		counts = map[int64]int{}
		n.pres.online[tenant] = counts
	}
	counts[member]++
	if counts[member] == 1 {
		n.announcePresence(tenant, member, true)
	}
}

// presenceUnset is the reverse of presenceSet. n.pres.mu must be held.
func (n *Node) presenceUnset(src *presenceSource, member int64) {
	tenant, ok := src.members[member]
	if !ok {
		return
	}
	delete(src.members, member)
	counts := n.pres.online[tenant]
	counts[member]--
	if counts[member] > 0 {
		return
	}
	delete(counts, member)
	if len(counts) == 0 {
		delete(n.pres.online, tenant)
	}
	n.announcePresence(tenant, member, false)
}

// presenceReplace makes src list exactly members. n.pres.mu must be held.
func (n *Node) presenceReplace(src *presenceSource, members map[int64]int64) {
	for m := range src.members {
		if _, keep := members[m]; !keep {
			n.presenceUnset(src, m)
		}
	}
	for m, t := range members {
		n.presenceSet(src, m, t)
	}
}

// announcePresence queues a presence event for the local agent sessions
// of tenant, encoded once. n.pres.mu must be held, so events go out in
// the order the view changes.
func (n *Node) announcePresence(tenant, member int64, online bool) {
	data, err := json.Marshal(PresenceData{MemberID: member, Online: online})
	if err != nil {
		return
	}
	frame, err := json.Marshal(eventFrame{Type: hub.EventPresence, Data: data})
	if err != nil {
		return
	}
	it := &item{kind: itemFrame, frame: frame}
	n.mu.RLock()
	defer n.mu.RUnlock()
	if t := n.topics[hub.TopicInbox(tenant)]; t != nil {
		for s := range t.subs {
			if a := s.actor.Load(); a != nil && a.Kind == hub.ActorMember && a.TenantID == tenant {
				s.offer(it)
			}
		}
	}
}

// sendPresenceList queues the workspace's online members for s: after
// auth.ok (id "") and in reply to presence.list. Taken under the view's
// lock, the snapshot is followed by exactly the changes after it.
func (n *Node) sendPresenceList(s *session, id string) {
	a := s.actor.Load()
	if a == nil || a.Kind != hub.ActorMember {
		return
	}
	n.pres.mu.Lock()
	defer n.pres.mu.Unlock()
	online := n.onlineLocked(a.TenantID)
	frame, err := encodeFrame(TypePresenceList, id, presenceListData{Online: online})
	if err != nil {
		s.logger().Error().Err(err).Msg("encode presence list")
		return
	}
	s.offer(&item{kind: itemFrame, frame: frame})
}

func (n *Node) onlineLocked(tenant int64) []int64 {
	online := make([]int64, 0, len(n.pres.online[tenant]))
	for m := range n.pres.online[tenant] {
		online = append(online, m)
	}
	slices.Sort(online)
	return online
}

// OnlineMembers returns the members of tenant with an agent socket open
// on any node of the cluster, as far as this node has heard: changes
// reach it within a broker round trip, a dead node's members leave it
// after three presence intervals.
func (n *Node) OnlineMembers(tenantID int64) []int64 {
	n.pres.mu.Lock()
	defer n.pres.mu.Unlock()
	return n.onlineLocked(tenantID)
}

// presenceReceived applies another node's message to the view.
func (n *Node) presenceReceived(payload []byte) {
	var msg presenceMsg
	if err := json.Unmarshal(payload, &msg); err != nil || msg.Node == "" {
		n.log.Error().Err(err).Msg("undecodable presence message")
		return
	}
	if msg.Node == n.cfg.NodeID {
		return // this node's view already has it
	}
	p := &n.pres
	p.mu.Lock()
	switch {
	case msg.Gone:
		if src := p.sources[msg.Node]; src != nil {
			n.presenceReplace(src, nil)
			delete(p.sources, msg.Node)
		}
	default:
		src := p.source(msg.Node)
		src.expires = time.Now().Add(time.Duration(msg.TTLMS) * time.Millisecond)
		if msg.Full {
			members := make(map[int64]int64, len(msg.Entries))
			for _, e := range msg.Entries {
				members[e.Member] = e.Tenant
			}
			n.presenceReplace(src, members)
		} else {
			for _, e := range msg.Entries {
				if e.Online {
					n.presenceSet(src, e.Member, e.Tenant)
				} else {
					n.presenceUnset(src, e.Member)
				}
			}
		}
	}
	p.mu.Unlock()
	if msg.Query {
		n.publishFull(false)
	}
}

// expirePresence drops the nodes whose list is older than their TTL.
func (n *Node) expirePresence(now time.Time) {
	p := &n.pres
	p.mu.Lock()
	defer p.mu.Unlock()
	for node, src := range p.sources {
		if node != n.cfg.NodeID && !src.expires.IsZero() && now.After(src.expires) {
			n.log.Info().Str("peer", node).Msg("presence of a silent node expired")
			n.presenceReplace(src, nil)
			delete(p.sources, node)
		}
	}
}

// publishFull publishes this node's whole list; query asks the others
// for theirs. The list is taken and queued under the view's lock, so it
// never overtakes a change made after it.
func (n *Node) publishFull(query bool) {
	p := &n.pres
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := presenceMsg{Full: true, Query: query, Entries: []presenceEntry{}}
	if src := p.sources[n.cfg.NodeID]; src != nil {
		for m, t := range src.members {
			msg.Entries = append(msg.Entries, presenceEntry{Tenant: t, Member: m, Online: true})
		}
	}
	n.publishPresence(msg)
}

// publishPresence stamps msg with this node and queues it on the
// presence topic; like every publication of the node, in order.
func (n *Node) publishPresence(msg presenceMsg) {
	msg.Node, msg.TTLMS = n.cfg.NodeID, n.presenceTTL().Milliseconds()
	payload, err := json.Marshal(msg)
	if err == nil {
		err = n.Publish(context.Background(), presenceTopic, payload)
	}
	if err != nil {
		n.log.Warn().Err(err).Msg("publish presence")
	}
}

// presenceQuery asks the cluster for everything, after this node may
// have missed messages (start, broker reset), and re-sends its own list.
func (n *Node) presenceQuery() { n.publishFull(true) }

// presenceGone tells the cluster this node is leaving (Shutdown).
func (n *Node) presenceGone() { n.publishPresence(presenceMsg{Gone: true}) }

// startPresence subscribes the presence topic, so that once Start
// returns the node hears every change, asks the cluster for its lists,
// and starts the heartbeat.
func (n *Node) startPresence() {
	n.subscribePresence()
	go n.presenceLoop()
}

// subscribePresence subscribes the presence topic unless done already,
// then asks for everything. Only Start and then presenceLoop call it.
func (n *Node) subscribePresence() {
	if n.pres.subscribed {
		return
	}
	ctx, cancel := context.WithTimeout(n.pubCtx, publishTimeout)
	err := n.broker.Subscribe(ctx, presenceTopic)
	cancel()
	if err != nil {
		if n.pubCtx.Err() == nil {
			n.log.Warn().Err(err).Msg("subscribe presence topic: retrying")
		}
		return
	}
	n.pres.subscribed = true
	n.presenceQuery()
}

// presenceLoop beats every PresenceInterval, expires silent nodes, and
// retries the subscription if Start could not make it, until the node
// stops publishing.
func (n *Node) presenceLoop() {
	t := time.NewTicker(n.cfg.PresenceInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-n.pubStop:
			return
		}
		if n.pres.subscribed {
			n.publishFull(false)
		} else {
			n.subscribePresence()
		}
		n.expirePresence(time.Now())
	}
}

// onPresenceList answers presence.list with the workspace's online
// members (agents only).
func (s *session) onPresenceList(_ context.Context, f inFrame) error {
	if s.actor.Load().Kind != hub.ActorMember {
		return hub.Errorf(hub.EForbidden, "only agents see who is online")
	}
	s.n.sendPresenceList(s, f.ID)
	return nil
}
