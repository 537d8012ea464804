package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The chat frame's DOM, read inside the frame.
const (
	frameOnline = `document.getElementById("app").dataset.state === "online"`
	frameState  = `document.getElementById("app").dataset.state + " / " + document.querySelector("p.st").textContent`
	// frameLog is the thread as [class, body, send state] per message.
	frameLog = `Array.from(document.querySelectorAll("ol.log > li"), li => [li.className,
		(li.querySelector(".body") || {}).textContent || "", (li.querySelector(".ss") || {}).className || ""])`
	frameBodies = `Array.from(document.querySelectorAll("ol.log > li .body"), b => b.textContent)`
)

// The launcher, in the loader's closed shadow root: DOM.performSearch
// (chromedp.Search) reaches into it.
var (
	launcher    = chromedp.Search("button.l")
	launchBadge = chromedp.Search("button.l > span.b")
	chatFrame   = chromedp.Search(`iframe.p[title="Chat"]`)
)

// TestBrowserWidget drives the widget in Chromium on a customer page whose
// origin differs from the hub's: the snippet loads, the visitor and an
// agent chat live, the badge counts unread messages while the chat is
// closed, a reload keeps the history, and a network drop loses or doubles
// nothing.
func TestBrowserWidget(t *testing.T) {
	d := startDemoBrowser(t)
	n, px, token := d.n, d.px, d.token
	page := d.customerSite(t)
	withoutAssistant(t, n, token)
	agent := agentFor(t, n, token)
	auth := bearer(token)

	p := newTab(t, newBrowser(t), n.Origin, true)

	// 1. The snippet loads, the launcher appears; opening shows the chat.
	p.do(t, "load the customer page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))
	if err := p.evalPage(`window.unreadSeen = []; Parley("on", "unread", n => window.unreadSeen.push(n)); true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "open the chat", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	checkLauncher(t, p, "true", "")
	p.waitFrame(t, "chat frame online", frameOnline, frameState)

	// 2. The visitor types and sends; the agent gets it and replies live.
	const hello = "Hello from the browser"
	p.waitFrame(t, "composer focused on open", `document.activeElement === document.querySelector("form.c textarea")`, `document.activeElement.outerHTML`)
	p.do(t, "type a message", chromedp.KeyEvent(hello), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "own message sent", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.out")).some(li =>
		li.querySelector(".body").textContent === %q && li.querySelector(".ss.sent"))`, hello), frameLog)
	conv := visitorConversation(t, n, auth)
	sub := decode[struct {
		Messages []wireMessage `json:"messages"`
	}](t, agent.call("subscribe", "subscribed", map[string]any{"conversation_id": conv, "after_seq": 0}))
	if len(sub.Messages) != 1 || sub.Messages[0].Body != hello || sub.Messages[0].AuthorKind != "visitor" {
		t.Fatalf("agent got %+v, want the visitor's %q", sub.Messages, hello)
	}
	const reply = "Hi, Ann from support here"
	agentSend(t, agent, conv, "a1", reply)
	p.waitFrame(t, "agent reply shown live", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.in.agent .body")).some(b => b.textContent === %q)`, reply), frameLog)

	// 3. Closed, the launcher counts the agent's messages; opening reads them.
	if err := p.evalPage(`Parley("close"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "close the chat", chromedp.WaitNotVisible(chatFrame))
	agentSend(t, agent, conv, "a2", "First while closed")
	agentSend(t, agent, conv, "a3", "Second while closed")
	p.waitPage(t, "on('unread') reports 2", `window.unreadSeen.at(-1) === 2`, `window.unreadSeen`)
	p.do(t, "badge shows", chromedp.WaitVisible(launchBadge))
	checkLauncher(t, p, "false", "2")
	if got := visitorUnread(t, n, auth, conv); got != 2 {
		t.Fatalf("server's unread for the visitor = %d, want 2", got)
	}
	p.do(t, "open again", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitPage(t, "on('unread') reports 0", `window.unreadSeen.at(-1) === 0`, `window.unreadSeen`)
	p.do(t, "badge hides", chromedp.WaitNotVisible(launchBadge))
	checkLauncher(t, p, "true", "")
	waitUntil(t, "server's unread for the visitor returns to 0", func() (bool, any) {
		u := visitorUnread(t, n, auth, conv)
		return u == 0, u
	})

	// 4. A reload keeps the history, in order.
	want := []string{hello, reply, "First while closed", "Second while closed"}
	p.do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(launcher))
	p.waitFrame(t, "history after reload", fmt.Sprintf(`JSON.stringify(%s) === %q`, frameBodies, mustJSON(t, want)), frameLog)
	checkServer(t, n, auth, conv, want)

	// 5. The network drops: messages written meanwhile wait, then reach the
	// server once each, in order; the agent's message from meanwhile shows once.
	p.do(t, "open after reload", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat frame online after reload", frameOnline, frameState)
	setOffline(t, p, px, true)
	p.waitFrame(t, "frame notices the drop", `document.getElementById("app").dataset.state === "reconnecting"`, frameState)
	p.waitFrame(t, "composer focused", `document.querySelector("form.c textarea").focus(), document.activeElement === document.querySelector("form.c textarea")`, `document.activeElement.outerHTML`)
	p.do(t, "type while offline", chromedp.KeyEvent("Offline one"), chromedp.KeyEvent("\r"), chromedp.KeyEvent("Offline two"), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "offline messages shown as queued", `Array.from(document.querySelectorAll("ol.log > li.out .ss.queued")).length === 2 &&
		document.querySelector("p.st").textContent !== ""`, frameLog)
	const during = "Sent while you were offline"
	agentSend(t, agent, conv, "a4", during)
	setOffline(t, p, px, false)
	p.waitFrame(t, "back online", frameOnline, frameState)
	want = append(want, during, "Offline one", "Offline two")
	p.waitFrame(t, "offline messages sent", `Array.from(document.querySelectorAll("ol.log > li.out .ss")).every(s => s.classList.contains("sent")) &&
		document.querySelectorAll("ol.log > li").length === 7`, frameLog)
	var shown []string
	if err := p.evalFrame(frameBodies, &shown); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shown, want) {
		t.Fatalf("frame shows %q, want %q", shown, want)
	}
	checkServer(t, n, auth, conv, want)

	p.noExceptions(t)
}

// TestBrowserDisallowedOrigin: a page whose origin the site does not allow
// gets no launcher and no frame, and the console says why and how to fix it.
func TestBrowserDisallowedOrigin(t *testing.T) {
	chromiumPath(t)
	n, _ := startBrowserNode(t)
	siteKey := demoSiteKey(t, n)
	page := customerSite(t, n.Origin, siteKey)
	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the page", chromedp.Navigate(page+"/"))
	p.waitPage(t, "the loader ran", `typeof window.Parley === "function" && window.Parley.loaded === 1`, `String(window.Parley)`)
	waitUntil(t, "SITE_NOT_MAPPED warning", func() (bool, any) {
		lines := p.consoleLines()
		return slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "warning: [parley]") && strings.Contains(l, "SITE_NOT_MAPPED") && strings.Contains(l, page)
		}), lines
	})
	var none bool
	if err := p.evalPage(`document.querySelector("parley-widget") === null && document.querySelector("iframe") === null`, &none); err != nil || !none {
		t.Fatalf("a disallowed origin got widget elements (%v)", err)
	}
	p.noExceptions(t)
}

// checkLauncher checks the launcher's aria-expanded and its unread count
// in the aria-label and the badge ("" for none).
func checkLauncher(tb testing.TB, p *tab, expanded, unread string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	attrs, err := chromedp.Run(ctx, chromedp.Attributes(launcher))
	if err != nil {
		tb.Fatal(err)
	}
	badge, err := chromedp.Run(ctx, chromedp.TextContent(launchBadge))
	if err != nil {
		tb.Fatal(err)
	}
	label := attrs["aria-label"]
	if attrs["aria-expanded"] != expanded || (unread != "") != strings.Contains(label, "unread") ||
		(unread != "" && (!strings.Contains(label, unread+" unread") || badge != unread)) {
		tb.Fatalf("launcher: aria-expanded %q, aria-label %q, badge %q; want expanded %s, unread %q", attrs["aria-expanded"], label, badge, expanded, unread)
	}
}

// setOffline cuts the browser's connections to the hub (the chat frame's
// websocket included) or gives them back. Chromium's offline emulation
// leaves an open websocket alone, so the proxy does the cutting; the
// emulation tells the page (navigator.onLine, the online event).
func setOffline(tb testing.TB, p *tab, px *dropProxy, offline bool) {
	tb.Helper()
	px.setDown(offline)
	p.do(tb, fmt.Sprintf("set offline %v", offline), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		conds := []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// agentSend sends body as the agent and waits for the ack.
func agentSend(tb testing.TB, agent *client, conv int64, clientID, body string) {
	tb.Helper()
	agent.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": clientID, "body": body})
}

// visitorConversation waits for the workspace's only conversation.
func visitorConversation(tb testing.TB, n *testNode, auth http.Header) int64 {
	tb.Helper()
	var id int64
	waitUntil(tb, "the visitor's conversation", func() (bool, any) {
		convs := conversationsOf(tb, n, auth)
		if len(convs) == 1 {
			id = convs[0].ID
		}
		return id != 0, convs
	})
	return id
}

// visitorUnread is the server's unread count for the visitor.
func visitorUnread(tb testing.TB, n *testNode, auth http.Header, conv int64) int {
	tb.Helper()
	var c struct {
		UnreadByVisitor int `json:"unread_by_visitor"`
	}
	if st := do(tb, "GET", fmt.Sprintf("%s/api/v1/conversations/%d", n.URL, conv), auth, nil, &c); st != 200 {
		tb.Fatalf("get conversation %d: status %d", conv, st)
	}
	return c.UnreadByVisitor
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
