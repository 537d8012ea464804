package realtime

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-chat/parley/hub"
)

// Unread is per member (hub/unread.go). A write publishes one
// hub.EventMemberUnread on the tenant's inbox topic with the new numbers
// of every member it changed; each node gives each of its agent sockets on
// that topic the entry of the socket's own member, as an unread frame
// (docs/protocol.md "unread (agents)"), and nothing to anyone else: not to
// other members, not to staff viewing the workspace (who have no unread of
// their own there), not to visitors or requesters (who are on other
// topics). A member's frame is encoded once and shared by their sockets.
// Guarded by TestUnreadReachesOnlyItsMember and, across two nodes on
// Redis, TestMultiNodeUnreadPerMember (cmd/parley).

// deliverUnread splits a hub.EventMemberUnread among the sessions on topic.
// A member's frame is encoded when the first of their sockets on this node
// takes it; members without a socket here cost nothing.
func (n *Node) deliverUnread(topic string, ev hub.Event) {
	var d hub.MemberUnreadData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		n.log.Error().Err(err).Str("topic", topic).Msg("undecodable member unread event")
		return
	}
	if ev.At != 0 {
		n.metrics.Delivered(time.Unix(0, ev.At))
	}
	items := make(map[int64]*item, len(d.Members)) // by member; nil: not encodable
	n.mu.RLock()
	defer n.mu.RUnlock()
	t := n.topics[topic]
	if t == nil {
		return
	}
	for s := range t.subs {
		a := s.actor.Load()
		if a == nil || s.kind != kindAgent || a.Kind != hub.ActorMember || a.ReadOnly || a.TenantID != ev.TenantID || s.quiet == topic {
			continue
		}
		it, done := items[a.ID]
		if !done {
			it = n.unreadItem(topic, d.Members, a.ID)
			items[a.ID] = it
		}
		if it != nil {
			n.offerLater(s, it)
		}
	}
}

// unreadItem is the unread frame of member's entry in members, nil when
// they have none.
func (n *Node) unreadItem(topic string, members []hub.MemberUnread, member int64) *item {
	i := slices.IndexFunc(members, func(mu hub.MemberUnread) bool { return mu.MemberID == member })
	if i < 0 {
		return nil
	}
	mu := members[i]
	data, err := json.Marshal(mu)
	if err == nil {
		var frame []byte
		if frame, err = json.Marshal(eventFrame{Type: hub.EventUnread, Data: data}); err == nil {
			return &item{kind: itemEvent, ev: &broadcast{typ: hub.EventUnread, conv: mu.ConversationID, frame: frame}}
		}
	}
	n.log.Error().Err(err).Str("topic", topic).Msg("encode unread frame")
	return nil
}
