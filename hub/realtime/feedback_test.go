package realtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// TestDownvoteFlow: a visitor votes down an assistant answer, the agent
// sees the vote live, and the visitor opens a ticket whose number comes
// back in the reply and into the thread.
func TestDownvoteFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	answer, err := e.svc.SendMessage(context.Background(), hub.Actor{Kind: hub.ActorAssistant, TenantID: a.tenant.ID},
		hub.NewMessage{ConversationID: id, Body: "Try turning it off and on.", StatusType: hub.StatusGeneratedContent})
	if err != nil {
		t.Fatal(err)
	}
	agent := e.agent(a)
	subscribe(t, agent, id, answer.Seq)
	visitor := e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, answer.Seq)

	ok := visitor.request(realtime.TypeFeedback, "f", map[string]any{"message_id": answer.ID, "feedback": "down"}, realtime.TypeFeedbackOK)
	if !strings.Contains(string(ok.Data), `"feedback":"down"`) {
		t.Fatalf("feedback.ok = %s", ok.Data)
	}
	upd := agent.take("message.updated", func(f frame) bool { return f.Type == hub.EventMessageUpdated })
	if !strings.Contains(string(upd.Data), `"feedback":"down"`) {
		t.Fatalf("agent saw %s", upd.Data)
	}
	visitor.expectError(realtime.TypeFeedback, "bad", map[string]any{"message_id": conv.first.ID, "feedback": "down"}, hub.EInvalid)

	visitor.expectError(realtime.TypeTicketCreate, "t0", map[string]any{"conversation_id": id, "subject": "Broken", "email": "nope"}, hub.EInvalid)
	reply := visitor.request(realtime.TypeTicketCreate, "t1", map[string]any{"conversation_id": id, "subject": "Still broken",
		"description": "Restarting did not help.", "email": "ann@example.com"}, realtime.TypeTicketOK)
	var got struct {
		Ticket struct{ Ref, Status string }
	}
	if err := json.Unmarshal(reply.Data, &got); err != nil || got.Ticket.Ref != "TKT-1" || got.Ticket.Status != "open" {
		t.Fatalf("ticket.created = %s (%v)", reply.Data, err)
	}
	if m := visitor.messages(2); bodies(m) != "3:Restarting did not help.,4:Ticket TKT-1 created" {
		t.Fatalf("visitor thread after the ticket: %s", bodies(m))
	}
	agent.expectError(realtime.TypeTicketCreate, "t2", map[string]any{"conversation_id": id, "subject": "x", "email": "a@b.test"}, hub.EForbidden)
}
