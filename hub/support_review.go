package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// "Mark response as unhelpful" in the dashboard (000 "How to report an AI
// response"): a four-step review of one assistant message that ends in a
// support ticket for the AI training team (QueueAIReview), On Customer,
// with a context report attached.

// Review verdicts: where the reviewer left steps 1 and 2.
const (
	VerdictInstructions   = "instructions"    // "It's the settings" → "It's the instructions"
	VerdictInstructionsOK = "instructions_ok" // "It's the settings" → "Instructions look fine →"
	VerdictOther          = "other"           // "The problem is something else →"
)

// ReviewCauses are the causes of 000's step 3, with their English labels
// (the report's language; the dashboard shows them translated).
var ReviewCauses = []struct{ Key, Label string }{
	{"inaccuracy", "Inaccuracy (made-up facts)"},
	{"misunderstood", "Misunderstood the question"},
	{"unused_knowledge", "Didn't use knowledge / tool"},
	{"tone", "Rude / inappropriate tone"},
	{"length", "Too long / too short"},
	{"other", "Other"},
}

func causeLabel(key string) (string, bool) {
	for _, c := range ReviewCauses {
		if c.Key == key {
			return c.Label, true
		}
	}
	return "", false
}

var verdictLabels = map[string]string{
	VerdictInstructions:   "It's the instructions",
	VerdictInstructionsOK: "Instructions look fine",
	VerdictOther:          "The problem is something else",
}

// AssistantTools are the tools Parley's assistant can call, for step 2.
var AssistantTools = []string{"knowledge_search", "collect_email", "create_ticket"}

// ReviewContext is what steps 1 and 2 show of one assistant message.
type ReviewContext struct {
	MessageID      int64  `json:"message_id"`
	ConversationID int64  `json:"conversation_id"`
	Question       string `json:"question"` // the visitor's message it answered
	Answer         string `json:"answer"`
	// Trace is nil when the automatic diagnostics are unavailable
	// ("Couldn't fetch automatic diagnostics…").
	Trace        *DecisionTrace `json:"trace"`
	Instructions string         `json:"instructions"`
	Tools        []string       `json:"tools"`
	SiteName     string         `json:"site_name"`
}

// Review is what the reviewer says in steps 1 to 3.
type Review struct {
	MessageID int64  `json:"message_id"`
	Verdict   string `json:"verdict"`
	Expected  string `json:"expected"` // "What should the response have been?"
	Cause     string `json:"cause"`
	Comments  string `json:"comments"`
}

func (r *Review) validate() error {
	r.Expected, r.Comments = strings.TrimSpace(r.Expected), strings.TrimSpace(r.Comments)
	if r.Cause == "" {
		r.Cause = "other"
	}
	if r.Verdict == "" {
		r.Verdict = VerdictOther
	}
	switch _, known := causeLabel(r.Cause); {
	case r.Expected == "":
		return Errorf(EInvalid, "say what the response should have been")
	case len(r.Expected) > 4000 || len(r.Comments) > 4000 || !utf8.ValidString(r.Expected+r.Comments):
		return Errorf(EInvalid, "the expected response and the comments must be text of at most 4000 bytes each")
	case !known:
		return Errorf(EInvalid, "cause must be inaccuracy, misunderstood, unused_knowledge, tone, length or other")
	case verdictLabels[r.Verdict] == "":
		return Errorf(EInvalid, "verdict must be instructions, instructions_ok or other")
	}
	return nil
}

// canReview allows any member of the workspace (not staff viewers).
func canReview(actor Actor) error {
	if err := actor.Person(); err != nil {
		return err
	}
	if !actor.IsMember() || actor.ReadOnly || actor.Staff {
		return Errorf(EForbidden, "only the workspace's members review its assistant's answers")
	}
	return nil
}

// ReviewContext gathers steps 1 and 2 for an assistant message of the
// actor's workspace; ENotFound for anything else.
func (s *Service) ReviewContext(ctx context.Context, actor Actor, messageID int64) (*ReviewContext, error) {
	if err := canReview(actor); err != nil {
		return nil, err
	}
	rc, _, err := s.reviewContext(ctx, actor, messageID)
	return rc, err
}

func (s *Service) reviewContext(ctx context.Context, actor Actor, messageID int64) (*ReviewContext, []*Message, error) {
	m, err := s.Store.FindMessageByID(ctx, messageID)
	if err != nil {
		return nil, nil, err
	}
	if m.TenantID != actor.TenantID || m.AuthorKind != AuthorAssistant || m.Internal {
		return nil, nil, Errorf(ENotFound, "assistant message not found")
	}
	conv, err := s.Store.FindConversationByID(ctx, m.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	site, err := s.Store.FindSiteByID(ctx, conv.SiteID)
	if err != nil {
		return nil, nil, err
	}
	// Notes stay in the workspace: the report goes to the platform's team.
	before, err := s.Store.FindMessages(ctx, MessageFilter{ConversationID: conv.ID, BeforeSeq: m.Seq + 1, VisitorView: true, Newest: true, Limit: 20})
	if err != nil {
		return nil, nil, err
	}
	rc := &ReviewContext{MessageID: m.ID, ConversationID: conv.ID, Answer: m.Body, Trace: m.Trace,
		Instructions: site.Instructions, Tools: AssistantTools, SiteName: site.Name}
	for i := len(before) - 1; i >= 0; i-- {
		if before[i].AuthorKind == AuthorVisitor {
			rc.Question = before[i].Body
			break
		}
	}
	return rc, before, nil
}

// ReviewReport is the context report attached to the review's ticket, as
// "📎 Open context report →" previews it.
func (s *Service) ReviewReport(ctx context.Context, actor Actor, r Review) (string, error) {
	if err := canReview(actor); err != nil {
		return "", err
	}
	if err := r.validate(); err != nil {
		return "", err
	}
	rc, transcript, err := s.reviewContext(ctx, actor, r.MessageID)
	if err != nil {
		return "", err
	}
	return reviewReport(rc, transcript, r, s.now()), nil
}

// SubmitReview opens the AI training team's ticket (step 4's Send): On
// Customer, its first message the summary, the context report attached.
func (s *Service) SubmitReview(ctx context.Context, actor Actor, r Review) (*SupportTicket, error) {
	report, err := s.ReviewReport(ctx, actor, r)
	if err != nil {
		return nil, err
	}
	cause, _ := causeLabel(r.Cause)
	body := fmt.Sprintf("Expected response: %s, Cause: %s", r.Expected, cause)
	if r.Comments != "" {
		body += "\n\nAdditional comments: " + r.Comments
	}
	sum := sha256.Sum256([]byte(report))
	file := &Attachment{Name: fmt.Sprintf("context-report-%d.txt", r.MessageID), ContentType: "text/plain; charset=utf-8",
		Size: int64(len(report)), SHA256: hex.EncodeToString(sum[:]), Data: []byte(report)}
	t, err := s.openSupportTicket(ctx, actor, supportRequest{queue: QueueAIReview, requestType: RequestReview,
		subject: reviewSubject(r.MessageID, r.Expected), body: body, status: TicketOnCustomer, file: file})
	if err != nil {
		return nil, err
	}
	v := supportView(t)
	return &v, nil
}

func reviewSubject(messageID int64, expected string) string {
	if r := []rune(expected); len(r) > 60 {
		expected = string(r[:60]) + "…"
	}
	return fmt.Sprintf("Unhelpful AI response #%d: %s", messageID, strings.Join(strings.Fields(expected), " "))
}

// reviewReport writes the context report: the agent's decision steps
// (000 step 1), the instructions and tools (step 2), the reviewer's
// answers (step 3) and the conversation up to the message.
func reviewReport(rc *ReviewContext, transcript []*Message, r Review, now time.Time) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Context report: unhelpful AI response")
	line("Generated: %s", now.UTC().Format(time.RFC3339))
	line("Site: %s", rc.SiteName)
	line("Conversation: %d, message: %d", rc.ConversationID, rc.MessageID)
	line("")
	line("== Automatic diagnostics ==")
	if t := rc.Trace; t != nil {
		lang := map[string]string{"en": "English", "ru": "Russian"}[t.Language]
		if lang == "" {
			lang = "not detected"
		}
		line("Message language: %s", lang)
		line("Provider: %s", t.Provider)
		if t.Fallback != "" {
			line("Fallback: %s", t.Fallback)
		}
		if len(t.Tools) == 0 {
			line("Tools used: none")
		}
		for _, tool := range t.Tools {
			line("Tool used: %s (input: %q, result: %q)", tool.Name, tool.Input, tool.Result)
		}
		for _, src := range t.Sources {
			used := ""
			if src.Used {
				used = ", used"
			}
			line("Knowledge base: %q (entry %d, score %.2f%s)", src.Title, src.EntryID, src.Score, used)
		}
		if len(t.Sources) == 0 {
			line("Knowledge base: nothing found")
		}
		source := map[string]string{"knowledge_base": "knowledge base", "model": "general knowledge (model)",
			"both": "knowledge base and general knowledge"}[t.AnswerSource]
		if source == "" {
			source = "none"
		}
		line("What the agent did: answered from %s", source)
		if t.Intent != "" {
			line("Recognised intent: %s", t.Intent)
		}
		line("Final decision: %s", t.Decision)
	} else {
		line("Couldn't fetch automatic diagnostics: no decision trace was stored for this message.")
	}
	line("")
	line("== Instructions and tools ==")
	line("Tools available: %s", strings.Join(rc.Tools, ", "))
	if rc.Instructions == "" {
		line("AI instructions: (none)")
	} else {
		line("AI instructions:\n%s", rc.Instructions)
	}
	line("")
	line("== Reviewer ==")
	cause, _ := causeLabel(r.Cause)
	line("Verdict: %s", verdictLabels[r.Verdict])
	line("Expected response: %s", r.Expected)
	line("Cause: %s", cause)
	if r.Comments != "" {
		line("Additional comments: %s", r.Comments)
	}
	line("")
	line("== Conversation up to the response ==")
	labels := map[AuthorKind]string{AuthorVisitor: "USER", AuthorAssistant: "ASSISTANT", AuthorAgent: "AGENT", AuthorSystem: "SYSTEM"}
	for _, m := range transcript {
		line("[%s] %s %s", m.CreatedAt.UTC().Format("2006-01-02 15:04:05"), labels[m.AuthorKind], m.Body)
	}
	return b.String()
}
