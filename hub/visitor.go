package hub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
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

// ContactEmail is the visitor's email as far as the site told us: the
// identity's email, else a valid "email" trait; "" when neither.
func (v *Visitor) ContactEmail() string {
	if v.Email != "" {
		return v.Email
	}
	var traits struct {
		Email string `json:"email"`
	}
	if len(v.Traits) == 0 || json.Unmarshal(v.Traits, &traits) != nil {
		return ""
	}
	if e := normalizeEmail(traits.Email); validEmail(e) {
		return e
	}
	return ""
}

// VisitorStart is what the widget sends to begin or continue a visit.
type VisitorStart struct {
	SiteKey     string
	Origin      string // the page's origin, from the request
	AnonymousID string // "" for a first visit
	Locale      string
	CurrentPage string
	Device      string // a summary such as "Chrome 120 on Windows"
	Country     string // ISO 3166 alpha-2, "" when unknown
	// Identity, when set, names a signed-in user of the customer's site.
	Identity *Identity
}

// Identity is what a site tells Parley about its signed-in user. An
// external id is accepted only when verified by UserHash (HMAC-SHA256 of
// the external id with the site's identity secret, hex) or by Token (a JWT
// signed HS256 with that secret, with sub and exp). Without an external id,
// email, name and traits are kept as the visitor's unverified details.
type Identity struct {
	ExternalID string
	Email      string
	Name       string
	Traits     json.RawMessage
	UserHash   string
	Token      string
}

// Visit is a started visit: who the visitor is, the token that
// authenticates them, and their conversation if they have one.
type Visit struct {
	Visitor      *Visitor
	Token        string
	Verified     bool
	Conversation *Conversation // nil before the first message
}

// StartVisitor finds or creates the visitor of a site and returns a token
// that authenticates them on every node. The site must pass the widget
// gates for the page's origin; a verified-only site turns away visitors
// without a verified identity. A verified visitor is found by external id,
// so their history follows them to any device; the first verification
// adopts the anonymous visitor of this browser, keeping their thread.
func (s *Service) StartVisitor(ctx context.Context, in VisitorStart) (*Visit, error) {
	site, tenant, reason, err := s.WidgetSite(ctx, in.SiteKey, in.Origin)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return nil, GateOf(site, tenant).Error(reason, in.Origin)
	}
	if len(in.AnonymousID) > 64 || len(in.Locale) > 35 || len(in.CurrentPage) > 2048 || len(in.Device) > 200 || len(in.Country) > 2 {
		return nil, Errorf(EInvalid, "visitor details are too long")
	}
	var id Identity
	if in.Identity != nil {
		id = *in.Identity
	}
	verified, err := verifyIdentity(site, &id, s.now())
	if err != nil {
		return nil, err
	}
	if site.VerifiedOnly && !verified {
		return nil, Reasonf(EForbidden, ReasonVerifiedOnly, "this site chats only with verified visitors: call identify with externalId and userHash (or token)")
	}
	if err := validateDetails(&id); err != nil {
		return nil, err
	}
	now := s.now()
	visit := &Visit{Verified: verified}
	if in.AnonymousID == "" && id.ExternalID == "" {
		// A browser's first visit continues nobody (findVisitor): one
		// autocommitted insert, no transaction around it.
		visit.Visitor = newVisitor(site, "", now)
		visit.Visitor.arrive(in, id, now)
		if err := s.Store.CreateVisitor(ctx, visit.Visitor); err != nil {
			return nil, err
		}
		visit.Token = s.IssueVisitorToken(visit.Visitor, verified, in.Origin)
		return visit, nil
	}
	err = s.tx(ctx, func(q Queries) error {
		v, err := findVisitor(ctx, q, site.ID, in.AnonymousID, id.ExternalID)
		if err != nil {
			return err
		}
		visit.Conversation = nil // a retried transaction starts over
		if v == nil {
			// A new visitor has no conversation to look up.
			visit.Visitor = newVisitor(site, id.ExternalID, now)
			visit.Visitor.arrive(in, id, now)
			return q.CreateVisitor(ctx, visit.Visitor)
		}
		visit.Visitor = v
		v.arrive(in, id, now)
		if err := q.UpdateVisitor(ctx, v); err != nil {
			return err
		}
		c, err := q.FindConversationByVisitor(ctx, v.ID)
		if err != nil && !IsCode(err, ENotFound) {
			return err
		}
		visit.Conversation = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	visit.Token = s.IssueVisitorToken(visit.Visitor, verified, in.Origin)
	return visit, nil
}

// newVisitor is a new visitor of site, with a fresh anonymous id.
func newVisitor(site *Site, externalID string, now time.Time) *Visitor {
	return &Visitor{TenantID: site.TenantID, SiteID: site.ID, AnonymousID: "anon_" + RandomToken(16), ExternalID: externalID,
		FirstSeen: now}
}

// arrive records a start's details on v: who it is, when, and what the
// page told of the browser; what the start leaves empty stays.
func (v *Visitor) arrive(in VisitorStart, id Identity, now time.Time) {
	v.ExternalID = id.ExternalID
	v.LastSeen = now
	setIf(&v.Email, id.Email)
	setIf(&v.Name, id.Name)
	setIf(&v.Locale, in.Locale)
	setIf(&v.CurrentPage, in.CurrentPage)
	setIf(&v.Device, in.Device)
	setIf(&v.Country, in.Country)
	if len(id.Traits) > 0 {
		v.Traits = id.Traits
	}
}

// findVisitor returns the visitor a start continues: by verified external
// id first, else this browser's anonymous visitor unless it belongs to
// another identified user; nil when a new visitor is needed.
func findVisitor(ctx context.Context, q Queries, siteID int64, anonymousID, externalID string) (*Visitor, error) {
	if externalID != "" {
		v, err := q.FindVisitorByExternalID(ctx, siteID, externalID)
		if err == nil || !IsCode(err, ENotFound) {
			return v, err
		}
	}
	if anonymousID == "" {
		return nil, nil
	}
	v, err := q.FindVisitorByAnonymousID(ctx, siteID, anonymousID)
	if IsCode(err, ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if v.ExternalID != "" && v.ExternalID != externalID {
		// This browser last chatted as someone else (or signed out):
		// never show one user's thread to another.
		return nil, nil
	}
	return v, nil
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// validateDetails checks the visitor-supplied details of an identity.
func validateDetails(id *Identity) error {
	id.Email = normalizeEmail(id.Email)
	id.Name = strings.TrimSpace(id.Name)
	switch {
	case id.Email != "" && !validEmail(id.Email):
		return Errorf(EInvalid, "email %q is not a valid address", id.Email)
	case len(id.Name) > 200:
		return Errorf(EInvalid, "name is over 200 bytes")
	case len(id.Traits) > 8<<10:
		return Errorf(EInvalid, "traits are over 8 KiB")
	case len(id.Traits) > 0 && (!json.Valid(id.Traits) || id.Traits[0] != '{'):
		return Errorf(EInvalid, "traits must be a JSON object")
	}
	return nil
}

// verifyIdentity checks the identity's proof against the site's secret and
// reports whether the external id is verified.
func verifyIdentity(site *Site, id *Identity, now time.Time) (bool, error) {
	if len(id.ExternalID) > 255 {
		return false, Errorf(EInvalid, "external id is over 255 bytes")
	}
	switch {
	case id.Token != "":
		claims, err := verifyJWT(id.Token, []byte(site.IdentitySecret), now)
		if err != nil {
			return false, err
		}
		if id.ExternalID != "" && id.ExternalID != claims.Subject {
			return false, Errorf(EForbidden, "identity token is for another user")
		}
		id.ExternalID = claims.Subject
		setIf(&id.Email, claims.Email)
		setIf(&id.Name, claims.Name)
		return true, nil
	case id.UserHash != "":
		if id.ExternalID == "" {
			return false, Errorf(EInvalid, "userHash needs the externalId it was computed from")
		}
		mac := hmac.New(sha256.New, []byte(site.IdentitySecret))
		mac.Write([]byte(id.ExternalID))
		want := hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(strings.ToLower(id.UserHash)), []byte(want)) {
			return false, Errorf(EForbidden, "userHash does not match: compute HMAC-SHA256 of the external id with the site's identity secret, hex-encoded")
		}
		return true, nil
	case id.ExternalID != "":
		return false, Errorf(EForbidden, "externalId needs a userHash or token so nobody can claim another user's history")
	}
	return false, nil
}

// TrackPage records the page the visitor is on.
func (s *Service) TrackPage(ctx context.Context, actor Actor, pageURL, title string) error {
	if actor.Kind != ActorVisitor {
		return Errorf(EForbidden, "only visitors track pages")
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || len(pageURL) > 2048 || len(title) > 500 {
		return Errorf(EInvalid, "url must be an http(s) URL of at most 2048 bytes, title at most 500")
	}
	return s.tx(ctx, func(q Queries) error {
		v, err := q.FindVisitorByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		v.CurrentPage, v.LastSeen = pageURL, s.now()
		return q.UpdateVisitor(ctx, v)
	})
}
