// Package widget serves what visitors' browsers load: the visitor REST API
// (starting a visit), the visitor websocket and the /demo page, which
// embeds the widget exactly as a customer's site would.
package widget

import (
	"context"
	"encoding/json"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/geo"
	"github.com/parley-chat/parley/hub/realtime"
	"github.com/parley-chat/parley/hub/web"
)

// Config wires the widget handlers.
type Config struct {
	Service  *hub.Service
	Realtime *realtime.Node
	// BaseURL is the hub's public URL; the snippet loads the widget from it.
	BaseURL string
	// DemoSiteKey returns the demo site's key (ENotFound when there is none).
	DemoSiteKey func(ctx context.Context) (string, error)
}

// Mount adds the widget routes to app.
func Mount(app *fiber.App, cfg Config) {
	h := &handler{cfg: cfg}
	app.Options("/api/v1/sdk/*", h.preflight)
	app.Get("/api/v1/sdk/chat/config", h.config)
	app.Post("/api/v1/sdk/visitors", h.startVisitor)
	app.Post("/api/v1/sdk/page", h.trackPage)
	app.Post("/api/v1/sdk/attachments", h.uploadAttachment)
	app.Get("/files/:id/:sig/:name", h.serveFile)
	app.Get("/ws/visitor", cfg.Realtime.VisitorHandler())
	app.Get("/demo", h.demo)
	h.mountAssets(app)
}

type handler struct{ cfg Config }

// cors lets the browser of any calling origin read the answer (docs/api.md
// "Visitor SDK"); whether the origin may use the site is the service's
// check (hub.Gate), not this one's.
func (h *handler) cors(c *fiber.Ctx) {
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderVary, fiber.HeaderOrigin)
	}
}

func (h *handler) preflight(c *fiber.Ctx) error {
	h.cors(c)
	c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST")
	c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type, Authorization")
	c.Set(fiber.HeaderAccessControlMaxAge, "600")
	return c.SendStatus(fiber.StatusNoContent)
}

// configResponse is the widget's configuration for one site.
type configResponse struct {
	Site           string         `json:"site"`
	Name           string         `json:"name"`
	Locale         string         `json:"locale"`
	VerifiedOnly   bool           `json:"verified_only"`
	TicketsEnabled bool           `json:"tickets_enabled"`
	Appearance     hub.Appearance `json:"appearance"`
}

// gateResponse says why the widget stays hidden (004 "End-user can't open
// the chat"): reason is one of the four codes, detail the fix, naming the
// place in the dashboard (hub.Gate.Fix); the loader logs both.
type gateResponse struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// config answers GET /api/v1/sdk/chat/config?site=KEY for the page whose
// origin makes the request.
func (h *handler) config(c *fiber.Ctx) error {
	h.cors(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" && c.Get("Sec-Fetch-Site") == "same-origin" {
		// Browsers send no Origin on same-origin GETs: the page is on the
		// hub itself (/demo).
		origin = hub.OriginOf(h.cfg.BaseURL)
	}
	site, tenant, reason, err := h.cfg.Service.WidgetSite(c.UserContext(), c.Query("site"), origin)
	if err != nil {
		return err
	}
	if reason != "" {
		g := hub.GateOf(site, tenant)
		status := hub.ErrorStatus(hub.ErrorCode(g.Error(reason, origin)))
		return c.Status(status).JSON(gateResponse{Reason: reason, Detail: g.Fix(reason, origin)})
	}
	return c.JSON(configResponse{Site: site.Key, Name: site.Name, Locale: site.DefaultLocale, VerifiedOnly: site.VerifiedOnly,
		TicketsEnabled: hub.TicketsOn(site, tenant), Appearance: site.Appearance})
}

type identityRequest struct {
	ExternalID string          `json:"external_id"`
	Email      string          `json:"email"`
	Name       string          `json:"name"`
	Traits     json.RawMessage `json:"traits"`
	UserHash   string          `json:"user_hash"`
	Token      string          `json:"token"`
}

type startVisitorRequest struct {
	Site        string           `json:"site"`
	AnonymousID string           `json:"anonymous_id"`
	Locale      string           `json:"locale"`
	Page        string           `json:"page"`
	TimeZone    string           `json:"tz"` // the browser's IANA zone, for the country
	Identity    *identityRequest `json:"identity"`
}

type startVisitorResponse struct {
	VisitorID   int64  `json:"visitor_id"`
	AnonymousID string `json:"anonymous_id"`
	Token       string `json:"token"`
	Verified    bool   `json:"verified"`
	// Email prefills the widget's ticket form.
	Email string `json:"email,omitempty"`
	// Conversation is the visitor's newest conversation, as they see it;
	// the widget shows a closed one read-only (docs/protocol.md).
	Conversation *hub.VisitorConversation `json:"conversation"`
}

// startVisitor begins or continues a visit and returns the visitor token
// the websocket's auth frame carries.
func (h *handler) startVisitor(c *fiber.Ctx) error {
	h.cors(c)
	var req startVisitorRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	in := hub.VisitorStart{SiteKey: req.Site, Origin: strings.ToLower(c.Get(fiber.HeaderOrigin)), AnonymousID: req.AnonymousID,
		Locale: req.Locale, CurrentPage: req.Page, Device: geo.Device(c.Get(fiber.HeaderUserAgent)), Country: web.ClientCountry(c)}
	if in.Country == "" {
		in.Country = geo.CountryOfTimeZone(req.TimeZone)
	}
	if id := req.Identity; id != nil {
		in.Identity = &hub.Identity{ExternalID: id.ExternalID, Email: id.Email, Name: id.Name, Traits: id.Traits,
			UserHash: id.UserHash, Token: id.Token}
	}
	visit, err := h.cfg.Service.StartVisitor(c.UserContext(), in)
	if err != nil {
		return err
	}
	resp := startVisitorResponse{VisitorID: visit.Visitor.ID, AnonymousID: visit.Visitor.AnonymousID, Token: visit.Token, Verified: visit.Verified,
		Email: visit.Visitor.ContactEmail()}
	if cv := visit.Conversation; cv != nil {
		view := cv.ForVisitor()
		resp.Conversation = &view
	}
	return c.JSON(resp)
}

type pageRequest struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// trackPage records the page a visitor is on; the visitor token comes as
// a bearer token.
func (h *handler) trackPage(c *fiber.Ctx) error {
	h.cors(c)
	actor, err := h.visitorActor(c)
	if err != nil {
		return err
	}
	var req pageRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	if err := h.cfg.Service.TrackPage(c.UserContext(), actor, req.URL, req.Title); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// snippetTemplate is what a site owner pastes: a command queue, so that
// Parley(...) calls made before the loader arrives are kept, and the
// loader itself, loaded async.
var snippetTemplate = template.Must(template.New("snippet").Parse(`<script>
(function(w,d,s,k){w.Parley=w.Parley||function(){(w.Parley.q=w.Parley.q||[]).push(arguments)};
var e=d.createElement("script");e.async=true;e.src=s+"/widget.js";e.dataset.site=k;
d.head.appendChild(e)})(window,document,{{.BaseURL}},{{.SiteKey}});
Parley("boot",{site:{{.SiteKey}}});
</script>`))

// Snippet returns the snippet for a site, its values escaped for script.
func Snippet(hubURL, siteKey string) template.HTML {
	var b strings.Builder
	if err := snippetTemplate.Execute(&b, struct{ BaseURL, SiteKey string }{hubURL, siteKey}); err != nil {
		panic(err) // two strings always render
	}
	return template.HTML(b.String()) // the template escaped them
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley demo site</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}</style>
</head>
<body>
<h1>Acme Widgets</h1>
<p>This page stands in for a customer's website. It embeds the Parley widget with the
same snippet a site owner pastes; the chat button appears in the corner.</p>
{{.Snippet}}
</body>
</html>
`))

// demo serves a page that embeds the widget for the demo site.
func (h *handler) demo(c *fiber.Ctx) error {
	key, err := h.cfg.DemoSiteKey(c.UserContext())
	if hub.IsCode(err, hub.ENotFound) {
		return hub.Errorf(hub.ENotFound, "there is no demo site: it is created on the first start of an empty store with PARLEY_DEMO=true")
	}
	if err != nil {
		return err
	}
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return demoPage.Execute(c, struct{ Snippet template.HTML }{Snippet(h.cfg.BaseURL, key)})
}
