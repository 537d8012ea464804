package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// waitConsole waits for a console line of the tab that holds every one of
// parts, and returns it.
func waitConsole(tb testing.TB, p *tab, what string, parts ...string) string {
	tb.Helper()
	var found string
	waitUntil(tb, what, func() (bool, any) {
		lines := p.consoleLines()
		i := slices.IndexFunc(lines, func(l string) bool {
			for _, part := range parts {
				if !strings.Contains(l, part) {
					return false
				}
			}
			return true
		})
		if i >= 0 {
			found = lines[i]
		}
		return i >= 0, lines
	})
	return found
}

// customerGated loads the customer page and checks that the chat stays
// off with reason, its console line naming the fix.
func customerGated(tb testing.TB, p *tab, page, reason string, fix ...string) {
	tb.Helper()
	p.do(tb, "load the customer page ("+reason+")", chromedp.Navigate(page+"/"))
	waitConsole(tb, p, reason+" in the console", append([]string{"warning: [parley] the chat is off (" + reason + "): "}, fix...)...)
	var none bool
	if err := p.evalPage(`document.querySelector("parley-widget") === null && document.querySelector("iframe") === null`, &none); err != nil || !none {
		tb.Fatalf("%s: the page shows widget elements (%v)", reason, err)
	}
}

// TestBrowserGates reaches each of 004's four reasons on a real customer
// page, through the product: the owner pauses, removes, creates and
// publishes the widget in the Builder (Settings → Sites → Demo site →
// Builder), platform staff set the workspace's plan on the Workspaces page
// and the owner's Builder shows the widget locked at once, and a page on
// an origin the site does not allow is told to complete the mapping. Each
// time the page's console names the reason and the place of its fix.
func TestBrowserGates(t *testing.T) {
	d := startDemoBrowser(t)
	n, dataDir, email, password, siteKey, owner := d.n, d.dataDir, d.email, d.password, d.siteKey, d.auth
	page := d.customerSite(t)
	siteID := demoSiteID(t, n, owner)
	demo := workspaceOf(t, n, owner)
	inboxUser(t, n, []string{"PARLEY_DATA_DIR=" + dataDir}, "sam@parley.test", "-staff", "-name", "Sam Staff")

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "the chat is live", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))

	o := newAgentTab(t, n, "owner")
	o.loginUI(t, n, email, password)
	builder := fmt.Sprintf("%s/settings/sites/%d/builder", n.Origin, siteID)
	o.do(t, "open the Builder", chromedp.Navigate(builder))
	state := func(want string) {
		t.Helper()
		o.wait(t, "widget "+want, fmt.Sprintf(`document.querySelector('[data-testid="widget-state"]')?.dataset.state === %q`, want),
			`document.querySelector('[data-testid="builder"]')?.innerText`)
	}
	state("live")
	o.wait(t, "the Builder tab is on", `document.querySelector('[data-testid="site-tab-builder"]').classList.contains("on")`, `location.href`)
	o.shot(t, "builder-live")

	// WIDGET_PAUSED: Pause in the Builder.
	o.click(t, tid("widget-pause"))
	state("paused")
	o.shot(t, "builder-paused")
	customerGated(t, p, page, "WIDGET_PAUSED", "The widget is paused: click Publish in Settings → Sites → Demo site → Builder.")

	// WIDGET_DISABLED: Remove widget.
	o.js(t, `window.confirm = () => true`)
	o.click(t, tid("widget-remove"))
	state("none")
	o.shot(t, "builder-none")
	customerGated(t, p, page, "WIDGET_DISABLED", "No widget exists for this site: create one in Settings → Sites → Demo site → Builder.")

	// Create (a paused draft), then Publish: the chat is back.
	o.click(t, tid("widget-create"))
	state("paused")
	o.click(t, tid("widget-publish"))
	state("live")
	p.do(t, "the chat is back", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))

	// FEATURE_LOCKED: staff put the workspace on Standard; the owner's
	// Builder shows the widget locked at once, without a reload.
	s := newAgentTab(t, n, "staff")
	s.loginUI(t, n, "sam@parley.test", inboxPassword)
	s.do(t, "open Workspaces", chromedp.Navigate(n.Origin+"/workspaces"))
	planSelect := fmt.Sprintf(`[data-testid="plan-row"][data-id="%d"] select`, demo.ID)
	s.wait(t, "the demo workspace on Pro", fmt.Sprintf(`document.querySelector(%q)?.value === "pro"`, planSelect), `document.body.innerText.slice(0, 500)`)
	s.setField(t, planSelect, "standard")
	s.wait(t, "plan saved", `document.querySelector('[data-testid="plan-saved"]')?.textContent.includes("Standard")`, `document.body.innerText.slice(0, 500)`)
	s.shot(t, "workspaces-plans")
	o.wait(t, "the Builder shows the widget locked", `!!document.querySelector('[data-testid="locked-widget"]') &&
		document.querySelector('[data-testid="widget-state"]').dataset.locked === "1"`, `document.querySelector('[data-testid="builder"]')?.innerText`)
	var lockedText string
	if err := o.evalPage(`document.querySelector('[data-testid="locked-widget"]').innerText`, &lockedText); err != nil ||
		!strings.Contains(lockedText, "Your plan (Standard) does not include the chat widget") || !strings.Contains(lockedText, "Support") {
		t.Fatalf("locked text %q (%v)", lockedText, err)
	}
	o.shot(t, "builder-locked")
	o.do(t, "open the list of sites", chromedp.Navigate(n.Origin+"/settings/sites"))
	o.wait(t, "the site is locked in the list", `document.querySelector('[data-testid="widget-badge"]')?.dataset.state === "locked"`,
		`document.body.innerText.slice(0, 500)`)
	o.shot(t, "sites-locked")
	customerGated(t, p, page, "FEATURE_LOCKED", "(Standard) does not include the chat widget", "Pro or Enterprise", "upgrade the plan")

	// Free has no tickets either: the owner's Tickets page says so.
	s.setField(t, planSelect, "free")
	s.wait(t, "free saved", `document.querySelector('[data-testid="plan-saved"]')?.textContent.includes("Free")`, `document.body.innerText.slice(0, 500)`)
	o.do(t, "open Tickets", chromedp.Navigate(n.Origin+"/tickets"))
	o.wait(t, "tickets locked", `document.querySelector('[data-testid="locked-tickets"]')?.innerText.includes("Your plan (Free) does not include tickets")`,
		`document.body.innerText.slice(0, 500)`)
	o.shot(t, "tickets-locked")
	// Back on Pro the lock goes, live.
	s.setField(t, planSelect, "pro")
	o.wait(t, "tickets unlocked", `!document.querySelector('[data-testid="locked-tickets"]')`, `document.body.innerText.slice(0, 500)`)

	// SITE_NOT_MAPPED: a page on an origin the site does not allow.
	other := customerSite(t, n.Origin, siteKey)
	customerGated(t, p, other, "SITE_NOT_MAPPED", "Complete mapping in Settings → Sites → Demo site: add this page's origin ("+other+")")

	for _, a := range []*agentTab{o, s} {
		a.checkClean(t)
	}
	p.noExceptions(t)
}

// TestBrowserPauseWhileChatting: a visitor is chatting when the owner
// pauses the widget: the open chat shows that it is paused (not failing
// sends, not spinning) and keeps what the visitor was typing; published
// again, "Try again" brings the chat back and the kept text goes out.
func TestBrowserPauseWhileChatting(t *testing.T) {
	d := startDemoBrowser(t)
	n, owner := d.n, d.auth
	page := d.customerSite(t)
	withoutAssistant(t, n, d.token)
	siteURL := fmt.Sprintf("%s/api/v1/sites/%d", n.URL, demoSiteID(t, n, owner))

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "open the chat", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat online", frameOnline, frameState)
	p.waitFrame(t, "composer focused", `document.activeElement === document.querySelector("form.c textarea")`, `document.activeElement.outerHTML`)
	p.do(t, "send a message", chromedp.KeyEvent("Hello before the pause"), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "sent", `!!document.querySelector("ol.log > li.out .ss.sent")`, frameLog)
	const kept = "A question I am still typing"
	p.do(t, "type without sending", chromedp.KeyEvent(kept))

	if st := do(t, "PATCH", siteURL, owner, map[string]any{"paused": true}, nil); st != 200 {
		t.Fatalf("pause: %d", st)
	}
	p.waitFrame(t, "the chat shows it is paused", `document.getElementById("app").dataset.state === "closed" &&
		document.querySelector("p.st").textContent === "Paused" &&
		!document.querySelector(".off").hidden && document.querySelector(".off p").textContent.startsWith("The chat is paused right now.") &&
		document.querySelector("form.c").hidden`, frameState+` + " / " + document.querySelector(".off").outerHTML`)
	var typed string
	// (chromedp's Enter above also types a line break after the send.)
	if err := p.evalFrame(`document.querySelector("form.c textarea").value.trim()`, &typed); err != nil || typed != kept {
		t.Fatalf("the text being typed is %q (%v), want it kept", typed, err)
	}
	p.shot(t, "widget-paused")

	if st := do(t, "PATCH", siteURL, owner, map[string]any{"paused": false}, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	if err := p.evalFrame(`document.querySelector(".off button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "the chat is back", frameOnline+` && document.querySelector(".off").hidden && !document.querySelector("form.c").hidden &&
		document.querySelector("form.c textarea").value.trim() === `+jsString(kept), frameState)
	if err := p.evalFrame(`(() => { const ta = document.querySelector("form.c textarea"); ta.focus(); return true; })()`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "send it", chromedp.KeyEvent("\r"))
	p.waitFrame(t, "the kept text is sent", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.out")).some(li =>
		li.querySelector(".body").textContent === %q && li.querySelector(".ss.sent"))`, kept), frameLog)
	p.shot(t, "widget-back")
	p.noExceptions(t)
}
