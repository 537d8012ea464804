package hub

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// SiteUpdate changes a site's settings; nil fields stay as they are.
type SiteUpdate struct {
	Name           *string   `json:"name"`
	AllowedOrigins *[]string `json:"allowed_origins"`
	VerifiedOnly   *bool     `json:"verified_only"`
	// WidgetEnabled creates (true) or removes (false) the site's widget,
	// and Paused pauses or publishes it: the Builder's buttons.
	WidgetEnabled    *bool            `json:"widget_enabled"`
	Paused           *bool            `json:"paused"`
	TicketsEnabled   *bool            `json:"tickets_enabled"`
	SupportEmail     *string          `json:"support_email"`
	AssistantEnabled *bool            `json:"assistant_enabled"`
	Instructions     *string          `json:"instructions"`
	DefaultLocale    *string          `json:"default_locale"`
	Appearance       *Appearance      `json:"appearance"`
	Handoff          *HandoffSettings `json:"handoff"`
	AIProvider       *AIProvider      `json:"ai_provider"`
	// Synonyms replaces the site's synonym groups (SiteSynonyms).
	Synonyms *[][]string `json:"synonyms"`
}

// Limits on a site's synonyms (Site.Synonyms): at most MaxSynonymGroups
// groups, each of MinSynonymsPerGroup to MaxSynonymsPerGroup words or
// short phrases of at most MaxSynonymRunes characters.
const (
	MaxSynonymGroups    = 100
	MinSynonymsPerGroup = 2
	MaxSynonymsPerGroup = 10
	MaxSynonymRunes     = 40
)

// SiteSynonyms checks a site's synonym groups and returns them cleaned:
// each word or phrase trimmed, its inner spaces collapsed and lower-cased,
// blank ones and repeats within a group dropped, and empty groups dropped.
// A group left with fewer than MinSynonymsPerGroup or more than
// MaxSynonymsPerGroup words, a word longer than MaxSynonymRunes, invalid
// UTF-8 or more than MaxSynonymGroups groups is EInvalid. Never nil.
func SiteSynonyms(groups [][]string) ([][]string, error) {
	out := [][]string{}
	for i, g := range groups {
		var words []string
		for _, w := range g {
			if !utf8.ValidString(w) || strings.ContainsRune(w, 0) {
				return nil, Errorf(EInvalid, "synonym group %d: a word is not valid text", i+1)
			}
			w = strings.ToLower(strings.Join(strings.Fields(w), " "))
			if w == "" || slices.Contains(words, w) {
				continue
			}
			if utf8.RuneCountInString(w) > MaxSynonymRunes {
				return nil, Errorf(EInvalid, "synonym group %d: %q is over %d characters", i+1, w, MaxSynonymRunes)
			}
			words = append(words, w)
		}
		if len(words) == 0 {
			continue
		}
		if len(words) < MinSynonymsPerGroup || len(words) > MaxSynonymsPerGroup {
			return nil, Errorf(EInvalid, "synonym group %d must have %d to %d different words", i+1,
				MinSynonymsPerGroup, MaxSynonymsPerGroup)
		}
		out = append(out, words)
	}
	if len(out) > MaxSynonymGroups {
		return nil, Errorf(EInvalid, "a site has at most %d synonym groups", MaxSynonymGroups)
	}
	return out, nil
}

// MaxInstructions bounds a site's AI instructions.
const MaxInstructions = 8000

// Sites returns the sites of the actor's workspace.
func (s *Service) Sites(ctx context.Context, actor Actor) ([]*Site, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "members only")
	}
	return s.Store.FindSites(ctx, actor.TenantID)
}

// Site returns one site of the actor's workspace (ENotFound for others').
func (s *Service) Site(ctx context.Context, actor Actor, id int64) (*Site, error) {
	site, err := s.Store.FindSiteByID(ctx, id)
	if IsCode(err, ENotFound) || err == nil && (!actor.IsMember() || site.TenantID != actor.TenantID) {
		return nil, Errorf(ENotFound, "site not found")
	}
	return site, err
}

// UpdateSite applies in to a site of the actor's workspace; owners and
// admins only. Everything is validated before anything is written. After
// the commit every node hears the site's new gate (EventSiteGate), so a
// pause, a removed widget or origin, or verified-only closes the visitor
// sockets it refuses at once. A change of the synonyms grows the site's
// KnowledgeVersion and publishes EventKnowledgeChanged too.
func (s *Service) UpdateSite(ctx context.Context, actor Actor, id int64, in SiteUpdate) (*Site, error) {
	if err := s.checkSiteURLs(ctx, actor, id, in); err != nil {
		return nil, err
	}
	var (
		site *Site
		o    outbox
	)
	err := s.tx(ctx, func(q Queries) error {
		o = outbox{}
		var err error
		site, err = q.FindSiteByID(ctx, id)
		if IsCode(err, ENotFound) || err == nil && (!actor.IsMember() || site.TenantID != actor.TenantID) {
			return Errorf(ENotFound, "site not found")
		}
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, site.TenantID); err != nil {
			return err
		}
		if err := in.apply(site); err != nil {
			return err
		}
		site.UpdatedAt = s.now()
		knowledgeVersion := site.KnowledgeVersion
		if err := q.UpdateSite(ctx, site); err != nil {
			return err
		}
		if site.KnowledgeVersion != knowledgeVersion {
			o.knowledge(site.TenantID, site.ID, site.KnowledgeVersion)
		}
		// The plan is read after the site's row is written (and locked),
		// so that a plan change committing meanwhile is either seen here
		// or bumps the site's version after this one (SetPlan).
		tenant, err := q.FindTenantByID(ctx, site.TenantID)
		if err != nil {
			return err
		}
		o.gate(GateOf(site, tenant))
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: site.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "site.update", Subject: fmt.Sprintf("site:%d", site.ID), Data: mustJSON(in.fields()), CreatedAt: site.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return site, nil
}

func (in SiteUpdate) apply(site *Site) error {
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 100 {
			return Errorf(EInvalid, "site name must be 1 to 100 characters")
		}
		site.Name = name
	}
	if in.AllowedOrigins != nil {
		origins, err := NormalizeOrigins(*in.AllowedOrigins)
		if err != nil {
			return err
		}
		site.AllowedOrigins = origins
	}
	if in.SupportEmail != nil {
		e := normalizeEmail(*in.SupportEmail)
		if e != "" && !validEmail(e) {
			return Errorf(EInvalid, "support email %q is not a valid address", *in.SupportEmail)
		}
		site.SupportEmail = e
	}
	if in.Instructions != nil {
		if len(*in.Instructions) > MaxInstructions || !utf8.ValidString(*in.Instructions) {
			return Errorf(EInvalid, "instructions must be valid text of at most %d bytes", MaxInstructions)
		}
		site.Instructions = strings.TrimSpace(*in.Instructions)
	}
	if in.DefaultLocale != nil {
		if l := *in.DefaultLocale; l != "" && l != "en" && l != "ru" {
			return Errorf(EInvalid, "default language must be en or ru")
		}
		site.DefaultLocale = *in.DefaultLocale
	}
	if in.Appearance != nil {
		if err := in.Appearance.Validate(); err != nil {
			return err
		}
		site.Appearance = *in.Appearance
	}
	if in.Handoff != nil {
		if err := in.Handoff.Validate(); err != nil {
			return err
		}
		site.Handoff = *in.Handoff
	}
	if in.AIProvider != nil {
		if err := in.AIProvider.ValidateFor(site.TenantID); err != nil {
			return err
		}
		site.AIProvider = *in.AIProvider
	}
	if in.Synonyms != nil {
		groups, err := SiteSynonyms(*in.Synonyms)
		if err != nil {
			return err
		}
		site.Synonyms = groups
	}
	for _, b := range []struct {
		in  *bool
		out *bool
	}{{in.VerifiedOnly, &site.VerifiedOnly}, {in.WidgetEnabled, &site.WidgetEnabled}, {in.Paused, &site.Paused}, {in.TicketsEnabled, &site.TicketsEnabled},
		{in.AssistantEnabled, &site.AssistantEnabled}} {
		if b.in != nil {
			*b.out = *b.in
		}
	}
	return nil
}

// fields names what an update changes, for the audit log.
func (in SiteUpdate) fields() []string {
	var out []string
	for name, set := range map[string]bool{"name": in.Name != nil, "allowed_origins": in.AllowedOrigins != nil,
		"verified_only": in.VerifiedOnly != nil, "widget_enabled": in.WidgetEnabled != nil, "paused": in.Paused != nil,
		"tickets_enabled": in.TicketsEnabled != nil,
		"support_email":   in.SupportEmail != nil, "assistant_enabled": in.AssistantEnabled != nil,
		"instructions": in.Instructions != nil, "default_locale": in.DefaultLocale != nil, "appearance": in.Appearance != nil,
		"handoff": in.Handoff != nil, "ai_provider": in.AIProvider != nil, "synonyms": in.Synonyms != nil} {
		if set {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Instructions that send visitors elsewhere (003 "Important"): an address,
// or a phrase telling them to write, call or contact someone.
var redirectPatterns = []*regexp.Regexp{
	regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}`),
	regexp.MustCompile(`(?i)\b(e-?mail|write|send|contact|call|phone|reach out)\b[^.!?\n]{0,40}\b(us|support|team|help ?desk|our)\b`),
	regexp.MustCompile(`(?i)(напиш|пиши|обращайт|обратит|свяжит|звонит|позвонит)[\p{L}]*[^.!?\n]{0,40}(поддержк|на почту|нам|в службу|по адресу|по телефону)`),
}

// InstructionsWarning says why instructions stop tickets from being
// created, or returns "" when they do not send visitors elsewhere.
func InstructionsWarning(instructions string) string {
	for _, p := range redirectPatterns {
		if m := p.FindString(instructions); m != "" {
			return fmt.Sprintf("Your AI instructions send visitors elsewhere (%q). The assistant then thinks it has helped and "+
				"creates no ticket. Remove this, or let the assistant offer a ticket instead.", strings.TrimSpace(m))
		}
	}
	return ""
}

// checkSiteURLs refuses a model base URL that leads to a private, local or
// reserved address, when the Service has a CheckURL. The owner is told why
// without the address; the egress client refuses it at every connection
// anyway. It authorizes first, so that nobody else can probe names.
func (s *Service) checkSiteURLs(ctx context.Context, actor Actor, id int64, in SiteUpdate) error {
	if s.CheckURL == nil || in.AIProvider == nil || in.AIProvider.BaseURL == "" {
		return nil
	}
	site, err := s.Site(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := canManageTeam(actor, site.TenantID); err != nil {
		return err
	}
	if err := s.CheckURL(ctx, in.AIProvider.BaseURL); err != nil {
		return Reasonf(EInvalid, ReasonPrivateAddress, "the model's base URL leads to a private, local or reserved address, "+
			"which Parley does not call on a workspace's behalf; use a public address, or ask the server's operator to allow "+
			"the range (PARLEY_ALLOW_PRIVATE_URLS)")
	}
	return nil
}
