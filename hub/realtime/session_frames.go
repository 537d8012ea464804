// A session's reader side: each client frame decoded, rate-limited and
// authorized, and the handler of each frame type, authentication included.

package realtime

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-chat/parley/hub"
)

// handle decodes and handles one client frame, on the reader.
func (s *session) handle(raw []byte) {
	var f inFrame
	if err := json.Unmarshal(raw, &f); err != nil || f.Type == "" || len(f.ID) > maxFrameID {
		s.replyError("", CodeBadFrame, "a frame is a JSON object with a type, an optional id of at most 64 bytes, and data")
		return
	}
	ok, abusive := s.limiter.allow(f.Type, time.Now())
	if abusive {
		if s.close(ClosePolicy, "too many frames") {
			s.logger().Warn().Msg("client floods frames: closing")
		}
		return
	}
	if !ok {
		s.replyError(f.ID, hub.ERateLimited, "too many frames of this type: slow down")
		return
	}
	h := s.handlers(f.Type)
	if h == nil {
		s.replyError(f.ID, CodeUnknownType, "unknown frame type")
		return
	}
	a := s.actor.Load()
	if f.Type != TypeAuth && a == nil {
		s.replyError(f.ID, hub.EUnauthorized, "authenticate first: send an auth frame")
		return
	}
	if a != nil {
		if err := s.permit(f.Type, *a); err != nil { // support.go
			s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
			return
		}
		if s.kind == kindVisitor && !s.checkGate(f.ID) { // gate.go
			return
		}
	}
	ctx, cancel := s.opContext()
	defer cancel()
	if err := h(ctx, f); err != nil {
		s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
	}
}

func (s *session) handlers(typ string) func(context.Context, inFrame) error {
	switch typ {
	case TypeAuth:
		return s.onAuth
	case TypeSubscribe:
		return s.onSubscribe
	case TypeUnsubscribe:
		return s.onUnsubscribe
	case TypeSend:
		return s.onSend
	case TypeTyping:
		return s.onTyping
	case TypeRead:
		return s.onRead
	case TypeHistory:
		return s.onHistory
	case TypeFeedback:
		return s.onFeedback
	case TypeTicketCreate:
		return s.onTicketCreate
	case TypeConversations:
		return s.onConversations
	case TypeViewing: // viewing.go
		return s.onViewing
	case TypePresenceList: // presence.go
		return s.onPresenceList
	}
	return nil
}

func (s *session) onFeedback(ctx context.Context, f inFrame) error {
	var d feedbackData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	m, err := s.n.svc.SetFeedback(ctx, actor, d.MessageID, d.Feedback)
	if err != nil {
		return err
	}
	s.reply(TypeFeedbackOK, f.ID, ackData{Message: m.View(actor)})
	return nil
}

// onTicketCreate opens a ticket for the visitor's conversation (the
// downvote's "Open a support ticket"). A retry while the ticket is still
// active returns the same ticket.
func (s *session) onTicketCreate(ctx context.Context, f inFrame) error {
	var d ticketCreateData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	if actor.Kind != hub.ActorVisitor {
		return hub.Errorf(hub.EForbidden, "agents open tickets through the REST API")
	}
	t, err := s.n.svc.CreateTicket(ctx, actor, hub.NewTicket{ConversationID: d.ConversationID, Subject: d.Subject,
		Description: d.Description, RequesterEmail: d.Email})
	if err != nil {
		return err
	}
	s.reply(TypeTicketOK, f.ID, ticketOKData{Ticket: ticketRef{ID: t.ID, Ref: t.Ref(), Subject: t.Subject, Status: t.Status}})
	return nil
}

// onConversations lists the visitor's own conversations (the widget's
// past conversations).
func (s *session) onConversations(ctx context.Context, f inFrame) error {
	var d conversationsData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.Limit < 0 || d.BeforeID < 0 {
		return hub.Errorf(hub.EInvalid, "limit and before_id must not be negative")
	}
	convs, err := s.n.svc.VisitorConversations(ctx, *s.actor.Load(),
		hub.ConversationFilter{BeforeTime: d.BeforeTime, BeforeID: d.BeforeID, Limit: d.Limit})
	if err != nil {
		return err
	}
	s.reply(TypeConversations, f.ID, conversationsReply{Conversations: convs})
	return nil
}

func (s *session) onAuth(ctx context.Context, f inFrame) error {
	if s.actor.Load() != nil {
		return hub.Errorf(hub.EInvalid, "already authenticated")
	}
	var d authData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.Token == "" {
		return hub.Errorf(hub.EUnauthorized, "token is required")
	}
	var (
		actor hub.Actor
		err   error
	)
	switch s.kind {
	case kindVisitor:
		// The site's gate first (gate.go), so that a change after the
		// token's check is heard or read.
		sg, gerr := s.n.acquireGate(ctx, s)
		if gerr != nil {
			return gerr
		}
		// The token alone: the gate just acquired is the site's, kept
		// current, and admitVisitor checks the actor against it.
		actor, err = s.n.svc.VisitorToken(d.Token)
		if err == nil && (actor.SiteID != s.site.ID || actor.TenantID != s.site.TenantID) {
			err = hub.Errorf(hub.EUnauthorized, "visitor token belongs to another site")
		}
		if err == nil {
			err = s.admitVisitor(sg, actor)
		}
		if reason := hub.ErrorReason(err); hub.IsGateReason(reason) {
			// Refused by the chat's gate: the error, then the close.
			s.push(&item{kind: itemFrame, frame: s.errorFrame(f.ID, f.Type, err)})
			s.push(&item{kind: itemClose, code: CloseChatUnavailable, reason: reason})
			return nil
		}
	case kindAgent:
		tenant := d.TenantID
		switch {
		case tenant < 0:
			return hub.Errorf(hub.EInvalid, "tenant_id must be a workspace id")
		case tenant == 0:
			tenant = s.viewTenant
		case s.viewTenant != 0 && tenant != s.viewTenant:
			return hub.Errorf(hub.EInvalid, "tenant_id differs from the one the socket was opened for")
		}
		actor, err = s.n.sessionActor(ctx, s.kind, d.Token, tenant) // support.go
		s.token = d.Token                                           // for checkLoop
	default: // kindRequester: tenant_id is for staff on agent sockets
		actor, err = s.n.sessionActor(ctx, s.kind, d.Token, 0)
		s.token = d.Token
	}
	if err != nil {
		return err
	}
	return s.authenticate(ctx, f.ID, actor)
}

// authenticate joins the actor's personal topics and replies auth.ok. A
// support viewer's authentication is written to the workspace's audit log
// first (support.go).
func (s *session) authenticate(ctx context.Context, id string, actor hub.Actor) error {
	var topics []string
	s.quiet = quietTopic(s.kind, actor) // support.go
	switch {
	case s.kind == kindRequester:
		// The conversations' events as their visitor gets them, and the
		// workspace's support tickets (hub.EventSupportTicket).
		topics = []string{hub.TopicVisitor(actor.ID), hub.TopicSupport(actor.HomeTenantID), s.quiet}
	case actor.Kind == hub.ActorVisitor:
		topics = []string{hub.TopicVisitor(actor.ID)}
	default: // a support viewer's member topic is quiet
		topics = []string{hub.TopicMember(actor.ID), hub.TopicInbox(actor.TenantID)}
	}
	if err := s.recordView(ctx, actor, hub.SupportView{Kind: hub.ViewLive}); err != nil {
		return err
	}
	for _, t := range topics {
		if err := s.n.join(ctx, s, t); err != nil {
			for joined := range s.topics {
				s.n.leave(s, joined)
			}
			clear(s.topics)
			return err
		}
		s.topics[t] = true
	}
	// auth.ok is queued before the actor is set: the node delivers
	// events only to sessions with an actor, so none precedes auth.ok.
	// Those published in between are not lost to the client: it loads
	// its state after auth.ok.
	s.reply(TypeAuthOK, id, authOKData{Kind: s.kind, ID: actor.ID, ReadOnly: actor.ReadOnly})
	s.actor.Store(&actor)
	if actor.Kind == hub.ActorMember {
		if !actor.ReadOnly { // a support viewer is not one of the team
			s.n.presence(actor, true)
		}
		s.n.sendPresenceList(s, "") // presence.go: the online set, then changes
	}
	s.logger().Debug().Msg("authenticated")
	return nil
}

func (s *session) onSubscribe(ctx context.Context, f inFrame) error {
	var d subscribeData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.ConversationID <= 0 || d.AfterSeq < 0 {
		return hub.Errorf(hub.EInvalid, "conversation_id is required and after_seq must not be negative")
	}
	actor := *s.actor.Load()
	if _, err := s.n.svc.Conversation(ctx, actor, d.ConversationID); err != nil {
		return err
	}
	if err := s.recordView(ctx, actor, hub.SupportView{Kind: hub.ViewConversation, ID: d.ConversationID}); err != nil { // support.go
		return err
	}
	s.push(&item{kind: itemBegin, conv: d.ConversationID})
	var err error
	if t := hub.TopicConversation(d.ConversationID); actor.Kind == hub.ActorMember && !s.topics[t] {
		if len(s.topics) >= maxSubscriptions {
			err = hub.Errorf(hub.EInvalid, "too many subscriptions: unsubscribe from some conversations first")
		} else if err = s.n.join(ctx, s, t); err == nil {
			s.topics[t] = true
		}
	}
	s.push(&item{kind: itemSubscribe, conv: d.ConversationID, after: d.AfterSeq, id: f.ID, err: err})
	return nil
}

func (s *session) onUnsubscribe(ctx context.Context, f inFrame) error {
	var d conversationRef
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	actor := *s.actor.Load()
	if _, err := s.n.svc.Conversation(ctx, actor, d.ConversationID); err != nil {
		return err
	}
	s.stopViewing(ctx, d.ConversationID) // viewing.go
	if t := hub.TopicConversation(d.ConversationID); s.topics[t] {
		s.n.leave(s, t)
		delete(s.topics, t)
	}
	s.push(&item{kind: itemUnsubscribe, conv: d.ConversationID, id: f.ID})
	return nil
}

func (s *session) onSend(ctx context.Context, f inFrame) error {
	var d sendData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.ConversationID < 0 {
		return hub.Errorf(hub.EInvalid, "conversation_id must not be negative")
	}
	if d.ConversationID == 0 && s.kind == kindRequester {
		// A visitor's first message opens its conversation; a
		// requester's conversations are its support tickets, opened
		// through the REST API.
		return hub.Errorf(hub.EInvalid, "conversation_id is required: open a support ticket first")
	}
	actor := *s.actor.Load()
	m, err := s.n.svc.SendMessage(ctx, actor, hub.NewMessage{ConversationID: d.ConversationID, ClientMsgID: d.ClientMsgID, Body: d.Body, Internal: d.Internal})
	if err != nil {
		return err
	}
	// The ack stands for the message's message.created event on a
	// subscribed conversation (session.acked).
	frame, err := encodeFrame(TypeAck, f.ID, ackData{Message: m.View(actor)})
	if err != nil {
		return err
	}
	s.push(&item{kind: itemAck, frame: frame, conv: m.ConversationID, after: m.Seq})
	return nil
}

func (s *session) onTyping(ctx context.Context, f inFrame) error {
	var d typingData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	return s.n.svc.Typing(ctx, *s.actor.Load(), d.ConversationID, d.Typing)
}

func (s *session) onRead(ctx context.Context, f inFrame) error {
	var d readData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	st, err := s.n.svc.MarkRead(ctx, *s.actor.Load(), d.ConversationID, d.Seq)
	if err != nil {
		return err
	}
	s.reply(TypeReadOK, f.ID, st) // a member's own count and badges, or the visitor's count
	return nil
}

func (s *session) onHistory(ctx context.Context, f inFrame) error {
	var d historyData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.BeforeSeq < 0 || d.Limit < 0 {
		return hub.Errorf(hub.EInvalid, "before_seq and limit must not be negative")
	}
	d.Limit = hub.HistoryPage.Limit(d.Limit)
	actor := *s.actor.Load()
	msgs, err := s.n.svc.Messages(ctx, actor, hub.MessageFilter{ConversationID: d.ConversationID, BeforeSeq: d.BeforeSeq, Newest: true, Limit: d.Limit})
	if err != nil {
		return err
	}
	// The newest that fit one frame; the client pages on from the first.
	views, _, err := newestViews(actor, msgs)
	if err != nil {
		return err
	}
	s.reply(TypeHistory, f.ID, historyReply{ConversationID: d.ConversationID, Messages: views})
	return nil
}
