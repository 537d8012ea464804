package eval

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant"
)

// Model is an OpenAI-compatible model server to run the set on: the model
// path (assistant.OpenAI, with the built-in assistant as its fallback and
// lexical search, and the embeddings kept in the run's store).
type Model struct {
	// BaseURL is the API's root, like http://localhost:11434/v1; required.
	BaseURL string
	// Name is the chat model's name; required.
	Name string
	// EmbeddingModel is the embedding model's name; "" retrieves
	// lexically only.
	EmbeddingModel string
	// APIKey is sent as a bearer token; "" sends none.
	APIKey string
	// Timeout bounds each request; zero means assistant.DefaultTimeout.
	Timeout time.Duration
	// HTTPClient makes the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// modelStore is what the model path reads and writes of the run's store.
type modelStore interface {
	hub.KnowledgeSearcher
	hub.KnowledgeEmbeddingStore
}

// RunModel is Run on the model path: every message goes to the model m
// instead of the built-in assistant alone. A model's answer from the
// knowledge base counts as an answer with the first entry it was given
// (gotOf), and Result.Retrieved says whether the expected entry was given
// at all. Each message costs one chat request and one embeddings request
// (the first of each knowledge base also embeds its entries).
func RunModel(ctx context.Context, set *Set, msgs []Message, m Model) ([]Result, error) {
	if m.BaseURL == "" || m.Name == "" {
		return nil, errors.New("eval: the model path needs a model URL and a model name")
	}
	return run(ctx, set, msgs, &m)
}

// assistant returns the model assistant on the run's store, falling back
// on builtin.
func (m *Model) assistant(store modelStore, builtin hub.Assistant) (hub.Assistant, error) {
	return assistant.NewOpenAI(assistant.OpenAIConfig{BaseURL: m.BaseURL, Model: m.Name, EmbeddingModel: m.EmbeddingModel,
		APIKey: m.APIKey, Timeout: m.Timeout, HTTPClient: m.HTTPClient, Knowledge: store, Embeddings: store,
		Fallback: builtin, Log: zerolog.Nop()})
}
