package dashboard

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Accounts and the team: docs/api.md "Accounts" and "Team". The rules are
// hub's (hub/account.go, hub/invite.go, hub/member.go); this file adds
// the session cookie and the per-IP limit.

// DefaultIPLimit is how many sign-in failures, sign-ups or password-reset
// requests one IP address may make a minute (in bursts of as many).
const DefaultIPLimit = 10

// setSession sets the session cookie: HttpOnly, SameSite=Lax, Secure when
// the hub is served over TLS.
func (h *handler) setSession(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: h.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(hub.SessionTTL)})
}

// sessionToken is the token the request authenticated with: the bearer
// token, else the cookie (as authenticate reads them).
func sessionToken(c *fiber.Ctx) string {
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		return strings.TrimPrefix(auth, "Bearer ")
	}
	return c.Cookies(SessionCookie)
}

// retryAfter sets Retry-After (whole seconds, at least 1).
func retryAfter(c *fiber.Ctx, d time.Duration) {
	c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10))
}

// limited is the answer to an IP over its limit.
func limited(c *fiber.Ctx, wait time.Duration) error {
	retryAfter(c, wait)
	return hub.Errorf(hub.ERateLimited, "too many attempts from your address: try again in %d s",
		max(1, int64((wait+time.Second-1)/time.Second)))
}

// withRetryAfter sets Retry-After for a rate-limited error of the hub
// (a locked account) and returns err.
func withRetryAfter(c *fiber.Ctx, err error) error {
	if d := hub.RetryDelay(err); d > 0 {
		retryAfter(c, d)
	}
	return err
}

func (h *handler) signup(c *fiber.Ctx) error {
	if wait := h.limits.take("signup:"+web.ClientIP(c), time.Now()); wait > 0 {
		return limited(c, wait)
	}
	var req hub.Signup
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	token, m, err := h.svc.SignUp(c.UserContext(), req)
	if err != nil {
		return err
	}
	h.setSession(c, token)
	return c.Status(fiber.StatusCreated).JSON(loginResponse{Member: m, Token: token})
}

type emailRequest struct {
	Email string `json:"email"`
}

// requestPasswordReset answers 204 whatever happens, so that it tells
// nothing about which emails have accounts; a failure is only logged.
func (h *handler) requestPasswordReset(c *fiber.Ctx) error {
	if wait := h.limits.take("reset:"+web.ClientIP(c), time.Now()); wait > 0 {
		return limited(c, wait)
	}
	var req emailRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	if err := h.svc.RequestPasswordReset(c.UserContext(), req.Email); err != nil {
		web.Logger(c).Error().Err(err).Msg("password reset request failed")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (h *handler) confirmPasswordReset(c *fiber.Ctx) error {
	if wait := h.limits.take("reset:"+web.ClientIP(c), time.Now()); wait > 0 {
		return limited(c, wait)
	}
	var req resetConfirmRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	if err := h.svc.ConfirmPasswordReset(c.UserContext(), req.Token, req.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handler) getInvite(c *fiber.Ctx) error {
	info, err := h.svc.InviteByToken(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type acceptRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (h *handler) acceptInvite(c *fiber.Ctx) error {
	var req acceptRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	token, m, err := h.svc.AcceptInvite(c.UserContext(), c.Params("token"), req.Name, req.Password)
	if err != nil {
		return err
	}
	h.setSession(c, token)
	return c.Status(fiber.StatusCreated).JSON(loginResponse{Member: m, Token: token})
}

// updateMe changes the caller's name, locale or password; a new password
// ends the member's other sessions, not this one.
func (h *handler) updateMe(c *fiber.Ctx) error {
	var req hub.ProfileUpdate
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	req.KeepSession = sessionToken(c)
	m, err := h.svc.UpdateProfile(c.UserContext(), actor(c), req)
	if err != nil {
		return withRetryAfter(c, err)
	}
	return c.JSON(m)
}

// memberView is a member in the team list; Online says an agent socket
// of theirs is open on some node (as presence knows it).
type memberView struct {
	*hub.Member
	Online bool `json:"online"`
}

func (h *handler) listMembers(c *fiber.Ctx) error {
	a := actor(c)
	members, err := h.svc.Members(c.UserContext(), a, a.TenantID)
	if err != nil {
		return err
	}
	online := map[int64]bool{}
	if h.rt != nil {
		for _, id := range h.rt.OnlineMembers(a.TenantID) {
			online[id] = true
		}
	}
	items := make([]memberView, len(members))
	for i, m := range members {
		items[i] = memberView{Member: m, Online: online[m.ID]}
	}
	return c.JSON(page[memberView]{Items: items})
}

type roleRequest struct {
	Role hub.Role `json:"role"`
}

func (h *handler) changeRole(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req roleRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	m, err := h.svc.ChangeRole(c.UserContext(), actor(c), id, req.Role)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *handler) removeMember(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.RemoveMember(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handler) listInvites(c *fiber.Ctx) error {
	a := actor(c)
	invites, err := h.svc.Invites(c.UserContext(), a, a.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(page[*hub.Invite]{Items: invites})
}

func (h *handler) createInvite(c *fiber.Ctx) error {
	var req hub.NewInvite
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	req.TenantID = actor(c).TenantID
	inv, err := h.svc.CreateInvite(c.UserContext(), actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(inv)
}

func (h *handler) revokeInvite(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.RevokeInvite(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// ipLimits are token buckets per key (an action and an IP address): each
// holds up to burst tokens and gains perMinute a minute. Buckets that are
// full again are forgotten when there are many, so memory stays bounded
// by the addresses active in the last minute or so.
type ipLimits struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	perMinute float64
	burst     float64
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets is when full buckets are swept.
const maxBuckets = 10000

func newIPLimits(perMinute int) *ipLimits {
	if perMinute <= 0 {
		perMinute = DefaultIPLimit
	}
	return &ipLimits{buckets: map[string]*bucket{}, perMinute: float64(perMinute), burst: float64(perMinute)}
}

// refill returns key's bucket with the tokens gained since it was last
// seen. l.mu must be held.
func (l *ipLimits) refill(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			for k, old := range l.buckets {
				if old.tokens+now.Sub(old.at).Minutes()*l.perMinute >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
	b.at = now
	return b
}

// wait returns 0 when key has a token, else how long until it has one.
func (l *ipLimits) wait(b *bucket) time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / l.perMinute * float64(time.Minute))
}

// peek reports how long until key has a token (0: it has one now).
func (l *ipLimits) peek(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait(l.refill(key, now))
}

// take takes a token of key and returns 0, or returns how long until
// there is one.
func (l *ipLimits) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, now)
	if w := l.wait(b); w > 0 {
		return w
	}
	b.tokens--
	return 0
}
