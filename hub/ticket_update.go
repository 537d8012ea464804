package hub

import "context"

// Changing an open ticket: the status a message moves it to
// (ticketAfterMessage, by the table in lifecycle.go) and a member's changes
// of its status, assignee and priority (UpdateTicket).

// ticketAfterMessage applies the status table (lifecycle.go) to a message
// the actor writes into conv, which is not an internal note, and returns
// conv's ticket when it changed (its status or due time), else nil. It
// refuses a visitor's message to a closed conversation.
func (s *Service) ticketAfterMessage(ctx context.Context, q Queries, actor Actor, author AuthorKind, conv *Conversation) (*Ticket, error) {
	var ev ticketEvent
	switch author {
	case AuthorVisitor:
		ev = eventRequester
	case AuthorAgent:
		ev = eventTeamReply
	default:
		return nil, nil
	}
	if conv.TicketID == 0 {
		if ev == eventRequester && conv.Status == ConversationClosed {
			return nil, errConversationClosed
		}
		return nil, nil
	}
	t, err := q.LockTicket(ctx, conv.TicketID)
	if err != nil {
		return nil, err
	}
	next, err := nextTicketStatus(t.Queue != "", ev, t.Status)
	if err != nil {
		if IsCode(err, EConflict) {
			return nil, Reasonf(EConflict, ErrorReason(err), "%s: %s", t.Ref(), ErrorMessage(err))
		}
		return nil, err
	}
	dueChanged := s.owedAfterMessage(t, author)
	if next != t.Status {
		return t, s.setTicketStatus(ctx, q, actor, t, next, conv)
	}
	if dueChanged {
		t.touch(s.now())
		return t, stale(q.UpdateTicket(ctx, t))
	}
	return nil, nil
}

// owedAfterMessage keeps a support ticket's due time on what the team
// owes: the team's reply meets it; the workspace's message, when nothing
// is owed, starts a new one. It reports whether DueAt changed.
func (s *Service) owedAfterMessage(t *Ticket, author AuthorKind) bool {
	switch {
	case t.Queue == "":
		return false
	case author == AuthorAgent && t.DueAt != nil:
		t.DueAt = nil
		return true
	case author == AuthorVisitor && t.DueAt == nil && t.Status.Active():
		due := s.Support.Due(t.RequestType, s.now())
		t.DueAt = &due
		return true
	}
	return false
}

// setTicketStatus changes t's status, stamps or clears the resolution,
// audits the change and writes the ticket. When conv is the conversation
// whose current ticket t is, its status follows (conversationStatusOf);
// the caller writes conv.
func (s *Service) setTicketStatus(ctx context.Context, q Queries, actor Actor, t *Ticket, next TicketStatus, conv *Conversation) error {
	prev := t.Status
	now := s.now()
	t.Status = next
	t.touch(now)
	if conv != nil && conv.ID == t.ConversationID && conv.TicketID == t.ID {
		conv.setStatus(conversationStatusOf(next))
	}
	switch {
	case next == TicketResolved:
		t.ResolvedAt, t.ResolvedBy = &now, actor.ID
	case next.Active():
		t.ResolvedAt, t.ResolvedBy = nil, 0
	}
	if !next.Active() {
		t.DueAt = nil // nothing is owed on a done ticket
	}
	if err := q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
		Action: "ticket.status", Subject: ticketSubject(t), Data: mustJSON(map[string]any{"from": prev, "to": next}), CreatedAt: now}); err != nil {
		return err
	}
	return stale(q.UpdateTicket(ctx, t))
}

// TicketUpdate changes some fields of a ticket; nil fields stay.
type TicketUpdate struct {
	Status     *TicketStatus
	AssigneeID *int64 // 0 unassigns
	Priority   *string
}

// UpdateTicket changes a ticket's status, assignee or priority. Members may
// move a ticket to any status, including reopening a resolved or closed
// one. Resolving stamps resolved at and by. Each change is audited; status
// changes to resolved or closed, and reopening, are told in the thread.
func (s *Service) UpdateTicket(ctx context.Context, actor Actor, id int64, in TicketUpdate) (*Ticket, error) {
	if err := actor.Writable(); err != nil {
		return nil, err
	}

	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members change tickets")
	}
	if in.Status != nil && !in.Status.Valid() {
		return nil, Errorf(EInvalid, "status must be open, in_progress, on_customer, resolved or closed")
	}
	if in.Priority != nil && !validPriority(*in.Priority) {
		return nil, Errorf(EInvalid, "priority must be low, normal, high or urgent")
	}
	var (
		t     *Ticket
		conv  *Conversation
		note  *Message
		moved outbox // the unread that a new assignee takes over (unread.go)
	)
	err := s.tx(ctx, func(q Queries) error {
		var err error
		if t, conv, err = lockTicket(ctx, q, actor, id); err != nil {
			return err
		}
		note, moved = nil, outbox{}
		reassigned := false
		now := s.now()
		audit := func(action string, data map[string]any) error {
			return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
				Action: action, Subject: ticketSubject(t), Data: mustJSON(data), CreatedAt: now})
		}
		if in.AssigneeID != nil && *in.AssigneeID != t.AssigneeID {
			if *in.AssigneeID != 0 {
				m, err := q.FindMemberByID(ctx, *in.AssigneeID)
				if err != nil && !IsCode(err, ENotFound) {
					return err
				}
				if err != nil || m.TenantID != t.TenantID {
					return Errorf(EInvalid, "assignee is not a member of this workspace")
				}
			}
			if err := audit("ticket.assign", map[string]any{"from": t.AssigneeID, "to": *in.AssigneeID}); err != nil {
				return err
			}
			t.AssigneeID, reassigned = *in.AssigneeID, true
		}
		if in.Priority != nil && *in.Priority != t.Priority {
			if err := audit("ticket.priority", map[string]any{"from": t.Priority, "to": *in.Priority}); err != nil {
				return err
			}
			t.Priority = *in.Priority
		}
		if in.Status != nil && *in.Status != t.Status {
			if note, err = s.chooseTicketStatus(ctx, q, actor, t, *in.Status, conv); err != nil {
				return err
			}
			if conv != nil {
				t.follow(conv)
				if err := stale(q.UpdateConversation(ctx, conv)); err != nil {
					return err
				}
			}
		} else {
			conv = nil // unchanged
			t.touch(now)
			if err := stale(q.UpdateTicket(ctx, t)); err != nil {
				return err
			}
		}
		if reassigned {
			return s.ticketAssigned(ctx, q, t, &moved) // unread.go
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var o outbox
	o.ticket(t)
	if note != nil {
		o.message(conv, note)
	}
	if conv != nil {
		o.conversation(conv)
	}
	o.items = append(o.items, moved.items...)
	s.publish(ctx, &o)
	return t, nil
}

// chooseTicketStatus applies an agent's explicit choice of status to t
// (lifecycle.go: only a support ticket's Done is final) and, when t has
// conversation conv, tells the change in its thread and returns that
// note; conv's status follows when t is its current ticket. The caller
// writes conv.
func (s *Service) chooseTicketStatus(ctx context.Context, q Queries, actor Actor, t *Ticket, next TicketStatus, conv *Conversation) (*Message, error) {
	if err := checkTicketStatusChoice(t, next); err != nil {
		return nil, err
	}
	from := t.Status
	if err := s.setTicketStatus(ctx, q, actor, t, next, conv); err != nil {
		return nil, err
	}
	body := ticketNote(t, from)
	if body == "" || conv == nil {
		return nil, nil
	}
	note := &Message{TenantID: t.TenantID, ConversationID: conv.ID, AuthorKind: AuthorSystem, Body: body, CreatedAt: s.now()}
	return note, s.appendMessage(ctx, q, conv, note)
}
