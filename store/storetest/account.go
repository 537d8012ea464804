package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// testMemberUpdates: UpdateMember writes what it documents and nothing
// else; DeleteMember takes the member's sessions and resets along and
// unassigns their conversations and tickets.
func testMemberUpdates(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	m := f.member
	m.Name, m.Role, m.Locale, m.PasswordHash, m.RoleChangedAt = "Ann B.", hub.RoleAdmin, "ru", "h2", at(10)
	must(t, s.UpdateMember(ctx, m))
	got, err := s.FindMemberByID(ctx, m.ID)
	must(t, err)
	wantEqual(t, "member after UpdateMember", got, m)
	wantCode(t, s.UpdateMember(ctx, &hub.Member{ID: m.ID + 1000, Role: hub.RoleAgent}), hub.ENotFound)

	// A member created with every field set reads back the same.
	full := &hub.Member{TenantID: f.tenant.ID, Email: unique("full") + "@acme.test", Name: "Full", Role: hub.RoleOwner,
		Locale: "en", PasswordHash: "h", CreatedAt: t0, FailedLogins: 2, LockedUntil: at(60), RoleChangedAt: at(5)}
	must(t, s.CreateMember(ctx, full))
	got, err = s.FindMemberByID(ctx, full.ID)
	must(t, err)
	wantEqual(t, "member with every field", got, full)

	// Sessions: DeleteMemberSessions keeps the one named, DeleteMember the rest.
	for _, h := range []string{"keep", "drop-1", "drop-2"} {
		must(t, s.CreateSession(ctx, &hub.Session{MemberID: m.ID, TenantID: f.tenant.ID, TokenHash: unique(h), CreatedAt: t0, ExpiresAt: at(3600)}))
	}
	other := &hub.Session{MemberID: full.ID, TenantID: f.tenant.ID, TokenHash: unique("other"), CreatedAt: t0, ExpiresAt: at(3600)}
	must(t, s.CreateSession(ctx, other))
	keep := &hub.Session{MemberID: m.ID, TenantID: f.tenant.ID, TokenHash: unique("kept"), CreatedAt: t0, ExpiresAt: at(3600)}
	must(t, s.CreateSession(ctx, keep))
	must(t, s.DeleteMemberSessions(ctx, m.ID, keep.TokenHash))
	if _, err := s.FindSessionByTokenHash(ctx, keep.TokenHash); err != nil {
		t.Fatalf("the kept session: %v", err)
	}
	if _, err := s.FindSessionByTokenHash(ctx, other.TokenHash); err != nil {
		t.Fatalf("another member's session: %v", err)
	}
	must(t, s.DeleteMemberSessions(ctx, m.ID, ""))
	_, err = s.FindSessionByTokenHash(ctx, keep.TokenHash)
	wantCode(t, err, hub.ENotFound)

	// Deleting a member.
	sess := &hub.Session{MemberID: m.ID, TenantID: f.tenant.ID, TokenHash: unique("s"), CreatedAt: t0, ExpiresAt: at(3600)}
	must(t, s.CreateSession(ctx, sess))
	reset := &hub.PasswordReset{MemberID: m.ID, TokenHash: unique("r"), ExpiresAt: at(3600), CreatedAt: t0}
	must(t, s.CreatePasswordReset(ctx, reset))
	conv, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	conv.AssigneeID = m.ID
	must(t, s.UpdateConversation(ctx, conv))
	ticket := mustTicket(t, s, f.tenant.ID, "Assigned")
	ticket.AssigneeID = m.ID
	must(t, s.UpdateTicket(ctx, ticket))

	must(t, s.DeleteMember(ctx, m.ID))
	_, err = s.FindMemberByID(ctx, m.ID)
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindSessionByTokenHash(ctx, sess.TokenHash)
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindPasswordResetByTokenHash(ctx, reset.TokenHash)
	wantCode(t, err, hub.ENotFound)
	conv, err = s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "conversation assignee after the member's removal", conv.AssigneeID, int64(0))
	gotTicket, err := s.FindTicketByID(ctx, ticket.ID)
	must(t, err)
	wantEqual(t, "ticket assignee after the member's removal", gotTicket.AssigneeID, int64(0))
	wantCode(t, s.DeleteMember(ctx, m.ID), hub.ENotFound)
	// The email is free again.
	again := &hub.Member{TenantID: f.tenant.ID, Email: m.Email, Name: "Again", Role: hub.RoleAgent, PasswordHash: "h", CreatedAt: t0}
	must(t, s.CreateMember(ctx, again))
}

// testLoginFailures: failures count up atomically, a lock only grows, and
// a reset clears both.
func testLoginFailures(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	m, other := mustMember(t, s, tn.ID), mustMember(t, s, tn.ID)
	const workers, each = 4, 5
	done := make(chan error, workers)
	for range workers {
		go func() {
			for range each {
				if _, err := s.AddLoginFailure(ctx, m.ID); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range workers {
		must(t, <-done)
	}
	n, err := s.AddLoginFailure(ctx, m.ID)
	must(t, err)
	wantEqual(t, "failures after concurrent counting", n, workers*each+1)

	must(t, s.LockMember(ctx, m.ID, at(120)))
	must(t, s.LockMember(ctx, m.ID, at(60))) // shorter: ignored
	got, err := s.FindMemberByID(ctx, m.ID)
	must(t, err)
	wantEqual(t, "locked until", got.LockedUntil, utc(at(120)))
	wantEqual(t, "failed logins", got.FailedLogins, workers*each+1)
	must(t, s.LockMember(ctx, m.ID, at(300)))
	got, err = s.FindMemberByID(ctx, m.ID)
	must(t, err)
	wantEqual(t, "locked until after a longer lock", got.LockedUntil, utc(at(300)))

	must(t, s.ResetLoginFailures(ctx, m.ID))
	got, err = s.FindMemberByID(ctx, m.ID)
	must(t, err)
	if got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Fatalf("after a reset: %d failures, locked until %v; want 0 and the zero time", got.FailedLogins, got.LockedUntil)
	}
	// A lock on a member never locked before.
	must(t, s.LockMember(ctx, other.ID, at(30)))
	got, err = s.FindMemberByID(ctx, other.ID)
	must(t, err)
	wantEqual(t, "first lock", got.LockedUntil, utc(at(30)))

	_, err = s.AddLoginFailure(ctx, m.ID+1000)
	wantCode(t, err, hub.ENotFound)
	wantCode(t, s.LockMember(ctx, m.ID+1000, at(1)), hub.ENotFound)
	wantCode(t, s.ResetLoginFailures(ctx, m.ID+1000), hub.ENotFound)
}

// testLockTeam: a transaction that locks a tenant's team waits for another
// one holding that lock to end.
func testLockTeam(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	wantCode(t, s.Tx(ctx, func(q hub.Queries) error { return q.LockTeam(ctx, tn.ID+1000) }), hub.ENotFound)

	locked := make(chan struct{})
	var ended atomic.Bool
	first := make(chan error, 1)
	go func() {
		first <- s.Tx(ctx, func(q hub.Queries) error {
			if err := q.LockTeam(ctx, tn.ID); err != nil {
				close(locked)
				return err
			}
			close(locked)
			time.Sleep(300 * time.Millisecond)
			ended.Store(true)
			return nil
		})
	}()
	<-locked
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		if err := q.LockTeam(ctx, tn.ID); err != nil {
			return err
		}
		if !ended.Load() {
			t.Error("LockTeam returned while another transaction held the team's lock")
		}
		return nil
	}))
	must(t, <-first)
}
