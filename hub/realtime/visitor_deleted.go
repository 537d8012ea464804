package realtime

import (
	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// CloseVisitorDeleted closes the sockets of a visitor whose data an owner
// deleted (hub.EventVisitorDeleted, hub/visitor_privacy.go), on every
// node at once. Their token still verifies until it expires, but names a
// visitor that no longer exists: the client should not reconnect with it,
// and starts a new visit (without the old anonymous id) if its user
// writes again (docs/protocol.md "Close codes").
const CloseVisitorDeleted websocket.StatusCode = 4004

// visitorDeleted closes the local sockets of the visitor whose topic it is.
func (n *Node) visitorDeleted(topic string) {
	n.eachSubscriber(topic, func(s *session) {
		if a := s.actor.Load(); a != nil && a.Kind == hub.ActorVisitor && hub.TopicVisitor(a.ID) == topic {
			if s.close(CloseVisitorDeleted, "visitor deleted") {
				s.logger().Info().Msg("closing visitor socket: the visitor was deleted")
			}
		}
	})
}
