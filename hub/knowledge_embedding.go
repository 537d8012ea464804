package hub

import (
	"context"
	"time"
)

// KnowledgeEmbedding is a knowledge entry's text as an embedding model sees
// it: a vector the model assistant compares with a visitor's question
// (hub/assistant, docs/assistant.md "Retrieval on the model path"). It is
// kept with the entry, one per entry and model, and goes when the entry
// goes. TextHash fingerprints the text that was embedded, so an edit of the
// entry makes the stored vector stale; the assistant, not the store, tells
// a stale one from a fresh one.
type KnowledgeEmbedding struct {
	EntryID int64
	// Model is the embedding model's name, as the model server knows it.
	Model string
	// TextHash identifies the text embedded (the assistant's own hash of
	// it); equal texts have equal hashes.
	TextHash string
	// Vector has the model's dimensions, at least 1 and at most
	// MaxEmbeddingDims.
	Vector    []float32
	CreatedAt time.Time
}

// MaxEmbeddingDims bounds a stored vector: the largest embedding models
// give 4096 dimensions; twice that leaves room and still stops a runaway
// model server from filling the database.
const MaxEmbeddingDims = 8192

// KnowledgeEmbeddingStore keeps the embeddings of knowledge entries. A
// Store is one (Queries embeds it).
type KnowledgeEmbeddingStore interface {
	// FindKnowledgeEmbeddings returns the stored embeddings of model for
	// the entries of a site, by entry id. Never nil; a site or model
	// without any gives an empty map.
	FindKnowledgeEmbeddings(ctx context.Context, siteID int64, model string) (map[int64]KnowledgeEmbedding, error)
	// SaveKnowledgeEmbeddings writes each embedding, replacing the one of
	// the same entry and model. An embedding of an entry that no longer
	// exists is skipped, not an error: the entry was deleted while it was
	// being embedded. A vector without dimensions or with more than
	// MaxEmbeddingDims is EInvalid and nothing is written. Outside a
	// transaction each embedding is written on its own.
	SaveKnowledgeEmbeddings(ctx context.Context, es []KnowledgeEmbedding) error
}

// ValidEmbeddings reports why es cannot be saved (EInvalid), nil when they
// can: the rule of SaveKnowledgeEmbeddings, kept here so that both stores
// apply it the same way before they write.
func ValidEmbeddings(es []KnowledgeEmbedding) error {
	for _, e := range es {
		if n := len(e.Vector); n == 0 || n > MaxEmbeddingDims {
			return Errorf(EInvalid, "embedding of knowledge entry %d has %d dimensions, want 1 to %d", e.EntryID, n, MaxEmbeddingDims)
		}
		if e.Model == "" {
			return Errorf(EInvalid, "embedding of knowledge entry %d names no model", e.EntryID)
		}
	}
	return nil
}
