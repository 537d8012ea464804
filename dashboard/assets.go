package dashboard

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// dist is the built single-page app (dashboard/web, `npm run build`),
// committed so that `go build` needs no Node.
//
//go:embed all:dist
var dist embed.FS

// Cache lifetimes: index.html is revalidated on every load, so a release
// takes effect at once; hashed assets change name when they change.
const (
	pageCacheControl  = "no-cache"
	assetCacheControl = "public, max-age=31536000, immutable"
)

// appRoutes is dist/routes.json, the app's own paths as its router knows
// them (dashboard/web/src/routes.json): each is answered with index.html,
// so that a reload or a deep link opens the app. They are listed, not
// caught all, so that /api, /ws, /widget, /files, /demo, /healthz, /readyz
// and /metrics keep their handlers and unknown paths their 404
// (TestEveryAppRouteServesTheApp).
type appRoutes struct {
	Public []string `json:"public"`
	App    []string `json:"app"`
}

// routes reads the bundle's routes.json.
func routes(b *web.Bundle) (appRoutes, error) {
	var r appRoutes
	f, ok := b.Files["routes.json"]
	if !ok {
		return r, fmt.Errorf("dashboard: embedded bundle has no routes.json: run npm run build in dashboard/web")
	}
	if err := json.Unmarshal(f.Body, &r); err != nil {
		return r, fmt.Errorf("dashboard: read routes.json: %w", err)
	}
	return r, nil
}

var (
	loadBundleOnce sync.Once
	theBundle      *web.Bundle
	errBundle      error
)

// loadBundle reads and compresses the embedded files once per process; the
// app cannot start without index.html.
func loadBundle() (*web.Bundle, error) {
	loadBundleOnce.Do(func() {
		theBundle, errBundle = web.ReadBundle("dashboard", dist, "dist")
		if errBundle == nil && theBundle.Files["index.html"] == nil {
			errBundle = fmt.Errorf("dashboard: embedded bundle has no index.html: run npm run build in dashboard/web")
		}
	})
	return theBundle, errBundle
}

// pageCSP is the policy of index.html: nothing inline, nothing from
// elsewhere but images (avatars), websockets only to the hub itself.
func pageCSP(baseURL string) string {
	connect := "'self'"
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		scheme := "ws"
		if u.Scheme == "https" {
			scheme = "wss"
		}
		connect += " " + scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src " + connect +
		"; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// mountApp serves the single-page app: index.html at every route of
// routes.json, and its hashed assets under /assets/. The page names the
// hub's origin (PARLEY_BASE_URL's) in <meta name="parley-origin">, so that
// the app opened at another address (127.0.0.1 for localhost) says so and
// how to fix it, instead of failing its websockets. Mount it after the
// API so that nothing here shadows it.
func mountApp(app *fiber.App, baseURL string) {
	b, err := loadBundle()
	var r appRoutes
	if err == nil {
		r, err = routes(b)
	}
	if err == nil {
		b, err = b.With("index.html", withOrigin(b.Files["index.html"].Body, hub.OriginOf(baseURL)))
	}
	csp := pageCSP(baseURL)
	page := func(c *fiber.Ctx) error {
		if err != nil {
			return err
		}
		c.Set("Content-Security-Policy", csp)
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		c.Set(fiber.HeaderReferrerPolicy, "same-origin")
		return b.Serve(c, "index.html", pageCacheControl)
	}
	for _, p := range append(r.Public, r.App...) {
		app.Get(p, page)
	}
	if err != nil {
		app.Get("/", page) // says what is wrong with the bundle
	}
	app.Get("/assets/:name", func(c *fiber.Ctx) error {
		return serveFile(c, "assets/"+c.Params("name"), assetCacheControl)
	})
}

// withOrigin puts the hub's origin into the page's head.
func withOrigin(page []byte, origin string) []byte {
	meta := `<meta name="parley-origin" content="` + html.EscapeString(origin) + `">` + "\n"
	return []byte(strings.Replace(string(page), "<title>", meta+"<title>", 1))
}

// serveFile writes the embedded file name (see web.Bundle.Serve).
func serveFile(c *fiber.Ctx, name, cacheControl string) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	return b.Serve(c, name, cacheControl)
}
