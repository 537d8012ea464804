package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// fanout is the dashboard's shape: many agent sockets of one workspace,
// on both nodes, each following every conversation, while a few visitors
// write. It reports the delivery of each message to every agent.
func fanout(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanout", flag.ContinueOnError)
	var cf clusterFlags
	cf.register(fs)
	agents := fs.Int("agents", 200, "agent sockets, half on each node")
	visitors := fs.Int("visitors", 10, "visitors writing, each in its own conversation (every agent follows all)")
	rate := fs.Float64("rate", 20, "messages a second from all visitors together")
	d := fs.Duration("duration", 20*time.Second, "how long the visitors send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	if *agents <= 0 || *visitors <= 0 || *visitors > 500 || *rate <= 0 || *d <= 0 {
		return errors.New("-agents, -rate and -duration must be positive, -visitors in 1..500")
	}
	if *rate/float64(*visitors) > cf.perVisitor {
		return fmt.Errorf("-rate %g from %d visitors is more than -per-visitor %g each", *rate, *visitors, cf.perVisitor)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	fl, r, err := cf.start(ctx, out)
	if err != nil {
		return err
	}
	defer r.close()
	t0 := time.Now()
	if err := r.grow(ctx, *visitors, *agents, []string{cf.a, cf.b}); err != nil {
		return err
	}
	fmt.Fprintf(out, "fanout: %d agent sockets (half on %s, half on %s) subscribed to %d conversations in %s\n",
		*agents, cf.a, cf.b, *visitors, time.Since(t0).Round(time.Millisecond))
	res, err := r.step(ctx, *rate, *visitors, *d)
	if err != nil {
		return err
	}
	res.print(out, fmt.Sprintf("fanout, %d visitors@%s -> %d agents", *visitors, cf.a, *agents), fl)
	return nil
}
