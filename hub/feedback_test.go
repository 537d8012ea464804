package hub_test

import (
	"context"
	"slices"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func TestSetFeedback(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "How do refunds work?"}).ConversationID
	assistant := hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}
	answer := mustSend(t, f.svc, assistant, hub.NewMessage{ConversationID: conv, Body: "See our policy.", StatusType: hub.StatusMatchedContent})
	agentReply := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Hi"})
	f.pub.take()

	m, err := f.svc.SetFeedback(ctx, f.visitor, answer.ID, hub.FeedbackDown)
	if err != nil || m.Feedback != hub.FeedbackDown {
		t.Fatalf("downvote: %+v, %v", m, err)
	}
	if got := topics(f.pub.take(), hub.EventMessageUpdated); !slices.Equal(got, []string{hub.TopicConversation(conv), hub.TopicVisitor(f.visitor.ID)}) {
		t.Fatalf("message.updated went to %v", got)
	}
	msgs, err := f.svc.Messages(ctx, f.ownerA, hub.MessageFilter{ConversationID: conv, AfterSeq: answer.Seq - 1, Limit: 1})
	if err != nil || msgs[0].Feedback != hub.FeedbackDown {
		t.Fatalf("stored feedback: %+v, %v", msgs, err)
	}
	if m, err := f.svc.SetFeedback(ctx, f.visitor, answer.ID, hub.FeedbackNone); err != nil || m.Feedback != "" {
		t.Fatalf("take back: %+v, %v", m, err)
	}

	_, err = f.svc.SetFeedback(ctx, f.visitor, agentReply.ID, hub.FeedbackUp)
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.SetFeedback(ctx, f.visitor, answer.ID, "meh")
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.SetFeedback(ctx, f.ownerA, answer.ID, hub.FeedbackUp)
	wantCode(t, err, hub.EForbidden)
	visit, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := f.svc.VisitorActor(ctx, visit.Token)
	_, err = f.svc.SetFeedback(ctx, stranger, answer.ID, hub.FeedbackUp)
	wantCode(t, err, hub.ENotFound)
}

func TestVisitorOpensTicketFromDownvote(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "My order never came"}).ConversationID
	tk, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: conv, Subject: "Order missing",
		Description: "Order 42 was due Monday.", RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Source != hub.SourceWidget || tk.ConversationID != conv || tk.Status != hub.TicketOpen {
		t.Fatalf("ticket = %+v", tk)
	}
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, string(m.AuthorKind)+": "+m.Body)
	}
	want := []string{"visitor: My order never came", "visitor: Order 42 was due Monday.", "system: Ticket TKT-1 created"}
	if !slices.Equal(bodies, want) {
		t.Fatalf("thread = %q, want %q", bodies, want)
	}
	v, err := f.svc.Store.FindVisitorByID(ctx, f.visitor.ID)
	if err != nil || v.Email != "ann@example.com" {
		t.Fatalf("visitor email = %q, %v", v.Email, err)
	}
	// Another visitor cannot open a ticket on this conversation.
	visit, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := f.svc.VisitorActor(ctx, visit.Token)
	_, err = f.svc.CreateTicket(ctx, stranger, hub.NewTicket{ConversationID: conv, Subject: "x", RequesterEmail: "x@y.test"})
	wantCode(t, err, hub.ENotFound)
}

// TestEscalatedAndHasTicket: a ticket the visitor opens from the widget
// (the downvote flow) escalates the conversation, and it stays escalated
// when an agent's ticket replaces that one; a ticket opened otherwise only
// gives the conversation a ticket (004 "Escalated"; "Has ticket").
func TestEscalatedAndHasTicket(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	escalated := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "My order never came"}).ConversationID
	widget, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: escalated, Subject: "Order missing",
		RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	visit, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := f.svc.VisitorActor(ctx, visit.Token)
	ticketed := mustSend(t, f.svc, second, hub.NewMessage{Body: "Can I pay by invoice?"}).ConversationID
	if _, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{ConversationID: ticketed, Subject: "Invoice",
		RequesterEmail: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	visit, err = f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	third, _ := f.svc.VisitorActor(ctx, visit.Token)
	plain := mustSend(t, f.svc, third, hub.NewMessage{Body: "Hello"}).ConversationID

	// The widget's ticket is resolved; an agent opens a new one, which
	// replaces it as the conversation's ticket.
	resolved := hub.TicketResolved
	if _, err := f.svc.UpdateTicket(ctx, f.ownerA, widget.ID, hub.TicketUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	later, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{ConversationID: escalated, Subject: "Follow-up",
		RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	c := mustConversation(t, f.svc, f.ownerA, escalated)
	if later.ID == widget.ID || c.TicketID != later.ID || !c.Escalated {
		t.Fatalf("after the agent's ticket: ticket %d (widget's %d, agent's %d), escalated %v; want the agent's, escalated",
			c.TicketID, widget.ID, later.ID, c.Escalated)
	}
	if c := mustConversation(t, f.svc, f.ownerA, ticketed); c.Escalated || c.TicketID == 0 {
		t.Fatalf("an agent's ticket: escalated %v, ticket %d; want a ticket, not escalated", c.Escalated, c.TicketID)
	}

	yes, no := true, false
	for _, tt := range []struct {
		name   string
		filter hub.ConversationFilter
		want   []int64
	}{
		{"escalated", hub.ConversationFilter{Escalated: &yes}, []int64{escalated}},
		{"not escalated", hub.ConversationFilter{Escalated: &no}, []int64{ticketed, plain}},
		{"has ticket", hub.ConversationFilter{HasTicket: &yes}, []int64{escalated, ticketed}},
		{"no ticket", hub.ConversationFilter{HasTicket: &no}, []int64{plain}},
	} {
		list, err := f.svc.ConversationDetails(ctx, f.ownerA, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, d := range list {
			got = append(got, d.ID)
		}
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
