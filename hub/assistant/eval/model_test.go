package eval

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeModel is an OpenAI-compatible server for the model path: its
// embeddings hash each word into one of 64 dimensions (so texts sharing
// words are near), and its chat model answers every question from the
// knowledge base. It records every request.
type fakeModel struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []fakeRequest
}

type fakeRequest struct {
	Path, Authorization string
	Model               string   `json:"model"`
	Input               []string `json:"input"`
}

func newFakeModel(t *testing.T) *fakeModel {
	t.Helper()
	f := &fakeModel{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req fakeRequest
		b, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(b, &req)
		}
		if err != nil {
			t.Errorf("fake model: %v", err)
		}
		req.Path, req.Authorization = r.URL.Path, r.Header.Get("Authorization")
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/embeddings") {
			data := make([]any, len(req.Input))
			for i, text := range req.Input {
				v := make([]float64, 64)
				for _, w := range strings.Fields(strings.ToLower(text)) {
					h := fnv.New32a()
					h.Write([]byte(strings.Trim(w, "?.,!")))
					v[h.Sum32()%64]++
				}
				data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c", "object": "chat.completion", "choices": []any{
			map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": "From the knowledge base."}}}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

// TestRunModel runs part of the dev split on the model path against the
// fake server: the plumbing, not the figures.
func TestRunModel(t *testing.T) {
	set, err := Load(Data)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := set.Filter(SplitDev)
	if err != nil {
		t.Fatal(err)
	}
	msgs := dev[:40]
	f := newFakeModel(t)
	results, err := RunModel(t.Context(), set, msgs, Model{BaseURL: f.srv.URL + "/v1", Name: "chat-m", EmbeddingModel: "embed-m", APIKey: "sk-eval"})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(msgs) {
		t.Fatalf("%d results for %d messages", len(results), len(msgs))
	}
	entries := map[string]int{}
	for _, kb := range set.KBs {
		entries[kb.Name] = len(kb.Entries)
	}
	kbs := map[string]bool{}
	for _, m := range msgs {
		kbs[m.KB] = true
	}
	var chats, embeds, embeddedEntries int
	for _, r := range f.requests() {
		if r.Authorization != "Bearer sk-eval" {
			t.Errorf("%s: authorization %q", r.Path, r.Authorization)
		}
		switch r.Path {
		case "/v1/chat/completions":
			chats++
			if r.Model != "chat-m" {
				t.Errorf("chat model %q", r.Model)
			}
		case "/v1/embeddings":
			embeds++
			embeddedEntries += len(r.Input) - 1
			if r.Model != "embed-m" {
				t.Errorf("embedding model %q", r.Model)
			}
		default:
			t.Errorf("request to %s", r.Path)
		}
	}
	wantEntries := 0
	for kb := range kbs {
		wantEntries += entries[kb]
	}
	// The model path asks the model about every message (small talk and
	// requests for a person too), with one embeddings request each.
	if chats == 0 || embeds != chats || embeddedEntries != wantEntries {
		t.Errorf("%d chat and %d embeddings requests embedding %d entries; want as many of each, and each entry of %v embedded once (%d)",
			chats, embeds, embeddedEntries, kbs, wantEntries)
	}
	retrieved := 0
	for _, r := range results {
		if r.Got == "" || r.Outcome != Classify(r.Expect, r.Got) {
			t.Errorf("%s: got %q, outcome %q", r.ID, r.Got, r.Outcome)
		}
		if r.Retrieved {
			retrieved++
		}
	}
	if retrieved == 0 {
		t.Error("no expected entry was ever in the model's prompt")
	}
	if _, err := RunModel(t.Context(), set, msgs, Model{BaseURL: f.srv.URL}); err == nil {
		t.Error("RunModel without a model name did not fail")
	}
}
