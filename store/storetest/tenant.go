package storetest

import (
	"sync"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testTenants(t *testing.T, s hub.Store) {
	ctx := t.Context()
	n, err := s.CountTenants(ctx)
	must(t, err)
	wantEqual(t, "CountTenants of an empty store", n, 0)

	tn := &hub.Tenant{Name: "Acme", Plan: hub.PlanStandard, CreatedAt: t0}
	must(t, s.CreateTenant(ctx, tn))
	if tn.ID == 0 {
		t.Fatal("CreateTenant did not set ID")
	}
	wantEqual(t, "CreatedAt after create", tn.CreatedAt, utc(t0))
	got, err := s.FindTenantByID(ctx, tn.ID)
	must(t, err)
	wantEqual(t, "FindTenantByID", got, tn)

	_, err = s.FindTenantByID(ctx, tn.ID+1000)
	wantCode(t, err, hub.ENotFound)

	mustTenant(t, s)
	n, err = s.CountTenants(ctx)
	must(t, err)
	wantEqual(t, "CountTenants", n, 2)
}

// testTicketNumbers checks that each tenant counts its own tickets from 1,
// without gaps or repeats under concurrent transactions, and that a rolled
// back transaction gives its number back.
func testTicketNumbers(t *testing.T, s hub.Store) {
	ctx := t.Context()
	a, b := mustTenant(t, s), mustTenant(t, s)
	next := func(tenantID int64) int64 {
		t.Helper()
		var n int64
		must(t, s.Tx(ctx, func(q hub.Queries) error {
			var err error
			n, err = q.NextTicketNumber(ctx, tenantID)
			return err
		}))
		return n
	}
	wantEqual(t, "first number of a", next(a.ID), int64(1))
	wantEqual(t, "second number of a", next(a.ID), int64(2))
	wantEqual(t, "first number of b", next(b.ID), int64(1))

	errRollback := hub.Errorf(hub.EInvalid, "roll back")
	err := s.Tx(ctx, func(q hub.Queries) error {
		if _, err := q.NextTicketNumber(ctx, a.ID); err != nil {
			return err
		}
		return errRollback
	})
	wantCode(t, err, hub.EInvalid)
	wantEqual(t, "number after a rollback", next(a.ID), int64(3))

	var (
		mu   sync.Mutex
		seen = map[int64]bool{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				var n int64
				err := s.Tx(ctx, func(q hub.Queries) error {
					var err error
					n, err = q.NextTicketNumber(ctx, b.ID)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("number %d handed out twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for n := int64(2); n <= 41; n++ {
		if !seen[n] {
			t.Errorf("number %d never handed out", n)
		}
	}

	_, err = s.NextTicketNumber(ctx, b.ID+1000)
	wantCode(t, err, hub.ENotFound)
}
