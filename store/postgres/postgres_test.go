package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/postgres"
	"github.com/parley-chat/parley/store/storetest"
)

// mustSchema is a fresh schema of the test's own (postgres.MustSchema).
func mustSchema(tb testing.TB) string {
	tb.Helper()
	return postgres.MustSchema(tb, "", false)
}

// mustOpen opens the store at url, closed when the test ends.
func mustOpen(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustOpenDB opens a migrated store in a fresh schema.
func mustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	db := mustOpen(tb, mustSchema(tb))
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hub.Store { return mustOpenDB(t) })
}

func TestMigrateTwice(t *testing.T) {
	ctx := t.Context()
	db := mustOpenDB(t)
	must(t, db.Migrate(ctx))
	v, err := db.SchemaVersion(ctx)
	must(t, err)
	if v != postgres.LatestVersion() || v < 1 {
		t.Fatalf("SchemaVersion = %d, want LatestVersion %d", v, postgres.LatestVersion())
	}
}

// TestMigrateConcurrently starts several nodes on one empty schema at once:
// each migration is applied exactly once.
func TestMigrateConcurrently(t *testing.T) {
	ctx := t.Context()
	url := mustSchema(t)
	var wg sync.WaitGroup
	for range 4 {
		db := mustOpen(t, url)
		wg.Go(func() {
			if err := db.Migrate(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var n int
	conn, err := pgx.Connect(ctx, url)
	must(t, err)
	defer conn.Close(ctx)
	must(t, conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n))
	if n != postgres.LatestVersion() {
		t.Fatalf("schema_migrations has %d rows, want %d", n, postgres.LatestVersion())
	}
}

func TestOpenDoesNotMigrate(t *testing.T) {
	ctx := t.Context()
	db := mustOpen(t, mustSchema(t))
	v, err := db.SchemaVersion(ctx)
	must(t, err)
	if v != 0 {
		t.Fatalf("SchemaVersion of an empty schema = %d, want 0", v)
	}
}

// TestNewerSchema checks that a binary refuses a database migrated by a
// newer one, both when opening it and when migrating it.
func TestNewerSchema(t *testing.T) {
	ctx := t.Context()
	url := mustSchema(t)
	db := mustOpen(t, url)
	must(t, db.Migrate(ctx))
	conn, err := pgx.Connect(ctx, url)
	must(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, postgres.LatestVersion()+1)
	must(t, err)

	wantNewer := func(what string, err error) {
		t.Helper()
		if !hub.IsCode(err, hub.EUnavailable) || !strings.Contains(err.Error(), "newer than this binary") {
			t.Fatalf("%s: error %v, want EUnavailable saying the schema is newer", what, err)
		}
	}
	wantNewer("Migrate", db.Migrate(ctx))
	_, err = postgres.Open(ctx, url)
	wantNewer("Open", err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
