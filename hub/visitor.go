package hub

import (
	"context"
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

// VisitorStart is what the widget sends to begin or continue a visit.
type VisitorStart struct {
	SiteKey     string
	Origin      string // the page's origin, from the request
	AnonymousID string // "" for a first visit
	Locale      string
	CurrentPage string
	Device      string
}

// StartVisitor finds or creates the visitor of a site and returns a token
// that authenticates them on every node. The origin must be one of the
// site's, and the site must accept chats.
func (s *Service) StartVisitor(ctx context.Context, in VisitorStart) (*Visitor, string, error) {
	site, err := s.Store.FindSiteByKey(ctx, in.SiteKey)
	if IsCode(err, ENotFound) {
		return nil, "", Errorf(ENotFound, "unknown site key")
	}
	if err != nil {
		return nil, "", err
	}
	if !site.AllowsOrigin(in.Origin) {
		return nil, "", Errorf(EForbidden, "origin %q is not allowed for this site", in.Origin)
	}
	if !site.WidgetEnabled || site.Paused {
		return nil, "", Errorf(EForbidden, "the chat is not available on this site")
	}
	if len(in.AnonymousID) > 64 || len(in.Locale) > 35 || len(in.CurrentPage) > 2048 || len(in.Device) > 200 {
		return nil, "", Errorf(EInvalid, "visitor details are too long")
	}
	now := s.now()
	var v *Visitor
	err = s.tx(ctx, func(q Queries) error {
		v = nil
		if in.AnonymousID != "" {
			found, err := q.FindVisitorByAnonymousID(ctx, site.ID, in.AnonymousID)
			if err != nil && !IsCode(err, ENotFound) {
				return err
			}
			v = found
		}
		if v == nil {
			v = &Visitor{TenantID: site.TenantID, SiteID: site.ID, AnonymousID: "anon_" + RandomToken(16), FirstSeen: now}
			v.LastSeen, v.Locale, v.CurrentPage, v.Device = now, in.Locale, in.CurrentPage, in.Device
			return q.CreateVisitor(ctx, v)
		}
		v.LastSeen = now
		if in.Locale != "" {
			v.Locale = in.Locale
		}
		if in.CurrentPage != "" {
			v.CurrentPage = in.CurrentPage
		}
		if in.Device != "" {
			v.Device = in.Device
		}
		return q.UpdateVisitor(ctx, v)
	})
	if err != nil {
		return nil, "", err
	}
	return v, s.IssueVisitorToken(v), nil
}
