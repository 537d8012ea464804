// Package postgres implements hub.Store on PostgreSQL through pgx. It is the
// store for clusters: every node shares one database, and message sequence
// numbers, ticket numbers and optimistic versions stay consistent across
// nodes because each is assigned by a single statement that locks its row.
//
// Open connects; it does not migrate. Call Migrate once at start-up (several
// nodes may do so at the same time).
package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/migration"
)

// DB is a hub.Store backed by a pgx connection pool.
type DB struct {
	queries
	pool *pgxpool.Pool
	// group commits SendQuick's statements (group_commit.go).
	group     committer
	closeOnce sync.Once
}

var _ hub.Store = (*DB)(nil)

// Open connects to the database at url, a postgres:// URL or a key=value
// connection string. Run-time parameters in the URL are set on every
// connection; search_path (e.g. ?search_path=parley) selects the schema the
// store lives in. Open fails with EUnavailable when the schema was migrated
// by a newer version of Parley.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{queries: queries{q: pool}, pool: pool}
	db.group.db, db.group.stop = db, make(chan struct{})
	version, err := db.SchemaVersion(ctx)
	if err == nil {
		err = migration.CheckVersion(version, LatestVersion())
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Tx runs fn in one READ COMMITTED transaction. Writes that must not race
// (message seqs, ticket numbers, versions) lock their rows, so concurrent
// transactions wait for each other instead of failing.
func (db *DB) Tx(ctx context.Context, fn func(q hub.Queries) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return fn(&queries{q: tx})
	})
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return &hub.Error{Code: hub.EUnavailable, Message: "database unreachable", Err: err}
	}
	return nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.group.stop) })
	db.pool.Close()
	return nil
}

// querier is what *pgxpool.Pool and pgx.Tx have in common, so that every
// query is written once and runs in or out of a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries implements hub.Queries over a pool or a transaction.
type queries struct {
	q querier
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of a query with scan (pgx.CollectRows, which
// closes the rows); the query's own error is returned as it is.
func collect[T any](rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// Error codes of PostgreSQL that the store translates.
const (
	uniqueViolation      = "23505"
	foreignKeyViolation  = "23503" // AddUnread: a member deleted meanwhile
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// storeErr translates a driver error: no rows is ENotFound ("<noun> not
// found"), a unique violation EConflict, and anything else is wrapped with
// what the store was doing.
func storeErr(err error, noun string, format string, args ...any) error {
	var he *hub.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &he):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return hub.Errorf(hub.ENotFound, "%s not found", noun)
	case errors.As(err, &pe) && pe.Code == uniqueViolation:
		return &hub.Error{Code: hub.EConflict, Message: noun + " already exists", Err: err}
	case errors.As(err, &pe) && (pe.Code == deadlockDetected || pe.Code == serializationFailure):
		return hub.Retryable(fmt.Errorf("postgres: %s: %w", fmt.Sprintf(format, args...), err))
	}
	return fmt.Errorf("postgres: %s: %w", fmt.Sprintf(format, args...), err)
}

// utc is how every time is written: UTC at the database's precision, so
// what is read back equals what was written.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr is utc for an optional time.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// nullID stores the id 0 ("none") as NULL, so optional references can
// have foreign keys.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// jsonText checks and compacts raw for a JSON column; empty raw is NULL.
// Invalid JSON is EInvalid, the same on every backend.
func jsonText(raw json.RawMessage, what string) (*string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, hub.Errorf(hub.EInvalid, "%s must be valid JSON", what)
	}
	s := buf.String()
	return &s, nil
}

// rawJSON turns a JSON column read as text back into compact JSON; NULL is
// nil. jsonb may reorder keys, so the value equals what was written as JSON,
// not byte for byte.
func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(*s)); err != nil {
		return json.RawMessage(*s) // the database only holds valid JSON
	}
	return buf.Bytes()
}

// where builds a WHERE clause whose ? placeholders become $1, $2, … in the
// order they are added.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }
