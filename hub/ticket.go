package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
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
	// IDs, when set, keeps only these tickets (at most MaxFilterIDs):
	// a list that saw tickets change live asks which of them it holds,
	// so that it never disagrees with a reload (docs/api.md "Tickets").
	IDs []int64
}

// MaxFilterIDs is how many ids a list's filter may name (TicketFilter.IDs).
const MaxFilterIDs = 100

// checkIDs validates a filter's ids.
func checkIDs(ids []int64) error {
	if len(ids) > MaxFilterIDs {
		return Errorf(EInvalid, "ids names %d tickets: at most %d", len(ids), MaxFilterIDs)
	}
	for _, id := range ids {
		if id <= 0 {
			return Errorf(EInvalid, "ids must be positive ticket ids")
		}
	}
	return nil
}

// Active reports whether work on the ticket is still going on.
func (s TicketStatus) Active() bool {
	return s == TicketOpen || s == TicketInProgress || s == TicketOnCustomer
}

func ticketSubject(t *Ticket) string { return fmt.Sprintf("ticket:%d", t.ID) }

func validPriority(p string) bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
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
	if err := checkIDs(f.IDs); err != nil {
		return nil, err
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
		// The requesting workspace sees its own view (support_ticket.go).
		o.add(Event{Type: EventSupportTicket, TenantID: t.RequesterTenantID, Data: mustJSON(supportView(t))},
			TopicSupport(t.RequesterTenantID))
	}
}
