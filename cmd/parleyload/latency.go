package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
)

// latency sends n messages from visitors on node a to one agent on node
// b at a fixed rate (visitors / every) and reports ack and delivery times.
func latency(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	var cf clusterFlags
	cf.register(fs)
	n := fs.Int("n", 2000, "messages to send in all")
	visitors := fs.Int("visitors", 20, "visitors sending at once, each in its own conversation")
	every := fs.Duration("every", 150*time.Millisecond, "pause between one visitor's messages (the hub allows 10 sends/s per socket)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	if *n <= 0 || *visitors <= 0 || *every <= 0 {
		return fmt.Errorf("-n, -visitors and -every must be positive")
	}
	rate := float64(*visitors) / every.Seconds()
	if *every < time.Second/hubSendRate {
		return fmt.Errorf("-every %s: the hub allows one visitor %d sends a second", *every, hubSendRate)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	fl, r, err := cf.start(ctx, out)
	if err != nil {
		return err
	}
	defer r.close()
	if err := r.grow(ctx, *visitors, 1, []string{cf.b}); err != nil {
		return err
	}
	d := time.Duration(float64(*n) / rate * float64(time.Second))
	res, err := r.step(ctx, rate, *visitors, d)
	if err != nil {
		return err
	}
	res.print(out, fmt.Sprintf("latency, %d visitors@%s -> agent@%s", *visitors, cf.a, cf.b), fl)
	return nil
}
