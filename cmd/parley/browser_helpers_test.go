package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/widget"
)

// browserWait bounds every wait for the page or the chat frame.
const browserWait = hubtest.Wait

// chromiumPath returns Debian's Chromium. Without it the browser tests are
// skipped on a developer's machine and fail under CI, which installs it
// (.ci/run).
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{os.Getenv("PARLEY_TEST_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("chromium is not installed: CI needs it for the browser tests (apt-get install chromium)")
	}
	tb.Skip("chromium is not installed (apt-get install chromium, or set PARLEY_TEST_CHROMIUM); skipping the browser tests")
	return ""
}

// newBrowser starts a headless Chromium for the test and returns the context
// of its first tab. Site isolation is off so that the chat iframe, which is
// cross-site, stays in the page's process: its execution context and the
// page's network emulation then reach it.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(tb)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process,SitePerProcess"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, with no deadline: a deadline on the first run
	// would end the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// startBrowserNode starts a node behind a dropProxy: the node's
// PARLEY_BASE_URL is the proxy's address, so the browser reaches the hub,
// its websocket included, through the proxy only. n.Origin is the proxy's
// URL, n.URL the node's own.
func startBrowserNode(tb testing.TB, env ...string) (*testNode, *dropProxy) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	px := &dropProxy{tb: tb, l: l, conns: map[net.Conn]struct{}{}}
	tb.Cleanup(px.close)
	n := startNode(tb, append([]string{"PARLEY_BASE_URL=http://" + l.Addr().String()}, env...)...)
	px.target = strings.TrimPrefix(n.URL, "http://")
	go px.serve()
	return n, px
}

// dropProxy forwards TCP connections to the node; down cuts them all and
// refuses new ones, as a lost network does.
type dropProxy struct {
	tb     testing.TB
	l      net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func (px *dropProxy) serve() {
	for {
		c, err := px.l.Accept()
		if err != nil {
			return
		}
		go px.forward(c)
	}
}

func (px *dropProxy) track(c net.Conn) bool {
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.down {
		c.Close()
		return false
	}
	px.conns[c] = struct{}{}
	return true
}

func (px *dropProxy) forward(c net.Conn) {
	if !px.track(c) {
		return
	}
	u, err := net.Dial("tcp", px.target)
	if err != nil {
		c.Close()
		return
	}
	if !px.track(u) {
		c.Close()
		return
	}
	var wg sync.WaitGroup
	for _, pair := range [][2]net.Conn{{u, c}, {c, u}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(pair[0], pair[1])
			pair[0].Close()
			pair[1].Close()
		}()
	}
	wg.Wait()
	px.mu.Lock()
	delete(px.conns, c)
	delete(px.conns, u)
	px.mu.Unlock()
}

// setDown cuts every connection and refuses new ones (true), or lets them
// through again (false).
func (px *dropProxy) setDown(down bool) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.down = down
	if down {
		for c := range px.conns {
			c.Close()
		}
	}
}

func (px *dropProxy) close() {
	px.l.Close()
	px.setDown(true)
}

// tab is one browser tab on a customer page, with what its console said and
// the execution contexts of the hub's frames in it.
type tab struct {
	tb        testing.TB
	ctx       context.Context
	hubOrigin string

	mu         sync.Mutex
	console    []string
	exceptions []string
	frames     []runtime.ExecutionContextDescription // the hub's, newest last
}

// newTab opens a tab in the browser of ctx (the first tab when first is set)
// and records its console and the chat frames' contexts.
func newTab(tb testing.TB, ctx context.Context, hubOrigin string, first bool) *tab {
	tb.Helper()
	if !first {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(ctx)
		tb.Cleanup(cancel)
	}
	p := &tab{tb: tb, ctx: ctx, hubOrigin: hubOrigin}
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				var s string
				if json.Unmarshal(a.Value, &s) == nil {
					parts = append(parts, s)
				} else if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			p.console = append(p.console, string(ev.Type)+": "+strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			p.exceptions = append(p.exceptions, text+" at "+d.URL)
		case *runtime.EventExecutionContextCreated:
			var aux struct {
				IsDefault bool `json:"isDefault"`
			}
			_ = json.Unmarshal(ev.Context.AuxData, &aux)
			if aux.IsDefault && ev.Context.Origin == hubOrigin {
				p.frames = append(p.frames, *ev.Context)
			}
		case *runtime.EventExecutionContextDestroyed:
			p.frames = slices.DeleteFunc(p.frames, func(c runtime.ExecutionContextDescription) bool {
				return c.UniqueID == ev.ExecutionContextUniqueID
			})
		case *runtime.EventExecutionContextsCleared:
			p.frames = nil
		}
	})
	if err != nil {
		tb.Fatalf("listen to the tab: %v", err)
	}
	return p
}

// do runs actions on the page with a deadline.
func (p *tab) do(tb testing.TB, what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fatalf("%s: %v\n%s", what, err, p.report())
	}
}

// report is the console and the exceptions so far, for failure messages.
func (p *tab) report() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "console:\n  " + strings.Join(p.console, "\n  ") + "\nexceptions:\n  " + strings.Join(p.exceptions, "\n  ")
}

func (p *tab) consoleLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.console)
}

// noExceptions fails the test if a script of the tab (the page, or the
// chat frame in it) threw an uncaught exception.
func (p *tab) noExceptions(tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	ex := slices.Clone(p.exceptions)
	p.mu.Unlock()
	if len(ex) > 0 {
		tb.Fatalf("uncaught exceptions in the tab:\n%s", strings.Join(ex, "\n"))
	}
}

// frameContext is the newest live execution context of the chat frame.
func (p *tab) frameContext() (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.frames) == 0 {
		return "", false
	}
	return p.frames[len(p.frames)-1].UniqueID, true
}

// evalPage evaluates expr on the customer page into out.
func (p *tab) evalPage(expr string, out any) error {
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(v, out)
}

// evalFrame evaluates expr inside the chat frame into out.
func (p *tab) evalFrame(expr string, out any) error {
	id, ok := p.frameContext()
	if !ok {
		return fmt.Errorf("no chat frame from %s in the page", p.hubOrigin)
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, func(e *runtime.EvaluateParams) { e.UniqueContextID = id }))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(v, out)
}

// waitFor polls eval(expr) until it yields true, failing after browserWait
// with what and the last value of show.
func (p *tab) waitFor(tb testing.TB, what string, eval func(string, any) error, expr, show string) {
	tb.Helper()
	deadline := time.Now().Add(browserWait)
	var lastErr error
	for time.Now().Before(deadline) {
		var ok bool
		if lastErr = eval(expr, &ok); lastErr == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	var shown any
	if show != "" {
		if err := eval(show, &shown); err != nil {
			shown = err.Error()
		}
	}
	tb.Fatalf("%s: not within %v (last error %v, state %v)\n%s", what, browserWait, lastErr, shown, p.report())
}

// waitPage waits until expr is true on the customer page.
func (p *tab) waitPage(tb testing.TB, what, expr, show string) {
	tb.Helper()
	p.waitFor(tb, what, p.evalPage, expr, show)
}

// waitFrame waits until expr is true in the chat frame.
func (p *tab) waitFrame(tb testing.TB, what, expr, show string) {
	tb.Helper()
	p.waitFor(tb, what, p.evalFrame, expr, show)
}

// customerSnippet is the page of a customer's site: the snippet exactly as
// the /demo page and the dashboard give it to site owners (widget.Snippet).
var customerSnippet = template.Must(template.New("customer").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer site</title>
</head>
<body>
<h1>A customer's page</h1>
{{.Before}}
{{.Snippet}}
{{.After}}
</body>
</html>
`))

// customerSite serves the snippet page on http://localhost:<port>, an
// origin other than the hub's (127.0.0.1), and returns that origin.
func customerSite(tb testing.TB, hubURL, siteKey string) string {
	tb.Helper()
	return customerPage(tb, hubURL, siteKey, func(*http.Request) (before, after template.HTML) { return "", "" })
}

// customerPage is customerSite with the page's own scripts around the
// snippet, chosen per request.
func customerPage(tb testing.TB, hubURL, siteKey string, scripts func(r *http.Request) (before, after template.HTML)) string {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		before, after := scripts(r)
		page := struct{ Before, Snippet, After template.HTML }{before, widget.Snippet(hubURL, siteKey), after}
		if err := customerSnippet.Execute(w, page); err != nil {
			tb.Errorf("customer page: %v", err)
		}
	}))
	tb.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	return "http://localhost:" + port
}

// allowOrigin adds origin to the site's allowed origins, through the
// node's SQLite file next to the running node (which reads sites per
// request).
func allowOrigin(tb testing.TB, dataDir, siteKey, origin string) {
	tb.Helper()
	siteIn(tb, dataDir, siteKey, func(s *hub.Site) { s.AllowedOrigins = append(s.AllowedOrigins, origin) })
}

// shot saves what the tab shows as <test>-<name>.png in the directory
// PARLEY_TEST_SCREENSHOTS names, for people to look at; without it, nothing
// is written (the test still takes the steps).
func (p *tab) shot(tb testing.TB, name string) {
	tb.Helper()
	dir := os.Getenv("PARLEY_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, strings.ReplaceAll(tb.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", path)
}

// demoSetup is a browser node (behind its dropProxy) on a data directory
// of its own with the demo workspace and its owner signed in through the
// API. Tests of what people write turn the assistant off themselves
// (withoutAssistant).
type demoSetup struct {
	n               *testNode
	px              *dropProxy
	dataDir         string
	email, password string
	siteKey, token  string
	auth            http.Header // the owner's bearer token
}

func startDemoBrowser(tb testing.TB, env ...string) demoSetup {
	tb.Helper()
	chromiumPath(tb)
	d := demoSetup{dataDir: tb.TempDir()}
	d.n, d.px = startBrowserNode(tb, append([]string{"PARLEY_DATA_DIR=" + d.dataDir}, env...)...)
	d.email, d.password = demoLogin(tb, d.n)
	d.siteKey = demoSiteKey(tb, d.n)
	d.token = login(tb, d.n, d.email, d.password)
	d.auth = bearer(d.token)
	return d
}

// customerSite serves a customer's page of the demo site (customerSite)
// and adds its origin to the site's allowed origins.
func (d demoSetup) customerSite(tb testing.TB) string {
	tb.Helper()
	page := customerSite(tb, d.n.Origin, d.siteKey)
	allowOrigin(tb, d.dataDir, d.siteKey, page)
	return page
}
