package hub

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HandoffState is a conversation's place in the hand-off state machine:
//
//	assistant → awaiting_email → ticket_open → human
//
// The assistant answers in assistant; collects and checks the visitor's
// email in awaiting_email; stays silent in ticket_open and human. An
// agent's reply moves any state to human. A resolved conversation the
// visitor starts again returns to assistant with a clean context.
type HandoffState string

// Hand-off states.
const (
	HandoffAssistant     HandoffState = "assistant"
	HandoffAwaitingEmail HandoffState = "awaiting_email"
	HandoffTicketOpen    HandoffState = "ticket_open"
	HandoffHuman         HandoffState = "human"
)

// HandedOff reports whether the assistant no longer answers alone in s:
// it waits for the visitor's email, or a ticket or a person has the
// conversation. A conversation that was ever handed off is not resolved by
// the assistant (hub/report.go, AssistantResolved); the stores remember that
// it was (handed_off), whatever state it returns to.
func (s HandoffState) HandedOff() bool {
	return s == HandoffAwaitingEmail || s == HandoffTicketOpen || s == HandoffHuman
}

// HandoffSettings are a site's rules for handing conversations to the team.
type HandoffSettings struct {
	// Disabled keeps every conversation with the assistant: it says it
	// cannot help with that here instead of escalating.
	Disabled bool `json:"disabled,omitempty"`
	// OutOfHoursMessage is told to a visitor whose ticket opens outside
	// Hours; empty: a default text.
	OutOfHoursMessage string `json:"out_of_hours_message,omitempty"`
	// Hours are the team's working hours; zero: always in hours.
	Hours BusinessHours `json:"hours"`
}

// BusinessHours are working hours in a time zone, the same every working day.
type BusinessHours struct {
	TimeZone string `json:"time_zone,omitempty"` // IANA name, like Europe/Moscow
	Start    string `json:"start,omitempty"`     // "09:00"
	End      string `json:"end,omitempty"`       // "18:00"
	// Days are the working weekdays, 0 = Sunday; empty: Monday to Friday.
	Days []time.Weekday `json:"days,omitempty"`
}

// Validate checks hand-off settings before they are saved.
func (h HandoffSettings) Validate() error {
	if utf8.RuneCountInString(h.OutOfHoursMessage) > 1000 {
		return Errorf(EInvalid, "the out-of-hours message is over 1000 characters")
	}
	b := h.Hours
	if b.TimeZone == "" && b.Start == "" && b.End == "" && len(b.Days) == 0 {
		return nil
	}
	if _, err := time.LoadLocation(b.TimeZone); err != nil || b.TimeZone == "" {
		return Errorf(EInvalid, "time zone %q is not a known IANA zone, like Europe/Moscow", b.TimeZone)
	}
	start, ok1 := clockMinutes(b.Start)
	end, ok2 := clockMinutes(b.End)
	if !ok1 || !ok2 || start >= end {
		return Errorf(EInvalid, "working hours must be HH:MM to a later HH:MM")
	}
	for _, d := range b.Days {
		if d < time.Sunday || d > time.Saturday {
			return Errorf(EInvalid, "working days are 0 (Sunday) to 6 (Saturday)")
		}
	}
	return nil
}

// InHours reports whether t falls in the working hours; without hours set,
// always.
func (b BusinessHours) InHours(t time.Time) bool {
	if b.TimeZone == "" {
		return true
	}
	loc, err := time.LoadLocation(b.TimeZone)
	start, ok1 := clockMinutes(b.Start)
	end, ok2 := clockMinutes(b.End)
	if err != nil || !ok1 || !ok2 {
		return true
	}
	t = t.In(loc)
	days := b.Days
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	working := false
	for _, d := range days {
		working = working || d == t.Weekday()
	}
	m := t.Hour()*60 + t.Minute()
	return working && m >= start && m < end
}

// clockMinutes parses "HH:MM" into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}

// assistantPending reports whether the assistant has a visitor message to
// handle.
func (c *Conversation) assistantPending() bool {
	return c.VisitorSeq > c.AssistantSeq && (c.Handoff == HandoffAssistant || c.Handoff == HandoffAwaitingEmail)
}

// restartWithAssistant hands a conversation that starts again at seq back
// to the assistant, which reads it from seq on.
func (c *Conversation) restartWithAssistant(seq int64) {
	c.Handoff, c.Owner, c.HandoffReason = HandoffAssistant, OwnerAssistant, ""
	c.ContextSeq, c.AssistantSeq = seq, seq-1
	c.EscalationSubject, c.EscalationSummary = "", ""
}

// assistantContext is how many of the newest messages the assistant reads.
const assistantContext = 50

// RunAssistant lets a decide on the conversation's unhandled visitor
// messages and applies the decision in one transaction: the reply, the
// hand-off state, and the ticket. It is idempotent: a run that finds the
// work done, by an earlier run or another node, or a human in charge,
// changes nothing, so exactly one reply and at most one ticket come of
// each visitor message however often it runs.
//
// The assistant answers only while the site's chat is open to the visitor
// (the gates, assistantGate): in a closed chat it sends nothing and says
// so in an internal note, which also marks the message handled, so that
// the sweep does not take it up again and again
// (TestAssistantSilentWhileChatClosed). A hand-off needs tickets
// (TicketsOn); without them the assistant says it cannot hand off here.
func (s *Service) RunAssistant(ctx context.Context, a Assistant, conversationID int64) error {
	conv, err := s.Store.FindConversationByID(ctx, conversationID)
	if err != nil || !conv.assistantPending() {
		return err
	}
	target, from := conv.VisitorSeq, conv.Handoff
	site, err := s.Store.FindSiteByID(ctx, conv.SiteID)
	if err != nil {
		return err
	}
	tenant, err := s.Store.FindTenantByID(ctx, conv.TenantID)
	if err != nil {
		return err
	}
	visitor, err := s.Store.FindVisitorByID(ctx, conv.VisitorID)
	if err != nil {
		return err
	}
	if reason := assistantGate(site, tenant, visitor); reason != "" {
		return s.applyPlan(ctx, conv.ID, target, from, closedPlan(from, reason))
	}
	if !site.AssistantEnabled {
		// No assistant on this site: the team answers.
		return s.applyPlan(ctx, conv.ID, target, from, assistantPlan{state: HandoffHuman, reason: "the assistant is off for this site",
			trace: DecisionTrace{Decision: "nothing sent: the assistant is off for this site"}})
	}
	msgs, err := s.Store.FindMessages(ctx, MessageFilter{ConversationID: conv.ID, AfterSeq: max(conv.ContextSeq-1, 0),
		VisitorView: true, Newest: true, Limit: assistantContext})
	if err != nil {
		return err
	}
	in := AssistantInput{Site: site, Conversation: conv, Visitor: visitor, Messages: msgs, Locale: localeOf(visitor, site),
		Tickets: TicketsOn(site, tenant)}
	s.assistantTyping(ctx, conv, true)
	var p assistantPlan
	if from == HandoffAwaitingEmail {
		p, err = s.planEmailStep(ctx, a, in)
	} else {
		var d Decision
		if d, err = a.Decide(ctx, in); err == nil {
			p = s.planDecision(in, d)
		}
	}
	if err == nil {
		err = s.applyPlan(ctx, conv.ID, target, from, p)
	}
	if err != nil || p.reply == nil || p.reply.Internal {
		s.assistantTyping(ctx, conv, false)
	}
	return err
}

// assistantPlan is what a run will write.
type assistantPlan struct {
	state HandoffState
	// reply is the assistant's message; an internal note when it sends
	// nothing to the visitor.
	reply *Message
	// Escalation: why, and what the ticket will say.
	reason, subject, summary string
	// email opens the ticket for this requester; the reply then confirms it.
	email string
	lang  string
	trace DecisionTrace
}

// planDecision turns the assistant's decision into a plan, in the
// assistant state.
func (s *Service) planDecision(in AssistantInput, d Decision) assistantPlan {
	lang := d.Trace.Language
	if lang == "" {
		lang = DetectLanguage(lastVisitorText(in), in.Locale)
	}
	p := assistantPlan{state: HandoffAssistant, lang: lang, trace: d.Trace}
	switch {
	case d.Action == ActionAnswer && strings.TrimSpace(d.Body) != "":
		status := d.StatusType
		if status != StatusMatchedContent {
			status = StatusGeneratedContent
		}
		p.reply = &Message{Body: d.Body, StatusType: status}
	case d.Action == ActionEscalate:
		p.reason, p.subject, p.summary = d.Reason, d.Subject, d.Summary
		h := in.Site.Handoff
		switch email := normalizeEmail(d.Email); {
		case h.Disabled || !in.Tickets:
			// The lead-in (d.Body) says what the team will do, which
			// will not happen here: only the apology is sent.
			p.trace.Decision = joinText(d.Trace.Decision, "; ", "hand-off is off: stayed with the assistant")
			p.reply = &Message{Body: text(lang, textHandoffOff), StatusType: StatusGeneratedContent}
		case validEmail(email):
			p.state, p.email = HandoffTicketOpen, email
			p.reply = &Message{StatusType: StatusGeneratedContent} // the confirmation, written with the ticket
		default:
			p.state = HandoffAwaitingEmail
			p.trace.Decision = joinText(d.Trace.Decision, "; ", "asked for the email")
			p.reply = &Message{Body: joinText(d.Body, " ", text(lang, textAskEmail)), StatusType: StatusGeneratedContent, Prompt: PromptEmail}
		}
	default:
		decision := d.Trace.Decision
		if decision == "" {
			decision = "nothing sent"
		}
		p.trace.Decision = decision
		p.reply = &Message{Body: "Nothing was sent to the visitor: " + strings.TrimPrefix(decision, "nothing sent: "), Internal: true}
	}
	return p
}

// planEmailStep handles a visitor's message while the assistant waits for
// their email: a valid address opens the ticket; something that was meant
// as an address but is not one is asked for again, politely; anything else
// is a new question for the assistant.
func (s *Service) planEmailStep(ctx context.Context, a Assistant, in AssistantInput) (assistantPlan, error) {
	last := lastVisitorText(in)
	lang := DetectLanguage(last, in.Locale)
	conv := in.Conversation
	tool := ToolUse{Name: "collect_email"}
	email, attempted := findEmail(last)
	if email != "" || attempted {
		p := assistantPlan{lang: lang, trace: DecisionTrace{Language: lang, Provider: "builtin"}}
		p.keep(conv)
		if email != "" {
			tool.Input, tool.Result = email, "valid"
			p.state, p.email = HandoffTicketOpen, email
			p.reply = &Message{StatusType: StatusGeneratedContent} // the confirmation, written with the ticket
		} else {
			tool.Input, tool.Result = attemptedEmail(last), "invalid"
			p.state, p.trace.Decision = HandoffAwaitingEmail, "asked again: the email is not valid"
			p.reply = &Message{Body: fmt.Sprintf(text(lang, textInvalidEmail), tool.Input), StatusType: StatusGeneratedContent, Prompt: PromptEmail}
		}
		p.trace.Tools = []ToolUse{tool}
		return p, nil
	}
	d, err := a.Decide(ctx, in)
	if err != nil {
		return assistantPlan{}, err
	}
	p := s.planDecision(in, d)
	if d.Action == ActionSilent {
		p.state = HandoffAwaitingEmail // still waiting for the address
	}
	if p.state == HandoffAwaitingEmail && (conv.EscalationSubject != "" || d.Action == ActionSilent) {
		p.keep(conv) // still the same escalation: keep what the ticket will say
	}
	return p, nil
}

// keep carries the escalation being collected into p.
func (p *assistantPlan) keep(c *Conversation) {
	p.reason, p.subject, p.summary = c.HandoffReason, c.EscalationSubject, c.EscalationSummary
}

// assistantGate returns why the assistant may not answer visitor in a
// conversation of site (a workspace t site): the chat is closed to
// everybody (the plan lacks the widget, it is removed or paused), or the
// site is verified-only and the visitor unverified (visitors have an
// external id only once their site verified it). "" when it may.
func assistantGate(site *Site, t *Tenant, visitor *Visitor) string {
	g := GateOf(site, t)
	if r := g.Closed(); r != "" {
		return r
	}
	if g.VerifiedOnly && visitor.ExternalID == "" {
		return ReasonVerifiedOnly
	}
	return ""
}

// closedPlan is a run's plan in a closed chat: nothing to the visitor, an
// internal note for the team, the hand-off state as it was.
func closedPlan(from HandoffState, reason string) assistantPlan {
	decision := "nothing sent: the chat is closed on this site (" + reason + ")"
	return assistantPlan{state: from, trace: DecisionTrace{Decision: decision},
		reply: &Message{Body: "Nothing was sent to the visitor: the chat is closed on this site (" + reason + ").", Internal: true}}
}

// applyPlan writes p in one transaction, unless the work is done already
// (AssistantSeq reached target) or the state moved on since the run read
// it (a human took over, another run got there first). A chat that closed
// while the assistant worked gets closedPlan instead of p.
func (s *Service) applyPlan(ctx context.Context, conversationID, target int64, from HandoffState, planned assistantPlan) error {
	var o outbox
	// closed is the conversation when the chat closed meanwhile: the
	// typing indicator the run showed is taken back.
	var closed *Conversation
	err := s.tx(ctx, func(q Queries) error {
		o, closed = outbox{}, nil
		p := planned // each attempt starts from the run's plan
		c, err := q.LockConversation(ctx, conversationID)
		if err != nil {
			return err
		}
		if c.AssistantSeq >= target || c.Handoff != from {
			return nil
		}
		if c.Status == ConversationClosed {
			// Closed while the assistant worked: nothing more is said in
			// it, and the work is done.
			c.AssistantSeq = target
			return stale(q.UpdateConversation(ctx, c))
		}
		if p.reply != nil && !p.reply.Internal {
			reason, err := s.assistantGateNow(ctx, q, c)
			if err != nil {
				return err
			}
			if reason != "" {
				p, closed = closedPlan(from, reason), c
			}
		}
		now := s.now()
		actor := Actor{Kind: ActorAssistant, TenantID: c.TenantID}
		c.AssistantSeq = target
		if p.state != from {
			if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: c.TenantID, ActorKind: ActorAssistant,
				Action: "conversation.handoff", Subject: fmt.Sprintf("conversation:%d", c.ID),
				Data: mustJSON(map[string]string{"from": string(from), "to": string(p.state), "reason": p.reason}), CreatedAt: now}); err != nil {
				return err
			}
		}
		c.Handoff = p.state
		switch p.state {
		case HandoffAssistant:
			c.HandoffReason, c.EscalationSubject, c.EscalationSummary = "", "", ""
		case HandoffAwaitingEmail, HandoffTicketOpen:
			c.HandoffReason, c.EscalationSubject, c.EscalationSummary = p.reason, p.subject, p.summary
		case HandoffHuman:
			c.Owner, c.HandoffReason = OwnerHuman, p.reason
		}
		reply := p.reply
		if p.email != "" {
			if err := rememberEmail(ctx, q, c.VisitorID, p.email); err != nil {
				return err
			}
			in := NewTicket{ConversationID: c.ID, SiteID: c.SiteID, Subject: ticketSubjectFrom(p.subject, c), Summary: p.summary,
				RequesterEmail: p.email}
			if err := in.validate(actor); err != nil {
				return err
			}
			t, _, err := s.openTicket(ctx, q, actor, in, c, &o)
			if err != nil {
				return err
			}
			c.Handoff = HandoffTicketOpen
			site, err := q.FindSiteByID(ctx, c.SiteID)
			if err != nil {
				return err
			}
			body := fmt.Sprintf(text(p.lang, textTicketCreated), t.Ref(), p.email)
			if !site.Handoff.Hours.InHours(now) {
				body = joinText(body, " ", cmp.Or(site.Handoff.OutOfHoursMessage, text(p.lang, textOutOfHours)))
			}
			reply = &Message{Body: body, StatusType: StatusGeneratedContent}
			p.trace.Decision = joinText(p.trace.Decision, "; ", "ticket "+t.Ref()+" created")
		}
		if reply != nil {
			trace := p.trace
			m := &Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: AuthorAssistant, Body: reply.Body,
				StatusType: reply.StatusType, Prompt: reply.Prompt, Internal: reply.Internal, Trace: &trace, CreatedAt: now}
			if err := s.appendMessage(ctx, q, c, m); err != nil {
				return err
			}
			o.message(c, m)
		}
		if err := stale(q.UpdateConversation(ctx, c)); err != nil {
			return err
		}
		o.conversation(c)
		return nil
	})
	if err != nil {
		return err
	}
	s.publish(ctx, &o)
	if closed != nil {
		s.assistantTyping(ctx, closed, false)
	}
	return nil
}

// assistantGateNow is assistantGate read inside a transaction.
func (s *Service) assistantGateNow(ctx context.Context, q Queries, c *Conversation) (string, error) {
	site, err := q.FindSiteByID(ctx, c.SiteID)
	if err != nil {
		return "", err
	}
	t, err := q.FindTenantByID(ctx, c.TenantID)
	if err != nil {
		return "", err
	}
	v, err := q.FindVisitorByID(ctx, c.VisitorID)
	if err != nil {
		return "", err
	}
	return assistantGate(site, t, v), nil
}

// assistantTyping shows the assistant working (ANALYZING) to the visitor
// and the agents, or stops showing it.
func (s *Service) assistantTyping(ctx context.Context, c *Conversation, on bool) {
	var o outbox
	status := ""
	if on {
		status = StatusAnalyzing
	}
	o.add(Event{Type: EventTyping, TenantID: c.TenantID, ConversationID: c.ID,
		Data: mustJSON(TypingData{ConversationID: c.ID, AuthorKind: AuthorAssistant, Typing: on, StatusType: status})},
		TopicConversation(c.ID), TopicVisitor(c.VisitorID))
	s.publish(ctx, &o)
}

// ticketSubjectFrom is the assistant's subject, else one made up.
func ticketSubjectFrom(subject string, c *Conversation) string {
	subject = strings.TrimSpace(subject)
	if r := []rune(subject); len(r) > 200 {
		subject = string(r[:200])
	}
	if subject == "" {
		subject = fmt.Sprintf("Chat %d", c.ID)
	}
	return subject
}

func lastVisitorText(in AssistantInput) string {
	if m := in.LastVisitorMessage(); m != nil {
		return m.Body
	}
	return ""
}

// localeOf is the language to fall back on for a visitor: theirs if
// Parley speaks it, else the site's default.
func localeOf(v *Visitor, site *Site) string {
	if strings.HasPrefix(strings.ToLower(v.Locale), "ru") {
		return "ru"
	}
	if strings.HasPrefix(strings.ToLower(v.Locale), "en") || site.DefaultLocale == "" {
		return "en"
	}
	return site.DefaultLocale
}

func joinText(a, sep, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return a + b
	}
	return a + sep + b
}
