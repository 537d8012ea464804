package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/store/storetest"
)

// BenchmarkUnread measures a member's unread badges (GET /api/v1/unread)
// and a list page's counts in a workspace of 100,000 conversations and 20
// members, every conversation unread for every member (2,000,000 counts),
// against the same run's floors (SELECT 1, a primary-key read); the badges
// summed from the member's rows instead, as a design without per-member
// totals would read them; and a visitor message with and without the
// team's counts (storetest.BenchUnread). docs/BENCHMARKS.md has the
// command and the figures. It never runs in the normal test run.
func BenchmarkUnread(b *testing.B) {
	hubtest.PostgresURL(b) // skips, or fails under CI, without a database
	ctx := context.Background()
	db := mustOpenMigrated(b, MustSchema(b, "", false))
	start := time.Now()
	if err := seedUnread(ctx, db); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d conversations and %d unread counts in %v", storetest.UnreadBenchConversations,
		storetest.UnreadBenchConversations*storetest.UnreadBenchMembers, time.Since(start).Round(time.Second))
	page := storetest.UnreadBenchPage()
	explain(ctx, b, db, "unread of a page", findUnread, []any{int64(1), page})
	storetest.BenchUnread(b, db, storetest.UnreadBenchSeed{TenantID: 1, MemberID: 1, ConversationID: 1, Page: page,
		Floors: map[string]func(context.Context) error{
			"select_1": func(ctx context.Context) error {
				var one int
				return db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one)
			},
		},
		SumOfRows: func(ctx context.Context) (hub.UnreadTotals, error) {
			var t hub.UnreadTotals
			err := db.pool.QueryRow(ctx, `SELECT COALESCE(SUM(unread), 0), COALESCE(SUM(unread) FILTER (WHERE in_tickets), 0),
				COALESCE(SUM(unread) FILTER (WHERE mine), 0) FROM member_unread WHERE member_id = $1`, 1).
				Scan(&t.Conversations, &t.Tickets, &t.MyTickets)
			return t, err
		},
	})
}

// seedUnread writes BenchmarkUnread's workspace with generate_series:
// conversations of three unread visitor messages (their last_seq; the
// messages themselves are not needed to read or add counts), a fifth with
// a ticket assigned round the team, every conversation unread for every
// member, and their totals; then it analyzes.
func seedUnread(ctx context.Context, db *DB) error {
	convs, members := storetest.UnreadBenchConversations, storetest.UnreadBenchMembers
	return seed(ctx, db.pool, []seedStatement{
		{`INSERT INTO tenants (id, name, plan, created_at) VALUES (1, 'Big', 'pro', now())`, nil},
		{`INSERT INTO members (id, tenant_id, email, name, role, password_hash, created_at)
			SELECT g, 1, 'm' || g || '@bench.test', 'Member ' || g, 'agent', 'x', now() FROM generate_series(1, $1) g`, []any{members}},
		{`INSERT INTO sites (id, tenant_id, key, name, identity_secret, created_at, updated_at)
			VALUES (1, 1, 'site_unread', 'Shop', 's', now(), now())`, nil},
		{`INSERT INTO visitors (id, tenant_id, site_id, anonymous_id, first_seen, last_seen) VALUES (1, 1, 1, 'anon', now(), now())`, nil},
		{`INSERT INTO conversations (id, tenant_id, site_id, visitor_id, owner, status, last_seq, unread_by_agents,
				last_message_at, created_at, updated_at, handoff)
			SELECT g, 1, 1, 1, 'assistant', 'open', 3, 3, now(), now(), now(), 'assistant' FROM generate_series(1, $1) g`, []any{convs}},
		{`INSERT INTO tickets (id, tenant_id, site_id, number, subject, status, priority, source, conversation_id,
				assignee_id, created_at, updated_at)
			SELECT g, 1, 1, g, 'Refund', 'open', 'normal', 'assistant', g, 1 + g % $2, now(), now()
			FROM generate_series(5, $1, 5) g`, []any{convs, members}},
		{`UPDATE conversations SET ticket_id = id WHERE id % 5 = 0`, nil},
		{`UPDATE tenants SET ticket_seq = $1`, []any{convs}},
		{`INSERT INTO member_unread (member_id, conversation_id, read_seq, unread, in_tickets, mine)
			SELECT m, c.id, 0, 3, c.ticket_id IS NOT NULL, c.ticket_id IS NOT NULL AND 1 + c.id % $1 = m
			FROM generate_series(1, $1) m, conversations c ORDER BY c.id, m`, []any{members}},
		{`INSERT INTO member_unread_totals (member_id, conversations, tickets, my_tickets, version)
			SELECT member_id, SUM(unread), COALESCE(SUM(unread) FILTER (WHERE in_tickets), 0),
				COALESCE(SUM(unread) FILTER (WHERE mine), 0), 1
			FROM member_unread GROUP BY member_id`, nil},
		{`VACUUM ANALYZE`, nil},
	}...)
}
