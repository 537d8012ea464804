package postgres

import (
	"context"
	"strconv"
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
		&c.LastMessageAt, &c.CreatedAt, &c.UpdatedAt, &c.Handoff, &c.HandoffReason, &c.ContextSeq, &c.VisitorSeq,
		&c.AssistantSeq, &c.EscalationSubject, &c.EscalationSummary, &c.FeedbackUp, &c.FeedbackDown, &c.Preview,
		&c.PreviewAuthor, &c.Escalated)
	if err != nil {
		return nil, err
	}
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = c.LastMessageAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateConversation inserts c and sets its ID, LastSeq 0 and Version 1.
// handed_off starts as c.Handoff.HandedOff() (see UpdateConversation).
func (q *queries) CreateConversation(ctx context.Context, c *hub.Conversation) error {
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = utc(c.LastMessageAt), utc(c.CreatedAt), utc(c.UpdatedAt)
	if c.Handoff == "" {
		c.Handoff = hub.HandoffAssistant
	}
	err := q.q.QueryRow(ctx, `INSERT INTO conversations (tenant_id, site_id, visitor_id, owner, status, assignee_id,
		ticket_id, agent_read_seq, visitor_read_seq, unread_by_agents, unread_by_visitor, last_message_at, created_at,
		updated_at, handoff, handoff_reason, context_seq, visitor_seq, assistant_seq, escalation_subject,
		escalation_summary, feedback_up, feedback_down, preview, preview_author, escalated, handed_off) VALUES ($1, $2,
		$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
		$27) RETURNING id`,
		c.TenantID, c.SiteID, c.VisitorID, c.Owner, c.Status, nullID(c.AssigneeID), nullID(c.TicketID), c.AgentReadSeq,
		c.VisitorReadSeq, c.UnreadByAgents, c.UnreadByVisitor, c.LastMessageAt, c.CreatedAt, c.UpdatedAt, c.Handoff,
		c.HandoffReason, c.ContextSeq, c.VisitorSeq, c.AssistantSeq, c.EscalationSubject, c.EscalationSummary,
		c.FeedbackUp, c.FeedbackDown, c.Preview, c.PreviewAuthor, c.Escalated, c.Handoff.HandedOff()).Scan(&c.ID)
	if err != nil {
		return storeErr(err, "conversation", "create conversation")
	}
	c.LastSeq, c.Version = 0, 1
	return nil
}

// FindConversationByID returns ENotFound when there is no such conversation.
func (q *queries) FindConversationByID(ctx context.Context, id int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversation %d", id)
	}
	return c, nil
}

// LockConversation reads the conversation and locks its row until the
// transaction ends.
func (q *queries) LockConversation(ctx context.Context, id int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return nil, storeErr(err, "conversation", "lock conversation %d", id)
	}
	return c, nil
}

// FindCurrentConversation walks conversations_visitor_current, whose
// predicate is hubsql.NotClosed.
func (q *queries) FindCurrentConversation(ctx context.Context, visitorID int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = $1 AND `+hubsql.NotClosed+` ORDER BY id DESC LIMIT 1`, visitorID))
	if err != nil {
		return nil, storeErr(err, "conversation", "find current conversation of visitor %d", visitorID)
	}
	return c, nil
}

// FindConversationByVisitor returns the visitor's newest conversation.
func (q *queries) FindConversationByVisitor(ctx context.Context, visitorID int64) (*hub.Conversation, error) {
	c, err := scanConversation(q.q.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1`, visitorID))
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
	sql, args := conversationQuery(f)
	rows, err := q.q.Query(ctx, sql, customPlan(args)...)
	out, err := collect(rows, err, scanConversation)
	if err != nil {
		return nil, storeErr(err, "conversation", "find conversations of tenant %d", f.TenantID)
	}
	return out, nil
}

// conversationQuery is FindConversations' statement. The benchmark
// EXPLAINs exactly this statement.
func conversationQuery(f hub.ConversationFilter) (string, []any) {
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
		w.add("last_message_at >= ?", utc(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("last_message_at < ?", utc(f.Until))
	}
	// Feedback, Escalated and HasTicket each walk a partial index
	// (hubsql.ConversationFilters).
	for _, cond := range hubsql.ConversationFilters(f) {
		w.add(cond)
	}
	if f.BeforeID != 0 || !f.BeforeTime.IsZero() {
		w.add("(last_message_at, id) < (?, ?)", utc(f.BeforeTime), f.BeforeID)
	}
	w.args = append(w.args, hub.ConversationPage.Limit(f.Limit))
	return `SELECT ` + conversationColumns + ` FROM conversations WHERE ` + w.String() +
		` ORDER BY last_message_at DESC, id DESC LIMIT $` + strconv.Itoa(len(w.args)), w.args
}

// FindPendingAssistantConversations walks conversations_assistant_pending,
// whose predicate is hubsql.AssistantPending.
func (q *queries) FindPendingAssistantConversations(ctx context.Context, idleBefore time.Time, limit int) ([]*hub.Conversation, error) {
	rows, err := q.q.Query(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE `+hubsql.AssistantPending+` AND last_message_at <= $1
		ORDER BY last_message_at LIMIT $2`, utc(idleBefore), limit)
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
// c.Handoff.HandedOff() and then stays true. store/sqlite writes the same.
func (q *queries) UpdateConversation(ctx context.Context, c *hub.Conversation) error {
	c.LastMessageAt, c.UpdatedAt = utc(c.LastMessageAt), utc(c.UpdatedAt)
	tag, err := q.q.Exec(ctx, `UPDATE conversations SET owner = $3, status = $4, assignee_id = $5, ticket_id = $6,
		agent_read_seq = $7, visitor_read_seq = $8, unread_by_agents = $9, unread_by_visitor = $10,
		last_message_at = $11, updated_at = $12, handoff = $13, handoff_reason = $14, context_seq = $15,
		visitor_seq = $16, assistant_seq = $17, escalation_subject = $18, escalation_summary = $19,
		feedback_up = $20, feedback_down = $21, preview = $22, preview_author = $23, escalated = $24,
		handed_off = handed_off OR $25, version = version + 1
		WHERE id = $1 AND version = $2`,
		c.ID, c.Version, c.Owner, c.Status, nullID(c.AssigneeID), nullID(c.TicketID), c.AgentReadSeq, c.VisitorReadSeq,
		c.UnreadByAgents, c.UnreadByVisitor, c.LastMessageAt, c.UpdatedAt, c.Handoff, c.HandoffReason, c.ContextSeq,
		c.VisitorSeq, c.AssistantSeq, c.EscalationSubject, c.EscalationSummary, c.FeedbackUp, c.FeedbackDown, c.Preview,
		c.PreviewAuthor, c.Escalated, c.Handoff.HandedOff())
	if err != nil {
		return storeErr(err, "conversation", "update conversation %d", c.ID)
	}
	if tag.RowsAffected() == 0 {
		return q.staleOrMissing(ctx, "conversations", "conversation", c.ID)
	}
	c.Version++
	return nil
}

// staleOrMissing explains an optimistic update that changed no row:
// EConflict when the row exists with another version, else ENotFound.
func (q *queries) staleOrMissing(ctx context.Context, table, noun string, id int64) error {
	var exists bool
	err := q.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&exists)
	if err != nil {
		return storeErr(err, noun, "find %s %d", noun, id)
	}
	if !exists {
		return hub.Errorf(hub.ENotFound, "%s not found", noun)
	}
	return hub.Errorf(hub.EConflict, "%s %d was changed by someone else: reload it", noun, id)
}
