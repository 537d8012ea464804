package hub

import "time"

// Site is a customer website that embeds the widget.
type Site struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Key      string `json:"key"` // public site key used by the snippet
	Name     string `json:"name"`
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed to
	// embed the widget and open visitor websockets.
	AllowedOrigins []string `json:"allowed_origins"`
	// IdentitySecret signs visitor identities (HMAC); never sent to clients.
	IdentitySecret   string    `json:"-"`
	VerifiedOnly     bool      `json:"verified_only"`
	WidgetEnabled    bool      `json:"widget_enabled"`
	Paused           bool      `json:"paused"`
	TicketsEnabled   bool      `json:"tickets_enabled"`
	SupportEmail     string    `json:"support_email"`
	AssistantEnabled bool      `json:"assistant_enabled"`
	Instructions     string    `json:"instructions"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// AllowsOrigin reports whether origin may embed the site's widget.
func (s *Site) AllowsOrigin(origin string) bool {
	for _, o := range s.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	return false
}
