package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TicketStatus is the one status model every product document maps onto.
type TicketStatus string

// Ticket statuses. On Customer means waiting for the customer.
const (
	TicketOpen       TicketStatus = "open"
	TicketInProgress TicketStatus = "in_progress"
	TicketOnCustomer TicketStatus = "on_customer"
	TicketResolved   TicketStatus = "resolved"
	TicketClosed     TicketStatus = "closed"
)

// Valid reports whether s is a known status.
func (s TicketStatus) Valid() bool {
	switch s {
	case TicketOpen, TicketInProgress, TicketOnCustomer, TicketResolved, TicketClosed:
		return true
	}
	return false
}

// Label is the status as people read it.
func (s TicketStatus) Label() string {
	switch s {
	case TicketOpen:
		return "Open"
	case TicketInProgress:
		return "In Progress"
	case TicketOnCustomer:
		return "On Customer"
	case TicketResolved:
		return "Resolved"
	case TicketClosed:
		return "Closed"
	}
	return string(s)
}

// Ticket priorities.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Ticket sources.
const (
	SourceAssistant = "assistant" // escalated by the AI assistant
	SourceWidget    = "widget"    // opened by the visitor (downvote flow)
	SourceAgent     = "agent"     // opened by an agent
)

// Ticket is a request that needs a human.
type Ticket struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	SiteID   int64  `json:"site_id,omitempty"`
	Number   int64  `json:"number"`
	Subject  string `json:"subject"`
	// Summary is the assistant's summary of the issue, for escalations.
	Summary        string       `json:"summary,omitempty"`
	RequesterEmail string       `json:"requester_email"`
	Status         TicketStatus `json:"status"`
	Priority       string       `json:"priority"`
	AssigneeID     int64        `json:"assignee_id,omitempty"` // 0: unassigned
	Source         string       `json:"source"`
	ConversationID int64        `json:"conversation_id,omitempty"`
	ResolvedAt     *time.Time   `json:"resolved_at,omitempty"`
	ResolvedBy     int64        `json:"resolved_by,omitempty"`
	// Unread is the calling member's unread count of the ticket's
	// conversation while this is its current ticket, at their unread
	// version (unread.go); the Service sets it for a member's lists and
	// details, nil elsewhere (events, older tickets of a conversation).
	Unread        *int  `json:"unread,omitempty"`
	UnreadVersion int64 `json:"unread_version,omitempty"`
	// LastActivityAt comes from the ticket's conversation when a store
	// reads a ticket (FindTicketByID, FindTickets): the later of UpdatedAt
	// and its last message. Writes ignore it.
	LastActivityAt time.Time `json:"last_activity_at"`
	// RequesterUnread is the conversation's UnreadByVisitor: for a
	// support ticket, what its requester has not read. Derived like
	// LastActivityAt.
	RequesterUnread int `json:"-"`

	// Support tickets (support.go) live in the platform tenant.
	// Queue is QueueSupport or QueueAIReview; "" for a site's tickets.
	Queue string `json:"queue,omitempty"`
	// RequesterTenantID is the workspace that asked.
	RequesterTenantID int64 `json:"requester_tenant_id,omitempty"`
	// RequestType (RequestCritical, RequestQuestion, RequestFeature,
	// RequestReview) sets DueAt, the response target.
	RequestType string     `json:"request_type,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	// FollowsTicketID is the done ticket this one continues.
	FollowsTicketID int64 `json:"follows_ticket_id,omitempty"`
	// Version grows with every update; stores reject stale writes with
	// EConflict (optimistic locking).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// touch stamps a change at now.
func (t *Ticket) touch(now time.Time) {
	t.UpdatedAt = now
	if now.After(t.LastActivityAt) {
		t.LastActivityAt = now
	}
}

// follow copies what a ticket shows of its conversation.
func (t *Ticket) follow(c *Conversation) {
	if c == nil || c.ID != t.ConversationID {
		return
	}
	t.RequesterUnread = c.UnreadByVisitor
	if c.LastMessageAt.After(t.LastActivityAt) {
		t.LastActivityAt = c.LastMessageAt
	}
}

// Escalates reports whether opening t escalates its conversation (004
// "Escalated"): the visitor opened it through the downvote flow, which is
// the widget's ticket.create (SourceWidget). A workspace's own support
// request is no downvote, but its review of an unhelpful AI answer (000,
// QueueAIReview) is. Migration 0011 backfills Conversation.Escalated with
// the same rule.
func (t *Ticket) Escalates() bool { return t.Source == SourceWidget && t.Queue != QueueSupport }

// Ref is the ticket's human reference: "TKT-42" for a site's ticket,
// "SUP-42" for a support ticket, whose numbers are the platform tenant's
// own sequence, so they never read like a workspace's own tickets.
func (t *Ticket) Ref() string {
	if t.Queue != "" {
		return fmt.Sprintf("SUP-%d", t.Number)
	}
	return fmt.Sprintf("TKT-%d", t.Number)
}

// MarshalJSON adds the reference ("ref": "TKT-42") to the ticket's fields.
func (t Ticket) MarshalJSON() ([]byte, error) {
	type fields Ticket
	return json.Marshal(struct {
		fields
		Ref string `json:"ref"`
	}{fields(t), t.Ref()})
}

// TicketFilter selects tickets, newest first, by keyset.
type TicketFilter struct {
	TenantID   int64
	Statuses   []TicketStatus // empty: any
	AssigneeID int64          // 0: any
	// Query matches words of the subject through the store's text index.
	Query string
	// Queue keeps one queue's tickets ("" any); RequesterTenantID one
	// workspace's support tickets (0 any).
	Queue             string
	RequesterTenantID int64
	// ByDue orders by DueAt, soonest first (no due time last), then ID
	// ascending, and returns only the first page: BeforeID must be 0.
	ByDue bool
	// Keyset cursor: rows with ID strictly below BeforeID.
	BeforeID int64
	Limit    int
}

// Active reports whether work on the ticket is still going on.
func (s TicketStatus) Active() bool {
	return s == TicketOpen || s == TicketInProgress || s == TicketOnCustomer
}

// ticketAfterMessage applies the status table (lifecycle.go) to a message
// the actor writes into conv, which is not an internal note, and returns
// conv's ticket when it changed (its status or due time), else nil. It
// refuses a visitor's message to a closed conversation.
func (s *Service) ticketAfterMessage(ctx context.Context, q Queries, actor Actor, author AuthorKind, conv *Conversation) (*Ticket, error) {
	var ev ticketEvent
	switch author {
	case AuthorVisitor:
		ev = eventRequester
	case AuthorAgent:
		ev = eventTeamReply
	default:
		return nil, nil
	}
	if conv.TicketID == 0 {
		if ev == eventRequester && conv.Status == ConversationClosed {
			return nil, errConversationClosed
		}
		return nil, nil
	}
	t, err := q.LockTicket(ctx, conv.TicketID)
	if err != nil {
		return nil, err
	}
	next, err := nextTicketStatus(t.Queue != "", ev, t.Status)
	if err != nil {
		if IsCode(err, EConflict) {
			return nil, Reasonf(EConflict, ErrorReason(err), "%s: %s", t.Ref(), ErrorMessage(err))
		}
		return nil, err
	}
	dueChanged := s.owedAfterMessage(t, author)
	if next != t.Status {
		return t, s.setTicketStatus(ctx, q, actor, t, next, conv)
	}
	if dueChanged {
		t.touch(s.now())
		return t, stale(q.UpdateTicket(ctx, t))
	}
	return nil, nil
}

// owedAfterMessage keeps a support ticket's due time on what the team
// owes: the team's reply meets it; the workspace's message, when nothing
// is owed, starts a new one. It reports whether DueAt changed.
func (s *Service) owedAfterMessage(t *Ticket, author AuthorKind) bool {
	switch {
	case t.Queue == "":
		return false
	case author == AuthorAgent && t.DueAt != nil:
		t.DueAt = nil
		return true
	case author == AuthorVisitor && t.DueAt == nil && t.Status.Active():
		due := s.Support.Due(t.RequestType, s.now())
		t.DueAt = &due
		return true
	}
	return false
}

// setTicketStatus changes t's status, stamps or clears the resolution,
// audits the change and writes the ticket. When conv is the conversation
// whose current ticket t is, its status follows (conversationStatusOf);
// the caller writes conv.
func (s *Service) setTicketStatus(ctx context.Context, q Queries, actor Actor, t *Ticket, next TicketStatus, conv *Conversation) error {
	prev := t.Status
	now := s.now()
	t.Status = next
	t.touch(now)
	if conv != nil && conv.ID == t.ConversationID && conv.TicketID == t.ID {
		conv.setStatus(conversationStatusOf(next))
	}
	switch {
	case next == TicketResolved:
		t.ResolvedAt, t.ResolvedBy = &now, actor.ID
	case next.Active():
		t.ResolvedAt, t.ResolvedBy = nil, 0
	}
	if !next.Active() {
		t.DueAt = nil // nothing is owed on a done ticket
	}
	if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
		Action: "ticket.status", Subject: ticketSubject(t), Data: mustJSON(map[string]any{"from": prev, "to": next}), CreatedAt: now}); err != nil {
		return err
	}
	return stale(q.UpdateTicket(ctx, t))
}

func ticketSubject(t *Ticket) string { return fmt.Sprintf("ticket:%d", t.ID) }

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
	// support is set for support tickets (support.go).
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
	if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
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

func validPriority(p string) bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// TicketUpdate changes some fields of a ticket; nil fields stay.
type TicketUpdate struct {
	Status     *TicketStatus
	AssigneeID *int64 // 0 unassigns
	Priority   *string
}

// UpdateTicket changes a ticket's status, assignee or priority. Members may
// move a ticket to any status, including reopening a resolved or closed
// one. Resolving stamps resolved at and by. Each change is audited; status
// changes to resolved or closed, and reopening, are told in the thread.
func (s *Service) UpdateTicket(ctx context.Context, actor Actor, id int64, in TicketUpdate) (*Ticket, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members change tickets")
	}
	if in.Status != nil && !in.Status.Valid() {
		return nil, Errorf(EInvalid, "status must be open, in_progress, on_customer, resolved or closed")
	}
	if in.Priority != nil && !validPriority(*in.Priority) {
		return nil, Errorf(EInvalid, "priority must be low, normal, high or urgent")
	}
	var (
		t     *Ticket
		conv  *Conversation
		note  *Message
		moved outbox // the unread that a new assignee takes over (unread.go)
	)
	err := s.tx(ctx, func(q Queries) error {
		var err error
		if t, conv, err = lockTicket(ctx, q, actor, id); err != nil {
			return err
		}
		note, moved = nil, outbox{}
		reassigned := false
		now := s.now()
		audit := func(action string, data map[string]any) error {
			return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
				Action: action, Subject: ticketSubject(t), Data: mustJSON(data), CreatedAt: now})
		}
		if in.AssigneeID != nil && *in.AssigneeID != t.AssigneeID {
			if *in.AssigneeID != 0 {
				m, err := q.FindMemberByID(ctx, *in.AssigneeID)
				if err != nil && !IsCode(err, ENotFound) {
					return err
				}
				if err != nil || m.TenantID != t.TenantID {
					return Errorf(EInvalid, "assignee is not a member of this workspace")
				}
			}
			if err := audit("ticket.assign", map[string]any{"from": t.AssigneeID, "to": *in.AssigneeID}); err != nil {
				return err
			}
			t.AssigneeID, reassigned = *in.AssigneeID, true
		}
		if in.Priority != nil && *in.Priority != t.Priority {
			if err := audit("ticket.priority", map[string]any{"from": t.Priority, "to": *in.Priority}); err != nil {
				return err
			}
			t.Priority = *in.Priority
		}
		if in.Status != nil && *in.Status != t.Status {
			if note, err = s.chooseTicketStatus(ctx, q, actor, t, *in.Status, conv); err != nil {
				return err
			}
			if conv != nil {
				t.follow(conv)
				if err := stale(q.UpdateConversation(ctx, conv)); err != nil {
					return err
				}
			}
		} else {
			conv = nil // unchanged
			t.touch(now)
			if err := stale(q.UpdateTicket(ctx, t)); err != nil {
				return err
			}
		}
		if reassigned {
			return s.ticketAssigned(ctx, q, t, &moved) // unread.go
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var o outbox
	o.ticket(t)
	if note != nil {
		o.message(conv, note)
	}
	if conv != nil {
		o.conversation(conv)
	}
	o.items = append(o.items, moved.items...)
	s.publish(ctx, &o)
	return t, nil
}

// chooseTicketStatus applies an agent's explicit choice of status to t
// (lifecycle.go: only a support ticket's Done is final) and, when t has
// conversation conv, tells the change in its thread and returns that
// note; conv's status follows when t is its current ticket. The caller
// writes conv.
func (s *Service) chooseTicketStatus(ctx context.Context, q Queries, actor Actor, t *Ticket, next TicketStatus, conv *Conversation) (*Message, error) {
	if err := checkTicketStatusChoice(t, next); err != nil {
		return nil, err
	}
	from := t.Status
	if err := s.setTicketStatus(ctx, q, actor, t, next, conv); err != nil {
		return nil, err
	}
	body := ticketNote(t, from)
	if body == "" || conv == nil {
		return nil, nil
	}
	note := &Message{TenantID: t.TenantID, ConversationID: conv.ID, AuthorKind: AuthorSystem, Body: body, CreatedAt: s.now()}
	return note, s.appendMessage(ctx, q, conv, note)
}

// lockTicket returns a ticket of the actor's tenant and its conversation
// (nil for a ticket without one), both locked for a write: the
// conversation first, as every writer of both does, so that two writers
// never wait for each other in opposite orders.
func lockTicket(ctx context.Context, q Queries, actor Actor, id int64) (*Ticket, *Conversation, error) {
	t, err := findTicket(ctx, q, actor, id)
	if err != nil {
		return nil, nil, err
	}
	var conv *Conversation
	if t.ConversationID != 0 {
		if conv, err = q.LockConversation(ctx, t.ConversationID); err != nil && !IsCode(err, ENotFound) {
			return nil, nil, err
		}
		if conv != nil && conv.TenantID != t.TenantID {
			conv = nil
		}
	}
	if t, err = q.LockTicket(ctx, id); err != nil {
		return nil, nil, err
	}
	return t, conv, nil
}

func findTicket(ctx context.Context, q Queries, actor Actor, id int64) (*Ticket, error) {
	t, err := q.FindTicketByID(ctx, id)
	if err == nil && t.TenantID != actor.TenantID {
		err = Errorf(ENotFound, "ticket not found")
	}
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "ticket not found")
	}
	return t, err
}

// Ticket returns a ticket of the member's tenant.
func (s *Service) Ticket(ctx context.Context, actor Actor, id int64) (*Ticket, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members read tickets")
	}
	return findTicket(ctx, s.Store, actor, id)
}

// TicketDetail is a ticket with its visitor's identity card and its
// conversation (003 "Ticket Details"); both are nil for a ticket opened
// without a chat.
type TicketDetail struct {
	*Ticket
	Visitor      *Visitor      `json:"visitor"`
	Conversation *Conversation `json:"conversation"`
	// Workspace is the workspace that asked, for a support ticket (staff
	// see it where a site's ticket shows its visitor).
	Workspace *Workspace `json:"workspace,omitempty"`
}

// MarshalJSON writes the ticket's fields (with its ref) and the two
// summaries; without it the ticket's own MarshalJSON would be promoted
// and drop them.
func (d TicketDetail) MarshalJSON() ([]byte, error) {
	type fields Ticket
	return json.Marshal(struct {
		fields
		Ref          string        `json:"ref"`
		Visitor      *Visitor      `json:"visitor"`
		Conversation *Conversation `json:"conversation"`
		Workspace    *Workspace    `json:"workspace,omitempty"`
	}{fields(*d.Ticket), d.Ref(), d.Visitor, d.Conversation, d.Workspace})
}

// TicketDetail returns a ticket of the member's tenant with its visitor
// and conversation.
func (s *Service) TicketDetail(ctx context.Context, actor Actor, id int64) (*TicketDetail, error) {
	t, err := s.Ticket(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &TicketDetail{Ticket: t}
	if err := s.withTicketUnread(ctx, actor, []*Ticket{t}); err != nil {
		return nil, err
	}
	if t.RequesterTenantID != 0 {
		ws, err := s.Store.FindTenantByID(ctx, t.RequesterTenantID)
		if err != nil && !IsCode(err, ENotFound) {
			return nil, err
		}
		if ws != nil {
			d.Workspace = &Workspace{ID: ws.ID, Name: ws.Name}
		}
	}
	if t.ConversationID == 0 {
		return d, nil
	}
	c, err := s.Store.FindConversationByID(ctx, t.ConversationID)
	if IsCode(err, ENotFound) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	if c.TenantID != t.TenantID {
		return d, nil
	}
	d.Conversation = c
	if d.Visitor, err = s.Store.FindVisitorByID(ctx, c.VisitorID); err != nil && !IsCode(err, ENotFound) {
		return nil, err
	}
	return d, nil
}

// Tickets lists the member's tenant's tickets, newest first.
func (s *Service) Tickets(ctx context.Context, actor Actor, f TicketFilter) ([]*Ticket, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members read tickets")
	}
	if f.ByDue && f.BeforeID != 0 {
		return nil, Errorf(EInvalid, "tickets sorted by due time come in one page: no before cursor")
	}
	f.TenantID, f.RequesterTenantID = actor.TenantID, 0
	ts, err := s.Store.FindTickets(ctx, f)
	if err != nil {
		return nil, err
	}
	if err := s.withTicketUnread(ctx, actor, ts); err != nil { // unread.go
		return nil, err
	}
	return ts, nil
}

// ticket queues ticket.updated for agents.
func (o *outbox) ticket(t *Ticket) {
	topics := []string{TopicInbox(t.TenantID)}
	if t.ConversationID != 0 {
		topics = append(topics, TopicConversation(t.ConversationID))
	}
	o.add(Event{Type: EventTicketUpdated, TenantID: t.TenantID, Data: mustJSON(t)}, topics...)
	if t.RequesterTenantID != 0 {
		// The requesting workspace sees its own view (support.go).
		o.add(Event{Type: EventSupportTicket, TenantID: t.RequesterTenantID, Data: mustJSON(supportView(t))},
			TopicSupport(t.RequesterTenantID))
	}
}
