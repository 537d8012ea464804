package postgres

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// BenchmarkInbox measures the Tickets and Conversations views' list
// queries (FindTickets, FindConversations) on a workspace with a million
// tickets and a million conversations, one sub-benchmark per filter, first
// page and a deep page. With -v it logs each statement's EXPLAIN (ANALYZE,
// BUFFERS), so the plan behind every figure is on record. It never runs
// in the normal test run (benchmarks need -bench); docs/BENCHMARKS.md
// has the command and the figures.
//
// Environment: PARLEY_TEST_DATABASE_URL (required); PARLEY_BENCH_ROWS
// (default 1000000) tickets and conversations; PARLEY_BENCH_SCHEMA keeps
// the seeded data in that schema for later runs (seeded when empty) —
// without it a throwaway schema is seeded and dropped.
func BenchmarkInbox(b *testing.B) {
	hubtest.PostgresURL(b) // skips, or fails under CI, without a database
	ctx := context.Background()
	rows := 1_000_000
	if v := os.Getenv("PARLEY_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10_000 {
			b.Fatalf("PARLEY_BENCH_ROWS=%q: want a number of at least 10000", v)
		}
		rows = n
	}
	schema := os.Getenv("PARLEY_BENCH_SCHEMA")
	keep := schema != "" // else a fresh schema, dropped afterwards
	db := mustOpenMigrated(b, MustSchema(b, schema, keep))
	if err := seedInbox(ctx, b, db, rows); err != nil {
		b.Fatal(err)
	}

	const big, member, rare = 1, 1, 21 // the big tenant, an agent with 5% of its tickets, one with 10
	day := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	yes, no := true, false
	mid := int64(rows / 2)
	midTime := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(mid) * 20 * time.Second)
	tickets := []struct {
		name string
		f    hub.TicketFilter
	}{
		{"all", hub.TicketFilter{}},
		{"all/deep", hub.TicketFilter{BeforeID: mid}},
		{"mine", hub.TicketFilter{AssigneeID: member}},
		{"mine/deep", hub.TicketFilter{AssigneeID: member, BeforeID: mid}},
		{"mine/rare", hub.TicketFilter{AssigneeID: rare}},
		{"open", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketOpen}}},
		{"open/deep", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketOpen}, BeforeID: mid}},
		{"in_progress", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketInProgress}}},
		{"in_progress/deep(none)", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketInProgress}, BeforeID: mid}},
		{"on_customer", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketOnCustomer}}},
		{"resolved", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketResolved}}},
		{"closed", hub.TicketFilter{Statuses: []hub.TicketStatus{hub.TicketClosed}}},
		{"q=refund(10%)", hub.TicketFilter{Query: "refund"}},
		{"q=ref(prefix,10%)", hub.TicketFilter{Query: "ref"}},
		{"q=refund/deep", hub.TicketFilter{Query: "refund", BeforeID: mid}},
		{"q=sku42(0.1%)", hub.TicketFilter{Query: "sku42"}},
		{"q=sku4(prefix,1.1%)", hub.TicketFilter{Query: "sku4"}},
		{"q=one_order", hub.TicketFilter{Query: strconv.Itoa(100000 + rows/3)}},
		{"q=nothing", hub.TicketFilter{Query: "xylophone"}},
		{"q=legacy(1%,all_old)", hub.TicketFilter{Query: "legacy"}},
		{"q=refund+sku42(none)", hub.TicketFilter{Query: "refund sku42"}},
		{"q=refund+mine", hub.TicketFilter{Query: "refund", AssigneeID: member}},
		{"q=sku42+mine", hub.TicketFilter{Query: "sku42", AssigneeID: member}},
		{"q=refund+open", hub.TicketFilter{Query: "refund", Statuses: []hub.TicketStatus{hub.TicketOpen}}},
		{"q=sku42+open", hub.TicketFilter{Query: "sku42", Statuses: []hub.TicketStatus{hub.TicketOpen}}},
	}
	for _, tt := range tickets {
		f := tt.f
		f.TenantID, f.Limit = big, 50
		if f.Query == "" {
			sql, args, _ := ticketQuery(f, ticketNewest, 0)
			explain(ctx, b, db, "tickets "+tt.name, sql, args)
		} else {
			// A search's two steps (FindTickets); the second runs only
			// when the first does not fill the page.
			floor, err := db.searchFloor(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			sql, args, _ := ticketQuery(f, ticketNewest, floor)
			explain(ctx, b, db, "tickets "+tt.name+" (step 1, newest)", sql, args)
			older := f
			older.BeforeID = floor + 1
			sql, args, _ = ticketQuery(older, ticketMatches, 0)
			explain(ctx, b, db, "tickets "+tt.name+" (step 2, older matches)", sql, args)
		}
		b.Run("tickets/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.FindTickets(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	conversations := []struct {
		name string
		f    hub.ConversationFilter
	}{
		{"all", hub.ConversationFilter{}},
		{"all/deep", hub.ConversationFilter{BeforeTime: midTime, BeforeID: mid}},
		{"site(25%)", hub.ConversationFilter{SiteID: 2}},
		{"status=open", hub.ConversationFilter{Status: hub.ConversationOpen}},
		{"feedback=either(10%)", hub.ConversationFilter{Feedback: hub.FeedbackEither}},
		{"feedback=up(5%)", hub.ConversationFilter{Feedback: hub.FeedbackUpOnly}},
		{"feedback=down(3%)", hub.ConversationFilter{Feedback: hub.FeedbackDownOnly}},
		{"feedback=both(2%)", hub.ConversationFilter{Feedback: hub.FeedbackBoth}},
		{"feedback=both/deep", hub.ConversationFilter{Feedback: hub.FeedbackBoth, BeforeTime: midTime, BeforeID: mid}},
		{"feedback=none(90%)", hub.ConversationFilter{Feedback: hub.FeedbackNeither}},
		{"escalated(10%)", hub.ConversationFilter{Escalated: &yes}},
		{"escalated/deep", hub.ConversationFilter{Escalated: &yes, BeforeTime: midTime, BeforeID: mid}},
		{"not_escalated", hub.ConversationFilter{Escalated: &no}},
		{"has_ticket(20%)", hub.ConversationFilter{HasTicket: &yes}},
		{"has_ticket/deep", hub.ConversationFilter{HasTicket: &yes, BeforeTime: midTime, BeforeID: mid}},
		{"no_ticket", hub.ConversationFilter{HasTicket: &no}},
		{"one_day", hub.ConversationFilter{Since: day, Until: day.AddDate(0, 0, 1)}},
		{"one_day+down", hub.ConversationFilter{Since: day, Until: day.AddDate(0, 0, 1), Feedback: hub.FeedbackDownOnly}},
		{"site+both+escalated", hub.ConversationFilter{SiteID: 2, Feedback: hub.FeedbackBoth, Escalated: &yes}},
	}
	for _, tt := range conversations {
		f := tt.f
		f.TenantID, f.Limit = big, 50
		sql, args := conversationQuery(f)
		explain(ctx, b, db, "conversations "+tt.name, sql, args)
		b.Run("conversations/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.FindConversations(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// explain logs the plan of one statement, run for real.
func explain(ctx context.Context, b *testing.B, db *DB, name, sql string, args []any) {
	b.Helper()
	rows, err := db.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+sql, args...)
	if err != nil {
		b.Fatalf("explain %s: %v", name, err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan.WriteString("\n    " + line)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s:%s", name, plan.String())
}

// seedInbox fills an empty schema with a big tenant (rows tickets and
// conversations, 20 agents, two sites) and a small one, then analyzes it.
// Rows are made by generate_series in a few statements. The distributions are the figures' premises:
//   - tickets: work in progress is recent, as in a real helpdesk: the
//     newest 2% are open (40%), in progress (30%) or on customer (30%);
//     older ones are resolved (60%) or closed (40%), but for 0.1% still
//     open, spread over the whole history; 10% are unassigned, member 1
//     has 5%, member 21 has 10 tickets;
//     20% come from a conversation (those conversations have a ticket,
//     and half of them, 10% of all, are escalated);
//     subjects "<Word> problem with sku<N> order <100000+id>", Word one of
//     10 (10% each), N one of 1000 (0.1% each); but in the oldest 10%,
//     "Legacy" takes the place of one word: 1% of all subjects, none of
//     them recent (the worst case for a search walking newest first);
//   - conversations: 25% on the second site, 30% open; votes: 5% up only,
//     3% down only, 2% both, 90% none; one every 20 s over 231 days.
func seedInbox(ctx context.Context, b *testing.B, db *DB, rows int) error {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		b.Logf("using the %d tickets already seeded", n)
		return nil
	}
	start := time.Now()
	perRows := []any{rows} // $1
	stmts := []seedStatement{
		{`INSERT INTO tenants (id, name, plan, created_at) VALUES (1, 'Big', 'pro', now()), (2, 'Small', 'pro', now())`, nil},
		{`INSERT INTO members (id, tenant_id, email, name, role, password_hash, created_at)
			SELECT g, CASE WHEN g <= 21 THEN 1 ELSE 2 END, 'm' || g || '@bench.test', 'Member ' || g, 'agent', 'x', now()
			FROM generate_series(1, 22) g`, nil},
		{`INSERT INTO sites (id, tenant_id, key, name, identity_secret, created_at, updated_at) VALUES
			(1, 1, 'site_bench1', 'Shop', 's', now(), now()), (2, 1, 'site_bench2', 'Blog', 's', now(), now()),
			(3, 2, 'site_bench3', 'Small', 's', now(), now())`, nil},
		{`INSERT INTO visitors (id, tenant_id, site_id, anonymous_id, first_seen, last_seen)
			SELECT g, CASE WHEN g <= $1 THEN 1 ELSE 2 END, CASE WHEN g > $1 THEN 3 WHEN g % 4 = 0 THEN 2 ELSE 1 END,
				'anon_' || g, timestamptz '2025-01-01 00:00:00+00' + g * interval '20 seconds',
				timestamptz '2025-01-01 00:00:00+00' + g * interval '20 seconds'
			FROM generate_series(1, $1 + 1000) g`, perRows},
		{`INSERT INTO conversations (id, tenant_id, site_id, visitor_id, owner, status, last_message_at, created_at,
				updated_at, handoff, feedback_up, feedback_down, unread_by_agents, last_seq, ticket_id, escalated)
			SELECT v.id, v.tenant_id, v.site_id, v.id, 'assistant', CASE WHEN v.id % 10 < 7 THEN 'resolved' ELSE 'open' END,
				v.last_seen + (v.id * 7919 % 600) * interval '1 second', v.first_seen, v.first_seen, 'assistant',
				CASE WHEN v.id % 100 < 7 THEN 1 + v.id % 3 ELSE 0 END,
				CASE WHEN v.id % 100 BETWEEN 5 AND 9 THEN 1 ELSE 0 END, v.id % 3, 5,
				CASE WHEN v.tenant_id = 1 AND v.id % 5 = 0 THEN v.id END, v.tenant_id = 1 AND v.id % 10 = 0
			FROM visitors v`, nil},
		{`INSERT INTO tickets (id, tenant_id, site_id, number, subject, requester_email, status, priority, assignee_id,
				source, conversation_id, resolved_at, resolved_by, created_at, updated_at)
			SELECT g, CASE WHEN g <= $1 THEN 1 ELSE 2 END, CASE WHEN g <= $1 THEN 1 ELSE 3 END,
				CASE WHEN g <= $1 THEN g ELSE g - $1 END,
				CASE WHEN g <= $1 / 10 AND g % 10 = 3 THEN 'Legacy' ELSE
				(ARRAY['Refund','Order','Login','Invoice','Shipping','Password','Account','Payment','Delivery','Subscription'])[1 + g % 10]
				END || ' problem with sku' || (g * 31 % 1000) || ' order ' || (100000 + g),
				'r' || g || '@example.test', s.status, 'normal',
				CASE WHEN g > $1 THEN 22 WHEN g % 100000 = 0 THEN 21 WHEN g % 10 = 9 THEN NULL ELSE 1 + g % 20 END,
				'agent', CASE WHEN g <= $1 AND g % 5 = 0 THEN g END,
				CASE WHEN s.status = 'resolved' THEN timestamptz '2025-01-02 00:00:00+00' + g * interval '20 seconds' END,
				CASE WHEN s.status = 'resolved' THEN 1 ELSE 0 END,
				timestamptz '2025-01-01 00:00:00+00' + g * interval '20 seconds',
				timestamptz '2025-01-01 01:00:00+00' + g * interval '20 seconds'
			FROM generate_series(1, $1 + 1000) g, LATERAL (SELECT CASE
				WHEN g > $1 * 98 / 100 AND g % 10 < 4 THEN 'open'
				WHEN g > $1 * 98 / 100 AND g % 10 < 7 THEN 'in_progress'
				WHEN g > $1 * 98 / 100 THEN 'on_customer'
				WHEN g % 1000 = 7 THEN 'open'
				WHEN g % 10 < 6 THEN 'resolved'
				ELSE 'closed' END AS status) s`, perRows},
		{`UPDATE tenants SET ticket_seq = (SELECT count(*) FROM tickets WHERE tenant_id = tenants.id)`, nil},
		{`SET session_replication_role = DEFAULT`, nil},
		{`VACUUM ANALYZE`, nil},
	}
	// One connection, with foreign keys unchecked while seeding (the rows
	// are consistent by construction, and conversations and tickets refer
	// to each other), which needs a superuser; without one the checks run
	// and seeding is slower.
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		b.Logf("foreign keys stay checked while seeding: %v", err)
	}
	if err := seed(ctx, conn, stmts...); err != nil {
		return err
	}
	b.Logf("seeded %d tickets and conversations in %v", rows, time.Since(start).Round(time.Second))
	return nil
}
