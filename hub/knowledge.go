package hub

import (
	"context"
	"fmt"
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
}

var _ KnowledgeSearcher = (Queries)(nil)

// NewKnowledgeEntry describes an entry to add to a site's knowledge base.
type NewKnowledgeEntry struct {
	SiteID int64
	Kind   KnowledgeKind
	Title  string
	Body   string
}

// KnowledgeUpdate changes some fields of a knowledge entry; nil fields stay.
type KnowledgeUpdate struct {
	Kind  *KnowledgeKind
	Title *string
	Body  *string
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

func validKnowledgeKind(k KnowledgeKind) error {
	if !k.Valid() {
		return Errorf(EInvalid, "kind must be qa or article")
	}
	return nil
}

func knowledgeSubject(e *KnowledgeEntry) string { return fmt.Sprintf("knowledge:%d", e.ID) }

func knowledgeAudit(e *KnowledgeEntry) map[string]any {
	return map[string]any{"site": e.SiteID, "kind": e.Kind, "title": e.Title}
}

// CreateKnowledgeEntry adds an entry to a site's knowledge base. The actor
// must be an owner or admin of the site's workspace (EForbidden for other
// members, ENotFound for anybody else). Kind must be qa or article; title
// (1 to MaxKnowledgeTitle characters) and body (1 to MaxKnowledgeBody) are
// trimmed. The entry is searchable once this returns.
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
	var e *KnowledgeEntry
	err = s.tx(ctx, func(q Queries) error {
		site, err := knowledgeSite(ctx, q, actor, in.SiteID)
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, site.TenantID); err != nil {
			return err
		}
		now := s.now()
		e = &KnowledgeEntry{TenantID: site.TenantID, SiteID: site.ID, Kind: in.Kind, Title: title, Body: body,
			CreatedAt: now, UpdatedAt: now}
		if err := q.CreateKnowledgeEntry(ctx, e); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "knowledge.create", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateKnowledgeEntry changes an entry's kind, title or body, with the
// rules and errors of CreateKnowledgeEntry; the search index follows.
func (s *Service) UpdateKnowledgeEntry(ctx context.Context, actor Actor, id int64, in KnowledgeUpdate) (*KnowledgeEntry, error) {
	if in.Kind == nil && in.Title == nil && in.Body == nil {
		return nil, Errorf(EInvalid, "nothing to change: set kind, title or body")
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
	var e *KnowledgeEntry
	err = s.tx(ctx, func(q Queries) error {
		var err error
		if e, err = findKnowledgeEntry(ctx, q, actor, id); err != nil {
			return err
		}
		if err := canManageTeam(actor, e.TenantID); err != nil {
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
		e.UpdatedAt = s.now()
		if err := q.UpdateKnowledgeEntry(ctx, e); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "knowledge.update", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: e.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteKnowledgeEntry removes an entry, from search too. The actor must
// be an owner or admin of its workspace (EForbidden for other members,
// ENotFound for anybody else and for an entry that does not exist).
func (s *Service) DeleteKnowledgeEntry(ctx context.Context, actor Actor, id int64) error {
	return s.tx(ctx, func(q Queries) error {
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
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: e.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "knowledge.delete", Subject: knowledgeSubject(e), Data: mustJSON(knowledgeAudit(e)), CreatedAt: s.now()})
	})
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
