package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// connect opens and authenticates n visitor sockets, concurrency at a
// time, and reports how fast: of new visitors (each starts its visit
// first), or with -returning of visitors who hold their tokens already
// (their visits are started before the clock starts), as a client of a
// pub/sub server holds the token its application issued.
func connect(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8081", "node URL (loopback only)")
	site := fs.String("site", "", "site key (required)")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	n := fs.Int("n", 2000, "sockets to open")
	concurrency := fs.Int("concurrency", 32, "sockets opened at once")
	returning := fs.Bool("returning", false, "visitors who started their visits before (not timed): time the websocket and its auth only")
	cpuSpec := fs.String("cpu", "", "processes whose CPU to report: label=PID, label=NAME or label=NAME:CMDLINE-SUBSTRING, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" {
		return errors.New("-site is required")
	}
	if *n <= 0 || *concurrency <= 0 {
		return errors.New("-n and -concurrency must be positive")
	}
	cpu, err := newCPUMeter(*cpuSpec)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	var tokens []string
	what := "start visit, websocket, auth"
	if *returning {
		tokens = make([]string, *n)
		if err := parallel(ctx, *n, *concurrency, func(i int) (err error) {
			tokens[i], err = startVisit(ctx, *base, *site, *origin)
			return err
		}); err != nil {
			return fmt.Errorf("start the visits: %w", err)
		}
		what = "returning visitors: websocket, auth"
	}
	c0 := cpu.sample()
	o := openVisitors(ctx, *base, *site, *origin, *n, *concurrency, tokens)
	c1 := cpu.sample()
	defer o.close()
	fmt.Fprintf(out, "connect: %d visitor sockets opened (%s), %d failed, %d at a time, in %s: %.0f sockets/s\n",
		len(o.conns), what, o.failed, *concurrency, o.wall.Round(time.Millisecond), float64(len(o.conns))/o.wall.Seconds())
	fmt.Fprintf(out, "    each %s\n", summarize(o.each))
	if o.firstErr != nil {
		fmt.Fprintln(out, "    first failure:", o.firstErr)
	}
	reportCPU(out, cpu.between(c0, c1), c1.at.Sub(c0.at), len(o.conns), "socket")
	return nil
}
