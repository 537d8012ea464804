package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testPasswordResets(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	m, other := mustMember(t, s, tn.ID), mustMember(t, s, tn.ID)
	r := &hub.PasswordReset{MemberID: m.ID, TokenHash: unique("reset"), ExpiresAt: at(3600), CreatedAt: t0}
	must(t, s.CreatePasswordReset(ctx, r))
	if r.ID == 0 {
		t.Fatal("CreatePasswordReset did not set ID")
	}
	got, err := s.FindPasswordResetByTokenHash(ctx, r.TokenHash)
	must(t, err)
	wantEqual(t, "FindPasswordResetByTokenHash", got, r)
	_, err = s.FindPasswordResetByTokenHash(ctx, "nope")
	wantCode(t, err, hub.ENotFound)
	wantCode(t, s.CreatePasswordReset(ctx, &hub.PasswordReset{MemberID: other.ID, TokenHash: r.TokenHash,
		ExpiresAt: at(1), CreatedAt: t0}), hub.EConflict)

	// A token works once, even when used concurrently.
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() {
			results <- s.Tx(ctx, func(q hub.Queries) error { return q.UsePasswordReset(ctx, r.ID, at(10)) })
		}()
	}
	won := 0
	for range n {
		err := <-results
		if err == nil {
			won++
		} else if !hub.IsCode(err, hub.ENotFound) {
			t.Fatalf("concurrent use: %v", err)
		}
	}
	wantEqual(t, "uses that succeeded", won, 1)
	got, err = s.FindPasswordResetByTokenHash(ctx, r.TokenHash)
	must(t, err)
	wantEqual(t, "used at", got.UsedAt, utc(at(10)))
	wantCode(t, s.UsePasswordReset(ctx, r.ID+1000, at(10)), hub.ENotFound)

	// Counting by creation time, used or not, of one member only.
	must(t, s.CreatePasswordReset(ctx, &hub.PasswordReset{MemberID: m.ID, TokenHash: unique("reset"), ExpiresAt: at(4000), CreatedAt: at(400)}))
	must(t, s.CreatePasswordReset(ctx, &hub.PasswordReset{MemberID: other.ID, TokenHash: unique("reset"), ExpiresAt: at(4000), CreatedAt: at(400)}))
	for since, want := range map[int]int{-1: 2, 0: 2, 1: 1, 400: 1, 401: 0} {
		n, err := s.CountPasswordResets(ctx, m.ID, at(since))
		must(t, err)
		if n != want {
			t.Errorf("CountPasswordResets since t0%+ds = %d, want %d", since, n, want)
		}
	}
}
