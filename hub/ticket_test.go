package hub_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

func ptr[T any](v T) *T { return &v }

func mustTicket(tb testing.TB, f *fixture) (*hub.Ticket, int64) {
	tb.Helper()
	conv := mustSend(tb, f.svc, f.visitor, hub.NewMessage{Body: "I want a refund"}).ConversationID
	tk, err := f.svc.CreateTicket(context.Background(), hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID},
		hub.NewTicket{ConversationID: conv, Subject: "Refund request", RequesterEmail: "Ann@Example.com"})
	if err != nil {
		tb.Fatal(err)
	}
	return tk, conv
}

func TestCreateTicket(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	tk, conv := mustTicket(t, f)
	if tk.Number != 1 || tk.Ref() != "TKT-1" || tk.Status != hub.TicketOpen || tk.Source != hub.SourceAssistant ||
		tk.RequesterEmail != "ann@example.com" || tk.SiteID != f.site.ID {
		t.Fatalf("ticket = %+v", tk)
	}
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.AuthorKind != hub.AuthorSystem || last.Body != "Ticket TKT-1 created" {
		t.Fatalf("thread ends with %+v, want the ticket's system message", last)
	}
	// A retried escalation returns the same ticket.
	again, err := f.svc.CreateTicket(ctx, hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID},
		hub.NewTicket{ConversationID: conv, Subject: "Refund request", RequesterEmail: "ann@example.com"})
	if err != nil || again.ID != tk.ID {
		t.Fatalf("retry gave %+v, %v; want ticket %d", again, err, tk.ID)
	}
	// Numbers are per tenant.
	other, otherOwner := mustTenant(t, f.svc, "Other", "o@other.test")
	ot, err := f.svc.CreateTicket(ctx, hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: other.ID, Role: hub.RoleOwner},
		hub.NewTicket{Subject: "Hello", RequesterEmail: "x@y.test"})
	if err != nil || ot.Number != 1 {
		t.Fatalf("other tenant's first ticket = %+v, %v", ot, err)
	}
	_, err = f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{Subject: "x", RequesterEmail: "not an email"})
	wantCode(t, err, hub.EInvalid)
}

func TestTicketWorkflow(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	tk, conv := mustTicket(t, f)
	status := func() *hub.Ticket {
		t.Helper()
		got, err := f.svc.Ticket(ctx, f.ownerA, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// An agent's first reply to an Open ticket: someone is working on it.
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Which order?"})
	if s := status().Status; s != hub.TicketInProgress {
		t.Fatalf("after agent reply: %s, want in_progress", s)
	}
	// On Customer is the agent's choice, and nothing automatic overrides
	// it: not the customer's reply, not the agent's.
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketOnCustomer)}); err != nil {
		t.Fatal(err)
	}
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "Order 42"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Found it"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "checking", Internal: true})
	if s := status().Status; s != hub.TicketOnCustomer {
		t.Fatalf("after replies to on_customer: %s, want on_customer", s)
	}

	// Resolving stamps when and who, and resolves the conversation.
	f.now = f.now.Add(time.Hour)
	got, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketResolved)})
	if err != nil {
		t.Fatal(err)
	}
	if got.ResolvedAt == nil || !got.ResolvedAt.Equal(f.now) || got.ResolvedBy != f.owner.ID {
		t.Fatalf("resolved ticket = %+v", got)
	}
	if c := mustConversation(t, f.svc, f.visitor, conv); c.Status != hub.ConversationResolved {
		t.Fatalf("conversation of a resolved ticket is %s", c.Status)
	}
	// The customer writing again reopens, clears the stamp, and is told.
	f.pub.take()
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "Still broken"})
	if got := status(); got.Status != hub.TicketOpen || got.ResolvedAt != nil {
		t.Fatalf("after customer reply to resolved: %+v", got)
	}
	if c := mustConversation(t, f.svc, f.visitor, conv); c.Status != hub.ConversationOpen {
		t.Fatalf("conversation after the reopening message is %s", c.Status)
	}
	ack, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv, Newest: true, Limit: 1})
	if err != nil || len(ack) != 1 || ack[0].AuthorKind != hub.AuthorAssistant || !strings.Contains(ack[0].Body, "TKT-1, which is open again") {
		t.Fatalf("the visitor was told %+v, %v", ack, err)
	}
	if n := len(topics(f.pub.take(), hub.EventMessageCreated)); n != 4 {
		t.Fatalf("%d message.created publications, want 4 (the message and the acknowledgement, each to agents and the visitor)", n)
	}

	// Closed is final for the customer: the conversation is closed too.
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketClosed)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendMessage(ctx, f.visitor, hub.NewMessage{ConversationID: conv, Body: "hello?"})
	if hub.ErrorCode(err) != hub.EConflict || hub.ErrorReason(err) != hub.ReasonConversationClosed {
		t.Fatalf("writing to a closed ticket: %v, want conflict %s", err, hub.ReasonConversationClosed)
	}
	if msg := hub.ErrorMessage(err); !strings.Contains(msg, "TKT-1") || !strings.Contains(msg, "closed") {
		t.Fatalf("refusal says %q", msg)
	}
	// Agents may reopen it.
	got, err = f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketOpen)})
	if err != nil || got.Status != hub.TicketOpen {
		t.Fatalf("reopen: %+v, %v", got, err)
	}
	msgs, err := f.svc.Messages(ctx, f.ownerA, hub.MessageFilter{ConversationID: conv, Newest: true, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, string(m.AuthorKind)+":"+m.Body)
	}
	if strings.Join(bodies[1:], "|") != "system:Ticket TKT-1 closed|system:Ticket TKT-1 reopened" {
		t.Fatalf("thread ends with %q", bodies)
	}

	audit, err := f.svc.Store.FindAuditEntries(ctx, hub.AuditFilter{TenantID: f.tenant.ID, Subject: "ticket:" + itoa(tk.ID), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	statusChanges := 0
	for _, e := range audit {
		if e.Action == "ticket.status" {
			statusChanges++
		}
	}
	// in_progress, on_customer, resolved, open, closed, open
	if statusChanges != 6 {
		t.Fatalf("audited %d status changes, want 6", statusChanges)
	}
}

func TestUpdateTicketRules(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	tk, _ := mustTicket(t, f)
	other, otherOwner := mustTenant(t, f.svc, "Other", "o@other.test")
	intruder := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: other.ID, Role: hub.RoleOwner}

	_, err := f.svc.UpdateTicket(ctx, intruder, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketClosed)})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.UpdateTicket(ctx, f.visitor, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketClosed)})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{Status: ptr(hub.TicketStatus("done"))})
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(otherOwner.ID)})
	wantCode(t, err, hub.EInvalid)

	agent, err := f.svc.AddMember(ctx, f.ownerA, hub.NewMember{TenantID: f.tenant.ID, Email: "agent@acme.test", Password: "long enough", Role: hub.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	f.pub.take()
	got, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(agent.ID), Priority: ptr(hub.PriorityHigh)})
	if err != nil || got.AssigneeID != agent.ID || got.Priority != hub.PriorityHigh || got.Version != tk.Version+1 {
		t.Fatalf("assign: %+v, %v", got, err)
	}
	if tp := topics(f.pub.take(), hub.EventTicketUpdated); len(tp) == 0 || tp[0] != hub.TopicInbox(f.tenant.ID) {
		t.Fatalf("ticket.updated went to %v", tp)
	}
	// An agent cannot add members.
	agentA := hub.Actor{Kind: hub.ActorMember, ID: agent.ID, TenantID: f.tenant.ID, Role: hub.RoleAgent}
	_, err = f.svc.AddMember(ctx, agentA, hub.NewMember{TenantID: f.tenant.ID, Email: "x@acme.test", Password: "long enough", Role: hub.RoleAgent})
	wantCode(t, err, hub.EForbidden)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
