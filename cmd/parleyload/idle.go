package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// serverStats are the /metrics figures idle compares.
type serverStats struct {
	rss, heap, goroutines float64
}

func readStats(ctx context.Context, base string) (serverStats, error) {
	var st serverStats
	var err error
	if st.rss, err = metric(ctx, base, "process_resident_memory_bytes"); err != nil {
		return st, err
	}
	if st.heap, err = metric(ctx, base, "go_memstats_heap_inuse_bytes"); err != nil {
		return st, err
	}
	st.goroutines, err = metric(ctx, base, "go_goroutines")
	return st, err
}

// metric reads one unlabelled sample from /metrics.
func metric(ctx context.Context, base, name string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

func idle(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8081", "node URL (loopback only)")
	site := fs.String("site", "", "site key")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	n := fs.Int("n", 10000, "connections to open")
	settle := fs.Duration("settle", 10*time.Second, "how long the connections sit idle before measuring")
	workers := fs.Int("workers", 32, "connections opened at once")
	admin := fs.String("admin", "", "the node's PARLEY_ADMIN_ADDR listener as a URL, where /metrics is when it is set (default: -url)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" {
		return errors.New("-site is required")
	}
	metrics := *base
	if *admin != "" {
		metrics = *admin
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	before, err := readStats(ctx, metrics)
	if err != nil {
		return err
	}
	o := openVisitors(ctx, *base, *site, *origin, *n, *workers, nil)
	defer o.close()
	for _, c := range o.conns {
		go drain(c) // answer pings; idle otherwise
	}
	fmt.Fprintf(out, "opened %d connections (%d failed) in %s\n", len(o.conns), o.failed, o.wall.Round(time.Millisecond))
	if o.firstErr != nil {
		fmt.Fprintln(out, "first failure:", o.firstErr)
	}
	select {
	case <-time.After(*settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := readStats(ctx, metrics)
	if err != nil {
		return err
	}
	per := float64(max(len(o.conns), 1))
	fmt.Fprintf(out, "server RSS %.1f -> %.1f MiB: %.1f KiB per idle websocket\n",
		before.rss/(1<<20), after.rss/(1<<20), (after.rss-before.rss)/per/1024)
	fmt.Fprintf(out, "server Go heap in use %.1f -> %.1f MiB: %.1f KiB per idle websocket; %.1f goroutines per websocket\n",
		before.heap/(1<<20), after.heap/(1<<20), (after.heap-before.heap)/per/1024, (after.goroutines-before.goroutines)/per)
	return nil
}

// opened is the outcome of opening visitor sockets.
type opened struct {
	conns    []*conn
	each     []time.Duration // time to open each socket that opened
	failed   int
	firstErr error
	wall     time.Duration
}

func (o *opened) close() {
	for _, c := range o.conns {
		c.ws.Close(websocket.StatusNormalClosure, "")
	}
}

// openVisitors opens n authenticated visitor sockets, workers at a time:
// of new visitors, or with tokens (at least n) of visitors who started
// their visits before.
func openVisitors(ctx context.Context, base, site, origin string, n, workers int, tokens []string) *opened {
	type result struct {
		c   *conn
		d   time.Duration
		err error
	}
	jobs := make(chan int)
	results := make(chan result, n) // buffered: workers never block on an abandoned run
	for range max(workers, 1) {
		go func() {
			for i := range jobs {
				t0 := time.Now()
				var c *conn
				var err error
				if tokens != nil {
					c, err = visitorSocket(ctx, base, site, origin, tokens[i])
				} else {
					c, err = visitor(ctx, base, site, origin)
				}
				results <- result{c, time.Since(t0), err}
			}
		}()
	}
	start := time.Now()
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	o := &opened{}
	for range n {
		var r result
		select {
		case r = <-results:
		case <-ctx.Done():
			o.failed = n - len(o.conns)
			o.firstErr = orErr(o.firstErr, ctx.Err())
			o.wall = time.Since(start)
			return o
		}
		if r.err != nil {
			o.failed++
			o.firstErr = orErr(o.firstErr, r.err)
			continue
		}
		o.conns = append(o.conns, r.c)
		o.each = append(o.each, r.d)
	}
	o.wall = time.Since(start)
	return o
}

// orErr returns the first error that is not nil.
func orErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
