package realtime_test

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// TestDeletedVisitorSocketCloses: deleting a visitor's data closes their
// open socket with 4004, tells the workspace's agents that the
// conversation is gone (conversation.deleted), and leaves another
// visitor's socket open.
func TestDeletedVisitorSocketCloses(t *testing.T) {
	e := newEnv(t)
	a := e.newAccount()
	gone := startConversation(t, e, a)
	kept := startConversation(t, e, a)
	agent := e.agent(a)
	vc := e.visitor(a.site, gone.visitorToken)
	other := e.visitor(a.site, kept.visitorToken)
	vc.stillOpen("before")
	if _, err := e.svc.DeleteVisitor(context.Background(), a.actor, gone.visitor.ID); err != nil {
		t.Fatal(err)
	}
	if ce := vc.closeOf(); ce.Code != realtime.CloseVisitorDeleted {
		t.Fatalf("closed with %d %q, want %d", ce.Code, ce.Reason, realtime.CloseVisitorDeleted)
	}
	f := agent.waitFor(hub.EventConversationDeleted, "")
	if d := decode[hub.ConversationDeletedData](t, f.Data); d.ID != gone.conv.ID {
		t.Fatalf("conversation.deleted = %s, want conversation %d", f.Data, gone.conv.ID)
	}
	other.stillOpen("other visitor")
}
