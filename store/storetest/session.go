package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testSessions(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	m := mustMember(t, s, tn.ID)
	sess := &hub.Session{MemberID: m.ID, TenantID: tn.ID, TokenHash: "hash-1", CreatedAt: t0, ExpiresAt: at(3600)}
	must(t, s.CreateSession(ctx, sess))
	if sess.ID == 0 {
		t.Fatal("CreateSession did not set ID")
	}
	got, err := s.FindSessionByTokenHash(ctx, "hash-1")
	must(t, err)
	wantEqual(t, "FindSessionByTokenHash", got, sess)

	dup := &hub.Session{MemberID: m.ID, TenantID: tn.ID, TokenHash: "hash-1", CreatedAt: t0, ExpiresAt: at(3600)}
	wantCode(t, s.CreateSession(ctx, dup), hub.EConflict)

	_, err = s.FindSessionByTokenHash(ctx, "hash-2")
	wantCode(t, err, hub.ENotFound)

	must(t, s.DeleteSession(ctx, sess.ID))
	_, err = s.FindSessionByTokenHash(ctx, "hash-1")
	wantCode(t, err, hub.ENotFound)
	// Two logouts may race: deleting a deleted session is not an error.
	must(t, s.DeleteSession(ctx, sess.ID))
}
