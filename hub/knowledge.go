package hub

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// KnowledgeKind tells question-and-answer entries from articles.
type KnowledgeKind string

// Knowledge kinds.
const (
	KnowledgeQA      KnowledgeKind = "qa"      // Title is the question, Body the answer
	KnowledgeArticle KnowledgeKind = "article" // Title and text of an article
)

// Valid reports whether k is a known kind.
func (k KnowledgeKind) Valid() bool { return k == KnowledgeQA || k == KnowledgeArticle }

// Limits on a knowledge entry's text, in characters (runes) after trimming.
const (
	MaxKnowledgeTitle = 300
	MaxKnowledgeBody  = 20000
)

// KnowledgeEntry is one entry of a site's knowledge base, which the
// built-in assistant answers from.
type KnowledgeEntry struct {
	ID       int64         `json:"id"`
	TenantID int64         `json:"tenant_id"`
	SiteID   int64         `json:"site_id"`
	Kind     KnowledgeKind `json:"kind"`
	Title    string        `json:"title"`
	Body     string        `json:"body"`
	// Language is the language the entry is written in: "en" or "ru"
	// (KnowledgeLanguages). Detected from the text when not given.
	Language string `json:"language"`
	// Phrasings are other ways visitors ask what the entry answers ("also
	// asked as"): the assistant matches a question against them as it does
	// against the title. At most MaxKnowledgePhrasings.
	Phrasings []string `json:"phrasings"`
	// TranslationOf is the id of the entry of the same site this one
	// translates (an entry in another language that answers the same
	// question), or 0. The assistant answers a visitor in their language
	// from the translation when one exists (docs/assistant.md).
	TranslationOf int64     `json:"translation_of,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// KnowledgeLanguages are the languages an entry may be written in.
var KnowledgeLanguages = []string{"en", "ru"}

// MaxKnowledgePhrasings bounds an entry's phrasings; each is at most
// MaxKnowledgeTitle characters.
const MaxKnowledgePhrasings = 20

// KnowledgeSearcher is what the assistants read of a site's knowledge
// base. A Store is one.
type KnowledgeSearcher interface {
	// SearchKnowledge finds the entries of a site that match any word of
	// query (split as store/internal/textsearch splits it, each word
	// matched as a prefix of a word in the title or body), best first by
	// the database's own full-text ranking, at most limit of them. A query
	// without words matches nothing.
	SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*KnowledgeEntry, error)
	// FindKnowledgeEntries returns all of a site's entries by ascending
	// id: the built-in assistant indexes them itself.
	FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*KnowledgeEntry, error)
	// KnowledgeVersion returns the site's knowledge version
	// (Site.KnowledgeVersion): one indexed row read, cheap enough for
	// every decision, so that an index is rebuilt only when it changed.
	// ENotFound when there is no such site.
	KnowledgeVersion(ctx context.Context, siteID int64) (int64, error)
}

var _ KnowledgeSearcher = (Queries)(nil)

// NewKnowledgeEntry describes an entry to add to a site's knowledge base.
type NewKnowledgeEntry struct {
	SiteID int64
	Kind   KnowledgeKind
	Title  string
	Body   string
	// Language is "en" or "ru"; "" detects it from the title and body.
	Language  string
	Phrasings []string
	// TranslationOf is an entry of the same site this one translates, or 0.
	TranslationOf int64
}

// KnowledgeUpdate changes some fields of a knowledge entry; nil fields stay.
// A Language of "" detects the language again from the entry's (new) title
// and body; a TranslationOf of 0 unlinks the entry from its original.
type KnowledgeUpdate struct {
	Kind          *KnowledgeKind
	Title         *string
	Body          *string
	Language      *string
	Phrasings     *[]string
	TranslationOf *int64
}

// EventKnowledgeChanged tells every node that a site's knowledge base
// (its entries, or its synonyms) changed, after the change commits
// (KnowledgeChange). The built-in assistant drops its index of the site;
// the knowledge version it checks on every decision is the safety net
// when the event is lost. No client hears it.
const EventKnowledgeChanged = "knowledge.changed"

// TopicKnowledge carries EventKnowledgeChanged to every node; no client
// hears it.
const TopicKnowledge = "knowledge"

// KnowledgeChange is the data of EventKnowledgeChanged: the site and its
// knowledge version after the change.
type KnowledgeChange struct {
	SiteID  int64 `json:"site_id"`
	Version int64 `json:"version"`
}

// knowledge queues the EventKnowledgeChanged of a site whose knowledge
// version is now version.
func (o *outbox) knowledge(tenantID, siteID, version int64) {
	o.add(Event{Type: EventKnowledgeChanged, TenantID: tenantID,
		Data: mustJSON(KnowledgeChange{SiteID: siteID, Version: version})}, TopicKnowledge)
	if !slices.Contains(o.knowledgeSites, siteID) {
		o.knowledgeSites = append(o.knowledgeSites, siteID)
	}
}

// knowledgeVisible returns ENotFound, naming noun, unless actor may read
// the knowledge of tenantID. Every member of the site's workspace reads its
// knowledge base and owners and admins write it (canManageTeam); to anybody
// else it does not exist (ENotFound, never EForbidden, so ids of other
// workspaces cannot be probed). The system (the command line) may do
// anything.
func knowledgeVisible(actor Actor, tenantID int64, noun string) error {
	if actor.Kind == ActorSystem || (actor.IsMember() && actor.TenantID == tenantID) {
		return nil
	}
	return Errorf(ENotFound, "%s not found", noun)
}

// knowledgeSite returns the site whose knowledge actor may read.
func knowledgeSite(ctx context.Context, q Queries, actor Actor, siteID int64) (*Site, error) {
	site, err := q.FindSiteByID(ctx, siteID)
	if err == nil {
		err = knowledgeVisible(actor, site.TenantID, "site")
	}
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "site not found")
	}
	return site, err
}

// findKnowledgeEntry returns an entry actor may read.
func findKnowledgeEntry(ctx context.Context, q Queries, actor Actor, id int64) (*KnowledgeEntry, error) {
	e, err := q.FindKnowledgeEntryByID(ctx, id)
	if err == nil {
		err = knowledgeVisible(actor, e.TenantID, "knowledge entry")
	}
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "knowledge entry not found")
	}
	return e, err
}

// knowledgeText trims s and checks it is 1 to max characters of UTF-8.
// NUL is refused because Postgres cannot store it in text and SQLite can:
// the same entry must be valid on every store.
func knowledgeText(what, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(EInvalid, "%s is not valid UTF-8", what)
	}
	if strings.ContainsRune(s, 0) {
		return "", Errorf(EInvalid, "%s contains a NUL character", what)
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", Errorf(EInvalid, "%s must be 1 to %d characters", what, max)
	}
	return s, nil
}

// knowledgeLanguage returns lang when it is one of KnowledgeLanguages, or
// the language detected from title and body when lang is "".
func knowledgeLanguage(lang, title, body string) (string, error) {
	if lang == "" {
		return DetectLanguage(title+"\n"+body, ""), nil
	}
	if !slices.Contains(KnowledgeLanguages, lang) {
		return "", Errorf(EInvalid, "language must be %s (or empty to detect it)", strings.Join(KnowledgeLanguages, " or "))
	}
	return lang, nil
}

// knowledgePhrasings trims each phrasing by knowledgeText's rules, drops
// blank ones and repeats (ignoring case), and refuses more than
// MaxKnowledgePhrasings of what is left. Never nil.
func knowledgePhrasings(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, p := range in {
		if strings.TrimSpace(p) == "" {
			continue
		}
		p, err := knowledgeText("phrasing", p, MaxKnowledgeTitle)
		if err != nil {
			return nil, err
		}
		if key := strings.ToLower(p); !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	if len(out) > MaxKnowledgePhrasings {
		return nil, Errorf(EInvalid, "an entry has at most %d phrasings", MaxKnowledgePhrasings)
	}
	return out, nil
}

// checkTranslations checks e's translation links against the other entries
// of its site (e as it will be written; its ID is 0 when it is new).
// Translations are one level deep: an original and its translations, each
// in another language than the original and than each other. So e may
// translate only an entry of the same site that is not e, not a
// translation itself, in another language, without a translation in e's
// language yet; and an entry that has translations cannot become one, nor
// take the language of one of its translations. The caller holds the
// site's LockKnowledge, so that concurrent edits cannot break the rules
// together.
func checkTranslations(ctx context.Context, q Queries, e *KnowledgeEntry) error {
	entries, err := q.FindKnowledgeEntries(ctx, e.SiteID)
	if err != nil {
		return err
	}
	var translations []*KnowledgeEntry // of e
	for _, o := range entries {
		if e.ID != 0 && o.ID != e.ID && o.TranslationOf == e.ID {
			translations = append(translations, o)
		}
	}
	if e.TranslationOf != 0 {
		if e.TranslationOf == e.ID {
			return Errorf(EInvalid, "an entry cannot be a translation of itself")
		}
		i := slices.IndexFunc(entries, func(o *KnowledgeEntry) bool { return o.ID == e.TranslationOf })
		if i < 0 {
			return Errorf(EInvalid, "translation_of must be an entry of the same site")
		}
		orig := entries[i]
		switch {
		case orig.TranslationOf != 0:
			return Errorf(EInvalid, "translation_of must be an original entry: entry %d is itself a translation of entry %d",
				orig.ID, orig.TranslationOf)
		case len(translations) > 0:
			return Errorf(EInvalid, "this entry has translations, so it cannot be a translation itself")
		case orig.Language == e.Language:
			return Errorf(EInvalid, "a translation must be in another language than its original (%s)", orig.Language)
		}
		for _, o := range entries {
			if o.ID != e.ID && o.TranslationOf == orig.ID && o.Language == e.Language {
				return Errorf(EInvalid, "entry %d already has a translation in %s: entry %d", orig.ID, e.Language, o.ID)
			}
		}
	}
	for _, o := range translations {
		if o.Language == e.Language {
			return Errorf(EInvalid, "entry %d translates this entry into %s, so this entry cannot be in %s", o.ID, o.Language, e.Language)
		}
	}
	return nil
}

func validKnowledgeKind(k KnowledgeKind) error {
	if !k.Valid() {
		return Errorf(EInvalid, "kind must be qa or article")
	}
	return nil
}

func knowledgeSubject(e *KnowledgeEntry) string { return fmt.Sprintf("knowledge:%d", e.ID) }

func knowledgeAudit(e *KnowledgeEntry) map[string]any {
	return map[string]any{"site": e.SiteID, "kind": e.Kind, "title": e.Title, "language": e.Language,
		"phrasings": len(e.Phrasings), "translation_of": e.TranslationOf}
}

// CreateKnowledgeEntry adds an entry to a site's knowledge base. The actor
// must be an owner or admin of the site's workspace (EForbidden for other
// members, ENotFound for anybody else). Kind must be qa or article; title
// (1 to MaxKnowledgeTitle characters) and body (1 to MaxKnowledgeBody) are
// trimmed. Language is en or ru, or "" to detect it from the title and
// body (DetectLanguage); phrasings are cleaned as knowledgePhrasings says;
// TranslationOf follows checkTranslations's rules (EInvalid otherwise).
// The entry is searchable once this returns, and the site's knowledge
// version has grown (EventKnowledgeChanged is published after the commit).
func (s *Service) CreateKnowledgeEntry(ctx context.Context, actor Actor, in NewKnowledgeEntry) (*KnowledgeEntry, error) {
	if err := validKnowledgeKind(in.Kind); err != nil {
		return nil, err
	}
	title, err := knowledgeText("title", in.Title, MaxKnowledgeTitle)
	if err != nil {
		return nil, err
	}
	body, err := knowledgeText("body", in.Body, MaxKnowledgeBody)
	if err != nil {
		return nil, err
	}
	lang, err := knowledgeLanguage(in.Language, title, body)
	if err != nil {
		return nil, err
	}
	phrasings, err := knowledgePhrasings(in.Phrasings)
	if err != nil {
		return nil, err
	}
	var (
		e *KnowledgeEntry
		o outbox
	)
	err = s.tx(ctx, func(q Queries) error {
		o = outbox{}
		site, err := knowledgeSite(ctx, q, actor, in.SiteID)
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, site.TenantID); err != nil {
			return err
		}
		if err := q.LockKnowledge(ctx, site.ID); err != nil {
			return err
		}
		now := s.now()
		e = &KnowledgeEntry{TenantID: site.TenantID, SiteID: site.ID, Kind: in.Kind, Title: title, Body: body,
			Language: lang, Phrasings: phrasings, TranslationOf: in.TranslationOf, CreatedAt: now, UpdatedAt: now}
		if err := checkTranslations(ctx, q, e); err != nil {
			return err
		}
		if err := q.CreateKnowledgeEntry(ctx, e); err != nil {
			return err
		}
		if err := s.knowledgeChanged(ctx, q, &o, e); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "knowledge.create", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return e, nil
}

// knowledgeChanged queues the EventKnowledgeChanged of e's site with the
// knowledge version the store's write gave it.
func (s *Service) knowledgeChanged(ctx context.Context, q Queries, o *outbox, e *KnowledgeEntry) error {
	v, err := q.KnowledgeVersion(ctx, e.SiteID)
	if err != nil {
		return err
	}
	o.knowledge(e.TenantID, e.SiteID, v)
	return nil
}

// UpdateKnowledgeEntry changes an entry's kind, title, body, language,
// phrasings or translation link, with the rules and errors of
// CreateKnowledgeEntry; the search index and the knowledge version follow.
// A language not given stays as it was, even when the text changes.
func (s *Service) UpdateKnowledgeEntry(ctx context.Context, actor Actor, id int64, in KnowledgeUpdate) (*KnowledgeEntry, error) {
	if in.Kind == nil && in.Title == nil && in.Body == nil && in.Language == nil && in.Phrasings == nil && in.TranslationOf == nil {
		return nil, Errorf(EInvalid, "nothing to change: set kind, title, body, language, phrasings or translation_of")
	}
	var title, body string
	var err error
	if in.Kind != nil {
		if err := validKnowledgeKind(*in.Kind); err != nil {
			return nil, err
		}
	}
	if in.Title != nil {
		if title, err = knowledgeText("title", *in.Title, MaxKnowledgeTitle); err != nil {
			return nil, err
		}
	}
	if in.Body != nil {
		if body, err = knowledgeText("body", *in.Body, MaxKnowledgeBody); err != nil {
			return nil, err
		}
	}
	if in.Language != nil && *in.Language != "" {
		if _, err := knowledgeLanguage(*in.Language, "", ""); err != nil {
			return nil, err
		}
	}
	var phrasings []string
	if in.Phrasings != nil {
		if phrasings, err = knowledgePhrasings(*in.Phrasings); err != nil {
			return nil, err
		}
	}
	var (
		e *KnowledgeEntry
		o outbox
	)
	err = s.tx(ctx, func(q Queries) error {
		o = outbox{}
		var err error
		if e, err = findKnowledgeEntry(ctx, q, actor, id); err != nil {
			return err
		}
		if err := canManageTeam(actor, e.TenantID); err != nil {
			return err
		}
		// Locked, then read again: the links are checked against what
		// stays true until the commit.
		if err := q.LockKnowledge(ctx, e.SiteID); err != nil {
			return err
		}
		if e, err = q.FindKnowledgeEntryByID(ctx, id); err != nil {
			return err
		}
		if in.Kind != nil {
			e.Kind = *in.Kind
		}
		if in.Title != nil {
			e.Title = title
		}
		if in.Body != nil {
			e.Body = body
		}
		if in.Language != nil {
			if e.Language, err = knowledgeLanguage(*in.Language, e.Title, e.Body); err != nil {
				return err
			}
		}
		if in.Phrasings != nil {
			e.Phrasings = phrasings
		}
		if in.TranslationOf != nil {
			e.TranslationOf = *in.TranslationOf
		}
		if err := checkTranslations(ctx, q, e); err != nil {
			return err
		}
		e.UpdatedAt = s.now()
		if err := q.UpdateKnowledgeEntry(ctx, e); err != nil {
			return err
		}
		if err := s.knowledgeChanged(ctx, q, &o, e); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "knowledge.update", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: e.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return e, nil
}

// DeleteKnowledgeEntry removes an entry, from search too; its translations
// stay, as originals (their TranslationOf becomes 0 in the same
// transaction: Store.DeleteKnowledgeEntry). The actor must be an owner or
// admin of its workspace (EForbidden for other members, ENotFound for
// anybody else and for an entry that does not exist).
func (s *Service) DeleteKnowledgeEntry(ctx context.Context, actor Actor, id int64) error {
	var o outbox
	err := s.tx(ctx, func(q Queries) error {
		o = outbox{}
		e, err := findKnowledgeEntry(ctx, q, actor, id)
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, e.TenantID); err != nil {
			return err
		}
		if err := q.DeleteKnowledgeEntry(ctx, e.ID); err != nil {
			return err
		}
		if err := s.knowledgeChanged(ctx, q, &o, e); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "knowledge.delete", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: s.now()})
	})
	if err != nil {
		return err
	}
	s.publish(ctx, &o)
	return nil
}

// KnowledgeEntries lists a site's knowledge base in the order it was
// written (by id) for any member of the site's workspace; to anybody else
// the site is ENotFound.
func (s *Service) KnowledgeEntries(ctx context.Context, actor Actor, siteID int64) ([]*KnowledgeEntry, error) {
	site, err := knowledgeSite(ctx, s.Store, actor, siteID)
	if err != nil {
		return nil, err
	}
	return s.Store.FindKnowledgeEntries(ctx, site.ID)
}

// KnowledgeEntry returns an entry to any member of its workspace; to
// anybody else it is ENotFound.
func (s *Service) KnowledgeEntry(ctx context.Context, actor Actor, id int64) (*KnowledgeEntry, error) {
	return findKnowledgeEntry(ctx, s.Store, actor, id)
}
