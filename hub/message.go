package hub

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// AuthorKind says who wrote a message.
type AuthorKind string

// Author kinds.
const (
	AuthorVisitor   AuthorKind = "visitor"
	AuthorAssistant AuthorKind = "assistant"
	AuthorAgent     AuthorKind = "agent"
	AuthorSystem    AuthorKind = "system"
)

// Status types shown on assistant messages (004 "Session detail").
const (
	StatusAnalyzing        = "ANALYZING"
	StatusMatchedContent   = "MATCHED_CONTENT"
	StatusGeneratedContent = "GENERATED_CONTENT"
)

// Limits on message content.
const (
	MaxBodyBytes     = 16 << 10
	MaxClientIDBytes = 64
)

// Message is one entry in a conversation. Seq is assigned by the store in
// the insert transaction and only grows within a conversation.
type Message struct {
	ID             int64      `json:"id"`
	TenantID       int64      `json:"tenant_id"`
	ConversationID int64      `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	AuthorKind     AuthorKind `json:"author_kind"`
	AuthorID       int64      `json:"author_id,omitempty"`
	// AuthorName is an agent's display name as it was when they wrote.
	AuthorName string `json:"author_name,omitempty"`
	Body       string `json:"body"`
	StatusType string `json:"status_type,omitempty"`
	// Internal marks a private note: agents see it, the visitor never does.
	Internal    bool   `json:"internal,omitempty"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
	// Feedback is the visitor's vote on an assistant message.
	Feedback   string         `json:"feedback,omitempty"`
	Attachment *AttachmentRef `json:"attachment,omitempty"`
	// Prompt asks the visitor for something the widget shows as a step.
	Prompt string `json:"prompt,omitempty"`
	// Trace is how an assistant message was produced; agents only.
	Trace     *DecisionTrace `json:"trace,omitempty"`
	CreatedAt time.Time      `json:"created_at"`

	// unread is what the message changed in the members' unread counts
	// (countUnread), until outbox.message takes it to publish. A pointer,
	// so that messages stay comparable.
	unread *MemberUnreadData
}

// Prompts an assistant message may carry.
const (
	PromptNone  = ""
	PromptEmail = "email" // the widget shows an email field
)

// Feedback values.
const (
	FeedbackNone = ""
	FeedbackUp   = "up"
	FeedbackDown = "down"
)

// MessageFilter selects messages of one conversation in seq order.
type MessageFilter struct {
	ConversationID int64
	AfterSeq       int64 // exclusive
	BeforeSeq      int64 // exclusive; 0: no upper bound
	// VisitorView leaves out internal notes.
	VisitorView bool
	// Newest returns the Limit newest rows of the range (still in seq order).
	Newest bool
	Limit  int
}

// VisitorMessage is a message as the visitor sees it.
type VisitorMessage struct {
	ID             int64          `json:"id"`
	ConversationID int64          `json:"conversation_id"`
	Seq            int64          `json:"seq"`
	AuthorKind     AuthorKind     `json:"author_kind"`
	AuthorName     string         `json:"author_name,omitempty"`
	Body           string         `json:"body"`
	StatusType     string         `json:"status_type,omitempty"`
	ClientMsgID    string         `json:"client_msg_id,omitempty"`
	Feedback       string         `json:"feedback,omitempty"`
	Attachment     *AttachmentRef `json:"attachment,omitempty"`
	Prompt         string         `json:"prompt,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
}

// ForVisitor returns the fields of m a visitor may see.
func (m *Message) ForVisitor() VisitorMessage {
	return VisitorMessage{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, AuthorKind: m.AuthorKind,
		AuthorName: m.AuthorName, Body: m.Body, StatusType: m.StatusType, ClientMsgID: m.ClientMsgID,
		Feedback: m.Feedback, Attachment: m.Attachment, Prompt: m.Prompt, CreatedAt: m.CreatedAt}
}

// View returns m as actor may see it: the whole message for agents, the
// visitor's view for visitors.
func (m *Message) View(actor Actor) any {
	if actor.Kind == ActorVisitor {
		return m.ForVisitor()
	}
	return m
}

// Messages returns messages of a conversation the actor may see, in seq
// order. Visitors never see internal notes.
func (s *Service) Messages(ctx context.Context, actor Actor, f MessageFilter) ([]*Message, error) {
	if _, err := findConversation(ctx, s.Store, actor, f.ConversationID); err != nil {
		return nil, err
	}
	if actor.Kind == ActorVisitor {
		f.VisitorView = true
	}
	msgs, err := s.Store.FindMessages(ctx, f)
	if err != nil {
		return nil, err
	}
	s.signLinks(msgs)
	return msgs, nil
}

// NewMessage is a message to send.
type NewMessage struct {
	// ConversationID 0 means the visitor's own conversation, created on
	// first use. Members must name a conversation.
	ConversationID int64
	// ClientMsgID makes a send idempotent: a retry returns the original.
	ClientMsgID string
	Body        string
	Internal    bool   // a private note; members only
	StatusType  string // assistant messages only
	Prompt      string // assistant messages only: PromptEmail or none
}

func (in *NewMessage) validate(actor Actor) error {
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "":
		return Reasonf(EInvalid, ReasonBodyEmpty, "message body is empty")
	case len(in.Body) > MaxBodyBytes:
		return Reasonf(EInvalid, ReasonBodyTooLong, "message body is over %d bytes", MaxBodyBytes)
	case !utf8.ValidString(in.Body):
		return Errorf(EInvalid, "message body is not valid UTF-8")
	case len(in.ClientMsgID) > MaxClientIDBytes:
		return Errorf(EInvalid, "client message id is over %d bytes", MaxClientIDBytes)
	case in.Internal && !actor.IsMember():
		return Errorf(EForbidden, "only members write internal notes")
	case in.StatusType != "" && actor.Kind != ActorAssistant:
		return Errorf(EInvalid, "only the assistant sets a status type")
	case in.Prompt != PromptNone && actor.Kind != ActorAssistant:
		return Errorf(EInvalid, "only the assistant asks with a prompt")
	case in.Prompt != PromptNone && in.Prompt != PromptEmail:
		return Errorf(EInvalid, "prompt must be empty or %q", PromptEmail)
	case in.ConversationID == 0 && (actor.Kind != ActorVisitor || actor.OnBehalf != 0):
		// A workspace writing to support names its ticket's conversation.
		return Errorf(EInvalid, "conversation_id is required")
	}
	return nil
}

func authorOf(actor Actor) (AuthorKind, error) {
	switch actor.Kind {
	case ActorVisitor:
		return AuthorVisitor, nil
	case ActorMember:
		return AuthorAgent, nil
	case ActorAssistant:
		return AuthorAssistant, nil
	case ActorSystem:
		return AuthorSystem, nil
	}
	return "", Errorf(EForbidden, "unknown actor")
}

// SendMessage validates, authorizes and stores a message, applies what it
// means for the conversation and its ticket (lifecycle.go), commits, and
// then publishes.
//
// A visitor's message with no conversation id goes to their current
// conversation (the newest that is not closed), or starts a new one; a
// visitor cannot write into a closed conversation. A visitor's message to a
// resolved conversation reopens it: without a ticket the assistant answers
// it afresh; with one, the ticket is Open again and the visitor is told so.
// A retried send (same ClientMsgID) returns the original message unchanged
// and publishes nothing.
func (s *Service) SendMessage(ctx context.Context, actor Actor, in NewMessage) (*Message, error) {
	return s.send(ctx, actor, in, nil)
}

// send is SendMessage, with a file to store alongside when file is set.
func (s *Service) send(ctx context.Context, actor Actor, in NewMessage, file *Attachment) (*Message, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if err := in.validate(actor); err != nil {
		return nil, err
	}
	author, err := authorOf(actor)
	if err != nil {
		return nil, err
	}
	if file == nil {
		m, conv, ok, err := s.sendQuick(ctx, actor, in, author)
		if err != nil {
			return nil, err
		}
		if ok {
			s.sent(ctx, conv, m, nil, nil)
			return m, nil
		}
	}
	var (
		m      *Message
		conv   *Conversation
		ticket *Ticket
		ack    *Message // told to a visitor whose message reopened their ticket
		dup    bool
	)
	err = s.tx(ctx, func(q Queries) error {
		m, conv, ticket, ack, dup = nil, nil, nil, nil, false
		var err error
		if in.ConversationID == 0 {
			var prev *Message
			conv, prev, err = s.currentConversation(ctx, q, actor, in.ClientMsgID)
			if prev != nil {
				m, dup = prev, true
				return sameAuthor(prev, author, actor.ID)
			}
		} else {
			conv, err = lockConversation(ctx, q, actor, in.ConversationID)
		}
		if err != nil {
			return err
		}
		// A retry (a ClientMsgID already used) is not looked for first:
		// the insert hits the unique index, everything written here rolls
		// back, and the original is returned below. A send costs one
		// round trip less (docs/BENCHMARKS.md, "A visitor message on
		// Postgres").
		wasResolved := conv.Status == ConversationResolved
		if !in.Internal {
			if ticket, err = s.ticketAfterMessage(ctx, q, actor, author, conv); err != nil {
				return err
			}
		}
		m = &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: author, AuthorID: actor.ID,
			Body: in.Body, StatusType: in.StatusType, Internal: in.Internal, ClientMsgID: in.ClientMsgID,
			Prompt: in.Prompt, CreatedAt: s.now()}
		if by := actor.ID; author == AuthorAgent || actor.OnBehalf != 0 {
			if actor.OnBehalf != 0 {
				by = actor.OnBehalf
			}
			member, err := q.FindMemberByID(ctx, by)
			if err != nil {
				return err
			}
			m.AuthorName = member.Name
		}
		if file != nil {
			file.TenantID, file.ConversationID, file.CreatedAt = conv.TenantID, conv.ID, m.CreatedAt
			if err := q.CreateAttachment(ctx, file); err != nil {
				return err
			}
			m.Attachment = &AttachmentRef{ID: file.ID, Name: file.Name, ContentType: file.ContentType, Size: file.Size,
				Path: s.attachmentPath(file.ID, file.Name, m.CreatedAt)}
		}
		if err := s.appendMessage(ctx, q, conv, m); err != nil {
			return err
		}
		if author == AuthorVisitor && wasResolved {
			if ack, err = s.reopenForVisitor(ctx, q, conv, ticket, m); err != nil {
				return err
			}
		}
		if author == AuthorAgent && !in.Internal {
			// A human has taken over: the assistant stays silent from now on.
			conv.Owner, conv.Handoff = OwnerHuman, HandoffHuman
			if conv.AssigneeID == 0 {
				conv.AssigneeID = actor.ID
			}
			if err := s.queueReplyEmail(ctx, q, conv, m); err != nil {
				return err
			}
		}
		return stale(q.UpdateConversation(ctx, conv))
	})
	if IsCode(err, EConflict) && in.ClientMsgID != "" && conv != nil && !dup {
		// A retry, or a concurrent copy of the same send that won the
		// unique index (or a refusal, such as a closed conversation, of a
		// retry whose original got in).
		prev, ferr := s.Store.FindMessageByClientID(ctx, conv.ID, in.ClientMsgID)
		if ferr == nil {
			return prev, sameAuthor(prev, author, actor.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	if dup {
		return m, nil
	}
	s.sent(ctx, conv, m, ack, ticket)
	return m, nil
}

// sent publishes what a committed message m changed: m, the reply ack
// that came with it, conv, and its ticket; and wakes the assistant for a
// visitor's message it answers.
func (s *Service) sent(ctx context.Context, conv *Conversation, m, ack *Message, ticket *Ticket) {
	var o outbox
	o.message(conv, m)
	if ack != nil {
		o.message(conv, ack)
	}
	o.conversation(conv)
	if ticket != nil {
		ticket.follow(conv)
		o.ticket(ticket)
	}
	s.publish(ctx, &o)
	if m.AuthorKind == AuthorVisitor && conv.assistantPending() && s.AssistantNotify != nil {
		s.AssistantNotify(conv.ID)
	}
}

func sameAuthor(m *Message, author AuthorKind, id int64) error {
	if m.AuthorKind != author || m.AuthorID != id {
		return Errorf(EConflict, "client message id already used in this conversation")
	}
	return nil
}

// appendMessage stores m in conv and applies it to conv's counters and
// the members' unread counts (unread.go); the caller writes conv
// afterwards. The author's own side has read everything up to its own
// message. A QuickSender writes the same for a visitor's message in one
// statement (message_quick.go): a change here is a change there, which
// store/postgres TestSendQuickSameAsTx catches.
func (s *Service) appendMessage(ctx context.Context, q Queries, conv *Conversation, m *Message) error {
	if err := q.CreateMessage(ctx, m); err != nil {
		return err
	}
	if s.Observer != nil {
		s.Observer.MessagePersisted()
	}
	if err := s.countUnread(ctx, q, conv, m); err != nil { // unread.go
		return err
	}
	conv.LastSeq = m.Seq
	conv.LastMessageAt, conv.UpdatedAt = m.CreatedAt, m.CreatedAt
	if m.Internal {
		return nil
	}
	conv.notePreview(m)
	switch m.AuthorKind {
	case AuthorVisitor:
		conv.UnreadByAgents++
		conv.VisitorReadSeq, conv.UnreadByVisitor = m.Seq, 0
		conv.VisitorSeq = m.Seq
	case AuthorAgent:
		conv.UnreadByVisitor++
		conv.AgentReadSeq, conv.UnreadByAgents = m.Seq, 0
	default:
		conv.UnreadByVisitor++
	}
	return nil
}

// message queues message.created for agents and, unless the message is an
// internal note, for the visitor.
func (o *outbox) message(c *Conversation, m *Message) {
	o.add(Event{Type: EventMessageCreated, TenantID: c.TenantID, ConversationID: c.ID, Seq: m.Seq, Data: mustJSON(m)},
		TopicConversation(c.ID))
	if !m.Internal {
		o.add(Event{Type: EventMessageCreated, TenantID: c.TenantID, ConversationID: c.ID, Seq: m.Seq, Data: mustJSON(m.ForVisitor())},
			TopicVisitor(c.VisitorID))
	}
	if m.unread != nil {
		o.unread(c.TenantID, m.unread.Members)
		m.unread = nil
	}
}

// SetFeedback records the visitor's vote (up, down, or "" to take it back)
// on an assistant message of their conversation, and the conversation's
// vote counters (FeedbackUp, FeedbackDown) with it. Voting the same again
// changes and publishes nothing.
func (s *Service) SetFeedback(ctx context.Context, actor Actor, messageID int64, feedback string) (*Message, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if actor.Kind != ActorVisitor {
		return nil, Errorf(EForbidden, "only visitors vote on answers")
	}
	if feedback != FeedbackUp && feedback != FeedbackDown && feedback != FeedbackNone {
		return nil, Errorf(EInvalid, "feedback must be up, down or empty")
	}
	var (
		m       *Message
		conv    *Conversation
		changed bool
	)
	err := s.tx(ctx, func(q Queries) error {
		var err error
		if m, err = q.FindMessageByID(ctx, messageID); IsCode(err, ENotFound) {
			return Errorf(ENotFound, "message not found")
		} else if err != nil {
			return err
		}
		if conv, err = lockConversation(ctx, q, actor, m.ConversationID); err != nil {
			return Errorf(ENotFound, "message not found")
		}
		if m.AuthorKind != AuthorAssistant || m.Internal {
			return Errorf(EInvalid, "only the assistant's answers take feedback")
		}
		if m.Feedback == feedback {
			changed = false
			return nil
		}
		conv.countFeedback(m.Feedback, -1)
		conv.countFeedback(feedback, 1)
		m.Feedback, changed = feedback, true
		if err := q.UpdateMessageFeedback(ctx, m.ID, feedback); err != nil {
			return err
		}
		// The counters behind the Conversations view's feedback filters
		// change with the vote, in its transaction; a concurrent vote loses
		// the version race and is retried on the new counts.
		conv.UpdatedAt = s.now()
		return stale(q.UpdateConversation(ctx, conv))
	})
	if err != nil {
		return nil, err
	}
	if !changed {
		return m, nil
	}
	var o outbox
	o.conversation(conv)
	o.add(Event{Type: EventMessageUpdated, TenantID: m.TenantID, ConversationID: m.ConversationID, Data: mustJSON(m)},
		TopicConversation(conv.ID))
	o.add(Event{Type: EventMessageUpdated, TenantID: m.TenantID, ConversationID: m.ConversationID, Data: mustJSON(m.ForVisitor())},
		TopicVisitor(conv.VisitorID))
	s.publish(ctx, &o)
	return m, nil
}

// countFeedback adds n to the counter of a vote ("" counts nowhere).
func (c *Conversation) countFeedback(feedback string, n int) {
	switch feedback {
	case FeedbackUp:
		c.FeedbackUp = max(0, c.FeedbackUp+n)
	case FeedbackDown:
		c.FeedbackDown = max(0, c.FeedbackDown+n)
	}
}
