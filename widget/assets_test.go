package widget

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/web"
	"github.com/parley-chat/parley/store/sqlite"
)

// Size budgets of issue 3, measured as gzip at best compression of the
// embedded files.
const (
	loaderBudget = 4096      // /widget.js
	totalBudget  = 40 * 1024 // loader + frame JS + CSS
)

func TestBundleWithinSizeBudget(t *testing.T) {
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	loader := b.Files["widget.js"].GzipSize()
	total := loader
	for _, name := range []string{"frame.js", "frame.css"} {
		file, ok := b.Manifest[name]
		if !ok {
			t.Fatalf("manifest.json has no %s", name)
		}
		total += b.Files[file].GzipSize()
	}
	t.Logf("gzipped: loader %d bytes, loader+frame JS+CSS %d bytes", loader, total)
	if loader > loaderBudget {
		t.Errorf("widget.js is %d bytes gzipped, over the %d-byte budget", loader, loaderBudget)
	}
	if total > totalBudget {
		t.Errorf("widget JS and CSS are %d bytes gzipped, over the %d-byte budget", total, totalBudget)
	}
}

func TestManifestNamesHashedFilesThatExist(t *testing.T) {
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"widget.js", "frame.js", "frame.css"} {
		file := b.Manifest[name]
		if _, ok := b.Files[file]; !ok {
			t.Errorf("manifest maps %s to %q, which is not embedded", name, file)
		}
	}
	for name, file := range b.Manifest {
		if name != "widget.js" && !strings.HasPrefix(file, "assets/frame-") {
			t.Errorf("%s is %q, want a hashed name under assets/", name, file)
		}
	}
	// A stale hashed file means the build did not clean up after itself.
	for file := range b.Files {
		if strings.HasPrefix(file, "assets/") && file != b.Manifest["frame.js"] && file != b.Manifest["frame.css"] {
			t.Errorf("%s is embedded but not in the manifest", file)
		}
	}
}

// newAssetApp serves the widget assets of a hub with one site on a real
// SQLite store; it returns the app and the site.
func newAssetApp(t *testing.T, origins ...string) (*fiber.App, *hub.Site) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &hub.Service{Store: db, Log: zerolog.Nop(), Secret: []byte("test-secret")}
	tenant, _, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Acme", Email: "owner@acme.test", Name: "Owner", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := svc.CreateSite(ctx, hub.Actor{Kind: hub.ActorSystem}, hub.NewSite{TenantID: tenant.ID, Name: "Shop", AllowedOrigins: origins})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{ErrorHandler: web.ErrorHandler})
	app.Use(web.Middleware(zerolog.Nop()))
	h := &handler{cfg: Config{Service: svc, BaseURL: "https://chat.example.com"}}
	h.mountAssets(app)
	return app, site
}

func TestFramePage(t *testing.T) {
	app, site := newAssetApp(t, "https://shop.example", "http://localhost:3000")
	resp, body := hubtest.Get(t, app, "/widget/frame?site="+site.Key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{
		"frame-ancestors https://shop.example http://localhost:3000;",
		"default-src 'self'",
		"connect-src 'self' wss://chat.example.com;",
		"script-src 'self'",
		"style-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`data-origins="https://shop.example http://localhost:3000"`,
		`data-ws="wss://chat.example.com/ws/visitor?site=` + site.Key + `"`,
		`src="` + b.Manifest["frame.js"] + `"`,
		`href="` + b.Manifest["frame.css"] + `"`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("frame page lacks %s:\n%s", want, body)
		}
	}
}

func TestFramePageOfSiteWithoutOriginsCannotBeFramed(t *testing.T) {
	app, site := newAssetApp(t)
	resp, _ := hubtest.Get(t, app, "/widget/frame?site="+site.Key)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "frame-ancestors 'none';") {
		t.Errorf("CSP = %q, want frame-ancestors 'none'", csp)
	}
}

func TestFramePageOfUnknownSiteIsNotFound(t *testing.T) {
	app, _ := newAssetApp(t, "https://shop.example")
	for _, target := range []string{"/widget/frame?site=site_nope", "/widget/frame"} {
		resp, body := hubtest.Get(t, app, target)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: status %d %s, want a 404 problem: %s", target, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

func TestAssetHeaders(t *testing.T) {
	app, _ := newAssetApp(t, "https://shop.example")
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, file, contentType, cacheControl string
	}{
		{"/widget.js", "widget.js", "application/javascript; charset=utf-8", "public, max-age=300"},
		{"/widget/" + b.Manifest["frame.js"], b.Manifest["frame.js"], "application/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/widget/" + b.Manifest["frame.css"], b.Manifest["frame.css"], "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := hubtest.Get(t, app, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for h, want := range map[string]string{
				"Content-Type":           tt.contentType,
				"Cache-Control":          tt.cacheControl,
				"X-Content-Type-Options": "nosniff",
			} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if !bytes.Equal(body, b.Files[tt.file].Body) {
				t.Errorf("body is not the embedded %s", tt.file)
			}

			// Gzipped on request, and the same bytes once inflated.
			resp, body = hubtest.Get(t, app, tt.path, "Accept-Encoding", "gzip, br")
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain, b.Files[tt.file].Body) {
				t.Errorf("gzipped body is not the embedded %s", tt.file)
			}

			// Revalidation answers 304.
			resp, _ = hubtest.Get(t, app, tt.path, "If-None-Match", resp.Header.Get("ETag"))
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
			}
		})
	}
	for _, missing := range []string{"/widget/assets/frame-0000.js", "/widget/assets/..%2fmanifest.json", "/widget/assets/"} {
		if resp, _ := hubtest.Get(t, app, missing); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", missing, resp.StatusCode)
		}
	}
}
