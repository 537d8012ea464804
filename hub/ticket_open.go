package hub

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Opening a ticket: NewTicket, CreateTicket and openTicket, through which
// the hand-off (handoff.go) and support tickets (support_ticket.go) open
// theirs too.

// NewTicket describes a ticket to open.
type NewTicket struct {
	ConversationID int64 // 0: a ticket without a chat (members only)
	SiteID         int64
	Subject        string
	RequesterEmail string
	Priority       string // "": normal
	Source         string
	// Summary is the assistant's summary of the issue, for escalations.
	Summary string
	// Description, when set, is written into the conversation as the
	// requester's message before the ticket's system message.
	Description string
	// support is set for support tickets (support_ticket.go).
	support *supportFields
}

// CreateTicket opens a ticket. When the conversation already has an active
// ticket, that ticket is returned instead, so a retried escalation never
// opens two. A system message in the conversation names the new ticket.
func (s *Service) CreateTicket(ctx context.Context, actor Actor, in NewTicket) (*Ticket, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if err := in.validate(actor); err != nil {
		return nil, err
	}
	var (
		o    outbox
		t    *Ticket
		conv *Conversation
	)
	err := s.tx(ctx, func(q Queries) error {
		o, t, conv = outbox{}, nil, nil
		if in.ConversationID != 0 {
			c, err := lockConversation(ctx, q, actor, in.ConversationID)
			if err != nil {
				return err
			}
			conv, in.SiteID = c, c.SiteID
		} else if in.SiteID != 0 {
			// A ticket without a chat may name a site of the workspace,
			// never another one's: its emails go out in the site's name
			// and to its support address, and the answer would tell which
			// site ids exist (TestCreateTicketSiteOfAnotherWorkspace).
			site, err := q.FindSiteByID(ctx, in.SiteID)
			if IsCode(err, ENotFound) || err == nil && site.TenantID != actor.TenantID {
				return Errorf(ENotFound, "site not found")
			}
			if err != nil {
				return err
			}
		}
		var created bool
		var err error
		if t, created, err = s.openTicket(ctx, q, actor, in, conv, &o); err != nil || !created || conv == nil {
			return err
		}
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

func (in *NewTicket) validate(actor Actor) error {
	in.Subject = strings.TrimSpace(in.Subject)
	in.Summary = strings.TrimSpace(in.Summary)
	in.Description = strings.TrimSpace(in.Description)
	in.RequesterEmail = normalizeEmail(in.RequesterEmail)
	if in.Priority == "" {
		in.Priority = PriorityNormal
	}
	switch {
	case in.Subject == "" || utf8.RuneCountInString(in.Subject) > 200:
		return Reasonf(EInvalid, ReasonSubjectInvalid, "subject must be 1 to 200 characters")
	case !validEmail(in.RequesterEmail):
		return Reasonf(EInvalid, ReasonEmailInvalid, "%q is not a valid email address", in.RequesterEmail)
	case !validPriority(in.Priority):
		return Errorf(EInvalid, "priority must be low, normal, high or urgent")
	case in.ConversationID == 0 && !actor.IsMember():
		return Errorf(EInvalid, "conversation_id is required")
	case len(in.Description) > MaxBodyBytes || !utf8.ValidString(in.Description):
		return Errorf(EInvalid, "description must be valid text of at most %d bytes", MaxBodyBytes)
	case len(in.Summary) > MaxBodyBytes || !utf8.ValidString(in.Summary):
		return Errorf(EInvalid, "summary must be valid text of at most %d bytes", MaxBodyBytes)
	case actor.Kind == ActorVisitor:
		in.Source = SourceWidget
	case actor.Kind == ActorAssistant:
		in.Source = SourceAssistant
	case in.Source == "":
		in.Source = SourceAgent
	}
	return nil
}

// openTicket opens a validated ticket inside q's transaction, or returns
// the conversation's active ticket (created false). For a new ticket it
// writes the description (if any) and the "Ticket … created" message into
// conv, moves conv's hand-off to ticket_open (human when an agent opens
// it), queues the emails, and adds the events to o; the caller writes conv.
func (s *Service) openTicket(ctx context.Context, q Queries, actor Actor, in NewTicket, conv *Conversation, o *outbox) (*Ticket, bool, error) {
	if conv != nil && conv.TicketID != 0 {
		prev, err := q.FindTicketByID(ctx, conv.TicketID)
		if err != nil {
			return nil, false, err
		}
		if prev.Status.Active() {
			return prev, false, nil
		}
	}
	// New tickets need the plan's tickets (plan.go); those opened before
	// stay readable and answerable (TestTicketsLockedByPlan).
	if err := requireFeature(ctx, q, actor.TenantID, FeatureTickets); err != nil {
		return nil, false, err
	}
	n, err := q.NextTicketNumber(ctx, actor.TenantID)
	if err != nil {
		return nil, false, err
	}
	now := s.now()
	t := &Ticket{TenantID: actor.TenantID, SiteID: in.SiteID, Number: n, Subject: in.Subject, Summary: in.Summary,
		RequesterEmail: in.RequesterEmail, Status: TicketOpen, Priority: in.Priority, Source: in.Source,
		ConversationID: in.ConversationID, LastActivityAt: now, CreatedAt: now, UpdatedAt: now}
	authorName := ""
	if sf := in.support; sf != nil {
		t.Queue, t.RequesterTenantID, t.RequestType, t.DueAt, t.FollowsTicketID = sf.queue, sf.requester, sf.requestType, sf.due, sf.follows
		t.Status, authorName = sf.status, sf.onBehalf
	}
	if err := q.CreateTicket(ctx, t); err != nil {
		return nil, false, err
	}
	if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
		Action: "ticket.create", Subject: ticketSubject(t), Data: mustJSON(map[string]any{"source": t.Source}), CreatedAt: now}); err != nil {
		return nil, false, err
	}
	o.ticket(t)
	if conv == nil {
		return t, true, s.queueTicketEmails(ctx, q, t, nil)
	}
	if actor.Kind == ActorVisitor {
		if err := rememberEmail(ctx, q, actor.ID, in.RequesterEmail); err != nil {
			return nil, false, err
		}
	}
	conv.TicketID, conv.Escalated = t.ID, conv.Escalated || t.Escalates()
	conv.setStatus(conversationStatusOf(t.Status))
	if err := s.scopeUnread(ctx, q, conv, o); err != nil { // unread.go: its unread is now a ticket's
		return nil, false, err
	}
	switch {
	case actor.IsMember():
		conv.Handoff, conv.Owner = HandoffHuman, OwnerHuman
	case conv.Handoff != HandoffHuman:
		conv.Handoff = HandoffTicketOpen
	}
	if in.Description != "" {
		author, err := authorOf(actor)
		if err != nil {
			return nil, false, err
		}
		descr := &Message{TenantID: t.TenantID, ConversationID: conv.ID, AuthorKind: author, AuthorID: actor.ID, AuthorName: authorName,
			Body: in.Description, CreatedAt: now}
		if err := s.appendMessage(ctx, q, conv, descr); err != nil {
			return nil, false, err
		}
		o.message(conv, descr)
	}
	note := &Message{TenantID: t.TenantID, ConversationID: conv.ID, AuthorKind: AuthorSystem,
		Body: fmt.Sprintf("Ticket %s created", t.Ref()), CreatedAt: now}
	if err := s.appendMessage(ctx, q, conv, note); err != nil {
		return nil, false, err
	}
	o.message(conv, note)
	t.follow(conv)
	return t, true, s.queueTicketEmails(ctx, q, t, conv)
}

// rememberEmail keeps the email a visitor gave for a ticket, unless they
// already have one.
func rememberEmail(ctx context.Context, q Queries, visitorID int64, email string) error {
	v, err := q.FindVisitorByID(ctx, visitorID)
	if err != nil || v.Email != "" {
		return err
	}
	v.Email = email
	return q.UpdateVisitor(ctx, v)
}
