package hub

import (
	"context"
	"strconv"
	"time"
)

// Owner says who answers a conversation.
type Owner string

// Conversation owners.
const (
	OwnerAssistant Owner = "assistant"
	OwnerHuman     Owner = "human"
)

// Conversation states (docs/architecture.md "Conversation lifecycle";
// the rules are in lifecycle.go). A resolved conversation reopens when the
// visitor writes; a closed one is read-only for the visitor, whose next
// message starts a new conversation.
const (
	ConversationOpen     = "open"
	ConversationResolved = "resolved"
	ConversationClosed   = "closed"
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
	// FeedbackUp and FeedbackDown count the visitor's votes on the
	// assistant's messages; SetFeedback keeps them in step with the votes.
	FeedbackUp   int `json:"feedback_up"`
	FeedbackDown int `json:"feedback_down"`
	// Preview is the start of the newest message both sides see (never an
	// internal note), and PreviewAuthor who wrote it (notePreview).
	Preview       string     `json:"preview"`
	PreviewAuthor AuthorKind `json:"preview_author,omitempty"`
	// Escalated is set when a ticket is opened from the conversation
	// through the downvote flow (Ticket.Escalates, 004 "Escalated"), and
	// stays set when a later ticket replaces that one. TicketID tells
	// whether any ticket was opened ("Has ticket").
	Escalated bool `json:"escalated"`
	// Version grows with every change, so clients can ignore stale state.
	Version       int64     `json:"version"`
	LastMessageAt time.Time `json:"last_message_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	// statusChanged: setStatus changed Status in this write, so the
	// visitor is told (outbox.conversation).
	statusChanged bool
}

// setStatus changes c's status (lifecycle.go decides when).
func (c *Conversation) setStatus(status string) {
	if c.Status != status {
		c.Status, c.statusChanged = status, true
	}
}

// VisitorConversation is what a visitor sees of a conversation: never the
// team's side of it (assignee, hand-off, traces, the team's unread count).
type VisitorConversation struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	LastSeq int64  `json:"last_seq"`
	// Unread counts the messages the visitor has not read.
	Unread        int        `json:"unread"`
	Version       int64      `json:"version"`
	Preview       string     `json:"preview"`
	PreviewAuthor AuthorKind `json:"preview_author,omitempty"`
	LastMessageAt time.Time  `json:"last_message_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// ForVisitor returns the fields of c its visitor may see.
func (c *Conversation) ForVisitor() VisitorConversation {
	return VisitorConversation{ID: c.ID, Status: c.Status, LastSeq: c.LastSeq, Unread: c.UnreadByVisitor, Version: c.Version,
		Preview: c.Preview, PreviewAuthor: c.PreviewAuthor, LastMessageAt: c.LastMessageAt, CreatedAt: c.CreatedAt}
}

// View returns c as actor may see it: the whole conversation for agents,
// the visitor's view for visitors (Message.View decides the same for a
// message).
func (c *Conversation) View(actor Actor) any {
	if actor.Kind == ActorVisitor {
		return c.ForVisitor()
	}
	return c
}

// ConversationFilter selects conversations, newest activity first, by keyset.
type ConversationFilter struct {
	TenantID int64
	SiteID   int64 // 0: all sites
	// VisitorID keeps one visitor's conversations; 0 is anyone's.
	VisitorID int64
	// AssigneeID keeps the member's conversations; 0 is anyone's.
	AssigneeID int64
	Status     string
	// Since and Until bound the last activity: Since <= LastMessageAt <
	// Until. A zero time is no bound.
	Since, Until time.Time
	// Feedback selects by the visitor's votes; "" is any conversation.
	Feedback FeedbackFilter
	// Escalated, when set, keeps only the escalated conversations (true:
	// a ticket was opened through the downvote flow, Conversation.Escalated)
	// or only the others (false).
	Escalated *bool
	// HasTicket, when set, keeps only conversations any ticket was ever
	// opened from (true: TicketID is set) or only the others (false).
	HasTicket *bool
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
	return authorizedConversation(actor, c, err)
}

// lockConversation is findConversation for a write transaction: the row
// stays locked until the transaction ends, so writers of one conversation
// queue up instead of losing a version race that a client would see as a
// conflict (TestConcurrentWritersNeverConflict).
func lockConversation(ctx context.Context, q Queries, actor Actor, id int64) (*Conversation, error) {
	c, err := q.LockConversation(ctx, id)
	return authorizedConversation(actor, c, err)
}

func authorizedConversation(actor Actor, c *Conversation, err error) (*Conversation, error) {
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
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.TenantID = actor.TenantID
	return s.Store.FindConversations(ctx, f)
}

// Typing tells the other side that the actor is (or stopped) typing. Nothing
// is stored. A visitor's typing reaches agents; an agent's reaches both.
func (s *Service) Typing(ctx context.Context, actor Actor, conversationID int64, typing bool) error {
	if err := actor.Writable(); err != nil {
		return err
	}

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
// absolute unread count for the visitor, and when its status changed, the
// visitor's view of it (conversation.updated) as well.
func (o *outbox) conversation(c *Conversation) {
	o.add(Event{Type: EventConversationUpdated, TenantID: c.TenantID, ConversationID: c.ID, Version: c.Version, Data: mustJSON(c)},
		TopicInbox(c.TenantID), TopicConversation(c.ID))
	o.add(Event{Type: EventUnread, TenantID: c.TenantID, ConversationID: c.ID,
		Data: mustJSON(UnreadData{ConversationID: c.ID, Count: c.UnreadByVisitor, Version: c.Version})},
		TopicVisitor(c.VisitorID))
	if c.statusChanged {
		o.add(Event{Type: EventConversationUpdated, TenantID: c.TenantID, ConversationID: c.ID, Data: mustJSON(c.ForVisitor())},
			TopicVisitor(c.VisitorID))
	}
}

// FeedbackFilter selects conversations by the visitor's votes on the
// assistant's answers (004 "Filters": has feedback, and the feedback kinds
// up only, down only, either, neither).
type FeedbackFilter string

// Feedback filters.
const (
	FeedbackEither   FeedbackFilter = "either" // at least one vote, of either kind ("has feedback")
	FeedbackUpOnly   FeedbackFilter = "up"     // up votes and no down vote
	FeedbackDownOnly FeedbackFilter = "down"   // down votes and no up vote
	FeedbackBoth     FeedbackFilter = "both"   // up and down votes (not in 004: mixed verdicts)
	FeedbackNeither  FeedbackFilter = "none"   // no vote
	// feedbackAny is the name "either" had before; clients may still send it.
	feedbackAny FeedbackFilter = "any"
)

// Valid reports whether f is a known filter or "" (no filter).
func (f FeedbackFilter) Valid() bool {
	switch f {
	case "", FeedbackEither, FeedbackUpOnly, FeedbackDownOnly, FeedbackBoth, FeedbackNeither, feedbackAny:
		return true
	}
	return false
}

func (f *ConversationFilter) validate() error {
	if f.Feedback == feedbackAny {
		f.Feedback = FeedbackEither
	}
	switch {
	case f.Status != "" && !validConversationStatus(f.Status):
		return Errorf(EInvalid, "status must be open, resolved or closed")
	case !f.Feedback.Valid():
		return Errorf(EInvalid, "feedback must be either, up, down, both or none")
	case !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until):
		return Errorf(EInvalid, "the date range ends before it starts")
	}
	return nil
}

// ConversationDetail is a conversation with its visitor's identity card
// (004 "Session detail") and the calling member's unread count, as the
// dashboard lists and shows it.
type ConversationDetail struct {
	*Conversation
	// Visitor is nil only when the visitor is gone.
	Visitor *Visitor `json:"visitor"`
	// Unread is the calling member's own unread count, at their unread
	// version (unread.go); 0 for staff viewing the workspace.
	Unread        int   `json:"unread"`
	UnreadVersion int64 `json:"unread_version"`
}

// ConversationDetails is Conversations with each visitor's identity card,
// read in one more query for the whole page.
func (s *Service) ConversationDetails(ctx context.Context, actor Actor, f ConversationFilter) ([]ConversationDetail, error) {
	convs, err := s.Conversations(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(convs))
	seen := map[int64]bool{}
	for _, c := range convs {
		if !seen[c.VisitorID] {
			seen[c.VisitorID] = true
			ids = append(ids, c.VisitorID)
		}
	}
	visitors, err := s.Store.FindVisitorsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Visitor, len(visitors))
	for _, v := range visitors {
		if v.TenantID == actor.TenantID {
			byID[v.ID] = v
		}
	}
	out := make([]ConversationDetail, len(convs))
	for i, c := range convs {
		out[i] = ConversationDetail{Conversation: c, Visitor: byID[c.VisitorID]}
	}
	if err := s.withUnread(ctx, actor, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ConversationDetail returns a conversation of the member's tenant with
// its visitor's identity card.
func (s *Service) ConversationDetail(ctx context.Context, actor Actor, id int64) (*ConversationDetail, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members see identity cards")
	}
	c, err := findConversation(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	v, err := s.Store.FindVisitorByID(ctx, c.VisitorID)
	if err != nil && !IsCode(err, ENotFound) {
		return nil, err
	}
	d := []ConversationDetail{{Conversation: c, Visitor: v}}
	if err := s.withUnread(ctx, actor, d); err != nil {
		return nil, err
	}
	return &d[0], nil
}

// TakeOver hands a conversation from the assistant to the calling member:
// the hand-off state becomes human (the assistant stays silent from now
// on), the member its assignee, and a system message "<name> joined the
// conversation" tells the visitor. The change is audited and published.
// Taking over a conversation one already has changes nothing.
func (s *Service) TakeOver(ctx context.Context, actor Actor, id int64) (*Conversation, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members take over conversations")
	}
	var (
		conv *Conversation
		note *Message
	)
	err := s.tx(ctx, func(q Queries) error {
		note = nil
		var err error
		if conv, err = lockConversation(ctx, q, actor, id); err != nil {
			return err
		}
		if conv.Handoff == HandoffHuman && conv.Owner == OwnerHuman && conv.AssigneeID == actor.ID {
			return nil
		}
		member, err := q.FindMemberByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: conv.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "conversation.take_over", Subject: conversationSubject(conv.ID),
			Data: mustJSON(map[string]any{"handoff": conv.Handoff, "assignee": conv.AssigneeID}), CreatedAt: now}); err != nil {
			return err
		}
		conv.Owner, conv.Handoff, conv.AssigneeID = OwnerHuman, HandoffHuman, actor.ID
		note = &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: AuthorSystem,
			Body: member.Name + " joined the conversation", CreatedAt: now}
		if err := s.appendMessage(ctx, q, conv, note); err != nil {
			return err
		}
		return stale(q.UpdateConversation(ctx, conv))
	})
	if err != nil {
		return nil, err
	}
	if note != nil {
		var o outbox
		o.message(conv, note)
		o.conversation(conv)
		s.publish(ctx, &o)
	}
	return conv, nil
}

func conversationSubject(id int64) string { return "conversation:" + strconv.FormatInt(id, 10) }

// ConversationExport is the whole of a conversation, as "Export JSON"
// downloads it (004 "Session detail"): every message, internal notes and
// decision traces included, with the visitor and the current ticket.
type ConversationExport struct {
	ExportedAt   time.Time     `json:"exported_at"`
	Conversation *Conversation `json:"conversation"`
	Visitor      *Visitor      `json:"visitor"`
	Ticket       *Ticket       `json:"ticket,omitempty"`
	Messages     []*Message    `json:"messages"`
}

// exportPage is how many messages an export reads at a time.
const exportPage = 500

// ExportConversation returns the whole conversation for a member, up to
// its last message when the export began, and audits the export.
func (s *Service) ExportConversation(ctx context.Context, actor Actor, id int64) (*ConversationExport, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members export conversations")
	}
	c, err := findConversation(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	out := &ConversationExport{ExportedAt: s.now(), Conversation: c, Messages: []*Message{}}
	if out.Visitor, err = s.Store.FindVisitorByID(ctx, c.VisitorID); err != nil && !IsCode(err, ENotFound) {
		return nil, err
	}
	if c.TicketID != 0 {
		if out.Ticket, err = s.Store.FindTicketByID(ctx, c.TicketID); err != nil && !IsCode(err, ENotFound) {
			return nil, err
		}
	}
	for after := int64(0); after < c.LastSeq; {
		page, err := s.Store.FindMessages(ctx, MessageFilter{ConversationID: c.ID, AfterSeq: after, BeforeSeq: c.LastSeq + 1, Limit: exportPage})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		s.signLinks(page)
		out.Messages = append(out.Messages, page...)
		after = page[len(page)-1].Seq
	}
	err = s.Store.CreateAuditEntry(ctx, &AuditEntry{TenantID: c.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
		Action: "conversation.export", Subject: conversationSubject(c.ID),
		Data: mustJSON(map[string]any{"messages": len(out.Messages)}), CreatedAt: out.ExportedAt})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ViewingData is the payload of a viewing event: a member opened (or
// left) a conversation or its ticket in the dashboard.
type ViewingData struct {
	ConversationID int64  `json:"conversation_id"`
	MemberID       int64  `json:"member_id"`
	Name           string `json:"name"`
	Viewing        bool   `json:"viewing"`
	// Reply marks an answer to another member's arrival, sent so that the
	// newcomer learns who is already there. Replies are not answered.
	Reply bool `json:"reply,omitempty"`
}

// Viewing tells the conversation's agents that the member is (or is no
// longer) looking at it. Nothing is stored, and visitors never learn it:
// the event goes only to the conversation's agent topic.
func (s *Service) Viewing(ctx context.Context, actor Actor, conversationID int64, viewing, reply bool) error {
	if err := actor.Writable(); err != nil {
		return err
	}
	if !actor.IsMember() {
		return Errorf(EForbidden, "only members tell what they are viewing")
	}
	c, err := findConversation(ctx, s.Store, actor, conversationID)
	if err != nil {
		return err
	}
	m, err := s.Store.FindMemberByID(ctx, actor.ID)
	if err != nil {
		return err
	}
	var o outbox
	o.add(Event{Type: EventViewing, TenantID: c.TenantID, ConversationID: c.ID,
		Data: mustJSON(ViewingData{ConversationID: c.ID, MemberID: m.ID, Name: m.Name, Viewing: viewing, Reply: reply})},
		TopicConversation(c.ID))
	s.publish(ctx, &o)
	return nil
}
