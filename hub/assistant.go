package hub

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Assistant decides what the assistant does next in a conversation it
// owns. Implementations: the built-in knowledge-base assistant and an
// OpenAI-compatible model with the built-in one as its fallback
// (hub/assistant). Decide must not write anything: the Service applies the
// decision in one transaction, so a retried or repeated run changes
// nothing twice.
type Assistant interface {
	Decide(ctx context.Context, in AssistantInput) (Decision, error)
}

// AssistantInput is what the assistant knows when it decides.
type AssistantInput struct {
	Site         *Site
	Conversation *Conversation
	Visitor      *Visitor
	// Messages are the conversation's messages from its context start on,
	// oldest first, without internal notes; the newest visitor message is
	// the one to answer.
	Messages []*Message
	// Locale is the language to fall back on when the visitor's cannot be
	// told: the visitor's browser, else the site's default ("en" or "ru").
	Locale string
	// Tickets says the assistant may hand off with a ticket (TicketsOn:
	// the site's tickets are on and the workspace's plan includes them);
	// otherwise it says it cannot hand off here.
	Tickets bool
}

// LastVisitorMessage returns the newest visitor message of in, nil if none.
func (in AssistantInput) LastVisitorMessage() *Message {
	for i := len(in.Messages) - 1; i >= 0; i-- {
		if in.Messages[i].AuthorKind == AuthorVisitor {
			return in.Messages[i]
		}
	}
	return nil
}

// AssistantAction is what the assistant decided to do.
type AssistantAction string

// Assistant actions.
const (
	// ActionAnswer sends Body to the visitor.
	ActionAnswer AssistantAction = "answer"
	// ActionEscalate hands the conversation to the team: the Service asks
	// for the visitor's email (unless Email is already a valid one) and then
	// opens a ticket with Subject and Summary.
	ActionEscalate AssistantAction = "escalate"
	// ActionSilent sends nothing; the trace says why.
	ActionSilent AssistantAction = "silent"
)

// Decision is the assistant's choice and how it came to it.
type Decision struct {
	Action AssistantAction
	// Body is the answer (ActionAnswer), or what to say before asking for
	// the email (ActionEscalate, optional).
	Body string
	// StatusType is StatusMatchedContent for answers taken from the
	// knowledge base, StatusGeneratedContent for written ones.
	StatusType string
	// Escalations: why, a subject for the ticket, a summary of the issue,
	// and the visitor's email when the assistant already has one.
	Reason  string
	Subject string
	Summary string
	Email   string
	Trace   DecisionTrace
}

// DecisionTrace records how an assistant message was produced; it is kept
// with the message (or with an internal note when nothing was sent) for the
// dashboard's diagnostics and the AI-response review.
type DecisionTrace struct {
	// Language is the detected language of the visitor's message: "en",
	// "ru", or "" when it could not be told.
	Language string `json:"language"`
	// Provider is "builtin" or "model:<name>".
	Provider string `json:"provider"`
	// Fallback says why a model's answer was replaced by the built-in one.
	Fallback string     `json:"fallback,omitempty"`
	Tools    []ToolUse  `json:"tools,omitempty"`
	Sources  []KBSource `json:"sources,omitempty"`
	// AnswerSource is "knowledge_base", "model", "both" or "" (nothing).
	AnswerSource string `json:"answer_source,omitempty"`
	// Intent is what the assistant recognised it cannot do, if anything:
	// refund, account_change, order_details, subscription, billing_dispute,
	// exception, technical, complaint or human.
	Intent string `json:"intent,omitempty"`
	// Decision is the final decision in words, for example "answered from
	// the knowledge base" or "nothing sent: no relevant sources".
	Decision string `json:"decision"`
}

// ToolUse is one tool the assistant called and what came of it.
type ToolUse struct {
	Name   string `json:"name"`
	Input  string `json:"input,omitempty"`
	Result string `json:"result,omitempty"`
}

// KBSource is a knowledge-base entry the assistant considered.
type KBSource struct {
	EntryID int64   `json:"entry_id"`
	Title   string  `json:"title"`
	Score   float64 `json:"score"`
	// Lexical and Semantic are, on the model path, the entry's score in
	// each ranking that was fused into Score (hub/assistant's fuse): the
	// share of the question's words found in it (0 to 1), and the cosine
	// similarity of its embedding to the question's (-1 to 1). 0, and left
	// out, when that ranking did not hold the entry or did not run.
	Lexical  float64 `json:"lexical,omitempty"`
	Semantic float64 `json:"semantic,omitempty"`
	Used     bool    `json:"used"`
	// Terms are the question's words as weighed against the entry: what
	// the score was made of (docs/assistant.md, "The trace").
	Terms []KBTerm `json:"terms,omitempty"`
}

// KBTerm is one word of a visitor's question as the built-in assistant
// weighed it against a knowledge-base entry.
type KBTerm struct {
	Word string `json:"word"`
	// Weight is the word's share of the question, 0 to 1: rarer words
	// among the site's entries weigh more.
	Weight float64 `json:"weight"`
	// In is where the entry has it: "title" (the title or a phrasing),
	// "body", or "" (nowhere).
	In string `json:"in,omitempty"`
	// Via is how it was found: "word", "typo" or "synonym".
	Via string `json:"via,omitempty"`
}

// AIProvider is a site's own OpenAI-compatible model; empty fields take
// the node's defaults (PARLEY_AI_*). The key itself is never stored: KeyEnv
// names the environment variable that holds it (a _FILE variant works
// too), PARLEY_AI_KEY_<workspace id>_<NAME>, so that one workspace can
// never name (and send to a server of its choosing) another's key.
type AIProvider struct {
	BaseURL string `json:"base_url,omitempty"`
	Model   string `json:"model,omitempty"`
	KeyEnv  string `json:"key_env,omitempty"`
	// EmbeddingModel is the embedding model at BaseURL with which the
	// model assistant finds knowledge-base entries besides their words;
	// "" takes the node's (PARLEY_AI_EMBEDDING_MODEL), and with neither
	// the retrieval is lexical only.
	EmbeddingModel string `json:"embedding_model,omitempty"`
}

// Validate checks a site's provider settings.
func (p AIProvider) Validate() error {
	if p.BaseURL != "" {
		u, err := url.Parse(p.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Errorf(EInvalid, "AI base URL must be an http(s) URL, like https://api.openai.com/v1")
		}
	}
	if len(p.Model) > 200 {
		return Errorf(EInvalid, "AI model name is over 200 characters")
	}
	if len(p.EmbeddingModel) > 200 {
		return Errorf(EInvalid, "AI embedding model name is over 200 characters")
	}
	if p.KeyEnv != "" && (!strings.HasPrefix(p.KeyEnv, "PARLEY_AI_KEY_") || strings.ContainsAny(p.KeyEnv, " =\x00")) {
		return Errorf(EInvalid, "the key variable must be named PARLEY_AI_KEY_<workspace id>_<NAME>")
	}
	return nil
}

// ValidateFor checks the settings for a site of tenantID: Validate, and
// a key variable of that workspace (PARLEY_AI_KEY_<tenantID>_…).
func (p AIProvider) ValidateFor(tenantID int64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if prefix := fmt.Sprintf("PARLEY_AI_KEY_%d_", tenantID); p.KeyEnv != "" && (!strings.HasPrefix(p.KeyEnv, prefix) || p.KeyEnv == prefix) {
		return Errorf(EInvalid, "the key variable must be named %s<NAME>: a key belongs to one workspace", prefix)
	}
	return nil
}

// AssistantRunner runs the assistant on every node: Notify queues a
// conversation after a visitor's message (Service.AssistantNotify), and a
// sweep picks up work another node dropped (it died, or Redis lost the
// notification), so every visitor message gets its answer. One
// conversation runs on one worker at a time; RunAssistant's idempotency
// covers two nodes racing.
type AssistantRunner struct {
	Service   *Service
	Assistant Assistant
	Log       zerolog.Logger
	// Workers run conversations in parallel; 0 means 4.
	Workers int
	// SweepEvery is how often to look for dropped work; 0 means 10s.
	SweepEvery time.Duration
	// IdleFor is how long work must wait before a sweep takes it, so the
	// node that got the message goes first; 0 means 20s.
	IdleFor time.Duration
	// Timeout bounds one run; 0 means 90s.
	Timeout time.Duration

	once  sync.Once
	queue chan int64
	mu    sync.Mutex
	busy  map[int64]bool // running now
	again map[int64]bool // notified while running: run once more
}

func (r *AssistantRunner) init() {
	r.once.Do(func() {
		r.queue = make(chan int64, 1024)
		r.busy, r.again = map[int64]bool{}, map[int64]bool{}
	})
}

// Notify queues a conversation for the assistant. It never blocks: when
// the queue is full, the sweep finds the work later.
func (r *AssistantRunner) Notify(conversationID int64) {
	r.init()
	select {
	case r.queue <- conversationID:
	default:
		r.Log.Warn().Int64("conversation", conversationID).Msg("assistant queue full: the sweep will pick it up")
	}
}

// Run works until ctx is done.
func (r *AssistantRunner) Run(ctx context.Context) {
	r.init()
	var wg sync.WaitGroup
	for range cmp.Or(r.Workers, 4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-r.queue:
					r.runOne(ctx, id)
				}
			}
		}()
	}
	tick := time.NewTicker(cmp.Or(r.SweepEvery, 10*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
			r.sweep(ctx)
		}
	}
}

func (r *AssistantRunner) sweep(ctx context.Context) {
	idle := r.Service.now().Add(-cmp.Or(r.IdleFor, 20*time.Second))
	convs, err := r.Service.Store.FindPendingAssistantConversations(ctx, idle, 100)
	if err != nil {
		r.Log.Error().Err(err).Msg("assistant sweep")
		return
	}
	for _, c := range convs {
		r.Notify(c.ID)
	}
}

func (r *AssistantRunner) runOne(ctx context.Context, id int64) {
	r.mu.Lock()
	if r.busy[id] {
		r.again[id] = true
		r.mu.Unlock()
		return
	}
	r.busy[id] = true
	r.mu.Unlock()

	runCtx, cancel := context.WithTimeout(ctx, cmp.Or(r.Timeout, 90*time.Second))
	err := r.Service.RunAssistant(runCtx, r.Assistant, id)
	cancel()
	if err != nil && ctx.Err() == nil {
		r.Log.Error().Err(err).Int64("conversation", id).Msg("assistant run failed: the sweep retries it")
	}

	r.mu.Lock()
	delete(r.busy, id)
	again := r.again[id]
	delete(r.again, id)
	r.mu.Unlock()
	if again {
		r.Notify(id)
	}
}
