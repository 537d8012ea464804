package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// mustEmail writes a pending email of the tenant due at due.
func mustEmail(t *testing.T, s hub.Store, tenantID int64, due time.Time) *hub.Email {
	t.Helper()
	e := &hub.Email{TenantID: tenantID, Kind: hub.EmailTicketTeam, To: "team@acme.test", Subject: unique("[TKT-1] Help "),
		Body: "body", Status: hub.EmailPending, NextAttemptAt: due, CreatedAt: t0}
	must(t, s.CreateEmail(t.Context(), e))
	return e
}

// testEmails checks that an email reads back as written, and that
// UpdateEmail writes the delivery state.
func testEmails(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	e := &hub.Email{TenantID: f.tenant.ID, Kind: hub.EmailAgentReply, To: "ann@example.test", ReplyTo: "team@acme.test",
		Subject: "Re: [TKT-7] Возврат денег", Body: "Anna:\nHello ✓\n", ConversationID: f.conv.ID, UnlessReadSeq: 12,
		Status: hub.EmailPending, NextAttemptAt: at(120), CreatedAt: t0}
	must(t, s.CreateEmail(ctx, e))
	if e.ID == 0 {
		t.Fatal("CreateEmail set no ID")
	}
	if e.CreatedAt != utc(t0) || e.NextAttemptAt != utc(at(120)) || !e.SentAt.IsZero() {
		t.Fatalf("CreateEmail did not normalize times: %+v", e)
	}
	got, err := s.FindEmails(ctx, f.tenant.ID)
	must(t, err)
	wantEqual(t, "FindEmails", got, []*hub.Email{e})

	// UpdateEmail writes status, attempts, next attempt, last error, sent at.
	e.Status, e.Attempts, e.NextAttemptAt, e.LastError, e.SentAt = hub.EmailSent, 3, at(300), "421 try later", at(301)
	must(t, s.UpdateEmail(ctx, e))
	got, err = s.FindEmails(ctx, f.tenant.ID)
	must(t, err)
	wantEqual(t, "email after UpdateEmail", got, []*hub.Email{e})
	// ... and only those: the message itself is immutable.
	changed := *e
	changed.To, changed.Subject, changed.Body = "other@example.test", "Other", "Other"
	must(t, s.UpdateEmail(ctx, &changed))
	got, err = s.FindEmails(ctx, f.tenant.ID)
	must(t, err)
	wantEqual(t, "email after UpdateEmail of other fields", got, []*hub.Email{e})

	missing := *e
	missing.ID += 1000
	wantCode(t, s.UpdateEmail(ctx, &missing), hub.ENotFound)

	// Emails are per tenant, in the order written.
	second := mustEmail(t, s, f.tenant.ID, at(1))
	other := mustTenant(t, s)
	mustEmail(t, s, other.ID, at(1))
	got, err = s.FindEmails(ctx, f.tenant.ID)
	must(t, err)
	wantEqual(t, "ids of FindEmails", ids(got, func(e *hub.Email) int64 { return e.ID }), []int64{e.ID, second.ID})
	got, err = s.FindEmails(ctx, other.ID+1000)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("FindEmails of an unknown tenant = %#v, want an empty slice", got)
	}
}

// testEmailClaims checks ClaimDueEmails: only pending emails that are due,
// the longest due first, at most limit, each moved to now+lease.
func testEmailClaims(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	e5 := mustEmail(t, s, tn.ID, at(5))
	e1 := mustEmail(t, s, tn.ID, at(1))
	e2a := mustEmail(t, s, tn.ID, at(2))
	e2b := mustEmail(t, s, tn.ID, at(2))
	e3 := mustEmail(t, s, tn.ID, at(3))
	mustEmail(t, s, tn.ID, at(1000)) // not due in this test
	for _, status := range []string{hub.EmailSent, hub.EmailSkipped, hub.EmailFailed} {
		done := mustEmail(t, s, tn.ID, at(0))
		done.Status = status
		must(t, s.UpdateEmail(ctx, done))
	}
	emailIDs := func(es []*hub.Email) []int64 { return ids(es, func(e *hub.Email) int64 { return e.ID }) }

	lease := time.Minute
	got, err := s.ClaimDueEmails(ctx, at(10), lease, 2)
	must(t, err)
	wantEqual(t, "first claim (limit 2)", emailIDs(got), []int64{e1.ID, e2a.ID})
	want := *e1
	want.NextAttemptAt = utc(at(10).Add(lease))
	wantEqual(t, "claimed email", got[0], &want)

	got, err = s.ClaimDueEmails(ctx, at(10), lease, 10)
	must(t, err)
	wantEqual(t, "second claim", emailIDs(got), []int64{e2b.ID, e3.ID, e5.ID})
	got, err = s.ClaimDueEmails(ctx, at(10), lease, 10)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("claim with nothing due = %#v, want an empty slice", got)
	}

	// A claimed email is not due again until its lease passes.
	got, err = s.ClaimDueEmails(ctx, at(69), lease, 10)
	must(t, err)
	wantEqual(t, "claim before the lease passed", emailIDs(got), []int64{})
	got, err = s.ClaimDueEmails(ctx, at(70), lease, 10)
	must(t, err)
	// All are due at the same time now: ties go by ID.
	wantEqual(t, "claim when the lease passed", emailIDs(got), []int64{e5.ID, e1.ID, e2a.ID, e2b.ID, e3.ID})

	// A claim also works inside a transaction.
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		got, err = q.ClaimDueEmails(ctx, at(200), lease, 1)
		return err
	}))
	wantEqual(t, "claim in a transaction", emailIDs(got), []int64{e5.ID})
}

// testEmailClaimsConcurrent runs claimers side by side, as nodes of a
// cluster do: no email is claimed twice and none is left behind.
func testEmailClaimsConcurrent(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	const n = 60
	var all []int64
	for i := range n {
		all = append(all, mustEmail(t, s, tn.ID, at(i%7)).ID)
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimDueEmails(ctx, at(100), time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, e := range got {
					claimed[e.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var got []int64
	for id, times := range claimed {
		if times != 1 {
			t.Errorf("email %d claimed %d times, want once", id, times)
		}
		got = append(got, id)
	}
	slices.Sort(got)
	slices.Sort(all)
	wantEqual(t, "claimed emails", got, all)
}
