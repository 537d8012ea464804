package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/sqlite"
	"github.com/parley-chat/parley/store/storetest"
)

// mustOpenDB opens a migrated database in a fresh file of the test's own.
func mustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, _ := mustOpenFile(tb)
	return db
}

// mustOpenFile is mustOpenDB, and returns the file's path too.
func mustOpenFile(tb testing.TB) (*sqlite.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "parley.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db, path
}

// mustOpenRaw opens a connection of its own to the database file at path,
// through which benchmarks write their data with SQL (more rows than the
// store's methods could write in reasonable time) and measure their
// floors.
func mustOpenRaw(b *testing.B, path string) *sql.DB {
	b.Helper()
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return raw
}

// seedStatement is a statement that seeds a benchmark's data, with its
// arguments.
type seedStatement struct {
	sql  string
	args []any
}

// mustSeed runs the statements on raw in one transaction.
func mustSeed(b *testing.B, raw *sql.DB, stmts ...seedStatement) {
	b.Helper()
	ctx := context.Background()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("%s: %v", st.sql, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
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
	if v != sqlite.LatestVersion() || v < 1 {
		t.Fatalf("SchemaVersion = %d, want LatestVersion %d", v, sqlite.LatestVersion())
	}
}

func TestOpenDoesNotMigrate(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	must(t, err)
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	must(t, err)
	if v != 0 {
		t.Fatalf("SchemaVersion of a new file = %d, want 0", v)
	}
}

// TestNewerSchema checks that a binary refuses a database migrated by a
// newer one, both when opening it and when migrating it.
func TestNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := sqlite.Open(ctx, path)
	must(t, err)
	must(t, db.Migrate(ctx))
	// Record a migration from the future, as a newer binary would.
	raw, err := sql.Open("sqlite", path)
	must(t, err)
	_, err = raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, sqlite.LatestVersion()+1)
	must(t, err)
	must(t, raw.Close())

	wantNewer := func(what string, err error) {
		t.Helper()
		if !hub.IsCode(err, hub.EUnavailable) || !strings.Contains(err.Error(), "newer than this binary") {
			t.Fatalf("%s: error %v, want EUnavailable saying the schema is newer", what, err)
		}
	}
	wantNewer("Migrate", db.Migrate(ctx))
	must(t, db.Close())
	_, err = sqlite.Open(ctx, path)
	wantNewer("Open", err)
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "x.db?mode=ro"} {
		if db, err := sqlite.Open(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
