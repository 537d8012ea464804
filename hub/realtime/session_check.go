package realtime

import (
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// CloseSessionEnded closes an agent or requester socket whose dashboard
// session ended (logout, password reset, the member removed) or whose
// member's role changed (a requester: to agent), and a support viewer's
// socket once the workspace's support access is closed or expired. The
// client checks its session (GET /api/v1/me): on 401 it signs in again,
// otherwise it reconnects and resumes with its new role.
const CloseSessionEnded websocket.StatusCode = 4001

// checkLoop re-checks an agent's or requester's session (and a support
// viewer's access) every Config.SessionCheck, and at once when the node
// hears that the member's sessions changed (hub.EventMemberSessions) or,
// for a viewer, that the workspace's support access changed
// (hub.EventSupportAccess), so that what the Service revoked stops
// reaching the socket within one interval on every node.
func (s *session) checkLoop() {
	if s.kind == kindVisitor {
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
		if a == nil {
			continue
		}
		if !s.checkSession(*a) {
			return
		}
	}
}

// checkSession authenticates the socket's token again, as the socket's
// kind of actor (sessionActor: a requester, a support viewer of the same
// workspace), and closes the socket with CloseSessionEnded when the
// session is gone, the actor is refused now (a requester become agent, a
// closed support access), or its role or workspace differs from the
// socket's. A store failure keeps the socket: the next check tries again.
// It reports whether the socket stays.
func (s *session) checkSession(was hub.Actor) bool {
	var viewTenant int64
	if was.ReadOnly {
		viewTenant = was.TenantID
	}
	ctx, cancel := s.opContext()
	now, err := s.n.sessionActor(ctx, s.kind, s.token, viewTenant)
	cancel()
	var reason string
	switch {
	case hub.IsCode(err, hub.EUnauthorized):
		reason = "session ended: log in again"
	case hub.IsCode(err, hub.EForbidden) && was.ReadOnly:
		reason = "support access closed"
	case hub.IsCode(err, hub.EForbidden):
		reason = "role changed: only owners and admins contact support"
	case err != nil:
		select {
		case <-s.dying:
		default:
			s.logger().Warn().Err(err).Msg("session check failed: keeping the socket until the next check")
		}
		return true
	case now.ID != was.ID || now.TenantID != was.TenantID || now.Role != was.Role || now.OnBehalf != was.OnBehalf:
		reason = "role changed: reconnect"
	default:
		return true
	}
	if s.close(CloseSessionEnded, reason) {
		s.logger().Info().Str("reason", reason).Msg("closing socket: its session changed")
	}
	return false
}

// recheckSessions asks the sessions on a topic (a member's; with
// viewersOnly, the support viewers on a workspace's inbox) to check their
// session now. It never blocks: a check already asked for covers this one.
func (n *Node) recheckSessions(topic string, viewersOnly bool) {
	n.eachSubscriber(topic, func(s *session) {
		if a := s.actor.Load(); viewersOnly && (a == nil || !a.ReadOnly) {
			return
		}
		select {
		case s.recheck <- struct{}{}:
		default:
		}
	})
}
