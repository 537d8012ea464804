package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/textsearch"
)

// ticketSelect reads tickets (t) with what they show of their
// conversation (c): its unread count and last activity.
const ticketSelect = `SELECT t.id, t.tenant_id, COALESCE(t.site_id, 0), t.number, t.subject, t.requester_email, t.status,
	t.priority, COALESCE(t.assignee_id, 0), t.source, COALESCE(t.conversation_id, 0), t.resolved_at, t.resolved_by,
	t.version, t.created_at, t.updated_at, t.summary, COALESCE(c.unread_by_agents, 0),
	GREATEST(t.updated_at, c.last_message_at)
	FROM tickets t LEFT JOIN conversations c ON c.id = t.conversation_id`

func scanTicket(s scanner) (*hub.Ticket, error) {
	var t hub.Ticket
	err := s.Scan(&t.ID, &t.TenantID, &t.SiteID, &t.Number, &t.Subject, &t.RequesterEmail, &t.Status, &t.Priority,
		&t.AssigneeID, &t.Source, &t.ConversationID, &t.ResolvedAt, &t.ResolvedBy, &t.Version, &t.CreatedAt, &t.UpdatedAt,
		&t.Summary, &t.Unread, &t.LastActivityAt)
	if err != nil {
		return nil, err
	}
	if t.ResolvedAt != nil {
		*t.ResolvedAt = t.ResolvedAt.UTC()
	}
	t.CreatedAt, t.UpdatedAt, t.LastActivityAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), t.LastActivityAt.UTC()
	return &t, nil
}

// CreateTicket inserts t and sets its ID and Version 1. A number already
// used in the tenant is EConflict.
func (q *queries) CreateTicket(ctx context.Context, t *hub.Ticket) error {
	t.ResolvedAt, t.CreatedAt, t.UpdatedAt = utcPtr(t.ResolvedAt), utc(t.CreatedAt), utc(t.UpdatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO tickets (tenant_id, site_id, number, subject, requester_email, status,
		priority, assignee_id, source, conversation_id, resolved_at, resolved_by, created_at, updated_at, summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		t.TenantID, nullID(t.SiteID), t.Number, t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID),
		t.Source, nullID(t.ConversationID), t.ResolvedAt, t.ResolvedBy, t.CreatedAt, t.UpdatedAt, t.Summary).Scan(&t.ID)
	if err != nil {
		return storeErr(err, "ticket", "create ticket")
	}
	t.Version = 1
	return nil
}

// FindTicketByID returns ENotFound when there is no such ticket.
func (q *queries) FindTicketByID(ctx context.Context, id int64) (*hub.Ticket, error) {
	t, err := scanTicket(q.q.QueryRow(ctx, ticketSelect+` WHERE t.id = $1`, id))
	if err != nil {
		return nil, storeErr(err, "ticket", "find ticket %d", id)
	}
	return t, nil
}

// Page sizes of FindTickets.
const (
	defaultTickets = 50
	maxTickets     = 200
)

// FindTickets returns tickets newest first (by ID). Query matches the
// words of subjects through the tickets_subject_search GIN index; see
// textsearch.Terms. A query with no words matches nothing.
func (q *queries) FindTickets(ctx context.Context, f hub.TicketFilter) ([]*hub.Ticket, error) {
	sql, args, ok := ticketQuery(f)
	if !ok {
		return []*hub.Ticket{}, nil
	}
	rows, err := q.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, storeErr(err, "ticket", "find tickets of tenant %d", f.TenantID)
	}
	defer rows.Close()
	out := []*hub.Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, storeErr(err, "ticket", "scan ticket")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "ticket", "find tickets of tenant %d", f.TenantID)
	}
	return out, nil
}

// ticketQuery is FindTickets' statement; ok is false when the query can
// match nothing. The benchmark EXPLAINs exactly this statement.
func ticketQuery(f hub.TicketFilter) (sql string, args []any, ok bool) {
	var w where
	w.add("t.tenant_id = ?", f.TenantID)
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		w.add("t.status = ANY(?)", statuses)
	}
	if f.AssigneeID != 0 {
		w.add("t.assignee_id = ?", f.AssigneeID)
	}
	if strings.TrimSpace(f.Query) != "" {
		terms := textsearch.Terms(f.Query)
		if len(terms) == 0 {
			return "", nil, false
		}
		w.add("t.subject_search @@ to_tsquery('simple', ?)", tsquery(terms))
	}
	if f.BeforeID != 0 {
		w.add("t.id < ?", f.BeforeID)
	}
	w.args = append(w.args, limit(f.Limit, defaultTickets, maxTickets))
	return ticketSelect + ` WHERE ` + w.String() + ` ORDER BY t.id DESC LIMIT $` + strconv.Itoa(len(w.args)), w.args, true
}

// tsquery ANDs the terms, the last one as a prefix: 'refund' & 'req':*.
// Terms hold only letters and digits, so quoting them cannot fail.
func tsquery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + t + "'"
	}
	parts[len(parts)-1] += ":*"
	return strings.Join(parts, " & ")
}

// UpdateTicket writes every field but ID, TenantID, Number and CreatedAt
// if the stored version is still t.Version; then t.Version grows by one.
// A stale version is EConflict, a missing row ENotFound.
func (q *queries) UpdateTicket(ctx context.Context, t *hub.Ticket) error {
	t.ResolvedAt, t.UpdatedAt = utcPtr(t.ResolvedAt), utc(t.UpdatedAt)
	tag, err := q.q.Exec(ctx, `UPDATE tickets SET site_id = $3, subject = $4, requester_email = $5, status = $6,
		priority = $7, assignee_id = $8, source = $9, conversation_id = $10, resolved_at = $11, resolved_by = $12,
		updated_at = $13, summary = $14, version = version + 1
		WHERE id = $1 AND version = $2`,
		t.ID, t.Version, nullID(t.SiteID), t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID),
		t.Source, nullID(t.ConversationID), t.ResolvedAt, t.ResolvedBy, t.UpdatedAt, t.Summary)
	if err != nil {
		return storeErr(err, "ticket", "update ticket %d", t.ID)
	}
	if tag.RowsAffected() == 0 {
		return q.staleOrMissing(ctx, "tickets", "ticket", t.ID)
	}
	t.Version++
	return nil
}
