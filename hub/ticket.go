package hub

import (
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
	ID             int64        `json:"id"`
	TenantID       int64        `json:"tenant_id"`
	SiteID         int64        `json:"site_id,omitempty"`
	Number         int64        `json:"number"`
	Subject        string       `json:"subject"`
	RequesterEmail string       `json:"requester_email"`
	Status         TicketStatus `json:"status"`
	Priority       string       `json:"priority"`
	AssigneeID     int64        `json:"assignee_id,omitempty"` // 0: unassigned
	Source         string       `json:"source"`
	ConversationID int64        `json:"conversation_id,omitempty"`
	ResolvedAt     *time.Time   `json:"resolved_at,omitempty"`
	ResolvedBy     int64        `json:"resolved_by,omitempty"`
	// Version grows with every update; stores reject stale writes with
	// EConflict (optimistic locking).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is the ticket's human reference, e.g. "TKT-42".
func (t *Ticket) Ref() string { return fmt.Sprintf("TKT-%d", t.Number) }

// TicketFilter selects tickets, newest first, by keyset.
type TicketFilter struct {
	TenantID   int64
	Statuses   []TicketStatus // empty: any
	AssigneeID int64          // 0: any
	// Query matches words of the subject through the store's text index.
	Query string
	// Keyset cursor: rows with ID strictly below BeforeID.
	BeforeID int64
	Limit    int
}
