package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// MustSchema creates the schema name (a fresh one when name is "") in the
// test database, drops it when the test ends unless keep, and returns a URL
// whose search_path selects it. The store's own tests, in package
// postgres_test, use it too.
func MustSchema(tb testing.TB, name string, keep bool) string {
	tb.Helper()
	base := hubtest.PostgresURL(tb)
	ctx := context.Background()
	if name == "" {
		name = strings.NewReplacer("-", "_").Replace("parley_test_" + strings.ToLower(hub.RandomToken(9)))
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident); err != nil {
		tb.Fatal(err)
	}
	if !keep {
		tb.Cleanup(func() {
			conn, err := pgx.Connect(ctx, base)
			if err != nil {
				tb.Error(err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
				tb.Error(err)
			}
		})
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// mustOpenMigrated opens the store at url and migrates it; the store
// closes when the test ends.
func mustOpenMigrated(tb testing.TB, url string) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// seedStatement is a statement that seeds a benchmark's data, with its
// arguments.
type seedStatement struct {
	sql  string
	args []any
}

// seed runs the statements in order on q (the pool, or one connection).
func seed(ctx context.Context, q querier, stmts ...seedStatement) error {
	for i, st := range stmts {
		if _, err := q.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("seed statement %d: %w", i, err)
		}
	}
	return nil
}
