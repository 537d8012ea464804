package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testInvites(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn, other := mustTenant(t, s), mustTenant(t, s)
	inviter := mustMember(t, s, tn.ID)
	i := &hub.Invite{TenantID: tn.ID, Email: "New@Example.TEST", Role: hub.RoleAdmin, TokenHash: unique("inv"),
		InvitedBy: inviter.ID, ExpiresAt: at(7 * 86400), CreatedAt: t0}
	must(t, s.CreateInvite(ctx, i))
	if i.ID == 0 {
		t.Fatal("CreateInvite did not set ID")
	}
	wantEqual(t, "email after create", i.Email, "new@example.test")
	got, err := s.FindInviteByID(ctx, i.ID)
	must(t, err)
	wantEqual(t, "FindInviteByID", got, i)
	got, err = s.FindInviteByTokenHash(ctx, i.TokenHash)
	must(t, err)
	wantEqual(t, "FindInviteByTokenHash", got, i)
	_, err = s.FindInviteByTokenHash(ctx, "nope")
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindInviteByID(ctx, i.ID+1000)
	wantCode(t, err, hub.ENotFound)
	dup := &hub.Invite{TenantID: other.ID, Email: "x@example.test", Role: hub.RoleAgent, TokenHash: i.TokenHash,
		ExpiresAt: at(1), CreatedAt: t0}
	wantCode(t, s.CreateInvite(ctx, dup), hub.EConflict)

	second := &hub.Invite{TenantID: tn.ID, Email: "b@example.test", Role: hub.RoleAgent, TokenHash: unique("inv"),
		ExpiresAt: at(-1), CreatedAt: t0} // expired: still listed
	must(t, s.CreateInvite(ctx, second))
	elsewhere := &hub.Invite{TenantID: other.ID, Email: "c@example.test", Role: hub.RoleAgent, TokenHash: unique("inv"),
		ExpiresAt: at(100), CreatedAt: t0}
	must(t, s.CreateInvite(ctx, elsewhere))
	list, err := s.FindInvites(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindInvites", list, []*hub.Invite{i, second})

	// Accepting works once; accepted invites leave the list.
	must(t, s.AcceptInvite(ctx, i.ID, at(50)))
	wantCode(t, s.AcceptInvite(ctx, i.ID, at(51)), hub.ENotFound)
	wantCode(t, s.AcceptInvite(ctx, i.ID+1000, at(51)), hub.ENotFound)
	got, err = s.FindInviteByID(ctx, i.ID)
	must(t, err)
	wantEqual(t, "accepted at", got.AcceptedAt, utc(at(50)))
	list, err = s.FindInvites(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindInvites after an accept", ids(list, func(i *hub.Invite) int64 { return i.ID }), []int64{second.ID})

	// Of concurrent accepts, exactly one succeeds.
	race := &hub.Invite{TenantID: tn.ID, Email: "race@example.test", Role: hub.RoleAgent, TokenHash: unique("inv"),
		ExpiresAt: at(100), CreatedAt: t0}
	must(t, s.CreateInvite(ctx, race))
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() {
			results <- s.Tx(ctx, func(q hub.Queries) error { return q.AcceptInvite(ctx, race.ID, at(60)) })
		}()
	}
	won := 0
	for range n {
		err := <-results
		if err == nil {
			won++
		} else if !hub.IsCode(err, hub.ENotFound) {
			t.Fatalf("concurrent accept: %v", err)
		}
	}
	wantEqual(t, "accepts that succeeded", won, 1)

	must(t, s.DeleteInvite(ctx, second.ID))
	wantCode(t, s.DeleteInvite(ctx, second.ID), hub.ENotFound)
	list, err = s.FindInvites(ctx, tn.ID)
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("FindInvites with none pending = %#v, want an empty slice", list)
	}
}
