package hub

import (
	"context"
	"time"
)

// Owner says who answers a conversation.
type Owner string

// Conversation owners.
const (
	OwnerAssistant Owner = "assistant"
	OwnerHuman     Owner = "human"
)

// Conversation states.
const (
	ConversationOpen     = "open"
	ConversationResolved = "resolved"
)

// Conversation is the one thread between a visitor and a site.
type Conversation struct {
	ID         int64  `json:"id"`
	TenantID   int64  `json:"tenant_id"`
	SiteID     int64  `json:"site_id"`
	VisitorID  int64  `json:"visitor_id"`
	Owner      Owner  `json:"owner"`
	Status     string `json:"status"`
	AssigneeID int64  `json:"assignee_id,omitempty"` // 0: nobody
	// TicketID is the conversation's current ticket, 0 when none.
	TicketID int64 `json:"ticket_id,omitempty"`
	// LastSeq is the sequence number of the newest message.
	LastSeq int64 `json:"last_seq"`
	// AgentReadSeq and VisitorReadSeq are the highest seq the team of agents
	// and the visitor have read; they never move backwards.
	AgentReadSeq   int64 `json:"agent_read_seq"`
	VisitorReadSeq int64 `json:"visitor_read_seq"`
	// UnreadByAgents counts visitor messages no agent has read yet: the
	// team shares one inbox, so one agent reading clears it for all.
	UnreadByAgents int `json:"unread_by_agents"`
	// UnreadByVisitor counts non-visitor messages the visitor has not read.
	UnreadByVisitor int `json:"unread_by_visitor"`
	// Handoff is the conversation's place in the hand-off state machine
	// (handoff.go), and HandoffReason why the assistant escalated.
	Handoff       HandoffState `json:"handoff"`
	HandoffReason string       `json:"handoff_reason,omitempty"`
	// ContextSeq: the assistant reads messages from this seq on.
	ContextSeq int64 `json:"context_seq"`
	// VisitorSeq is the visitor's newest message, AssistantSeq the newest
	// the assistant has handled: work is pending while VisitorSeq is ahead.
	VisitorSeq   int64 `json:"visitor_seq"`
	AssistantSeq int64 `json:"assistant_seq"`
	// EscalationSubject and EscalationSummary are what the assistant wrote
	// when it began collecting the email; the ticket takes them.
	EscalationSubject string `json:"escalation_subject,omitempty"`
	EscalationSummary string `json:"escalation_summary,omitempty"`
	// Version grows with every change, so clients can ignore stale state.
	Version       int64     `json:"version"`
	LastMessageAt time.Time `json:"last_message_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ConversationFilter selects conversations, newest activity first, by keyset.
type ConversationFilter struct {
	TenantID int64
	SiteID   int64 // 0: all sites
	Status   string
	// Keyset cursor: rows strictly older than (BeforeTime, BeforeID).
	BeforeTime time.Time
	BeforeID   int64
	Limit      int
}

// authorizeConversation returns ENotFound, never EForbidden, for a
// conversation the actor may not see, so ids cannot be probed.
func authorizeConversation(actor Actor, c *Conversation) error {
	ok := c.TenantID == actor.TenantID
	switch actor.Kind {
	case ActorVisitor:
		ok = ok && c.VisitorID == actor.ID
	case ActorMember, ActorAssistant, ActorSystem:
	default:
		ok = false
	}
	if !ok {
		return Errorf(ENotFound, "conversation not found")
	}
	return nil
}

func findConversation(ctx context.Context, q Queries, actor Actor, id int64) (*Conversation, error) {
	c, err := q.FindConversationByID(ctx, id)
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "conversation not found")
	}
	if err != nil {
		return nil, err
	}
	if err := authorizeConversation(actor, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Conversation returns a conversation the actor may see.
func (s *Service) Conversation(ctx context.Context, actor Actor, id int64) (*Conversation, error) {
	return findConversation(ctx, s.Store, actor, id)
}

// Conversations lists a tenant's conversations for a member, newest first.
func (s *Service) Conversations(ctx context.Context, actor Actor, f ConversationFilter) ([]*Conversation, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members can list conversations")
	}
	f.TenantID = actor.TenantID
	return s.Store.FindConversations(ctx, f)
}

// visitorConversation returns the visitor's newest conversation, creating
// one when they have none. It runs inside the caller's transaction.
func (s *Service) visitorConversation(ctx context.Context, q Queries, actor Actor) (*Conversation, error) {
	c, err := q.FindConversationByVisitor(ctx, actor.ID)
	if err == nil || !IsCode(err, ENotFound) {
		return c, err
	}
	now := s.now()
	c = &Conversation{TenantID: actor.TenantID, SiteID: actor.SiteID, VisitorID: actor.ID, Owner: OwnerAssistant,
		Status: ConversationOpen, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
	if err := q.CreateConversation(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// MarkRead records that the actor's side (the visitor, or the team of
// agents) has read the conversation up to seq, and recomputes the unread
// count as an absolute value. Reads never move backwards.
func (s *Service) MarkRead(ctx context.Context, actor Actor, conversationID, seq int64) (*Conversation, error) {
	if seq < 0 {
		return nil, Errorf(EInvalid, "seq must not be negative")
	}
	if actor.Kind != ActorVisitor && actor.Kind != ActorMember {
		return nil, Errorf(EForbidden, "only visitors and members read conversations")
	}
	var conv *Conversation
	changed := false
	err := s.tx(ctx, func(q Queries) error {
		c, err := findConversation(ctx, q, actor, conversationID)
		if err != nil {
			return err
		}
		conv, changed = c, false
		seq := min(seq, c.LastSeq)
		kind := AuthorAgent
		if actor.Kind == ActorVisitor {
			kind = AuthorVisitor
		}
		if _, err := q.SaveReadMarker(ctx, ReadMarker{ConversationID: c.ID, ReaderKind: kind, ReaderID: actor.ID, Seq: seq, UpdatedAt: s.now()}); err != nil {
			return err
		}
		readSeq, unread, authors := &c.AgentReadSeq, &c.UnreadByAgents, []AuthorKind{AuthorVisitor}
		if actor.Kind == ActorVisitor {
			readSeq, unread, authors = &c.VisitorReadSeq, &c.UnreadByVisitor, []AuthorKind{AuthorAgent, AuthorAssistant, AuthorSystem}
		}
		if seq <= *readSeq {
			return nil
		}
		n, err := q.CountMessages(ctx, c.ID, seq, authors)
		if err != nil {
			return err
		}
		*readSeq, *unread = seq, n
		c.UpdatedAt = s.now()
		changed = true
		return stale(q.UpdateConversation(ctx, c))
	})
	if err != nil {
		return nil, err
	}
	if changed {
		var o outbox
		o.conversation(conv)
		s.publish(ctx, &o)
	}
	return conv, nil
}

// Typing tells the other side that the actor is (or stopped) typing. Nothing
// is stored. A visitor's typing reaches agents; an agent's reaches both.
func (s *Service) Typing(ctx context.Context, actor Actor, conversationID int64, typing bool) error {
	c, err := findConversation(ctx, s.Store, actor, conversationID)
	if err != nil {
		return err
	}
	author := AuthorAgent
	if actor.Kind == ActorVisitor {
		author = AuthorVisitor
	} else if !actor.IsMember() {
		return Errorf(EForbidden, "only visitors and members type")
	}
	ev := Event{Type: EventTyping, TenantID: c.TenantID, ConversationID: c.ID,
		Data: mustJSON(TypingData{ConversationID: c.ID, AuthorKind: author, AuthorID: actor.ID, Typing: typing})}
	var o outbox
	if author == AuthorVisitor {
		o.add(ev, TopicConversation(c.ID))
	} else {
		o.add(ev, TopicConversation(c.ID), TopicVisitor(c.VisitorID))
	}
	s.publish(ctx, &o)
	return nil
}

// TypingData is the payload of a typing event.
type TypingData struct {
	ConversationID int64      `json:"conversation_id"`
	AuthorKind     AuthorKind `json:"author_kind"`
	AuthorID       int64      `json:"author_id"`
	Typing         bool       `json:"typing"`
	// StatusType is StatusAnalyzing while the assistant works.
	StatusType string `json:"status_type,omitempty"`
}

// UnreadData is the payload of an unread event: an absolute count, with
// the conversation version so a client keeps only the newest.
type UnreadData struct {
	ConversationID int64 `json:"conversation_id"`
	Count          int   `json:"count"`
	Version        int64 `json:"version"`
}

// conversation queues conversation.updated for agents and the visitor's
// absolute unread count for the visitor.
func (o *outbox) conversation(c *Conversation) {
	o.add(Event{Type: EventConversationUpdated, TenantID: c.TenantID, ConversationID: c.ID, Data: mustJSON(c)},
		TopicInbox(c.TenantID), TopicConversation(c.ID))
	o.add(Event{Type: EventUnread, TenantID: c.TenantID, ConversationID: c.ID,
		Data: mustJSON(UnreadData{ConversationID: c.ID, Count: c.UnreadByVisitor, Version: c.Version})},
		TopicVisitor(c.VisitorID))
}
