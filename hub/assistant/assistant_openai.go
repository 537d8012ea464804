package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/egress"
	"github.com/rs/zerolog"
)

// Defaults of an OpenAIConfig's zero fields.
const (
	DefaultBaseURL     = "https://api.openai.com/v1"
	DefaultTimeout     = 20 * time.Second
	DefaultMaxAttempts = 3
	DefaultBackoff     = 500 * time.Millisecond
)

const (
	// modelMaxEntries is how many knowledge-base entries go into the
	// prompt; modelMaxEntryRunes cuts each one so that one long article cannot
	// crowd out the conversation.
	modelMaxEntries    = 5
	modelMaxEntryRunes = 4000
	// modelMaxHistory is how many of the newest conversation messages the model
	// sees; older ones add cost and rarely change the answer.
	modelMaxHistory = 50
	// modelMaxBackoff caps the wait between attempts, whatever Backoff is.
	modelMaxBackoff = 8 * time.Second
	// modelMaxResponseBytes bounds what is read from a model server: a site's
	// own base URL points wherever its owner likes, and the SDK reads whole
	// bodies. A longer body is cut and then fails to parse: a fallback.
	modelMaxResponseBytes = 4 << 20
)

// The tools offered to the model. Calling either hands the conversation to
// the team (hub.ActionEscalate).
const (
	modelToolCollectEmail = "collect_email"
	modelToolCreateTicket = "create_ticket"
)

// modelIntents are the reasons the model may give for a hand-off; they are the
// values of hub.DecisionTrace.Intent.
var modelIntents = []string{"refund", "account_change", "order_details", "subscription",
	"billing_dispute", "exception", "technical", "complaint", "human"}

// OpenAIConfig configures an OpenAI assistant. Zero values of the optional
// fields are the documented defaults.
type OpenAIConfig struct {
	// BaseURL is the OpenAI-compatible API's root, the part before
	// /chat/completions; "" means DefaultBaseURL.
	BaseURL string
	// Model is the model's name; required.
	Model string
	// EmbeddingModel is the embedding model at BaseURL with which entries
	// are found by meaning besides their words (embedding.go); "" means
	// lexical retrieval only.
	EmbeddingModel string
	// APIKey is sent as a bearer token; "" sends none (local servers).
	APIKey string
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts per decision, the first included;
	// zero means DefaultMaxAttempts. Timeouts, network errors, 408, 429 and
	// 5xx are retried; other answers are not.
	MaxAttempts int
	// Backoff is the wait before the second attempt, doubled before each
	// further one (at most 8s), with jitter; zero means DefaultBackoff.
	Backoff time.Duration
	// Knowledge finds the site's knowledge-base entries for the prompt;
	// nil gives the model none.
	Knowledge hub.KnowledgeSearcher
	// Embeddings keeps the entries' embeddings of EmbeddingModel; nil
	// means lexical retrieval only.
	Embeddings hub.KnowledgeEmbeddingStore
	// Fallback decides when the model fails; required. It is normally the
	// built-in assistant, whose lexical search then finds the entries for
	// the prompt too; with another Fallback, Knowledge.SearchKnowledge
	// does.
	Fallback hub.Assistant
	// HTTPClient makes the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Log gets the failures, with the site's id; never keys or messages.
	Log zerolog.Logger
}

// OpenAI is an assistant backed by an OpenAI-compatible chat-completions
// API. It answers from the site's knowledge base and instructions, hands
// the conversation to the team through tool calls, and when the model
// cannot be used (timeouts, errors, malformed answers) returns its
// Fallback's decision instead, with Trace.Fallback saying why. It is safe
// for concurrent use.
type OpenAI struct {
	cfg OpenAIConfig
	// chat is the SDK's chat-completions service, built without
	// openai.NewClient on purpose: NewClient adds OPENAI_API_KEY,
	// OPENAI_ORG_ID and other ambient settings from the environment, which
	// must not reach a site's own base URL.
	chat openai.ChatCompletionService
	// embeddings is the SDK's embeddings service, built the same way.
	embeddings openai.EmbeddingService
	// lexical is the Fallback's search when it has one (the built-in
	// assistant's), else nil.
	lexical lexicalSearcher
}

var _ hub.Assistant = (*OpenAI)(nil)

// NewOpenAI returns an OpenAI assistant. It fails when Model or Fallback is
// missing or BaseURL is not an http(s) URL.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.Model == "" {
		return nil, errors.New("assistant: the model name is required")
	}
	if cfg.Fallback == nil {
		return nil, errors.New("assistant: a fallback assistant is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("assistant: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(cfg.HTTPClient),
		// Attempts, their timeouts and the backoff are ours (see complete):
		// the SDK does not retry an attempt that timed out, and a timed-out
		// attempt must be told from the caller's own cancellation.
		option.WithMaxRetries(0),
		option.WithMiddleware(limitModelResponse),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	a := &OpenAI{cfg: cfg, chat: openai.NewChatCompletionService(opts...), embeddings: openai.NewEmbeddingService(opts...)}
	a.lexical, _ = cfg.Fallback.(lexicalSearcher)
	return a, nil
}

// limitModelResponse cuts response bodies at modelMaxResponseBytes.
func limitModelResponse(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if res != nil && res.Body != nil {
		res.Body = limitedModelBody{Reader: io.LimitReader(res.Body, modelMaxResponseBytes), Closer: res.Body}
	}
	return res, err
}

type limitedModelBody struct {
	io.Reader
	io.Closer
}

// Decide asks the model what to do with the newest visitor message. The
// model sees Parley's rules, the site's instructions, up to five
// knowledge-base entries found with that message, and the conversation.
//
// The entries are found as the built-in assistant finds them, and by
// meaning with an EmbeddingModel (retrieve), or with only the store's
// full-text search when the Fallback is not the built-in assistant.
// Trace.Sources lists the entries given to the model, all Used, with Score
// 1/(rank+1) in the best ranking that holds them (fuse): the model, not a
// threshold, decides whether they answer the question.
//
// When the model fails after its attempts, Decide returns the Fallback's
// decision with Trace.Fallback set. When ctx ends first, it returns
// ctx.Err() and no decision: the caller gave up, so there is nobody to
// answer.
func (a *OpenAI) Decide(ctx context.Context, in hub.AssistantInput) (hub.Decision, error) {
	trace := hub.DecisionTrace{Provider: "model:" + a.cfg.Model}
	last := in.LastVisitorMessage()
	if last == nil || strings.TrimSpace(last.Body) == "" {
		trace.Decision = "nothing sent: no visitor message to answer"
		return hub.Decision{Action: hub.ActionSilent, Trace: trace}, nil
	}
	trace.Language = hub.DetectLanguage(last.Body, in.Locale)

	search := a.searchKnowledge
	if a.lexical != nil || (a.cfg.EmbeddingModel != "" && a.cfg.Embeddings != nil) {
		search = a.retrieve
	}
	entries, err := search(ctx, in, last.Body, &trace)
	if err != nil {
		return hub.Decision{}, err
	}
	res, n, fail, err := a.complete(ctx, a.params(in, entries))
	if err != nil {
		return hub.Decision{}, err
	}
	if fail == nil {
		var d hub.Decision
		if d, fail = modelDecision(res, entries, trace); fail == nil {
			return checkModelTicket(in, d), nil
		}
	}
	fail.attempts = n
	a.logFor(in).Warn().Err(fail.err).Int("attempts", fail.attempts).Str("fallback", fail.reason).
		Msg("assistant model failed, using the fallback")
	d, err := a.cfg.Fallback.Decide(ctx, in)
	if err != nil {
		return hub.Decision{}, err
	}
	d.Trace.Fallback = fail.reason
	return d, nil
}

func (a *OpenAI) logFor(in hub.AssistantInput) *zerolog.Logger {
	l := a.cfg.Log.With().Str("model", a.cfg.Model)
	if in.Site != nil {
		l = l.Int64("tenant", in.Site.TenantID).Int64("site", in.Site.ID)
	}
	if in.Conversation != nil {
		l = l.Int64("conversation", in.Conversation.ID)
	}
	log := l.Logger()
	return &log
}

// searchKnowledge finds the entries for the prompt and records the search
// in trace. A failed search leaves the model without entries rather than
// failing the decision; only the end of ctx is returned as an error.
func (a *OpenAI) searchKnowledge(ctx context.Context, in hub.AssistantInput, query string, trace *hub.DecisionTrace) ([]*hub.KnowledgeEntry, error) {
	if a.cfg.Knowledge == nil || in.Site == nil {
		return nil, nil
	}
	entries, err := a.cfg.Knowledge.SearchKnowledge(ctx, in.Site.ID, query, modelMaxEntries)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.logFor(in).Error().Err(err).Msg("assistant knowledge search failed")
		trace.Tools = append(trace.Tools, hub.ToolUse{Name: "knowledge_search", Input: query, Result: "search failed"})
		return nil, nil
	}
	if len(entries) > modelMaxEntries {
		entries = entries[:modelMaxEntries]
	}
	trace.Tools = append(trace.Tools, hub.ToolUse{Name: "knowledge_search", Input: query,
		Result: fmt.Sprintf("%d entries", len(entries))})
	for i, e := range entries {
		trace.Sources = append(trace.Sources, hub.KBSource{EntryID: e.ID, Title: e.Title,
			Score: 1 / float64(i+1), Used: true})
	}
	return entries, nil
}

// modelFailure is why the model's answer cannot be used.
type modelFailure struct {
	reason   string // for Trace.Fallback
	err      error  // for the log
	attempts int    // how many requests were made
}

// complete asks the model, retrying timeouts, network errors, 408, 429 and
// 5xx up to MaxAttempts with exponential backoff and jitter. It returns
// the completion and the number of attempts made, or why there is no
// completion, or ctx.Err() when the caller's context ended.
func (a *OpenAI) complete(ctx context.Context, params openai.ChatCompletionNewParams) (*openai.ChatCompletion, int, *modelFailure, error) {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
		var httpRes *http.Response
		res, err := a.chat.New(actx, params, option.WithResponseInto(&httpRes))
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if ctx.Err() != nil {
			return nil, attempt, nil, ctx.Err()
		}
		if err == nil {
			if len(res.Choices) == 0 {
				return nil, attempt, &modelFailure{reason: "model returned a malformed response", err: errors.New("no choices")}, nil
			}
			return res, attempt, nil, nil
		}

		var reason string
		retry := true
		var netErr net.Error
		switch {
		case timedOut || (errors.As(err, &netErr) && netErr.Timeout()):
			reason = fmt.Sprintf("model timed out after %s", attemptsText(attempt))
		case httpRes != nil && httpRes.StatusCode >= 400:
			code := httpRes.StatusCode
			reason = fmt.Sprintf("model error: %d", code)
			retry = code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
		case httpRes != nil:
			reason, retry = "model returned a malformed response", false
		case errors.Is(err, egress.ErrPrivateAddress):
			// The workspace's base URL leads into the server's own
			// networks: said without the address, and not retried.
			reason, retry = "model not called: its address is private, local or reserved", false
		default:
			reason = fmt.Sprintf("model unreachable after %s", attemptsText(attempt))
		}
		if !retry || attempt >= a.cfg.MaxAttempts {
			return nil, attempt, &modelFailure{reason: reason, err: err}, nil
		}
		if err := waitBackoff(ctx, a.backoff(attempt)); err != nil {
			return nil, attempt, nil, err
		}
	}
}

func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// backoff is the wait after the given attempt: Backoff doubled for each
// earlier attempt, at most modelMaxBackoff, less up to half of it at random
// so that nodes retrying together spread out.
func (a *OpenAI) backoff(attempt int) time.Duration {
	d := a.cfg.Backoff
	for i := 1; i < attempt && d < modelMaxBackoff; i++ {
		d *= 2
	}
	d = min(d, modelMaxBackoff)
	return d/2 + rand.N(d/2+1)
}

func waitBackoff(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// modelRules is the start of every system message; %s is the language to
// answer in when the visitor's cannot be told.
const modelRules = `You are the support assistant in the chat on this website. Follow these rules:
- Be concise: a few short sentences, plain text.
- Answer only from the knowledge base entries below, or with general courtesy (greetings, thanks). Never invent facts, prices, policies, links or promises.
- Reply in the visitor's language, the language of their latest message. If you cannot tell it, reply in %s.
- When you cannot help, call a tool instead of answering: collect_email if the visitor has not given their email in this chat, create_ticket if they have. Call one for: refunds and cancellations, account changes, order and account details, subscription changes, billing disputes, special requests and exceptions, technical issues that need investigation, complaints, and whenever the visitor asks for a human.
- If the knowledge base does not answer a question, say so briefly and offer to pass it to the team; call a tool if the visitor wants that.
- Never tell the visitor to email support or to contact the company elsewhere: the tools hand this chat to the team.
- Lines starting with [Agent ...] were written by the site's team, lines starting with [Notice] by the chat system.
- Follow the site owner's instructions below unless they contradict these rules.`

// params builds the request: one system message (some OpenAI-compatible
// servers accept no other system message than the first) with the rules,
// the site's instructions and the knowledge-base entries, then the
// conversation.
func (a *OpenAI) params(in hub.AssistantInput, entries []*hub.KnowledgeEntry) openai.ChatCompletionNewParams {
	var sys strings.Builder
	fmt.Fprintf(&sys, modelRules, modelLocaleName(in.Locale))
	if in.Site != nil && strings.TrimSpace(in.Site.Instructions) != "" {
		sys.WriteString("\n\nThe site owner's instructions:\n")
		sys.WriteString(strings.TrimSpace(in.Site.Instructions))
	}
	if len(entries) == 0 {
		sys.WriteString("\n\nKnowledge base: nothing matches the visitor's latest message.")
	} else {
		sys.WriteString("\n\nKnowledge base entries, most relevant first:")
		for i, e := range entries {
			fmt.Fprintf(&sys, "\n\n[%d] %s\n%s", i+1, strings.TrimSpace(e.Title), modelCut(strings.TrimSpace(e.Body), modelMaxEntryRunes))
		}
	}

	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(sys.String())}
	history := in.Messages
	if len(history) > modelMaxHistory {
		history = history[len(history)-modelMaxHistory:]
	}
	for _, m := range history {
		body := strings.TrimSpace(m.Body)
		if body == "" && m.Attachment != nil {
			body = "(sent a file: " + m.Attachment.Name + ")"
		}
		if body == "" || m.Internal {
			continue
		}
		switch m.AuthorKind {
		case hub.AuthorVisitor:
			msgs = append(msgs, openai.UserMessage(body))
		case hub.AuthorAssistant:
			msgs = append(msgs, openai.AssistantMessage(body))
		case hub.AuthorAgent:
			name := "Agent"
			if m.AuthorName != "" {
				name += " " + m.AuthorName
			}
			msgs = append(msgs, openai.AssistantMessage("["+name+"] "+body))
		case hub.AuthorSystem:
			msgs = append(msgs, openai.AssistantMessage("[Notice] "+body))
		}
	}
	return openai.ChatCompletionNewParams{
		Model:    shared.ChatModel(a.cfg.Model),
		Messages: msgs,
		Tools:    modelTools(teamLanguage(in.Site)),
	}
}

// modelTools are the hand-off tools offered to the model; the ticket's
// subject and summary are asked for in the team's language teamLang
// (teamLanguage), with the facts as the visitor gave them.
func modelTools(teamLang string) []openai.ChatCompletionToolUnionParam {
	team := modelLocaleName(teamLang)
	field := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	reason := map[string]any{"type": "string", "enum": modelIntents,
		"description": "why the team is needed: refund (refunds and cancellations), account_change, order_details (order and account details), subscription (subscription changes), billing_dispute, exception (special requests), technical (issues needing investigation), complaint, human (the visitor asked for a person)"}
	subject := field("a short subject for the ticket, in " + team + ": the need and the key facts the visitor gave " +
		"(order number, amount, date), like \"Refund request: order #4411, €49.90\"; never a number the visitor did not give")
	summary := field("for the team, in " + team + ", two or three sentences: what the visitor asked, the facts they gave, " +
		"and what you already answered; never a number the visitor did not give")
	return []openai.ChatCompletionToolUnionParam{
		openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:        modelToolCollectEmail,
			Description: openai.String("The visitor needs the team: ask for their email, then a ticket is created. Use it when the visitor has not given their email in this chat."),
			Parameters: shared.FunctionParameters{
				"type":       "object",
				"properties": map[string]any{"reason": reason, "subject": subject, "summary": summary},
				"required":   []string{"reason", "subject", "summary"},
			},
		}),
		openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:        modelToolCreateTicket,
			Description: openai.String("The visitor needs the team and already gave their email in this chat: create a ticket for it."),
			Parameters: shared.FunctionParameters{
				"type": "object",
				"properties": map[string]any{"email": field("the email the visitor gave in this chat"),
					"reason": reason, "subject": subject, "summary": summary},
				"required": []string{"email", "reason", "subject", "summary"},
			},
		}),
	}
}

// modelToolArgs are the arguments of both tools.
type modelToolArgs struct {
	Email   string `json:"email"`
	Reason  string `json:"reason"`
	Subject string `json:"subject"`
	Summary string `json:"summary"`
}

// modelDecision turns the model's reply into a decision: a hand-off tool call
// escalates (the first one wins; all are traced) with the subject and
// summary the model wrote, which Decide then checks (checkModelTicket),
// plain content answers, nothing is silence. Invalid tool arguments or an unknown tool are a
// failure: the model's reply cannot be trusted.
func modelDecision(res *openai.ChatCompletion, entries []*hub.KnowledgeEntry, trace hub.DecisionTrace) (hub.Decision, *modelFailure) {
	msg := res.Choices[0].Message
	content := strings.TrimSpace(msg.Content)
	var esc *hub.Decision
	for _, call := range msg.ToolCalls {
		name := call.Function.Name
		if name != modelToolCollectEmail && name != modelToolCreateTicket {
			return hub.Decision{}, &modelFailure{reason: "model called an unknown tool", err: fmt.Errorf("unknown tool %q", name)}
		}
		var args modelToolArgs
		if err := json.Unmarshal([]byte(call.Function.Arguments), &args); err != nil {
			return hub.Decision{}, &modelFailure{reason: "model returned invalid tool arguments", err: fmt.Errorf("%s arguments: %w", name, err)}
		}
		use := hub.ToolUse{Name: name, Input: call.Function.Arguments, Result: "ignored: the conversation was already handed off"}
		if esc == nil {
			esc = &hub.Decision{Action: hub.ActionEscalate, Body: content, Reason: strings.TrimSpace(args.Reason),
				Subject: strings.TrimSpace(args.Subject), Summary: strings.TrimSpace(args.Summary)}
			use.Result = "handed to the team: ask for the visitor's email"
			trace.Decision = "handed to the team: the model asked for the visitor's email"
			if name == modelToolCreateTicket {
				esc.Email = strings.TrimSpace(args.Email)
				use.Result = "handed to the team: open a ticket"
				trace.Decision = "handed to the team: the model asked for a ticket with the visitor's email"
			}
			if slices.Contains(modelIntents, esc.Reason) {
				trace.Intent = esc.Reason
			}
		}
		trace.Tools = append(trace.Tools, use)
	}
	if esc != nil {
		esc.Trace = trace
		return *esc, nil
	}
	if content == "" {
		trace.Decision = "nothing sent: the model returned nothing"
		return hub.Decision{Action: hub.ActionSilent, Trace: trace}, nil
	}
	trace.AnswerSource, trace.Decision = "model", "answered by the model"
	if len(entries) > 0 {
		trace.AnswerSource, trace.Decision = "both", "answered by the model from the knowledge base"
	}
	return hub.Decision{Action: hub.ActionAnswer, Body: content, StatusType: hub.StatusGeneratedContent, Trace: trace}, nil
}

// modelLocaleName names the language of a locale ("ru", "ru-RU", "en_GB",
// "") for the prompt: Russian or English, the languages Parley speaks.
func modelLocaleName(locale string) string {
	if l := strings.ToLower(strings.TrimSpace(locale)); l == "ru" || strings.HasPrefix(l, "ru-") || strings.HasPrefix(l, "ru_") {
		return "Russian"
	}
	return "English"
}

// modelCut shortens s to its first n runes and an ellipsis.
func modelCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
