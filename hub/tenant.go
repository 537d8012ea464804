package hub

import "time"

// Tenant is a workspace: the unit of isolation. Nothing crosses tenants.
type Tenant struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Plan gates features such as the widget ("free", "standard", "pro").
	Plan      string    `json:"plan"`
	CreatedAt time.Time `json:"created_at"`
}

// Plans. The widget needs PlanStandard or better.
const (
	PlanFree     = "free"
	PlanStandard = "standard"
	PlanPro      = "pro"
)
