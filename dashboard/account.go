package dashboard

import (
	"strconv"
	"strings"
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
	if wait := h.ipWait(c, "signup", false); wait > 0 {
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
	if wait := h.ipWait(c, "reset", false); wait > 0 {
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
	if wait := h.ipWait(c, "reset", false); wait > 0 {
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

// ipWait takes a token of the caller's address for action (with peek,
// only looks) and returns how long until there is one: 0 lets the request
// go ahead. The limit is IPLimit a minute, in bursts of as many, counted
// across the cluster (hub.Limits). When it cannot be checked (Redis is
// down) the request goes ahead and the failure is logged: accounts lock
// in the database anyway.
func (h *handler) ipWait(c *fiber.Ctx, action string, peek bool) time.Duration {
	key, r := action+":"+web.ClientIP(c), hub.Rate{N: h.ipLimit, Per: time.Minute}
	var (
		wait time.Duration
		err  error
	)
	if peek {
		wait, err = h.limits.Peek(c.UserContext(), key, r)
	} else {
		wait, err = h.limits.Take(c.UserContext(), key, r)
	}
	if err != nil {
		web.Logger(c).Warn().Err(err).Str("action", action).Msg("per-address limit not checked")
		return 0
	}
	return wait
}
