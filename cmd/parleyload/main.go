// Command parleyload measures a running Parley cluster from the outside,
// through its public HTTP and websocket API, on this machine only, and
// measures the floor under it (one bare Postgres commit, one Redis round
// trip) in the same run, so that every figure can be read as a ratio.
//
//	parleyload floor   -db URL -redis URL -n 1000
//	parleyload latency -a URL -b URL -site KEY -email E -password P -n 2000
//	parleyload ramp    -a URL -b URL -site KEY -email E -password P -from 50 -step x1.5 -to 2000 -p99 50ms
//	parleyload fanout  -a URL -b URL -site KEY -email E -password P -agents 200 -rate 20
//	parleyload connect -url URL -site KEY -n 2000 -concurrency 32
//	parleyload idle    -url URL -site KEY -n 10000 [-admin URL]
//
// latency, ramp and fanout send from visitors on node a to agents on
// node b (fanout: agents on both nodes) and time each message's ack to
// the visitor (after the commit) and its delivery to the agents. ramp
// raises the rate step by step until the p99 passes a bound. connect
// times opening authenticated visitor sockets; idle reports the server's
// memory per idle socket. With -db and -redis (default: PARLEY_DATABASE_URL
// and PARLEY_REDIS_URL) latency, ramp and fanout print the floor first;
// with -cpu they print the CPU of the named processes during each step.
// Every loop is bounded in count and time, and targets only the URLs given.
// PARLEYLOAD_CPUPROFILE names a file for the load tool's own CPU profile.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parleyload:", err)
		os.Exit(1)
	}
}

const usage = "usage: parleyload floor|latency|ramp|fanout|connect|idle [flags] (-h for a command's flags)"

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	raiseFileLimit()
	cmds := map[string]func(context.Context, []string, io.Writer) error{
		"floor":   floorCmd,
		"latency": latency,
		"ramp":    ramp,
		"fanout":  fanout,
		"connect": connect,
		"idle":    idle,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q; %s", args[0], usage)
	}
	if path := os.Getenv("PARLEYLOAD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return cmd(ctx, args[1:], out)
}

// raiseFileLimit lifts the soft open-file limit to the hard one: each
// websocket is a file descriptor.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
