package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmts keeps the statements of the hottest writes prepared, once per
// connection. SQLite parses any other statement each time it runs, and for
// a short write that is most of the cost: BenchmarkUnread's visitor
// message counted for the team in 90 µs a statement parsed each time
// against 26 µs prepared (docs/BENCHMARKS.md "Unread per member").
type stmts struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns query prepared on the pool, preparing it the first time.
func (c *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[query]; st != nil {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// close closes every prepared statement.
func (c *stmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

// prepared returns query prepared for q: in q's transaction (on its
// connection, where database/sql keeps it prepared for the next
// transaction there), or on the pool.
func (q *queries) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := q.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx, ok := q.q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// queryPrepared runs query, prepared, for rows.
func (q *queries) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// execPrepared runs query, prepared.
func (q *queries) execPrepared(ctx context.Context, query string, args ...any) error {
	st, err := q.prepared(ctx, query)
	if err == nil {
		_, err = st.ExecContext(ctx, args...)
	}
	return err
}

// scanPrepared runs query, prepared, and scans its one row into dest
// (sql.ErrNoRows without one).
func (q *queries) scanPrepared(ctx context.Context, query string, args []any, dest ...any) error {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}
