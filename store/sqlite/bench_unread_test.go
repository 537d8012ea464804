package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/storetest"
)

// BenchmarkUnread measures a member's unread badges (GET /api/v1/unread)
// and a list page's counts in a workspace of 100,000 conversations and 20
// members, every conversation unread for every member (2,000,000 counts),
// against the same run's floors (SELECT 1 on a connection of the same
// file, a primary-key read); the badges summed from the member's rows
// instead, as a design without per-member totals would read them; and a
// visitor message with and without the team's counts
// (storetest.BenchUnread). docs/BENCHMARKS.md has the command and the
// figures. It never runs in the normal test run.
func BenchmarkUnread(b *testing.B) {
	db, path := mustOpenFile(b)
	raw := mustOpenRaw(b, path)
	start := time.Now()
	seedUnreadBench(b, raw)
	b.Logf("seeded %d conversations and %d unread counts in %v", storetest.UnreadBenchConversations,
		storetest.UnreadBenchConversations*storetest.UnreadBenchMembers, time.Since(start).Round(time.Millisecond))
	page := storetest.UnreadBenchPage()
	storetest.BenchUnread(b, db, storetest.UnreadBenchSeed{TenantID: 1, MemberID: 1, ConversationID: 1, Page: page,
		Floors: map[string]func(context.Context) error{
			"select_1": func(ctx context.Context) error {
				var one int
				return raw.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
			},
		},
		SumOfRows: func(ctx context.Context) (hub.UnreadTotals, error) {
			var t hub.UnreadTotals
			err := raw.QueryRowContext(ctx, `SELECT TOTAL(unread), TOTAL(unread * in_tickets), TOTAL(unread * mine)
				FROM member_unread WHERE member_id = ?`, 1).Scan(&t.Conversations, &t.Tickets, &t.MyTickets)
			return t, err
		},
	})
}

// seedUnreadBench writes BenchmarkUnread's workspace in one transaction of
// INSERT … SELECT statements over generated numbers: conversations of
// three unread visitor messages (their last_seq; the messages themselves
// are not needed to read or add counts), a fifth with a ticket assigned
// round the team, every conversation unread for every member, and their
// totals.
func seedUnreadBench(b *testing.B, raw *sql.DB) {
	b.Helper()
	ctx := context.Background()
	convs, members := storetest.UnreadBenchConversations, storetest.UnreadBenchMembers
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	mustSeed(b, raw, []seedStatement{
		{`INSERT INTO tenants (id, name, plan, created_at) VALUES (1, 'Big', 'pro', ?1)`, []any{now}},
		{`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?1)
			INSERT INTO members (id, tenant_id, email, name, role, password_hash, created_at)
			SELECT n, 1, 'm' || n || '@bench.test', 'Member ' || n, 'agent', 'x', ?2 FROM g`, []any{members, now}},
		{`INSERT INTO sites (id, tenant_id, key, name, identity_secret, created_at, updated_at)
			VALUES (1, 1, 'site_unread', 'Shop', 's', ?1, ?1)`, []any{now}},
		{`INSERT INTO visitors (id, tenant_id, site_id, anonymous_id, first_seen, last_seen) VALUES (1, 1, 1, 'anon', ?1, ?1)`, []any{now}},
		{`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?1)
			INSERT INTO conversations (id, tenant_id, site_id, visitor_id, owner, status, last_seq, unread_by_agents,
				last_message_at, created_at, updated_at)
			SELECT n, 1, 1, 1, 'assistant', 'open', 3, 3, ?2, ?2, ?2 FROM g`, []any{convs, now}},
		{`INSERT INTO tickets (id, tenant_id, site_id, number, subject, status, priority, source, conversation_id,
				assignee_id, created_at, updated_at)
			SELECT id, 1, 1, id, 'Refund', 'open', 'normal', 'assistant', id, 1 + id % ?1, ?2, ?2
			FROM conversations WHERE id % 5 = 0`, []any{members, now}},
		{`UPDATE conversations SET ticket_id = id WHERE id % 5 = 0`, nil},
		{`UPDATE tenants SET ticket_seq = ?1`, []any{convs}},
		{`INSERT INTO member_unread (member_id, conversation_id, read_seq, unread, in_tickets, mine)
			SELECT m.id, c.id, 0, 3, c.ticket_id IS NOT NULL, c.ticket_id IS NOT NULL AND 1 + c.id % ?1 = m.id
			FROM members m, conversations c ORDER BY c.id, m.id`, []any{members}},
		{`INSERT INTO member_unread_totals (member_id, conversations, tickets, my_tickets, version)
			SELECT member_id, SUM(unread), SUM(unread * in_tickets), SUM(unread * mine), 1
			FROM member_unread GROUP BY member_id`, nil},
	}...)
	if _, err := raw.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}
