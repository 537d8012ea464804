package hub

import "time"

// Role is what a member may do in their tenant.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner Role = "owner"
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleAgent }

// Member is a person who works in a tenant's dashboard.
type Member struct {
	ID           int64     `json:"id"`
	TenantID     int64     `json:"tenant_id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a member's logged-in dashboard session. Only a hash of the
// token is stored, so a leaked database does not leak sessions.
type Session struct {
	ID        int64
	MemberID  int64
	TenantID  int64
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}
