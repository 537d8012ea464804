package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/web"
)

// totalBudget bounds the dashboard's JS and CSS, gzipped at best
// compression: the app must load quickly on a phone.
const totalBudget = 120 * 1024

func TestBundleWithinSizeBudget(t *testing.T) {
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	total := b.Files["index.html"].GzipSize()
	for _, name := range []string{"app.js", "app.css"} {
		file, ok := b.Manifest[name]
		if !ok {
			t.Fatalf("manifest.json has no %s", name)
		}
		n := b.Files[file].GzipSize()
		t.Logf("%s: %d bytes gzipped", file, n)
		total += n
	}
	t.Logf("gzipped total: %d bytes", total)
	if total > totalBudget {
		t.Errorf("dashboard HTML, JS and CSS are %d bytes gzipped, over the %d-byte budget", total, totalBudget)
	}
}

// assetRef finds the files index.html loads.
var assetRef = regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`)

func TestIndexReferencesHashedFilesThatExist(t *testing.T) {
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	refs := assetRef.FindAllStringSubmatch(string(b.Files["index.html"].Body), -1)
	if len(refs) != 2 {
		t.Fatalf("index.html loads %d assets, want the app's JS and CSS: %s", len(refs), b.Files["index.html"].Body)
	}
	loaded := map[string]bool{}
	hashed := regexp.MustCompile(`^assets/app-[0-9a-f]{12}\.(js|css)$`)
	for _, r := range refs {
		if !hashed.MatchString(r[1]) {
			t.Errorf("index.html loads %q, want a hashed name under assets/", r[1])
		}
		if _, ok := b.Files[r[1]]; !ok {
			t.Errorf("index.html loads %q, which is not embedded", r[1])
		}
		loaded[r[1]] = true
	}
	for name, file := range b.Manifest {
		if !loaded[file] {
			t.Errorf("manifest's %s (%s) is not loaded by index.html", name, file)
		}
	}
	// A stale hashed file means the build did not clean up after itself.
	for file := range b.Files {
		if strings.HasPrefix(file, "assets/") && !loaded[file] {
			t.Errorf("%s is embedded but index.html does not load it", file)
		}
	}
	// No inline script or style: the CSP allows only 'self'.
	if bytes.Contains(b.Files["index.html"].Body, []byte("<style")) || regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).Match(b.Files["index.html"].Body) {
		t.Error("index.html has inline script or style, which its CSP blocks")
	}
}

func newAppServer(t *testing.T, baseURL string) *fiber.App {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: web.ErrorHandler})
	app.Use(web.Middleware(zerolog.Nop()))
	// Routes the app must not shadow, registered as serve.go does.
	for _, p := range []string{"/api/v1/me", "/ws/agent", "/widget.js", "/widget/frame", "/files/:id/:sig/:name", "/demo", "/healthz", "/readyz", "/metrics"} {
		app.Get(p, func(c *fiber.Ctx) error { return c.SendString("other:" + c.Path()) })
	}
	mountApp(app, baseURL)
	return app
}

func TestClientRoutesServeIndex(t *testing.T) {
	app := newAppServer(t, "https://chat.example.com")
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/login", "/signup", "/reset?token=abc", "/invite?token=abc", "/inbox", "/conversations", "/conversations/42",
		"/tickets", "/tickets/7", "/tickets/", "/settings", "/settings/sites/3", "/settings/sites/3/builder", "/settings/team", "/reports", "/reports?from=2026-01-01",
		"/support", "/support/4", "/workspaces"} {
		resp, body := hubtest.Get(t, app, path)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, b.Files["index.html"].Body) {
			t.Errorf("%s: status %d, body is index.html: %v", path, resp.StatusCode, bytes.Equal(body, b.Files["index.html"].Body))
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https:",
			"connect-src 'self' wss://chat.example.com;", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		for h, want := range map[string]string{
			"Cache-Control":          "no-cache",
			"Content-Type":           "text/html; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
	}
}

func TestPlainHTTPBaseURLAllowsWS(t *testing.T) {
	if csp := pageCSP("http://127.0.0.1:8080"); !strings.Contains(csp, "connect-src 'self' ws://127.0.0.1:8080;") {
		t.Errorf("CSP %q does not allow the hub's ws origin", csp)
	}
}

func TestAppShadowsNoOtherRoute(t *testing.T) {
	app := newAppServer(t, "https://chat.example.com")
	for _, path := range []string{"/api/v1/me", "/ws/agent", "/widget.js", "/widget/frame", "/files/1/sig/a.txt", "/demo", "/healthz", "/readyz", "/metrics"} {
		resp, body := hubtest.Get(t, app, path)
		if resp.StatusCode != http.StatusOK || string(body) != "other:"+path {
			t.Errorf("%s: status %d, body %.40q: the app shadows it", path, resp.StatusCode, body)
		}
	}
	// Paths that are neither the app's nor anyone's stay 404, and so do
	// lookalikes of client routes.
	for _, path := range []string{"/nope", "/api/v1/nope", "/ticketsx", "/assets/app-000000000000.js", "/assets/..%2fmanifest.json", "/assets/manifest.json"} {
		if resp, _ := hubtest.Get(t, app, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestAssetHeaders(t *testing.T) {
	app := newAppServer(t, "https://chat.example.com")
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, contentType string }{{"app.js", "application/javascript; charset=utf-8"}, {"app.css", "text/css; charset=utf-8"}} {
		file := b.Manifest[tt.name]
		t.Run(tt.name, func(t *testing.T) {
			resp, body := hubtest.Get(t, app, "/"+file)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for h, want := range map[string]string{
				"Content-Type":           tt.contentType,
				"Cache-Control":          "public, max-age=31536000, immutable",
				"X-Content-Type-Options": "nosniff",
			} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if !bytes.Equal(body, b.Files[file].Body) {
				t.Errorf("body is not the embedded %s", file)
			}
			resp, body = hubtest.Get(t, app, "/"+file, "Accept-Encoding", "gzip")
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
			if !bytes.Equal(plain, b.Files[file].Body) {
				t.Errorf("gzipped body is not the embedded %s", file)
			}
			if resp, _ := hubtest.Get(t, app, "/"+file, "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
			}
		})
	}
}
