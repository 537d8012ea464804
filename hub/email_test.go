package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// mustEmails returns the tenant's outbox.
func mustEmails(tb testing.TB, s hub.Store, tenantID int64) []*hub.Email {
	tb.Helper()
	es, err := s.FindEmails(context.Background(), tenantID)
	if err != nil {
		tb.Fatal(err)
	}
	return es
}

// emailsOf returns the emails of one kind.
func emailsOf(es []*hub.Email, kind string) []*hub.Email {
	var out []*hub.Email
	for _, e := range es {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// mustOneEmail returns the only email of kind.
func mustOneEmail(tb testing.TB, es []*hub.Email, kind string) *hub.Email {
	tb.Helper()
	got := emailsOf(es, kind)
	if len(got) != 1 {
		tb.Fatalf("%d %s emails, want 1: %+v", len(got), kind, es)
	}
	return got[0]
}

// updateVisitor changes the fixture's visitor in the store.
func updateVisitor(tb testing.TB, f *fixture, change func(v *hub.Visitor)) {
	tb.Helper()
	ctx := context.Background()
	v, err := f.svc.Store.FindVisitorByID(ctx, f.visitor.ID)
	if err != nil {
		tb.Fatal(err)
	}
	change(v)
	if err := f.svc.Store.UpdateVisitor(ctx, v); err != nil {
		tb.Fatal(err)
	}
}

// agentLabel is how the transcript names the fixture's owner.
func agentLabel(f *fixture) string {
	if f.owner.Name != "" {
		return f.owner.Name
	}
	return "Agent"
}

func wantContains(tb testing.TB, what, s string, parts ...string) {
	tb.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			tb.Errorf("%s does not contain %q:\n%s", what, p, s)
		}
	}
}

// TestTicketEmailsToOwner opens a ticket from a chat on a site without a
// support email: the team's email goes to the owner with the requester as
// Reply-To, the ticket, the visitor and the transcript without internal
// notes; the requester gets a confirmation.
func TestTicketEmailsToOwner(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) {
		v.Name, v.ExternalID, v.Country, v.Device = "Ann Lee", "u-42", "DE", "Firefox on Linux"
		v.CurrentPage, v.Locale = "https://shop.test/orders/17", "en-GB"
	})
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hi, my order is late.\nIt is #17."})
	f.now = f.now.Add(3 * time.Minute)
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: first.ConversationID, Body: "Looking into it"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: first.ConversationID, Body: "customer is a VIP", Internal: true})
	f.now = f.now.Add(time.Minute)
	tk, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: first.ConversationID,
		Subject: "Order late", RequesterEmail: "Ann@Example.test"})
	if err != nil {
		t.Fatal(err)
	}

	es := mustEmails(t, f.svc.Store, f.tenant.ID)
	if len(es) != 2 {
		t.Fatalf("%d emails, want the team's and the confirmation: %+v", len(es), es)
	}
	team := mustOneEmail(t, es, hub.EmailTicketTeam)
	if team.To != "owner@acme.test" || team.ReplyTo != "ann@example.test" || team.Subject != "[TKT-1] Order late" {
		t.Errorf("team email to %q, reply-to %q, subject %q; want owner@acme.test, ann@example.test, [TKT-1] Order late",
			team.To, team.ReplyTo, team.Subject)
	}
	if team.Status != hub.EmailPending || !team.NextAttemptAt.Equal(f.now) || team.ConversationID != first.ConversationID ||
		team.UnlessReadSeq != 0 {
		t.Errorf("team email: status %s, due %v, conversation %d, unless read %d; want pending, due now (%v), %d, 0",
			team.Status, team.NextAttemptAt, team.ConversationID, team.UnlessReadSeq, f.now, first.ConversationID)
	}
	wantContains(t, "team email", team.Body,
		"Ticket: TKT-1", "Subject: Order late", "Requester: ann@example.test",
		"Name: Ann Lee", "External ID: u-42", "Country: DE", "Device: Firefox on Linux",
		"Current page: https://shop.test/orders/17", "Language: en-GB",
		"2026-11-21\n",
		"[10:00] Visitor: Hi, my order is late.\n    It is #17.\n",
		"[10:03] "+agentLabel(f)+": Looking into it\n",
		"[10:04] System: Ticket TKT-1 created\n")
	if strings.Contains(team.Body, "VIP") {
		t.Errorf("team email shows an internal note:\n%s", team.Body)
	}
	if strings.Contains(team.Body, "Summary") {
		t.Errorf("team email has a summary section for a ticket without one:\n%s", team.Body)
	}

	confirm := mustOneEmail(t, es, hub.EmailTicketVisitor)
	if confirm.To != "ann@example.test" || confirm.ReplyTo != "owner@acme.test" || confirm.Subject != "[TKT-1] Order late" {
		t.Errorf("confirmation to %q, reply-to %q, subject %q", confirm.To, confirm.ReplyTo, confirm.Subject)
	}
	wantContains(t, "confirmation", confirm.Body,
		"We received your request TKT-1: Order late. Our team will reply in the chat and by email.", "— Shop")
	if confirm.Status != hub.EmailPending || !confirm.NextAttemptAt.Equal(f.now) {
		t.Errorf("confirmation: status %s, due %v; want pending, due now", confirm.Status, confirm.NextAttemptAt)
	}

	// A retried escalation returns the open ticket and writes no more mail.
	again, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: first.ConversationID,
		Subject: "Order late", RequesterEmail: "ann@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != tk.ID || len(mustEmails(t, f.svc.Store, f.tenant.ID)) != 2 {
		t.Fatalf("a retried escalation opened ticket %d (want %d) or wrote more email", again.ID, tk.ID)
	}
}

// TestTicketEmailsSupportOverride checks that the site's support email
// wins over the owner, and that the summary is in the team's email.
func TestTicketEmailsSupportOverride(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	site, err := f.svc.Store.FindSiteByID(ctx, f.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	site.SupportEmail = "help@shop.test"
	if err := f.svc.Store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "I want my money back"})
	if _, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: first.ConversationID,
		Subject: "Refund", RequesterEmail: "ann@example.test", Summary: "Wants a refund for order 17."}); err != nil {
		t.Fatal(err)
	}
	es := mustEmails(t, f.svc.Store, f.tenant.ID)
	team := mustOneEmail(t, es, hub.EmailTicketTeam)
	if team.To != "help@shop.test" || team.ReplyTo != "ann@example.test" {
		t.Errorf("team email to %q reply-to %q, want help@shop.test, ann@example.test", team.To, team.ReplyTo)
	}
	wantContains(t, "team email", team.Body, "Summary:\nWants a refund for order 17.\n", "New support ticket TKT-1 on Shop.")
	if c := mustOneEmail(t, es, hub.EmailTicketVisitor); c.ReplyTo != "help@shop.test" {
		t.Errorf("confirmation reply-to %q, want the support email", c.ReplyTo)
	}
}

// TestTicketEmailsWithoutChat checks a ticket an agent opens without a
// conversation: the team's email has no visitor and no transcript.
func TestTicketEmailsWithoutChat(t *testing.T) {
	f := mustFixture(t)
	if _, err := f.svc.CreateTicket(t.Context(), f.ownerA, hub.NewTicket{SiteID: f.site.ID, Subject: "Call back",
		RequesterEmail: "bob@example.test"}); err != nil {
		t.Fatal(err)
	}
	es := mustEmails(t, f.svc.Store, f.tenant.ID)
	team := mustOneEmail(t, es, hub.EmailTicketTeam)
	if team.To != "owner@acme.test" || team.ReplyTo != "bob@example.test" || team.ConversationID != 0 {
		t.Errorf("team email to %q reply-to %q conversation %d", team.To, team.ReplyTo, team.ConversationID)
	}
	if strings.Contains(team.Body, "Visitor") || strings.Contains(team.Body, "Conversation") {
		t.Errorf("team email of a ticket without chat:\n%s", team.Body)
	}
	mustOneEmail(t, es, hub.EmailTicketVisitor)
}

// TestTicketEmailsNoRecipient: a tenant with no owner and a site with no
// support email. The ticket is still opened and confirmed, no team email
// is written, and a warning says why (004 "Troubleshooting").
func TestTicketEmailsNoRecipient(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	var logs bytes.Buffer
	svc := *f.svc
	svc.Log = zerolog.New(&logs)
	st := f.svc.Store
	tn := &hub.Tenant{Name: "Ownerless", Plan: hub.PlanPro, CreatedAt: f.now}
	if err := st.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	agent := &hub.Member{TenantID: tn.ID, Email: "agent@ownerless.test", Name: "Agent", Role: hub.RoleAgent,
		PasswordHash: "x", CreatedAt: f.now}
	if err := st.CreateMember(ctx, agent); err != nil {
		t.Fatal(err)
	}
	site := &hub.Site{TenantID: tn.ID, Key: "site_ownerless", Name: "Ownerless shop", AllowedOrigins: []string{"https://o.test"},
		WidgetEnabled: true, TicketsEnabled: true, CreatedAt: f.now, UpdatedAt: f.now}
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	visit, err := svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: site.Key, Origin: "https://o.test"})
	if err != nil {
		t.Fatal(err)
	}
	visitor, err := svc.VisitorActor(ctx, visit.Token)
	if err != nil {
		t.Fatal(err)
	}
	first := mustSend(t, &svc, visitor, hub.NewMessage{Body: "Help"})
	logs.Reset()
	tk, err := svc.CreateTicket(ctx, visitor, hub.NewTicket{ConversationID: first.ConversationID, Subject: "Help",
		RequesterEmail: "ann@example.test"})
	if err != nil {
		t.Fatalf("CreateTicket without a recipient: %v", err)
	}
	if _, err := st.FindTicketByID(ctx, tk.ID); err != nil {
		t.Fatalf("ticket not stored: %v", err)
	}
	es := mustEmails(t, st, tn.ID)
	if n := len(emailsOf(es, hub.EmailTicketTeam)); n != 0 {
		t.Errorf("%d team emails without a recipient, want 0", n)
	}
	if c := mustOneEmail(t, es, hub.EmailTicketVisitor); c.To != "ann@example.test" || c.ReplyTo != "" {
		t.Errorf("confirmation to %q reply-to %q, want ann@example.test and no reply-to", c.To, c.ReplyTo)
	}

	var warning map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["event"] == "support_ticket_created" {
			warning = m
		}
	}
	want := map[string]any{"level": "warn", "event": "support_ticket_created", "tenant": float64(tn.ID),
		"ticket": float64(tk.ID), "reason": "no email recipient resolved: no owner and no support email override",
		"message": "support_ticket_created"}
	for k, v := range want {
		if warning[k] != v {
			t.Errorf("warning field %s = %v, want %v (log: %s)", k, warning[k], v, logs.String())
		}
	}
}

// TestTicketConfirmationRussian checks the confirmation in the visitor's
// language.
func TestTicketConfirmationRussian(t *testing.T) {
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) { v.Locale = "ru-RU" })
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Где мой заказ?"})
	if _, err := f.svc.CreateTicket(t.Context(), f.visitor, hub.NewTicket{ConversationID: first.ConversationID,
		Subject: "Возврат денег", RequesterEmail: "ivan@example.test"}); err != nil {
		t.Fatal(err)
	}
	es := mustEmails(t, f.svc.Store, f.tenant.ID)
	c := mustOneEmail(t, es, hub.EmailTicketVisitor)
	wantContains(t, "confirmation", c.Body,
		"Мы получили ваш запрос TKT-1: Возврат денег. Наша команда ответит в чате и по электронной почте.")
	if c.Subject != "[TKT-1] Возврат денег" {
		t.Errorf("confirmation subject %q", c.Subject)
	}
	// The team reads English, with the Russian transcript as written.
	team := mustOneEmail(t, es, hub.EmailTicketTeam)
	wantContains(t, "team email", team.Body, "Requester: ivan@example.test", "Visitor: Где мой заказ?", "Language: ru-RU")
}

// TestReplyEmail checks that an agent's reply is emailed only to a visitor
// with an email, after ReplyEmailDelay, unless read by then, and that the
// email lists every reply the visitor has not read.
func TestReplyEmail(t *testing.T) {
	f := mustFixture(t)
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hello?"})
	conv := first.ConversationID
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "First reply"})
	if es := mustEmails(t, f.svc.Store, f.tenant.ID); len(es) != 0 {
		t.Fatalf("reply to a visitor without an email wrote %d emails", len(es))
	}

	updateVisitor(t, f, func(v *hub.Visitor) { v.Email = "ann@example.test" })
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "an internal note", Internal: true})
	if es := mustEmails(t, f.svc.Store, f.tenant.ID); len(es) != 0 {
		t.Fatalf("an internal note wrote %d emails", len(es))
	}
	f.now = f.now.Add(time.Minute)
	second := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Second reply\nwith two lines"})
	e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply)
	if e.To != "ann@example.test" || e.ReplyTo != "owner@acme.test" || e.Subject != "New reply from Shop" {
		t.Errorf("reply email to %q reply-to %q subject %q", e.To, e.ReplyTo, e.Subject)
	}
	if e.UnlessReadSeq != second.Seq || e.ConversationID != conv || !e.NextAttemptAt.Equal(f.now.Add(hub.ReplyEmailDelay)) ||
		e.Status != hub.EmailPending {
		t.Errorf("reply email: unless read %d, conversation %d, due %v, status %s; want %d, %d, %v, pending",
			e.UnlessReadSeq, e.ConversationID, e.NextAttemptAt, e.Status, second.Seq, conv, f.now.Add(hub.ReplyEmailDelay))
	}
	name := agentLabel(f)
	if f.owner.Name == "" {
		name = "Support"
	}
	want := name + ":\nFirst reply\n\n" + name + ":\nSecond reply\nwith two lines\n\nReply in the chat on Shop or to this email.\n"
	if e.Body != want {
		t.Errorf("reply email body:\n%s\nwant\n%s", e.Body, want)
	}
	if strings.Contains(e.Body, "internal note") {
		t.Errorf("reply email shows an internal note")
	}

	// Once the visitor has read the chat, a new reply's email lists only
	// what came after; with a ticket, the subject names it.
	if _, err := f.svc.MarkRead(t.Context(), f.visitor, conv, second.Seq); err != nil {
		t.Fatal(err)
	}
	tk, err := f.svc.CreateTicket(t.Context(), f.visitor, hub.NewTicket{ConversationID: conv, Subject: "Order late",
		RequesterEmail: "ann@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	third := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Third reply"})
	replies := emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply)
	if len(replies) != 2 {
		t.Fatalf("%d reply emails, want 2", len(replies))
	}
	e = replies[1]
	if e.Subject != "Re: ["+tk.Ref()+"] Order late" || e.UnlessReadSeq != third.Seq {
		t.Errorf("reply email with a ticket: subject %q, unless read %d", e.Subject, e.UnlessReadSeq)
	}
	if strings.Contains(e.Body, "Second reply") || !strings.Contains(e.Body, "Third reply") {
		t.Errorf("reply email after a read lists:\n%s", e.Body)
	}
}

// TestReplyEmailRussian checks the reply email in the visitor's language.
func TestReplyEmailRussian(t *testing.T) {
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) { v.Email, v.Locale = "ivan@example.test", "ru" })
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Привет"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: first.ConversationID, Body: "Здравствуйте!"})
	e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply)
	if e.Subject != "Новый ответ от Shop" {
		t.Errorf("subject %q", e.Subject)
	}
	wantContains(t, "reply email", e.Body, "Здравствуйте!", "Ответьте в чате на Shop или на это письмо.")
}
