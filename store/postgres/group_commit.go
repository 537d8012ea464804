package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit of SendQuick's statements (docs/architecture.md, "A visitor
// message in one statement"): the statements that arrive while earlier
// ones are being committed wait, and go together in one pgx batch, which
// Postgres runs as one implicit transaction: one round trip, one commit,
// one WAL flush for all of them. Nothing is answered before its commit.
// Under light load a statement finds a free slot and goes at once, alone.
// TestGroupCommit checks the batches and what a failing statement does.

const (
	// commitSlots is how many batches may be in flight at once per node.
	commitSlots = 2
	// maxGroup bounds a batch.
	maxGroup = 64
	// groupTimeout bounds one batch, whatever its callers' contexts: a
	// caller that gives up leaves its statement to be committed or not.
	groupTimeout = 30 * time.Second
)

// groupReq is one statement waiting for its batch.
type groupReq struct {
	sql  string
	args []any
	// scan reads the statement's row; it runs on the committer's
	// goroutine and its result is what done receives.
	scan func(pgx.Row) (any, error)
	done chan groupRes
}

type groupRes struct {
	v   any
	err error
}

// committer runs groupReqs in batches on db's pool.
type committer struct {
	db    *DB
	start sync.Once
	reqs  chan *groupReq
	slots chan struct{}
	stop  chan struct{}
	// batches and grouped count batches of more than one statement and
	// their statements, for TestGroupCommit.
	mu               sync.Mutex
	batches, grouped int
	// solo runs every statement alone, for BenchmarkSendMessage's
	// comparison.
	solo bool
}

// do runs the statement of r in the next batch and returns its result.
func (c *committer) do(ctx context.Context, r *groupReq) (any, error) {
	if c.solo {
		return r.scan(c.db.pool.QueryRow(ctx, r.sql, r.args...))
	}
	c.start.Do(func() {
		c.reqs, c.slots = make(chan *groupReq, 4*maxGroup), make(chan struct{}, commitSlots)
		go c.run()
	})
	r.done = make(chan groupRes, 1)
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stop:
		return nil, errClosed
	}
	select {
	case res := <-r.done:
		return res.v, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stop: // closed with r still queued: whether it ran is unknown
		return nil, errClosed
	}
}

var errClosed = errors.New("postgres: store closed")

// run takes a slot, then the waiting statements, and commits them.
func (c *committer) run() {
	for {
		select {
		case c.slots <- struct{}{}:
		case <-c.stop:
			return
		}
		var batch []*groupReq
		select {
		case r := <-c.reqs:
			batch = append(batch, r)
		case <-c.stop:
			return
		}
	more:
		for len(batch) < maxGroup {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		go func() {
			defer func() { <-c.slots }()
			c.commit(batch)
		}()
	}
}

// commit runs batch in one implicit transaction. A statement that fails
// rolls all of them back (the server said so: a *pgconn.PgError); each then
// runs alone, so that one conflict costs the others only time.
func (c *committer) commit(batch []*groupReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	if len(batch) == 1 {
		c.alone(ctx, batch[0])
		return
	}
	b := &pgx.Batch{}
	for _, r := range batch {
		b.Queue(r.sql, r.args...)
	}
	br := c.db.pool.SendBatch(ctx, b)
	res := make([]groupRes, len(batch))
	var failed error
	for i, r := range batch {
		v, err := r.scan(br.QueryRow())
		res[i] = groupRes{v, err}
		// No row (pgx.ErrNoRows) is an answer, not a failure of the batch.
		if err != nil && !errors.Is(err, pgx.ErrNoRows) && failed == nil {
			failed = err
		}
	}
	if err := br.Close(); err != nil && failed == nil {
		failed = err
	}
	var pe *pgconn.PgError
	switch {
	case failed == nil:
		c.mu.Lock()
		c.batches++
		c.grouped += len(batch)
		c.mu.Unlock()
		for i, r := range batch {
			r.done <- res[i]
		}
	case errors.As(failed, &pe):
		for _, r := range batch {
			c.alone(ctx, r)
		}
	default: // the connection: whether it committed is unknown
		for _, r := range batch {
			r.done <- groupRes{err: failed}
		}
	}
}

// alone runs r's statement by itself.
func (c *committer) alone(ctx context.Context, r *groupReq) {
	v, err := r.scan(c.db.pool.QueryRow(ctx, r.sql, r.args...))
	r.done <- groupRes{v, err}
}
