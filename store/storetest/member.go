package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testMembers(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn, other := mustTenant(t, s), mustTenant(t, s)
	m := &hub.Member{TenantID: tn.ID, Email: "Ann@Example.TEST", Name: "Ann", Role: hub.RoleOwner, PasswordHash: "h1",
		CreatedAt: t0}
	must(t, s.CreateMember(ctx, m))
	if m.ID == 0 {
		t.Fatal("CreateMember did not set ID")
	}
	wantEqual(t, "email after create", m.Email, "ann@example.test")

	got, err := s.FindMemberByID(ctx, m.ID)
	must(t, err)
	wantEqual(t, "FindMemberByID", got, m)
	for _, email := range []string{"ann@example.test", "ANN@EXAMPLE.TEST", "Ann@Example.Test"} {
		got, err = s.FindMemberByEmail(ctx, email)
		must(t, err)
		wantEqual(t, "FindMemberByEmail("+email+")", got, m)
	}

	_, err = s.FindMemberByID(ctx, m.ID+1000)
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindMemberByEmail(ctx, "nobody@example.test")
	wantCode(t, err, hub.ENotFound)

	// Emails are unique across tenants and across case.
	dup := &hub.Member{TenantID: other.ID, Email: "ANN@example.test", Name: "Other Ann", Role: hub.RoleAgent,
		PasswordHash: "h2", CreatedAt: t0}
	wantCode(t, s.CreateMember(ctx, dup), hub.EConflict)

	second := mustMember(t, s, tn.ID)
	mustMember(t, s, other.ID)
	list, err := s.FindMembers(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindMembers", list, []*hub.Member{m, second})

	empty := mustTenant(t, s)
	list, err = s.FindMembers(ctx, empty.ID)
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("FindMembers of a tenant without members = %#v, want an empty slice", list)
	}
}
