package hub

import (
	"encoding/json"
	"time"
)

// Visitor is a person using the widget on a site.
type Visitor struct {
	ID          int64           `json:"id"`
	TenantID    int64           `json:"tenant_id"`
	SiteID      int64           `json:"site_id"`
	AnonymousID string          `json:"anonymous_id"`
	ExternalID  string          `json:"external_id,omitempty"`
	Email       string          `json:"email,omitempty"`
	Name        string          `json:"name,omitempty"`
	Traits      json.RawMessage `json:"traits,omitempty"`
	Locale      string          `json:"locale,omitempty"`
	Country     string          `json:"country,omitempty"`
	Device      string          `json:"device,omitempty"`
	CurrentPage string          `json:"current_page,omitempty"`
	FirstSeen   time.Time       `json:"first_seen"`
	LastSeen    time.Time       `json:"last_seen"`
}
