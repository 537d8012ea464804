package storetest

import (
	"bytes"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testVisitorDeletion: DeleteVisitor removes a visitor's conversations,
// messages, files, read markers, unread rows and emails, and nothing of
// another visitor's; their tickets stay without their conversation;
// DropUnread takes the conversation off the members' badges first; and
// FindTicketsByConversation finds every ticket of a conversation.
func testVisitorDeletion(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	ann, bob := f.member, mustMember(t, s, f.tenant.ID)
	gone, kept := f.visitor, mustVisitor(t, s, f.site)
	c1, c2 := f.conv, mustConversation(t, s, gone, at(1))
	keptConv := mustConversation(t, s, kept, at(2))

	// The visitor's data: messages (a note too), a file, a read marker, a
	// ticket (current) and an older one, emails; and unread for both members.
	unreadMessage(t, s, c1, hub.AuthorVisitor, gone.ID, false)
	unreadMessage(t, s, c1, hub.AuthorVisitor, gone.ID, false)
	unreadMessage(t, s, c1, hub.AuthorAgent, ann.ID, true)
	unreadMessage(t, s, c2, hub.AuthorVisitor, gone.ID, false)
	data := bytes.Repeat([]byte("x"), 100)
	a := &hub.Attachment{TenantID: f.tenant.ID, ConversationID: c1.ID, Name: "passport.png", ContentType: "image/png",
		Size: int64(len(data)), SHA256: "abc", Data: data, CreatedAt: t0}
	must(t, s.CreateAttachment(ctx, a))
	mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: c1.ID, Body: "passport.png",
		Attachment: &hub.AttachmentRef{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size}})
	_, err := s.SaveReadMarker(ctx, hub.ReadMarker{ConversationID: c1.ID, ReaderKind: hub.AuthorVisitor, ReaderID: gone.ID, Seq: 1})
	must(t, err)
	old := mustTicket(t, s, f.tenant.ID, "Old refund for Ann")
	cur := mustTicket(t, s, f.tenant.ID, "Refund for Ann")
	for _, tk := range []*hub.Ticket{old, cur} {
		tk.ConversationID = c1.ID
		must(t, s.UpdateTicket(ctx, tk))
	}
	convEmail := func(convID int64) *hub.Email {
		e := &hub.Email{TenantID: f.tenant.ID, Kind: hub.EmailTicketTeam, To: "team@acme.test", ReplyTo: "ann@example.test",
			Subject: "[TKT-1] Refund", Body: "Ann wrote", ConversationID: convID, Status: hub.EmailPending, NextAttemptAt: at(60), CreatedAt: t0}
		must(t, s.CreateEmail(ctx, e))
		return e
	}
	convEmail(c1.ID)
	e2 := &hub.Email{TenantID: f.tenant.ID, Kind: hub.EmailAgentReply, To: "ann@example.test", Subject: "Re: hi", Body: "b",
		ConversationID: c2.ID, Status: hub.EmailSent, NextAttemptAt: t0, SentAt: t0, CreatedAt: t0}
	must(t, s.CreateEmail(ctx, e2))

	// Another visitor's data, which must stay.
	unreadMessage(t, s, keptConv, hub.AuthorVisitor, kept.ID, false)
	keptFile := &hub.Attachment{TenantID: f.tenant.ID, ConversationID: keptConv.ID, Name: "a.txt", ContentType: "text/plain; charset=utf-8",
		Size: 1, SHA256: "d", Data: []byte("a"), CreatedAt: t0}
	must(t, s.CreateAttachment(ctx, keptFile))
	keptEmail := convEmail(keptConv.ID)
	unrelated := mustEmail(t, s, f.tenant.ID, at(60)) // conversation 0: a member's email

	tickets, err := s.FindTicketsByConversation(ctx, c1.ID)
	must(t, err)
	wantEqual(t, "tickets of the conversation", ids(tickets, func(t *hub.Ticket) int64 { return t.ID }), []int64{old.ID, cur.ID})
	none, err := s.FindTicketsByConversation(ctx, keptConv.ID)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("tickets of a conversation without any = %#v, want empty, not nil", none)
	}

	before, bobBefore := mustFindUnread(t, s, ann.ID), mustFindUnread(t, s, bob.ID)
	if before.Totals.Conversations != 4 {
		t.Fatalf("ann's unread before = %+v, want 4 conversations' messages", before)
	}
	var d hub.VisitorDeletion
	var dropped [][]hub.MemberUnread
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		dropped = nil
		for _, c := range []*hub.Conversation{c1, c2} {
			changed, err := q.DropUnread(ctx, c.ID)
			if err != nil {
				return err
			}
			dropped = append(dropped, changed)
		}
		var err error
		d, err = q.DeleteVisitor(ctx, gone.ID)
		return err
	}))
	wantEqual(t, "deletion", d, hub.VisitorDeletion{Conversations: 2, Messages: 5, Attachments: 1, Emails: 2})
	// Ann's note read nothing; each drop moves both members' versions on.
	va, vb := before.Version, bobBefore.Version
	wantEqual(t, "unread dropped from c1", dropped[0], []hub.MemberUnread{mu(ann.ID, c1.ID, 0, 2, 0, 0, va+1), mu(bob.ID, c1.ID, 0, 2, 0, 0, vb+1)})
	wantEqual(t, "unread dropped from c2", dropped[1], []hub.MemberUnread{mu(ann.ID, c2.ID, 0, 1, 0, 0, va+2), mu(bob.ID, c2.ID, 0, 1, 0, 0, vb+2)})
	after := mustFindUnread(t, s, ann.ID, c1.ID, c2.ID, keptConv.ID)
	if after.Totals.Conversations != 1 || len(after.Conversations) != 1 || after.Conversations[keptConv.ID].Count != 1 {
		t.Fatalf("ann's unread after = %+v, want only the other visitor's message", after)
	}

	_, err = s.FindVisitorByID(ctx, gone.ID)
	wantCode(t, err, hub.ENotFound)
	for _, c := range []*hub.Conversation{c1, c2} {
		_, err = s.FindConversationByID(ctx, c.ID)
		wantCode(t, err, hub.ENotFound)
		msgs, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: c.ID})
		must(t, err)
		if len(msgs) != 0 {
			t.Fatalf("conversation %d keeps %d messages", c.ID, len(msgs))
		}
	}
	_, err = s.FindAttachment(ctx, a.ID)
	wantCode(t, err, hub.ENotFound)
	for _, tk := range []*hub.Ticket{old, cur} {
		got, err := s.FindTicketByID(ctx, tk.ID)
		must(t, err)
		if got.ConversationID != 0 || got.Number != tk.Number {
			t.Fatalf("ticket after the deletion = %+v, want its number and no conversation", got)
		}
	}
	emails, err := s.FindEmails(ctx, f.tenant.ID)
	must(t, err)
	wantEqual(t, "emails left", ids(emails, func(e *hub.Email) int64 { return e.ID }), []int64{keptEmail.ID, unrelated.ID})

	// The other visitor keeps everything.
	if _, err := s.FindVisitorByID(ctx, kept.ID); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: keptConv.ID})
	must(t, err)
	if len(msgs) != 1 {
		t.Fatalf("the other visitor's conversation has %d messages, want 1", len(msgs))
	}
	if _, err := s.FindAttachment(ctx, keptFile.ID); err != nil {
		t.Fatal(err)
	}

	// A visitor that is gone is ENotFound, and the transaction writes nothing.
	err = s.Tx(ctx, func(q hub.Queries) error {
		_, err := q.DeleteVisitor(ctx, gone.ID)
		return err
	})
	wantCode(t, err, hub.ENotFound)
}
