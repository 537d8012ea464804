package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// cell is one cell of the status table: the status a ticket ends in, or
// the reason the event is refused.
type cell struct {
	next   hub.TicketStatus
	reason string
}

var allStatuses = []hub.TicketStatus{hub.TicketOpen, hub.TicketInProgress, hub.TicketOnCustomer, hub.TicketResolved, hub.TicketClosed}

// The status table of docs/architecture.md "Conversation lifecycle", by
// kind of ticket, event and status. An explicit choice is tested apart.
var statusTable = map[string]map[string]map[hub.TicketStatus]cell{
	"site": {
		"requester": {
			hub.TicketOpen: {next: hub.TicketOpen}, hub.TicketInProgress: {next: hub.TicketInProgress},
			hub.TicketOnCustomer: {next: hub.TicketOnCustomer}, hub.TicketResolved: {next: hub.TicketOpen},
			hub.TicketClosed: {reason: hub.ReasonConversationClosed},
		},
		"team": {
			hub.TicketOpen: {next: hub.TicketInProgress}, hub.TicketInProgress: {next: hub.TicketInProgress},
			hub.TicketOnCustomer: {next: hub.TicketOnCustomer}, hub.TicketResolved: {next: hub.TicketResolved},
			hub.TicketClosed: {next: hub.TicketClosed},
		},
	},
	"support": {
		"requester": {
			hub.TicketOpen: {next: hub.TicketOpen}, hub.TicketInProgress: {next: hub.TicketInProgress},
			hub.TicketOnCustomer: {next: hub.TicketOpen}, hub.TicketResolved: {reason: hub.ReasonTicketDone},
			hub.TicketClosed: {reason: hub.ReasonTicketDone},
		},
		"team": {
			hub.TicketOpen: {next: hub.TicketOnCustomer}, hub.TicketInProgress: {next: hub.TicketOnCustomer},
			hub.TicketOnCustomer: {next: hub.TicketOnCustomer}, hub.TicketResolved: {reason: hub.ReasonTicketDone},
			hub.TicketClosed: {reason: hub.ReasonTicketDone},
		},
	},
}

// chooseCell is an agent's explicit choice of next in status from: any
// status, but a support ticket's Done is final.
func chooseCell(kind string, from, next hub.TicketStatus) cell {
	if kind == "support" && !from.Active() && next.Active() {
		return cell{reason: hub.ReasonTicketDone}
	}
	return cell{next: next}
}

// lifecycleCase is a ticket of one kind, with who writes as the requester
// and as the team.
type lifecycleCase struct {
	svc             *hub.Service
	requester, team hub.Actor
	ticket          int64
	conv            int64
}

func newLifecycleCase(t *testing.T, kind string) *lifecycleCase {
	t.Helper()
	if kind == "site" {
		return newSiteCase(t, mustFixture(t))
	}
	return newSupportCase(t, newSupportFixture(t))
}

// newSiteCase is a new visitor's ticket in f's workspace, opened by the
// assistant, Open.
func newSiteCase(t *testing.T, f *fixture) *lifecycleCase {
	t.Helper()
	v := otherVisitor(t, f)
	conv := mustSend(t, f.svc, v, hub.NewMessage{Body: "I want a refund"}).ConversationID
	tk, err := f.svc.CreateTicket(context.Background(), hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID},
		hub.NewTicket{ConversationID: conv, Subject: "Refund request", RequesterEmail: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return &lifecycleCase{svc: f.svc, requester: v, team: f.ownerA, ticket: tk.ID, conv: conv}
}

// newSupportCase is a new support ticket of f's workspace.
func newSupportCase(t *testing.T, f *supportFixture) *lifecycleCase {
	t.Helper()
	ctx := context.Background()
	st := mustSupportTicket(t, f, f.ownerA, hub.NewSupportTicket{Subject: "Widget", Body: "It is blank."})
	_, conv, err := f.svc.SupportConversation(ctx, f.ownerA, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.RequesterActor(ctx, f.ownerA)
	if err != nil {
		t.Fatal(err)
	}
	return &lifecycleCase{svc: f.svc, requester: r, team: f.staff, ticket: st.ID, conv: conv}
}

func (c *lifecycleCase) status(t *testing.T) hub.TicketStatus {
	t.Helper()
	tk, err := c.svc.Ticket(context.Background(), c.team, c.ticket)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Status
}

// set puts the ticket into status st, the way an agent would.
func (c *lifecycleCase) set(t *testing.T, st hub.TicketStatus) {
	t.Helper()
	if c.status(t) == st {
		return
	}
	if _, err := c.svc.UpdateTicket(context.Background(), c.team, c.ticket, hub.TicketUpdate{Status: &st}); err != nil {
		t.Fatalf("set %s: %v", st, err)
	}
}

func wantCell(t *testing.T, c *lifecycleCase, err error, want cell) {
	t.Helper()
	if want.reason != "" {
		if hub.ErrorCode(err) != hub.EConflict || hub.ErrorReason(err) != want.reason {
			t.Fatalf("got %v (reason %q), want conflict %s", err, hub.ErrorReason(err), want.reason)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := c.status(t); got != want.next {
		t.Fatalf("status %s, want %s", got, want.next)
	}
}

// TestTicketStatusTable checks every cell of the status table through the
// Service: for each kind of ticket, each status and each event, the
// status the ticket ends in, or the refusal with its reason; and that an
// internal note moves nothing and the conversation follows its ticket.
// Each cell has a ticket of its own, in one workspace per kind.
func TestTicketStatusTable(t *testing.T) {
	t.Parallel()
	site, support := mustFixture(t), newSupportFixture(t)
	newLifecycleCase := func(t *testing.T, kind string) *lifecycleCase {
		t.Helper()
		if kind == "site" {
			return newSiteCase(t, site)
		}
		return newSupportCase(t, support)
	}
	for _, kind := range []string{"site", "support"} {
		for _, from := range allStatuses {
			for _, ev := range []string{"requester", "team", "note"} {
				t.Run(fmt.Sprintf("%s/%s/%s", kind, from, ev), func(t *testing.T) {
					t.Parallel()
					c := newLifecycleCase(t, kind)
					ctx := context.Background()
					c.set(t, from)
					var err error
					want := cell{next: from}
					switch ev {
					case "requester":
						_, err = c.svc.SendMessage(ctx, c.requester, hub.NewMessage{ConversationID: c.conv, Body: "more details"})
						want = statusTable[kind][ev][from]
					case "team":
						_, err = c.svc.SendMessage(ctx, c.team, hub.NewMessage{ConversationID: c.conv, Body: "we are on it"})
						want = statusTable[kind][ev][from]
					case "note":
						_, err = c.svc.SendMessage(ctx, c.team, hub.NewMessage{ConversationID: c.conv, Body: "a note", Internal: true})
					}
					wantCell(t, c, err, want)
					conv, err := c.svc.Conversation(ctx, c.team, c.conv)
					if err != nil {
						t.Fatal(err)
					}
					st := c.status(t)
					wantConv := map[hub.TicketStatus]string{hub.TicketResolved: hub.ConversationResolved, hub.TicketClosed: hub.ConversationClosed}[st]
					if wantConv == "" {
						wantConv = hub.ConversationOpen
					}
					if conv.Status != wantConv {
						t.Fatalf("conversation %s with a %s ticket, want %s", conv.Status, st, wantConv)
					}
				})
			}
		}
		// An agent's explicit choice, from every status to every status.
		for _, from := range allStatuses {
			for _, next := range allStatuses {
				t.Run(fmt.Sprintf("%s/%s/choose_%s", kind, from, next), func(t *testing.T) {
					t.Parallel()
					c := newLifecycleCase(t, kind)
					c.set(t, from)
					_, err := c.svc.UpdateTicket(context.Background(), c.team, c.ticket, hub.TicketUpdate{Status: &next})
					wantCell(t, c, err, chooseCell(kind, from, next))
				})
			}
		}
	}
}

// TestStatusTableInDocs: the two tables of docs/architecture.md
// "Conversation lifecycle" say what statusTable and chooseCell say.
func TestStatusTableInDocs(t *testing.T) {
	raw, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	label := map[string]hub.TicketStatus{}
	for _, s := range allStatuses {
		label[s.Label()] = s
	}
	for _, kind := range []string{"site", "support"} {
		heading := map[string]string{"site": "#### Site tickets", "support": "#### Support tickets"}[kind]
		at := strings.Index(doc, heading)
		if at < 0 {
			t.Fatalf("docs/architecture.md has no %q", heading)
		}
		rows := 0
		for _, line := range strings.Split(doc[at:], "\n")[1:] {
			if strings.HasPrefix(line, "#") || rows == len(allStatuses) {
				break
			}
			cols := strings.Split(strings.Trim(line, "| "), " | ")
			from, ok := label[strings.TrimSpace(cols[0])]
			if !ok || len(cols) != 4 {
				continue
			}
			rows++
			for i, ev := range []string{"requester", "team"} {
				if got, want := cols[i+1], docCell(statusTable[kind][ev][from]); got != want {
					t.Errorf("%s, %s, %s: the docs say %q, the table %q", kind, from, ev, got, want)
				}
			}
			choose := "X"
			if kind == "support" && !from.Active() {
				choose = "X when X is Resolved or Closed, else " + docCell(chooseCell(kind, from, hub.TicketOpen))
			}
			if cols[3] != choose {
				t.Errorf("%s, %s, a choice: the docs say %q, want %q", kind, from, cols[3], choose)
			}
		}
		if rows != len(allStatuses) {
			t.Errorf("%s: %d rows in the docs, want %d", kind, rows, len(allStatuses))
		}
	}
}

func docCell(c cell) string {
	if c.reason != "" {
		return "refused: `" + c.reason + "`"
	}
	return c.next.Label()
}

// TestVisitorNeverLockedOut walks issue 11's first case: an agent closes
// the visitor's conversation; writing into it is refused with a reason
// the widget can tell the visitor; writing without a conversation id
// starts a new conversation with the assistant; the old one stays
// readable, and the visitor's list has both, newest first.
func TestVisitorNeverLockedOut(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	var notified []int64
	f.svc.AssistantNotify = func(id int64) { notified = append(notified, id) }
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Where is my order?", ClientMsgID: "v-1"})
	old := first.ConversationID
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: old, Body: "It shipped today."})
	f.pub.take()
	if _, err := f.svc.SetConversationStatus(ctx, f.ownerA, old, hub.ConversationClosed); err != nil {
		t.Fatal(err)
	}
	// The visitor hears of it.
	var seen *hub.VisitorConversation
	for _, p := range f.pub.take() {
		if p.Topic == hub.TopicVisitor(f.visitor.ID) && p.Event.Type == hub.EventConversationUpdated {
			seen = new(hub.VisitorConversation)
			if err := json.Unmarshal(p.Event.Data, seen); err != nil {
				t.Fatal(err)
			}
		}
	}
	if seen == nil || seen.Status != hub.ConversationClosed || seen.Preview != "Conversation closed" {
		t.Fatalf("the visitor was told %+v", seen)
	}

	_, err := f.svc.SendMessage(ctx, f.visitor, hub.NewMessage{ConversationID: old, Body: "Thanks, one more thing"})
	if hub.ErrorCode(err) != hub.EConflict || hub.ErrorReason(err) != hub.ReasonConversationClosed {
		t.Fatalf("writing into a closed conversation: %v, want conflict %s", err, hub.ReasonConversationClosed)
	}
	// A retry of the first message still finds it, closed or not.
	again := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Where is my order?", ClientMsgID: "v-1"})
	if again.ID != first.ID {
		t.Fatalf("retried first message stored again: %d, want %d", again.ID, first.ID)
	}
	notified = nil
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "One more thing", ClientMsgID: "v-2"})
	if m.ConversationID == old {
		t.Fatal("a message without a conversation id went into the closed conversation")
	}
	c := mustConversation(t, f.svc, f.visitor, m.ConversationID)
	if c.Status != hub.ConversationOpen || c.Handoff != hub.HandoffAssistant || len(notified) != 1 || notified[0] != c.ID {
		t.Fatalf("new conversation %+v, assistant notified %v", c, notified)
	}
	// The next message goes to the new one too.
	if m2 := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hello?"}); m2.ConversationID != c.ID {
		t.Fatalf("next message went to %d, want %d", m2.ConversationID, c.ID)
	}
	if msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: old}); err != nil || len(msgs) != 3 {
		t.Fatalf("the old conversation reads %d messages, %v; want 3", len(msgs), err)
	}
	f.now = f.now.Add(time.Minute)
	list, err := f.svc.VisitorConversations(ctx, f.visitor, hub.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != c.ID || list[0].Preview != "Hello?" || list[0].Status != hub.ConversationOpen ||
		list[1].ID != old || list[1].Status != hub.ConversationClosed {
		t.Fatalf("the visitor's list %+v", list)
	}
	if _, err := f.svc.VisitorConversations(ctx, f.ownerA, hub.ConversationFilter{}); hub.ErrorCode(err) != hub.EForbidden {
		t.Fatalf("a member listing as a visitor: %v", err)
	}
	other := otherVisitor(t, f)
	if list, err := f.svc.VisitorConversations(ctx, other, hub.ConversationFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("another visitor sees %+v, %v", list, err)
	}
}

// TestResolvedConversationReopens: a visitor's message to a resolved
// conversation without a ticket reopens it and goes to the assistant
// afresh, which is told to answer.
func TestResolvedConversationReopens(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	var notified []int64
	f.svc.AssistantNotify = func(id int64) { notified = append(notified, id) }
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hi"}).ConversationID
	if _, err := f.svc.TakeOver(ctx, f.ownerA, conv); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetConversationStatus(ctx, f.ownerA, conv, hub.ConversationResolved); err != nil {
		t.Fatal(err)
	}
	notified = nil
	m := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Do you ship to Riga?"})
	c := mustConversation(t, f.svc, f.ownerA, conv)
	if m.ConversationID != conv || c.Status != hub.ConversationOpen || c.Handoff != hub.HandoffAssistant ||
		c.ContextSeq != m.Seq || len(notified) != 1 {
		t.Fatalf("after writing to a resolved conversation: %+v, notified %v", c, notified)
	}
}

// TestSetConversationStatus: agents open, resolve and close a conversation
// without a ticket directly, with a note and an audit entry; one with a
// ticket changes through it; visitors cannot; the same status is no change.
func TestSetConversationStatus(t *testing.T) {
	t.Parallel()
	f := mustFixture(t)
	ctx := context.Background()
	conv := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hi"}).ConversationID
	_, err := f.svc.SetConversationStatus(ctx, f.visitor, conv, hub.ConversationClosed)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.SetConversationStatus(ctx, f.ownerA, conv, "archived")
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.SetConversationStatus(ctx, otherTenant(t, f), conv, hub.ConversationClosed)
	wantCode(t, err, hub.ENotFound)
	// Any status at any time (docs/architecture.md): closed, then resolved.
	for _, st := range []string{hub.ConversationResolved, hub.ConversationResolved, hub.ConversationClosed, hub.ConversationResolved, hub.ConversationClosed, hub.ConversationOpen} {
		if c, err := f.svc.SetConversationStatus(ctx, f.ownerA, conv, st); err != nil || c.Status != st {
			t.Fatalf("set %s: %+v, %v", st, c, err)
		}
	}
	msgs, err := f.svc.Messages(ctx, f.visitor, hub.MessageFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, m := range msgs[1:] {
		notes = append(notes, m.Body)
	}
	if strings.Join(notes, "|") != "Conversation resolved|Conversation closed|Conversation resolved|Conversation closed|Conversation reopened" {
		t.Fatalf("notes %q", notes)
	}
	actions, _ := auditOf(t, f, "conversation:"+itoa(conv))
	if n := strings.Count(strings.Join(actions, ","), "conversation.status"); n != 5 {
		t.Fatalf("audited %v, want 5 status changes", actions)
	}

	// With a ticket, the ticket changes and the conversation follows.
	tk, tconv := mustTicket(t, f)
	c, err := f.svc.SetConversationStatus(ctx, f.ownerA, tconv, hub.ConversationClosed)
	if err != nil || c.Status != hub.ConversationClosed {
		t.Fatalf("close a ticket's conversation: %+v, %v", c, err)
	}
	if got, _ := f.svc.Ticket(ctx, f.ownerA, tk.ID); got.Status != hub.TicketClosed {
		t.Fatalf("its ticket is %s, want closed", got.Status)
	}
	if c, err = f.svc.SetConversationStatus(ctx, f.ownerA, tconv, hub.ConversationOpen); err != nil || c.Status != hub.ConversationOpen {
		t.Fatalf("reopen: %+v, %v", c, err)
	}
	if got, _ := f.svc.Ticket(ctx, f.ownerA, tk.ID); got.Status != hub.TicketOpen {
		t.Fatalf("its ticket is %s, want open", got.Status)
	}
}

// TestSupportDoneIsFinal: staff cannot reopen a Done support ticket, by
// its status or its conversation's, nor write in it; the workspace cannot
// either; staff may still leave a note.
func TestSupportDoneIsFinal(t *testing.T) {
	t.Parallel()
	c := newLifecycleCase(t, "support")
	ctx := context.Background()
	c.set(t, hub.TicketResolved)
	for _, st := range []hub.TicketStatus{hub.TicketOpen, hub.TicketInProgress, hub.TicketOnCustomer} {
		_, err := c.svc.UpdateTicket(ctx, c.team, c.ticket, hub.TicketUpdate{Status: &st})
		if hub.ErrorReason(err) != hub.ReasonTicketDone {
			t.Fatalf("staff reopening to %s: %v", st, err)
		}
	}
	_, err := c.svc.SetConversationStatus(ctx, c.team, c.conv, hub.ConversationOpen)
	if hub.ErrorReason(err) != hub.ReasonTicketDone {
		t.Fatalf("staff reopening the conversation: %v", err)
	}
	for _, a := range []hub.Actor{c.team, c.requester} {
		if _, err := c.svc.SendMessage(ctx, a, hub.NewMessage{ConversationID: c.conv, Body: "again"}); hub.ErrorReason(err) != hub.ReasonTicketDone {
			t.Fatalf("%s writing in a done ticket: %v", a.Kind, err)
		}
	}
	mustSend(t, c.svc, c.team, hub.NewMessage{ConversationID: c.conv, Body: "closed after the call", Internal: true})
	if st := c.status(t); st != hub.TicketResolved {
		t.Fatalf("status %s, want resolved", st)
	}
	if _, err := c.svc.UpdateTicket(ctx, c.team, c.ticket, hub.TicketUpdate{Status: ptr(hub.TicketClosed)}); err != nil {
		t.Fatalf("Done stays Done: resolved to closed: %v", err)
	}
}

// otherVisitor is a second visitor of the fixture's site.
func otherVisitor(tb testing.TB, f *fixture) hub.Actor {
	tb.Helper()
	visit, err := f.svc.StartVisitor(context.Background(), hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := f.svc.VisitorActor(context.Background(), visit.Token)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
