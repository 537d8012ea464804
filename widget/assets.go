package widget

import (
	"embed"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub/web"
)

// dist is the built widget (widget/web, `npm run build`), committed so that
// `go build` needs no Node.
//
//go:embed all:dist
var dist embed.FS

// Cache lifetimes. The loader keeps its URL across releases, so it is
// cached briefly; hashed assets change name when they change.
const (
	loaderCacheControl = "public, max-age=300"
	assetCacheControl  = "public, max-age=31536000, immutable"
)

var (
	loadBundleOnce sync.Once
	theBundle      *web.Bundle
	errBundle      error
)

// loadBundle reads and compresses the embedded files once per process.
func loadBundle() (*web.Bundle, error) {
	loadBundleOnce.Do(func() { theBundle, errBundle = web.ReadBundle("widget", dist, "dist") })
	return theBundle, errBundle
}

// mountAssets serves the loader (/widget.js), the frame's hashed assets
// (/widget/assets/*) and the frame page (/widget/frame).
func (h *handler) mountAssets(app *fiber.App) {
	app.Get("/widget.js", func(c *fiber.Ctx) error { return serveAsset(c, "widget.js", loaderCacheControl) })
	app.Get("/widget/assets/:name", func(c *fiber.Ctx) error {
		return serveAsset(c, "assets/"+c.Params("name"), assetCacheControl)
	})
	app.Get("/widget/frame", h.frame)
}

// serveAsset writes the embedded file name (see web.Bundle.Serve). The
// loader runs on customers' pages, which may load it with CORS (the
// crossorigin attribute) or isolate themselves (COEP).
func serveAsset(c *fiber.Ctx, name, cacheControl string) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	return b.Serve(c, name, cacheControl)
}
