package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestGroupCommit queues statements before the committer starts, so that
// they make one batch: all of them commit together; and when one of them
// fails, the others still commit, each alone, and only it gets the error.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMigrated(t, MustSchema(t, "", false))
	_, err := db.pool.Exec(ctx, `CREATE TABLE grouped (v int PRIMARY KEY)`)
	ok(t, err)
	scan := func(row pgx.Row) (any, error) {
		var v int
		err := row.Scan(&v)
		return v, err
	}
	run := func(values ...int) (out []groupRes, batches, grouped int) {
		c := &committer{db: db, stop: make(chan struct{})}
		c.start.Do(func() { c.reqs, c.slots = make(chan *groupReq, 4*maxGroup), make(chan struct{}, commitSlots) })
		reqs := make([]*groupReq, len(values))
		for i, v := range values {
			reqs[i] = &groupReq{sql: `INSERT INTO grouped (v) VALUES ($1) RETURNING v`, args: []any{v}, scan: scan,
				done: make(chan groupRes, 1)}
			c.reqs <- reqs[i]
		}
		go c.run()
		defer close(c.stop)
		out = make([]groupRes, len(reqs))
		for i, r := range reqs {
			out[i] = <-r.done
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return out, c.batches, c.grouped
	}
	res, batches, grouped := run(1, 2, 3, 4, 5)
	for i, r := range res {
		if r.err != nil || r.v != i+1 {
			t.Fatalf("statement %d: %v, %v", i, r.v, r.err)
		}
	}
	if batches != 1 || grouped != 5 {
		t.Fatalf("%d statements in %d batches, want 5 in 1", grouped, batches)
	}
	res, batches, _ = run(6, 7, 3, 8)
	if batches != 0 {
		t.Fatalf("%d batches committed with a duplicate in them", batches)
	}
	var pe *pgconn.PgError
	for i, r := range res {
		if i == 2 {
			if !errors.As(r.err, &pe) || pe.Code != uniqueViolation {
				t.Fatalf("the duplicate: %v, want a unique violation", r.err)
			}
			continue
		}
		if r.err != nil {
			t.Fatalf("statement %d: %v", i, r.err)
		}
	}
	var n int
	ok(t, db.pool.QueryRow(ctx, `SELECT count(*) FROM grouped`).Scan(&n))
	if n != 8 {
		t.Fatalf("%d rows, want 8", n)
	}
}
