package assistant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/rs/zerolog"
)

// fakeModelServer is an OpenAI-compatible chat-completions server. reply answers
// the n-th request (1-based); every request is recorded.
type fakeModelServer struct {
	srv   *httptest.Server
	reply func(n int, w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	requests []modelRequest
}

// modelRequest is what the fake server reads from a request.
type modelRequest struct {
	Path          string
	Authorization string
	Model         string `json:"model"`
	// Input is what an /embeddings request embeds.
	Input    []string `json:"input"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

func newFakeModelServer(tb testing.TB, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeModelServer {
	tb.Helper()
	m := &fakeModelServer{reply: reply}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req modelRequest
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			tb.Errorf("fake model: bad request body: %v", err)
		}
		req.Path, req.Authorization = r.Method+" "+r.URL.Path, r.Header.Get("Authorization")
		m.mu.Lock()
		m.requests = append(m.requests, req)
		n := len(m.requests)
		m.mu.Unlock()
		m.reply(n, w, r)
	}))
	tb.Cleanup(m.srv.Close)
	return m
}

// URL is the base URL of the API, like https://api.openai.com/v1.
func (m *fakeModelServer) URL() string { return m.srv.URL + "/v1" }

func (m *fakeModelServer) Requests() []modelRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

type modelToolCall struct{ name, args string }

// writeModelCompletion writes a chat completion with content and tool calls.
func writeModelCompletion(w http.ResponseWriter, content string, calls ...modelToolCall) {
	var tc []map[string]any
	for i, c := range calls {
		tc = append(tc, map[string]any{"id": fmt.Sprintf("call_%d", i), "type": "function",
			"function": map[string]any{"name": c.name, "arguments": c.args}})
	}
	msg := map[string]any{"role": "assistant", "content": content}
	if content == "" {
		msg["content"] = nil
	}
	if tc != nil {
		msg["tool_calls"] = tc
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion",
		"created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": msg}}})
}

func modelAnswers(content string, calls ...modelToolCall) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { writeModelCompletion(w, content, calls...) }
}

func modelStatus(code int) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"status %d","type":"server_error"}}`, code)
	}
}

// fakeFallback stands in for the built-in assistant.
type fakeFallback struct{ calls atomic.Int32 }

func (f *fakeFallback) Decide(ctx context.Context, in hub.AssistantInput) (hub.Decision, error) {
	f.calls.Add(1)
	return hub.Decision{Action: hub.ActionAnswer, Body: "built-in answer", StatusType: hub.StatusMatchedContent,
		Trace: hub.DecisionTrace{Provider: "builtin", Decision: "answered from the knowledge base"}}, nil
}

// fakeModelKnowledge returns its entries for any query and records the queries.
type fakeModelKnowledge struct {
	entries []*hub.KnowledgeEntry
	mu      sync.Mutex
	queries []string
}

func (k *fakeModelKnowledge) KnowledgeVersion(context.Context, int64) (int64, error) { return 1, nil }

func (k *fakeModelKnowledge) FindKnowledgeEntries(context.Context, int64) ([]*hub.KnowledgeEntry, error) {
	return k.entries, nil
}

func (k *fakeModelKnowledge) SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*hub.KnowledgeEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.queries = append(k.queries, fmt.Sprintf("%d:%s:%d", siteID, query, limit))
	return k.entries, nil
}

var modelTestSite = &hub.Site{ID: 7, TenantID: 3, Name: "Shop", Instructions: "Always call the customer 'friend'."}

func modelMsg(kind hub.AuthorKind, body string) *hub.Message {
	return &hub.Message{AuthorKind: kind, Body: body}
}

// modelTestInput is a conversation with every kind of author and an empty
// message, the visitor's question last.
func modelTestInput(question string) hub.AssistantInput {
	agent := modelMsg(hub.AuthorAgent, "I am Anna from the team.")
	agent.AuthorName = "Anna"
	return hub.AssistantInput{Site: modelTestSite, Conversation: &hub.Conversation{ID: 11, SiteID: 7}, Locale: "en",
		Messages: []*hub.Message{
			modelMsg(hub.AuthorVisitor, "Hello"),
			modelMsg(hub.AuthorAssistant, "Hi! How can I help?"),
			modelMsg(hub.AuthorVisitor, "   "),
			agent,
			modelMsg(hub.AuthorSystem, "Anna left the conversation."),
			modelMsg(hub.AuthorVisitor, question),
		}}
}

// MustOpenAI returns an OpenAI assistant for m with short timeouts.
func MustOpenAI(tb testing.TB, m *fakeModelServer, fallback hub.Assistant, edit func(*OpenAIConfig)) *OpenAI {
	tb.Helper()
	cfg := OpenAIConfig{BaseURL: m.URL(), Model: "test-model", APIKey: "sk-test-secret",
		Timeout: 2 * time.Second, Backoff: time.Millisecond, Fallback: fallback, Log: zerolog.Nop()}
	if edit != nil {
		edit(&cfg)
	}
	a, err := NewOpenAI(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestOpenAIAnswer(t *testing.T) {
	m := newFakeModelServer(t, modelAnswers("  Delivery takes 3 days, friend.  "))
	kb := &fakeModelKnowledge{entries: []*hub.KnowledgeEntry{
		{ID: 1, Kind: hub.KnowledgeQA, Title: "How long is delivery?", Body: "Delivery takes 3 working days."},
		{ID: 2, Kind: hub.KnowledgeArticle, Title: "Shipping", Body: "We ship with DHL."},
	}}
	fallback := &fakeFallback{}
	a := MustOpenAI(t, m, fallback, func(c *OpenAIConfig) { c.Knowledge = kb })

	d, err := a.Decide(t.Context(), modelTestInput("How long does delivery take?"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != hub.ActionAnswer || d.Body != "Delivery takes 3 days, friend." || d.StatusType != hub.StatusGeneratedContent {
		t.Errorf("decision = %+v, want the model's answer", d)
	}
	tr := d.Trace
	if tr.Provider != "model:test-model" || tr.AnswerSource != "both" || tr.Language != "en" || tr.Fallback != "" || tr.Decision == "" {
		t.Errorf("trace = %+v", tr)
	}
	wantSources := []hub.KBSource{{EntryID: 1, Title: "How long is delivery?", Score: 1, Used: true},
		{EntryID: 2, Title: "Shipping", Score: 0.5, Used: true}}
	if !reflect.DeepEqual(tr.Sources, wantSources) {
		t.Errorf("sources = %+v, want %+v", tr.Sources, wantSources)
	}
	if len(tr.Tools) != 1 || tr.Tools[0].Name != "knowledge_search" || tr.Tools[0].Input != "How long does delivery take?" {
		t.Errorf("tools = %+v, want the knowledge search", tr.Tools)
	}
	if want := []string{"7:How long does delivery take?:5"}; !slices.Equal(kb.queries, want) {
		t.Errorf("knowledge queries = %q, want %q", kb.queries, want)
	}
	if fallback.calls.Load() != 0 {
		t.Error("the fallback was asked")
	}

	reqs := m.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	req := reqs[0]
	if req.Path != "POST /v1/chat/completions" || req.Authorization != "Bearer sk-test-secret" || req.Model != "test-model" {
		t.Errorf("request = %s, auth %q, model %q", req.Path, req.Authorization, req.Model)
	}
	var got []string
	for _, m := range req.Messages {
		got = append(got, m.Role+": "+m.Content)
	}
	if len(got) != 6 {
		t.Fatalf("messages = %q, want the system message and 5 of the conversation", got)
	}
	sys := got[0]
	for _, want := range []string{"system: ", "Be concise", "collect_email", "human", "Never tell the visitor to email support",
		"Always call the customer 'friend'.", "[1] How long is delivery?\nDelivery takes 3 working days.", "[2] Shipping\nWe ship with DHL."} {
		if !strings.Contains(sys, want) {
			t.Errorf("system message lacks %q:\n%s", want, sys)
		}
	}
	wantConv := []string{"user: Hello", "assistant: Hi! How can I help?", "assistant: [Agent Anna] I am Anna from the team.",
		"assistant: [Notice] Anna left the conversation.", "user: How long does delivery take?"}
	if !slices.Equal(got[1:], wantConv) {
		t.Errorf("conversation = %q, want %q", got[1:], wantConv)
	}

	tools := map[string][]any{}
	for _, tool := range req.Tools {
		if tool.Type != "function" || tool.Function.Description == "" {
			t.Errorf("tool = %+v", tool)
		}
		props, _ := tool.Function.Parameters["properties"].(map[string]any)
		for _, p := range tool.Function.Parameters["required"].([]any) {
			if props[p.(string)] == nil {
				t.Errorf("tool %s requires %v, which it does not define", tool.Function.Name, p)
			}
		}
		tools[tool.Function.Name] = tool.Function.Parameters["required"].([]any)
	}
	if len(tools) != 2 || len(tools["collect_email"]) != 3 || len(tools["create_ticket"]) != 4 || !slices.Contains(tools["create_ticket"], any("email")) {
		t.Errorf("tools = %v, want collect_email{reason, subject, summary} and create_ticket{email, ...}", tools)
	}
}

func TestOpenAIAnswerWithoutKnowledge(t *testing.T) {
	m := newFakeModelServer(t, modelAnswers("Здравствуйте!"))
	a := MustOpenAI(t, m, &fakeFallback{}, func(c *OpenAIConfig) { c.APIKey = "" })
	in := hub.AssistantInput{Site: &hub.Site{ID: 1}, Locale: "ru-RU", Messages: []*hub.Message{modelMsg(hub.AuthorVisitor, "Привет, как дела?")}}
	d, err := a.Decide(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != hub.ActionAnswer || d.Trace.AnswerSource != "model" || d.Trace.Language != "ru" || len(d.Trace.Sources) != 0 {
		t.Errorf("decision = %+v", d)
	}
	req := m.Requests()[0]
	if req.Authorization != "" {
		t.Errorf("authorization = %q without a key", req.Authorization)
	}
	if !strings.Contains(req.Messages[0].Content, "If you cannot tell it, reply in Russian.") {
		t.Errorf("system message does not name the locale's language:\n%s", req.Messages[0].Content)
	}
	if !strings.Contains(req.Messages[0].Content, "Knowledge base: nothing matches") {
		t.Errorf("system message does not say the knowledge base has nothing:\n%s", req.Messages[0].Content)
	}
}

func TestOpenAIEscalate(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		calls     []modelToolCall
		want      hub.Decision
		wantTools []string
	}{{
		name:    "collect email",
		content: "I will pass this to the team.",
		calls:   []modelToolCall{{"collect_email", `{"reason":"refund","subject":"Refund for order 42","summary":"Wants a refund for a broken kettle."}`}},
		want: hub.Decision{Action: hub.ActionEscalate, Body: "I will pass this to the team.", Reason: "refund",
			Subject: "Refund for order 42", Summary: "Wants a refund for a broken kettle."},
		wantTools: []string{"knowledge_search", "collect_email"},
	}, {
		name:  "create ticket",
		calls: []modelToolCall{{"create_ticket", `{"email":"ann@example.com","reason":"human","subject":"Wants a person","summary":"Asked for a human."}`}},
		want: hub.Decision{Action: hub.ActionEscalate, Reason: "human", Subject: "Wants a person",
			Summary: "Asked for a human.", Email: "ann@example.com"},
		wantTools: []string{"knowledge_search", "create_ticket"},
	}, {
		name: "first of two calls wins, both traced",
		calls: []modelToolCall{{"create_ticket", `{"email":"ann@example.com","reason":"complaint","subject":"S","summary":"Sum"}`},
			{"collect_email", `{"reason":"refund","subject":"Other","summary":"Other"}`}},
		want: hub.Decision{Action: hub.ActionEscalate, Reason: "complaint", Subject: "S",
			Summary: "Sum", Email: "ann@example.com"},
		wantTools: []string{"knowledge_search", "create_ticket", "collect_email"},
	}, {
		name:  "missing subject and summary come from the question",
		calls: []modelToolCall{{"collect_email", `{"reason":"something else"}`}},
		want: hub.Decision{Action: hub.ActionEscalate, Reason: "something else", Subject: "My kettle broke, I want my money back",
			Summary: "The visitor wrote: “My kettle broke, I want my money back”\n" +
				"The assistant had not answered anything.\n" +
				"Handed off: the model handed it to the team (something else).\n" +
				"Visitor's language: English."},
		wantTools: []string{"knowledge_search", "collect_email"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModelServer(t, modelAnswers(tt.content, tt.calls...))
			a := MustOpenAI(t, m, &fakeFallback{}, func(c *OpenAIConfig) { c.Knowledge = &fakeModelKnowledge{} })
			d, err := a.Decide(t.Context(), modelTestInput("My kettle broke, I want my money back"))
			if err != nil {
				t.Fatal(err)
			}
			tr := d.Trace
			d.Trace = hub.DecisionTrace{}
			if !reflect.DeepEqual(d, tt.want) {
				t.Errorf("decision = %+v, want %+v", d, tt.want)
			}
			var tools []string
			for _, u := range tr.Tools {
				tools = append(tools, u.Name)
			}
			if !slices.Equal(tools, tt.wantTools) {
				t.Errorf("traced tools = %q, want %q", tools, tt.wantTools)
			}
			if tr.Provider != "model:test-model" || !strings.HasPrefix(tr.Decision, "handed to the team") || tr.Fallback != "" {
				t.Errorf("trace = %+v", tr)
			}
			if wantIntent := tt.want.Reason; slices.Contains(modelIntents, wantIntent) != (tr.Intent == wantIntent) {
				t.Errorf("intent = %q for reason %q", tr.Intent, wantIntent)
			}
		})
	}
}

// TestOpenAITicketFactsChecked: the model writes the ticket, but an order
// number or amount the conversation does not hold never reaches it.
func TestOpenAITicketFactsChecked(t *testing.T) {
	const question = "I want a refund for order 4411, I paid €49.90"
	tests := []struct {
		name, args       string
		site             *hub.Site
		subject, summary string
		note             string // in the trace's decision
	}{{
		name:    "true facts kept, in other formats too",
		args:    `{"reason":"refund","subject":"Refund: order #4411 (49.90 EUR)","summary":"Wants a refund for order 4411.\nPaid €49.9."}`,
		subject: "Refund: order #4411 (49.90 EUR)", summary: "Wants a refund for order 4411.\nPaid €49.9.",
	}, {
		name:    "invented order in the subject",
		args:    `{"reason":"refund","subject":"Refund for order #9999","summary":"Wants a refund for order 4411."}`,
		subject: "Refund request: order #4411, €49.90", summary: "Wants a refund for order 4411.",
		note: "the model's subject named order #9999, not in the conversation: the built-in subject is used",
	}, {
		name:    "invented amount dropped from the summary",
		args:    `{"reason":"refund","subject":"Refund for order 4411","summary":"Wants a refund for order 4411. Paid $120 by card. Item arrived broken."}`,
		subject: "Refund for order 4411", summary: "Wants a refund for order 4411. Item arrived broken.",
		note: "the model's summary named $120, not in the conversation: dropped",
	}, {
		name:    "nothing true left in the summary",
		args:    `{"reason":"refund","subject":"","summary":"Refund for order #1234."}`,
		subject: "Refund request: order #4411, €49.90",
		summary: "The visitor wrote: “I want a refund for order 4411, I paid €49.90”\nFacts: order #4411, €49.90\n" +
			"The assistant had not answered anything.\n" +
			"Handed off: a refund or cancellation, which the assistant cannot process.\nVisitor's language: English.",
		note: "the model's summary named order #1234, not in the conversation: dropped",
	}, {
		name:    "nothing from the model, a russian team",
		args:    `{"reason":"refund"}`,
		site:    &hub.Site{ID: modelTestSite.ID, TenantID: modelTestSite.TenantID, DefaultLocale: "ru"},
		subject: "Возврат денег: заказ №4411, €49.90",
		summary: "Посетитель написал: «I want a refund for order 4411, I paid €49.90»\nФакты: заказ №4411, €49.90\n" +
			"Ассистент ещё ничего не ответил.\n" +
			"Причина передачи: возврат или отмена, которые ассистент не оформляет.\nЯзык посетителя: английский.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModelServer(t, modelAnswers("", modelToolCall{"collect_email", tt.args}))
			a := MustOpenAI(t, m, &fakeFallback{}, nil)
			in := modelTestInput(question)
			if tt.site != nil {
				in.Site = tt.site
			}
			d, err := a.Decide(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != hub.ActionEscalate || d.Subject != tt.subject || d.Summary != tt.summary {
				t.Errorf("got %s, subject %q, summary\n%s\nwant subject %q, summary\n%s", d.Action, d.Subject, d.Summary, tt.subject, tt.summary)
			}
			if tt.note != "" && !strings.HasSuffix(d.Trace.Decision, "; "+tt.note) {
				t.Errorf("decision %q, want it to end with %q", d.Trace.Decision, tt.note)
			}
			if tt.note == "" && strings.Contains(d.Trace.Decision, "not in the conversation") {
				t.Errorf("decision %q", d.Trace.Decision)
			}
		})
	}
}

func TestOpenAISilent(t *testing.T) {
	m := newFakeModelServer(t, modelAnswers(""))
	fallback := &fakeFallback{}
	d, err := MustOpenAI(t, m, fallback, nil).Decide(t.Context(), modelTestInput("Hmm"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != hub.ActionSilent || d.Body != "" || d.Trace.Decision != "nothing sent: the model returned nothing" || fallback.calls.Load() != 0 {
		t.Errorf("decision = %+v, want silence", d)
	}
}

func TestOpenAIRetries(t *testing.T) {
	ok := modelAnswers("Fine.")
	tests := []struct {
		name         string
		reply        func(int, http.ResponseWriter, *http.Request)
		wantAttempts int
		wantFallback string // "" for the model's answer
	}{
		{"500 then 200", func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				modelStatus(500)(n, w, r)
				return
			}
			ok(n, w, r)
		}, 2, ""},
		{"429 twice then 200", func(n int, w http.ResponseWriter, r *http.Request) {
			if n < 3 {
				modelStatus(429)(n, w, r)
				return
			}
			ok(n, w, r)
		}, 3, ""},
		{"400 is not retried", modelStatus(400), 1, "model error: 400"},
		{"401 is not retried", modelStatus(401), 1, "model error: 401"},
		{"always 503", modelStatus(503), 3, "model error: 503"},
		{"400 without a JSON body", func(_ int, w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "bad", http.StatusBadRequest)
		}, 1, "model error: 400"},
		{"malformed JSON", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"choices": [{"message": {"content": "Hel`)
		}, 1, "model returned a malformed response"},
		{"not JSON", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<html>proxy error</html>`)
		}, 1, "model returned a malformed response"},
		{"no choices", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[]}`)
		}, 1, "model returned a malformed response"},
		{"invalid tool arguments", modelAnswers("", modelToolCall{"collect_email", `{"reason": "refund",`}), 1, "model returned invalid tool arguments"},
		{"unknown tool", modelAnswers("", modelToolCall{"delete_account", `{}`}), 1, "model called an unknown tool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModelServer(t, tt.reply)
			fallback := &fakeFallback{}
			var logs bytes.Buffer
			a := MustOpenAI(t, m, fallback, func(c *OpenAIConfig) { c.Log = zerolog.New(&logs) })
			d, err := a.Decide(t.Context(), modelTestInput("Where is my order 42?"))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(m.Requests()); n != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", n, tt.wantAttempts)
			}
			if tt.wantFallback == "" {
				if d.Action != hub.ActionAnswer || d.Body != "Fine." || fallback.calls.Load() != 0 {
					t.Errorf("decision = %+v, want the model's answer", d)
				}
				return
			}
			if d.Body != "built-in answer" || d.Trace.Provider != "builtin" || d.Trace.Fallback != tt.wantFallback || fallback.calls.Load() != 1 {
				t.Errorf("decision = %+v, want the fallback's with Trace.Fallback %q", d, tt.wantFallback)
			}
			log := logs.String()
			if !strings.Contains(log, `"site":7`) || !strings.Contains(log, `"level":"warn"`) {
				t.Errorf("log = %s, want a warning with the site", log)
			}
			if strings.Contains(log, "sk-test-secret") || strings.Contains(log, "order 42") {
				t.Errorf("log = %s, has the key or the visitor's message", log)
			}
		})
	}
}

// modelBlocks is a model that answers nothing until the request
// ends, announcing each request on started.
func modelBlocks(started chan<- struct{}) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}
}

func TestOpenAITimeout(t *testing.T) {
	m := newFakeModelServer(t, modelBlocks(nil))
	fallback := &fakeFallback{}
	a := MustOpenAI(t, m, fallback, func(c *OpenAIConfig) { c.Timeout = 50 * time.Millisecond; c.MaxAttempts = 2 })
	d, err := a.Decide(t.Context(), modelTestInput("Hello?"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if d.Body != "built-in answer" || d.Trace.Fallback != "model timed out after 2 attempts" || fallback.calls.Load() != 1 {
		t.Errorf("decision = %+v, want the fallback's after a timeout", d)
	}
}

func TestOpenAICallerCancelled(t *testing.T) {
	// With one attempt there is no backoff to notice the cancellation: the
	// attempt itself must tell it from a failure of the model.
	for _, attempts := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d attempts", attempts), func(t *testing.T) {
			started := make(chan struct{}, 1)
			m := newFakeModelServer(t, modelBlocks(started))
			fallback := &fakeFallback{}
			a := MustOpenAI(t, m, fallback, func(c *OpenAIConfig) { c.MaxAttempts = attempts })
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				<-started
				cancel()
			}()
			d, err := a.Decide(ctx, modelTestInput("Hello?"))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if fallback.calls.Load() != 0 || d.Action != "" {
				t.Errorf("decision = %+v, fallback asked %d times; want neither", d, fallback.calls.Load())
			}
		})
	}
}

func TestOpenAICallerCancelledDuringBackoff(t *testing.T) {
	m := newFakeModelServer(t, modelStatus(503))
	fallback := &fakeFallback{}
	a := MustOpenAI(t, m, fallback, func(c *OpenAIConfig) { c.Backoff = time.Hour })
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := a.Decide(ctx, modelTestInput("Hello?")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if fallback.calls.Load() != 0 || len(m.Requests()) != 1 {
		t.Errorf("fallback asked %d times after %d requests; want 0 after 1", fallback.calls.Load(), len(m.Requests()))
	}
}

func TestOpenAIConfig(t *testing.T) {
	if _, err := NewOpenAI(OpenAIConfig{Fallback: &fakeFallback{}}); err == nil {
		t.Error("no error without a model")
	}
	if _, err := NewOpenAI(OpenAIConfig{Model: "m"}); err == nil {
		t.Error("no error without a fallback")
	}
	if _, err := NewOpenAI(OpenAIConfig{Model: "m", Fallback: &fakeFallback{}, BaseURL: "ftp://x"}); err == nil {
		t.Error("no error with an ftp base URL")
	}
	a, err := NewOpenAI(OpenAIConfig{Model: "m", Fallback: &fakeFallback{}})
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.BaseURL != DefaultBaseURL || a.cfg.Timeout != DefaultTimeout || a.cfg.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults = %+v", a.cfg)
	}
	for attempt := 1; attempt < 10; attempt++ {
		want := min(DefaultBackoff<<(attempt-1), modelMaxBackoff)
		if d := a.backoff(attempt); d < want/2 || d > want {
			t.Errorf("backoff(%d) = %v, want %v to %v", attempt, d, want/2, want)
		}
	}
}
