package sqlite

import (
	"context"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/hubsql"
)

const conversationColumns = `id, tenant_id, site_id, visitor_id, owner, status, COALESCE(assignee_id, 0),
	COALESCE(ticket_id, 0), last_seq, agent_read_seq, visitor_read_seq, unread_by_agents, unread_by_visitor, version,
	last_message_at, created_at, updated_at, handoff, handoff_reason, context_seq, visitor_seq, assistant_seq,
	escalation_subject, escalation_summary, feedback_up, feedback_down, preview, preview_author, escalated`

func scanConversation(s scanner) (*hub.Conversation, error) {
	var c hub.Conversation
	err := s.Scan(&c.ID, &c.TenantID, &c.SiteID, &c.VisitorID, &c.Owner, &c.Status, &c.AssigneeID, &c.TicketID,
		&c.LastSeq, &c.AgentReadSeq, &c.VisitorReadSeq, &c.UnreadByAgents, &c.UnreadByVisitor, &c.Version,
		timeCol{&c.LastMessageAt}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.Handoff, &c.HandoffReason,
		&c.ContextSeq, &c.VisitorSeq, &c.AssistantSeq, &c.EscalationSubject, &c.EscalationSummary, &c.FeedbackUp, &c.FeedbackDown,
		&c.Preview, &c.PreviewAuthor, &c.Escalated)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateConversation inserts c and sets its ID, LastSeq 0 and Version 1.
// handed_off starts as c.Handoff.HandedOff() (see UpdateConversation).
func (q *queries) CreateConversation(ctx context.Context, c *hub.Conversation) error {
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = utc(c.LastMessageAt), utc(c.CreatedAt), utc(c.UpdatedAt)
	if c.Handoff == "" {
		c.Handoff = hub.HandoffAssistant
	}
	err := q.q.QueryRowContext(ctx, `INSERT INTO conversations (tenant_id, site_id, visitor_id, owner, status,
		assignee_id, ticket_id, agent_read_seq, visitor_read_seq, unread_by_agents, unread_by_visitor, last_message_at,
		created_at, updated_at, handoff, handoff_reason, context_seq, visitor_seq, assistant_seq, escalation_subject,
		escalation_summary, feedback_up, feedback_down, preview, preview_author, escalated, handed_off)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.TenantID, c.SiteID, c.VisitorID, c.Owner, c.Status, nullID(c.AssigneeID), nullID(c.TicketID), c.AgentReadSeq,
		c.VisitorReadSeq, c.UnreadByAgents, c.UnreadByVisitor, micros(c.LastMessageAt), micros(c.CreatedAt),
		micros(c.UpdatedAt), c.Handoff, c.HandoffReason, c.ContextSeq, c.VisitorSeq, c.AssistantSeq,
		c.EscalationSubject, c.EscalationSummary, c.FeedbackUp, c.FeedbackDown, c.Preview, c.PreviewAuthor, c.Escalated,
		c.Handoff.HandedOff()).Scan(&c.ID)
	if err != nil {
		return storeErr(err, "conversation", "create conversation")
	}
	c.LastSeq, c.Version = 0, 1
	return nil
}

// FindConversationByID returns ENotFound when there is no such conversation.
func (q *queries) FindConversationByID(ctx context.Context, id int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.rowPrepared(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversation %d", id)
	}
	return c, nil
}

// LockConversation is FindConversationByID: SQLite has one writer at a
// time (DB.tx), so a write transaction's rows cannot change under it.
func (q *queries) LockConversation(ctx context.Context, id int64) (*hub.Conversation, error) {
	return q.FindConversationByID(ctx, id)
}

// FindCurrentConversation walks conversations_visitor_current, whose
// predicate is hubsql.NotClosed.
func (q *queries) FindCurrentConversation(ctx context.Context, visitorID int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = ? AND `+hubsql.NotClosed+` ORDER BY id DESC LIMIT 1`, visitorID))
	if err != nil {
		return nil, storeErr(err, "conversation", "find current conversation of visitor %d", visitorID)
	}
	return c, nil
}

// FindConversationByVisitor returns the visitor's newest conversation.
func (q *queries) FindConversationByVisitor(ctx context.Context, visitorID int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = ? ORDER BY id DESC LIMIT 1`, visitorID))
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversation of visitor %d", visitorID)
	}
	return c, nil
}

// FindConversations returns the newest activity first. The cursor is the
// (LastMessageAt, ID) of the last row of the previous page. Each filter
// is served by one of the conversations_*_recent indexes, walked newest
// first (the date range bounds the walk); further filters are checked on
// the rows it yields.
func (q *queries) FindConversations(ctx context.Context, f hub.ConversationFilter) ([]*hub.Conversation, error) {
	var w where
	w.add("tenant_id = ?", f.TenantID)
	if f.SiteID != 0 {
		w.add("site_id = ?", f.SiteID)
	}
	if f.VisitorID != 0 {
		w.add("visitor_id = ?", f.VisitorID)
	}
	if f.AssigneeID != 0 {
		w.add("assignee_id = ?", f.AssigneeID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		w.add("last_message_at >= ?", micros(utc(f.Since)))
	}
	if !f.Until.IsZero() {
		w.add("last_message_at < ?", micros(utc(f.Until)))
	}
	// Feedback, Escalated and HasTicket each walk a partial index
	// (hubsql.ConversationFilters).
	for _, cond := range hubsql.ConversationFilters(f) {
		w.add(cond)
	}
	if f.BeforeID != 0 || !f.BeforeTime.IsZero() {
		w.add("(last_message_at, id) < (?, ?)", micros(utc(f.BeforeTime)), f.BeforeID)
	}
	w.args = append(w.args, hub.ConversationPage.Limit(f.Limit))
	rows, err := q.q.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE `+w.String()+
		` ORDER BY last_message_at DESC, id DESC LIMIT ?`, w.args...)
	out, err := collect(rows, err, scanConversation)
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversations of tenant %d", f.TenantID)
	}
	return out, nil
}

// FindPendingAssistantConversations walks conversations_assistant_pending,
// whose predicate is hubsql.AssistantPending.
func (q *queries) FindPendingAssistantConversations(ctx context.Context, idleBefore time.Time, limit int) ([]*hub.Conversation, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE `+hubsql.AssistantPending+` AND last_message_at <= ?
		ORDER BY last_message_at LIMIT ?`, micros(utc(idleBefore)), limit)
	out, err := collect(rows, err, scanConversation)
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversations pending for the assistant")
	}
	return out, nil
}

// UpdateConversation writes every field but ID, TenantID, SiteID,
// VisitorID, LastSeq (CreateMessage owns it) and CreatedAt, if the stored
// version is still c.Version; then c.Version grows by one. A stale version
// is EConflict, a missing row ENotFound. handed_off, which reports read
// (migrations/0011_conversation_outcomes.sql), becomes true when
// c.Handoff.HandedOff() and then stays true. store/postgres writes the same.
func (q *queries) UpdateConversation(ctx context.Context, c *hub.Conversation) error {
	c.LastMessageAt, c.UpdatedAt = utc(c.LastMessageAt), utc(c.UpdatedAt)
	res, err := q.execPrepared(ctx, `UPDATE conversations SET owner = ?, status = ?, assignee_id = ?, ticket_id = ?,
		agent_read_seq = ?, visitor_read_seq = ?, unread_by_agents = ?, unread_by_visitor = ?, last_message_at = ?,
		updated_at = ?, handoff = ?, handoff_reason = ?, context_seq = ?, visitor_seq = ?, assistant_seq = ?,
		escalation_subject = ?, escalation_summary = ?, feedback_up = ?, feedback_down = ?, preview = ?,
		preview_author = ?, escalated = ?, handed_off = handed_off OR ?, version = version + 1
		WHERE id = ? AND version = ?`,
		c.Owner, c.Status, nullID(c.AssigneeID), nullID(c.TicketID), c.AgentReadSeq, c.VisitorReadSeq,
		c.UnreadByAgents, c.UnreadByVisitor, micros(c.LastMessageAt), micros(c.UpdatedAt), c.Handoff, c.HandoffReason,
		c.ContextSeq, c.VisitorSeq, c.AssistantSeq, c.EscalationSubject, c.EscalationSummary, c.FeedbackUp,
		c.FeedbackDown, c.Preview, c.PreviewAuthor, c.Escalated, c.Handoff.HandedOff(), c.ID, c.Version)
	if err != nil {
		return storeErr(err, "conversation", "update conversation %d", c.ID)
	}
	if err := q.versioned(ctx, res, "conversations", "conversation", c.ID); err != nil {
		return err
	}
	c.Version++
	return nil
}

// versioned explains an optimistic update: nil when it changed the row,
// EConflict when the row exists with another version, else ENotFound.
func (q *queries) versioned(ctx context.Context, res interface{ RowsAffected() (int64, error) }, table, noun string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return storeErr(err, noun, "update %s %d", noun, id)
	}
	if n > 0 {
		return nil
	}
	var exists bool
	err = q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, id).Scan(&exists)
	if err != nil {
		return storeErr(err, noun, "find %s %d", noun, id)
	}
	if !exists {
		return hub.Errorf(hub.ENotFound, "%s not found", noun)
	}
	return hub.Errorf(hub.EConflict, "%s %d was changed by someone else: reload it", noun, id)
}
