package main

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
)

// The chat frame's lifecycle DOM, read inside the frame.
const (
	// frameView is what the frame shows, for failure messages.
	frameView = `({title: document.querySelector("header h1").textContent, pill: document.querySelector("header .pill").textContent,
		composerHidden: document.querySelector("form.c").hidden,
		bar: (b => b && !b.hidden ? b.innerText : "")(document.querySelector(".th .closed")),
		log: Array.from(document.querySelectorAll("ol.log > li"), li => li.className + ": " + li.innerText),
		list: Array.from(document.querySelectorAll("ul.cl button.cv"), b => b.dataset.id + ": " + b.innerText),
		back: document.querySelector("header button.bk").getAttribute("aria-label") + " " + document.querySelector("header button.bk").innerText,
		alert: document.querySelector("p.err").textContent, focus: document.activeElement.outerHTML.slice(0, 120)})`
	// frameRows is the conversation list as [id, preview, status, unread] per row.
	frameRows = `Array.from(document.querySelectorAll("ul.cl > li > button.cv"), b => [b.dataset.id,
		b.querySelector(".pv").textContent, (b.querySelector(".stl") || {}).textContent || "", (b.querySelector(".un") || {}).textContent || ""])`
)

// frameClosed is true when the thread is read-only: the closed line and
// the button instead of the composer, and the header's status.
func frameClosed(line, button, pill string) string {
	return fmt.Sprintf(`(() => {
		const bar = document.querySelector(".th .closed");
		const form = document.querySelector("form.c");
		return !!bar && !bar.hidden && bar.querySelector(".cline").textContent === %q &&
			bar.querySelector("button.pri").textContent === %q && form.hidden && getComputedStyle(form).display === "none" &&
			document.querySelector("header .pill").textContent === %q;
	})()`, line, button, pill)
}

// verifiedPage serves the customer page that identifies its visitor as
// externalID with a valid userHash, before the snippet boots, so that the
// visit is verified from the start.
func verifiedPage(tb testing.TB, n *testNode, siteKey, externalID, email string, secret *string) string {
	tb.Helper()
	return customerPage(tb, n.Origin, siteKey, func(*http.Request) (template.HTML, template.HTML) {
		return template.HTML(`<script>
window.Parley = function () { (Parley.q = Parley.q || []).push(arguments); };
Parley("identify", {externalId: ` + jsString(externalID) + `, userHash: "` + userHash(*secret, externalID) + `", email: ` + jsString(email) + `});
</script>`), ""
	})
}

// setStatus changes a conversation's or a ticket's status as an agent does.
func setStatus(tb testing.TB, n *testNode, auth http.Header, what string, id int64, status string) {
	tb.Helper()
	if st := do(tb, "PATCH", fmt.Sprintf("%s/api/v1/%s/%d", n.URL, what, id), auth, map[string]string{"status": status}, nil); st != 200 {
		tb.Fatalf("PATCH %s %d status %s: %d", what, id, status, st)
	}
}

func clickFrame(tb testing.TB, p *tab, selector string) {
	tb.Helper()
	var ok bool
	if err := p.evalFrame(`(b => !!b && (b.click(), true))(document.querySelector(`+jsString(selector)+`))`, &ok); err != nil || !ok {
		tb.Fatalf("click %s in the frame: %v (found %v)", selector, err, ok)
	}
}

// TestBrowserLifecycle: a visitor is never locked out (issue 11). The
// visitor chats with the assistant; an agent closes the conversation and
// the widget shows it read-only at once and after a reload (in Russian
// too), with "Start a new conversation"; the next message starts a new
// conversation the assistant answers; the list shows both, newest first,
// with previews and statuses, and the old one opens read-only. A message
// written in a stale tab, while its conversation's ticket was closed, is
// refused with the localized reason and goes, on the visitor's word, into
// a new conversation. A verified visitor sees the same list on another
// device.
func TestBrowserLifecycle(t *testing.T) {
	d := startDemoBrowser(t)
	n, px, dataDir, siteKey, auth := d.n, d.px, d.dataDir, d.siteKey, d.auth
	var secret string
	page := verifiedPage(t, n, siteKey, "u-7", "ann@shop.test", &secret)
	secret = siteIn(t, dataDir, siteKey, func(s *hub.Site) { s.AllowedOrigins = append(s.AllowedOrigins, page) }).IdentitySecret

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the page of a signed-in customer", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher),
		chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat online", frameOnline, frameState)
	p.waitFrame(t, "a new conversation, composer focused", `document.activeElement === document.querySelector("form.c textarea") &&
		document.querySelectorAll("ol.log > li").length === 0 && !document.querySelector("header button.bk").hidden`, frameView)

	// 1. The visitor asks; the assistant answers.
	const q1 = "How long does shipping take?"
	p.do(t, "ask", chromedp.KeyEvent(q1), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "the assistant answers", `(li => !!li && li.querySelector(".body").textContent.startsWith("Orders ship"))(
		document.querySelector("ol.log > li.in.assistant"))`, frameView)
	convs := conversationsOf(t, n, auth)
	if len(convs) != 1 || convs[0].Status != "open" {
		t.Fatalf("conversations %+v, want one open", convs)
	}
	first := convs[0].ID

	// 2. An agent closes it: the widget shows it read-only at once.
	setStatus(t, n, auth, "conversations", first, "closed")
	p.waitFrame(t, "closed live", frameClosed("This conversation is closed", "Start a new conversation", "Closed")+
		` && Array.from(document.querySelectorAll("ol.log > li.sys .body")).some(b => b.textContent === "Conversation closed")`, frameView)
	p.waitFrame(t, "focus moved from the hidden composer to the button", `document.activeElement === document.querySelector(".th .closed button")`, frameView)
	p.shot(t, "1-closed-live")

	// 3. After a reload, still read-only: no composer, the history, the button.
	p.do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(launcher), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "closed after a reload", frameClosed("This conversation is closed", "Start a new conversation", "Closed")+
		` && document.querySelector("ol.log > li.out .body").textContent === `+jsString(q1)+
		` && document.activeElement === document.querySelector(".th .closed button")`, frameView)
	p.shot(t, "2-closed-reload")

	// 4. In Russian.
	if err := p.evalPage(`Parley("setLocale", "ru"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "closed, in Russian", frameClosed("Этот разговор закрыт", "Начать новый разговор", "Закрыт")+
		` && document.querySelector("header button.bk").getAttribute("aria-label") === "Ваши разговоры"`, frameView)
	p.shot(t, "3-closed-ru")
	if err := p.evalPage(`Parley("setLocale", "en"), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "back in English", frameClosed("This conversation is closed", "Start a new conversation", "Closed"), frameView)

	// 5. Start a new conversation: an empty thread to write in; the first
	// message goes without a conversation id and the assistant answers it.
	clickFrame(t, p, ".th .closed button")
	p.waitFrame(t, "a new conversation to write in", `!document.querySelector("form.c").hidden &&
		document.activeElement === document.querySelector("form.c textarea") && document.querySelectorAll("ol.log > li").length === 0 &&
		document.querySelector("header .pill").hidden`, frameView)
	const q2 = "What are your opening hours?"
	p.do(t, "ask again", chromedp.KeyEvent(q2), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "the new conversation is answered", `JSON.stringify(Array.from(document.querySelectorAll("ol.log > li .body"), b => b.textContent.slice(0, 19))) ===
		JSON.stringify([`+jsString(q2)+`.slice(0, 19), "Our support team wo"])`, frameView)
	convs = conversationsOf(t, n, auth)
	if len(convs) != 2 || convs[1].ID != first || convs[1].Status != "closed" || convs[0].Status != "open" {
		t.Fatalf("conversations %+v, want a new open one and %d closed", convs, first)
	}
	second := convs[0].ID
	if got := bodiesOf(t, n, auth, first); len(got) != 3 || got[0] != q1 || got[2] != "Conversation closed" {
		t.Fatalf("the closed conversation holds %q", got)
	}
	if got := bodiesOf(t, n, auth, second); len(got) != 2 || got[0] != q2 {
		t.Fatalf("the new conversation holds %q", got)
	}

	// 6. The list: both, newest first, with previews and statuses.
	clickFrame(t, p, "header button.bk")
	wantRows := mustJSON(t, [][]string{
		{fmt.Sprint(second), "Our support team works Monday to Friday, 9:00–18:00 (Moscow time). The assistant answers around the clock.", "Open", ""},
		{fmt.Sprint(first), "Conversation closed", "Closed", ""},
	})
	p.waitFrame(t, "the list", `JSON.stringify(`+frameRows+`) === `+jsString(wantRows)+` &&
		document.querySelector("header h1").textContent === "Your conversations" && document.querySelector("form.c").hidden &&
		document.querySelector(".lv .foot button").textContent === "Continue the conversation" &&
		document.activeElement === document.querySelector("ul.cl button.cv")`, frameRows)
	p.shot(t, "4-list")
	p.do(t, "phone screen", chromedp.EmulateViewport(390, 700))
	p.shot(t, "5-list-phone")

	// The old one opens read-only, with its history; the list's main action
	// continues the open one.
	clickFrame(t, p, fmt.Sprintf(`ul.cl button[data-id="%d"]`, first))
	p.waitFrame(t, "the old conversation, read-only", frameClosed("This conversation is closed", "Continue the conversation", "Closed")+
		` && document.querySelector("ol.log > li.out .body").textContent === `+jsString(q1), frameView)
	p.shot(t, "6-old-phone")
	p.do(t, "desktop screen", chromedp.EmulateViewport(1280, 800))
	clickFrame(t, p, "header button.bk")
	p.waitFrame(t, "the list again", `document.querySelectorAll("ul.cl button.cv").length === 2`, frameRows)
	clickFrame(t, p, ".lv .foot button")
	p.waitFrame(t, "the open conversation continues", `!document.querySelector("form.c").hidden &&
		document.querySelector("ol.log > li.out .body").textContent === `+jsString(q2)+` && document.activeElement === document.querySelector("form.c textarea")`, frameView)

	// 7. A ticket from a downvote; the agent closes the ticket while the
	// visitor's tab is offline, and the visitor writes there: the message is
	// refused with the reason, and goes into a new conversation on the
	// visitor's word.
	clickFrame(t, p, `li.in.assistant button[aria-label="Mark response as unhelpful"]`)
	p.waitFrame(t, "ticket offered", `!!document.querySelector("li.in.assistant .offer button")`, frameView)
	clickFrame(t, p, "li.in.assistant .offer button")
	p.waitFrame(t, "ticket form prefilled", `document.querySelector(".tk #f-email").value === "ann@shop.test" && document.querySelector(".tk #f-subject").value === `+jsString(q2), frameView)
	p.shot(t, "7-ticket-form")
	clickFrame(t, p, ".tk button[type=submit]")
	p.waitFrame(t, "ticket created", `!!document.querySelector(".tk .ok")`, frameView)
	clickFrame(t, p, ".tk button.pri")
	tickets := ticketsOf(t, n, auth)
	if len(tickets) != 1 || tickets[0].ConversationID != second {
		t.Fatalf("tickets %+v, want one of conversation %d", tickets, second)
	}
	var noOffer bool
	setOffline(t, p, px, true)
	p.waitFrame(t, "the tab is offline", `document.getElementById("app").dataset.state === "reconnecting"`, frameState)
	setStatus(t, n, auth, "tickets", tickets[0].ID, "closed")
	if c := conversationsOf(t, n, auth); c[0].ID != second || c[0].Status != "closed" {
		t.Fatalf("after closing its ticket, conversation %d is %+v, want closed", second, c[0])
	}
	const q3 = "How do I reset my password?"
	p.waitFrame(t, "composer focused", `document.querySelector("form.c textarea").focus(), document.activeElement === document.querySelector("form.c textarea")`, frameView)
	p.do(t, "write in the stale tab", chromedp.KeyEvent(q3), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "queued while offline", `!!document.querySelector("ol.log > li.out .ss.queued")`, frameView)
	setOffline(t, p, px, false)
	p.waitFrame(t, "refused: closed, with the reason, the text kept", frameClosed("This conversation is closed", "Start a new conversation", "Closed")+
		` && document.querySelector(".th .closed .why").textContent === "Your message was not sent. Start a new conversation to send it." &&
		document.querySelector(".th .closed .carry").textContent === `+jsString(q3)+` &&
		!document.querySelector("ol.log > li.out .ss.queued, ol.log > li.out .ss.failed") &&
		!document.querySelector("p.err").textContent.includes("Something went wrong")`, frameView)
	p.shot(t, "8-refused")
	if err := p.evalFrame(`!document.querySelector("li.in.assistant .offer")`, &noOffer); err != nil || !noOffer {
		t.Fatalf("a closed conversation still offers a ticket (%v)", err)
	}
	if got := bodiesOf(t, n, auth, second); slices.Contains(got, q3) {
		t.Fatalf("the closed conversation took the message: %q", got)
	}
	clickFrame(t, p, ".th .closed button")
	p.waitFrame(t, "sent in a new conversation and answered", `JSON.stringify(Array.from(document.querySelectorAll("ol.log > li .body"), b => b.textContent.slice(0, 15))) ===
		JSON.stringify([`+jsString(q3)+`.slice(0, 15), "Click “Forgot p"]) && !document.querySelector("form.c").hidden`, frameView)
	p.shot(t, "9-carried")
	convs = conversationsOf(t, n, auth)
	if len(convs) != 3 || convs[0].Status != "open" || convs[1].ID != second || convs[2].ID != first {
		t.Fatalf("conversations %+v, want a third, open one on top", convs)
	}
	third := convs[0].ID
	if got := bodiesOf(t, n, auth, third); len(got) != 2 || got[0] != q3 {
		t.Fatalf("the third conversation holds %q", got)
	}
	// 8. An agent resolves it: still writable, marked Resolved; the
	// visitor's next message reopens it and the assistant answers.
	setStatus(t, n, auth, "conversations", third, "resolved")
	p.waitFrame(t, "resolved, still writable", `document.querySelector("header .pill").textContent === "Resolved" &&
		!document.querySelector("form.c").hidden && document.querySelector(".th .closed").hidden`, frameView)
	p.shot(t, "10-resolved")
	p.waitFrame(t, "composer focused", `document.querySelector("form.c textarea").focus(), document.activeElement === document.querySelector("form.c textarea")`, frameView)
	p.do(t, "write to the resolved conversation", chromedp.KeyEvent(q1), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "reopened and answered", `document.querySelector("header .pill").hidden &&
		Array.from(document.querySelectorAll("ol.log > li.in.assistant .body")).some(b => b.textContent.startsWith("Orders ship"))`, frameView)
	if c := conversationsOf(t, n, auth); len(c) != 3 || c[0].ID != third || c[0].Status != "open" {
		t.Fatalf("after the visitor wrote, conversations are %+v, want %d open on top", c, third)
	}

	clickFrame(t, p, "header button.bk")
	p.waitFrame(t, "three in the list", `document.querySelectorAll("ul.cl button.cv").length === 3 &&
		document.querySelector("ul.cl button.cv .pv").textContent.startsWith("Orders ship")`, frameRows)
	var rows [][]string
	if err := p.evalFrame(frameRows, &rows); err != nil {
		t.Fatal(err)
	}
	if ids := []string{rows[0][0], rows[1][0], rows[2][0]}; !slices.Equal(ids, []string{fmt.Sprint(third), fmt.Sprint(second), fmt.Sprint(first)}) ||
		rows[0][2] != "Open" || rows[1][2] != "Closed" || rows[2][2] != "Closed" || rows[1][1] != "Ticket "+tickets[0].Ref+" closed" {
		t.Fatalf("list %q, want %d (open), %d (closed by its ticket), %d (closed)", rows, third, second, first)
	}

	// 9. The verified visitor on another device: the newest conversation,
	// and the same list.
	q := newTab(t, newBrowser(t), n.Origin, true)
	q.do(t, "another device", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	q.waitFrame(t, "the newest conversation there", `!document.querySelector("form.c").hidden &&
		(b => !!b && b.textContent === `+jsString(q3)+`)(document.querySelector("ol.log > li.out .body"))`, frameView)
	clickFrame(t, q, "header button.bk")
	q.waitFrame(t, "the same list there", `JSON.stringify(`+frameRows+`) === `+jsString(mustJSON(t, rows)), frameRows)
	q.shot(t, "11-other-device")

	for _, tb := range []*tab{p, q} {
		tb.noExceptions(t)
	}
}

// TestBrowserLifecycleList: the list pages in older conversations by
// keyset, follows events of conversations other than the one shown (which
// never shows them), and counts their unread replies on the launcher.
func TestBrowserLifecycleList(t *testing.T) {
	d := startDemoBrowser(t)
	n, dataDir, siteKey, token, auth := d.n, d.dataDir, d.siteKey, d.token, d.auth
	withoutAssistant(t, n, token)
	var secret string
	page := verifiedPage(t, n, siteKey, "u-9", "bob@shop.test", &secret)
	secret = siteIn(t, dataDir, siteKey, func(s *hub.Site) { s.AllowedOrigins = append(s.AllowedOrigins, page) }).IdentitySecret

	// 22 conversations of the visitor, all but the newest closed: a page of
	// the list (20) and then some.
	var start struct {
		Token string `json:"token"`
	}
	if st := do(t, "POST", n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {page}}, map[string]any{"site": siteKey,
		"identity": map[string]string{"external_id": "u-9", "user_hash": userHash(secret, "u-9")}}, &start); st != 200 {
		t.Fatalf("start the visitor: status %d", st)
	}
	v := dial(t, n.URL+"/ws/visitor?site="+siteKey, page, nil)
	v.call("auth", "auth.ok", map[string]string{"token": start.Token})
	const total = 22
	ids := make([]int64, 0, total)
	for i := 1; i <= total; i++ {
		// Within the socket's documented 10 sends a second (bursts of 20).
		time.Sleep(110 * time.Millisecond)
		ack := decode[struct {
			Message wireMessage `json:"message"`
		}](t, v.call("send", "ack", map[string]any{"client_msg_id": fmt.Sprintf("q%d", i), "body": fmt.Sprintf("Question %d", i)}))
		if len(ids) > 0 && ack.Message.ConversationID == ids[len(ids)-1] {
			t.Fatalf("message %d went into the closed conversation %d", i, ack.Message.ConversationID)
		}
		ids = append(ids, ack.Message.ConversationID)
		if i < total {
			setStatus(t, n, auth, "conversations", ack.Message.ConversationID, "closed")
			// The visitor saw it closed: "Conversation closed" counts as
			// unread until read, like every message of the other side.
			v.call("read", "read.ok", map[string]any{"conversation_id": ack.Message.ConversationID, "seq": 1 << 30})
		}
	}
	v.conn.CloseNow()

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher), chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "the newest conversation, open", `!document.querySelector("form.c").hidden &&
		(b => !!b && b.textContent === "Question 22")(document.querySelector("ol.log > li.out .body"))`, frameView)

	// 1. An agent writes into an old, closed conversation: the launcher and
	// the list button count it; the thread shown does not show it.
	agent := agentFor(t, n, token)
	old := ids[2]
	const reply = "We found your parcel"
	agentSend(t, agent, old, "a1", reply)
	p.waitFrame(t, "the list button counts the other conversation", `document.querySelector("header button.bk .n").textContent === "1" &&
		document.querySelector("header button.bk").getAttribute("aria-label") === "Your conversations, 1 unread"`, frameView)
	p.do(t, "launcher badge", chromedp.WaitVisible(launchBadge))
	checkLauncher(t, p, "true", "1")
	var bodies []string
	if err := p.evalFrame(frameBodies, &bodies); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bodies, []string{"Question 22"}) {
		t.Fatalf("the thread of conversation %d shows %q", ids[total-1], bodies)
	}
	p.shot(t, "1-other-unread")

	// 2. The list: that conversation on top with its reply and unread count,
	// then the open one with the visitor's question; a page of 20.
	clickFrame(t, p, "header button.bk")
	p.waitFrame(t, "the first page", `(rows => rows.length === 20 &&
		JSON.stringify(rows[0]) === `+jsString(mustJSON(t, []string{fmt.Sprint(old), reply, "Closed", "1"}))+` &&
		JSON.stringify(rows[1]) === `+jsString(mustJSON(t, []string{fmt.Sprint(ids[total-1]), "You: Question 22", "Open", ""}))+` &&
		rows.slice(2).every(r => r[1] === "Conversation closed" && r[2] === "Closed" && r[3] === ""))(`+frameRows+`) &&
		document.querySelector(".lv button.older").textContent === "Show older" && !document.querySelector(".lv button.older").hidden`, frameRows)
	p.shot(t, "2-first-page")

	// 3. Show older: the rest, each once, newest activity first.
	// As the keyboard does it: focus, then Enter.
	if err := p.evalFrame(`(b => (b.focus(), b.click(), true))(document.querySelector(".lv button.older"))`, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprint(old)}
	for i := total - 1; i >= 0; i-- {
		if ids[i] != old {
			want = append(want, fmt.Sprint(ids[i]))
		}
	}
	p.waitFrame(t, "all conversations", `JSON.stringify(Array.from(document.querySelectorAll("ul.cl button.cv"), b => b.dataset.id)) === `+
		jsString(mustJSON(t, want))+` && document.querySelector(".lv button.older").hidden &&
		document.activeElement === document.querySelectorAll("ul.cl button.cv")[20]`, frameView)
	p.do(t, "phone screen", chromedp.EmulateViewport(390, 700))
	p.shot(t, "3-all-phone")

	// 4. Opening the old conversation reads it: the counts go.
	clickFrame(t, p, fmt.Sprintf(`ul.cl button[data-id="%d"]`, old))
	p.waitFrame(t, "the old conversation, read-only, with the reply", frameClosed("This conversation is closed", "Continue the conversation", "Closed")+
		` && Array.from(document.querySelectorAll("ol.log > li.in.agent .body")).some(b => b.textContent === `+jsString(reply)+`)`, frameView)
	p.do(t, "launcher badge gone", chromedp.WaitNotVisible(launchBadge))
	checkLauncher(t, p, "true", "")
	p.shot(t, "4-old-phone")

	p.noExceptions(t)
}
