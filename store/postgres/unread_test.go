package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
)

// TestAddUnreadMemberDeletedMeanwhile: a visitor message counted while a
// member is being deleted waits for the deletion; once it commits, the
// count fails with EConflict (which the hub retries), never an internal
// error; run again, it counts for the members left.
func TestAddUnreadMemberDeletedMeanwhile(t *testing.T) {
	ctx := t.Context()
	url := mustSchema(t)
	db := mustOpen(t, url)
	must(t, db.Migrate(ctx))
	now := time.Now()
	tn := &hub.Tenant{Name: "Acme", Plan: hub.PlanPro, CreatedAt: now}
	must(t, db.CreateTenant(ctx, tn))
	var members [2]*hub.Member
	for i := range members {
		members[i] = &hub.Member{TenantID: tn.ID, Email: []string{"ann@acme.test", "bob@acme.test"}[i], Name: "Agent",
			Role: hub.RoleAgent, PasswordHash: "x", CreatedAt: now}
		must(t, db.CreateMember(ctx, members[i]))
	}
	site := &hub.Site{TenantID: tn.ID, Key: "site_race", Name: "Shop", IdentitySecret: "s", CreatedAt: now, UpdatedAt: now}
	must(t, db.CreateSite(ctx, site))
	v := &hub.Visitor{TenantID: tn.ID, SiteID: site.ID, AnonymousID: "anon", FirstSeen: now, LastSeen: now}
	must(t, db.CreateVisitor(ctx, v))
	c := &hub.Conversation{TenantID: tn.ID, SiteID: site.ID, VisitorID: v.ID, Owner: hub.OwnerAssistant,
		Status: hub.ConversationOpen, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
	must(t, db.CreateConversation(ctx, c))
	count := func() ([]hub.MemberUnread, error) {
		var out []hub.MemberUnread
		err := db.Tx(ctx, func(q hub.Queries) error {
			m := &hub.Message{TenantID: tn.ID, ConversationID: c.ID, AuthorKind: hub.AuthorVisitor, Body: "hello", CreatedAt: now}
			if err := q.CreateMessage(ctx, m); err != nil {
				return err
			}
			var err error
			out, err = q.AddUnread(ctx, hub.UnreadScope{TenantID: tn.ID, ConversationID: c.ID}, m.Seq)
			return err
		})
		return out, err
	}

	// Bob's deletion holds his row; the message's count waits for it.
	conn, err := pgx.Connect(ctx, url)
	must(t, err)
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	must(t, err)
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, members[1].ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := count()
		done <- err
	}()
	// Wait until the count waits for the deleting transaction.
	probe, err := pgx.Connect(ctx, url)
	must(t, err)
	defer probe.Close(context.Background())
	for blocked := 0; blocked == 0; {
		select {
		case err := <-done:
			t.Fatalf("the count did not wait for the deletion: %v", err)
		default:
		}
		must(t, probe.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
			conn.PgConn().PID()).Scan(&blocked))
	}
	must(t, tx.Commit(ctx))
	if err := <-done; !hub.IsCode(err, hub.EConflict) {
		t.Fatalf("count after the member left = %v, want %s", err, hub.EConflict)
	}
	got, err := count()
	if err != nil || len(got) != 1 || got[0].MemberID != members[0].ID || got[0].Count != 1 {
		t.Fatalf("count again = %+v, %v; want Ann's first unread", got, err)
	}
}
