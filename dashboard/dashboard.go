// Package dashboard serves the agents' side: sign-in, the REST API over
// conversations and tickets, and the agent websocket.
package dashboard

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/ratelimit"
	"github.com/parley-chat/parley/hub/realtime"
	"github.com/parley-chat/parley/hub/web"
)

// SessionCookie holds the dashboard session token.
const SessionCookie = "parley_session"

// Config wires the dashboard handlers.
type Config struct {
	Service  *hub.Service
	Realtime *realtime.Node
	// BaseURL is the hub's public URL; its origin is the only one allowed
	// to make cookie-authenticated changes (CSRF protection).
	BaseURL string
	// IPLimit is how many sign-in failures, sign-ups and password-reset
	// requests one IP address may make a minute; 0 means DefaultIPLimit.
	IPLimit int
}

// Mount adds the dashboard routes to app.
func Mount(app *fiber.App, cfg Config) {
	// The origin of the hub's base URL (PARLEY_BASE_URL, which the config
	// has checked): the one origin allowed to make changes with the cookie,
	// and the one the app's page names.
	origin := hub.OriginOf(cfg.BaseURL)
	h := &handler{svc: cfg.Service, origin: origin, secure: strings.HasPrefix(origin, "https:")}
	app.Post("/api/v1/auth/login", h.login)
	app.Post("/api/v1/auth/logout", h.logout)
	// Accounts, outside the session (account.go).
	h.rt, h.ipLimit = cfg.Realtime, cfg.IPLimit
	if cfg.Service != nil {
		h.limits = cfg.Service.Limits
	}
	if h.limits == nil {
		h.limits = ratelimit.NewMemory()
	}
	if h.ipLimit <= 0 {
		h.ipLimit = DefaultIPLimit
	}
	app.Post("/api/v1/auth/signup", h.signup)
	app.Post("/api/v1/auth/password-reset", h.requestPasswordReset)
	app.Post("/api/v1/auth/password-reset/confirm", h.confirmPasswordReset)
	app.Get("/api/v1/auth/invites/:token", h.getInvite)
	app.Post("/api/v1/auth/invites/:token/accept", h.acceptInvite)
	app.Get("/ws/agent", cfg.Realtime.AgentHandler())
	app.Get("/ws/support", cfg.Realtime.SupportHandler())

	api := app.Group("/api/v1", h.authenticate)
	api.Get("/me", h.me)
	// Accounts and the team (account.go).
	api.Patch("/me", h.updateMe)
	api.Get("/members", h.listMembers)
	api.Patch("/members/:id", h.changeRole)
	api.Delete("/members/:id", h.removeMember)
	api.Get("/invites", h.listInvites)
	api.Post("/invites", h.createInvite)
	api.Delete("/invites/:id", h.revokeInvite)
	// Workspace API tokens (apitoken.go).
	api.Get("/tokens", h.listAPITokens)
	api.Post("/tokens", h.createAPIToken)
	api.Delete("/tokens/:id", h.revokeAPIToken)
	api.Get("/conversations", h.listConversations)
	api.Get("/conversations/:id", h.getConversation)
	api.Patch("/conversations/:id", h.updateConversation)
	api.Get("/conversations/:id/messages", h.listMessages)
	api.Post("/conversations/:id/messages", h.sendMessage)
	api.Post("/conversations/:id/read", h.markRead)
	api.Get("/unread", h.getUnread)
	api.Post("/conversations/:id/attachments", h.uploadAttachment)
	api.Get("/tickets", h.listTickets)
	api.Post("/tickets", h.createTicket)
	api.Get("/tickets/:id", h.getTicket)
	api.Patch("/tickets/:id", h.updateTicket)
	api.Get("/sites", h.listSites)
	api.Get("/sites/:site", h.getSite)
	api.Patch("/sites/:site", h.updateSite)
	api.Get("/sites/:site/knowledge", h.listKnowledge)
	api.Post("/sites/:site/knowledge", h.createKnowledge)
	api.Get("/knowledge/:id", h.getKnowledge)
	api.Patch("/knowledge/:id", h.updateKnowledge)
	api.Delete("/knowledge/:id", h.deleteKnowledge)

	// The inbox: conversation actions, sites, canned responses.
	h.baseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	api.Post("/conversations/:id/take-over", h.takeOver)
	api.Get("/conversations/:id/export", h.exportConversation)
	api.Post("/sites", h.createSite)
	api.Post("/sites/:site/identity-secret", h.rotateIdentitySecret)
	api.Get("/canned-responses", h.listCanned)
	api.Post("/canned-responses", h.createCanned)
	api.Get("/canned-responses/:id", h.getCanned)
	api.Patch("/canned-responses/:id", h.updateCanned)
	api.Delete("/canned-responses/:id", h.deleteCanned)

	// A person's data (visitor.go).
	api.Get("/visitors/:id/export", h.exportVisitor)
	api.Delete("/visitors/:id", h.deleteVisitor)

	// Reports (report.go).
	api.Get("/reports", h.getReport)
	api.Get("/reports.csv", h.getReportCSV)

	// Support (support.go).
	api.Get("/support/access", h.getSupportAccess)
	api.Put("/support/access", h.setSupportAccess)
	api.Get("/support/audit", h.getSupportAudit)
	api.Get("/support/tickets", h.listSupportTickets)
	api.Post("/support/tickets", h.createSupportTicket)
	api.Get("/support/tickets/:id", h.getSupportTicket)
	api.Get("/support/tickets/:id/messages", h.listSupportMessages)
	api.Post("/support/tickets/:id/messages", h.sendSupportMessage)
	api.Post("/support/tickets/:id/attachments", h.uploadSupportAttachment)
	api.Post("/support/tickets/:id/read", h.markSupportRead)
	api.Get("/support/reviews/:id", h.getReviewContext)
	api.Post("/support/reviews/preview", h.previewReview)
	api.Post("/support/reviews", h.submitReview)
	api.Get("/staff/workspaces", h.listWorkspaces)
	// Plans (plan.go).
	api.Get("/staff/plans", h.listPlans)
	api.Put("/staff/workspaces/:id/plan", h.setPlan)

	// The single-page app (assets.go), after the API: it shadows none of it.
	mountApp(app, cfg.BaseURL)
}

type handler struct {
	svc    *hub.Service
	origin string
	secure bool
	// baseURL is the hub's public URL, which site snippets load from.
	baseURL string
	// Accounts (account.go): the cluster's presence for the team list,
	// and the per-IP limits.
	rt      *realtime.Node
	limits  hub.Limits
	ipLimit int
}

func actor(c *fiber.Ctx) hub.Actor {
	a, _ := c.Locals("actor").(hub.Actor)
	return a
}

// authenticate accepts the session cookie or a bearer token: a session's
// or a workspace API token's (hub.Service.BearerActor). Requests that
// change state with the cookie must come from the dashboard's own origin;
// with a read-scope API token, none may (hub.Actor.Writable).
func (h *handler) authenticate(c *fiber.Ctx) error {
	token, viaCookie := c.Cookies(SessionCookie), true
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		token, viaCookie = strings.TrimPrefix(auth, "Bearer "), false
	}
	var (
		a   hub.Actor
		err error
	)
	if viaCookie {
		a, err = h.svc.MemberActor(c.UserContext(), token)
	} else {
		a, err = h.svc.BearerActor(c.UserContext(), token)
	}
	if err != nil {
		return err
	}
	changes := c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead
	if viaCookie && changes && !h.sameOrigin(c) {
		return hub.Errorf(hub.EForbidden, "cross-site request refused: send it from the dashboard")
	}
	if a.TokenID != 0 && changes {
		if err := a.Writable(); err != nil {
			return err
		}
	}
	if c.Get(WorkspaceHeader) != "" {
		if a, err = h.asViewer(c, a); err != nil {
			return err
		}
	}
	c.Locals("actor", a)
	return c.Next()
}

func (h *handler) sameOrigin(c *fiber.Ctx) bool {
	return strings.EqualFold(c.Get(fiber.HeaderOrigin), h.origin)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Member *hub.Member `json:"member"`
	// Token authenticates API and websocket clients that do not use the
	// cookie (the load tool, integrations).
	Token string `json:"token"`
}

// login signs in. Failures count against the caller's IP address (the
// per-IP limit) and the account (hub's lock); both answer 429 with
// Retry-After.
func (h *handler) login(c *fiber.Ctx) error {
	if wait := h.ipWait(c, "login", true); wait > 0 {
		return limited(c, wait)
	}
	var req loginRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	token, m, err := h.svc.Login(c.UserContext(), req.Email, req.Password)
	if hub.IsCode(err, hub.EUnauthorized) || hub.IsCode(err, hub.ERateLimited) {
		h.ipWait(c, "login", false)
	}
	if err != nil {
		return withRetryAfter(c, err)
	}
	h.setSession(c, token)
	return c.JSON(loginResponse{Member: m, Token: token})
}

func (h *handler) logout(c *fiber.Ctx) error {
	token := c.Cookies(SessionCookie)
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		token = strings.TrimPrefix(auth, "Bearer ")
	} else if token != "" && !h.sameOrigin(c) {
		return hub.Errorf(hub.EForbidden, "cross-site request refused: send it from the dashboard")
	}
	if err := h.svc.Logout(c.UserContext(), token); err != nil {
		return err
	}
	c.ClearCookie(SessionCookie)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handler) me(c *fiber.Ctx) error {
	a := actor(c)
	m, err := h.svc.Me(c.UserContext(), a)
	if err != nil {
		return err
	}
	if a.TokenID != 0 {
		// The role the token acts with, not its creator's.
		acting := *m
		acting.Role = a.Role
		m = &acting
	}
	// viewing names the workspace a staff member views read-only.
	var viewing int64
	if a.ReadOnly {
		viewing = a.TenantID
	}
	// workspace is the one the member acts in, with its plan (plan.go).
	t, err := h.svc.WorkspaceOf(c.UserContext(), a)
	if err != nil {
		return err
	}
	return c.JSON(meView{m, viewing, viewWorkspace(t), viewPlans(), hub.MaxAttachmentBytes, viewToken(a)})
}

// meView is GET /me's answer.
type meView struct {
	*hub.Member
	Viewing   int64         `json:"viewing_workspace,omitempty"`
	Workspace workspaceView `json:"workspace"`
	Plans     []planView    `json:"plans"`
	// MaxAttachment is the largest file a conversation takes, which the
	// composer refuses before uploading.
	MaxAttachment int `json:"max_attachment_bytes"`
	// Token is the API token the request came with: the member above is
	// the one it acts for, with the token's role.
	Token *tokenView `json:"api_token,omitempty"`
}
