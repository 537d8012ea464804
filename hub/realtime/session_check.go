package realtime

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// CloseSessionEnded closes an agent socket whose dashboard session ended
// (logout, password reset, the member removed) or whose member's role
// changed. The client checks its session (GET /api/v1/me): on 401 it
// signs in again, otherwise it reconnects and resumes with its new role.
const CloseSessionEnded websocket.StatusCode = 4001

// checkLoop re-checks an agent's session every Config.SessionCheck, and at
// once when the node hears that the member's sessions changed
// (hub.EventMemberSessions), so that what the Service revoked stops
// reaching the socket within one interval on every node.
func (s *session) checkLoop() {
	if s.kind != kindAgent {
		return
	}
	t := time.NewTicker(s.n.cfg.SessionCheck)
	defer t.Stop()
	for {
		select {
		case <-s.dying:
			return
		case <-t.C:
		case <-s.recheck:
		}
		a := s.actor.Load()
		if a == nil || a.Kind != hub.ActorMember {
			continue
		}
		if !s.checkSession(*a) {
			return
		}
	}
}

// checkSession authenticates the socket's token again and closes the
// socket with CloseSessionEnded when the session is gone or the member's
// role or workspace differs from the socket's. A store failure keeps the
// socket: the next check tries again. It reports whether the socket stays.
func (s *session) checkSession(was hub.Actor) bool {
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
	now, err := s.n.svc.MemberActor(ctx, s.token)
	cancel()
	var reason string
	switch {
	case hub.IsCode(err, hub.EUnauthorized):
		reason = "session ended: log in again"
	case err != nil:
		select {
		case <-s.dying:
		default:
			s.logger().Warn().Err(err).Msg("session check failed: keeping the socket until the next check")
		}
		return true
	case now.ID != was.ID || now.TenantID != was.TenantID || now.Role != was.Role:
		reason = "role changed: reconnect"
	default:
		return true
	}
	if s.close(CloseSessionEnded, reason) {
		s.logger().Info().Str("reason", reason).Msg("closing agent socket: its session changed")
	}
	return false
}

// recheckSessions asks the sessions on a member's topic to check their
// session now. It never blocks: a check already asked for covers this one.
func (n *Node) recheckSessions(topic string) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	t := n.topics[topic]
	if t == nil {
		return
	}
	for s := range t.subs {
		select {
		case s.recheck <- struct{}{}:
		default:
		}
	}
}
