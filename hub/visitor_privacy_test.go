package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// privacyVisitor starts a visitor of f's site who told their email and
// name, and returns them as an actor.
func privacyVisitor(tb testing.TB, f *fixture, email, name string) hub.Actor {
	tb.Helper()
	ctx := context.Background()
	visit, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test",
		Identity: &hub.Identity{Email: email, Name: name}})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := f.svc.VisitorActor(ctx, visit.Token)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// TestVisitorPrivacyAccess: only owners of the visitor's workspace export
// or delete; admins, agents, staff viewing read-only, visitors and the
// assistant are refused (403), another workspace's visitor and a missing
// one are 404, before the role is looked at.
func TestVisitorPrivacyAccess(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hi"})
	member := func(role hub.Role) hub.Actor {
		m, err := f.svc.AddMember(ctx, f.ownerA, hub.NewMember{TenantID: f.tenant.ID, Email: string(role) + "@acme.test",
			Password: "correct horse", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return hub.Actor{Kind: hub.ActorMember, ID: m.ID, TenantID: f.tenant.ID, Role: role}
	}
	admin, agent := member(hub.RoleAdmin), member(hub.RoleAgent)
	viewer := hub.Actor{Kind: hub.ActorMember, ID: 999, TenantID: f.tenant.ID, Role: hub.RoleAgent, Staff: true, ReadOnly: true}
	readOnlyOwner := f.ownerA
	readOnlyOwner.ReadOnly = true
	other := otherTenant(t, f)
	otherAgent := other
	otherAgent.Role = hub.RoleAgent
	for _, tc := range []struct {
		name  string
		actor hub.Actor
		id    int64
		code  string
	}{
		{"admin", admin, f.visitor.ID, hub.EForbidden},
		{"agent", agent, f.visitor.ID, hub.EForbidden},
		{"staff viewer", viewer, f.visitor.ID, hub.EForbidden},
		{"read-only owner", readOnlyOwner, f.visitor.ID, hub.EForbidden},
		{"the visitor", f.visitor, f.visitor.ID, hub.EForbidden},
		{"assistant", hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}, f.visitor.ID, hub.EForbidden},
		{"another workspace's owner", other, f.visitor.ID, hub.ENotFound},
		{"another workspace's agent", otherAgent, f.visitor.ID, hub.ENotFound},
		{"missing visitor", f.ownerA, f.visitor.ID + 1000, hub.ENotFound},
	} {
		_, err := f.svc.ExportVisitor(ctx, tc.actor, tc.id)
		if hub.ErrorCode(err) != tc.code {
			t.Errorf("%s: export: %v, want %s", tc.name, err, tc.code)
		}
		_, err = f.svc.DeleteVisitor(ctx, tc.actor, tc.id)
		if hub.ErrorCode(err) != tc.code {
			t.Errorf("%s: delete: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := f.svc.Conversation(ctx, f.ownerA, mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "still here"}).ConversationID); err != nil {
		t.Fatalf("a refused deletion deleted: %v", err)
	}
	if _, err := f.svc.ExportVisitor(ctx, f.ownerA, f.visitor.ID); err != nil {
		t.Fatalf("owner export: %v", err)
	}
	if _, err := f.svc.DeleteVisitor(ctx, f.ownerA, f.visitor.ID); err != nil {
		t.Fatalf("owner delete: %v", err)
	}
}

// TestDeleteVisitor: the export holds the visitor, every message (notes
// flagged internal), files with signed links and tickets; the deletion
// removes the conversations, messages, files and emails, clears the
// tickets' personal fields, keeps every member's unread right, writes an
// audit entry without personal data, publishes what dashboards and the
// visitor's sockets need, and leaves another visitor alone.
func TestDeleteVisitor(t *testing.T) {
	f := mustFixture(t)
	ctx := t.Context()
	agentM, err := f.svc.AddMember(ctx, f.ownerA, hub.NewMember{TenantID: f.tenant.ID, Email: "bob@acme.test", Password: "correct horse", Role: hub.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	agent := hub.Actor{Kind: hub.ActorMember, ID: agentM.ID, TenantID: f.tenant.ID, Role: hub.RoleAgent}
	ann := privacyVisitor(t, f, "ann.secret@example.test", "Ann Secret")
	kept := privacyVisitor(t, f, "kim@example.test", "Kim")

	conv := mustSend(t, f.svc, ann, hub.NewMessage{Body: "My card 4242 was charged twice"}).ConversationID
	if _, err := f.svc.SendAttachment(ctx, ann, hub.NewAttachment{Name: "statement.png", Data: pngBytes}); err != nil {
		t.Fatal(err)
	}
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "Ann is upset", Internal: true})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: "We refund you"}) // queues a reply email
	tk, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{ConversationID: conv, Subject: "Refund for Ann Secret",
		RequesterEmail: "ann.secret@example.test", Source: hub.SourceAgent})
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, f.svc, ann, hub.NewMessage{ConversationID: conv, Body: "Thanks"})
	keptConv := mustSend(t, f.svc, kept, hub.NewMessage{Body: "Hello"}).ConversationID
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: keptConv, Body: "Hi Kim"})
	emails, err := f.svc.Store.FindEmails(ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	keptEmails := slices.DeleteFunc(slices.Clone(emails), func(e *hub.Email) bool { return e.ConversationID == conv })
	if len(keptEmails) == len(emails) || len(keptEmails) == 0 {
		t.Fatalf("want emails of both conversations, have %d, %d of Kim's", len(emails), len(keptEmails))
	}

	// The export.
	x, err := f.svc.ExportVisitor(ctx, f.ownerA, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Visitor.Email != "ann.secret@example.test" || x.Visitor.Name != "Ann Secret" || len(x.Conversations) != 1 {
		t.Fatalf("export = %+v", x)
	}
	xc := x.Conversations[0]
	var bodies []string
	notes := 0
	for _, m := range xc.Messages {
		bodies = append(bodies, m.Body)
		if m.Internal {
			notes++
		}
	}
	if !slices.Contains(bodies, "Ann is upset") || notes != 1 || !slices.Contains(bodies, "Thanks") {
		t.Fatalf("exported messages %q (%d notes), want every message and the note flagged", bodies, notes)
	}
	if len(xc.Attachments) != 1 || xc.Attachments[0].Name != "statement.png" || !strings.HasPrefix(xc.Attachments[0].Path, "/files/") {
		t.Fatalf("exported files = %+v, want statement.png with a signed link", xc.Attachments)
	}
	if len(x.Tickets) != 1 || x.Tickets[0].ID != tk.ID || x.Tickets[0].Subject != "Refund for Ann Secret" {
		t.Fatalf("exported tickets = %+v", x.Tickets)
	}
	if _, err := json.Marshal(x); err != nil {
		t.Fatal(err)
	}

	// Unread before: the owner replied (read up to the reply), then Ann
	// wrote once more; the agent has read nothing of either visitor.
	if got := unreadOf(t, f, f.ownerA); got != totals(1, 1, 0) {
		t.Fatalf("owner's unread before = %+v", got)
	}
	if got := unreadOf(t, f, agent); got != totals(4, 3, 0) {
		t.Fatalf("agent's unread before = %+v", got)
	}
	f.pub.take()

	d, err := f.svc.DeleteVisitor(ctx, f.ownerA, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *d != (hub.VisitorDeletion{Conversations: 1, Messages: 6, Attachments: 1, Emails: len(emails) - len(keptEmails), Tickets: 1}) {
		t.Fatalf("deletion = %+v", d)
	}
	ps := f.pub.take()

	// Unread: only Kim's message is left, and the events carry it.
	if got := unreadOf(t, f, f.ownerA); got != totals(0, 0, 0) {
		t.Fatalf("owner's unread after = %+v", got)
	}
	if got := unreadOf(t, f, agent); got != totals(1, 0, 0) {
		t.Fatalf("agent's unread after = %+v", got)
	}
	ev := unreadEvents(t, f, ps)
	if last := ev[agent.ID][len(ev[agent.ID])-1]; last.Totals != totals(1, 0, 0) || last.Count != 0 || last.ConversationID != conv {
		t.Fatalf("agent's unread event = %+v", last)
	}

	// Everything of Ann is gone; the ticket stays without her data.
	if _, err := f.svc.Store.FindVisitorByID(ctx, ann.ID); hub.ErrorCode(err) != hub.ENotFound {
		t.Fatalf("visitor after the deletion: %v", err)
	}
	_, err = f.svc.Conversation(ctx, f.ownerA, conv)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Store.FindAttachment(ctx, xc.Attachments[0].ID)
	wantCode(t, err, hub.ENotFound)
	left, err := f.svc.Store.FindEmails(ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != len(keptEmails) {
		t.Fatalf("emails left = %d, want Kim's %d", len(left), len(keptEmails))
	}
	got, err := f.svc.Store.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != tk.Number || got.RequesterEmail != "" || got.Summary != "" || got.Subject != hub.DeletedTicketSubject || got.ConversationID != 0 {
		t.Fatalf("ticket after the deletion = %+v", got)
	}

	// The audit entry names the visitor's id and counts, nothing of them.
	es, err := f.svc.Store.FindAuditEntries(ctx, hub.AuditFilter{TenantID: f.tenant.ID, Subject: "visitor:" + itoa(ann.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Action != "visitor.delete" || es[1].Action != "visitor.export" || es[0].ActorID != f.owner.ID {
		t.Fatalf("audit = %+v", es)
	}
	for _, e := range es {
		for _, secret := range []string{"ann", "Ann", "4242", "Refund", "statement"} {
			if strings.Contains(string(e.Data), secret) {
				t.Fatalf("audit entry %s holds %q: %s", e.Action, secret, e.Data)
			}
		}
	}
	var counts hub.VisitorDeletion
	if err := json.Unmarshal(es[0].Data, &counts); err != nil || counts != *d {
		t.Fatalf("audit data = %s, want the counts %+v", es[0].Data, d)
	}

	// Events: dashboards drop the conversation, the visitor's sockets
	// close, the ticket is updated.
	wantTopics := func(typ string, want ...string) {
		t.Helper()
		if got := topics(ps, typ); !slices.Equal(got, want) {
			t.Fatalf("%s published to %v, want %v", typ, got, want)
		}
	}
	wantTopics(hub.EventConversationDeleted, hub.TopicInbox(f.tenant.ID), hub.TopicConversation(conv))
	wantTopics(hub.EventVisitorDeleted, hub.TopicVisitor(ann.ID))
	wantTopics(hub.EventTicketUpdated, hub.TopicInbox(f.tenant.ID))

	// Kim keeps everything; Ann is gone for good.
	if msgs, err := f.svc.Messages(ctx, f.ownerA, hub.MessageFilter{ConversationID: keptConv}); err != nil || len(msgs) != 2 {
		t.Fatalf("Kim's messages: %d, %v", len(msgs), err)
	}
	_, err = f.svc.ExportVisitor(ctx, f.ownerA, ann.ID)
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.DeleteVisitor(ctx, f.ownerA, ann.ID)
	wantCode(t, err, hub.ENotFound)
}
