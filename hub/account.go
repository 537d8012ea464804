package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Accounts: sign-up, sign-in throttling, password resets by email and each
// member's own profile. Invitations are in invite.go, the team (roles,
// removal) in member.go. docs/api.md "Accounts" is the REST face of this
// file, docs/roles.md says who may do what.

// Lifetimes of the links mailed to members.
const (
	PasswordResetTTL = time.Hour
	InviteTTL        = 7 * 24 * time.Hour
)

// Sign-in throttling per account: after loginFailuresBeforeLock failures in
// a row, the account is locked for loginLockBase, doubling with each
// further failure up to loginLockMax. A successful sign-in or a password
// reset clears the count. The count lives in the members row, so the lock
// holds on every node.
const (
	loginFailuresBeforeLock = 5
	loginLockBase           = time.Minute
	loginLockMax            = time.Hour
	// maxResetsPerHour bounds the reset emails one account gets, so the
	// reset form cannot be used to flood someone's inbox.
	maxResetsPerHour = 3
	maxNameLength    = 100
)

// EventMemberSessions tells the realtime nodes that a member's sessions or
// role changed (logout, password reset, role change, removal): their agent
// sockets re-check their session at once rather than at the next periodic
// check. It travels on TopicMember and is never forwarded to clients.
const EventMemberSessions = "member.sessions"

// Locales a member may choose for the dashboard and their emails.
var memberLocales = map[string]bool{"en": true, "ru": true}

// retryAfter is the cause of an ERateLimited error that knows when the
// caller may try again.
type retryAfter time.Duration

func (r retryAfter) Error() string { return fmt.Sprintf("retry after %s", time.Duration(r)) }

// RetryDelay returns how long the caller of a rate-limited operation
// should wait before trying again, or 0 when err does not say.
func RetryDelay(err error) time.Duration {
	var r retryAfter
	if IsCode(err, ERateLimited) && errors.As(err, &r) {
		return time.Duration(r)
	}
	return 0
}

// tooManyAttempts is the error of a locked sign-in: ERateLimited, with the
// delay for RetryDelay (the HTTP layer's Retry-After).
func tooManyAttempts(wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return &Error{Code: ERateLimited, Message: fmt.Sprintf("too many failed sign-ins: try again in %d s", secs),
		Err: retryAfter(time.Duration(secs) * time.Second)}
}

// lockFor is how long an account stays locked after its failures-th
// failed sign-in in a row; 0: not locked.
func lockFor(failures int) time.Duration {
	if failures < loginFailuresBeforeLock {
		return 0
	}
	d := loginLockBase
	for i := loginFailuresBeforeLock; i < failures && d < loginLockMax; i++ {
		d *= 2
	}
	return min(d, loginLockMax)
}

// verifyPassword checks password against m's under the per-account
// throttle: a locked account is ERateLimited whatever the password; a
// wrong password counts a failure (and may lock the account) and returns
// denied; the right one clears the count.
func (s *Service) verifyPassword(ctx context.Context, m *Member, password string, denied error) error {
	now := s.now()
	if m.LockedUntil.After(now) {
		return tooManyAttempts(m.LockedUntil.Sub(now))
	}
	if bcrypt.CompareHashAndPassword([]byte(m.PasswordHash), []byte(password)) != nil {
		failures, err := s.Store.AddLoginFailure(ctx, m.ID)
		if err != nil {
			return err
		}
		if lock := lockFor(failures); lock > 0 {
			if err := s.Store.LockMember(ctx, m.ID, now.Add(lock)); err != nil {
				return err
			}
			s.Log.Warn().Int64("tenant", m.TenantID).Int64("member", m.ID).Int("failures", failures).
				Dur("locked_for", lock).Msg("sign-in locked after failed attempts")
			if err := s.Store.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: ActorSystem,
				Action: "member.lock", Subject: fmt.Sprintf("member:%d", m.ID),
				Data: mustJSON(map[string]any{"failures": failures, "seconds": int64(lock / time.Second)}), CreatedAt: now}); err != nil {
				return err
			}
		}
		return denied
	}
	if m.FailedLogins > 0 || !m.LockedUntil.IsZero() {
		if err := s.Store.ResetLoginFailures(ctx, m.ID); err != nil {
			return err
		}
		m.FailedLogins, m.LockedUntil = 0, time.Time{}
	}
	return nil
}

// unknownKeep is how long failed sign-ins to an email without an account
// are remembered, as a day of quiet would forget nothing of an account's.
const unknownKeep = 24 * time.Hour

// unknownKey is the key of an email without an account in Limits.
func unknownKey(email string) string { return "unknown-email:" + email }

// throttleUnknown refuses a sign-in to an email without an account that
// failed too often, like a locked account, so that a lock does not prove
// that an account exists. The counts are in Limits, so they hold on every
// node (TestUnknownEmailThrottleAcrossNodes); a Service without Limits
// counts nothing. When the limits cannot be read the sign-in goes on: it
// fails anyway, there being no account.
func (s *Service) throttleUnknown(ctx context.Context, email string) error {
	if s.Limits == nil {
		return nil
	}
	d, err := s.Limits.Locked(ctx, unknownKey(email))
	if err != nil {
		s.Log.Warn().Err(err).Msg("sign-in throttle of unknown emails not checked")
		return nil
	}
	if d > 0 {
		return tooManyAttempts(d)
	}
	return nil
}

// failUnknown counts a failed sign-in to an email without an account, and
// locks it on the accounts' schedule (lockFor).
func (s *Service) failUnknown(ctx context.Context, email string) {
	if s.Limits == nil {
		return
	}
	n, err := s.Limits.Strike(ctx, unknownKey(email), unknownKeep)
	if err == nil {
		if lock := lockFor(n); lock > 0 {
			err = s.Limits.Lock(ctx, unknownKey(email), lock)
		}
	}
	if err != nil {
		s.Log.Warn().Err(err).Msg("sign-in throttle of unknown emails not counted")
	}
}

// Signup is what self-service sign-up asks for.
type Signup struct {
	Workspace string `json:"workspace"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Password  string `json:"password"`
}

// SignUp creates a workspace owned by a new member and starts their
// session. EForbidden when the operator closed sign-up; EConflict when the
// email has an account; EInvalid for a bad name, email or password.
func (s *Service) SignUp(ctx context.Context, in Signup) (string, *Member, error) {
	if s.SignupClosed {
		return "", nil, Errorf(EForbidden, "sign-up is closed on this server: ask its operator or a workspace owner for an invitation")
	}
	if strings.TrimSpace(in.Name) == "" {
		return "", nil, Errorf(EInvalid, "name is required")
	}
	_, m, err := s.CreateTenant(ctx, NewAccount{TenantName: in.Workspace, Email: in.Email, Name: in.Name, Password: in.Password})
	if err != nil {
		return "", nil, err
	}
	token, err := s.startSession(ctx, m)
	if err != nil {
		return "", nil, err
	}
	return token, m, nil
}

// PasswordReset is a pending password reset. Only a hash of its token is
// stored; the token itself is in the emailed link.
type PasswordReset struct {
	ID        int64
	MemberID  int64
	TokenHash string
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used; a reset works once
	CreatedAt time.Time
}

// RequestPasswordReset mails a link that sets a new password, valid for
// PasswordResetTTL and usable once, to the member with this email. It
// returns nil whether or not the email has an account, so it cannot be
// used to find accounts; past maxResetsPerHour resets an hour it quietly
// sends nothing.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	m, err := s.Store.FindMemberByEmail(ctx, normalizeEmail(email))
	if IsCode(err, ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.now()
	token := RandomToken(32)
	return s.tx(ctx, func(q Queries) error {
		n, err := q.CountPasswordResets(ctx, m.ID, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= maxResetsPerHour {
			s.Log.Warn().Int64("tenant", m.TenantID).Int64("member", m.ID).Msg("password reset refused: too many this hour")
			return nil
		}
		r := &PasswordReset{MemberID: m.ID, TokenHash: HashToken(token), ExpiresAt: now.Add(PasswordResetTTL), CreatedAt: now}
		if err := q.CreatePasswordReset(ctx, r); err != nil {
			return err
		}
		tenant, err := q.FindTenantByID(ctx, m.TenantID)
		if err != nil {
			return err
		}
		text := accountTexts[memberLanguage(m)]
		body := fmt.Sprintf(text.resetBody, m.Email, tenant.Name, s.link("/reset", token))
		if err := q.CreateEmail(ctx, &Email{TenantID: m.TenantID, Kind: EmailPasswordReset, To: m.Email,
			Subject: text.resetSubject, Body: body, Status: EmailPending, NextAttemptAt: now, CreatedAt: now}); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: ActorSystem, Action: "member.password_reset_requested",
			Subject: fmt.Sprintf("member:%d", m.ID), CreatedAt: now})
	})
}

// ConfirmPasswordReset sets a new password with the token of a reset
// link, ends every session of the member (their sockets close) and lifts
// a sign-in lock. EInvalid for an unknown, used or expired token, or a
// password that is too short.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	invalid := Errorf(EInvalid, "this reset link is invalid, used or expired: ask for a new one")
	if token == "" {
		return invalid
	}
	now := s.now()
	var m *Member
	err = s.tx(ctx, func(q Queries) error {
		r, err := q.FindPasswordResetByTokenHash(ctx, HashToken(token))
		if IsCode(err, ENotFound) {
			return invalid
		}
		if err != nil {
			return err
		}
		if !r.UsedAt.IsZero() || !now.Before(r.ExpiresAt) {
			return invalid
		}
		if err := q.UsePasswordReset(ctx, r.ID, now); IsCode(err, ENotFound) {
			return invalid // used by a concurrent request
		} else if err != nil {
			return err
		}
		if m, err = q.FindMemberByID(ctx, r.MemberID); err != nil {
			return err
		}
		if err := q.LockTeam(ctx, m.TenantID); err != nil {
			return err
		}
		if m, err = q.FindMemberByID(ctx, r.MemberID); err != nil {
			return err
		}
		m.PasswordHash = hash
		if err := q.UpdateMember(ctx, m); err != nil {
			return err
		}
		if err := q.ResetLoginFailures(ctx, m.ID); err != nil {
			return err
		}
		if err := q.DeleteMemberSessions(ctx, m.ID, ""); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: ActorMember, ActorID: m.ID,
			Action: "member.password_reset", Subject: fmt.Sprintf("member:%d", m.ID), CreatedAt: now})
	})
	if err != nil {
		return err
	}
	s.publishSessionsChanged(ctx, m.TenantID, m.ID)
	return nil
}

// Me returns the actor's own member record.
func (s *Service) Me(ctx context.Context, actor Actor) (*Member, error) {
	if actor.Kind != ActorMember {
		return nil, Errorf(EForbidden, "only members have a profile")
	}
	return s.Store.FindMemberByID(ctx, actor.ID)
}

// ProfileUpdate changes a member's own profile; nil fields stay as they are.
type ProfileUpdate struct {
	Name   *string `json:"name"`
	Locale *string `json:"locale"`
	// Password, when set, needs CurrentPassword. A new password ends every
	// other session of the member.
	Password        *string `json:"password"`
	CurrentPassword string  `json:"current_password"`
	// KeepSession is the token of the caller's own session, which a new
	// password does not end.
	KeepSession string `json:"-"`
}

// UpdateProfile changes the actor's own name, locale or password. A wrong
// current password is EForbidden and counts as a failed sign-in (so a
// stolen session cannot guess the password); EInvalid for a bad value;
// EForbidden for an API token, which has no profile (Actor.Person).
func (s *Service) UpdateProfile(ctx context.Context, actor Actor, in ProfileUpdate) (*Member, error) {
	if err := actor.Person(); err != nil {
		return nil, err
	}
	m, err := s.Me(ctx, actor)
	if err != nil {
		return nil, err
	}
	var name, hash string
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > maxNameLength {
			return nil, Errorf(EInvalid, "name must be 1 to %d characters", maxNameLength)
		}
	}
	if in.Locale != nil && !memberLocales[*in.Locale] {
		return nil, Errorf(EInvalid, "locale must be en or ru")
	}
	if in.Password != nil {
		if in.CurrentPassword == "" {
			return nil, Errorf(EInvalid, "current_password is required to set a new password")
		}
		if hash, err = HashPassword(*in.Password); err != nil {
			return nil, err
		}
		if err := s.verifyPassword(ctx, m, in.CurrentPassword, Errorf(EForbidden, "current_password is wrong")); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.tx(ctx, func(q Queries) error {
		if err := q.LockTeam(ctx, actor.TenantID); err != nil {
			return err
		}
		if m, err = q.FindMemberByID(ctx, actor.ID); err != nil {
			return err
		}
		var changed []string
		if in.Name != nil && name != m.Name {
			m.Name, changed = name, append(changed, "name")
		}
		if in.Locale != nil && *in.Locale != m.Locale {
			m.Locale, changed = *in.Locale, append(changed, "locale")
		}
		if in.Password != nil {
			m.PasswordHash, changed = hash, append(changed, "password")
			keep := ""
			if in.KeepSession != "" {
				keep = HashToken(in.KeepSession)
			}
			if err := q.DeleteMemberSessions(ctx, m.ID, keep); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if err := q.UpdateMember(ctx, m); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: ActorMember, ActorID: m.ID,
			Action: "member.profile", Subject: fmt.Sprintf("member:%d", m.ID),
			Data: mustJSON(map[string]any{"changed": changed}), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	if in.Password != nil {
		s.publishSessionsChanged(ctx, m.TenantID, m.ID)
	}
	return m, nil
}

// publishSessionsChanged asks every node to re-check the member's agent
// sockets now. Losing it only delays the close to the periodic check.
func (s *Service) publishSessionsChanged(ctx context.Context, tenantID, memberID int64) {
	var o outbox
	o.add(Event{Type: EventMemberSessions, TenantID: tenantID, Data: mustJSON(map[string]int64{"member_id": memberID})},
		TopicMember(memberID))
	s.publish(ctx, &o)
}

// link is an absolute link to path on the hub with a token.
func (s *Service) link(path, token string) string {
	return strings.TrimRight(s.BaseURL, "/") + path + "?token=" + token
}

// memberLanguage is the language of a member's emails.
func memberLanguage(m *Member) string {
	if m != nil && m.Locale == "ru" {
		return "ru"
	}
	return "en"
}

// accountText is what the account emails say, in one language.
type accountText struct {
	resetSubject  string
	resetBody     string // email, workspace, link
	inviteSubject string // inviter, workspace
	inviteBody    string // inviter, workspace, role, link
}

var accountTexts = map[string]accountText{
	"en": {
		resetSubject: "Reset your Parley password",
		resetBody: "Someone, hopefully you, asked to reset the password of %s in the workspace %s.\n\n" +
			"Choose a new password here within an hour (the link works once):\n%s\n\n" +
			"If it was not you, ignore this email: your password stays as it is.\n",
		inviteSubject: "%s invited you to %s on Parley",
		inviteBody: "%s invited you to join the workspace %s on Parley as %s.\n\n" +
			"Accept within 7 days:\n%s\n\nIf you did not expect this, ignore this email.\n",
	},
	"ru": {
		resetSubject: "Сброс пароля Parley",
		resetBody: "Кто-то, надеемся, вы, попросил сбросить пароль %s в рабочем пространстве %s.\n\n" +
			"Задайте новый пароль в течение часа (ссылка одноразовая):\n%s\n\n" +
			"Если это были не вы, просто удалите письмо: пароль останется прежним.\n",
		inviteSubject: "%s приглашает вас в %s на Parley",
		inviteBody: "%s приглашает вас в рабочее пространство %s на Parley с ролью %s.\n\n" +
			"Примите приглашение в течение 7 дней:\n%s\n\nЕсли вы его не ждали, просто удалите письмо.\n",
	},
}
