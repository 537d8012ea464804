package hub

import (
	"context"
	"slices"
	"strings"
)

// The gates: whether a site's chat is open to a page, to a visitor, to a
// frame of an open socket and to the assistant. The rules live here once;
// the config and visit endpoints (WidgetSite), visitor tokens
// (VisitorActor), the realtime nodes (which keep each site's Gate in
// memory and hear every change through EventSiteGate) and the assistant
// (RunAssistant) apply them. docs/architecture.md "Gates" tells the story.

// Widget gates, as 004 "End-user can't open the chat" names them.
const (
	ReasonSiteNotMapped  = "SITE_NOT_MAPPED"
	ReasonFeatureLocked  = "FEATURE_LOCKED"
	ReasonWidgetDisabled = "WIDGET_DISABLED"
	ReasonWidgetPaused   = "WIDGET_PAUSED"
)

// Gate is what decides whether a site's chat is open: the site's gate
// settings and its workspace's plan, with the site's Version. It is the
// data of EventSiteGate, and what every realtime node keeps in memory for
// the sites it has visitor sockets of, so that no frame reads the store to
// be checked.
type Gate struct {
	SiteID   int64  `json:"site_id"`
	TenantID int64  `json:"tenant_id"`
	Version  int64  `json:"version"`
	SiteName string `json:"site_name"` // for the fix texts
	Plan     string `json:"plan"`
	// Widget says the workspace's plan includes the chat widget.
	Widget         bool     `json:"widget"`
	WidgetEnabled  bool     `json:"widget_enabled"`
	Paused         bool     `json:"paused"`
	VerifiedOnly   bool     `json:"verified_only"`
	AllowedOrigins []string `json:"allowed_origins"`
}

// IsGateReason reports whether reason is a gate's: 004's four and
// ReasonVerifiedOnly, the reasons of a visitor the chat refuses (and of
// the close code the realtime nodes close such sockets with).
func IsGateReason(reason string) bool {
	switch reason {
	case ReasonSiteNotMapped, ReasonFeatureLocked, ReasonWidgetDisabled, ReasonWidgetPaused, ReasonVerifiedOnly:
		return true
	}
	return false
}

// GateOf is the gate of site, a site of workspace t.
// A nil site (an unknown key: WidgetSite's ReasonSiteNotMapped) has the
// zero Gate.
func GateOf(site *Site, t *Tenant) Gate {
	if site == nil {
		return Gate{}
	}
	return Gate{SiteID: site.ID, TenantID: site.TenantID, Version: site.Version, SiteName: site.Name, Plan: t.Plan,
		Widget: t.Has(FeatureWidget), WidgetEnabled: site.WidgetEnabled, Paused: site.Paused, VerifiedOnly: site.VerifiedOnly,
		AllowedOrigins: slices.Clone(site.AllowedOrigins)}
}

// Closed returns why the chat is closed to everybody, in 004's order
// (FEATURE_LOCKED, WIDGET_DISABLED, WIDGET_PAUSED), "" while it is open.
func (g Gate) Closed() string {
	switch {
	case !g.Widget:
		return ReasonFeatureLocked
	case !g.WidgetEnabled:
		return ReasonWidgetDisabled
	case g.Paused:
		return ReasonWidgetPaused
	}
	return ""
}

// Allows reports whether a page of origin may use the chat. "" is a
// visitor token issued before tokens carried their page's origin: not
// checked (such tokens expire within VisitorTokenTTL).
func (g Gate) Allows(origin string) bool {
	return origin == "" || slices.Contains(g.AllowedOrigins, strings.ToLower(origin))
}

// ForPage returns why the chat is closed to a page of origin: 004's
// order, the mapping first.
func (g Gate) ForPage(origin string) string {
	if origin == "" || !g.Allows(origin) {
		return ReasonSiteNotMapped
	}
	return g.Closed()
}

// ForVisitor returns why the chat is closed to a visitor (verified or
// not) on pages of origins ("" origins are not checked): a page no longer
// allowed (SITE_NOT_MAPPED), the chat closed for everybody, or a
// verified-only site and an unverified visitor (ReasonVerifiedOnly).
func (g Gate) ForVisitor(verified bool, origins ...string) string {
	for _, o := range origins {
		if !g.Allows(o) {
			return ReasonSiteNotMapped
		}
	}
	if r := g.Closed(); r != "" {
		return r
	}
	if g.VerifiedOnly && !verified {
		return ReasonVerifiedOnly
	}
	return ""
}

// Error is the error of a refused visitor, page or frame: not_found for
// SITE_NOT_MAPPED (as for an unknown site), unauthorized for verified_only
// (the visitor identifies, and gets a new token), forbidden for the
// others; the reason is the gate's and the message its fix.
func (g Gate) Error(reason, origin string) error {
	code := EForbidden
	switch reason {
	case ReasonSiteNotMapped:
		code = ENotFound
	case ReasonVerifiedOnly:
		code = EUnauthorized
	}
	return &Error{Code: code, Reason: reason, Message: reason + ": " + g.Fix(reason, origin)}
}

// Fix tells the site owner how to lift a gate, naming the place in the
// dashboard where they do it (the console of a refused page shows it).
func (g Gate) Fix(reason, origin string) string {
	page := "this page's origin"
	if origin != "" {
		page += " (" + origin + ")"
	}
	switch reason {
	case ReasonSiteNotMapped:
		if g.SiteID == 0 {
			return "Complete mapping in Settings → Sites: this site key names no site; copy the snippet of a site from there, and add " +
				page + " to that site's allowed origins."
		}
		return "Complete mapping in Settings → Sites → " + g.SiteName + ": add " + page + " to the site's allowed origins."
	case ReasonFeatureLocked:
		return LockedText(g.Plan, FeatureWidget)
	case ReasonWidgetDisabled:
		return "No widget exists for this site: create one in " + BuilderPlace(g.SiteName) + "."
	case ReasonWidgetPaused:
		return "The widget is paused: click Publish in " + BuilderPlace(g.SiteName) + "."
	case ReasonVerifiedOnly:
		return "This site chats only with visitors it identified: call Parley('identify', {externalId, userHash}) " +
			"(or with a token) before the chat starts."
	}
	return ""
}

// BuilderPlace is where a site's widget is created, published and paused
// in the dashboard (004 calls it the Builder).
func BuilderPlace(siteName string) string {
	return "Settings → Sites → " + siteName + " → Builder"
}

// WidgetSite returns the site of key with its workspace and, when the
// widget may not open on a page of origin, the gate's reason (site and
// workspace are nil for an unknown key). The error is for store failures
// only.
func (s *Service) WidgetSite(ctx context.Context, key, origin string) (*Site, *Tenant, string, error) {
	site, err := s.Store.FindSiteByKey(ctx, key)
	if IsCode(err, ENotFound) {
		return nil, nil, ReasonSiteNotMapped, nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	tenant, err := s.Store.FindTenantByID(ctx, site.TenantID)
	if err != nil {
		return nil, nil, "", err
	}
	return site, tenant, GateOf(site, tenant).ForPage(origin), nil
}

// SiteGate reads a site's gate from the store (ENotFound for no site):
// what a realtime node loads when its first visitor socket of the site
// authenticates, and again on a broker reset and every SessionCheck.
func (s *Service) SiteGate(ctx context.Context, siteID int64) (Gate, error) {
	site, err := s.Store.FindSiteByID(ctx, siteID)
	if err != nil {
		return Gate{}, err
	}
	tenant, err := s.Store.FindTenantByID(ctx, site.TenantID)
	if err != nil {
		return Gate{}, err
	}
	return GateOf(site, tenant), nil
}

// EventSiteGate tells the realtime nodes a site's new gate (Gate) after
// every change of the site or of its workspace's plan commits. Nodes keep
// the highest Version per site, close the visitor sockets the new gate
// refuses (code 4003), and never send it to a client.
const EventSiteGate = "site.gate"

// gate queues g's EventSiteGate on the site's gate topic.
func (o *outbox) gate(g Gate) {
	o.add(Event{Type: EventSiteGate, TenantID: g.TenantID, Data: mustJSON(g)}, TopicSiteGate(g.SiteID))
}
