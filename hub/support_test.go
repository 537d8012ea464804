package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// supportFixture is the service fixture plus a staff member.
type supportFixture struct {
	*fixture
	staff hub.Actor
}

func newSupportFixture(t *testing.T) *supportFixture {
	t.Helper()
	f := mustFixture(t)
	m, err := f.svc.AddStaff(context.Background(), hub.NewMember{Email: "sam@parley.test", Name: "Sam", Password: "correct horse", Role: hub.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.svc.Login(context.Background(), "sam@parley.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	staff, err := f.svc.MemberActor(context.Background(), token)
	if err != nil || !staff.Staff || staff.ID != m.ID {
		t.Fatalf("staff actor %+v, %v", staff, err)
	}
	f.pub.take()
	return &supportFixture{fixture: f, staff: staff}
}

func mustSupportTicket(t *testing.T, f *supportFixture, a hub.Actor, in hub.NewSupportTicket) *hub.SupportTicket {
	t.Helper()
	st, err := f.svc.OpenSupportTicket(context.Background(), a, in)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func supportList(t *testing.T, f *supportFixture, a hub.Actor, sf hub.SupportFilter) []string {
	t.Helper()
	list, err := f.svc.SupportTickets(context.Background(), a, sf)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range list {
		out = append(out, st.Subject+":"+st.Status)
	}
	return out
}

// TestSupportTicketFlow walks 001: a new ticket is On Customer, staff see
// it in their inbox and answer, the workspace reads the answer as a
// visitor would (no notes), a done ticket cannot be reopened by the
// workspace, and a follow-up refers to it.
func TestSupportTicketFlow(t *testing.T) {
	t.Parallel()
	f := newSupportFixture(t)
	ctx := context.Background()
	name := "Olga"
	if _, err := f.svc.UpdateProfile(ctx, f.ownerA, hub.ProfileUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	st := mustSupportTicket(t, f, f.ownerA, hub.NewSupportTicket{Subject: "Widget does not load", Body: "Since yesterday the widget is blank."})
	if st.Status != hub.SupportOnCustomer || st.Queue != hub.QueueSupport || st.RequestType != hub.RequestQuestion || st.DueAt == nil {
		t.Fatalf("new ticket %+v", st)
	}
	// A question due in one business day: Saturday 10:00 UTC is Saturday
	// in Moscow too, so it is due Monday 18:00 Moscow (15:00 UTC).
	if want := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC); !st.DueAt.Equal(want) {
		t.Fatalf("due %v, want %v", st.DueAt, want)
	}
	// Staff's inbox is the platform tenant's ticket list.
	inbox, err := f.svc.Tickets(ctx, f.staff, hub.TicketFilter{Queue: hub.QueueSupport})
	if err != nil || len(inbox) != 1 || inbox[0].ID != st.ID || inbox[0].RequesterTenantID != f.tenant.ID || inbox[0].RequesterEmail != f.owner.Email {
		t.Fatalf("staff inbox %+v, %v", inbox, err)
	}
	if got := topics(f.pub.take(), hub.EventSupportTicket); len(got) != 1 || got[0] != hub.TopicSupport(f.tenant.ID) {
		t.Fatalf("support.ticket published to %v", got)
	}
	// The workspace's tickets are not in its own Tickets view.
	if own, err := f.svc.Tickets(ctx, f.ownerA, hub.TicketFilter{}); err != nil || len(own) != 0 {
		t.Fatalf("workspace tickets %+v, %v", own, err)
	}

	detail, err := f.svc.TicketDetail(ctx, f.staff, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, f.svc, f.staff, hub.NewMessage{ConversationID: detail.ConversationID, Body: "Which site is it?"})
	mustSend(t, f.svc, f.staff, hub.NewMessage{ConversationID: detail.ConversationID, Body: "customer on old plan", Internal: true})
	r, conv, err := f.svc.SupportConversation(ctx, f.ownerA, st.ID)
	if err != nil || conv != detail.ConversationID {
		t.Fatalf("support conversation %d, %v", conv, err)
	}
	msgs, err := f.svc.Messages(ctx, r, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, string(m.AuthorKind)+"/"+m.AuthorName+":"+m.Body)
	}
	want := []string{"visitor/Olga:Since yesterday the widget is blank.", "system/:Ticket SUP-1 created", "agent/Sam:Which site is it?"}
	if strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Fatalf("workspace sees %q, want %q", bodies, want)
	}
	listed, err := f.svc.SupportTickets(ctx, f.ownerA, hub.SupportFilter{})
	if err != nil || len(listed) != 1 || listed[0].Unread != 1 || listed[0].Status != hub.SupportOnCustomer {
		t.Fatalf("listed %+v, %v", listed, err)
	}
	// The team answered: nothing is owed until the workspace writes.
	if listed[0].DueAt != nil {
		t.Fatalf("due %v after the team's answer, want none", listed[0].DueAt)
	}
	f.now = time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC) // Monday 20:00 in Moscow
	reply := mustSend(t, f.svc, r, hub.NewMessage{ConversationID: conv, Body: "shop.test"})
	if reply.AuthorName != "Olga" {
		t.Fatalf("reply author %q", reply.AuthorName)
	}
	again, err := f.svc.SupportTicket(ctx, f.ownerA, st.ID)
	if want := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC); err != nil || again.DueAt == nil || !again.DueAt.Equal(want) {
		t.Fatalf("due after the workspace's answer %+v (%v), want %v", again, err, want)
	}

	// Done: staff resolve; the workspace cannot reopen it by writing.
	resolved := hub.TicketResolved
	if _, err := f.svc.UpdateTicket(ctx, f.staff, st.ID, hub.TicketUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendMessage(ctx, r, hub.NewMessage{ConversationID: conv, Body: "it is back"})
	wantCode(t, err, hub.EConflict)
	if done, err := f.svc.SupportTicket(ctx, f.ownerA, st.ID); err != nil || done.DueAt != nil {
		t.Fatalf("a done ticket owes nothing: %+v, %v", done, err)
	}
	if got := supportList(t, f, f.ownerA, hub.SupportFilter{Status: hub.SupportDone}); len(got) != 1 || got[0] != "Widget does not load:done" {
		t.Fatalf("done filter %v", got)
	}
	follow := mustSupportTicket(t, f, f.ownerA, hub.NewSupportTicket{Subject: "URGENT: widget blank again", Body: "Same as SUP-1.",
		FollowsTicketID: st.ID})
	if follow.FollowsTicketID != st.ID || follow.Priority != hub.PriorityUrgent || follow.RequestType != hub.RequestCritical ||
		!follow.DueAt.Equal(f.now.Add(4*time.Hour)) {
		t.Fatalf("follow-up %+v", follow)
	}
	_, err = f.svc.OpenSupportTicket(ctx, f.ownerA, hub.NewSupportTicket{Subject: "x", Body: "y", FollowsTicketID: follow.ID})
	wantCode(t, err, hub.EConflict) // still open: write in it instead

	if got := supportList(t, f, f.ownerA, hub.SupportFilter{Status: hub.SupportOnCustomer}); len(got) != 1 || got[0] != "URGENT: widget blank again:on_customer" {
		t.Fatalf("on customer filter %v", got)
	}
	if got := supportList(t, f, f.ownerA, hub.SupportFilter{Query: "urgent"}); len(got) != 1 {
		t.Fatalf("search %v", got)
	}
}

// TestSupportIsolation: another workspace sees none of it, agents and
// staff cannot use the workspace side, and bad input is refused.
func TestSupportIsolation(t *testing.T) {
	t.Parallel()
	f := newSupportFixture(t)
	ctx := context.Background()
	st := mustSupportTicket(t, f, f.ownerA, hub.NewSupportTicket{Subject: "Billing", Body: "Charged twice", RequestType: hub.RequestCritical})
	_, other := mustTenant(t, f.svc, "Other", "boss@other.test")
	otherA := hub.Actor{Kind: hub.ActorMember, ID: other.ID, TenantID: other.TenantID, Role: hub.RoleOwner}
	if got := supportList(t, f, otherA, hub.SupportFilter{}); len(got) != 0 {
		t.Fatalf("other workspace lists %v", got)
	}
	_, err := f.svc.SupportTicket(ctx, otherA, st.ID)
	wantCode(t, err, hub.ENotFound)
	_, _, err = f.svc.SupportConversation(ctx, otherA, st.ID)
	wantCode(t, err, hub.ENotFound)
	otherR, err := f.svc.RequesterActor(ctx, otherA)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendMessage(ctx, otherR, hub.NewMessage{ConversationID: st.ConversationID, Body: "hi"})
	wantCode(t, err, hub.ENotFound)

	_, agent := addMember(t, f.fixture, "agent@acme.test", hub.RoleAgent)
	_, err = f.svc.SupportTickets(ctx, agent, hub.SupportFilter{})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.RequesterActor(ctx, agent)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.OpenSupportTicket(ctx, f.staff, hub.NewSupportTicket{Subject: "x", Body: "y"})
	wantCode(t, err, hub.EForbidden)
	for _, in := range []hub.NewSupportTicket{{Subject: "", Body: "y"}, {Subject: "x", Body: " "}, {Subject: "x", Body: "y", RequestType: "gossip"}} {
		_, err = f.svc.OpenSupportTicket(ctx, f.ownerA, in)
		wantCode(t, err, hub.EInvalid)
	}
	_, err = f.svc.SupportTickets(ctx, f.ownerA, hub.SupportFilter{Status: "open"})
	wantCode(t, err, hub.EInvalid)
}

// TestSupportAccess: staff see a workspace only while its access is open,
// read-only, every view audited for the workspace; access expires.
func TestSupportAccess(t *testing.T) {
	t.Parallel()
	f := newSupportFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"}).ConversationID

	_, err := f.svc.SupportViewer(ctx, f.staff, f.tenant.ID)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.SupportViewer(ctx, f.ownerA, f.tenant.ID) // not staff
	wantCode(t, err, hub.EForbidden)
	if ws, err := f.svc.SupportWorkspaces(ctx, f.staff); err != nil || len(ws) != 0 {
		t.Fatalf("workspaces %+v, %v", ws, err)
	}

	a, err := f.svc.SetSupportAccess(ctx, f.ownerA, true, time.Hour)
	if err != nil || !a.Open || a.Until == nil || !a.Until.Equal(f.now.Add(time.Hour)) {
		t.Fatalf("open access %+v, %v", a, err)
	}
	if got := topics(f.pub.take(), hub.EventSupportAccess); len(got) != 1 || got[0] != hub.TopicInbox(f.tenant.ID) {
		t.Fatalf("support.access published to %v", got)
	}
	if ws, err := f.svc.SupportWorkspaces(ctx, f.staff); err != nil || len(ws) != 1 || ws[0].ID != f.tenant.ID {
		t.Fatalf("workspaces %+v, %v", ws, err)
	}
	viewer, err := f.svc.SupportViewer(ctx, f.staff, f.tenant.ID)
	if err != nil || !viewer.ReadOnly || viewer.TenantID != f.tenant.ID {
		t.Fatalf("viewer %+v, %v", viewer, err)
	}
	// Reads work; every write is refused and changes nothing.
	if _, err := f.svc.Messages(ctx, viewer, hub.MessageFilter{ConversationID: conv}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendMessage(ctx, viewer, hub.NewMessage{ConversationID: conv, Body: "hi from staff"})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.MarkRead(ctx, viewer, conv, 1)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.TakeOver(ctx, viewer, conv)
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.Typing(ctx, viewer, conv, true), hub.EForbidden)
	_, err = f.svc.CreateTicket(ctx, viewer, hub.NewTicket{ConversationID: conv, Subject: "x", RequesterEmail: "a@b.test"})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.ChangeRole(ctx, viewer, f.owner.ID, hub.RoleAgent)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.SetSupportAccess(ctx, viewer, true, 0)
	wantCode(t, err, hub.EForbidden)
	if msgs, _ := f.svc.Messages(ctx, f.ownerA, hub.MessageFilter{ConversationID: conv}); len(msgs) != 1 {
		t.Fatalf("the viewer changed the conversation: %d messages", len(msgs))
	}

	if err := f.svc.RecordSupportView(ctx, viewer, hub.SupportView{Kind: hub.ViewConversation, ID: conv}); err != nil {
		t.Fatal(err)
	}
	// A kind the hub does not know is recorded as "other", never as given.
	if err := f.svc.RecordSupportView(ctx, viewer, hub.SupportView{Kind: "GET /api/v1/conversations"}); err != nil {
		t.Fatal(err)
	}
	log, err := f.svc.SupportAudit(ctx, f.ownerA, 0, 0)
	if err != nil || len(log) != 3 || log[0].Action != "support.view" || log[0].ActorKind != hub.ActorStaff || log[2].Action != "support.access" {
		t.Fatalf("audit %+v, %v", log, err)
	}
	for i, want := range []hub.SupportView{{Kind: hub.ViewOther}, {Kind: hub.ViewConversation, ID: conv}} {
		seen, legacy, err := hub.SupportViewOf(log[i].Data)
		if err != nil || seen.SupportView != want || seen.Staff != "Sam" || seen.Email == "" || legacy != "" {
			t.Fatalf("audit data %s: %+v, %q, %v; want %+v by Sam", log[i].Data, seen, legacy, err, want)
		}
	}
	// An entry written before SupportView keeps its request line for the
	// adapter that wrote it.
	seen, legacy, err := hub.SupportViewOf([]byte(`{"what":"GET /api/v1/tickets","staff":"Sam","email":"sam@p.test"}`))
	if err != nil || seen.Kind != "" || seen.Staff != "Sam" || legacy != "GET /api/v1/tickets" {
		t.Fatalf("an old entry reads %+v, %q, %v", seen, legacy, err)
	}

	// The hour passes: access closes by itself.
	f.now = f.now.Add(time.Hour)
	_, err = f.svc.SupportViewer(ctx, f.staff, f.tenant.ID)
	wantCode(t, err, hub.EForbidden)
	if a, err := f.svc.SupportAccessOf(ctx, f.ownerA); err != nil || a.Open {
		t.Fatalf("expired access reads %+v, %v", a, err)
	}
	// Until turned off, then off.
	if _, err := f.svc.SetSupportAccess(ctx, f.ownerA, true, 0); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(90 * 24 * time.Hour)
	if _, err := f.svc.SupportViewer(ctx, f.staff, f.tenant.ID); err != nil {
		t.Fatalf("open until turned off: %v", err)
	}
	if _, err := f.svc.SetSupportAccess(ctx, f.ownerA, false, 0); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SupportViewer(ctx, f.staff, f.tenant.ID)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.SetSupportAccess(ctx, f.ownerA, true, 31*24*time.Hour)
	wantCode(t, err, hub.EInvalid)
}

// TestSupportReview: the four-step review of an assistant answer opens an
// On Customer ticket in the AI training queue with the context report.
func TestSupportReview(t *testing.T) {
	t.Parallel()
	f := newSupportFixture(t)
	ctx := context.Background()
	a := &scripted{decisions: []hub.Decision{{Action: hub.ActionAnswer, Body: "Delivery takes 3 days.", StatusType: hub.StatusMatchedContent,
		Trace: hub.DecisionTrace{Language: "en", Provider: "builtin", AnswerSource: "knowledge_base", Decision: "answered from the knowledge base",
			Tools:   []hub.ToolUse{{Name: "knowledge_search", Input: "delivery", Result: "1 entry"}},
			Sources: []hub.KBSource{{EntryID: 7, Title: "Shipping", Score: 0.8, Used: true}}}}}}
	q := visitorSays(t, f.fixture, a, "How long is delivery to Berlin?")
	answer := lastMessage(t, f.fixture, q.ConversationID)
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: q.ConversationID, Body: "VIP customer", Internal: true})

	rc, err := f.svc.ReviewContext(ctx, f.ownerA, answer.ID)
	if err != nil || rc.Question != "How long is delivery to Berlin?" || rc.Trace == nil || rc.Trace.Language != "en" {
		t.Fatalf("review context %+v, %v", rc, err)
	}
	_, err = f.svc.ReviewContext(ctx, f.ownerA, q.ID) // the visitor's message
	wantCode(t, err, hub.ENotFound)
	_, other := mustTenant(t, f.svc, "Other", "boss@other.test")
	_, err = f.svc.ReviewContext(ctx, hub.Actor{Kind: hub.ActorMember, ID: other.ID, TenantID: other.TenantID, Role: hub.RoleOwner}, answer.ID)
	wantCode(t, err, hub.ENotFound)

	review := hub.Review{MessageID: answer.ID, Verdict: hub.VerdictInstructions, Expected: "Delivery to Berlin takes 5 days.", Cause: "inaccuracy", Comments: "Check the EU table."}
	_, err = f.svc.SubmitReview(ctx, f.ownerA, hub.Review{MessageID: answer.ID, Cause: "inaccuracy"})
	wantCode(t, err, hub.EInvalid) // the expected response is required
	_, err = f.svc.SubmitReview(ctx, f.ownerA, hub.Review{MessageID: answer.ID, Expected: "x", Cause: "bad vibes"})
	wantCode(t, err, hub.EInvalid)

	report, err := f.svc.ReviewReport(ctx, f.ownerA, review)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Message language: English", "Tool used: knowledge_search", `Knowledge base: "Shipping"`,
		"Final decision: answered from the knowledge base", "Verdict: It's the instructions", "Cause: Inaccuracy (made-up facts)",
		"USER How long is delivery to Berlin?", "ASSISTANT Delivery takes 3 days."} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "VIP customer") {
		t.Error("the report carries the workspace's private note")
	}

	// An agent may send a review; it lands in the workspace's Support.
	_, agent := addMember(t, f.fixture, "agent@acme.test", hub.RoleAgent)
	st, err := f.svc.SubmitReview(ctx, agent, review)
	if err != nil || st.Queue != hub.QueueAIReview || st.Status != hub.SupportOnCustomer || st.RequestType != hub.RequestReview {
		t.Fatalf("review ticket %+v, %v", st, err)
	}
	staffView, err := f.svc.TicketDetail(ctx, f.staff, st.ID)
	if err != nil || staffView.Status != hub.TicketOnCustomer {
		t.Fatalf("staff view %+v, %v", staffView, err)
	}
	msgs, err := f.svc.Messages(ctx, f.staff, hub.MessageFilter{ConversationID: st.ConversationID})
	if err != nil {
		t.Fatal(err)
	}
	first, file := msgs[0], msgs[len(msgs)-1]
	if first.Body != "Expected response: Delivery to Berlin takes 5 days., Cause: Inaccuracy (made-up facts)\n\nAdditional comments: Check the EU table." {
		t.Fatalf("summary %q", first.Body)
	}
	if file.Attachment == nil || !strings.HasPrefix(file.Attachment.Name, "context-report-") {
		t.Fatalf("no context report attached: %+v", file)
	}
	if got := supportList(t, f, f.ownerA, hub.SupportFilter{}); len(got) != 1 || !strings.HasSuffix(got[0], ":on_customer") {
		t.Fatalf("owner's support list %v", got)
	}
}

// TestSupportDue: response targets count the team's business time.
func TestSupportDue(t *testing.T) {
	p := hub.SupportPolicy{} // 09:00–18:00 Monday to Friday, Moscow (UTC+3)
	msk := time.FixedZone("MSK", 3*3600)
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, msk) }
	for _, tc := range []struct {
		name string
		kind string
		from time.Time
		want time.Time
	}{
		{"critical: clock hours", hub.RequestCritical, at(21, 23, 0), at(22, 3, 0)},
		{"question on Monday morning", hub.RequestQuestion, at(23, 10, 0), at(24, 10, 0)},
		{"question before hours", hub.RequestQuestion, at(23, 7, 0), at(23, 18, 0)},
		{"question on Friday evening", hub.RequestQuestion, at(27, 17, 0), at(30, 17, 0)},
		{"feature on Thursday noon", hub.RequestFeature, at(26, 12, 0), at(30, 12, 0)},
		{"review on Saturday", hub.RequestReview, at(21, 12, 0), at(25, 18, 0)},
	} {
		if got := p.Due(tc.kind, tc.from); !got.Equal(tc.want) {
			t.Errorf("%s: due %v, want %v", tc.name, got.In(msk), tc.want)
		}
	}
	custom := hub.SupportPolicy{Hours: hub.BusinessHours{TimeZone: "UTC", Start: "10:00", End: "12:00", Days: []time.Weekday{time.Saturday}}}
	if got, want := custom.Due(hub.RequestFeature, time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)), time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("custom hours: due %v, want %v", got, want)
	}
}

// TestSupportListBeforeAnyTicket: listing creates nothing.
func TestSupportListBeforeAnyTicket(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	list, err := f.svc.SupportTickets(context.Background(), f.ownerA, hub.SupportFilter{})
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("list %v, %v", list, err)
	}
	_, err = f.svc.Store.FindPlatformTenant(context.Background())
	wantCode(t, err, hub.ENotFound)
}
