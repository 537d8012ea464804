// The node as a hub.BrokerHandler: a broker message is decoded and encoded
// once and offered to the local sessions on its topic; a broker reset sends
// every session to resume from the store.

package realtime

import (
	"encoding/json"
	"time"

	"github.com/parley-chat/parley/hub"
)

// broadcast is one broker event, decoded and encoded once, shared read-only
// by every session it is delivered to.
type broadcast struct {
	typ     string
	conv    int64
	seq     int64
	version int64 // a conversation.updated's conversation version
	frame   []byte
}

// HandleMessage delivers a broker message to the local sessions subscribed
// to topic. It never blocks: a session whose queue is full is disconnected.
// The sessions' writers start at the next HandleIdle.
func (n *Node) HandleMessage(topic string, payload []byte) {
	if topic == n.probeTopic {
		n.probeReceived(payload)
		return
	}
	if topic == presenceTopic {
		n.presenceReceived(payload) // presence.go; never sent to clients as is
		return
	}
	evs, err := hub.DecodeEvents(payload)
	if err != nil {
		n.log.Error().Err(err).Str("topic", topic).Msg("undecodable broker message")
		return
	}
	for _, ev := range evs {
		n.handleEvent(topic, ev)
	}
}

// handleEvent delivers one event of a broker message.
func (n *Node) handleEvent(topic string, ev hub.Event) {
	if ev.Type == "" {
		n.log.Error().Str("topic", topic).Msg("broker event without a type")
		return
	}
	switch ev.Type {
	case hub.EventMemberSessions:
		n.recheckSessions(topic, false) // session_check.go; never sent to clients
		return
	case hub.EventMemberUnread:
		n.deliverUnread(topic, ev) // unread.go; never sent to clients as is
		return
	case hub.EventSiteGate:
		n.gateReceived(ev.Data) // gate.go; never sent to clients
		return
	case hub.EventKnowledgeChanged:
		n.knowledgeReceived(ev.Data) // never sent to clients
		return
	case hub.EventVisitorDeleted:
		n.visitorDeleted(topic) // visitor_deleted.go; never sent to clients
		return
	case hub.EventSupportAccess:
		// The workspace's support viewers check the access now; its
		// dashboards get the event as well.
		n.recheckSessions(topic, true)
	}
	if len(ev.Data) == 0 {
		ev.Data = json.RawMessage("null")
	}
	frame, err := json.Marshal(eventFrame{Type: ev.Type, Data: ev.Data})
	if err != nil {
		n.log.Error().Err(err).Str("topic", topic).Str("type", ev.Type).Msg("encode event frame")
		return
	}
	b := &broadcast{typ: ev.Type, conv: ev.ConversationID, seq: ev.Seq, version: ev.Version, frame: frame}
	if ev.At != 0 {
		n.metrics.Delivered(time.Unix(0, ev.At))
	}
	it := &item{kind: itemEvent, ev: b}
	n.eachSubscriber(topic, func(s *session) {
		// See session.authenticate; quiet is set before the actor.
		if s.actor.Load() != nil && s.quiet != topic {
			n.offerLater(s, it)
		}
	})
}

// offerLater offers it to s from the broker's handler: s's writer starts
// at HandleIdle, once the events that arrived with this one are queued
// too, so that their frames leave in one write (session.writeLoop).
func (n *Node) offerLater(s *session, it *item) {
	if s.offerLater(it) {
		n.kicks = append(n.kicks, s)
	}
}

// HandleIdle starts the writers of the sessions the broker's messages
// since the last call were offered to (hub.BrokerIdler).
func (n *Node) HandleIdle() {
	for i, s := range n.kicks {
		s.kick()
		n.kicks[i] = nil
	}
	n.kicks = n.kicks[:0]
}

// knowledgeReceived hands an EventKnowledgeChanged to
// Config.KnowledgeChanged.
func (n *Node) knowledgeReceived(data json.RawMessage) {
	var c hub.KnowledgeChange
	if err := json.Unmarshal(data, &c); err != nil || c.SiteID == 0 {
		n.log.Error().Err(err).Msg("undecodable knowledge change")
		return
	}
	if n.cfg.KnowledgeChanged != nil {
		n.cfg.KnowledgeChanged(c)
	}
}

// HandleReset tells every session that events may have been lost: each
// fills the gaps of its conversations from the store and then tells its
// client to refresh everything else.
func (n *Node) HandleReset() {
	n.log.Warn().Msg("broker subscription was reset: sessions resume from the store")
	n.resetSessions(ReasonBrokerReset)
	n.presenceQuery()
}

func (n *Node) resetSessions(reason string) {
	n.refreshGates() // gate.go: site gates may have been lost too
	it := &item{kind: itemResume, reason: reason}
	n.mu.RLock()
	defer n.mu.RUnlock()
	for s := range n.sessions {
		if s.actor.Load() != nil {
			s.offer(it)
		}
	}
}
