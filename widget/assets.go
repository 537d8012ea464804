package widget

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
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
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

// asset is one embedded file, with its gzipped form and ETag computed once.
type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// bundle is the embedded build: its files by name under dist, and the
// manifest mapping logical names ("frame.js") to them.
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
		case ".json":
			ct = "application/json"
		}
		sum := sha256.Sum256(body)
		b.files[strings.TrimPrefix(p, "dist/")] = &asset{body: body, gz: gz.Bytes(), contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("widget: read embedded bundle: %w", err)
	}
	m, ok := b.files["manifest.json"]
	if !ok {
		return nil, fmt.Errorf("widget: embedded bundle has no manifest.json: run npm run build in widget/web")
	}
	if err := json.Unmarshal(m.body, &b.manifest); err != nil {
		return nil, fmt.Errorf("widget: read manifest.json: %w", err)
	}
	for name, file := range b.manifest {
		if _, ok := b.files[file]; !ok {
			return nil, fmt.Errorf("widget: manifest names %s as %s, which is not in the bundle", name, file)
		}
	}
	return b, nil
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

// serveAsset writes the embedded file name, gzipped when the client
// accepts it, answering a matching If-None-Match with 304.
func serveAsset(c *fiber.Ctx, name, cacheControl string) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	a, ok := b.files[name]
	if !ok || strings.Contains(name, "..") {
		return hub.Errorf(hub.ENotFound, "no such widget file")
	}
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderETag, a.etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	// The loader runs on customers' pages, which may load it with CORS
	// (crossorigin attribute) or isolate themselves (COEP).
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
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
