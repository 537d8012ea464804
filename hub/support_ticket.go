package hub

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// A workspace's support tickets as it sees them (001): the view
// (SupportTicket), the list, and opening one (OpenSupportTicket), which
// opens a ticket of the platform tenant through openTicket (ticket_open.go).

// SupportTicket is a support ticket as its workspace sees it.
type SupportTicket struct {
	ID              int64      `json:"id"`
	Ref             string     `json:"ref"`
	Subject         string     `json:"subject"`
	Status          string     `json:"status"` // SupportOnCustomer or SupportDone
	Queue           string     `json:"queue"`
	RequestType     string     `json:"request_type"`
	Priority        string     `json:"priority"`
	Unread          int        `json:"unread"`
	ConversationID  int64      `json:"conversation_id"`
	FollowsTicketID int64      `json:"follows_ticket_id,omitempty"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	LastActivityAt  time.Time  `json:"last_activity_at"`
	CreatedAt       time.Time  `json:"created_at"`
}

func supportView(t *Ticket) SupportTicket {
	status := SupportOnCustomer
	if !t.Status.Active() {
		status = SupportDone
	}
	return SupportTicket{ID: t.ID, Ref: t.Ref(), Subject: t.Subject, Status: status, Queue: t.Queue,
		RequestType: t.RequestType, Priority: t.Priority, Unread: t.RequesterUnread, ConversationID: t.ConversationID,
		FollowsTicketID: t.FollowsTicketID, DueAt: t.DueAt, LastActivityAt: t.LastActivityAt, CreatedAt: t.CreatedAt}
}

// SupportFilter selects a workspace's support tickets, newest first.
type SupportFilter struct {
	Status   string // "", SupportOnCustomer or SupportDone
	Query    string // words of the title
	BeforeID int64
	Limit    int
	IDs      []int64 // as TicketFilter.IDs
}

// SupportTickets lists the actor's workspace's support tickets (001
// "Search and filtering").
func (s *Service) SupportTickets(ctx context.Context, actor Actor, f SupportFilter) ([]SupportTicket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	if err := checkIDs(f.IDs); err != nil {
		return nil, err
	}
	tf := TicketFilter{RequesterTenantID: actor.TenantID, Query: f.Query, BeforeID: f.BeforeID, Limit: f.Limit, IDs: f.IDs}
	switch f.Status {
	case "":
	case SupportOnCustomer:
		tf.Statuses = []TicketStatus{TicketOpen, TicketInProgress, TicketOnCustomer}
	case SupportDone:
		tf.Statuses = []TicketStatus{TicketResolved, TicketClosed}
	default:
		return nil, Errorf(EInvalid, "status must be on_customer or done")
	}
	platform, err := s.Store.FindPlatformTenant(ctx)
	if IsCode(err, ENotFound) {
		return []SupportTicket{}, nil // no support ticket was ever opened
	}
	if err != nil {
		return nil, err
	}
	tf.TenantID = platform.ID
	tickets, err := s.Store.FindTickets(ctx, tf)
	if err != nil {
		return nil, err
	}
	out := make([]SupportTicket, len(tickets))
	for i, t := range tickets {
		out[i] = supportView(t)
	}
	return out, nil
}

// supportTicket finds one of the actor's workspace's support tickets;
// ENotFound for anyone else's.
func (s *Service) supportTicket(ctx context.Context, q Queries, actor Actor, id int64) (*Ticket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	t, err := q.FindTicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.RequesterTenantID != actor.TenantID || t.Queue == "" {
		return nil, Errorf(ENotFound, "ticket not found")
	}
	return t, nil
}

// SupportTicket returns one support ticket of the actor's workspace.
func (s *Service) SupportTicket(ctx context.Context, actor Actor, id int64) (*SupportTicket, error) {
	t, err := s.supportTicket(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	v := supportView(t)
	return &v, nil
}

// SupportConversation returns the requester actor and the conversation of
// one of the workspace's support tickets: what the REST adapter needs to
// read, send, upload and mark read through the ordinary methods, which
// then apply every rule of a visitor's conversation (a done ticket
// refuses messages: ticketAfterMessage).
func (s *Service) SupportConversation(ctx context.Context, actor Actor, ticketID int64) (Actor, int64, error) {
	t, err := s.supportTicket(ctx, s.Store, actor, ticketID)
	if err != nil {
		return Actor{}, 0, err
	}
	r, err := s.requesterActor(ctx, actor)
	if err != nil {
		return Actor{}, 0, err
	}
	return r, t.ConversationID, nil
}

// NewSupportTicket is "+ New ticket" (001 "How to create a new ticket").
type NewSupportTicket struct {
	Subject     string
	Body        string
	RequestType string // "": RequestQuestion
	// FollowsTicketID names a done ticket this one continues.
	FollowsTicketID int64
}

// urgentTitle reports whether a title asks for urgency ("URGENT: …").
func urgentTitle(subject string) bool {
	return strings.Contains(strings.ToUpper(subject), "URGENT") || strings.Contains(strings.ToUpper(subject), "СРОЧНО")
}

// OpenSupportTicket opens a support ticket for the actor's workspace: the
// first message in a new conversation, then the ticket, which the
// workspace sees as On Customer. "URGENT" in the title makes it urgent and
// critical; the request type sets the due time.
func (s *Service) OpenSupportTicket(ctx context.Context, actor Actor, in NewSupportTicket) (*SupportTicket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	switch {
	case in.Subject == "" || utf8.RuneCountInString(in.Subject) > 200:
		return nil, Errorf(EInvalid, "title must be 1 to 200 characters")
	case in.Body == "":
		return nil, Errorf(EInvalid, "write the first message: what happened or what you need")
	case len(in.Body) > MaxBodyBytes || !utf8.ValidString(in.Body):
		return nil, Errorf(EInvalid, "the message must be valid text of at most %d bytes", MaxBodyBytes)
	}
	if in.RequestType == "" {
		in.RequestType = RequestQuestion
	}
	if in.RequestType != RequestCritical && in.RequestType != RequestQuestion && in.RequestType != RequestFeature {
		return nil, Errorf(EInvalid, "request type must be critical, question or feature")
	}
	t, err := s.openSupportTicket(ctx, actor, supportRequest{queue: QueueSupport, subject: in.Subject, body: in.Body,
		requestType: in.RequestType, follows: in.FollowsTicketID, status: TicketOpen})
	if err != nil {
		return nil, err
	}
	v := supportView(t)
	return &v, nil
}

// supportRequest is a validated support ticket to open.
type supportRequest struct {
	queue, subject, body, requestType string
	follows                           int64
	status                            TicketStatus
	// file is attached as a second message (the review's context report).
	file *Attachment
}

func (s *Service) openSupportTicket(ctx context.Context, member Actor, in supportRequest) (*Ticket, error) {
	r, err := s.requesterActor(ctx, member)
	if err != nil {
		return nil, err
	}
	var (
		o outbox
		t *Ticket
	)
	err = s.tx(ctx, func(q Queries) error {
		o, t = outbox{}, nil
		if in.follows != 0 {
			prev, err := s.supportTicket(ctx, q, member, in.follows)
			if err != nil {
				return err
			}
			if prev.Status.Active() {
				return Errorf(EConflict, "%s is still open: write in it instead", prev.Ref())
			}
		}
		m, err := q.FindMemberByID(ctx, member.ID)
		if err != nil {
			return err
		}
		now := s.now()
		conv := &Conversation{TenantID: r.TenantID, SiteID: r.SiteID, VisitorID: r.ID, Owner: OwnerHuman,
			Handoff: HandoffHuman, Status: ConversationOpen, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
		if err := q.CreateConversation(ctx, conv); err != nil {
			return err
		}
		priority := PriorityNormal
		if urgentTitle(in.subject) {
			priority = PriorityUrgent
			if in.requestType != RequestReview {
				in.requestType = RequestCritical
			}
		}
		due := s.Support.Due(in.requestType, now)
		nt := NewTicket{ConversationID: conv.ID, SiteID: conv.SiteID, Subject: in.subject, RequesterEmail: m.Email,
			Priority: priority, Source: SourceWidget, Description: in.body,
			support: &supportFields{queue: in.queue, requester: member.TenantID, requestType: in.requestType,
				due: &due, follows: in.follows, status: in.status, onBehalf: m.Name}}
		if t, _, err = s.openTicket(ctx, q, r, nt, conv, &o); err != nil {
			return err
		}
		if in.file != nil {
			in.file.TenantID, in.file.ConversationID, in.file.CreatedAt = conv.TenantID, conv.ID, now
			if err := q.CreateAttachment(ctx, in.file); err != nil {
				return err
			}
			fm := &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: AuthorVisitor, AuthorID: r.ID,
				AuthorName: m.Name, Body: in.file.Name, CreatedAt: now, Attachment: &AttachmentRef{ID: in.file.ID,
					Name: in.file.Name, ContentType: in.file.ContentType, Size: in.file.Size, Path: s.attachmentPath(in.file.ID, in.file.Name, now)}}
			if err := s.appendMessage(ctx, q, conv, fm); err != nil {
				return err
			}
			o.message(conv, fm)
		}
		// The workspace wrote all of it: nothing in it is unread for them.
		conv.VisitorReadSeq, conv.UnreadByVisitor = conv.LastSeq, 0
		t.follow(conv)
		if err := stale(q.UpdateConversation(ctx, conv)); err != nil {
			return err
		}
		o.conversation(conv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return t, nil
}

// supportFields are what openTicket adds to a support ticket.
type supportFields struct {
	queue       string
	requester   int64
	requestType string
	due         *time.Time
	follows     int64
	status      TicketStatus
	onBehalf    string // the requester's member name, on their first message
}

// EventSupportTicket carries a support ticket as its workspace sees it
// (SupportTicket) on TopicSupport: created, its status or unread count
// changed.
const EventSupportTicket = "support.ticket"
