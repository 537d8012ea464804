package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRunFlags checks the flags' plumbing: -model-url and its companions
// reach the model server, and their misuse is refused.
func TestRunFlags(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path → model, authorization
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		mu.Lock()
		seen[r.URL.Path] = req.Model + " " + r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/embeddings") {
			data := make([]any, len(req.Input))
			for i := range req.Input {
				data[i] = map[string]any{"index": i, "embedding": []float64{1, float64(i)}}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"index": 0,
			"message": map[string]any{"role": "assistant", "content": "Yes."}}}})
	}))
	defer srv.Close()

	t.Setenv("EVAL_TEST_KEY", "sk-flag")
	var out strings.Builder
	err := run(t.Context(), []string{"-split", "holdout", "-model-url", srv.URL + "/v1", "-model", "chat-m",
		"-embedding-model", "embed-m", "-api-key-env", "EVAL_TEST_KEY"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "model chat-m at "+srv.URL+"/v1, embeddings: embed-m, split holdout") ||
		!strings.Contains(out.String(), "expected entry in the model's prompt:") {
		t.Errorf("output:\n%s", out.String())
	}
	want := map[string]string{"/v1/chat/completions": "chat-m Bearer sk-flag", "/v1/embeddings": "embed-m Bearer sk-flag"}
	mu.Lock()
	defer mu.Unlock()
	for path, w := range want {
		if seen[path] != w {
			t.Errorf("%s got %q, want %q", path, seen[path], w)
		}
	}

	for _, args := range [][]string{
		{"-model-url", srv.URL}, // no -model
		{"-model", "chat-m"},    // no -model-url
		{"-model-url", srv.URL, "-model", "m", "-api-key-env", "EVAL_TEST_UNSET"}, // the key is not set
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %q did not fail", args)
		}
	}
}
