package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
)

// planCmd shows a workspace's plan (-tenant-id ID) or sets it (-plan P),
// as the platform's operator. With PARLEY_REDIS_URL the running nodes
// hear the change at once (the sites' gates, hub.EventSiteGate); a single
// node with the in-process broker reads it within PARLEY_SESSION_CHECK.
func planCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantID := fs.Int64("tenant-id", 0, "the workspace (required)")
	plan := fs.String("plan", "", "the new plan: "+strings.Join(hub.Plans, ", ")+"; without it, the plan is shown")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *tenantID <= 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "parley plan: set -tenant-id ID, and -plan P to change the plan")
		fs.Usage()
		return errUsage
	}
	cfg, log, db, err := openForCommand(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &hub.Service{Store: db, Log: log}
	if *plan == "" {
		t, err := db.FindTenantByID(ctx, *tenantID)
		if err != nil {
			return err
		}
		printPlan(stdout, t)
		return nil
	}
	if cfg.RedisURL != "" {
		b, err := broker.NewRedis(ctx, ignoreEvents{}, broker.RedisConfig{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Name: "cli", Logger: log})
		if err != nil {
			return fmt.Errorf("connect broker (PARLEY_REDIS_URL): %w", err)
		}
		defer b.Close()
		svc.Publisher = b
	}
	t, err := svc.SetPlan(ctx, hub.Actor{Kind: hub.ActorSystem}, *tenantID, *plan)
	if err != nil {
		return err
	}
	printPlan(stdout, t)
	if cfg.RedisURL == "" {
		fmt.Fprintf(stdout, "a running node applies it to open chats within %s (PARLEY_SESSION_CHECK)\n", cfg.SessionCheck)
	}
	return nil
}

func printPlan(w io.Writer, t *hub.Tenant) {
	features := strings.Join(t.Features(), ", ")
	if features == "" {
		features = "neither the widget nor tickets"
	}
	fmt.Fprintf(w, "workspace %d (%q): plan %s, with %s\n", t.ID, t.Name, t.Plan, features)
}

// ignoreEvents is the broker handler of a command that only publishes.
type ignoreEvents struct{}

func (ignoreEvents) HandleMessage(string, []byte) {}
func (ignoreEvents) HandleReset()                 {}
