package hub_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// fakeMailer records what it sends; it fails the first fail sends, and
// when block is set it waits for it to close (or ctx) before each send.
type fakeMailer struct {
	mu     sync.Mutex
	sent   []hub.Mail
	tries  int
	fail   int
	block  chan struct{}
	onSend func() // called on every try, before it succeeds or fails
}

func (m *fakeMailer) Send(ctx context.Context, mail hub.Mail) error {
	if m.block != nil {
		select {
		case <-m.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tries++
	if m.onSend != nil {
		m.onSend()
	}
	if m.tries <= m.fail {
		return errors.New("421 4.3.0 try again later")
	}
	m.sent = append(m.sent, mail)
	return nil
}

func (m *fakeMailer) mails() []hub.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]hub.Mail(nil), m.sent...)
}

// newWorker returns a worker on the fixture's store and clock.
func newWorker(tb testing.TB, f *fixture, m hub.Mailer) *hub.MailWorker {
	return &hub.MailWorker{Store: f.svc.Store, Mailer: m, Log: hubtest.Logger(tb), Clock: func() time.Time { return f.now }}
}

// mustQueue writes an email due now.
func mustQueue(tb testing.TB, f *fixture, to string) *hub.Email {
	tb.Helper()
	e := &hub.Email{TenantID: f.tenant.ID, Kind: hub.EmailTicketTeam, To: to, ReplyTo: "ann@example.test",
		Subject: "[TKT-1] Help", Body: "Please help", Status: hub.EmailPending, NextAttemptAt: f.now, CreatedAt: f.now}
	if err := f.svc.Store.CreateEmail(context.Background(), e); err != nil {
		tb.Fatal(err)
	}
	return e
}

// mustRunOnce runs one poll and checks how many emails it claimed.
func mustRunOnce(tb testing.TB, w *hub.MailWorker, claimed int) {
	tb.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if n != claimed {
		tb.Fatalf("RunOnce claimed %d emails, want %d", n, claimed)
	}
}

// emailByID returns the stored email id.
func emailByID(tb testing.TB, f *fixture, id int64) *hub.Email {
	tb.Helper()
	for _, e := range mustEmails(tb, f.svc.Store, f.tenant.ID) {
		if e.ID == id {
			return e
		}
	}
	tb.Fatalf("email %d not found", id)
	return nil
}

// TestMailWorkerSendsTicketEmails runs the worker over a new ticket's
// outbox: both emails go out as written, once.
func TestMailWorkerSendsTicketEmails(t *testing.T) {
	f := mustFixture(t)
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Help"})
	if _, err := f.svc.CreateTicket(t.Context(), f.visitor, hub.NewTicket{ConversationID: first.ConversationID,
		Subject: "Order late", RequesterEmail: "ann@example.test"}); err != nil {
		t.Fatal(err)
	}
	mailer := &fakeMailer{}
	w := newWorker(t, f, mailer)
	f.now = f.now.Add(time.Second)
	mustRunOnce(t, w, 2)
	mustRunOnce(t, w, 0)
	mails := mailer.mails()
	if len(mails) != 2 {
		t.Fatalf("sent %d mails, want 2", len(mails))
	}
	es := mustEmails(t, f.svc.Store, f.tenant.ID)
	for i, e := range es {
		m := mails[i]
		if m.To != e.To || m.ReplyTo != e.ReplyTo || m.Subject != e.Subject || m.Text != e.Body || m.MessageID == "" {
			t.Errorf("mail %d = %+v, want the outbox row %+v", i, m, e)
		}
		if e.Status != hub.EmailSent || !e.SentAt.Equal(f.now) || e.Attempts != 1 || e.LastError != "" {
			t.Errorf("email %d after sending: status %s, sent at %v, attempts %d, error %q; want sent at %v, 1 attempt",
				e.ID, e.Status, e.SentAt, e.Attempts, e.LastError, f.now)
		}
	}
	if mails[0].MessageID == mails[1].MessageID {
		t.Errorf("two emails share the Message-ID %q", mails[0].MessageID)
	}
}

// TestMailWorkerRetries fails two sends: the email is retried after the
// backoff (10s, then 20s), not before, and then sent.
func TestMailWorkerRetries(t *testing.T) {
	f := mustFixture(t)
	e := mustQueue(t, f, "team@acme.test")
	mailer := &fakeMailer{fail: 2}
	w := newWorker(t, f, mailer)
	start := f.now

	mustRunOnce(t, w, 1)
	got := emailByID(t, f, e.ID)
	if got.Status != hub.EmailPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(start.Add(10*time.Second)) ||
		!strings.Contains(got.LastError, "421 4.3.0 try again later") {
		t.Fatalf("after a failed send: %+v; want pending, 1 attempt, due in 10s, the error", got)
	}
	f.now = start.Add(9 * time.Second)
	mustRunOnce(t, w, 0)
	f.now = start.Add(10 * time.Second)
	mustRunOnce(t, w, 1)
	got = emailByID(t, f, e.ID)
	if got.Attempts != 2 || !got.NextAttemptAt.Equal(f.now.Add(20*time.Second)) {
		t.Fatalf("after the second failure: attempts %d, due %v; want 2, %v", got.Attempts, got.NextAttemptAt, f.now.Add(20*time.Second))
	}
	f.now = f.now.Add(20 * time.Second)
	mustRunOnce(t, w, 1)
	got = emailByID(t, f, e.ID)
	if got.Status != hub.EmailSent || got.Attempts != 3 || !got.SentAt.Equal(f.now) {
		t.Fatalf("after the third try: %+v; want sent after 3 attempts", got)
	}
	if n := len(mailer.mails()); n != 1 {
		t.Fatalf("sent %d mails, want 1", n)
	}
}

// TestMailWorkerGivesUp fails every send: after MaxAttempts the email is
// failed, an error is logged, and it is never claimed again.
func TestMailWorkerGivesUp(t *testing.T) {
	f := mustFixture(t)
	e := mustQueue(t, f, "team@acme.test")
	var logs bytes.Buffer
	w := newWorker(t, f, &fakeMailer{fail: 1000})
	w.Log, w.MaxAttempts = zerolog.New(&logs), 3
	w.Backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }
	for i := range 3 {
		mustRunOnce(t, w, 1)
		f.now = f.now.Add(time.Duration(i+1) * time.Minute)
	}
	got := emailByID(t, f, e.ID)
	if got.Status != hub.EmailFailed || got.Attempts != 3 || got.LastError == "" {
		t.Fatalf("after 3 failures: %+v; want failed after 3 attempts", got)
	}
	f.now = f.now.Add(24 * time.Hour)
	mustRunOnce(t, w, 0)
	if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "email failed: giving up") {
		t.Fatalf("no error logged when giving up:\n%s", logs.String())
	}
}

// TestMailWorkerDefaultBackoff checks the default waits: 10s doubling,
// capped at 30 minutes.
func TestMailWorkerDefaultBackoff(t *testing.T) {
	f := mustFixture(t)
	e := mustQueue(t, f, "team@acme.test")
	w := newWorker(t, f, &fakeMailer{fail: 1000})
	w.MaxAttempts = 12
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second,
		320 * time.Second, 640 * time.Second, 1280 * time.Second, 30 * time.Minute, 30 * time.Minute}
	for i, d := range want {
		mustRunOnce(t, w, 1)
		got := emailByID(t, f, e.ID)
		if wait := got.NextAttemptAt.Sub(f.now); wait != d {
			t.Fatalf("wait after failure %d = %v, want %v", i+1, wait, d)
		}
		f.now = got.NextAttemptAt
	}
}

// TestMailWorkerReplyBurst: five quick replies to a visitor with an email
// give one email, the last, listing all five; the others are skipped.
func TestMailWorkerReplyBurst(t *testing.T) {
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) { v.Email = "ann@example.test" })
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hello?"})
	conv := first.ConversationID
	bodies := []string{"One", "Two", "Three", "Four", "Five"}
	for _, b := range bodies {
		mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: conv, Body: b})
		f.now = f.now.Add(10 * time.Second)
	}
	mailer := &fakeMailer{}
	w := newWorker(t, f, mailer)
	mustRunOnce(t, w, 0) // not due before ReplyEmailDelay
	f.now = f.now.Add(hub.ReplyEmailDelay)
	mustRunOnce(t, w, 5)
	mails := mailer.mails()
	if len(mails) != 1 {
		t.Fatalf("a burst of 5 replies sent %d emails, want 1", len(mails))
	}
	for _, b := range bodies {
		if !strings.Contains(mails[0].Text, ":\n"+b+"\n") {
			t.Errorf("the email does not list reply %q:\n%s", b, mails[0].Text)
		}
	}
	var sent, skipped int
	for _, e := range emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply) {
		switch e.Status {
		case hub.EmailSent:
			sent++
		case hub.EmailSkipped:
			skipped++
			if e.Attempts != 0 {
				t.Errorf("skipped email %d has %d attempts", e.ID, e.Attempts)
			}
		}
	}
	if sent != 1 || skipped != 4 {
		t.Fatalf("reply emails: %d sent, %d skipped; want 1 and 4", sent, skipped)
	}
}

// TestMailWorkerSkipsReadReply: a reply the visitor reads in the chat
// before its email is due is not emailed.
func TestMailWorkerSkipsReadReply(t *testing.T) {
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) { v.Email = "ann@example.test" })
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hello?"})
	reply := mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: first.ConversationID, Body: "Hi Ann"})
	if _, err := f.svc.MarkRead(t.Context(), f.visitor, first.ConversationID, reply.Seq); err != nil {
		t.Fatal(err)
	}
	mailer := &fakeMailer{}
	w := newWorker(t, f, mailer)
	f.now = f.now.Add(hub.ReplyEmailDelay)
	mustRunOnce(t, w, 1)
	if n := len(mailer.mails()); n != 0 {
		t.Fatalf("sent %d emails of a read reply, want 0", n)
	}
	if e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply); e.Status != hub.EmailSkipped {
		t.Fatalf("status %s, want skipped", e.Status)
	}
}

// TestMailWorkerReplyDelay: a longer ReplyDelay holds reply emails, without
// counting an attempt.
func TestMailWorkerReplyDelay(t *testing.T) {
	f := mustFixture(t)
	updateVisitor(t, f, func(v *hub.Visitor) { v.Email = "ann@example.test" })
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Hello?"})
	mustSend(t, f.svc, f.ownerA, hub.NewMessage{ConversationID: first.ConversationID, Body: "Hi Ann"})
	created := f.now
	mailer := &fakeMailer{}
	w := newWorker(t, f, mailer)
	w.ReplyDelay = 10 * time.Minute
	f.now = created.Add(hub.ReplyEmailDelay)
	mustRunOnce(t, w, 1)
	e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailAgentReply)
	if e.Status != hub.EmailPending || e.Attempts != 0 || !e.NextAttemptAt.Equal(created.Add(10*time.Minute)) {
		t.Fatalf("held reply email: %+v; want pending, due 10 minutes after the reply", e)
	}
	f.now = created.Add(10 * time.Minute)
	mustRunOnce(t, w, 1)
	if n := len(mailer.mails()); n != 1 {
		t.Fatalf("sent %d emails, want 1", n)
	}
}

// TestMailWorkerLease: when sends are slow, the worker stops before its
// lease could run out under a send, and hands the rest back unattempted.
func TestMailWorkerLease(t *testing.T) {
	f := mustFixture(t)
	var ids []int64
	for range 3 {
		ids = append(ids, mustQueue(t, f, "team@acme.test").ID)
	}
	mailer := &fakeMailer{}
	mailer.onSend = func() { f.now = f.now.Add(25 * time.Second) }
	w := newWorker(t, f, mailer)
	w.Lease, w.SendTimeout = time.Minute, 30*time.Second
	start := f.now
	mustRunOnce(t, w, 3)
	if n := len(mailer.mails()); n != 2 {
		t.Fatalf("sent %d emails in one lease, want 2 (the third could outlast the lease)", n)
	}
	last := emailByID(t, f, ids[2])
	if last.Status != hub.EmailPending || last.Attempts != 0 || !last.NextAttemptAt.Equal(start.Add(50*time.Second)) {
		t.Fatalf("email left over: %+v; want pending, unattempted, due at once", last)
	}
	mustRunOnce(t, w, 1)
	if n := len(mailer.mails()); n != 3 {
		t.Fatalf("sent %d emails, want 3", n)
	}
}

// TestMailWorkerShutdown cancels the worker during a send: the email is
// handed back without counting an attempt.
func TestMailWorkerShutdown(t *testing.T) {
	f := mustFixture(t)
	e := mustQueue(t, f, "team@acme.test")
	mailer := &fakeMailer{block: make(chan struct{})}
	w := newWorker(t, f, mailer)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := w.RunOnce(ctx)
		done <- err
	}()
	// Wait until the send has started (the email is claimed).
	for deadline := time.Now().Add(hubtest.Wait); ; {
		if got := emailByID(t, f, e.ID); got.NextAttemptAt.After(f.now) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker did not claim the email")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce after cancel = %v, want context.Canceled", err)
	}
	got := emailByID(t, f, e.ID)
	if got.Status != hub.EmailPending || got.Attempts != 0 || !got.NextAttemptAt.Equal(f.now) {
		t.Fatalf("email after shutdown: %+v; want pending, unattempted, due now", got)
	}
}

// TestMailWorkerDoesNotBlockChat holds a send open: the chat goes on.
func TestMailWorkerDoesNotBlockChat(t *testing.T) {
	f := mustFixture(t)
	mustQueue(t, f, "team@acme.test")
	mailer := &fakeMailer{block: make(chan struct{})}
	w := newWorker(t, f, mailer)
	done := make(chan error, 1)
	go func() {
		_, err := w.RunOnce(context.Background())
		done <- err
	}()
	for i := range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, err := f.svc.SendMessage(ctx, f.visitor, hub.NewMessage{Body: "still here " + string(rune('a'+i))})
		cancel()
		if err != nil {
			t.Fatalf("send while the mailer hangs: %v", err)
		}
	}
	close(mailer.block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(mailer.mails()); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
}

// TestMailWorkerRun runs the real loop on the real clock.
func TestMailWorkerRun(t *testing.T) {
	f := mustFixture(t)
	e := &hub.Email{TenantID: f.tenant.ID, Kind: hub.EmailTicketTeam, To: "team@acme.test", Subject: "Hi", Body: "Hi",
		Status: hub.EmailPending, NextAttemptAt: time.Now().Add(-time.Second), CreatedAt: time.Now()}
	if err := f.svc.Store.CreateEmail(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	mailer := &fakeMailer{}
	w := &hub.MailWorker{Store: f.svc.Store, Mailer: mailer, Log: hubtest.Logger(t), Interval: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		w.Run(ctx)
	}()
	for deadline := time.Now().Add(hubtest.Wait); len(mailer.mails()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("Run did not send the due email")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-stopped
	if got := emailByID(t, f, e.ID); got.Status != hub.EmailSent {
		t.Fatalf("status %s, want sent", got.Status)
	}
}
