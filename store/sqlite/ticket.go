package sqlite

import (
	"context"
	"slices"
	"strings"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/textsearch"
)

// ticketSelect reads tickets (t) with what they show of their
// conversation (c): its last activity and the requester's unread count.
const ticketSelect = `SELECT t.id, t.tenant_id, COALESCE(t.site_id, 0), t.number, t.subject, t.requester_email, t.status,
	t.priority, COALESCE(t.assignee_id, 0), t.source, COALESCE(t.conversation_id, 0), t.resolved_at, t.resolved_by,
	t.version, t.created_at, t.updated_at, t.summary,
	max(t.updated_at, COALESCE(c.last_message_at, t.updated_at)), COALESCE(c.unread_by_visitor, 0), t.queue,
	COALESCE(t.requester_tenant_id, 0), t.request_type, t.due_at, COALESCE(t.follows_ticket_id, 0)
	FROM tickets t LEFT JOIN conversations c ON c.id = t.conversation_id`

func scanTicket(s scanner) (*hub.Ticket, error) {
	var t hub.Ticket
	err := s.Scan(&t.ID, &t.TenantID, &t.SiteID, &t.Number, &t.Subject, &t.RequesterEmail, &t.Status, &t.Priority,
		&t.AssigneeID, &t.Source, &t.ConversationID, nullTimeCol{&t.ResolvedAt}, &t.ResolvedBy, &t.Version,
		timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Summary, timeCol{&t.LastActivityAt},
		&t.RequesterUnread, &t.Queue, &t.RequesterTenantID, &t.RequestType, nullTimeCol{&t.DueAt}, &t.FollowsTicketID)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTicket inserts t and sets its ID and Version 1. A number already
// used in the tenant is EConflict.
func (q *queries) CreateTicket(ctx context.Context, t *hub.Ticket) error {
	t.ResolvedAt, t.DueAt = utcPtr(t.ResolvedAt), utcPtr(t.DueAt)
	t.CreatedAt, t.UpdatedAt = utc(t.CreatedAt), utc(t.UpdatedAt)
	err := q.q.QueryRowContext(ctx, `INSERT INTO tickets (tenant_id, site_id, number, subject, requester_email, status,
		priority, assignee_id, source, conversation_id, resolved_at, resolved_by, created_at, updated_at, summary,
		queue, requester_tenant_id, request_type, due_at, follows_ticket_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.TenantID, nullID(t.SiteID), t.Number, t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID),
		t.Source, nullID(t.ConversationID), microsPtr(t.ResolvedAt), t.ResolvedBy, micros(t.CreatedAt),
		micros(t.UpdatedAt), t.Summary, t.Queue, nullID(t.RequesterTenantID), t.RequestType, microsPtr(t.DueAt),
		nullID(t.FollowsTicketID)).Scan(&t.ID)
	if err != nil {
		return storeErr(err, "ticket", "create ticket")
	}
	t.Version = 1
	return nil
}

// FindTicketByID returns ENotFound when there is no such ticket.
func (q *queries) FindTicketByID(ctx context.Context, id int64) (*hub.Ticket, error) {
	t, err := scanTicket(q.q.QueryRowContext(ctx, ticketSelect+` WHERE t.id = ?`, id))
	if err != nil {
		return nil, storeErr(err, "ticket", "find ticket %d", id)
	}
	return t, nil
}

// FindTickets returns tickets newest first (by ID), or with ByDue by due
// time (none last), then ID, in one page: BeforeID is then EInvalid. Query
// matches the words of subjects through the tickets_fts full-text index;
// see textsearch.Terms. A query with no words matches nothing.
func (q *queries) FindTickets(ctx context.Context, f hub.TicketFilter) ([]*hub.Ticket, error) {
	if f.ByDue && f.BeforeID != 0 {
		return nil, hub.Errorf(hub.EInvalid, "tickets by due time come in one page: no before id")
	}
	var w where
	w.add("t.tenant_id = ?", f.TenantID)
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			args[i] = string(s)
		}
		w.add("t.status IN ("+placeholders(len(args))+")", args...)
	}
	if f.AssigneeID != 0 {
		w.add("t.assignee_id = ?", f.AssigneeID)
	}
	if f.Queue != "" {
		w.add("t.queue = ?", f.Queue)
	}
	if f.RequesterTenantID != 0 {
		// Implies requester_tenant_id IS NOT NULL, so tickets_requester
		// can serve a workspace's support list.
		w.add("t.requester_tenant_id = ?", f.RequesterTenantID)
	}
	if strings.TrimSpace(f.Query) != "" {
		terms := textsearch.Terms(f.Query)
		if len(terms) == 0 {
			return []*hub.Ticket{}, nil
		}
		w.add("t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)", ftsQuery(terms))
	}
	if len(f.IDs) > 0 {
		args := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			args[i] = id
		}
		w.add("t.id IN ("+placeholders(len(args))+")", args...)
	}
	if f.BeforeID != 0 {
		w.add("t.id < ?", f.BeforeID)
	}
	n := hub.TicketPage.Limit(f.Limit)
	sql, args := ticketSelect+` WHERE `+w.String()+` ORDER BY t.id DESC LIMIT ?`, append(w.args, n)
	if f.ByDue {
		// The tickets with a due time through the partial index
		// tickets_tenant_due (whose condition the first arm repeats),
		// then those without, oldest first. The arms are subqueries,
		// where SQLite allows ORDER BY and LIMIT; the outer ORDER BY
		// names their columns due_at and id.
		sql = `SELECT * FROM (` + ticketSelect + ` WHERE ` + w.String() + ` AND t.due_at IS NOT NULL
				ORDER BY t.due_at, t.id LIMIT ?)
			UNION ALL
			SELECT * FROM (` + ticketSelect + ` WHERE ` + w.String() + ` AND t.due_at IS NULL ORDER BY t.id LIMIT ?)
			ORDER BY due_at NULLS LAST, id LIMIT ?`
		args = slices.Concat(w.args, []any{n}, w.args, []any{n, n})
	}
	rows, err := q.q.QueryContext(ctx, sql, args...)
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

// ftsQuery ANDs the terms as FTS5 strings, the last one as a prefix:
// "refund" "req"*. Quoting makes every term a plain string whatever it
// holds, so user input never reaches FTS5's query syntax.
func ftsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	parts[len(parts)-1] += "*"
	return strings.Join(parts, " ")
}

// UpdateTicket writes every field but ID, TenantID, Number and CreatedAt
// if the stored version is still t.Version; then t.Version grows by one.
// A stale version is EConflict, a missing row ENotFound.
func (q *queries) UpdateTicket(ctx context.Context, t *hub.Ticket) error {
	t.ResolvedAt, t.DueAt, t.UpdatedAt = utcPtr(t.ResolvedAt), utcPtr(t.DueAt), utc(t.UpdatedAt)
	res, err := q.q.ExecContext(ctx, `UPDATE tickets SET site_id = ?, subject = ?, requester_email = ?, status = ?,
		priority = ?, assignee_id = ?, source = ?, conversation_id = ?, resolved_at = ?, resolved_by = ?,
		updated_at = ?, summary = ?, queue = ?, requester_tenant_id = ?, request_type = ?, due_at = ?,
		follows_ticket_id = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		nullID(t.SiteID), t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID), t.Source,
		nullID(t.ConversationID), microsPtr(t.ResolvedAt), t.ResolvedBy, micros(t.UpdatedAt), t.Summary, t.Queue,
		nullID(t.RequesterTenantID), t.RequestType, microsPtr(t.DueAt), nullID(t.FollowsTicketID), t.ID, t.Version)
	if err != nil {
		return storeErr(err, "ticket", "update ticket %d", t.ID)
	}
	if err := q.versioned(ctx, res, "tickets", "ticket", t.ID); err != nil {
		return err
	}
	t.Version++
	return nil
}

// LockTicket is FindTicketByID: SQLite has one writer at a time (DB.tx).
func (q *queries) LockTicket(ctx context.Context, id int64) (*hub.Ticket, error) {
	return q.FindTicketByID(ctx, id)
}
