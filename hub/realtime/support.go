package realtime

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/hub"
)

// The support section (hub/support.go) on sockets.
//
// A requester socket (/ws/support, kind "requester") is a workspace's
// owner or admin talking to the platform's team. Its actor is the
// workspace's visitor of the platform's Support site, writing on the
// member's behalf (hub.Service.RequesterActor), so it hears exactly what
// that visitor hears (TopicVisitor: never staff notes or traces) and speaks
// the visitor's frames, except feedback and ticket.create: support tickets
// are opened through the REST API. It also joins the member's topic, only
// so that a logout, removal or role change re-checks it at once; nothing
// published there reaches the client (session.quiet).
//
// A support viewer is platform staff on an agent socket authenticated with
// a tenant_id: a read-only member of a workspace whose support access is
// open (hub.Service.SupportViewer). It reads (subscribe, unsubscribe,
// history, presence.list); any other frame is refused with
// hub.Actor.Writable's error and changes nothing. It never shows in the
// workspace's presence or viewing lists. Its authentication and every
// conversation it subscribes to are written to the workspace's audit log.
// Its session check re-checks the access too, at once when
// hub.EventSupportAccess arrives on the workspace's inbox topic.
//
// Guarded by TestRequesterSocket, TestRequesterRefused,
// TestRequesterRoleChangeCloses, TestSupportViewer,
// TestSupportViewerNeedsAccess, TestSupportViewerAccessClosed and
// TestSupportViewerAccessExpires.

// sessionActor authenticates a dashboard session token as the actor of a
// socket of kind: the member on an agent socket, or, when tenantID is not
// 0, the member (staff) as a read-only viewer of that workspace; on a
// support socket, the member's requester actor.
// A workspace API token is no session: hub.Service.MemberActor refuses it
// (unauthorized), so no token opens a socket, whatever its scope
// (TestAuthzSweep/api_tokens).
func (n *Node) sessionActor(ctx context.Context, kind, token string, tenantID int64) (hub.Actor, error) {
	member, err := n.svc.MemberActor(ctx, token)
	if err != nil {
		return hub.Actor{}, err
	}
	switch {
	case kind == kindRequester:
		return n.svc.RequesterActor(ctx, member)
	case tenantID != 0:
		return n.svc.SupportViewer(ctx, member, tenantID)
	}
	return member, nil
}

// permit refuses the frames the session's identity may not send, before
// anything is done: a requester neither votes nor opens tickets over the
// socket (nor tells presence or viewing, which are for agents), and a
// support viewer only reads.
func (s *session) permit(typ string, a hub.Actor) error {
	if s.kind == kindRequester {
		switch typ {
		case TypeFeedback, TypeTicketCreate, TypeViewing, TypePresenceList, TypeConversations:
			return hub.Errorf(hub.EForbidden, "the support socket does not take %s frames", typ)
		}
	}
	if a.ReadOnly {
		switch typ {
		case TypeAuth, TypeSubscribe, TypeUnsubscribe, TypeHistory, TypePresenceList:
			return nil
		}
		return a.Writable()
	}
	return nil
}

// quietTopic is the topic the actor's session joins only to hear that its
// session must be checked (hub.EventMemberSessions), whose events it never
// delivers: the member topic of a requester or a support viewer, which
// carries events for the member's own agent sockets. "" for the others,
// whose member topic is theirs.
func quietTopic(kind string, a hub.Actor) string {
	switch {
	case kind == kindRequester:
		return hub.TopicMember(a.OnBehalf)
	case a.ReadOnly:
		return hub.TopicMember(a.ID)
	}
	return ""
}

// recordView writes what a support viewer looked at into the workspace's
// audit log; nothing for anyone else. A view that cannot be recorded is
// refused: the workspace must be able to see everything staff opened.
func (s *session) recordView(ctx context.Context, a hub.Actor, v hub.SupportView) error {
	if !a.ReadOnly {
		return nil
	}
	if err := s.n.svc.RecordSupportView(ctx, a, v); err != nil {
		return fmt.Errorf("record support view: %w", err)
	}
	return nil
}
