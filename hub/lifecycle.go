package hub

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// The lifecycle of conversations and tickets: every automatic status move
// is decided here, once (docs/architecture.md "Conversation lifecycle" has
// the whole table; TestTicketStatusTable checks every cell).
//
// A ticket's status is the agents' to choose. Only two moves happen by
// themselves on a site's (visitor) ticket: an agent's reply to an Open
// ticket makes it In Progress, and the visitor's message to a Resolved one
// makes it Open again. On Customer is never automatic there. A support
// ticket (Ticket.Queue set; 000–002) keeps its own rules: the team's reply
// makes it On Customer, the workspace's answer gives the turn back to the
// team (Open), and Done (resolved or closed) is final for everybody.
//
// A conversation with a ticket follows its current ticket's status
// (conversationStatusOf); one without is opened, resolved and closed by
// the agents (SetConversationStatus). A visitor's message reopens a
// resolved conversation; a closed one is read-only for the visitor, and
// their next message with no conversation id starts a new conversation.

// validConversationStatus reports whether s is a conversation status.
func validConversationStatus(s string) bool {
	return s == ConversationOpen || s == ConversationResolved || s == ConversationClosed
}

// conversationStatusOf is the status of a conversation whose current
// ticket has status t: open while work goes on, else resolved or closed
// with the ticket.
func conversationStatusOf(t TicketStatus) string {
	switch t {
	case TicketResolved:
		return ConversationResolved
	case TicketClosed:
		return ConversationClosed
	}
	return ConversationOpen
}

// ticketStatusFor is the ticket status an agent's choice of conversation
// status means for the conversation's current ticket.
func ticketStatusFor(conversationStatus string) TicketStatus {
	switch conversationStatus {
	case ConversationResolved:
		return TicketResolved
	case ConversationClosed:
		return TicketClosed
	}
	return TicketOpen
}

// ticketEvent is something written into a ticket's conversation that the
// status table answers.
type ticketEvent string

// Ticket events of the status table.
const (
	// eventRequester: the visitor writes (for a support ticket: the
	// workspace).
	eventRequester ticketEvent = "requester message"
	// eventTeamReply: an agent (for a support ticket: staff) replies. An
	// internal note is no reply and moves nothing.
	eventTeamReply ticketEvent = "team reply"
)

// nextTicketStatus is the status table: the status a ticket of the given
// kind (support or a site's) moves to when ev happens in status st, or an
// error when ev is refused. The same status back means no move.
func nextTicketStatus(support bool, ev ticketEvent, st TicketStatus) (TicketStatus, error) {
	if support {
		switch {
		case !st.Active():
			// 001: "A closed ticket cannot be reopened."
			return st, errTicketDone
		case ev == eventTeamReply:
			return TicketOnCustomer, nil
		case st == TicketOnCustomer:
			return TicketOpen, nil // the workspace answered: the team's turn
		}
		return st, nil
	}
	switch {
	case ev == eventRequester && st == TicketResolved:
		return TicketOpen, nil
	case ev == eventRequester && st == TicketClosed:
		return st, errConversationClosed
	case ev == eventTeamReply && st == TicketOpen:
		return TicketInProgress, nil
	}
	return st, nil
}

// checkTicketStatusChoice refuses an agent's explicit status choice that
// the lifecycle forbids: only a support ticket's Done is final.
func checkTicketStatusChoice(t *Ticket, next TicketStatus) error {
	if t.Queue != "" && !t.Status.Active() && next.Active() {
		return Reasonf(EConflict, ReasonTicketDone,
			"%s is done, and Done is final: the workspace opens a new ticket that refers to it", t.Ref())
	}
	return nil
}

var (
	errTicketDone = Reasonf(EConflict, ReasonTicketDone,
		"this support ticket is done, and Done is final: create a new ticket that refers to it")
	errConversationClosed = Reasonf(EConflict, ReasonConversationClosed,
		"this conversation is closed: write without a conversation id to start a new one")
)

// previewRunes is how much of a message a conversation's preview keeps.
const previewRunes = 140

// notePreview makes m the conversation's preview when both sides see it.
// The preview is the message's first previewRunes characters with line
// breaks and tabs as spaces (migration 0009 backfills it the same way).
func (c *Conversation) notePreview(m *Message) {
	if m.Internal {
		return
	}
	c.Preview, c.PreviewAuthor = previewOf(m), m.AuthorKind
}

// previewOf is the preview m makes (notePreview).
func previewOf(m *Message) string {
	body := m.Body
	if r := []rune(body); len(r) > previewRunes {
		body = string(r[:previewRunes])
	}
	return previewSpaces.Replace(body)
}

var previewSpaces = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")

// lifecycleNote is the system message a status change leaves in the
// thread, for the visitor and the team alike; "" for none.
func lifecycleNote(what string, from, to string) string {
	switch {
	case to == ConversationResolved || to == string(TicketResolved):
		return what + " resolved"
	case to == ConversationClosed || to == string(TicketClosed):
		return what + " closed"
	case (from == ConversationResolved || from == ConversationClosed || from == string(TicketResolved) ||
		from == string(TicketClosed)) && to != from:
		return what + " reopened"
	}
	return ""
}

// ticketNote is lifecycleNote for ticket t.
func ticketNote(t *Ticket, from TicketStatus) string {
	return lifecycleNote(fmt.Sprintf("Ticket %s", t.Ref()), string(from), string(t.Status))
}

// currentConversation is where a visitor's message without a conversation
// id goes: their newest conversation that is not closed, or a new one. It
// locks the visitor first, so that first messages arriving at once on
// several nodes start one conversation, and a retry of one (clientMsgID)
// returns the message it stored (prev) even if that conversation has been
// closed since. It runs inside the caller's transaction.
func (s *Service) currentConversation(ctx context.Context, q Queries, actor Actor, clientMsgID string) (conv *Conversation, prev *Message, err error) {
	if err := q.LockVisitor(ctx, actor.ID); err != nil {
		return nil, nil, err
	}
	newest, err := q.FindConversationByVisitor(ctx, actor.ID)
	if err != nil && !IsCode(err, ENotFound) {
		return nil, nil, err
	}
	if newest != nil && clientMsgID != "" {
		prev, err := q.FindMessageByClientID(ctx, newest.ID, clientMsgID)
		if err == nil {
			return newest, prev, nil
		}
		if !IsCode(err, ENotFound) {
			return nil, nil, err
		}
	}
	current := newest
	if current != nil && current.Status == ConversationClosed {
		// An agent may have reopened an older one.
		if current, err = q.FindCurrentConversation(ctx, actor.ID); err != nil && !IsCode(err, ENotFound) {
			return nil, nil, err
		}
	}
	if current != nil {
		c, err := q.LockConversation(ctx, current.ID)
		return c, nil, err
	}
	now := s.now()
	c := &Conversation{TenantID: actor.TenantID, SiteID: actor.SiteID, VisitorID: actor.ID, Owner: OwnerAssistant,
		Status: ConversationOpen, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
	if err := q.CreateConversation(ctx, c); err != nil {
		return nil, nil, err
	}
	return c, nil, nil
}

// reopenForVisitor finishes what the visitor's message m does to conv,
// which was resolved: conv is open again. Without a ticket, the assistant
// takes it from m on, with a clean context, and answers. With one (the
// status table made it Open), the visitor is told so in their language by
// the returned message, which is already in conv; the caller writes conv.
func (s *Service) reopenForVisitor(ctx context.Context, q Queries, conv *Conversation, t *Ticket, m *Message) (*Message, error) {
	conv.setStatus(ConversationOpen)
	if conv.TicketID == 0 || t == nil || t.Queue != "" {
		if conv.TicketID == 0 {
			conv.restartWithAssistant(m.Seq)
		}
		return nil, nil
	}
	v, err := q.FindVisitorByID(ctx, conv.VisitorID)
	if err != nil {
		return nil, err
	}
	site, err := q.FindSiteByID(ctx, conv.SiteID)
	if err != nil {
		return nil, err
	}
	lang := DetectLanguage(m.Body, localeOf(v, site))
	body := fmt.Sprintf(text(lang, textTicketReopened), t.Ref())
	if !site.Handoff.Hours.InHours(m.CreatedAt) {
		body = joinText(body, " ", cmp.Or(site.Handoff.OutOfHoursMessage, text(lang, textOutOfHours)))
	}
	ack := &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: AuthorAssistant, Body: body,
		StatusType: StatusGeneratedContent, CreatedAt: m.CreatedAt, Trace: &DecisionTrace{Language: lang, Provider: "builtin",
			Decision: "acknowledged: the visitor wrote to resolved ticket " + t.Ref() + ", which is open again for the team"}}
	if err := s.appendMessage(ctx, q, conv, ack); err != nil {
		return nil, err
	}
	// The acknowledgement answers the visitor's message for the assistant.
	conv.AssistantSeq = max(conv.AssistantSeq, conv.VisitorSeq)
	return ack, nil
}

// SetConversationStatus is an agent's choice of a conversation's status:
// open (reopen), resolved or closed. A conversation with a ticket changes
// through its current ticket (resolved and closed as the ticket's, open as
// Open), under the ticket's rules (a support ticket's Done is final); one
// without changes itself. The change is audited and told in the thread.
// Choosing the status it has changes nothing.
func (s *Service) SetConversationStatus(ctx context.Context, actor Actor, id int64, status string) (*Conversation, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members change a conversation's status")
	}
	if !validConversationStatus(status) {
		return nil, Errorf(EInvalid, "status must be open, resolved or closed")
	}
	var (
		conv *Conversation
		t    *Ticket
		note *Message
	)
	err := s.tx(ctx, func(q Queries) error {
		t, note = nil, nil
		var err error
		if conv, err = lockConversation(ctx, q, actor, id); err != nil {
			return err
		}
		if conv.Status == status {
			return nil
		}
		if conv.TicketID != 0 {
			if t, err = q.LockTicket(ctx, conv.TicketID); err != nil {
				return err
			}
			if note, err = s.chooseTicketStatus(ctx, q, actor, t, ticketStatusFor(status), conv); err != nil {
				return err
			}
			t.follow(conv)
			return stale(q.UpdateConversation(ctx, conv))
		}
		from, now := conv.Status, s.now()
		conv.setStatus(status)
		conv.UpdatedAt = now
		if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: conv.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "conversation.status", Subject: conversationSubject(conv.ID),
			Data: mustJSON(map[string]any{"from": from, "to": status}), CreatedAt: now}); err != nil {
			return err
		}
		note = &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: AuthorSystem,
			Body: lifecycleNote("Conversation", from, status), CreatedAt: now}
		if err := s.appendMessage(ctx, q, conv, note); err != nil {
			return err
		}
		return stale(q.UpdateConversation(ctx, conv))
	})
	if err != nil {
		return nil, err
	}
	var o outbox
	if note != nil {
		o.message(conv, note)
	}
	if t != nil {
		o.ticket(t)
	}
	o.conversation(conv)
	s.publish(ctx, &o)
	return conv, nil
}

// VisitorConversations lists the visitor's own conversations, newest
// activity first, as the visitor sees them: the widget's list of past
// conversations. A verified visitor is one visitor on every device, so
// the list follows them.
func (s *Service) VisitorConversations(ctx context.Context, actor Actor, f ConversationFilter) ([]VisitorConversation, error) {
	if actor.Kind != ActorVisitor {
		return nil, Errorf(EForbidden, "only visitors list their own conversations")
	}
	f = ConversationFilter{TenantID: actor.TenantID, VisitorID: actor.ID, BeforeTime: f.BeforeTime, BeforeID: f.BeforeID,
		Limit: VisitorConversationPage.Limit(f.Limit)}
	convs, err := s.Store.FindConversations(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]VisitorConversation, len(convs))
	for i, c := range convs {
		out[i] = c.ForVisitor()
	}
	return out, nil
}
