package main

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/sqlite"
)

// siteIn finds a site in the node's SQLite file and, when change is set,
// saves what it changes (the node reads sites per request).
func siteIn(tb testing.TB, dataDir, siteKey string, change func(*hub.Site)) *hub.Site {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "parley.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	site, err := db.FindSiteByKey(ctx, siteKey)
	if err != nil {
		tb.Fatal(err)
	}
	if change == nil {
		return site
	}
	change(site)
	if err := db.UpdateSite(ctx, site); err != nil {
		tb.Fatal(err)
	}
	return site
}

// TestBrowserSDK drives the SDK as a site owner's page would: calls queued
// before the loader arrives are replayed; only Parley is added to window;
// a verified-only site turns away visitors until they identify with a
// valid userHash, and a verified visitor finds their history on another
// device; setLocale switches to Russian; showNewMessage, toggle, Escape
// and the events work; user text renders as text with only safe links;
// navigation is tracked; on a phone the chat fills the screen; shutdown
// removes the widget.
func TestBrowserSDK(t *testing.T) {
	d := startDemoBrowser(t)
	n, dataDir, siteKey, token, auth := d.n, d.dataDir, d.siteKey, d.token, d.auth
	withoutAssistant(t, n, token)
	agent := agentFor(t, n, token)

	var secret string
	page := customerPage(t, n.Origin, siteKey, func(r *http.Request) (template.HTML, template.HTML) {
		before := template.HTML(`<script>window.testBefore = Object.getOwnPropertyNames(window);</script>`)
		if r.URL.Query().Get("as") != "ann" {
			return before, ""
		}
		// Queued before the loader arrives: replayed in order.
		return before, template.HTML(`<script>
window.testEvents = [];
Parley("on", "open", () => testEvents.push("open"));
Parley("on", "close", () => testEvents.push("close"));
Parley("on", "message", m => testEvents.push("message:" + m.body));
Parley("setLocale", "ru");
Parley("identify", {externalId: "u-42", userHash: "` + userHash(secret, "u-42") + `", name: "Ann", email: "ann@shop.test"});
</script>`)
	})
	site := siteIn(t, dataDir, siteKey, func(s *hub.Site) {
		s.AllowedOrigins = append(s.AllowedOrigins, page)
		s.VerifiedOnly = true
	})
	secret = site.IdentitySecret

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the page of a signed-in user", chromedp.Navigate(page+"/?as=ann"), chromedp.WaitVisible(launcher))
	if lines := p.consoleLines(); len(lines) > 0 {
		t.Fatalf("a correct page got console output: %q", lines)
	}

	// 1. Only Parley is added to window; the queue was replayed (Russian, verified).
	var added []string
	if err := p.evalPage(`Object.getOwnPropertyNames(window).filter(k => !testBefore.includes(k) && !k.startsWith("test"))`, &added); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []string{"Parley"}) {
		t.Fatalf("globals added to the page: %q, want only Parley", added)
	}
	checkAttr(t, p, launcher, "aria-label", "Открыть чат")

	// 2. showNewMessage opens the chat with the text in the composer, in Russian.
	const text = "Хочу вернуть заказ"
	if err := p.evalPage(`Parley("showNewMessage", `+jsString(text)+`), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "chat opens", chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "composer prefilled, in Russian", fmt.Sprintf(`document.querySelector("form.c textarea").value === %q &&
		document.querySelector("form.c textarea").placeholder === "Напишите сообщение…" && document.documentElement.lang === "ru" &&
		document.getElementById("app").dataset.state === "online"`, text), `document.querySelector("form.c").outerHTML`)
	p.waitPage(t, "on('open') fired", `testEvents.includes("open")`, `testEvents`)
	p.do(t, "send it", chromedp.KeyEvent("\r"))
	p.waitFrame(t, "sent", `!!document.querySelector("ol.log > li.out .ss.sent")`, frameLog)
	conv := visitorConversation(t, n, auth)

	// 3. An agent's reply with markup and links: text stays text, only
	// http(s) and mailto become links; on('message') fires.
	const reply = `<img src=x onerror="parent.testPwned=1"> See https://shop.test/help?a=1 or mail help@shop.test via mailto:help@shop.test, not javascript:alert(1)`
	agentSend(t, agent, conv, "a1", reply)
	p.waitFrame(t, "reply shown as text", `(() => {
		const li = document.querySelector("ol.log > li.in.agent");
		if (!li || li.querySelector(".body").textContent !== `+jsString(reply)+`) return false;
		const hrefs = Array.from(li.querySelectorAll("a"), a => a.getAttribute("href") + " " + a.target + " " + a.rel);
		return !li.querySelector("img:not(.av)") && hrefs.length === 2 &&
			hrefs[0] === "https://shop.test/help?a=1 _blank noopener noreferrer" && hrefs[1].startsWith("mailto:help@shop.test ");
	})()`, `document.querySelector("ol.log > li.in.agent").outerHTML`)
	p.waitPage(t, "on('message') fired", `testEvents.includes("message:" + `+jsString(reply)+`) && window.testPwned === undefined`, `testEvents`)

	// 4. Escape closes the chat and gives focus back to the launcher; toggle
	// opens and closes it.
	p.waitFrame(t, "focus in the composer", `document.querySelector("form.c textarea").focus(), document.activeElement.tagName === "TEXTAREA"`, `document.activeElement.outerHTML`)
	p.do(t, "press Escape", chromedp.KeyEvent("\x1b"))
	p.do(t, "chat closed", chromedp.WaitNotVisible(chatFrame))
	p.waitPage(t, "on('close') fired, focus on the launcher", `testEvents.at(-1) === "close" && document.activeElement.tagName === "PARLEY-WIDGET"`,
		`[testEvents, document.activeElement.outerHTML]`)
	checkAttr(t, p, launcher, "aria-expanded", "false")
	if err := p.evalPage(`Parley("toggle"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "toggle opens", chromedp.WaitVisible(chatFrame))
	if err := p.evalPage(`Parley("toggle"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "toggle closes", chromedp.WaitNotVisible(chatFrame))

	// 5. A single-page app's navigation is tracked.
	if err := p.evalPage(`document.title = "Pricing", history.pushState({}, "", "/pricing?plan=pro"), true`, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the server knows the new page", func() (bool, any) {
		v := visitorOf(t, dataDir, site.ID, "u-42")
		return strings.HasSuffix(v.CurrentPage, "/pricing?plan=pro"), v.CurrentPage
	})

	// 6. On a phone the chat fills the screen.
	p.do(t, "phone screen", chromedp.EmulateViewport(390, 700), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	box, err := chromedp.Run(ctx, chromedp.Dimensions(chatFrame))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if box.Width != 390 || box.Height != 700 {
		t.Fatalf("chat on a 390×700 screen is %d×%d, want the whole screen", box.Width, box.Height)
	}

	// 7. Another device, not signed in: the verified-only site shows nothing
	// and says why; a wrong userHash is refused; the right one shows the
	// visitor's history.
	q := newTab(t, newBrowser(t), n.Origin, true)
	q.do(t, "load the page anonymously", chromedp.Navigate(page+"/"))
	waitUntil(t, "verified-only warning", func() (bool, any) {
		lines := q.consoleLines()
		return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "verified visitors only") }), lines
	})
	if err := q.evalPage(`Parley("identify", {externalId: "u-42", userHash: "00"}), true`, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a wrong userHash is refused", func() (bool, any) {
		lines := q.consoleLines()
		return slices.ContainsFunc(lines, func(l string) bool {
			return strings.Contains(l, "the chat cannot start (forbidden): userHash does not match")
		}), lines
	})
	var none bool
	if err := q.evalPage(`document.querySelector("parley-widget") === null`, &none); err != nil || !none {
		t.Fatalf("an unverified visitor got the widget on a verified-only site (%v)", err)
	}
	if err := q.evalPage(`Parley("identify", {externalId: "u-42", userHash: `+jsString(userHash(secret, "u-42"))+`}), true`, nil); err != nil {
		t.Fatal(err)
	}
	q.do(t, "launcher appears once verified", chromedp.WaitVisible(launcher), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	q.waitFrame(t, "history on the other device", `document.querySelectorAll("ol.log > li").length === 2`, frameLog)
	var bodies []string
	if err := q.evalFrame(frameBodies, &bodies); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bodies, []string{text, reply}) {
		t.Fatalf("other device shows %q, want %q", bodies, []string{text, reply})
	}

	// 8. shutdown removes the widget.
	if err := p.evalPage(`Parley("shutdown"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitPage(t, "widget removed", `document.querySelector("parley-widget") === null && typeof Parley === "function"`, `document.body.innerHTML`)

	for _, tb := range []*tab{p, q} {
		tb.noExceptions(t)
	}
}

// checkAttr checks an attribute of the element sel finds.
func checkAttr(tb testing.TB, p *tab, sel chromedp.Search, name, want string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	attrs, err := chromedp.Run(ctx, chromedp.Attributes(sel))
	if err != nil {
		tb.Fatal(err)
	}
	if got := attrs[name]; got != want {
		tb.Fatalf("%s = %q, want %q", name, got, want)
	}
}

func visitorOf(tb testing.TB, dataDir string, siteID int64, externalID string) *hub.Visitor {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "parley.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	v, err := db.FindVisitorByExternalID(ctx, siteID, externalID)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
