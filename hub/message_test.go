package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func TestSendMessageAssignsSeqAndCounts(t *testing.T) {
	f := mustFixture(t)
	m1 := mustSend(t, f.svc, f.visitor, hub.NewMessage{ClientMsgID: "c1", Body: " Hello "})
	if m1.Seq != 1 || m1.Body != "Hello" || m1.AuthorKind != hub.AuthorVisitor {
		t.Fatalf("first message = %+v", m1)
	}
	m2 := mustSend(t, f.svc, f.visitor, hub.NewMessage{ClientMsgID: "c2", Body: "Anyone?"})
	if m2.Seq != 2 || m2.ConversationID != m1.ConversationID {
		t.Fatalf("second message = %+v, want seq 2 in the same conversation", m2)
	}
	c := mustConversation(t, f.svc, f.ownerA, m1.ConversationID)
	if c.UnreadByAgents != 2 || c.UnreadByVisitor != 0 || c.Owner != hub.OwnerAssistant {
		t.Fatalf("after visitor messages: %+v", c)
	}
	reply := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: c.ID, ClientMsgID: "a1", Body: "Hi, how can I help?"})
	c = mustConversation(t, f.svc, f.ownerA, c.ID)
	if reply.Seq != 3 || c.UnreadByAgents != 0 || c.UnreadByVisitor != 1 || c.AgentReadSeq != 3 ||
		c.Owner != hub.OwnerHuman || c.AssigneeID != f.owner.ID || c.LastSeq != 3 {
		t.Fatalf("after agent reply: %+v", c)
	}
}

func TestSendMessageIsIdempotent(t *testing.T) {
	f := mustFixture(t)
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{ClientMsgID: "same", Body: "once"})
	f.pub.take()
	again := mustSend(t, f.svc, f.visitor, hub.NewMessage{ClientMsgID: "same", Body: "once"})
	if *again != *first {
		t.Fatalf("retry returned %+v, want the original %+v", again, first)
	}
	if got := f.pub.take(); len(got) != 0 {
		t.Fatalf("retry published %d events, want none", len(got))
	}
	c := mustConversation(t, f.svc, f.ownerA, first.ConversationID)
	if c.LastSeq != 1 || c.UnreadByAgents != 1 {
		t.Fatalf("retry changed the conversation: %+v", c)
	}
	// Another author may not claim the same client id.
	_, err := f.svc.SendMessage(context.Background(), f.ownerA, hub.NewMessage{ConversationID: c.ID, ClientMsgID: "same", Body: "x"})
	wantCode(t, err, hub.EConflict)
}

func TestSendMessageConcurrentRetries(t *testing.T) {
	f := mustFixture(t)
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{ClientMsgID: "start", Body: "start"})
	errs := make(chan error, 8)
	ids := make(chan int64, 8)
	for range 8 {
		go func() {
			m, err := f.svc.SendMessage(context.Background(), f.visitor, hub.NewMessage{ConversationID: first.ConversationID, ClientMsgID: "dup", Body: "x"})
			errs <- err
			if m != nil {
				ids <- m.ID
			}
		}()
	}
	var seen []int64
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen = append(seen, <-ids)
	}
	slices.Sort(seen)
	if seen[0] != seen[7] {
		t.Fatalf("concurrent retries created several messages: %v", seen)
	}
}

func TestSendMessageValidation(t *testing.T) {
	f := mustFixture(t)
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hi"}).ConversationID
	tests := []struct {
		name  string
		actor hub.Actor
		in    hub.NewMessage
		code  string
	}{
		{"empty", f.visitor, hub.NewMessage{Body: "   "}, hub.EInvalid},
		{"too long", f.visitor, hub.NewMessage{Body: strings.Repeat("a", hub.MaxBodyBytes+1)}, hub.EInvalid},
		{"bad utf8", f.visitor, hub.NewMessage{Body: "\xff\xfe"}, hub.EInvalid},
		{"long client id", f.visitor, hub.NewMessage{Body: "x", ClientMsgID: strings.Repeat("c", 65)}, hub.EInvalid},
		{"visitor note", f.visitor, hub.NewMessage{Body: "x", Internal: true}, hub.EForbidden},
		{"member without conversation", f.ownerA, hub.NewMessage{Body: "x"}, hub.EInvalid},
		{"unknown conversation", f.ownerA, hub.NewMessage{ConversationID: conv + 100, Body: "x"}, hub.ENotFound},
		{"agent prompt", f.ownerA, hub.NewMessage{ConversationID: conv, Body: "x", Prompt: hub.PromptEmail}, hub.EInvalid},
		{"visitor prompt", f.visitor, hub.NewMessage{Body: "x", Prompt: hub.PromptEmail}, hub.EInvalid},
		{"unknown prompt", hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID},
			hub.NewMessage{ConversationID: conv, Body: "x", Prompt: "phone"}, hub.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SendMessage(context.Background(), tt.actor, tt.in)
			wantCode(t, err, tt.code)
		})
	}
	if c := mustConversation(t, f.svc, f.ownerA, conv); c.LastSeq != 1 {
		t.Fatalf("rejected sends wrote messages: last seq %d", c.LastSeq)
	}
}

// TestMessageAuthorNameAndPrompt: an agent's reply carries the agent's
// name as it was then; an assistant's question may carry the email prompt;
// the visitor sees both.
func TestMessageAuthorNameAndPrompt(t *testing.T) {
	f := mustFixture(t)
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hi"}).ConversationID
	ask := mustSend(t, f.svc, hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID},
		hub.NewMessage{ConversationID: conv, Body: "What is your email?", Prompt: hub.PromptEmail})
	reply := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Ann here"})
	if reply.AuthorName == "" || reply.AuthorName != f.owner.Name {
		t.Fatalf("agent reply author name %q, want the member's name %q", reply.AuthorName, f.owner.Name)
	}
	msgs, err := f.svc.Messages(context.Background(), f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	got := []hub.VisitorMessage{msgs[1].ForVisitor(), msgs[2].ForVisitor()}
	if got[0].Prompt != hub.PromptEmail || got[0].ID != ask.ID || got[1].AuthorName != f.owner.Name {
		t.Fatalf("visitor sees %+v, want the email prompt and the agent's name", got)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "private"})
	other, otherOwner := mustTenant(t, f.svc, "Other", "boss@other.test")
	intruder := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: other.ID, Role: hub.RoleOwner}

	_, err := f.svc.Conversation(ctx, intruder, m.ConversationID)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Messages(ctx, intruder, hub.MessageFilter{ConversationID: m.ConversationID})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.SendMessage(ctx, intruder, hub.NewMessage{ConversationID: m.ConversationID, Body: "hi"})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.MarkRead(ctx, intruder, m.ConversationID, 1)
	wantCode(t, err, hub.ENotFound)
	err = f.svc.Typing(ctx, intruder, m.ConversationID, true)
	wantCode(t, err, hub.ENotFound)
	list, err := f.svc.Conversations(ctx, intruder, hub.ConversationFilter{TenantID: f.tenant.ID})
	if err != nil || len(list) != 0 {
		t.Fatalf("intruder listed %d conversations (err %v)", len(list), err)
	}

	// Another visitor of the same site cannot read this one's thread.
	visit, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := f.svc.VisitorActor(ctx, visit.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Messages(ctx, stranger, hub.MessageFilter{ConversationID: m.ConversationID})
	wantCode(t, err, hub.ENotFound)
}

func TestInternalNotesStayWithAgents(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "help"}).ConversationID
	f.pub.take()
	note := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "VIP customer", Internal: true})
	events := f.pub.take()
	if got := topics(events, hub.EventMessageCreated); !slices.Equal(got, []string{hub.TopicConversation(conv)}) {
		t.Fatalf("note published to %v, want only the agents' conversation topic", got)
	}
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.ID == note.ID {
			t.Fatal("visitor can read an internal note")
		}
	}
	c := mustConversation(t, f.svc, f.ownerA, conv)
	if c.UnreadByVisitor != 0 || c.Owner != hub.OwnerAssistant {
		t.Fatalf("a note changed the visitor's side: %+v", c)
	}
}

func TestMarkRead(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "1"}).ConversationID
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "2"})
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "3"})
	f.pub.take()

	st, err := f.svc.MarkRead(ctx, f.ownerA, conv, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != 2 || st.Unread != 1 || st.Totals == nil || st.Totals.Conversations != 1 || st.Version == 0 {
		t.Fatalf("after reading to 2: %+v", st)
	}
	// The team's marker follows the member who read furthest.
	if c := mustConversation(t, f.svc, f.ownerA, conv); c.UnreadByAgents != 1 || c.AgentReadSeq != 2 {
		t.Fatalf("team marker after reading to 2: %+v", c)
	}
	events := f.pub.take()
	if got := topics(events, hub.EventConversationUpdated); !slices.Contains(got, hub.TopicInbox(f.tenant.ID)) {
		t.Fatalf("read published conversation.updated to %v, want the inbox", got)
	}
	if got := topics(events, hub.EventMemberUnread); !slices.Equal(got, []string{hub.TopicInbox(f.tenant.ID)}) {
		t.Fatalf("read published member.unread to %v, want the inbox once", got)
	}
	// Reading backwards changes nothing and publishes nothing.
	again, err := f.svc.MarkRead(ctx, f.ownerA, conv, 1)
	if err != nil || again.Unread != 1 || again.Seq != 2 || again.Version != st.Version {
		t.Fatalf("backward read: %+v, %v", again, err)
	}
	if got := f.pub.take(); len(got) != 0 {
		t.Fatalf("backward read published %d events", len(got))
	}
	// Beyond the end is clamped.
	st, err = f.svc.MarkRead(ctx, f.ownerA, conv, 99)
	if err != nil || st.Unread != 0 || st.Seq != 3 || st.Totals.Conversations != 0 {
		t.Fatalf("read past the end: %+v, %v", st, err)
	}
	if c := mustConversation(t, f.svc, f.ownerA, conv); c.UnreadByAgents != 0 || c.AgentReadSeq != 3 {
		t.Fatalf("team marker after reading past the end: %+v", c)
	}
	_, err = f.svc.MarkRead(ctx, f.ownerA, conv, -1)
	wantCode(t, err, hub.EInvalid)
}

func TestUnreadForVisitorIsAbsolute(t *testing.T) {
	f := mustFixture(t)
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hi"}).ConversationID
	f.pub.take()
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "a"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "b"})
	var last hub.UnreadData
	for _, p := range f.pub.take() {
		if p.Event.Type == hub.EventUnread {
			if p.Topic != hub.TopicVisitor(f.visitor.ID) {
				t.Fatalf("unread went to %s", p.Topic)
			}
			if err := json.Unmarshal(p.Event.Data, &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	if last.Count != 2 || last.Version == 0 {
		t.Fatalf("last unread event = %+v, want count 2 with a version", last)
	}
}
