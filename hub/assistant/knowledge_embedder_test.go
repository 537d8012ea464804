package assistant

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// TestEmbedKnowledge checks the eager path: every stale entry is embedded
// and stored, embedMaxEntries a request, and the next decision embeds
// only its question.
func TestEmbedKnowledge(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	kb := shopKB()
	for i := range 300 {
		kb.entries = append(kb.entries, &hub.KnowledgeEntry{ID: int64(100 + i), SiteID: 7, Kind: hub.KnowledgeQA,
			Title: fmt.Sprintf("Question %d about delivery", i), Body: "Answer."})
	}
	store := &memEmbeddings{}
	a := mustEmbeddingAssistant(t, s, kb, store, nil)
	site := modelTestInput("x").Site
	n, err := a.EmbedKnowledge(t.Context(), site)
	if err != nil || n != 306 {
		t.Fatalf("EmbedKnowledge = %d, %v; want 306", n, err)
	}
	if reqs := s.requests("embeddings"); len(reqs) != 2 || len(reqs[0].Input) != embedMaxEntries || len(reqs[1].Input) != 306-embedMaxEntries {
		t.Fatalf("%d embeddings requests, want 2 of %d and %d", len(reqs), embedMaxEntries, 306-embedMaxEntries)
	}
	if len(store.m) != 306 {
		t.Fatalf("stored %d, want 306", len(store.m))
	}
	if n, err := a.EmbedKnowledge(t.Context(), site); err != nil || n != 0 {
		t.Errorf("again: %d, %v; want nothing to do", n, err)
	}
	if _, err := a.Decide(t.Context(), modelTestInput("When will my parcel get here?")); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests("embeddings")
	if last := reqs[len(reqs)-1]; len(reqs) != 3 || len(last.Input) != 1 {
		t.Errorf("the decision after sent %d embeddings requests, the last of %d texts; want one of the question only", len(reqs)-2, len(last.Input))
	}

	// A failing model server is an error, with what was stored before.
	failing := newAIServer(t, &aiServer{embed: func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) {
		w.WriteHeader(http.StatusBadGateway)
	}})
	b := mustEmbeddingAssistant(t, failing, shopKB(), &memEmbeddings{}, nil)
	if n, err := b.EmbedKnowledge(t.Context(), site); err == nil || n != 0 {
		t.Errorf("with a failing server: %d, %v; want an error", n, err)
	}
}

// TestKnowledgeEmbedder checks that a notified site is embedded in the
// background, through the Router, and a site that is gone is skipped.
func TestKnowledgeEmbedder(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	kb := shopKB()
	store := &memEmbeddings{}
	site := modelTestInput("x").Site
	r := New(Config{Default: OpenAIConfig{BaseURL: s.URL(), Model: "test-model", EmbeddingModel: "test-embed", Timeout: 2 * time.Second},
		Builtin: &Builtin{Knowledge: kb}, Knowledge: kb, Embeddings: store, Log: hubtest.Logger(t)})
	k := &KnowledgeEmbedder{Router: r, Log: hubtest.Logger(t), Site: func(_ context.Context, id int64) (*hub.Site, error) {
		if id != site.ID {
			return nil, hub.Errorf(hub.ENotFound, "site not found")
		}
		return site, nil
	}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { k.Run(ctx); close(done) }()
	k.Notify(site.ID + 1) // gone: skipped
	k.Notify(site.ID)
	k.Notify(site.ID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		store.mu.Lock()
		n := len(store.m)
		store.mu.Unlock()
		if n == len(kb.entries) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d entries embedded after 30s", n, len(kb.entries))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if reqs := s.requests("embeddings"); len(reqs) > 2 {
		t.Errorf("%d embeddings requests for one site notified twice, want 1 or 2", len(reqs))
	}
}
