package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
)

// BenchmarkReport measures Store.Report over the same year of traffic as
// store/sqlite's BenchmarkReport (see there): 100,000 conversations,
// 1,000,000 messages. Seeding takes a while, so it runs only with -bench:
//
//	PARLEY_TEST_DATABASE_URL=… go test -run '^$' -bench Report -benchtime 20x ./store/postgres/
func BenchmarkReport(b *testing.B) {
	const conversations, messages = 100_000, 10
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	url := mustSchema(b)
	db := mustOpen(b, url)
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	tn := &hub.Tenant{Name: "Busy", Plan: hub.PlanPro, CreatedAt: year}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	var sites [2]*hub.Site
	for i := range sites {
		sites[i] = &hub.Site{TenantID: tn.ID, Key: fmt.Sprintf("site_bench%d_%s", i, hub.RandomToken(6)), Name: "Shop",
			IdentitySecret: "secret", CreatedAt: year, UpdatedAt: year}
		if err := db.CreateSite(ctx, sites[i]); err != nil {
			b.Fatal(err)
		}
	}
	v := &hub.Visitor{TenantID: tn.ID, SiteID: sites[0].ID, AnonymousID: "anon", FirstSeen: year, LastSeen: year}
	if err := db.CreateVisitor(ctx, v); err != nil {
		b.Fatal(err)
	}

	// The same rows as store/sqlite's seedReportBench, from generate_series.
	start := time.Now()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	spacing := 365 * 86400 * time.Second / conversations
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO conversations (id, tenant_id, site_id, visitor_id, owner, status, last_seq, last_message_at, created_at, updated_at)
		SELECT i, $1::bigint, CASE WHEN i % 3 = 0 THEN $3::bigint ELSE $2::bigint END, $4::bigint, 'assistant', 'open', $6::int, created, created, created
		FROM (SELECT i, $7::timestamptz + i * $8::interval + (i * 7919 % 3600) * interval '1 second' AS created
			FROM generate_series(1, $5::int) i) n`,
			[]any{tn.ID, sites[0].ID, sites[1].ID, v.ID, conversations, messages, year, spacing}},
		{`INSERT INTO messages (tenant_id, conversation_id, seq, author_kind, body, internal, feedback, created_at)
		SELECT $1, c.id, s.seq,
			CASE WHEN s.seq = 9 AND c.id % 4 = 0 THEN 'agent' WHEN s.seq % 2 = 1 THEN 'visitor'
				WHEN s.seq >= 4 AND c.id % 3 = 0 THEN 'agent' ELSE 'assistant' END,
			'Hello, I have a question about my order', s.seq = 9 AND c.id % 4 = 0,
			CASE WHEN s.seq = 2 AND c.id % 4 = 1 THEN 'up' WHEN s.seq = 2 AND c.id % 4 = 2 THEN 'down' ELSE '' END,
			c.created_at + s.seq * (30 + c.id % 90) * interval '1 second'
		FROM conversations c CROSS JOIN generate_series(1, $2::int) s(seq)
		WHERE c.tenant_id = $1`, []any{tn.ID, messages}},
		{`INSERT INTO tickets (id, tenant_id, site_id, number, subject, status, priority, source, conversation_id,
			resolved_at, created_at, updated_at)
		SELECT c.id, $1, c.site_id, c.id, 'Refund', CASE WHEN c.id % 10 = 0 THEN 'resolved' ELSE 'open' END, 'normal',
			'assistant', c.id, CASE WHEN c.id % 10 = 0 THEN c.created_at + (600 + (c.id % 48) * 3600) * interval '1 second' END,
			c.created_at + interval '10 minutes', c.created_at + interval '10 minutes'
		FROM conversations c WHERE c.id % 5 = 0 AND c.tenant_id = $1`, []any{tn.ID}},
		{`UPDATE conversations SET ticket_id = id WHERE id % 5 = 0 AND tenant_id = $1`, []any{tn.ID}},
	} {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("%s: %v", st.sql, err)
		}
	}
	b.Logf("seeded %d conversations, %d messages in %s", conversations, conversations*messages,
		time.Since(start).Round(time.Millisecond))
	// The messages were written with SQL, not CreateMessage: the backfill
	// of migration 0008 fills in the conversations' response times.
	start = time.Now()
	if _, err := db.BackfillResponseTimes(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("backfilled the response times in %s", time.Since(start).Round(time.Millisecond))
	// And the backfill of migration 0011 the outcomes (answered_at,
	// came_back, handed_off, escalated) that AssistantResolved reads.
	start = time.Now()
	if _, err := db.BackfillOutcomes(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("backfilled the outcomes in %s", time.Since(start).Round(time.Millisecond))
	// A database that has been running for a while has statistics, and
	// autovacuum has cleared the old versions of the rows updated above.
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}

	day := func(n int) time.Time { return year.AddDate(0, 0, n) }
	for _, bm := range []struct {
		name string
		f    hub.ReportFilter
	}{
		{"30days", hub.ReportFilter{TenantID: tn.ID, From: day(300), To: day(329), Now: day(400)}},
		{"30days_site", hub.ReportFilter{TenantID: tn.ID, SiteID: sites[1].ID, From: day(300), To: day(329), Now: day(400)}},
		{"366days", hub.ReportFilter{TenantID: tn.ID, From: day(0), To: day(365), Now: day(400)}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var r *hub.Report
			for b.Loop() {
				if r, err = db.Report(ctx, bm.f); err != nil {
					b.Fatal(err)
				}
			}
			// Agents answer the second site's conversations: none of them
			// is the assistant's alone.
			if r.VisitorConversations == 0 || r.MedianFirstResponseSeconds == nil || bm.f.SiteID == 0 && r.AssistantResolved == 0 {
				b.Fatalf("the report measured nothing: %+v", r)
			}
		})
	}
}
