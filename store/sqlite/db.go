// Package sqlite implements hub.Store on an SQLite file through
// modernc.org/sqlite (no cgo). It is the store for a single node: SQLite
// has one writer at a time, and every transaction starts with BEGIN
// IMMEDIATE, so concurrent writers queue on the busy timeout instead of
// deadlocking when a reader upgrades to a writer.
//
// Open connects; it does not migrate. Call Migrate once at start-up.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/migration"
)

// DB is a hub.Store backed by one SQLite file.
type DB struct {
	queries
	db *sql.DB
	// writer admits one transaction of this process at a time. SQLite
	// allows one writer anyway; queueing here instead of in its busy
	// handler, which sleeps in steps of up to 100 ms, keeps tail latency
	// low. Other processes on the same file still meet the busy timeout.
	writer chan struct{}
	// stmts are the hottest writes' statements, prepared (stmt.go).
	stmts *stmts
}

var _ hub.Store = (*DB)(nil)

// dsnParams are applied by the driver to every connection of the pool, so
// no connection runs without foreign keys or the busy timeout.
const dsnParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Open opens (creating it if needed) the SQLite database file at path. It
// fails with EUnavailable when the file was migrated by a newer version of
// Parley.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open %q: need the path of a database file", path)
	}
	sqldb, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := &DB{db: sqldb, writer: make(chan struct{}, 1), stmts: &stmts{db: sqldb}}
	db.queries = queries{q: sqldb, db: db, stmts: db.stmts}
	version, err := db.SchemaVersion(ctx)
	if err == nil {
		err = migration.CheckVersion(version, LatestVersion())
	}
	if err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Tx runs fn in one BEGIN IMMEDIATE transaction: it holds the write lock
// from the start, so what fn reads stays true until it commits.
func (db *DB) Tx(ctx context.Context, fn func(q hub.Queries) error) error {
	return db.tx(ctx, func(q *queries) error { return fn(q) })
}

func (db *DB) tx(ctx context.Context, fn func(q *queries) error) error {
	select {
	case db.writer <- struct{}{}:
		defer func() { <-db.writer }()
	case <-ctx.Done():
		return fmt.Errorf("sqlite: begin: %w", ctx.Err())
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	// After a commit Rollback does nothing; after an error it is the
	// cleanup, and the error that caused it is the one to report.
	defer func() { _ = tx.Rollback() }()
	if err := fn(&queries{q: tx, stmts: db.stmts}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Ping checks that the database file can be used.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return &hub.Error{Code: hub.EUnavailable, Message: "database unreachable", Err: err}
	}
	return nil
}

// Close closes the prepared statements and every connection.
func (db *DB) Close() error { return errors.Join(db.stmts.close(), db.db.Close()) }

// querier is what *sql.DB and *sql.Tx have in common, so that every query
// is written once and runs in or out of a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements hub.Queries over the database or a transaction.
type queries struct {
	q querier
	// db is set outside a transaction, where methods that write several
	// rows open their own.
	db    *DB
	stmts *stmts
}

// atomically runs fn in a transaction: q's own, or a new one.
func (q *queries) atomically(ctx context.Context, fn func(q *queries) error) error {
	if q.db == nil {
		return fn(q)
	}
	return q.db.tx(ctx, fn)
}

// scanner is an *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of a query with scan and closes the rows; the
// query's own error is returned as it is.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	return out, closeRows(rows)
}

// closeRows closes rows read to the end, returning the error of either.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// storeErr translates a driver error: no rows is ENotFound ("<noun> not
// found"), a unique violation EConflict, and anything else is wrapped with
// what the store was doing.
func storeErr(err error, noun string, format string, args ...any) error {
	var he *hub.Error
	var se *sqlite.Error
	switch {
	case errors.As(err, &he):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return hub.Errorf(hub.ENotFound, "%s not found", noun)
	case errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return &hub.Error{Code: hub.EConflict, Message: noun + " already exists", Err: err}
	}
	return fmt.Errorf("sqlite: %s: %w", fmt.Sprintf(format, args...), err)
}

// utc is how every time is written: UTC at microsecond precision, so what
// is read back equals what was written.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr is utc for an optional time.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// micros is a time column's value: microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// microsPtr is micros for an optional time; nil is NULL.
func microsPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := micros(*t)
	return &v
}

// timeCol scans a time column into *t.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want an integer", v)
	}
	*c.t = time.UnixMicro(n).UTC()
	return nil
}

// nullTimeCol scans a nullable time column into *t; NULL is nil.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

var (
	_ sql.Scanner = timeCol{}
	_ sql.Scanner = nullTimeCol{}
)

// nullID stores the id 0 ("none") as NULL, so optional references can
// have foreign keys.
func nullID(id int64) driver.Value {
	if id == 0 {
		return nil
	}
	return id
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

// rawJSON turns a JSON column back into a json.RawMessage; NULL is nil.
func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// where builds a WHERE clause from conditions with ? placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// mustChange returns ENotFound when an update by id changed no row.
func mustChange(res sql.Result, noun string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: update %s %d: %w", noun, id, err)
	}
	if n == 0 {
		return hub.Errorf(hub.ENotFound, "%s not found", noun)
	}
	return nil
}

// placeholders returns n comma-separated ?s for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
