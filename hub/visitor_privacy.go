package hub

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// A person's data (issue 15 §5, docs/integrations.md "Deleting a person's
// data"): a workspace's owner can export everything Parley keeps about one
// visitor, and delete it. The rules live here; the stores only delete rows
// (Queries.DeleteVisitor) and take a conversation off the members' unread
// (Queries.DropUnread).
//
// Who may. Owners of the visitor's own workspace, and nobody else: not
// admins or agents (EForbidden), since an export hands out a person's data
// in bulk and a deletion cannot be undone, both decisions of whoever is
// responsible for the workspace's data; not staff viewing the workspace
// read-only, even for the export (EForbidden); not visitors or the
// assistant (EForbidden). A visitor of another workspace is ENotFound,
// checked before the role, so ids cannot be probed (TestVisitorPrivacyAccess).
//
// What the export holds. The visitor record as stored (identity, traits,
// pages, device, country), every conversation of theirs with all its
// messages, internal notes included and flagged "internal": true (notes
// about a person are personal data too; the owner decides what to pass
// on), the votes on the assistant's answers (Message.Feedback, and the
// conversation's counts), the metadata of their files with links that
// work for AttachmentLinkTTL, and every ticket opened from their
// conversations. The assistant's decision traces are left out: they
// describe the product, not the person.
//
// What a deletion does, in one transaction (TestDeleteVisitor): the
// visitor's tickets lose their personal fields (ClearPersonal) and keep
// their number, status, priority, assignee and times, so that the
// workspace's numbering and its ticket reports do not change; each
// conversation's unread leaves the members' badges (DropUnread); then the
// visitor row goes with their conversations, messages, files (their bytes
// are in the store, there is nothing on disk), read markers, and every
// email of those conversations in the outbox, sent or not (a team
// notification quotes the visitor too). An audit entry "visitor.delete"
// records who, which visitor id and how many rows of each kind: never the
// person's data. After the commit every node hears conversation.deleted
// (dashboards drop the conversations), the members' new unread numbers,
// ticket.updated, and visitor.deleted, which closes the visitor's open
// sockets with CloseVisitorDeleted.

// EventConversationDeleted tells agents that a conversation no longer
// exists (ConversationDeletedData), on the tenant's inbox topic and the
// conversation's topic: drop it from lists and close it if open.
const EventConversationDeleted = "conversation.deleted"

// EventVisitorDeleted is published on the deleted visitor's topic; it is
// internal: hub/realtime closes the visitor's sockets and never sends it.
const EventVisitorDeleted = "visitor.deleted"

// ConversationDeletedData is the payload of EventConversationDeleted.
type ConversationDeletedData struct {
	ID int64 `json:"id"`
}

// DeletedTicketSubject replaces the subject of a ticket whose requester's
// data was deleted: a subject is written from the visitor's words.
const DeletedTicketSubject = "(deleted at the requester's request)"

// VisitorExport is everything Parley keeps about one visitor
// (GET /api/v1/visitors/:id/export).
type VisitorExport struct {
	ExportedAt    time.Time               `json:"exported_at"`
	Visitor       *Visitor                `json:"visitor"`
	Conversations []*ExportedConversation `json:"conversations"`
	Tickets       []*Ticket               `json:"tickets"`
}

// ExportedConversation is one conversation of a VisitorExport with all
// its messages, notes flagged internal, and its files.
type ExportedConversation struct {
	Conversation *Conversation   `json:"conversation"`
	Messages     []*Message      `json:"messages"`
	Attachments  []AttachmentRef `json:"attachments"`
}

// VisitorDeletion counts what a deletion removed (the audit entry's data,
// DeleteVisitor's result). Tickets are the tickets cleared, not deleted.
type VisitorDeletion struct {
	Conversations int `json:"conversations"`
	Messages      int `json:"messages"`
	Attachments   int `json:"attachments"`
	Emails        int `json:"emails"`
	Tickets       int `json:"tickets"`
}

// ClearPersonal removes what a ticket says of its requester: subject,
// summary, requester email, and its link to their conversation.
func (t *Ticket) ClearPersonal(now time.Time) {
	t.Subject, t.Summary, t.RequesterEmail, t.ConversationID = DeletedTicketSubject, "", "", 0
	t.touch(now)
}

// privacyVisitor finds visitor id for actor's export or deletion: see
// "Who may" above.
func privacyVisitor(ctx context.Context, q Queries, actor Actor, id int64) (*Visitor, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only the workspace's owners can export or delete a visitor's data")
	}
	v, err := q.FindVisitorByID(ctx, id)
	if IsCode(err, ENotFound) || err == nil && v.TenantID != actor.TenantID {
		return nil, Errorf(ENotFound, "visitor not found")
	}
	if err != nil {
		return nil, err
	}
	if actor.ReadOnly {
		return nil, Errorf(EForbidden, "support access cannot export or delete a visitor's data")
	}
	if actor.Role != RoleOwner {
		return nil, Errorf(EForbidden, "only the workspace's owners can export or delete a visitor's data")
	}
	return v, nil
}

// visitorConversations returns all of a visitor's conversations, by id.
func visitorConversations(ctx context.Context, q Queries, v *Visitor) ([]*Conversation, error) {
	var out []*Conversation
	f := ConversationFilter{TenantID: v.TenantID, VisitorID: v.ID, Limit: ConversationPage.Max}
	for {
		page, err := q.FindConversations(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.BeforeTime, f.BeforeID = last.LastMessageAt, last.ID
	}
	slices.SortFunc(out, func(a, b *Conversation) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ExportVisitor returns everything kept about visitor id, for an owner of
// their workspace, and writes "visitor.export" to the audit log.
func (s *Service) ExportVisitor(ctx context.Context, actor Actor, id int64) (*VisitorExport, error) {
	v, err := privacyVisitor(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	convs, err := visitorConversations(ctx, s.Store, v)
	if err != nil {
		return nil, err
	}
	out := &VisitorExport{ExportedAt: s.now(), Visitor: v, Conversations: []*ExportedConversation{}, Tickets: []*Ticket{}}
	for _, c := range convs {
		ce := &ExportedConversation{Conversation: c, Messages: []*Message{}, Attachments: []AttachmentRef{}}
		for after := int64(0); after < c.LastSeq; {
			page, err := s.Store.FindMessages(ctx, MessageFilter{ConversationID: c.ID, AfterSeq: after, BeforeSeq: c.LastSeq + 1,
				Limit: exportPage})
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			ce.Messages = append(ce.Messages, page...)
			after = page[len(page)-1].Seq
		}
		s.signLinks(ce.Messages)
		for _, m := range ce.Messages {
			m.Trace = nil
			if m.Attachment != nil {
				ce.Attachments = append(ce.Attachments, *m.Attachment)
			}
		}
		out.Conversations = append(out.Conversations, ce)
		tickets, err := s.Store.FindTicketsByConversation(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out.Tickets = append(out.Tickets, tickets...)
	}
	err = s.Store.CreateAuditEntry(ctx, &AuditEntry{TenantID: v.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
		Action: "visitor.export", Subject: fmt.Sprintf("visitor:%d", v.ID),
		Data: mustJSON(map[string]any{"conversations": len(out.Conversations), "tickets": len(out.Tickets)}), CreatedAt: out.ExportedAt})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteVisitor deletes visitor id and their data, for an owner of their
// workspace: see "What a deletion does" above. ENotFound for a visitor
// that does not exist (deleted already) or is another workspace's.
func (s *Service) DeleteVisitor(ctx context.Context, actor Actor, id int64) (*VisitorDeletion, error) {
	var (
		o   outbox
		d   VisitorDeletion
		v   *Visitor
		ids []int64
	)
	err := s.tx(ctx, func(q Queries) error {
		o, ids = outbox{}, nil
		var err error
		if v, err = privacyVisitor(ctx, q, actor, id); err != nil {
			return err
		}
		// No conversation of theirs starts while we delete (a first
		// message locks the visitor too).
		if err := q.LockVisitor(ctx, v.ID); err != nil {
			return err
		}
		convs, err := visitorConversations(ctx, q, v)
		if err != nil {
			return err
		}
		now := s.now()
		cleared := 0
		for _, c := range convs {
			if _, err := q.LockConversation(ctx, c.ID); err != nil {
				return err
			}
			tickets, err := q.FindTicketsByConversation(ctx, c.ID)
			if err != nil {
				return err
			}
			for _, t := range tickets {
				t.ClearPersonal(now)
				if err := stale(q.UpdateTicket(ctx, t)); err != nil {
					return err
				}
				o.ticket(t)
				cleared++
			}
			changed, err := q.DropUnread(ctx, c.ID)
			if err != nil {
				return err
			}
			o.unread(c.TenantID, changed)
			ids = append(ids, c.ID)
		}
		if d, err = q.DeleteVisitor(ctx, v.ID); err != nil {
			return err
		}
		d.Tickets = cleared
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: v.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "visitor.delete", Subject: fmt.Sprintf("visitor:%d", v.ID), Data: mustJSON(d), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	for _, cid := range ids {
		o.add(Event{Type: EventConversationDeleted, TenantID: v.TenantID, ConversationID: cid,
			Data: mustJSON(ConversationDeletedData{ID: cid})}, TopicInbox(v.TenantID), TopicConversation(cid))
	}
	o.add(Event{Type: EventVisitorDeleted, TenantID: v.TenantID, Data: mustJSON(map[string]int64{"visitor_id": v.ID})},
		TopicVisitor(v.ID))
	s.publish(ctx, &o)
	return &d, nil
}
