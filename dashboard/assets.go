package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
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
var clientRoutes = []string{"/login", "/signup", "/reset", "/invite", "/inbox", "/conversations", "/tickets", "/settings", "/reports"}

// asset is one embedded file, with its gzipped form and ETag computed once.
type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// bundle is the embedded build: its files by name under dist and the
// manifest mapping logical names ("app.js") to them.
type bundle struct {
	files    map[string]*asset
	manifest map[string]string
}

var (
	loadBundleOnce sync.Once
	theBundle      *bundle
	errBundle      error
)

// loadBundle reads and compresses the embedded files once per process.
func loadBundle() (*bundle, error) {
	loadBundleOnce.Do(func() { theBundle, errBundle = readBundle(dist) })
	return theBundle, errBundle
}

func readBundle(fsys fs.FS) (*bundle, error) {
	b := &bundle{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		if err != nil {
			return err
		}
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ct = "application/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".json":
			ct = "application/json"
		}
		sum := sha256.Sum256(body)
		b.files[strings.TrimPrefix(p, "dist/")] = &asset{body: body, gz: gz.Bytes(), contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: read embedded bundle: %w", err)
	}
	for _, need := range []string{"index.html", "manifest.json"} {
		if _, ok := b.files[need]; !ok {
			return nil, fmt.Errorf("dashboard: embedded bundle has no %s: run npm run build in dashboard/web", need)
		}
	}
	if err := json.Unmarshal(b.files["manifest.json"].body, &b.manifest); err != nil {
		return nil, fmt.Errorf("dashboard: read manifest.json: %w", err)
	}
	for name, file := range b.manifest {
		if _, ok := b.files[file]; !ok {
			return nil, fmt.Errorf("dashboard: manifest names %s as %s, which is not in the bundle", name, file)
		}
	}
	return b, nil
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

// serveFile writes the embedded file name, gzipped when the client accepts
// it, answering a matching If-None-Match with 304.
func serveFile(c *fiber.Ctx, name, cacheControl string) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	a, ok := b.files[name]
	if !ok || strings.Contains(name, "..") || name == "assets/" {
		return hub.Errorf(hub.ENotFound, "no such dashboard file")
	}
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderETag, a.etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, a.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(a.gz)
	}
	return c.Send(a.body)
}
