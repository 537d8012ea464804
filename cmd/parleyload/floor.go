package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// floor is what no message can beat: its commit and its trip through Redis.
type floor struct {
	Commit     summary // one autocommitted INSERT into an ordinary (logged) table
	Select     summary // SELECT 1: the Postgres round trip alone
	PubSub     summary // PUBLISH on one connection until a SUBSCRIBE connection has it
	Ping       summary // PING
	Message    summary // Commit + PubSub sample by sample: the floor of a delivery
	SyncCommit string
}

// floorCPU is the CPU the -cpu processes used during one floor loop.
type floorCPU struct {
	uses []cpuUse
	wall time.Duration
}

// floorFlags are the flags of every command that measures the floor.
type floorFlags struct {
	db, redis string
	n         int
	cpu       string // the -cpu of the command
}

func (f *floorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.db, "db", os.Getenv("PARLEY_DATABASE_URL"), "Postgres URL for the floor's commit (default $PARLEY_DATABASE_URL; empty: skipped)")
	fs.StringVar(&f.redis, "redis", os.Getenv("PARLEY_REDIS_URL"), "Redis URL for the floor's round trip (default $PARLEY_REDIS_URL; empty: skipped)")
	fs.IntVar(&f.n, "floor-n", 1000, "samples of each floor measurement")
}

func floorCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	var ff floorFlags
	ff.register(fs)
	fs.StringVar(&ff.cpu, "cpu", "", "processes whose CPU to report per commit and per publish: label=PID, label=NAME or label=NAME:CMDLINE-SUBSTRING, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := measureFloor(ctx, ff, out)
	return err
}

// measureFloor measures and prints the floor; a part whose URL is empty
// is skipped with a message.
func measureFloor(ctx context.Context, ff floorFlags, out io.Writer) (floor, error) {
	var fl floor
	if ff.n <= 0 {
		return fl, fmt.Errorf("-floor-n must be positive, not %d", ff.n)
	}
	meter, err := newCPUMeter(ff.cpu)
	if err != nil {
		return fl, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var commits, pubsubs []time.Duration
	if ff.db == "" {
		fmt.Fprintln(out, "floor: no -db (or PARLEY_DATABASE_URL): Postgres commit not measured")
	} else {
		var c floorCPU
		if commits, err = pgFloor(ctx, ff.db, ff.n, &fl, meter, &c); err != nil {
			return fl, fmt.Errorf("floor: postgres: %w", err)
		}
		fmt.Fprintf(out, "floor: postgres commit (INSERT, synchronous_commit=%s), %d samples: %s; SELECT 1: %s\n", fl.SyncCommit, ff.n, fl.Commit, fl.Select)
		reportCPU(out, c.uses, c.wall, ff.n, "commit")
	}
	if ff.redis == "" {
		fmt.Fprintln(out, "floor: no -redis (or PARLEY_REDIS_URL): Redis round trip not measured")
	} else {
		var c floorCPU
		if pubsubs, err = redisFloor(ctx, ff.redis, ff.n, &fl, meter, &c); err != nil {
			return fl, fmt.Errorf("floor: redis: %w", err)
		}
		fmt.Fprintf(out, "floor: redis PUBLISH -> subscriber, %d samples: %s; PING: %s\n", ff.n, fl.PubSub, fl.Ping)
		reportCPU(out, c.uses, c.wall, ff.n, "publish")
	}
	if len(commits) > 0 && len(pubsubs) > 0 {
		// commits and pubsubs are in the order taken: the i-th of each
		// make one sample of a message's minimal path.
		fl.Message = summarize(pairSums(commits, pubsubs))
		fmt.Fprintf(out, "floor: commit + publish (what a message cannot beat): %s\n", fl.Message)
	}
	return fl, nil
}

// pairSums adds a[i] and b[i] for every i both have.
func pairSums(a, b []time.Duration) []time.Duration {
	s := make([]time.Duration, min(len(a), len(b)))
	for i := range s {
		s[i] = a[i] + b[i]
	}
	return s
}

// pgFloor times n autocommitted INSERTs into an ordinary table it creates
// and drops, and n SELECT 1; it returns the commits in the order taken.
func pgFloor(ctx context.Context, url string, n int, fl *floor, meter *cpuMeter, c *floorCPU) ([]time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, "SHOW synchronous_commit").Scan(&fl.SyncCommit); err != nil {
		return nil, err
	}
	table := "parleyload_floor_" + strconv.Itoa(os.Getpid())
	if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text NOT NULL)"); err != nil {
		return nil, err
	}
	defer conn.Exec(context.Background(), "DROP TABLE "+table) //nolint:errcheck // best effort; the table is tiny
	insert := "INSERT INTO " + table + " (note) VALUES ($1)"
	commits := make([]time.Duration, n)
	s0 := meter.sample()
	for i := range n {
		t0 := time.Now()
		if _, err := conn.Exec(ctx, insert, "floor"); err != nil {
			return nil, err
		}
		commits[i] = time.Since(t0)
	}
	s1 := meter.sample()
	*c = floorCPU{meter.between(s0, s1), s1.at.Sub(s0.at)}
	selects := make([]time.Duration, n)
	for i := range n {
		t0 := time.Now()
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			return nil, err
		}
		selects[i] = time.Since(t0)
	}
	fl.Commit = summarize(append([]time.Duration(nil), commits...))
	fl.Select = summarize(selects)
	return commits, nil
}

// redisFloor times n PUBLISHes until a subscriber on another connection
// has each, and n PINGs; it returns the publishes in the order taken.
func redisFloor(ctx context.Context, url string, n int, fl *floor, meter *cpuMeter, c *floorCPU) ([]time.Duration, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opt.PoolSize = 2
	rc := redis.NewClient(opt)
	defer rc.Close()
	channel := "parleyload:floor:" + strconv.Itoa(os.Getpid())
	sub := rc.Subscribe(ctx, channel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		return nil, err
	}
	pubs := make([]time.Duration, n)
	s0 := meter.sample()
	for i := range n {
		t0 := time.Now()
		if err := rc.Publish(ctx, channel, strconv.Itoa(i)).Err(); err != nil {
			return nil, err
		}
		wait, cancel := context.WithTimeout(ctx, frameTimeout)
		m, err := sub.ReceiveMessage(wait)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("subscriber: %w", err)
		}
		if m.Payload != strconv.Itoa(i) {
			return nil, fmt.Errorf("subscriber got %q, want %d", m.Payload, i)
		}
		pubs[i] = time.Since(t0)
	}
	s1 := meter.sample()
	*c = floorCPU{meter.between(s0, s1), s1.at.Sub(s0.at)}
	pings := make([]time.Duration, n)
	for i := range n {
		t0 := time.Now()
		if err := rc.Ping(ctx).Err(); err != nil {
			return nil, err
		}
		pings[i] = time.Since(t0)
	}
	fl.PubSub = summarize(append([]time.Duration(nil), pubs...))
	fl.Ping = summarize(pings)
	return pubs, nil
}
