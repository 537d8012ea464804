package hub

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

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
	IdentitySecret   string `json:"-"`
	VerifiedOnly     bool   `json:"verified_only"`
	WidgetEnabled    bool   `json:"widget_enabled"`
	Paused           bool   `json:"paused"`
	TicketsEnabled   bool   `json:"tickets_enabled"`
	SupportEmail     string `json:"support_email"`
	AssistantEnabled bool   `json:"assistant_enabled"`
	Instructions     string `json:"instructions"`
	// DefaultLocale is the widget's language when the visitor's browser
	// asks for none Parley speaks ("" means English).
	DefaultLocale string     `json:"default_locale"`
	Appearance    Appearance `json:"appearance"`
	// Handoff is how the assistant hands conversations to the team.
	Handoff HandoffSettings `json:"handoff"`
	// AIProvider is the site's own model, if any.
	AIProvider AIProvider `json:"ai_provider"`
	// Synonyms are the site owner's own synonym groups (SiteSynonyms): the
	// built-in assistant counts the words of a group as the same word, as
	// it does with its own list.
	Synonyms [][]string `json:"synonyms"`
	// Version grows with every change of the site and of its workspace's
	// plan (the store increments it), so that the nodes keeping the site's
	// gate (EventSiteGate) keep the newest one.
	Version int64 `json:"version"`
	// KnowledgeVersion grows with every change of the site's knowledge
	// base and of its Synonyms (the store increments it, in the write's
	// transaction): the assistants' indexes of the site are rebuilt when
	// it differs (KnowledgeSearcher.KnowledgeVersion).
	KnowledgeVersion int64     `json:"knowledge_version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Appearance is how the widget looks on a site.
type Appearance struct {
	Color         string `json:"color"`    // #RRGGBB
	Position      string `json:"position"` // "right" or "left"
	Greeting      string `json:"greeting"`
	LauncherLabel string `json:"launcher_label"`
	// AssistantName labels the assistant's messages ("Assistant" when empty).
	AssistantName string `json:"assistant_name,omitempty"`
	// Avatars are https image URLs shown beside the assistant's and the
	// agents' messages; agents' own names come with their messages.
	AssistantAvatar string `json:"assistant_avatar,omitempty"`
	AgentAvatar     string `json:"agent_avatar,omitempty"`
}

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks an appearance before it is saved.
func (a Appearance) Validate() error {
	switch {
	case !colorPattern.MatchString(a.Color):
		return Errorf(EInvalid, "colour must be #RRGGBB")
	case a.Position != "right" && a.Position != "left":
		return Errorf(EInvalid, "position must be right or left")
	case utf8.RuneCountInString(a.Greeting) > 500:
		return Errorf(EInvalid, "greeting is over 500 characters")
	case utf8.RuneCountInString(a.LauncherLabel) > 40 || utf8.RuneCountInString(a.AssistantName) > 40:
		return Errorf(EInvalid, "launcher label and assistant name are at most 40 characters")
	}
	for _, u := range []string{a.AssistantAvatar, a.AgentAvatar} {
		if p, err := url.Parse(u); u != "" && (err != nil || p.Scheme != "https" || p.Host == "" || len(u) > 500) {
			return Errorf(EInvalid, "avatar %q must be an https URL", u)
		}
	}
	return nil
}

// DefaultAppearance is a new site's look.
var DefaultAppearance = Appearance{Color: "#4F46E5", Position: "right"}

// AllowsOrigin reports whether origin may embed the site's widget.
func (s *Site) AllowsOrigin(origin string) bool {
	for _, o := range s.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	return false
}

// NewSite describes a site to create.
type NewSite struct {
	TenantID       int64
	Name           string
	AllowedOrigins []string
}

// CreateSite creates a site with a fresh public key and identity secret.
// The site starts with a published widget (so the snippet works as soon as
// it is pasted; the Builder pauses or removes it), tickets and the
// assistant on.
func (s *Service) CreateSite(ctx context.Context, actor Actor, in NewSite) (*Site, error) {
	if err := canManageTeam(actor, in.TenantID); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return nil, Errorf(EInvalid, "site name must be 1 to 100 characters")
	}
	origins, err := NormalizeOrigins(in.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	now := s.now()
	site := &Site{TenantID: in.TenantID, Key: "site_" + RandomToken(12), Name: name, AllowedOrigins: origins,
		IdentitySecret: RandomToken(32), WidgetEnabled: true, TicketsEnabled: true, AssistantEnabled: true,
		Appearance: DefaultAppearance, Synonyms: [][]string{}, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(q Queries) error {
		if err := q.CreateSite(ctx, site); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: site.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "site.create", Subject: fmt.Sprintf("site:%d", site.ID), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return site, nil
}

// RotateIdentitySecret gives a site of the actor's workspace a new
// identity secret and returns it; owners and admins only. Identities
// signed with the old secret stop verifying at once. The rotation is
// audited, the secret itself never.
func (s *Service) RotateIdentitySecret(ctx context.Context, actor Actor, siteID int64) (string, error) {
	secret := RandomToken(32)
	err := s.tx(ctx, func(q Queries) error {
		site, err := q.FindSiteByID(ctx, siteID)
		if IsCode(err, ENotFound) || err == nil && (!actor.IsMember() || site.TenantID != actor.TenantID) {
			return Errorf(ENotFound, "site not found")
		}
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, site.TenantID); err != nil {
			return err
		}
		site.IdentitySecret, site.UpdatedAt = secret, s.now()
		if err := q.UpdateSite(ctx, site); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: site.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "site.identity_secret", Subject: fmt.Sprintf("site:%d", site.ID), CreatedAt: site.UpdatedAt})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// NormalizeOrigins checks that each origin is scheme://host[:port] with an
// http or https scheme, and returns them lower-cased without duplicates.
func NormalizeOrigins(origins []string) ([]string, error) {
	out := make([]string, 0, len(origins))
	seen := map[string]bool{}
	for _, raw := range origins {
		o, err := NormalizeOrigin(raw)
		if err != nil {
			return nil, err
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out, nil
}

// OriginOf returns the origin of an absolute URL such as the hub's base
// URL (scheme://host[:port], lower-cased), "" when it has none.
func OriginOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// NormalizeOrigin returns origin as scheme://host[:port], lower-cased.
func NormalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", Errorf(EInvalid, "origin %q must look like https://example.com or http://localhost:3000", origin)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}
