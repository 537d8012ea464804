package hub

import (
	"encoding/json"
	"time"
)

// AuditEntry records who did what to which object. Entries are never updated.
type AuditEntry struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenant_id"`
	ActorKind ActorKind `json:"actor_kind"`
	ActorID   int64     `json:"actor_id,omitempty"`
	// TokenID names the workspace API token the actor used (APIToken);
	// 0 for a person's session and for everyone else.
	TokenID   int64           `json:"token_id,omitempty"`
	Action    string          `json:"action"`  // e.g. "ticket.status"
	Subject   string          `json:"subject"` // e.g. "ticket:12"
	Data      json.RawMessage `json:"data,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// AuditFilter selects a tenant's audit entries, newest first, by keyset.
type AuditFilter struct {
	TenantID int64
	Subject  string // "": any
	BeforeID int64
	Limit    int
}
