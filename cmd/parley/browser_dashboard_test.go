package main

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// agentTab is a dashboard tab of one agent, in a browser of its own (its
// own cookies).
type agentTab struct {
	*tab
	name string
}

// newAgentTab opens a browser whose pages record the CSP violations they
// meet in window.cspViolations, from their first script on.
func newAgentTab(tb testing.TB, n *testNode, name string) *agentTab {
	tb.Helper()
	a := &agentTab{tab: newTab(tb, newBrowser(tb), n.Origin, true), name: name}
	a.do(tb, name+": record CSP violations", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.cspViolations = [];
			document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`})
		return err
	}))
	return a
}

// checkClean fails the test on uncaught exceptions or CSP violations.
func (a *agentTab) checkClean(tb testing.TB) {
	tb.Helper()
	a.noExceptions(tb)
	var violations []string
	if err := a.evalPage(`window.cspViolations`, &violations); err != nil || len(violations) > 0 {
		tb.Fatalf("%s: CSP violations %q (%v)", a.name, violations, err)
	}
}

// js evaluates expr on the dashboard page, failing the test on an error.
func (a *agentTab) js(tb testing.TB, expr string) {
	tb.Helper()
	if err := a.evalPage(expr, nil); err != nil {
		tb.Fatalf("%s: %s: %v\n%s", a.name, expr, err, a.report())
	}
}

// wait waits until expr holds on the page, showing show on failure.
func (a *agentTab) wait(tb testing.TB, what, expr, show string) {
	tb.Helper()
	a.waitPage(tb, a.name+": "+what, expr, show)
}

// tid is the selector of a data-testid.
func tid(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }

// setField gives a form field a value the way typing does (an input
// event, then change for selects).
func (a *agentTab) setField(tb testing.TB, selector, value string) {
	tb.Helper()
	a.wait(tb, "enabled "+selector, fmt.Sprintf(`((el) => !!el && !el.disabled)(document.querySelector(%q))`, selector), `document.body.innerText.slice(0, 300)`)
	a.js(tb, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) throw new Error("no " + %q);
		el.focus();
		el.value = %q;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, selector, selector, value))
}

// click waits for an enabled element and clicks it, in the same
// evaluation that finds it: a list read again between a separate wait and
// click would leave the click nothing to find.
func (a *agentTab) click(tb testing.TB, selector string) {
	tb.Helper()
	a.wait(tb, "click "+selector, fmt.Sprintf(`((el) => !!el && !el.disabled && (el.click(), true))(document.querySelector(%q))`, selector), `document.body.innerText.slice(0, 300)`)
}

// loginUI signs in through the login form and waits for the tickets view
// and the live connection.
func (a *agentTab) loginUI(tb testing.TB, n *testNode, email, password string) {
	tb.Helper()
	a.do(tb, a.name+": open the dashboard", chromedp.Navigate(n.Origin+"/"), chromedp.WaitVisible(tid("login-email")))
	a.wait(tb, "redirected to /login", `location.pathname === "/login"`, `location.href`)
	a.setField(tb, tid("login-email"), email)
	a.setField(tb, tid("login-password"), password)
	a.click(tb, tid("login-submit"))
	a.wait(tb, "signed in", `location.pathname === "/tickets" && !!document.querySelector('[data-testid="ticket-list"]')`,
		`location.href + " " + document.body.innerText.slice(0, 300)`)
}

// emailedLink waits for an email to rcpt and returns its link that starts
// with prefix.
func emailedLink(tb testing.TB, mb *mailbox, rcpt, prefix string) string {
	tb.Helper()
	var link string
	waitUntil(tb, "email to "+rcpt, func() (bool, any) {
		for _, m := range mb.to(rcpt) {
			var body io.Reader = m.Body
			if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
				body = quotedprintable.NewReader(body)
			}
			text, err := io.ReadAll(body)
			if err != nil {
				tb.Fatal(err)
			}
			if l := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[A-Za-z0-9_-]+`).Find(text); l != nil {
				link = string(l)
			}
		}
		return link != "", len(mb.to(rcpt))
	})
	return link
}

// rowUnread is the unread badge of the ticket's row ("" for none).
func rowUnread(ticket int64) string {
	return fmt.Sprintf(`((r) => r ? ((r.querySelector('[data-testid="unread"]') || {}).textContent || "") : "no row")(document.querySelector('[data-testid="ticket-row"][data-id="%d"]'))`, ticket)
}

// bodies is the timeline's message bodies in order, without system messages.
const bodies = `Array.from(document.querySelectorAll('[data-testid="message"]:not([data-kind="system"]) [data-testid="message-body"]'), b => b.textContent)`

// TestBrowserDashboard drives the dashboard in two browsers, one per
// agent, with a visitor on a websocket: sign-in through the UI, an invite
// sent from the team settings and accepted from its email, a new
// ticket appearing live in both lists, replies, status and assignment
// changes crossing from one agent to the other without a reload, who is
// viewing, unread badges rising for both and clearing only for the one who
// reads, the tab title, a keyboard shortcut, the help overlay, the
// Russian UI, and the connection banner across a network drop.
func TestBrowserDashboard(t *testing.T) {
	mb := startMailbox(t)
	d := startDemoBrowser(t, "PARLEY_SMTP_URL=smtp://"+mb.addr)
	n, px, ownerEmail, ownerPassword, siteKey, token, auth := d.n, d.px, d.email, d.password, d.siteKey, d.token, d.auth
	withoutAssistant(t, n, token)
	var ownerMe struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", auth, nil, &ownerMe); st != 200 {
		t.Fatalf("owner's /me: status %d", st)
	}

	// The visitor writes first: the conversation exists, no ticket yet.
	visitor := visitorFor(t, n, siteKey, n.Origin)
	ack := decode[struct {
		Message wireMessage `json:"message"`
	}](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "My parcel never came"}))
	conv := ack.Message.ConversationID

	// 1. The owner signs in through the UI and invites Bob from the team
	// settings; Bob accepts the emailed link in his own browser.
	ann := newAgentTab(t, n, "owner")
	bob := newAgentTab(t, n, "bob")
	ann.loginUI(t, n, ownerEmail, ownerPassword)
	const bobEmail, bobPassword = "bob@demo.test", "bob's long password"
	ann.click(t, tid("nav-settings"))
	ann.click(t, tid("settings-team"))
	ann.setField(t, tid("invite-email"), bobEmail)
	ann.click(t, tid("invite-send"))
	ann.wait(t, "pending invite listed", fmt.Sprintf(`(document.querySelector('[data-testid="invites"]') || {}).textContent?.includes(%q)`, bobEmail),
		`document.querySelector('[data-testid="team"]').parentNode.innerText`)
	link := emailedLink(t, mb, bobEmail, n.Origin+"/invite?token=")
	bob.do(t, "bob: open the invite", chromedp.Navigate(link), chromedp.WaitVisible(`[data-testid="invite"] input[autocomplete="name"]`))
	bob.wait(t, "invite shows the workspace", `document.querySelector('[data-testid="invite"]').textContent.includes("Demo")`, `document.body.innerText`)
	bob.setField(t, `[data-testid="invite"] input[autocomplete="name"]`, "Bob Agent")
	bob.setField(t, `[data-testid="invite"] input[type="password"]`, bobPassword)
	bob.click(t, `[data-testid="invite"] button[type="submit"]`)
	bob.wait(t, "signed in by the invite", `location.pathname === "/tickets" && !!document.querySelector('[data-testid="ticket-list"]')`, `location.href + " " + document.body.innerText.slice(0, 300)`)
	var bobMe struct {
		ID int64 `json:"id"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer(login(t, n, bobEmail, bobPassword)), nil, &bobMe); st != 200 {
		t.Fatalf("bob's /me: status %d", st)
	}
	ann.click(t, tid("nav-tickets"))
	ann.wait(t, "back to tickets", `location.pathname === "/tickets" && !!document.querySelector('[data-testid="ticket-list"]')`, `location.href`)

	// Each sees the other online.
	ann.wait(t, "bob online", fmt.Sprintf(`!!document.querySelector('[data-testid="presence-member"][data-id="%d"][data-online="1"]')`, bobMe.ID),
		`document.querySelector('[data-testid="presence"]').outerHTML`)
	bob.wait(t, "owner online", fmt.Sprintf(`!!document.querySelector('[data-testid="presence-member"][data-id="%d"][data-online="1"]')`, ownerMe.ID),
		`document.querySelector('[data-testid="presence"]').outerHTML`)

	// 2. The visitor opens a ticket: it appears in both lists at once.
	created := decode[struct {
		Ticket struct {
			ID  int64  `json:"id"`
			Ref string `json:"ref"`
		} `json:"ticket"`
	}](t, visitor.call("ticket.create", "ticket.created", map[string]any{"conversation_id": conv, "subject": "Parcel lost", "email": "ann@example.com"}))
	ticket := created.Ticket.ID
	row := fmt.Sprintf(`document.querySelector('[data-testid="ticket-row"][data-id="%d"]')`, ticket)
	for _, a := range []*agentTab{ann, bob} {
		a.wait(t, "new ticket in the list", fmt.Sprintf(`!!%s && %s.querySelector('[data-testid="ticket-ref"]').textContent === %q &&
			%s.querySelector('[data-testid="ticket-subject"]').textContent === "Parcel lost"`, row, row, created.Ticket.Ref, row),
			`document.querySelector('[data-testid="ticket-list"]').innerText`)
	}

	// 3. Both open it; each sees the other viewing.
	for _, a := range []*agentTab{ann, bob} {
		a.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, ticket))
		a.wait(t, "ticket detail with the visitor's message", fmt.Sprintf(`location.pathname === "/tickets/%d" && JSON.stringify(%s).includes("My parcel never came")`, ticket, bodies), bodies)
	}
	bob.wait(t, "sees the owner viewing", fmt.Sprintf(`(document.querySelector('[data-testid="viewers"]') || {}).textContent?.includes(%q)`, ownerMe.Name),
		`(document.querySelector('[data-testid="viewers"]') || {}).textContent`)
	ann.wait(t, "sees bob viewing", `(document.querySelector('[data-testid="viewers"]') || {}).textContent?.includes("Bob Agent")`,
		`(document.querySelector('[data-testid="viewers"]') || {}).textContent`)

	// 4. Replies cross live, in order, and reach the visitor.
	ann.setField(t, tid("reply-box"), "Hello from the owner")
	bob.wait(t, "sees the owner typing", fmt.Sprintf(`(document.querySelector('[data-testid="typing"]') || {}).textContent?.includes(%q)`, ownerMe.Name),
		`(document.querySelector('[data-testid="typing"]') || {}).textContent`)
	ann.click(t, tid("reply-send"))
	bob.wait(t, "owner's reply", fmt.Sprintf(`JSON.stringify(%s).includes("Hello from the owner")`, bodies), bodies)
	bob.setField(t, tid("reply-box"), "And hello from Bob")
	bob.click(t, tid("reply-send"))
	want := mustJSON(t, []string{"My parcel never came", "Hello from the owner", "And hello from Bob"})
	for _, a := range []*agentTab{ann, bob} {
		a.wait(t, "both replies in order", fmt.Sprintf(`JSON.stringify(%s) === %q`, bodies, want), bodies)
	}
	for _, body := range []string{"Hello from the owner", "And hello from Bob"} {
		for {
			m := visitor.nextMessage()
			if m.Body == body {
				break
			}
		}
	}

	// 5. Status and assignment changed by one show for the other.
	ann.setField(t, tid("ticket-status"), "in_progress")
	bob.wait(t, "status in progress", `document.querySelector('[data-testid="ticket-status"]').value === "in_progress"`,
		`document.querySelector('[data-testid="ticket-status"]').value`)
	ann.click(t, tid("assign-me"))
	ann.wait(t, "assigned to self", fmt.Sprintf(`document.querySelector('[data-testid="ticket-assignee"]').value === "%d"`, ownerMe.ID),
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)
	bob.wait(t, "assigned to the owner", fmt.Sprintf(`document.querySelector('[data-testid="ticket-assignee"]').value === "%d"`, ownerMe.ID),
		`document.querySelector('[data-testid="ticket-assignee"]').outerHTML`)
	bob.setField(t, tid("ticket-status"), "resolved")
	ann.wait(t, "resolved, by bob", `document.querySelector('[data-testid="ticket-status"]').value === "resolved" &&
		(document.querySelector('[data-testid="resolved-by"]') || {}).textContent === "Bob Agent"`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)
	ann.click(t, tid("reopen"))
	bob.wait(t, "reopened", `document.querySelector('[data-testid="ticket-status"]').value === "open"`, `document.querySelector('[data-testid="ticket-status"]').value`)

	// 6. Back in the lists, the visitor writes: both see the badge rise;
	// the owner reads it, which clears it for her only.
	for _, a := range []*agentTab{ann, bob} {
		a.click(t, tid("filter-all"))
		a.wait(t, "back to the list", `location.pathname === "/tickets" && !document.querySelector('[data-testid="ticket-detail"]')`, `location.href`)
		a.wait(t, "no unread yet", rowUnread(ticket)+` === ""`, rowUnread(ticket))
	}
	visitor.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "v2", "body": "Any news?"})
	visitor.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "v3", "body": "Hello?"})
	for _, a := range []*agentTab{ann, bob} {
		a.wait(t, "unread badge 2", rowUnread(ticket)+` === "2"`, rowUnread(ticket))
		a.wait(t, "unread in the tab title", `document.title.startsWith("(2) ")`, `document.title`)
	}
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, ticket))
	ann.wait(t, "the new messages shown", fmt.Sprintf(`JSON.stringify(%s).includes("Hello?")`, bodies), bodies)
	ann.wait(t, "title without unread", `!document.title.startsWith("(")`, `document.title`)
	ann.click(t, tid("filter-all"))
	ann.wait(t, "badge cleared", rowUnread(ticket)+` === ""`, rowUnread(ticket))
	bob.wait(t, "Bob's badge stays after the owner's read", rowUnread(ticket)+` === "2"`, rowUnread(ticket))
	bob.wait(t, "Bob's title keeps his unread", `document.title.startsWith("(2) ")`, `document.title`)

	// 7. Keyboard: j opens the first ticket, ? shows the help, Esc closes it.
	bob.js(t, `document.activeElement && document.activeElement.blur(), true`)
	bob.do(t, "press j", chromedp.KeyEvent("j"))
	bob.wait(t, "j opened the ticket", fmt.Sprintf(`location.pathname === "/tickets/%d"`, ticket), `location.href`)
	bob.wait(t, "opening it read it for Bob", `!document.title.startsWith("(")`, `document.title`)
	bob.js(t, `document.activeElement && document.activeElement.blur(), true`)
	bob.do(t, "press ?", chromedp.KeyEvent("?"))
	bob.wait(t, "help overlay", `!!document.querySelector('[data-testid="help"]') && document.querySelector('[data-testid="help"]').textContent.includes("Assign to me")`, `document.body.innerText.slice(0, 200)`)
	bob.do(t, "press Escape", chromedp.KeyEvent("\x1b"))
	bob.wait(t, "help closed", `!document.querySelector('[data-testid="help"]')`, ``)
	bob.js(t, `document.activeElement && document.activeElement.blur(), true`)
	bob.do(t, "press r", chromedp.KeyEvent("r"))
	bob.wait(t, "r focuses the reply", `document.activeElement === document.querySelector('[data-testid="reply-box"]')`, `document.activeElement.outerHTML`)

	// 8. Russian: the switch turns the UI Russian.
	bob.setField(t, tid("lang-switch"), "ru")
	bob.wait(t, "Russian UI", `document.querySelector('[data-testid="nav-tickets"]').textContent.includes("Тикеты") &&
		document.querySelector('[data-testid="ticket-detail"]').textContent.includes("Исполнитель") && document.documentElement.lang === "ru"`,
		`document.querySelector('[data-testid="nav-tickets"]').textContent`)

	// 9. The network drops: the banner shows, and clears once caught up;
	// a reply written meanwhile arrives.
	setOffline(t, ann.tab, px, true)
	ann.wait(t, "banner shown", `!!document.querySelector('[data-testid="conn-banner"]')`, `document.body.innerText.slice(0, 200)`)
	visitor.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "v4", "body": "Sent while you were away"})
	setOffline(t, ann.tab, px, false)
	ann.wait(t, "banner cleared after catching up", `!document.querySelector('[data-testid="conn-banner"]')`,
		`(document.querySelector('[data-testid="conn-banner"]') || {}).textContent`)
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, ticket))
	ann.wait(t, "missed message shown", fmt.Sprintf(`JSON.stringify(%s).includes("Sent while you were away")`, bodies), bodies)

	// 10. Conversations: the timeline's labels, the identity card, the
	// feedback filter, "Export JSON" and "Open ticket".
	ann.click(t, tid("nav-conversations"))
	convRow := fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, conv)
	ann.click(t, convRow)
	ann.wait(t, "conversation detail", `(document.querySelector('[data-testid="identity-card"]') || {}).textContent?.includes("anon_") &&
		Array.from(document.querySelectorAll('[data-testid="message-label"]'), l => l.textContent).join(",").startsWith("USER,SYSTEM,AGENT,AGENT")`,
		`(document.querySelector('[data-testid="conversation-detail"]') || document.body).innerText`)
	ann.wait(t, "export link", fmt.Sprintf(`document.querySelector('[data-testid="export-json"]').getAttribute("href") === "/api/v1/conversations/%d/export"`, conv), ``)
	ann.click(t, tid("conv-has-feedback"))
	ann.wait(t, "no conversation has feedback", `location.search.includes("has=1") && !document.querySelector('[data-testid="conversation-row"]') && !!document.querySelector('.empty')`,
		`document.querySelector('[data-testid="conversation-list"]').innerText`)
	ann.click(t, tid("open-ticket"))
	ann.wait(t, "open ticket jumps to it", fmt.Sprintf(`location.pathname === "/tickets/%d" && !!document.querySelector('[data-testid="ticket-detail"]')`, ticket), `location.href`)

	// 11. Settings: the site's snippet, and AI instructions that send
	// visitors elsewhere get the API's warning.
	ann.click(t, tid("nav-settings"))
	ann.click(t, tid("settings-sites"))
	ann.click(t, `[data-testid="site-list"] a`)
	ann.wait(t, "site settings with the snippet", fmt.Sprintf(`(document.querySelector('[data-testid="snippet"]') || {}).value?.includes(%q)`, siteKey),
		`document.body.innerText.slice(0, 400)`)
	ann.setField(t, tid("instructions"), "If you cannot help, tell people to email support@shop.example.")
	ann.click(t, tid("save-instructions"))
	ann.wait(t, "instructions warning", `(document.querySelector('[data-testid="instructions-warning"]') || {}).textContent?.includes("support@shop.example")`,
		`document.querySelector('[data-testid="ai-card"]').innerText`)

	ann.checkClean(t)
	bob.checkClean(t)

	// 12. Signing out ends the session: the app is behind the login again.
	bob.click(t, tid("logout"))
	bob.wait(t, "signed out", `location.pathname === "/login" && !!document.querySelector('[data-testid="login"]')`, `location.href`)
	bob.do(t, "bob: open a ticket after signing out", chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", n.Origin, ticket)))
	bob.wait(t, "back at the login", `location.pathname === "/login" && new URLSearchParams(location.search).get("next") === "/tickets/`+fmt.Sprint(ticket)+`"`, `location.href`)
}
