package hub

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// MailWorker sends the mail outbox. Every node may run one: a claim leases
// emails to one worker, so each email goes out once, unless a node dies
// after sending and before recording it (delivery is at least once).
//
// It runs on its own goroutine and touches the store only in short
// statements, never across a send, so a slow or dead SMTP server delays
// mail and nothing else. The zero value of every option but Store and
// Mailer is a documented default.
type MailWorker struct {
	Store  Store
	Mailer Mailer
	Log    zerolog.Logger
	// Clock defaults to time.Now.
	Clock Clock
	// Interval is the pause between polls when nothing is due; 2s.
	Interval time.Duration
	// Lease is how long a claimed email is hidden from other workers; 1m.
	Lease time.Duration
	// SendTimeout bounds one send; 30s, and at most half the Lease so a
	// send ends well before another worker could claim the same email.
	SendTimeout time.Duration
	// Batch is how many emails one claim takes; 10.
	Batch int
	// MaxAttempts is how many failed sends make an email failed; 8.
	MaxAttempts int
	// Backoff is the wait after the attempt-th failed send (attempt ≥ 1);
	// by default 10s doubling per attempt, capped at 30m.
	Backoff func(attempt int) time.Duration
	// ReplyDelay is how long an agent's reply waits for the visitor to read
	// it in the chat. The outbox makes reply emails due ReplyEmailDelay
	// after the reply (the default); a longer ReplyDelay holds them until
	// ReplyDelay has passed, a shorter one cannot send them earlier.
	ReplyDelay time.Duration
}

// Defaults of MailWorker.
const (
	defaultMailInterval    = 2 * time.Second
	defaultMailLease       = time.Minute
	defaultMailSendTimeout = 30 * time.Second
	defaultMailBatch       = 10
	defaultMailAttempts    = 8
	maxMailBackoff         = 30 * time.Minute
	maxLastErrorBytes      = 1000
	// mailSaveTimeout bounds writing an outcome, even during shutdown.
	mailSaveTimeout = 5 * time.Second
)

// defaultMailBackoff waits 10s after the first failure and doubles each
// time, up to 30 minutes.
func defaultMailBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < maxMailBackoff; i++ {
		d *= 2
	}
	return min(d, maxMailBackoff)
}

func (w *MailWorker) now() time.Time {
	if w.Clock != nil {
		return w.Clock().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (w *MailWorker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return defaultMailLease
}

func (w *MailWorker) sendTimeout() time.Duration {
	d := w.SendTimeout
	if d <= 0 {
		d = defaultMailSendTimeout
	}
	return min(d, w.lease()/2)
}

func (w *MailWorker) batch() int {
	if w.Batch > 0 {
		return w.Batch
	}
	return defaultMailBatch
}

func (w *MailWorker) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return defaultMailAttempts
}

func (w *MailWorker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return w.Backoff(attempt)
	}
	return defaultMailBackoff(attempt)
}

// Run sends due emails until ctx is done. A store error is logged and the
// poll retried after Interval; a full batch is followed at once by the next.
func (w *MailWorker) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = defaultMailInterval
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn().Err(err).Msg("mail worker: claim emails")
		}
		if err == nil && n == w.batch() {
			timer.Reset(0)
		} else {
			timer.Reset(interval)
		}
	}
}

// RunOnce claims one batch of due emails and handles each: sends it, or
// skips a reply the visitor has read or a later reply supersedes, and
// records the outcome. It returns how many emails it claimed. When the
// lease runs short or ctx ends, the emails not yet handled are released
// for the next poll.
func (w *MailWorker) RunOnce(ctx context.Context) (int, error) {
	claimedAt := w.now()
	emails, err := w.Store.ClaimDueEmails(ctx, claimedAt, w.lease(), w.batch())
	if err != nil {
		return 0, err
	}
	leaseEnd := claimedAt.Add(w.lease())
	for i, e := range emails {
		if ctx.Err() != nil || w.now().Add(w.sendTimeout()).After(leaseEnd) {
			for _, rest := range emails[i:] {
				w.release(ctx, rest)
			}
			break
		}
		w.handle(ctx, e)
	}
	return len(emails), ctx.Err()
}

// handle sends e, or skips it, and records what happened.
func (w *MailWorker) handle(ctx context.Context, e *Email) {
	log := w.Log.With().Int64("email", e.ID).Int64("tenant", e.TenantID).Str("kind", e.Kind).Logger()
	if e.Kind == EmailAgentReply && e.ConversationID != 0 {
		if hold := e.CreatedAt.Add(w.ReplyDelay); w.ReplyDelay > 0 && w.now().Before(hold) {
			e.NextAttemptAt = hold
			w.save(ctx, log, e)
			return
		}
		reason, err := w.replyNotNeeded(ctx, e)
		if err != nil {
			// Left claimed: it is due again when the lease passes.
			log.Warn().Err(err).Msg("mail worker: check whether a reply was read")
			return
		}
		if reason != "" {
			e.Status = EmailSkipped
			log.Debug().Str("reason", reason).Msg("email skipped")
			w.save(ctx, log, e)
			return
		}
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.sendTimeout())
	err := w.Mailer.Send(sendCtx, Mail{To: e.To, ReplyTo: e.ReplyTo, Subject: e.Subject, Text: e.Body,
		MessageID: fmt.Sprintf("parley.%d.%d", e.ID, e.CreatedAt.UnixMicro())})
	cancel()
	now := w.now()
	switch {
	case err == nil:
		e.Attempts++
		e.Status, e.SentAt, e.LastError = EmailSent, now, ""
		log.Info().Int("attempts", e.Attempts).Msg("email sent")
	case ctx.Err() != nil:
		// Shutting down: not the email's fault, so not an attempt.
		w.release(ctx, e)
		return
	default:
		e.Attempts++
		e.LastError = truncateUTF8(err.Error(), maxLastErrorBytes)
		if e.Attempts >= w.maxAttempts() {
			e.Status = EmailFailed
			log.Error().Err(err).Int("attempts", e.Attempts).Str("to", e.To).Msg("email failed: giving up")
		} else {
			e.NextAttemptAt = now.Add(w.backoff(e.Attempts))
			log.Warn().Err(err).Int("attempts", e.Attempts).Time("next_attempt_at", e.NextAttemptAt).
				Msg("email not sent: will retry")
		}
	}
	w.save(ctx, log, e)
}

// replyNotNeeded says why a reply email need not go out ("" when it must):
// the visitor has read the reply in the chat, or a later agent reply has
// an email of its own, which lists this reply too.
func (w *MailWorker) replyNotNeeded(ctx context.Context, e *Email) (string, error) {
	conv, err := w.Store.FindConversationByID(ctx, e.ConversationID)
	if IsCode(err, ENotFound) {
		return "conversation deleted", nil
	}
	if err != nil {
		return "", err
	}
	if conv.VisitorReadSeq >= e.UnlessReadSeq {
		return "read in the chat", nil
	}
	later, err := w.Store.CountMessages(ctx, conv.ID, e.UnlessReadSeq, []AuthorKind{AuthorAgent})
	if err != nil {
		return "", err
	}
	if later > 0 {
		return "superseded by a later reply's email", nil
	}
	return "", nil
}

// release hands a claimed email back, due now, without counting an attempt.
func (w *MailWorker) release(ctx context.Context, e *Email) {
	e.NextAttemptAt = w.now()
	w.save(ctx, w.Log.With().Int64("email", e.ID).Logger(), e)
}

// save records e's outcome. It runs even when ctx is cancelled, so an
// email sent during shutdown is not sent again; if it fails, the email is
// retried when its lease passes.
func (w *MailWorker) save(ctx context.Context, log zerolog.Logger, e *Email) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailSaveTimeout)
	defer cancel()
	if err := w.Store.UpdateEmail(ctx, e); err != nil {
		log.Error().Err(err).Str("status", e.Status).Msg("mail worker: record email outcome")
	}
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
