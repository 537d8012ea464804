package hub_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// auditOf returns the audit actions on subject, newest first, with their data.
func auditOf(tb testing.TB, f *fixture, subject string) ([]string, []string) {
	tb.Helper()
	es, err := f.svc.Store.FindAuditEntries(context.Background(), hub.AuditFilter{TenantID: f.tenant.ID, Subject: subject})
	if err != nil {
		tb.Fatal(err)
	}
	var actions, data []string
	for _, e := range es {
		actions = append(actions, e.Action)
		data = append(data, string(e.Data))
	}
	return actions, data
}

// otherTenant is a second workspace with its owner, for isolation checks.
func otherTenant(tb testing.TB, f *fixture) hub.Actor {
	tb.Helper()
	tn, owner := mustTenant(tb, f.svc, "Other", fmt.Sprintf("owner%d@other.test", time.Now().UnixNano()))
	return hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tn.ID, Role: hub.RoleOwner}
}

func TestConversationFilterValidation(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, bad := range []hub.ConversationFilter{
		{Feedback: "all"},
		{Status: "archived"},
		{Since: day, Until: day},
		{Since: day.AddDate(0, 0, 1), Until: day},
	} {
		_, err := f.svc.ConversationDetails(ctx, f.ownerA, bad)
		wantCode(t, err, hub.EInvalid)
	}
	_, err := f.svc.ConversationDetails(ctx, f.visitor, hub.ConversationFilter{})
	wantCode(t, err, hub.EForbidden)
	// "any", the name "either" had before, still means either.
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hi"}).ConversationID
	answer := mustSend(t, f.svc, hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}, hub.NewMessage{ConversationID: conv, Body: "Hello"})
	if _, err := f.svc.SetFeedback(ctx, f.visitor, answer.ID, hub.FeedbackDown); err != nil {
		t.Fatal(err)
	}
	for _, ff := range []hub.FeedbackFilter{"any", hub.FeedbackEither} {
		list, err := f.svc.ConversationDetails(ctx, f.ownerA, hub.ConversationFilter{Feedback: ff})
		if err != nil || len(list) != 1 || list[0].ID != conv {
			t.Fatalf("feedback=%s: %v, %v; want conversation %d", ff, list, err, conv)
		}
	}
}

// TestFeedbackCounters: every vote, change of vote and withdrawal moves
// the conversation's counters in the vote's transaction, and the feedback
// filters follow them.
func TestFeedbackCounters(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "How do refunds work?"}).ConversationID
	assistant := hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}
	a1 := mustSend(t, f.svc, assistant, hub.NewMessage{ConversationID: conv, Body: "See our policy."})
	a2 := mustSend(t, f.svc, assistant, hub.NewMessage{ConversationID: conv, Body: "Anything else?"})
	quiet := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "x", Internal: true}).ConversationID
	if quiet != conv {
		t.Fatal("note in another conversation")
	}
	// A second visitor without votes.
	visit, err := f.start(t, hub.VisitorStart{})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := f.svc.VisitorActor(ctx, visit.Token)
	plain := mustSend(t, f.svc, second, hub.NewMessage{Body: "hello"}).ConversationID
	f.pub.take()

	steps := []struct {
		msg      *hub.Message
		vote     string
		up, down int
		// matches lists the feedback filters conv matches afterwards.
		matches []hub.FeedbackFilter
	}{
		{a1, hub.FeedbackUp, 1, 0, []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackUpOnly}},
		{a2, hub.FeedbackDown, 1, 1, []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackBoth}},
		{a1, hub.FeedbackDown, 0, 2, []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackDownOnly}},
		{a1, hub.FeedbackDown, 0, 2, []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackDownOnly}}, // the same again
		{a1, hub.FeedbackNone, 0, 1, []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackDownOnly}},
		{a2, hub.FeedbackNone, 0, 0, []hub.FeedbackFilter{hub.FeedbackNeither}},
	}
	for i, st := range steps {
		if _, err := f.svc.SetFeedback(ctx, f.visitor, st.msg.ID, st.vote); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		c := mustConversation(t, f.svc, f.ownerA, conv)
		if c.FeedbackUp != st.up || c.FeedbackDown != st.down {
			t.Fatalf("step %d: counters up %d, down %d; want %d, %d", i, c.FeedbackUp, c.FeedbackDown, st.up, st.down)
		}
		events := f.pub.take()
		if i == 3 && len(events) != 0 {
			t.Fatalf("voting the same again published %d events", len(events))
		}
		if i != 3 && !slices.Contains(topics(events, hub.EventConversationUpdated), hub.TopicInbox(f.tenant.ID)) {
			t.Fatalf("step %d: no conversation.updated for the inbox", i)
		}
		for _, ff := range []hub.FeedbackFilter{hub.FeedbackEither, hub.FeedbackUpOnly, hub.FeedbackDownOnly, hub.FeedbackBoth, hub.FeedbackNeither} {
			list, err := f.svc.ConversationDetails(ctx, f.ownerA, hub.ConversationFilter{Feedback: ff})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, d := range list {
				got = append(got, d.ID)
			}
			want := []int64{}
			if slices.Contains(st.matches, ff) {
				want = append(want, conv)
			}
			if ff == hub.FeedbackNeither {
				want = append(want, plain)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("step %d: feedback=%s lists %v, want %v", i, ff, got, want)
			}
		}
	}
}

// TestConversationDetails: lists and the detail carry the visitor's
// identity card; other workspaces see nothing.
func TestConversationDetails(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	updateVisitor(t, f, func(v *hub.Visitor) {
		v.ExternalID, v.Email, v.Name, v.Country, v.Device = "u-42", "ann@example.com", "Ann", "DE", "Firefox on Linux"
		v.Traits, v.CurrentPage = json.RawMessage(`{"plan":"pro"}`), "https://shop.test/cart"
	})
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hi"}).ConversationID
	list, err := f.svc.ConversationDetails(ctx, f.ownerA, hub.ConversationFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	for _, d := range []*hub.ConversationDetail{&list[0], mustDetail(t, f, conv)} {
		v := d.Visitor
		if d.ID != conv || v == nil || v.ID != f.visitor.ID || v.ExternalID != "u-42" || v.Email != "ann@example.com" ||
			v.Name != "Ann" || v.Country != "DE" || v.Device != "Firefox on Linux" || string(v.Traits) != `{"plan":"pro"}` ||
			v.CurrentPage != "https://shop.test/cart" || !strings.HasPrefix(v.AnonymousID, "anon_") || v.FirstSeen.IsZero() || v.LastSeen.IsZero() {
			t.Fatalf("identity card: %+v", v)
		}
	}
	raw, err := json.Marshal(list[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"id":`, `"visitor":{`, `"anonymous_id":`, `"external_id":"u-42"`, `"traits":{"plan":"pro"}`,
		`"first_seen":`, `"last_seen":`, `"feedback_up":0`, `"feedback_down":0`, `"handoff":`} {
		if !strings.Contains(string(raw), field) {
			t.Errorf("conversation JSON lacks %s: %s", field, raw)
		}
	}

	other := otherTenant(t, f)
	if list, err := f.svc.ConversationDetails(ctx, other, hub.ConversationFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("other workspace lists %+v, %v", list, err)
	}
	_, err = f.svc.ConversationDetail(ctx, other, conv)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.ConversationDetail(ctx, f.visitor, conv)
	wantCode(t, err, hub.EForbidden)
}

func mustDetail(tb testing.TB, f *fixture, id int64) *hub.ConversationDetail {
	tb.Helper()
	d, err := f.svc.ConversationDetail(context.Background(), f.ownerA, id)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestTakeOver(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "I need help"}).ConversationID
	f.pub.take()

	c, err := f.svc.TakeOver(ctx, f.ownerA, conv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Handoff != hub.HandoffHuman || c.Owner != hub.OwnerHuman || c.AssigneeID != f.owner.ID {
		t.Fatalf("after take-over: %+v", c)
	}
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.AuthorKind != hub.AuthorSystem || last.Body != f.owner.Name+" joined the conversation" {
		t.Fatalf("the visitor's thread ends with %+v", last)
	}
	events := f.pub.take()
	if got := topics(events, hub.EventMessageCreated); !slices.Equal(got, []string{hub.TopicConversation(conv), hub.TopicVisitor(f.visitor.ID)}) {
		t.Fatalf("message.created went to %v", got)
	}
	if got := topics(events, hub.EventConversationUpdated); !slices.Contains(got, hub.TopicInbox(f.tenant.ID)) {
		t.Fatalf("conversation.updated went to %v", got)
	}
	if actions, _ := auditOf(t, f, fmt.Sprintf("conversation:%d", conv)); !slices.Equal(actions, []string{"conversation.take_over"}) {
		t.Fatalf("audit: %v", actions)
	}
	// The assistant has nothing pending in a human's conversation.
	wantState(t, f, conv, hub.HandoffHuman)
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "still there?"})
	if pending, err := f.svc.Store.FindPendingAssistantConversations(ctx, f.now.Add(time.Hour), 10); err != nil || len(pending) != 0 {
		t.Fatalf("pending for the assistant: %+v, %v", pending, err)
	}

	// Again: nothing changes, nothing is said.
	f.pub.take()
	again, err := f.svc.TakeOver(ctx, f.ownerA, conv)
	if err != nil || again.Version != mustConversation(t, f.svc, f.ownerA, conv).Version || len(f.pub.take()) != 0 {
		t.Fatalf("second take-over: %+v, %v", again, err)
	}
	// A colleague takes it over in turn.
	colleague := knowledgeMember(t, f, "bob@acme.test", hub.RoleAgent)
	if c, err := f.svc.TakeOver(ctx, colleague, conv); err != nil || c.AssigneeID != colleague.ID {
		t.Fatalf("colleague's take-over: %+v, %v", c, err)
	}

	_, err = f.svc.TakeOver(ctx, otherTenant(t, f), conv)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.TakeOver(ctx, f.visitor, conv)
	wantCode(t, err, hub.EForbidden)
}

func TestExportConversation(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Refund please"}).ConversationID
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "check the order", Internal: true})
	tk, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{ConversationID: conv, Subject: "Refund", RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: fmt.Sprintf("reply %d", i)})
	}
	x, err := f.svc.ExportConversation(ctx, f.ownerA, conv)
	if err != nil {
		t.Fatal(err)
	}
	c := mustConversation(t, f.svc, f.ownerA, conv)
	if len(x.Messages) != int(c.LastSeq) || x.Conversation.ID != conv || x.Visitor == nil || x.Visitor.ID != f.visitor.ID ||
		x.Ticket == nil || x.Ticket.ID != tk.ID || !x.ExportedAt.Equal(f.now) {
		t.Fatalf("export: %d messages of %d, %+v", len(x.Messages), c.LastSeq, x)
	}
	for i, m := range x.Messages {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
	if !x.Messages[1].Internal {
		t.Fatal("the export leaves out the internal note")
	}
	if actions, data := auditOf(t, f, fmt.Sprintf("conversation:%d", conv)); len(actions) != 1 || actions[0] != "conversation.export" ||
		data[0] != fmt.Sprintf(`{"messages":%d}`, c.LastSeq) {
		t.Fatalf("audit: %v %v", actions, data)
	}
	_, err = f.svc.ExportConversation(ctx, otherTenant(t, f), conv)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.ExportConversation(ctx, f.visitor, conv)
	wantCode(t, err, hub.EForbidden)
}

func TestViewingEvent(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hi"}).ConversationID
	f.pub.take()
	if err := f.svc.Viewing(ctx, f.ownerA, conv, true, false); err != nil {
		t.Fatal(err)
	}
	events := f.pub.take()
	if len(events) != 1 || events[0].Topic != hub.TopicConversation(conv) || events[0].Event.Type != hub.EventViewing {
		t.Fatalf("viewing published %+v; want one event on the agents' conversation topic", events)
	}
	var d hub.ViewingData
	if err := json.Unmarshal(events[0].Event.Data, &d); err != nil || d != (hub.ViewingData{ConversationID: conv, MemberID: f.owner.ID, Name: f.owner.Name, Viewing: true}) {
		t.Fatalf("viewing data %s", events[0].Event.Data)
	}
	wantCode(t, f.svc.Viewing(ctx, f.visitor, conv, true, false), hub.EForbidden)
	wantCode(t, f.svc.Viewing(ctx, otherTenant(t, f), conv, true, false), hub.ENotFound)
	if len(f.pub.take()) != 0 {
		t.Fatal("a refused viewing published an event")
	}
}

// TestTicketDetailAndActivity: a ticket shows the member's unread count of
// its conversation and its last activity, and its detail carries the
// visitor and the conversation; status changes and assignments keep
// working.
func TestTicketDetailAndActivity(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	tk, conv := mustTicket(t, f)
	f.now = f.now.Add(time.Minute)
	mustSend(t, f.svc, f.visitor, hub.NewMessage{ConversationID: conv, Body: "any news?"})

	list, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("tickets: %+v, %v", list, err)
	}
	if list[0].Unread == nil || *list[0].Unread != 2 || !list[0].LastActivityAt.Equal(f.now) {
		t.Fatalf("listed ticket: unread %v, last activity %v; want 2, %v", list[0].Unread, list[0].LastActivityAt, f.now)
	}
	d, err := f.svc.TicketDetail(ctx, f.ownerA, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Visitor == nil || d.Visitor.ID != f.visitor.ID || d.Conversation == nil || d.Conversation.ID != conv {
		t.Fatalf("detail: %+v", d)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"ref":"TKT-1"`, `"visitor":{`, `"conversation":{`, `"unread":2`, `"last_activity_at":`, `"subject":"Refund request"`} {
		if !strings.Contains(string(raw), field) {
			t.Errorf("ticket detail JSON lacks %s: %s", field, raw)
		}
	}

	// Assign, then resolve: stamps resolved at and by.
	colleague := knowledgeMember(t, f, "carol@acme.test", hub.RoleAgent)
	f.now = f.now.Add(time.Minute)
	got, err := f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(colleague.ID)})
	// What an update answers is everyone's: no member's own unread.
	if err != nil || got.AssigneeID != colleague.ID || !got.LastActivityAt.Equal(f.now) || got.Unread != nil {
		t.Fatalf("assign: %+v, %v", got, err)
	}
	resolved := hub.TicketResolved
	got, err = f.svc.UpdateTicket(ctx, colleague, tk.ID, hub.TicketUpdate{Status: &resolved})
	if err != nil || got.Status != hub.TicketResolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(f.now) || got.ResolvedBy != colleague.ID {
		t.Fatalf("resolve: %+v, %v", got, err)
	}
	other := otherTenant(t, f)
	_, err = f.svc.UpdateTicket(ctx, f.ownerA, tk.ID, hub.TicketUpdate{AssigneeID: ptr(other.ID)})
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.TicketDetail(ctx, other, tk.ID)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.UpdateTicket(ctx, other, tk.ID, hub.TicketUpdate{Status: &resolved})
	wantCode(t, err, hub.ENotFound)

	// A ticket without a chat has neither.
	lone, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{Subject: "Phone call", RequesterEmail: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := f.svc.TicketDetail(ctx, f.ownerA, lone.ID); err != nil || d.Visitor != nil || d.Conversation != nil || d.Unread == nil || *d.Unread != 0 {
		t.Fatalf("detail without a chat: %+v, %v", d, err)
	}
}

func TestCannedResponses(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	agent := knowledgeMember(t, f, "dave@acme.test", hub.RoleAgent)
	admin := knowledgeMember(t, f, "erin@acme.test", hub.RoleAdmin)

	c, err := f.svc.CreateCannedResponse(ctx, admin, hub.NewCannedResponse{Title: "  Refund policy ", Body: " We refund within 14 days.\n"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Refund policy" || c.Body != "We refund within 14 days." || c.TenantID != f.tenant.ID || c.CreatedBy != admin.ID {
		t.Fatalf("created %+v", c)
	}
	if _, err := f.svc.CreateCannedResponse(ctx, f.ownerA, hub.NewCannedResponse{Title: "Greeting", Body: "Hello!"}); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.CannedResponses(ctx, agent)
	if err != nil || len(list) != 2 || list[0].Title != "Greeting" || list[1].ID != c.ID {
		t.Fatalf("agent's list: %+v, %v", list, err)
	}
	if got, err := f.svc.CannedResponse(ctx, agent, c.ID); err != nil || got.Body != c.Body {
		t.Fatalf("agent reads: %+v, %v", got, err)
	}

	// Agents read, they do not write.
	_, err = f.svc.CreateCannedResponse(ctx, agent, hub.NewCannedResponse{Title: "x", Body: "y"})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.UpdateCannedResponse(ctx, agent, c.ID, hub.CannedResponseUpdate{Body: ptr("z")})
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.DeleteCannedResponse(ctx, agent, c.ID), hub.EForbidden)
	// Validation.
	for _, bad := range []hub.NewCannedResponse{{Title: " ", Body: "x"}, {Title: "x", Body: ""},
		{Title: strings.Repeat("я", hub.MaxCannedTitle+1), Body: "x"}, {Title: "x", Body: strings.Repeat("a", hub.MaxBodyBytes+1)}} {
		_, err := f.svc.CreateCannedResponse(ctx, admin, bad)
		wantCode(t, err, hub.EInvalid)
	}
	_, err = f.svc.UpdateCannedResponse(ctx, admin, c.ID, hub.CannedResponseUpdate{Title: ptr("")})
	wantCode(t, err, hub.EInvalid)

	f.now = f.now.Add(time.Hour)
	up, err := f.svc.UpdateCannedResponse(ctx, admin, c.ID, hub.CannedResponseUpdate{Body: ptr("Within 30 days.")})
	if err != nil || up.Title != "Refund policy" || up.Body != "Within 30 days." || !up.UpdatedAt.Equal(f.now) {
		t.Fatalf("update: %+v, %v", up, err)
	}

	// Another workspace sees none of it.
	other := otherTenant(t, f)
	if list, err := f.svc.CannedResponses(ctx, other); err != nil || len(list) != 0 {
		t.Fatalf("other workspace lists %+v, %v", list, err)
	}
	_, err = f.svc.CannedResponse(ctx, other, c.ID)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.UpdateCannedResponse(ctx, other, c.ID, hub.CannedResponseUpdate{Body: ptr("mine")})
	wantCode(t, err, hub.ENotFound)
	wantCode(t, f.svc.DeleteCannedResponse(ctx, other, c.ID), hub.ENotFound)
	_, err = f.svc.CannedResponses(ctx, f.visitor)
	wantCode(t, err, hub.EForbidden)

	if err := f.svc.DeleteCannedResponse(ctx, f.ownerA, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CannedResponse(ctx, agent, c.ID)
	wantCode(t, err, hub.ENotFound)
	actions, _ := auditOf(t, f, fmt.Sprintf("canned_response:%d", c.ID))
	if !slices.Equal(actions, []string{"canned_response.delete", "canned_response.update", "canned_response.create"}) {
		t.Fatalf("audit: %v", actions)
	}
}

func TestRotateIdentitySecret(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	hash := func(secret, id string) string {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(id))
		return hex.EncodeToString(mac.Sum(nil))
	}
	old := f.site.IdentitySecret
	if _, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{ExternalID: "u1", UserHash: hash(old, "u1")}}); err != nil {
		t.Fatalf("old secret before rotation: %v", err)
	}
	secret, err := f.svc.RotateIdentitySecret(ctx, f.ownerA, f.site.ID)
	if err != nil || secret == "" || secret == old {
		t.Fatalf("rotate: %q, %v", secret, err)
	}
	_, err = f.start(t, hub.VisitorStart{Identity: &hub.Identity{ExternalID: "u1", UserHash: hash(old, "u1")}})
	wantCode(t, err, hub.EForbidden)
	if _, err := f.start(t, hub.VisitorStart{Identity: &hub.Identity{ExternalID: "u1", UserHash: hash(secret, "u1")}}); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	actions, data := auditOf(t, f, fmt.Sprintf("site:%d", f.site.ID))
	if actions[0] != "site.identity_secret" || strings.Contains(data[0], secret) {
		t.Fatalf("audit: %v %v", actions, data)
	}

	agent := knowledgeMember(t, f, "frank@acme.test", hub.RoleAgent)
	_, err = f.svc.RotateIdentitySecret(ctx, agent, f.site.ID)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.RotateIdentitySecret(ctx, otherTenant(t, f), f.site.ID)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.CreateSite(ctx, agent, hub.NewSite{TenantID: f.tenant.ID, Name: "Blog"})
	wantCode(t, err, hub.EForbidden)
}

// TestTicketFilterIDs: a list's ids filter keeps those tickets, of the
// caller's workspace only, and takes at most hub.MaxFilterIDs positive ids
// (docs/api.md "Tickets"), for site and support lists alike.
func TestTicketFilterIDs(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	tk, _ := mustTicket(t, f)
	list, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{IDs: []int64{tk.ID, tk.ID + 1000}})
	if err != nil || len(list) != 1 || list[0].ID != tk.ID {
		t.Fatalf("tickets by ids: %+v, %v", list, err)
	}
	tooMany := make([]int64, hub.MaxFilterIDs+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	for _, ids := range [][]int64{tooMany, {tk.ID, 0}} {
		if _, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{IDs: ids}); !hub.IsCode(err, hub.EInvalid) {
			t.Errorf("tickets by %d ids: %v, want invalid", len(ids), err)
		}
		if _, err := f.svc.SupportTickets(ctx, f.ownerA, hub.SupportFilter{IDs: ids}); !hub.IsCode(err, hub.EInvalid) {
			t.Errorf("support tickets by %d ids: %v, want invalid", len(ids), err)
		}
	}
	if list, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{IDs: tooMany[:hub.MaxFilterIDs]}); err != nil || len(list) > 1 {
		t.Fatalf("tickets by %d ids: %d, %v", hub.MaxFilterIDs, len(list), err)
	}
}
