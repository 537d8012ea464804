package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func TestFuse(t *testing.T) {
	e := func(id int64) *hub.KnowledgeEntry { return &hub.KnowledgeEntry{ID: id} }
	r := func(score float64, ids ...int64) []ranked {
		var out []ranked
		for i, id := range ids {
			out = append(out, ranked{entry: e(id), score: score - float64(i)/10})
		}
		return out
	}
	tests := []struct {
		name              string
		lexical, semantic []ranked
		limit             int
		want              []int64
	}{
		{"nothing", nil, nil, 5, nil},
		{"lexical only keeps its order", r(0.9, 4, 2, 9), nil, 5, []int64{4, 2, 9}},
		{"semantic only keeps its order", nil, r(0.8, 3, 1), 5, []int64{3, 1}},
		{"the leaders of both come first, the one found by both ahead",
			r(0.9, 1, 2, 3, 4, 5), r(0.7, 6, 1, 7, 8, 9), 5, []int64{1, 6, 2, 3, 7}},
		// Every lexical hit is also near in meaning, and the semantic
		// leader has no word of the question: it still gets in.
		{"a semantic leader is not crowded out by entries both found",
			r(0.3, 1, 2, 3, 4, 5), r(0.9, 9, 1, 2, 3, 4), 5, []int64{1, 9, 2, 3, 4}},
		{"and neither is a lexical leader",
			r(0.9, 9, 1, 2, 3, 4), r(0.9, 1, 2, 3, 4, 5), 5, []int64{1, 9, 2, 3, 4}},
		{"equal ranks: the higher lexical score, then the lower id",
			[]ranked{{entry: e(5), score: 0.5}}, []ranked{{entry: e(4), score: 0.9}}, 5, []int64{5, 4}},
		{"limit", r(0.9, 1, 2, 3), r(0.9, 4, 5, 6), 2, []int64{1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fuse(tt.lexical, tt.semantic, tt.limit)
			var ids []int64
			for _, c := range got {
				ids = append(ids, c.entry.ID)
				if c.score <= 0 || c.score > 1 {
					t.Errorf("entry %d scored %v", c.entry.ID, c.score)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("fuse = %v, want %v", ids, tt.want)
			}
		})
	}
	got := fuse(r(0.9, 1, 2), r(0.7, 2, 3), 5)
	if c := got[0]; c.entry.ID != 2 || c.score != 1 || c.lexRank != 2 || c.semRank != 1 || c.lexical != 0.8 || c.semantic != 0.7 {
		t.Errorf("first = %+v, want entry 2 scored 1 from ranks 2 and 1", c)
	}
}

func TestCosine(t *testing.T) {
	for _, tt := range []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 0}, []float32{2, 0}, 1},
		{[]float32{1, 0}, []float32{0, 3}, 0},
		{[]float32{1, 1}, []float32{-1, -1}, -1},
		{[]float32{0, 0}, []float32{1, 1}, 0},
	} {
		if got := cosine(tt.a, tt.b); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("cosine(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestEmbeddingText(t *testing.T) {
	e := &hub.KnowledgeEntry{Title: " Shipping ", Phrasings: []string{"delivery time", " "}, Body: strings.Repeat("ж", 3000)}
	text := embeddingText(e)
	if !strings.HasPrefix(text, "Shipping\ndelivery time\nжж") || len([]rune(text)) != embedMaxRunes {
		t.Errorf("embeddingText = %.40q… (%d runes)", text, len([]rune(text)))
	}
	edited := *e
	edited.Body = "Two days."
	if textHash(embeddingText(e)) == textHash(embeddingText(&edited)) || textHash("a") != textHash("a") {
		t.Error("textHash does not tell an edit")
	}
}

// concepts are the fake embedding model's dimensions: each word of a
// group, in either language, points the same way, so a paraphrase or a
// translation with no word in common lands near its entry. A text without
// any lands on the last dimension, far from all of them.
var concepts = [][]string{
	{"shipping", "delivery", "parcel", "arrive", "arrives", "get", "доставка", "посылка", "придёт", "придет", "курьер", "постучит"},
	{"return", "returns", "refund", "back", "возврат", "вернуть"},
	{"open", "opening", "hours", "работаете", "часы"},
	{"password", "sign", "login", "пароль", "войти"},
	{"payment", "pay", "card", "visa", "оплата", "картой", "рассчитаться"},
	{"gift", "wrap", "wrapping", "подарок"},
}

// fakeEmbedding is the fake model's vector for text.
func fakeEmbedding(text string) []float64 {
	v := make([]float64, len(concepts)+1)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'а' && r <= 'я' || r == 'ё')
	})
	for _, w := range words {
		for i, group := range concepts {
			if slices.Contains(group, w) {
				v[i]++
			}
		}
	}
	if slices.Max(v) == 0 {
		v[len(concepts)] = 1
	}
	return v
}

// writeEmbeddings answers an /embeddings request with vec of each input.
func writeEmbeddings(w http.ResponseWriter, inputs []string, vec func(string) []float64) {
	data := make([]any, len(inputs))
	for i, in := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec(in)}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": "test-embed", "data": data,
		"usage": map[string]any{"prompt_tokens": 1, "total_tokens": 1}})
}

// aiServer is a fake model server that speaks /v1/embeddings and
// /v1/chat/completions: embed answers the n-th embeddings request (nil:
// the fake embedding), chat every chat request (nil: a plain answer).
type aiServer struct {
	*fakeModelServer
	embed func(n int, w http.ResponseWriter, r *http.Request, inputs []string)
	chat  func(n int, w http.ResponseWriter, r *http.Request)
}

func newAIServer(tb testing.TB, s *aiServer) *aiServer {
	tb.Helper()
	var embeds, chats int
	var mu sync.Mutex
	s.fakeModelServer = newFakeModelServer(tb, func(n int, w http.ResponseWriter, r *http.Request) {
		req := s.Requests()[n-1]
		mu.Lock()
		isEmbed := strings.HasSuffix(r.URL.Path, "/embeddings")
		if isEmbed {
			embeds++
		} else {
			chats++
		}
		ne, nc := embeds, chats
		mu.Unlock()
		switch {
		case isEmbed && s.embed != nil:
			s.embed(ne, w, r, req.Input)
		case isEmbed:
			writeEmbeddings(w, req.Input, fakeEmbedding)
		case s.chat != nil:
			s.chat(nc, w, r)
		default:
			writeModelCompletion(w, "An answer.")
		}
	})
	return s
}

// requests returns the requests to path ("embeddings" or "chat/completions").
func (s *aiServer) requests(path string) []modelRequest {
	var out []modelRequest
	for _, r := range s.Requests() {
		if r.Path == "POST /v1/"+path {
			out = append(out, r)
		}
	}
	return out
}

// memEmbeddings is a hub.KnowledgeEmbeddingStore in memory; err, when
// set, fails every call.
type memEmbeddings struct {
	mu    sync.Mutex
	m     map[int64]hub.KnowledgeEmbedding
	saves int
	err   error
}

func (s *memEmbeddings) FindKnowledgeEmbeddings(_ context.Context, _ int64, model string) (map[int64]hub.KnowledgeEmbedding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	out := map[int64]hub.KnowledgeEmbedding{}
	for id, e := range s.m {
		if e.Model == model {
			out[id] = e
		}
	}
	return out, nil
}

func (s *memEmbeddings) SaveKnowledgeEmbeddings(_ context.Context, es []hub.KnowledgeEmbedding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := hub.ValidEmbeddings(es); err != nil {
		return err
	}
	if s.m == nil {
		s.m = map[int64]hub.KnowledgeEmbedding{}
	}
	for _, e := range es {
		s.m[e.EntryID] = e
	}
	s.saves++
	return nil
}

// shopKB is an English knowledge base of six entries, one per concept.
func shopKB() *fakeModelKnowledge {
	t := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return &fakeModelKnowledge{entries: []*hub.KnowledgeEntry{
		{ID: 1, SiteID: 7, Kind: hub.KnowledgeQA, Title: "How long does shipping take?", Body: "Orders arrive in 3 to 5 working days.", UpdatedAt: t},
		{ID: 2, SiteID: 7, Kind: hub.KnowledgeQA, Title: "What is your returns policy?", Body: "Send items back within 30 days for a refund.", UpdatedAt: t},
		{ID: 3, SiteID: 7, Kind: hub.KnowledgeQA, Title: "When are you open?", Body: "Our opening hours are 9 to 18, Monday to Friday.", UpdatedAt: t},
		{ID: 4, SiteID: 7, Kind: hub.KnowledgeQA, Title: "How do I reset my password?", Body: "Use the Forgot password link on the sign-in page.", UpdatedAt: t},
		{ID: 5, SiteID: 7, Kind: hub.KnowledgeQA, Title: "Which payment methods do you accept?", Body: "We accept Visa, Mastercard and PayPal.", UpdatedAt: t},
		{ID: 6, SiteID: 7, Kind: hub.KnowledgeQA, Title: "Do you offer gift wrapping?", Body: "We wrap gifts for free.", UpdatedAt: t},
	}}
}

// mustEmbeddingAssistant returns a model assistant for s with the built-in
// assistant on kb as its fallback and lexical search, and the embedding
// model "test-embed" keeping its vectors in store.
func mustEmbeddingAssistant(tb testing.TB, s *aiServer, kb *fakeModelKnowledge, store hub.KnowledgeEmbeddingStore, edit func(*OpenAIConfig)) *OpenAI {
	tb.Helper()
	return MustOpenAI(tb, s.fakeModelServer, &Builtin{Knowledge: kb}, func(c *OpenAIConfig) {
		c.Knowledge, c.Embeddings, c.EmbeddingModel = kb, store, "test-embed"
		if edit != nil {
			edit(c)
		}
	})
}

// promptEntries returns the titles of the entries in a chat request's
// system message, in order.
func promptEntries(req modelRequest) []string {
	var titles []string
	for _, line := range strings.Split(req.Messages[0].Content, "\n") {
		var n int
		var title string
		if _, err := fmt.Sscanf(line, "[%d]", &n); err == nil {
			_, title, _ = strings.Cut(line, "] ")
			titles = append(titles, title)
		}
	}
	return titles
}

func sourceOf(tr hub.DecisionTrace, id int64) *hub.KBSource {
	for i := range tr.Sources {
		if tr.Sources[i].EntryID == id {
			return &tr.Sources[i]
		}
	}
	return nil
}

func toolOf(tr hub.DecisionTrace, name string) *hub.ToolUse {
	for i := range tr.Tools {
		if tr.Tools[i].Name == name {
			return &tr.Tools[i]
		}
	}
	return nil
}

// TestEmbeddingsFindParaphrases puts questions that share no word with
// their entry to the model assistant: with the embedding model the entry
// is in the prompt, first; without it, it is not (so the test can fail).
func TestEmbeddingsFindParaphrases(t *testing.T) {
	for _, tt := range []struct {
		question string
		want     string
	}{
		{"When will my parcel get here?", "How long does shipping take?"},
		// Words that neither the English entries nor the built-in
		// bilingual synonym list know.
		{"Когда курьер постучит в дверь?", "How long does shipping take?"},
		{"Чем можно рассчитаться?", "Which payment methods do you accept?"},
	} {
		t.Run(tt.question, func(t *testing.T) {
			for _, embeddings := range []bool{true, false} {
				s := newAIServer(t, &aiServer{})
				a := mustEmbeddingAssistant(t, s, shopKB(), &memEmbeddings{}, func(c *OpenAIConfig) {
					if !embeddings {
						c.EmbeddingModel = ""
					}
				})
				d, err := a.Decide(t.Context(), modelTestInput(tt.question))
				if err != nil {
					t.Fatal(err)
				}
				if d.Action != hub.ActionAnswer || d.Trace.Provider != "model:test-model" || d.Trace.Fallback != "" {
					t.Fatalf("decision = %+v, want the model's answer", d)
				}
				chats := s.requests("chat/completions")
				if len(chats) != 1 {
					t.Fatalf("%d chat requests, want 1", len(chats))
				}
				prompt := promptEntries(chats[0])
				if !embeddings {
					if slices.Contains(prompt, tt.want) || len(s.requests("embeddings")) != 0 {
						t.Errorf("without embeddings the prompt has %q: the question is not a paraphrase", prompt)
					}
					continue
				}
				if len(prompt) == 0 || prompt[0] != tt.want {
					t.Errorf("prompt entries = %q, want %q first", prompt, tt.want)
				}
				src := d.Trace.Sources[0]
				if src.Title != tt.want || src.Score != 1 || src.Lexical != 0 || src.Semantic < 0.5 || !src.Used {
					t.Errorf("first source = %+v, want %q found by meaning alone", src, tt.want)
				}
				use := toolOf(d.Trace, toolEmbeddings)
				if use == nil || use.Input != "test-embed" || !strings.Contains(use.Result, "6 of 6 entries compared; 6 embedded now") {
					t.Errorf("embeddings tool = %+v", use)
				}
			}
		})
	}
}

// TestEmbeddingsKeepLexicalHits checks that a question in the entry's own
// words keeps it first, with both scores in the trace.
func TestEmbeddingsKeepLexicalHits(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	a := mustEmbeddingAssistant(t, s, shopKB(), &memEmbeddings{}, nil)
	d, err := a.Decide(t.Context(), modelTestInput("How do I reset my password?"))
	if err != nil {
		t.Fatal(err)
	}
	src := sourceOf(d.Trace, 4)
	if len(d.Trace.Sources) == 0 || d.Trace.Sources[0].EntryID != 4 || src.Lexical < 0.5 || src.Semantic < 0.9 {
		t.Errorf("sources = %+v, want entry 4 first with both scores", d.Trace.Sources)
	}
	if len(src.Terms) == 0 {
		t.Errorf("source %+v has no weighed words", src)
	}
	if tool := toolOf(d.Trace, toolKnowledge); tool == nil || tool.Result == "search failed" {
		t.Errorf("knowledge tool = %+v", tool)
	}
	// The trace's JSON names both scores.
	b, _ := json.Marshal(src)
	if !strings.Contains(string(b), `"lexical":`) || !strings.Contains(string(b), `"semantic":`) {
		t.Errorf("source JSON = %s", b)
	}
}

// TestEmbeddingsStoredAndReused checks that entries are embedded once,
// again after an edit, and a large knowledge base over several decisions.
func TestEmbeddingsStoredAndReused(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	kb := shopKB()
	store := &memEmbeddings{}
	a := mustEmbeddingAssistant(t, s, kb, store, nil)
	decide := func(question string) []string {
		t.Helper()
		before := len(s.requests("embeddings"))
		if _, err := a.Decide(t.Context(), modelTestInput(question)); err != nil {
			t.Fatal(err)
		}
		reqs := s.requests("embeddings")
		if len(reqs) != before+1 {
			t.Fatalf("%d embeddings requests for one decision, want 1", len(reqs)-before)
		}
		req := reqs[len(reqs)-1]
		if req.Model != "test-embed" || len(req.Input) == 0 || req.Input[0] != question {
			t.Fatalf("embeddings request = %+v, want the question first", req)
		}
		return req.Input[1:]
	}

	if got := decide("When will my parcel get here?"); len(got) != 6 || !strings.HasPrefix(got[0], "How long does shipping take?\n") {
		t.Fatalf("first decision embedded %q, want the 6 entries", got)
	}
	if len(store.m) != 6 || store.saves != 1 {
		t.Fatalf("stored %d embeddings in %d saves, want 6 in 1", len(store.m), store.saves)
	}
	if got := decide("Can I pay by card?"); len(got) != 0 {
		t.Errorf("second decision embedded %q, want only the question", got)
	}
	if store.saves != 1 {
		t.Errorf("%d saves, want still 1", store.saves)
	}

	kb.entries[1].Body = "Send items back within 60 days for a refund."
	if got := decide("I want to send it back"); len(got) != 1 || !strings.Contains(got[0], "60 days") {
		t.Errorf("after an edit embedded %q, want the edited entry only", got)
	}
	if e := store.m[2]; e.TextHash != textHash(embeddingText(kb.entries[1])) {
		t.Errorf("stored hash of the edited entry = %q, want the new text's", e.TextHash)
	}

	// A knowledge base of 600 new entries: 256 a decision, the rest later.
	var big []*hub.KnowledgeEntry
	for i := range 600 {
		big = append(big, &hub.KnowledgeEntry{ID: int64(100 + i), SiteID: 7, Kind: hub.KnowledgeQA,
			Title: fmt.Sprintf("Question %d about delivery", i), Body: "Answer."})
	}
	kb.entries = big
	for i, want := range []int{256, 256, 88, 0} {
		if got := decide("parcel"); len(got) != want {
			t.Errorf("decision %d embedded %d entries, want %d", i+1, len(got), want)
		}
	}
}

// TestEmbeddingsModelChangesDimensions checks that stored vectors of other
// dimensions than the newest are embedded again.
func TestEmbeddingsModelChangesDimensions(t *testing.T) {
	dims := 7
	s := newAIServer(t, &aiServer{embed: func(_ int, w http.ResponseWriter, _ *http.Request, inputs []string) {
		writeEmbeddings(w, inputs, func(text string) []float64 {
			v := fakeEmbedding(text)
			return append(v, make([]float64, dims-len(v))...)
		})
	}})
	kb := shopKB()
	store := &memEmbeddings{}
	a := mustEmbeddingAssistant(t, s, kb, store, nil)
	if _, err := a.Decide(t.Context(), modelTestInput("parcel")); err != nil {
		t.Fatal(err)
	}
	dims = 9
	kb.entries[0].Title = "How long does delivery take?" // now the newest, with 9 dimensions
	d, err := a.Decide(t.Context(), modelTestInput("parcel"))
	if err != nil {
		t.Fatal(err)
	}
	if use := toolOf(d.Trace, toolEmbeddings); use == nil || !strings.Contains(use.Result, "1 of 6 entries compared; 1 embedded now") {
		t.Errorf("embeddings tool = %+v, want the edited entry compared alone", use)
	}
	d, err = a.Decide(t.Context(), modelTestInput("parcel"))
	if err != nil {
		t.Fatal(err)
	}
	if use := toolOf(d.Trace, toolEmbeddings); use == nil || !strings.Contains(use.Result, "6 of 6 entries compared; 5 embedded now") {
		t.Errorf("embeddings tool = %+v, want the 5 of 7 dimensions embedded again", use)
	}
}

// TestEmbeddingsFaults checks that every fault of the embedding model or
// its store leaves the decision to the chat model with lexical retrieval,
// the reason in the trace, and nothing stored.
func TestEmbeddingsFaults(t *testing.T) {
	write := func(body string) func(int, http.ResponseWriter, *http.Request, []string) {
		return func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}
	}
	vectors := func(vs ...string) string {
		var data []string
		for i, v := range vs {
			data = append(data, fmt.Sprintf(`{"object":"embedding","index":%d,"embedding":%s}`, i, v))
		}
		return `{"object":"list","model":"m","data":[` + strings.Join(data, ",") + `]}`
	}
	one := func(inputs []string, v string) []string { // v for every input
		out := make([]string, len(inputs))
		for i := range out {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		name     string
		embed    func(int, http.ResponseWriter, *http.Request, []string)
		storeErr error
		want     string
	}{
		{"timeout", func(_ int, _ http.ResponseWriter, r *http.Request, _ []string) { <-r.Context().Done() }, nil,
			"failed: embeddings timed out; lexical retrieval only"},
		{"500", func(_ int, w http.ResponseWriter, r *http.Request, _ []string) { modelStatus(500)(0, w, r) }, nil,
			"failed: embeddings error: 500"},
		{"404: no such model", func(_ int, w http.ResponseWriter, r *http.Request, _ []string) { modelStatus(404)(0, w, r) }, nil,
			"failed: embeddings error: 404"},
		{"malformed JSON", write(`{"data": [{"embedding": [0.1,`), nil, "failed: embeddings response malformed"},
		{"HTML", func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>proxy error</html>")
		}, nil, "failed: embeddings response malformed"},
		{"too few vectors", write(vectors("[1,0]")), nil, "failed: embeddings response malformed: 1 vectors for 7 texts"},
		{"wrong dimensions", func(_ int, w http.ResponseWriter, r *http.Request, inputs []string) {
			vs := one(inputs, "[1,0,0]")
			vs[3] = "[1,0]"
			write(vectors(vs...))(0, w, r, inputs)
		}, nil, "failed: embeddings response malformed: vectors of 3 and 2 dimensions"},
		{"no dimensions", func(_ int, w http.ResponseWriter, r *http.Request, inputs []string) {
			write(vectors(one(inputs, "[]")...))(0, w, r, inputs)
		}, nil, "failed: embeddings response malformed: vectors of 0 and 0 dimensions"},
		{"store fails", nil, errors.New("disk on fire"), "failed: cannot read the stored embeddings; lexical retrieval only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAIServer(t, &aiServer{embed: tt.embed})
			store := &memEmbeddings{err: tt.storeErr}
			a := mustEmbeddingAssistant(t, s, shopKB(), store, func(c *OpenAIConfig) { c.Timeout = time.Second })
			d, err := a.Decide(t.Context(), modelTestInput("How do I reset my password?"))
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != hub.ActionAnswer || d.Body != "An answer." || d.Trace.Fallback != "" {
				t.Errorf("decision = %+v, want the chat model's answer", d)
			}
			use := toolOf(d.Trace, toolEmbeddings)
			if use == nil || !strings.HasPrefix(use.Result, tt.want) {
				t.Errorf("embeddings tool = %+v, want a result starting %q", use, tt.want)
			}
			if len(d.Trace.Sources) == 0 || d.Trace.Sources[0].EntryID != 4 || d.Trace.Sources[0].Semantic != 0 {
				t.Errorf("sources = %+v, want the lexical hit alone", d.Trace.Sources)
			}
			if len(store.m) != 0 {
				t.Errorf("stored %d embeddings after a fault", len(store.m))
			}
		})
	}
}

// TestEmbeddingsSaveFails checks that a store that cannot save leaves the
// vectors in use for this decision.
func TestEmbeddingsSaveFails(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	store := &failingSaves{}
	a := mustEmbeddingAssistant(t, s, shopKB(), store, nil)
	d, err := a.Decide(t.Context(), modelTestInput("When will my parcel get here?"))
	if err != nil {
		t.Fatal(err)
	}
	if use := toolOf(d.Trace, toolEmbeddings); use == nil || !strings.Contains(use.Result, "6 embedded now (not saved: the store failed)") {
		t.Errorf("embeddings tool = %+v", use)
	}
	if d.Trace.Sources[0].EntryID != 1 {
		t.Errorf("sources = %+v, want entry 1 first", d.Trace.Sources)
	}
}

type failingSaves struct{ memEmbeddings }

func (*failingSaves) SaveKnowledgeEmbeddings(context.Context, []hub.KnowledgeEmbedding) error {
	return errors.New("read-only")
}

// TestEmbeddingsChatFaultsFallBack checks that with embeddings on, a chat
// model that fails (5xx, bad tool arguments, an unknown tool) still hands
// the decision to the built-in assistant, with the reason.
func TestEmbeddingsChatFaultsFallBack(t *testing.T) {
	for _, tt := range []struct {
		name string
		chat func(int, http.ResponseWriter, *http.Request)
		want string
	}{
		{"503", modelStatus(503), "model error: 503"},
		{"bad tool arguments", modelAnswers("", modelToolCall{"create_ticket", `{"email": 42}`}), "model returned invalid tool arguments"},
		{"tool arguments not JSON", modelAnswers("", modelToolCall{"collect_email", `reason=refund`}), "model returned invalid tool arguments"},
		{"unknown tool", modelAnswers("", modelToolCall{"refund_now", `{}`}), "model called an unknown tool"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newAIServer(t, &aiServer{chat: tt.chat})
			a := mustEmbeddingAssistant(t, s, shopKB(), &memEmbeddings{}, nil)
			d, err := a.Decide(t.Context(), modelTestInput("How do I reset my password?"))
			if err != nil {
				t.Fatal(err)
			}
			if d.Trace.Provider != providerBuiltin || d.Trace.Fallback != tt.want || d.Action != hub.ActionAnswer ||
				d.StatusType != hub.StatusMatchedContent || !strings.Contains(d.Body, "Forgot password") {
				t.Errorf("decision = %+v, want the built-in answer with fallback %q", d, tt.want)
			}
		})
	}
}

// TestRouterEmbeddingModel checks that a site's embedding model overrides
// the node's and that each gets its own client.
func TestRouterEmbeddingModel(t *testing.T) {
	s := newAIServer(t, &aiServer{})
	kb := shopKB()
	r := New(Config{Default: OpenAIConfig{BaseURL: s.URL(), Model: "test-model", EmbeddingModel: "node-embed", Timeout: 2 * time.Second},
		Builtin: &Builtin{Knowledge: kb}, Knowledge: kb, Embeddings: &memEmbeddings{}})
	site := *modelTestSite
	in := modelTestInput("parcel")
	for _, p := range []hub.AIProvider{{}, {EmbeddingModel: "site-embed"}} {
		site.AIProvider = p
		in.Site = &site
		if _, err := r.Decide(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	var models []string
	for _, req := range s.requests("embeddings") {
		models = append(models, req.Model)
	}
	if !slices.Equal(models, []string{"node-embed", "site-embed"}) {
		t.Errorf("embedding models asked = %q", models)
	}
	if n := len(slices.Collect(maps.Keys(r.clients))); n != 2 {
		t.Errorf("%d clients, want 2", n)
	}
	if err := (hub.AIProvider{EmbeddingModel: strings.Repeat("m", 201)}).Validate(); hub.ErrorCode(err) != hub.EInvalid {
		t.Errorf("Validate of a long embedding model = %v, want invalid", err)
	}
}
