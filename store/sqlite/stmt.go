package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmts keeps prepared, once per connection, the statements that every
// message runs: reading and updating its conversation (FindConversationByID,
// which LockConversation is, and UpdateConversation), CreateMessage's, and
// the unread counts' (unread.go). SQLite parses any other statement each
// time it runs, and for a short write that is most of the cost:
// BenchmarkUnread's visitor message counted for the team in 90 µs a
// statement parsed each time against 26 µs prepared (docs/BENCHMARKS.md
// "Unread per member"). Statements whose text varies with their arguments
// (a filter, a list of ids) are not kept: there would be no end to them.
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
func (q *queries) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// rowPrepared runs query, prepared, for its one row (sql.ErrNoRows from
// Scan without one).
func (q *queries) rowPrepared(ctx context.Context, query string, args ...any) scanner {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
