package hub

import "time"

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
