package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// Volume of BenchmarkReport: a busy workspace's year.
const (
	benchConversations = 100_000
	benchMessages      = 10 // per conversation: 1,000,000 in all
)

// benchYear is the first day of the benchmark's year of traffic.
var benchYear = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkReport measures Store.Report over a year of one workspace's
// traffic on two sites: 100,000 conversations of 10 messages (1,000,000),
// a third of them answered by agents, half with a vote on the assistant's
// first answer, a fifth with a ticket, half of those resolved. The report
// of a month covers about 8,200 conversations and their 82,000 messages,
// of which it reads the conversations and the 4,100 votes.
// Seeding takes a while, so it runs only with -bench:
//
//	go test -run '^$' -bench Report -benchtime 20x ./store/sqlite/
func BenchmarkReport(b *testing.B) {
	ctx := context.Background()
	db, path := mustOpenFile(b)
	tn := &hub.Tenant{Name: "Busy", Plan: hub.PlanPro, CreatedAt: benchYear}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	var sites [2]*hub.Site
	for i := range sites {
		sites[i] = &hub.Site{TenantID: tn.ID, Key: fmt.Sprintf("site_bench%d", i), Name: "Shop", IdentitySecret: "secret",
			CreatedAt: benchYear, UpdatedAt: benchYear}
		if err := db.CreateSite(ctx, sites[i]); err != nil {
			b.Fatal(err)
		}
	}
	v := &hub.Visitor{TenantID: tn.ID, SiteID: sites[0].ID, AnonymousID: "anon", FirstSeen: benchYear, LastSeen: benchYear}
	if err := db.CreateVisitor(ctx, v); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	seedReportBench(b, mustOpenRaw(b, path), tn.ID, sites[0].ID, sites[1].ID, v.ID)
	b.Logf("seeded %d conversations, %d messages in %s", benchConversations, benchConversations*benchMessages,
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

	day := func(n int) time.Time { return benchYear.AddDate(0, 0, n) }
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
			var err error
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

// seedReportBench writes the benchmark's traffic in one transaction of
// INSERT … SELECT statements over generated numbers, spread evenly over
// benchYear's 365 days. It leaves the response times that CreateMessage
// keeps on conversations empty (see BackfillResponseTimes).
func seedReportBench(b *testing.B, raw *sql.DB, tenantID, site1, site2, visitorID int64) {
	b.Helper()
	const us = 1_000_000
	spacing := 365 * 86400 * us / benchConversations
	// Conversation i starts at benchYear + i*spacing (plus up to an hour);
	// its message seq s follows s*(30 + i%90) seconds later, the visitor
	// on odd seqs, the assistant on even ones (an agent from seq 4 on, in
	// every third conversation); every fourth has an internal note at 9.
	mustSeed(b, raw, []seedStatement{
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?5)
		INSERT INTO conversations (id, tenant_id, site_id, visitor_id, owner, status, last_seq, last_message_at, created_at, updated_at)
		SELECT i, ?1, CASE WHEN i % 3 = 0 THEN ?3 ELSE ?2 END, ?4, 'assistant', 'open', ?6, created, created, created
		FROM (SELECT i, ?7 + i * ?8 + (i * 7919 % 3600) * 1000000 AS created FROM n)`,
			[]any{tenantID, site1, site2, visitorID, benchConversations, benchMessages, benchYear.UnixMicro(), spacing}},
		{`WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < ?2)
		INSERT INTO messages (tenant_id, conversation_id, seq, author_kind, body, internal, feedback, created_at)
		SELECT ?1, c.id, s.seq,
			CASE WHEN s.seq = 9 AND c.id % 4 = 0 THEN 'agent' WHEN s.seq % 2 = 1 THEN 'visitor'
				WHEN s.seq >= 4 AND c.id % 3 = 0 THEN 'agent' ELSE 'assistant' END,
			'Hello, I have a question about my order', s.seq = 9 AND c.id % 4 = 0,
			CASE WHEN s.seq = 2 AND c.id % 4 = 1 THEN 'up' WHEN s.seq = 2 AND c.id % 4 = 2 THEN 'down' ELSE '' END,
			c.created_at + s.seq * (30 + c.id % 90) * 1000000
		FROM conversations c CROSS JOIN s
		WHERE c.tenant_id = ?1`, []any{tenantID, benchMessages}},
		{`INSERT INTO tickets (id, tenant_id, site_id, number, subject, status, priority, source, conversation_id,
			resolved_at, created_at, updated_at)
		SELECT c.id, ?1, c.site_id, c.id, 'Refund', CASE WHEN c.id % 10 = 0 THEN 'resolved' ELSE 'open' END, 'normal',
			'assistant', c.id, CASE WHEN c.id % 10 = 0 THEN c.created_at + (600 + (c.id % 48) * 3600) * 1000000 END,
			c.created_at + 600000000, c.created_at + 600000000
		FROM conversations c WHERE c.id % 5 = 0 AND c.tenant_id = ?1`, []any{tenantID}},
		{`UPDATE conversations SET ticket_id = id WHERE id % 5 = 0 AND tenant_id = ?1`, []any{tenantID}},
	}...)
}
