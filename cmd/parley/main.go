// Command parley runs the Parley hub: one binary that serves the widget,
// the dashboard, the REST API and the realtime websockets, on SQLite and an
// in-process broker by default, or as many nodes on Postgres and Redis.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/parley-chat/parley/hub"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

var usage = `Usage: parley [command] [flags]

Commands:
  serve        run the hub (the default)
  migrate      apply database migrations and exit
  user add     create a workspace and its owner, or add a member to one
  plan         show or set a workspace's plan (-tenant-id ID [-plan ` + strings.Join(hub.Plans, "|") + `])
  healthcheck  ask the node on PARLEY_ADDR whether it is ready (exit 0 when it is)
  backup       copy the embedded SQLite database to a new file (-o FILE), while the node runs
  version      print the version

Configuration comes from PARLEY_* environment variables; see README.md.
`

// run is main without the process: tests call it to start the real server.
func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, env, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, env, stdout, stderr)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			fmt.Fprint(stderr, "Usage: parley user add -email E [-name N] [-tenant NAME | -tenant-id ID -role ROLE] [-password P]\n")
			return errUsage
		}
		return userAdd(ctx, args[1:], env, stdout, stderr)
	case "plan":
		return planCmd(ctx, args, env, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, env, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, env, stdout, stderr)
	case "version":
		_, err := fmt.Fprintf(stdout, "parley %s\n", version)
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
