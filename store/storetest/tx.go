package storetest

import (
	"errors"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testTx checks that Tx commits when fn succeeds, and that an error leaves
// nothing written and is returned as it was.
func testTx(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	errStop := errors.New("stop")
	var created *hub.Tenant
	err := s.Tx(ctx, func(q hub.Queries) error {
		created = &hub.Tenant{Name: "Doomed", Plan: hub.PlanFree, CreatedAt: t0}
		if err := q.CreateTenant(ctx, created); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if _, err := q.FindTenantByID(ctx, created.ID); err != nil {
			return err
		}
		m := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor, Body: "x", CreatedAt: t0}
		if err := q.CreateMessage(ctx, m); err != nil {
			return err
		}
		if _, err := q.EnsureSetting(ctx, "doomed", "yes"); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Tx returned %v, want the error of fn", err)
	}
	_, err = s.FindTenantByID(ctx, created.ID)
	wantCode(t, err, hub.ENotFound)
	n, err := s.CountTenants(ctx)
	must(t, err)
	wantEqual(t, "tenants after a rollback", n, 1)
	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "LastSeq after a rollback", c.LastSeq, int64(0))
	list, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: f.conv.ID})
	must(t, err)
	wantEqual(t, "messages after a rollback", len(list), 0)
	_, err = s.FindSetting(ctx, "doomed")
	wantCode(t, err, hub.ENotFound)

	must(t, s.Tx(ctx, func(q hub.Queries) error {
		created = &hub.Tenant{Name: "Kept", Plan: hub.PlanFree, CreatedAt: t0}
		return q.CreateTenant(ctx, created)
	}))
	got, err := s.FindTenantByID(ctx, created.ID)
	must(t, err)
	wantEqual(t, "tenant after a commit", got, created)
}
