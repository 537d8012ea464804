package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/parley-chat/parley/hub"
)

// userAdd creates a workspace with its owner (-tenant NAME), adds a
// member to an existing workspace (-tenant-id ID -role ROLE), or adds a
// platform staff member (-staff), who answers the workspaces' support
// tickets.
func userAdd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the member's email (required)")
	name := fs.String("name", "", "the member's display name")
	password := fs.String("password", "", "password; a random one is generated and printed when empty")
	tenantName := fs.String("tenant", "", "create a new workspace with this name, owned by the new member")
	tenantID := fs.Int64("tenant-id", 0, "add the member to this existing workspace")
	role := fs.String("role", "", "role in an existing workspace (default agent) or among staff (default: owner for the first, agent after): owner, admin or agent")
	staff := fs.Bool("staff", false, "add platform staff, who answer the workspaces' support tickets")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	chosen := 0
	for _, set := range []bool{*tenantName != "", *tenantID != 0, *staff} {
		if set {
			chosen++
		}
	}
	if *email == "" || chosen != 1 {
		fmt.Fprintln(stderr, "parley user add: set -email and exactly one of -tenant NAME, -tenant-id ID or -staff")
		fs.Usage()
		return errUsage
	}
	_, log, db, err := openForCommand(ctx, env, stderr)
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
	switch {
	case *staff:
		if m, err = svc.AddStaff(ctx, hub.NewMember{Email: *email, Name: *name, Password: pw, Role: hub.Role(*role)}); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "added platform staff: they answer support tickets in the dashboard")
	case *tenantName != "":
		var t *hub.Tenant
		t, m, err = svc.CreateTenant(ctx, hub.NewAccount{TenantName: *tenantName, Email: *email, Name: *name, Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created workspace %q (id %d)\n", t.Name, t.ID)
	default:
		if *role == "" {
			*role = string(hub.RoleAgent)
		}
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
