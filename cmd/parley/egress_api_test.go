package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// fakeModel is an OpenAI-compatible server on loopback that answers every
// chat completion with the same text, and counts its requests.
func fakeModel(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	tb.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
			"message":{"role":"assistant","content":"Hello from the model."},"finish_reason":"stop"}]}`)
	}))
	tb.Cleanup(s.Close)
	return s, &hits
}

// TestNoRequestsToPrivateAddresses (issue 12 §3): a workspace cannot point
// its model at the server's own networks. Saving such a base URL is
// refused with a reason and no address; one that reaches the store anyway
// (a name that resolved elsewhere when saved) is refused at connect time,
// and the decision trace says why, again without the address. The
// operator's PARLEY_ALLOW_PRIVATE_URLS lets a local model through.
func TestNoRequestsToPrivateAddresses(t *testing.T) {
	model, hits := fakeModel(t)
	dataDir := t.TempDir()
	n := startNode(t, "PARLEY_DATA_DIR="+dataDir)
	email, password := demoLogin(t, n)
	owner := bearer(login(t, n, email, password))
	siteKey := demoSiteKey(t, n)
	site := siteIn(t, dataDir, siteKey, nil)
	local := strings.Replace(model.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{model.URL + "/v1", local + "/v1", "http://169.254.169.254/latest", "http://[::1]:6379/",
		"http://localhost:5432", "http://10.0.0.7:8000/v1", "http://[::ffff:127.0.0.1]:8080/"} {
		var problem struct {
			Code   string `json:"code"`
			Reason string `json:"reason"`
			Detail string `json:"detail"`
		}
		st := do(t, "PATCH", fmt.Sprintf("%s/api/v1/sites/%d", n.URL, site.ID), owner,
			map[string]any{"ai_provider": map[string]string{"base_url": u, "model": "m"}}, &problem)
		if st != 400 || problem.Reason != hub.ReasonPrivateAddress || strings.Contains(problem.Detail, "127.") || strings.Contains(problem.Detail, "::1") {
			t.Errorf("base URL %s: %d %+v, want 400 %s without the address", u, st, problem, hub.ReasonPrivateAddress)
		}
	}

	// Straight into the store, as if the name had resolved elsewhere.
	siteIn(t, dataDir, siteKey, func(s *hub.Site) { s.AIProvider = hub.AIProvider{BaseURL: model.URL + "/v1", Model: "m"} })
	visitor := visitorFor(t, n, siteKey, n.Origin)
	answer := inboxAsk(t, visitor, "What are your opening hours?")
	if hits.Load() != 0 {
		t.Fatalf("the model on loopback was called %d times", hits.Load())
	}
	var msgs struct {
		Items []struct {
			ID    int64              `json:"id"`
			Trace *hub.DecisionTrace `json:"trace"`
		} `json:"items"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d/messages", n.URL, answer.ConversationID), owner, nil, &msgs); st != 200 {
		t.Fatalf("messages: %d", st)
	}
	var trace *hub.DecisionTrace
	for _, m := range msgs.Items {
		if m.ID == answer.ID {
			trace = m.Trace
		}
	}
	if trace == nil || !strings.Contains(trace.Fallback, "private, local or reserved") || strings.Contains(trace.Fallback, "127.") {
		raw, _ := json.Marshal(trace)
		t.Fatalf("the answer's trace %s, want a fallback that says the address is private", raw)
	}

	// The operator allows the loopback range: the model answers.
	dataDir2 := t.TempDir()
	n2 := startNode(t, "PARLEY_DATA_DIR="+dataDir2, "PARLEY_ALLOW_PRIVATE_URLS=127.0.0.0/8")
	email2, password2 := demoLogin(t, n2)
	owner2 := bearer(login(t, n2, email2, password2))
	siteKey2 := demoSiteKey(t, n2)
	site2 := siteIn(t, dataDir2, siteKey2, nil)
	if st := do(t, "PATCH", fmt.Sprintf("%s/api/v1/sites/%d", n2.URL, site2.ID), owner2,
		map[string]any{"ai_provider": map[string]string{"base_url": model.URL + "/v1", "model": "m"}}, nil); st != 200 {
		t.Fatalf("an allowed base URL: %d", st)
	}
	if got := inboxAsk(t, visitorFor(t, n2, siteKey2, n2.Origin), "Hello?"); got.Body != "Hello from the model." || hits.Load() == 0 {
		t.Fatalf("with the range allowed the answer is %q (%d model calls)", got.Body, hits.Load())
	}
}
