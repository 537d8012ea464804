package postgres

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/textsearch"
)

// ticketSelect reads tickets (t) with what they show of their
// conversation (c): its last activity and the requester's unread count.
// Its columns are named id and due_at for the ORDER BY of a union
// (ticketQuery).
const ticketSelect = `SELECT t.id, t.tenant_id, COALESCE(t.site_id, 0), t.number, t.subject, t.requester_email, t.status,
	t.priority, COALESCE(t.assignee_id, 0), t.source, COALESCE(t.conversation_id, 0), t.resolved_at, t.resolved_by,
	t.version, t.created_at, t.updated_at, t.summary,
	GREATEST(t.updated_at, c.last_message_at), COALESCE(c.unread_by_visitor, 0), t.queue,
	COALESCE(t.requester_tenant_id, 0), t.request_type, t.due_at, COALESCE(t.follows_ticket_id, 0)
	FROM tickets t LEFT JOIN conversations c ON c.id = t.conversation_id`

func scanTicket(s scanner) (*hub.Ticket, error) {
	var t hub.Ticket
	err := s.Scan(&t.ID, &t.TenantID, &t.SiteID, &t.Number, &t.Subject, &t.RequesterEmail, &t.Status, &t.Priority,
		&t.AssigneeID, &t.Source, &t.ConversationID, &t.ResolvedAt, &t.ResolvedBy, &t.Version, &t.CreatedAt, &t.UpdatedAt,
		&t.Summary, &t.LastActivityAt, &t.RequesterUnread, &t.Queue, &t.RequesterTenantID, &t.RequestType,
		&t.DueAt, &t.FollowsTicketID)
	if err != nil {
		return nil, err
	}
	t.ResolvedAt, t.DueAt = utcPtr(t.ResolvedAt), utcPtr(t.DueAt)
	t.CreatedAt, t.UpdatedAt, t.LastActivityAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), t.LastActivityAt.UTC()
	return &t, nil
}

// CreateTicket inserts t and sets its ID and Version 1. A number already
// used in the tenant is EConflict.
func (q *queries) CreateTicket(ctx context.Context, t *hub.Ticket) error {
	t.ResolvedAt, t.DueAt = utcPtr(t.ResolvedAt), utcPtr(t.DueAt)
	t.CreatedAt, t.UpdatedAt = utc(t.CreatedAt), utc(t.UpdatedAt)
	err := q.q.QueryRow(ctx, `INSERT INTO tickets (tenant_id, site_id, number, subject, requester_email, status,
		priority, assignee_id, source, conversation_id, resolved_at, resolved_by, created_at, updated_at, summary,
		queue, requester_tenant_id, request_type, due_at, follows_ticket_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
		t.TenantID, nullID(t.SiteID), t.Number, t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID),
		t.Source, nullID(t.ConversationID), t.ResolvedAt, t.ResolvedBy, t.CreatedAt, t.UpdatedAt, t.Summary,
		t.Queue, nullID(t.RequesterTenantID), t.RequestType, t.DueAt, nullID(t.FollowsTicketID)).Scan(&t.ID)
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

// LockTicket reads the ticket and locks its row (not its conversation's)
// until the transaction ends.
func (q *queries) LockTicket(ctx context.Context, id int64) (*hub.Ticket, error) {
	t, err := scanTicket(q.q.QueryRow(ctx, ticketSelect+` WHERE t.id = $1 FOR UPDATE OF t`, id))
	if err != nil {
		return nil, storeErr(err, "ticket", "lock ticket %d", id)
	}
	return t, nil
}

// FindTickets returns tickets newest first (by ID), or with ByDue by due
// time (none last), then ID, in one page: BeforeID is then EInvalid. Query
// matches the words of subjects through the tickets_subject_search GIN
// index; see textsearch.Terms. A query with no words matches nothing.
//
// A search newest first runs in two steps. The text index cannot return tickets in id
// order, so for a page of a common word the planner walks the newest
// tickets and checks each; but when the matches are all old it walks the
// whole history (BenchmarkInbox "q=legacy": 256 ms on a million tickets).
// So the first step walks (or not: the planner decides) only the newest
// searchWindow tickets of the tenant, and when that does not fill the
// page, the second asks the text index for every older match and keeps
// the newest. Each step costs at most searchWindow rows or the number of
// older matches.
func (q *queries) FindTickets(ctx context.Context, f hub.TicketFilter) ([]*hub.Ticket, error) {
	f.Limit = hub.TicketPage.Limit(f.Limit)
	if f.ByDue {
		if f.BeforeID != 0 {
			return nil, hub.Errorf(hub.EInvalid, "tickets by due time come in one page: no before id")
		}
		sql, args, ok := ticketQuery(f, ticketDue, 0)
		if !ok {
			return []*hub.Ticket{}, nil
		}
		return q.ticketPage(ctx, f, sql, args)
	}
	if strings.TrimSpace(f.Query) == "" {
		sql, args, _ := ticketQuery(f, ticketNewest, 0)
		return q.ticketPage(ctx, f, sql, args)
	}
	floor, err := q.searchFloor(ctx, f)
	if err != nil {
		return nil, err
	}
	sql, args, ok := ticketQuery(f, ticketNewest, floor)
	if !ok {
		return []*hub.Ticket{}, nil
	}
	out, err := q.ticketPage(ctx, f, sql, args)
	if err != nil || len(out) == f.Limit || floor == 0 {
		return out, err
	}
	older := f
	older.Limit, older.BeforeID = f.Limit-len(out), floor+1
	sql, args, _ = ticketQuery(older, ticketMatches, 0)
	rest, err := q.ticketPage(ctx, older, sql, args)
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// searchWindow is how many of a tenant's newest tickets the first step of
// a search covers (TestSearchSteps makes it small).
var searchWindow = 10000

// searchFloor returns the id below the searchWindow newest tickets of the
// page (through tickets_tenant, an index-only walk), 0 when there are
// fewer.
func (q *queries) searchFloor(ctx context.Context, f hub.TicketFilter) (int64, error) {
	before := f.BeforeID
	if before == 0 {
		before = math.MaxInt64
	}
	var floor int64
	err := q.q.QueryRow(ctx, `SELECT COALESCE((SELECT id FROM tickets WHERE tenant_id = $1 AND id < $2
		ORDER BY id DESC OFFSET $3 LIMIT 1), 0)`, customPlan([]any{f.TenantID, before, searchWindow})...).Scan(&floor)
	if err != nil {
		return 0, storeErr(err, "ticket", "find the search window of tenant %d", f.TenantID)
	}
	return floor, nil
}

// ticketPage runs a FindTickets statement, planned for its arguments
// (customPlan).
func (q *queries) ticketPage(ctx context.Context, f hub.TicketFilter, sql string, args []any) ([]*hub.Ticket, error) {
	rows, err := q.q.Query(ctx, sql, customPlan(args)...)
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

// How a FindTickets statement finds a search's matches.
const (
	// ticketNewest leaves it to the planner (an id-ordered walk or the
	// text index), above an id floor.
	ticketNewest = iota
	// ticketMatches has the text index find every match first.
	ticketMatches
	// ticketDue orders by due time (hub.TicketFilter.ByDue): the tickets
	// with one through tickets_tenant_due, then those without, oldest
	// first; a search is one more condition.
	ticketDue
)

// ticketQuery is a FindTickets statement (the benchmark EXPLAINs exactly
// these): tickets with ids above floor (0: any), their search matches
// found as mode says. ok is false when the query can match nothing.
func ticketQuery(f hub.TicketFilter, mode int, floor int64) (sql string, args []any, ok bool) {
	var search string
	if strings.TrimSpace(f.Query) != "" {
		terms := textsearch.Terms(f.Query)
		if len(terms) == 0 {
			return "", nil, false
		}
		search = tsquery(terms)
	}
	// The conditions name tickets as t in the plain statement, and
	// unqualified inside the CTE of ticketMatches.
	t := "t."
	if search != "" && mode == ticketMatches {
		t = ""
	}
	var w where
	w.add(t+"tenant_id = ?", f.TenantID)
	switch len(f.Statuses) {
	case 0:
	case 1:
		// Equality, not ANY: only then does the planner walk
		// tickets_tenant_status in id order. With ANY it walks the
		// primary key and filters, which reads the whole history when
		// the status is rare in it (BenchmarkInbox: a deep page of
		// in_progress took 99 ms instead of 0.2 ms).
		w.add(t+"status = ?", string(f.Statuses[0]))
	default:
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		w.add(t+"status = ANY(?)", statuses)
	}
	if f.AssigneeID != 0 {
		w.add(t+"assignee_id = ?", f.AssigneeID)
	}
	if f.Queue != "" {
		w.add(t+"queue = ?", f.Queue)
	}
	if f.RequesterTenantID != 0 {
		// Implies requester_tenant_id IS NOT NULL, so tickets_requester
		// can serve a workspace's support list.
		w.add(t+"requester_tenant_id = ?", f.RequesterTenantID)
	}
	if search != "" {
		w.add(t+"subject_search @@ to_tsquery('simple', ?)", search)
	}
	if len(f.IDs) > 0 {
		w.add(t+"id = ANY(?)", f.IDs)
	}
	if f.BeforeID != 0 {
		w.add(t+"id < ?", f.BeforeID)
	}
	if floor != 0 {
		w.add(t+"id > ?", floor)
	}
	w.args = append(w.args, hub.TicketPage.Limit(f.Limit))
	n := `$` + strconv.Itoa(len(w.args))
	if mode == ticketDue {
		// Both arms share the conditions and their $n. The first has the
		// condition of the partial index tickets_tenant_due; due_at
		// sorts NULLs last, and names the column of ticketSelect.
		return `(` + ticketSelect + ` WHERE ` + w.String() + ` AND t.due_at IS NOT NULL ORDER BY t.due_at, t.id LIMIT ` + n + `)
			UNION ALL
			(` + ticketSelect + ` WHERE ` + w.String() + ` AND t.due_at IS NULL ORDER BY t.id LIMIT ` + n + `)
			ORDER BY due_at, id LIMIT ` + n, w.args, true
	}
	if search != "" && mode == ticketMatches {
		// Both CTEs are MATERIALIZED, so the planner finds every match
		// (through the text index, and the other filters' indexes) before
		// anything is ordered: it cannot choose to walk the history.
		return `WITH m AS MATERIALIZED (SELECT id FROM tickets WHERE ` + w.String() + `),
			p AS MATERIALIZED (SELECT id FROM m ORDER BY id DESC LIMIT ` + n + `) ` +
			ticketSelect + ` WHERE t.id IN (SELECT id FROM p) ORDER BY t.id DESC`, w.args, true
	}
	return ticketSelect + ` WHERE ` + w.String() + ` ORDER BY t.id DESC LIMIT ` + n, w.args, true
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
	t.ResolvedAt, t.DueAt, t.UpdatedAt = utcPtr(t.ResolvedAt), utcPtr(t.DueAt), utc(t.UpdatedAt)
	tag, err := q.q.Exec(ctx, `UPDATE tickets SET site_id = $3, subject = $4, requester_email = $5, status = $6,
		priority = $7, assignee_id = $8, source = $9, conversation_id = $10, resolved_at = $11, resolved_by = $12,
		updated_at = $13, summary = $14, queue = $15, requester_tenant_id = $16, request_type = $17, due_at = $18,
		follows_ticket_id = $19, version = version + 1
		WHERE id = $1 AND version = $2`,
		t.ID, t.Version, nullID(t.SiteID), t.Subject, t.RequesterEmail, t.Status, t.Priority, nullID(t.AssigneeID),
		t.Source, nullID(t.ConversationID), t.ResolvedAt, t.ResolvedBy, t.UpdatedAt, t.Summary, t.Queue,
		nullID(t.RequesterTenantID), t.RequestType, t.DueAt, nullID(t.FollowsTicketID))
	if err != nil {
		return storeErr(err, "ticket", "update ticket %d", t.ID)
	}
	if tag.RowsAffected() == 0 {
		return q.staleOrMissing(ctx, "tickets", "ticket", t.ID)
	}
	t.Version++
	return nil
}

// customPlan makes pgx send a statement unnamed, so that Postgres plans it
// for these arguments every time. A cached statement switches to a
// generic plan after five runs, and for the list queries the best plan
// depends on the values (how rare a status, word or assignee is):
// BenchmarkInbox "q=refund+mine" took 15 ms with the generic plan and
// 1.7 ms with custom ones. Planning costs about 0.2 ms.
func customPlan(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}
