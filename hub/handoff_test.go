package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// scripted is an Assistant that returns the decisions it is given, in
// order, and records what it was asked.
type scripted struct {
	mu        sync.Mutex
	decisions []hub.Decision
	inputs    []hub.AssistantInput
}

func (a *scripted) Decide(_ context.Context, in hub.AssistantInput) (hub.Decision, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inputs = append(a.inputs, in)
	if len(a.decisions) == 0 {
		return hub.Decision{Action: hub.ActionSilent, Trace: hub.DecisionTrace{Decision: "nothing sent: script ended"}}, nil
	}
	d := a.decisions[0]
	a.decisions = a.decisions[1:]
	return d, nil
}

func (a *scripted) calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.inputs)
}

func answer(body string) hub.Decision {
	return hub.Decision{Action: hub.ActionAnswer, Body: body, StatusType: hub.StatusMatchedContent,
		Trace: hub.DecisionTrace{Language: "en", Provider: "builtin", AnswerSource: "knowledge_base", Decision: "answered from the knowledge base"}}
}

func escalate(lang, reason string) hub.Decision {
	return hub.Decision{Action: hub.ActionEscalate, Body: "I can't do that myself.", Reason: reason, Subject: "Refund for order 1042",
		Summary: "Visitor wants a refund for order 1042", Trace: hub.DecisionTrace{Language: lang, Provider: "builtin", Intent: "refund", Decision: "escalated: " + reason}}
}

// visitorSays sends a visitor message and runs the assistant on it.
func visitorSays(t *testing.T, f *fixture, a hub.Assistant, body string) *hub.Message {
	t.Helper()
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: body})
	if err := f.svc.RunAssistant(context.Background(), a, m.ConversationID); err != nil {
		t.Fatal(err)
	}
	return m
}

// lastMessage is the conversation's newest message as agents see it.
func lastMessage(t *testing.T, f *fixture, conv int64) *hub.Message {
	t.Helper()
	msgs, err := f.svc.Messages(context.Background(), f.ownerA, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	return msgs[len(msgs)-1]
}

func wantState(t *testing.T, f *fixture, conv int64, want hub.HandoffState) *hub.Conversation {
	t.Helper()
	c := mustConversation(t, f.svc, f.ownerA, conv)
	if c.Handoff != want {
		t.Fatalf("hand-off state %q, want %q", c.Handoff, want)
	}
	return c
}

func tickets(t *testing.T, f *fixture) []*hub.Ticket {
	t.Helper()
	list, err := f.svc.Store.FindTickets(context.Background(), hub.TicketFilter{TenantID: f.tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestHandoffAnswers(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{answer("Delivery takes 3 days.")}}
	q := visitorSays(t, f, a, "How long is delivery?")
	m := lastMessage(t, f, q.ConversationID)
	if m.AuthorKind != hub.AuthorAssistant || m.Body != "Delivery takes 3 days." || m.StatusType != hub.StatusMatchedContent ||
		m.Trace == nil || m.Trace.AnswerSource != "knowledge_base" {
		t.Fatalf("assistant reply %+v (trace %+v)", m, m.Trace)
	}
	c := wantState(t, f, q.ConversationID, hub.HandoffAssistant)
	if c.AssistantSeq != q.Seq || c.UnreadByVisitor != 1 {
		t.Fatalf("conversation after the answer: %+v", c)
	}
	// Running again changes nothing: the message was handled.
	if err := f.svc.RunAssistant(context.Background(), a, q.ConversationID); err != nil {
		t.Fatal(err)
	}
	if a.calls() != 1 || lastMessage(t, f, q.ConversationID).ID != m.ID {
		t.Fatalf("a second run decided again (%d calls) or wrote again", a.calls())
	}
	// The visitor never sees the trace.
	seen, err := f.svc.Messages(context.Background(), f.visitor, hub.MessageFilter{ConversationID: q.ConversationID})
	if err != nil {
		t.Fatal(err)
	}
	if v := seen[len(seen)-1].ForVisitor(); v.Body != m.Body || strings.Contains(string(mustMarshal(t, v)), "trace") {
		t.Fatalf("visitor view %+v", v)
	}
}

// TestHandoffCollectsEmailAndOpensOneTicket walks assistant →
// awaiting_email → ticket_open: the request for the email, a polite
// re-ask on an invalid one, the ticket with the escalation's subject and
// summary, the confirmation with its number.
func TestHandoffCollectsEmailAndOpensOneTicket(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{escalate("en", "refund request")}}
	q := visitorSays(t, f, a, "I want a refund for order 1042")
	conv := q.ConversationID
	ask := lastMessage(t, f, conv)
	if ask.Prompt != hub.PromptEmail || !strings.Contains(ask.Body, "I can't do that myself.") || !strings.Contains(ask.Body, "email") {
		t.Fatalf("the request for the email: %+v", ask)
	}
	c := wantState(t, f, conv, hub.HandoffAwaitingEmail)
	if c.HandoffReason != "refund request" || c.EscalationSubject != "Refund for order 1042" {
		t.Fatalf("escalation not recorded: %+v", c)
	}

	visitorSays(t, f, a, "sure, it's ann@shop")
	again := lastMessage(t, f, conv)
	if again.Prompt != hub.PromptEmail || !strings.Contains(again.Body, "“ann@shop”") || again.Trace.Tools[0].Result != "invalid" {
		t.Fatalf("the re-ask: %+v", again)
	}
	wantState(t, f, conv, hub.HandoffAwaitingEmail)
	if a.calls() != 1 || len(tickets(t, f)) != 0 {
		t.Fatalf("an invalid email reached the assistant (%d calls) or opened a ticket", a.calls())
	}

	f.pub.take()
	visitorSays(t, f, a, "Ann.Lee@Shop.test")
	list := tickets(t, f)
	if len(list) != 1 {
		t.Fatalf("%d tickets, want 1", len(list))
	}
	tk := list[0]
	if tk.RequesterEmail != "ann.lee@shop.test" || tk.Subject != "Refund for order 1042" || tk.Summary != "Visitor wants a refund for order 1042" ||
		tk.Source != hub.SourceAssistant || tk.ConversationID != conv || tk.Status != hub.TicketOpen {
		t.Fatalf("ticket %+v", tk)
	}
	wantState(t, f, conv, hub.HandoffTicketOpen)
	msgs, err := f.svc.Messages(context.Background(), f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs[len(msgs)-2:] {
		bodies = append(bodies, m.Body)
	}
	if bodies[0] != "Ticket TKT-1 created" || !strings.Contains(bodies[1], "TKT-1") || !strings.Contains(bodies[1], "ann.lee@shop.test") {
		t.Fatalf("thread ends with %q, want the ticket's system message and the confirmation", bodies)
	}
	var sawTicket bool
	for _, p := range f.pub.take() {
		sawTicket = sawTicket || p.Event.Type == hub.EventTicketUpdated && p.Topic == hub.TopicInbox(f.tenant.ID)
	}
	if !sawTicket {
		t.Fatal("the new ticket was not published to the agents' inbox")
	}
	v, err := f.svc.Store.FindVisitorByID(context.Background(), f.visitor.ID)
	if err != nil || v.Email != "ann.lee@shop.test" {
		t.Fatalf("visitor email %q (%v), want it remembered", v.Email, err)
	}
}

// TestHandoffSilentOnceTicketOpenOrHuman: with a ticket open, and once a
// human has replied, the assistant is never asked again.
func TestHandoffSilentOnceTicketOpenOrHuman(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{{Action: hub.ActionEscalate, Email: "ann@shop.test", Reason: "asked for a human",
		Subject: "Wants a person", Trace: hub.DecisionTrace{Language: "en", Intent: "human"}}}}
	q := visitorSays(t, f, a, "Let me talk to a person, I'm ann@shop.test")
	conv := q.ConversationID
	wantState(t, f, conv, hub.HandoffTicketOpen)
	if len(tickets(t, f)) != 1 {
		t.Fatal("a known email should open the ticket without asking")
	}
	visitorSays(t, f, a, "Hello? Anyone?")
	if a.calls() != 1 {
		t.Fatalf("the assistant was asked with a ticket open (%d calls)", a.calls())
	}
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Hi Ann, I'm here."})
	wantState(t, f, conv, hub.HandoffHuman)
	visitorSays(t, f, a, "Great, thanks")
	if a.calls() != 1 || lastMessage(t, f, conv).AuthorKind != hub.AuthorVisitor {
		t.Fatal("the assistant replied after a human took over")
	}
}

// TestHandoffExactlyOneTicketUnderRetries: runs racing on the same email
// (two nodes, or a retry after a node died) open one ticket and write one
// confirmation.
func TestHandoffExactlyOneTicketUnderRetries(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{escalate("en", "refund request")}}
	q := visitorSays(t, f, a, "Refund please")
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "ann@shop.test"})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.svc.RunAssistant(context.Background(), a, q.ConversationID)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tickets(t, f)); n != 1 {
		t.Fatalf("%d tickets from racing runs, want 1", n)
	}
	msgs, err := f.svc.Messages(context.Background(), f.ownerA, hub.MessageFilter{ConversationID: q.ConversationID, AfterSeq: m.Seq})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("after the email: %d messages, want the ticket's and one confirmation", len(msgs))
	}
}

// TestHandoffResolvedStartsClean: a resolved conversation the visitor
// starts again goes back to the assistant, which reads only the new part.
func TestHandoffResolvedStartsClean(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	a := &scripted{decisions: []hub.Decision{escalate("en", "refund request")}}
	q := visitorSays(t, f, a, "Refund please")
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: q.ConversationID, Body: "Done, refunded."})
	c := wantState(t, f, q.ConversationID, hub.HandoffHuman)
	c.Status = hub.ConversationResolved
	if err := f.svc.Store.UpdateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	a.decisions = []hub.Decision{answer("We ship worldwide.")}
	again := visitorSays(t, f, a, "Do you ship to Spain?")
	c = wantState(t, f, q.ConversationID, hub.HandoffAssistant)
	if c.ContextSeq != again.Seq || c.HandoffReason != "" || c.EscalationSubject != "" {
		t.Fatalf("restarted conversation %+v", c)
	}
	in := a.inputs[len(a.inputs)-1]
	if len(in.Messages) != 1 || in.Messages[0].Body != "Do you ship to Spain?" {
		t.Fatalf("the assistant read %d messages, want only the new one", len(in.Messages))
	}
	if lastMessage(t, f, q.ConversationID).Body != "We ship worldwide." {
		t.Fatal("no answer after the restart")
	}
}

// TestHandoffNewQuestionWhileAwaitingEmail: a message without an address
// is a new question, not an invalid email.
func TestHandoffNewQuestionWhileAwaitingEmail(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{escalate("en", "refund request"), answer("We are open 9 to 6.")}}
	q := visitorSays(t, f, a, "Refund please")
	visitorSays(t, f, a, "Actually, when are you open?")
	wantState(t, f, q.ConversationID, hub.HandoffAssistant)
	if lastMessage(t, f, q.ConversationID).Body != "We are open 9 to 6." {
		t.Fatal("the new question was not answered")
	}
}

func TestHandoffSwitchedOff(t *testing.T) {
	f := mustFixture(t)
	f.site.Handoff.Disabled = true
	if err := f.svc.Store.UpdateSite(context.Background(), f.site); err != nil {
		t.Fatal(err)
	}
	a := &scripted{decisions: []hub.Decision{escalate("ru", "refund request")}}
	q := visitorSays(t, f, a, "Хочу вернуть деньги")
	wantState(t, f, q.ConversationID, hub.HandoffAssistant)
	m := lastMessage(t, f, q.ConversationID)
	if m.Prompt != "" || m.Body != "К сожалению, здесь я не могу с этим помочь." || !strings.Contains(m.Trace.Decision, "hand-off is off") {
		t.Fatalf("with hand-off off: %+v (trace %+v)", m, m.Trace)
	}
	if len(tickets(t, f)) != 0 {
		t.Fatal("a ticket was opened with hand-off off")
	}
}

func TestHandoffOutOfHours(t *testing.T) {
	f := mustFixture(t) // the clock says Saturday
	f.site.Handoff = hub.HandoffSettings{OutOfHoursMessage: "We answer on Monday.",
		Hours: hub.BusinessHours{TimeZone: "Europe/Moscow", Start: "09:00", End: "18:00"}}
	if err := f.svc.Store.UpdateSite(context.Background(), f.site); err != nil {
		t.Fatal(err)
	}
	a := &scripted{decisions: []hub.Decision{escalate("en", "refund request")}}
	q := visitorSays(t, f, a, "Refund please")
	visitorSays(t, f, a, "ann@shop.test")
	if m := lastMessage(t, f, q.ConversationID); !strings.HasSuffix(m.Body, "We answer on Monday.") {
		t.Fatalf("confirmation out of hours: %q", m.Body)
	}
}

// TestHandoffSilenceIsANote: when the assistant sends nothing, agents see
// why in an internal note; the visitor sees nothing.
func TestHandoffSilenceIsANote(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{{Action: hub.ActionSilent, Trace: hub.DecisionTrace{Decision: "nothing sent: no question to answer"}}}}
	q := visitorSays(t, f, a, "👍")
	note := lastMessage(t, f, q.ConversationID)
	if !note.Internal || note.AuthorKind != hub.AuthorAssistant || note.Trace.Decision != "nothing sent: no question to answer" {
		t.Fatalf("note %+v", note)
	}
	seen, err := f.svc.Messages(context.Background(), f.visitor, hub.MessageFilter{ConversationID: q.ConversationID})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("the visitor sees %d messages, want only their own", len(seen))
	}
}

func TestHandoffSettingsValidate(t *testing.T) {
	good := hub.HandoffSettings{Hours: hub.BusinessHours{TimeZone: "Europe/Moscow", Start: "09:00", End: "18:00", Days: []time.Weekday{1, 2}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]hub.HandoffSettings{
		"zone":  {Hours: hub.BusinessHours{TimeZone: "Mars/Base", Start: "09:00", End: "18:00"}},
		"order": {Hours: hub.BusinessHours{TimeZone: "UTC", Start: "18:00", End: "09:00"}},
		"clock": {Hours: hub.BusinessHours{TimeZone: "UTC", Start: "9am", End: "18:00"}},
		"day":   {Hours: hub.BusinessHours{TimeZone: "UTC", Start: "09:00", End: "18:00", Days: []time.Weekday{7}}},
		"long":  {OutOfHoursMessage: strings.Repeat("x", 1001)},
	} {
		if err := h.Validate(); hub.ErrorCode(err) != hub.EInvalid {
			t.Errorf("%s: Validate() = %v, want invalid", name, err)
		}
	}
	in := hub.BusinessHours{TimeZone: "Europe/Moscow", Start: "09:00", End: "18:00"}
	for _, tt := range []struct {
		at   string
		want bool
	}{
		{"2026-11-23T06:30:00Z", true},  // Monday 09:30 in Moscow
		{"2026-11-23T05:59:00Z", false}, // Monday 08:59
		{"2026-11-23T15:00:00Z", false}, // Monday 18:00
		{"2026-11-21T10:00:00Z", false}, // Saturday
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := in.InHours(at); got != tt.want {
			t.Errorf("InHours(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

// TestAssistantRunner: a notified conversation is answered, and a sweep
// finds one whose notification was lost.
func TestAssistantRunner(t *testing.T) {
	f := mustFixture(t)
	a := &scripted{decisions: []hub.Decision{answer("First answer."), answer("Second answer.")}}
	later := *f.svc // the runner's node: its clock is an hour on
	at := f.now.Add(time.Hour)
	later.Clock = func() time.Time { return at }
	run := func(sweepEvery time.Duration) *hub.AssistantRunner {
		r := &hub.AssistantRunner{Service: &later, Assistant: a, Log: f.svc.Log, SweepEvery: sweepEvery, IdleFor: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			r.Run(ctx)
			close(done)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
		return r
	}

	notified := run(time.Hour) // no sweep in time: only Notify can answer
	f.svc.AssistantNotify = notified.Notify
	q := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Question one"})
	waitFor(t, "notified answer", func() bool { return lastMessage(t, f, q.ConversationID).Body == "First answer." })

	f.svc.AssistantNotify = nil // the notification is lost
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Question two"})
	run(10 * time.Millisecond)
	waitFor(t, "swept answer", func() bool { return lastMessage(t, f, q.ConversationID).Body == "Second answer." })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(hubtest.Wait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, hubtest.Wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		text, locale, want string
	}{
		{"How long does shipping take?", "ru", "en"},
		{"Сколько идёт доставка?", "en", "ru"},
		{"Где мой order?", "en", "ru"},                       // 6 Cyrillic letters to 5 Latin
		{"Refund my заказ please", "ru", "en"},               // more Latin than Cyrillic
		{"👍🎉", "ru", "ru"},                                   // no letters: the locale
		{"12345 !!!", "ru-RU", "ru"},                         // region tags are folded
		{"...", "", "en"},                                    // no locale either: English
		{"😊", "de", "en"},                                    // a language it cannot write
		{"abc где", "ru", "ru"},                              // a tie: the locale
		{"Grüße, wie lange dauert der Versand?", "ru", "en"}, // Latin script
	}
	for _, tt := range tests {
		if got := hub.DetectLanguage(tt.text, tt.locale); got != tt.want {
			t.Errorf("DetectLanguage(%q, %q) = %q, want %q", tt.text, tt.locale, got, tt.want)
		}
	}
}
