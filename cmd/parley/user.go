package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/parley-chat/parley/hub"
)

// userAdd creates a workspace with its owner (-tenant NAME) or adds a
// member to an existing workspace (-tenant-id ID -role ROLE).
func userAdd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the member's email (required)")
	name := fs.String("name", "", "the member's display name")
	password := fs.String("password", "", "password; a random one is generated and printed when empty")
	tenantName := fs.String("tenant", "", "create a new workspace with this name, owned by the new member")
	tenantID := fs.Int64("tenant-id", 0, "add the member to this existing workspace")
	role := fs.String("role", "agent", "role in an existing workspace: owner, admin or agent")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *email == "" || (*tenantName == "") == (*tenantID == 0) {
		fmt.Fprintln(stderr, "parley user add: set -email and exactly one of -tenant NAME or -tenant-id ID")
		fs.Usage()
		return errUsage
	}
	cfg, warnings, err := loadConfig(nil, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	db, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &hub.Service{Store: db, Log: log}
	pw, generated := *password, false
	if pw == "" {
		pw, generated = hub.RandomToken(12), true
	}
	var m *hub.Member
	if *tenantName != "" {
		var t *hub.Tenant
		t, m, err = svc.CreateTenant(ctx, hub.NewAccount{TenantName: *tenantName, Email: *email, Name: *name, Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created workspace %q (id %d)\n", t.Name, t.ID)
	} else {
		m, err = svc.AddMember(ctx, hub.Actor{Kind: hub.ActorSystem}, hub.NewMember{TenantID: *tenantID, Email: *email, Name: *name, Password: pw, Role: hub.Role(*role)})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "added %s (%s, member id %d) to workspace %d\n", m.Email, m.Role, m.ID, m.TenantID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	return nil
}
