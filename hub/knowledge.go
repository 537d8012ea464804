package hub

import (
	"context"
	"time"
)

// KnowledgeKind tells question-and-answer entries from articles.
type KnowledgeKind string

// Knowledge kinds.
const (
	KnowledgeQA      KnowledgeKind = "qa"      // Title is the question, Body the answer
	KnowledgeArticle KnowledgeKind = "article" // Title and text of an article
)

// KnowledgeEntry is one entry of a site's knowledge base, which the
// built-in assistant answers from.
type KnowledgeEntry struct {
	ID        int64         `json:"id"`
	TenantID  int64         `json:"tenant_id"`
	SiteID    int64         `json:"site_id"`
	Kind      KnowledgeKind `json:"kind"`
	Title     string        `json:"title"`
	Body      string        `json:"body"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// KnowledgeSearcher finds the entries of a site that match any word of
// query (split as store/internal/textsearch splits it, each word matched as
// a prefix of a word in the title or body), best first by the database's
// own full-text ranking, at most limit of them. A query without words
// matches nothing. A Store is one.
type KnowledgeSearcher interface {
	SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*KnowledgeEntry, error)
}
