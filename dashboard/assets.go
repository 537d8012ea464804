package dashboard

import (
	"embed"
	"fmt"
	"net/url"
	"sync"

	"github.com/gofiber/fiber/v2"

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

// clientRoutes are the app's own paths (its history router's). Each is
// answered with index.html, as is every path below it. They are listed,
// not caught all, so that /api, /ws, /widget, /files, /demo, /healthz,
// /readyz and /metrics keep their handlers and unknown paths their 404.
var clientRoutes = []string{"/login", "/signup", "/reset", "/invite", "/inbox", "/conversations", "/tickets", "/settings", "/reports",
	"/support", "/workspaces"}

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

// mountApp serves the single-page app: index.html at / and at every
// client route, and its hashed assets under /assets/. Mount it after the
// API so that nothing here shadows it.
func mountApp(app *fiber.App, baseURL string) {
	csp := pageCSP(baseURL)
	page := func(c *fiber.Ctx) error { return servePage(c, csp) }
	app.Get("/", page)
	for _, r := range clientRoutes {
		app.Get(r, page)
		app.Get(r+"/*", page)
	}
	app.Get("/assets/:name", func(c *fiber.Ctx) error {
		return serveFile(c, "assets/"+c.Params("name"), assetCacheControl)
	})
}

func servePage(c *fiber.Ctx, csp string) error {
	c.Set("Content-Security-Policy", csp)
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	return serveFile(c, "index.html", pageCacheControl)
}

// serveFile writes the embedded file name (see web.Bundle.Serve).
func serveFile(c *fiber.Ctx, name, cacheControl string) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	return b.Serve(c, name, cacheControl)
}
