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
