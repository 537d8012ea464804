package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
)

// attachFile puts a file into the dashboard composer's file input, as
// choosing it in the file dialog does: base64Data is its content, or
// sizeExpr (a JS expression) its size in zero bytes.
func (a *agentTab) attachFile(tb testing.TB, name, base64Data, sizeExpr string) {
	tb.Helper()
	a.wait(tb, "attach button", `!!document.querySelector('[data-testid="attach"]')`, `document.querySelector('[data-testid="composer"]')?.outerHTML`)
	a.js(tb, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([`+fileBytes(base64Data, sizeExpr)+`], `+jsString(name)+`));
		const input = document.querySelector('[data-testid="attach-input"]');
		input.files = dt.files;
		input.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`)
}

// pasteFile pastes a file into the reply box, as pasting a screenshot does.
func (a *agentTab) pasteFile(tb testing.TB, name, contentType, base64Data string) {
	tb.Helper()
	a.js(tb, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([`+fileBytes(base64Data, "")+`], `+jsString(name)+`, {type: `+jsString(contentType)+`}));
		const box = document.querySelector('[data-testid="reply-box"]');
		box.focus();
		box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		return true;
	})()`)
}

func fileBytes(base64Data, sizeExpr string) string {
	if sizeExpr != "" {
		return "new Uint8Array(" + sizeExpr + ")"
	}
	return "Uint8Array.from(atob(" + jsString(base64Data) + "), c => c.charCodeAt(0))"
}

// agentThread is the dashboard timeline as [kind, body, image alt, file link
// text] per message, for failure messages.
const agentThread = `Array.from(document.querySelectorAll('[data-testid="message"], [data-testid="message-pending"]'), li => [li.dataset.kind || "pending",
	(li.querySelector('[data-testid="message-body"], .body') || {}).textContent || "", (li.querySelector("img") || {}).alt || "",
	(li.querySelector('[data-testid="attachment-file"]') || {}).textContent || "", (li.querySelector('[data-testid="pending-state"]') || {}).textContent || ""])`

// agentImage is true when the timeline shows the image alt loaded inline.
func agentImage(alt string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll('[data-testid="message"][data-kind="agent"] [data-testid="attachment-image"] img')).some(img =>
		img.alt === %q && img.complete && img.naturalWidth === 1 && img.closest("a").getAttribute("href") === img.getAttribute("src") &&
		img.getAttribute("src").startsWith("/files/"))`, alt)
}

// focusIn is true when the focus is inside the open dialog.
const focusIn = `(d => !!d && d.contains(document.activeElement) && document.activeElement !== d)(document.querySelector('[role="dialog"][aria-modal="true"]'))`

// attachmentsOf is the conversation's messages with files, as the REST API
// gives them.
func attachmentsOf(tb testing.TB, n *testNode, auth http.Header, conv int64) []hub.AttachmentRef {
	tb.Helper()
	msgs := listOf[struct {
		AuthorKind string             `json:"author_kind"`
		Attachment *hub.AttachmentRef `json:"attachment"`
	}](tb, n, auth, fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0", conv))
	var files []hub.AttachmentRef
	for _, m := range msgs {
		if m.Attachment != nil {
			if m.AuthorKind != "agent" {
				tb.Fatalf("a file from %s, want only the agent's", m.AuthorKind)
			}
			files = append(files, *m.Attachment)
		}
	}
	return files
}

// TestBrowserInbox drives the agents' inbox in the dashboard against a
// visitor in the real widget: the agent takes a conversation over from
// the assistant and replies; sends a PNG (shown inline) and a PDF (a
// download) from the composer, and pastes an image, all of which reach the
// visitor; a file over the limit is refused before any upload, a type the
// hub refuses fails with the hub's reason, and an upload lost to the
// network is sent by Retry. A ticket's priority set by one agent shows live
// for another, and the dialogs keep the keyboard inside until Escape
// gives the focus back to their opener.
func TestBrowserInbox(t *testing.T) {
	mb := startMailbox(t)
	d := startDemoBrowser(t, "PARLEY_SMTP_URL=smtp://"+mb.addr)
	n, px, email, password, token, auth := d.n, d.px, d.email, d.password, d.token, d.auth
	page := d.customerSite(t)

	// 1. The visitor asks; the assistant answers.
	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the customer page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))
	p.do(t, "open the chat", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat frame online", frameOnline, frameState)
	p.waitFrame(t, "composer focused", `document.querySelector("form.c textarea").focus(), document.activeElement.tagName === "TEXTAREA"`, `document.activeElement.outerHTML`)
	p.do(t, "ask", chromedp.KeyEvent("How long does shipping take?"), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "the assistant answers", `!!document.querySelector("ol.log > li.in.assistant")`, frameLog)
	conv := visitorConversation(t, n, auth)

	// 2. The owner finds it in Conversations, still the assistant's (no
	// composer), takes it over and replies; the visitor sees the reply.
	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, email, password)
	ann.click(t, tid("nav-conversations"))
	ann.click(t, fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, conv))
	ann.wait(t, "the assistant's conversation, no composer", `Array.from(document.querySelectorAll('[data-testid="message-label"]'), l => l.textContent).join(",") === "USER,ASSISTANT" &&
		!!document.querySelector('[data-testid="take-over"]') && !document.querySelector('[data-testid="composer"]')`, agentThread)
	ann.click(t, tid("take-over"))
	ann.wait(t, "taken over: the composer", `!!document.querySelector('[data-testid="reply-box"]') && !document.querySelector('[data-testid="take-over"]')`,
		`document.querySelector('[data-testid="conversation-detail"]').innerText`)
	const reply = "Hi, Ann from support here: it ships within a day."
	ann.setField(t, tid("reply-box"), reply)
	ann.click(t, tid("reply-send"))
	ann.wait(t, "the reply in the thread", fmt.Sprintf(`JSON.stringify(%s).includes(%q) && !document.querySelector('[data-testid="message-pending"]')`, agentThread, reply), agentThread)
	p.waitFrame(t, "the visitor sees the reply", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.in.agent .body")).some(b => b.textContent === %q)`, reply), frameLog)

	// 3. A PNG and a PDF from the composer: the image inline, the PDF a
	// download, for the agent and for the visitor.
	ann.attachFile(t, "dot.png", pngFile, "")
	ann.wait(t, "the PNG inline", agentImage("dot.png")+` && !document.querySelector('[data-testid="message-pending"]')`, agentThread)
	ann.attachFile(t, "invoice.pdf", pdfFile, "")
	pdfLink := `document.querySelector('[data-testid="message"][data-kind="agent"] [data-testid="attachment-file"]')`
	ann.wait(t, "the PDF as a download", fmt.Sprintf(`(a => !!a && a.getAttribute("download") === "invoice.pdf" && a.textContent.startsWith("invoice.pdf (") &&
		a.getAttribute("href").startsWith("/files/") && !a.closest("li").querySelector("img"))(%s)`, pdfLink), agentThread)
	var href string
	if err := ann.evalPage(pdfLink+`.getAttribute("href")`, &href); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(n.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(string(body), "%PDF-") {
		t.Fatalf("GET %s: status %d, disposition %q", href, resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	p.waitFrame(t, "the visitor gets the PNG inline and the PDF", `(() => {
		const img = document.querySelector("ol.log > li.in.agent a.img img");
		const pdf = document.querySelector("ol.log > li.in.agent a.file");
		return !!img && img.complete && img.naturalWidth === 1 && img.alt === "dot.png" && !!pdf && pdf.textContent.startsWith("invoice.pdf (");
	})()`, frameLog)

	// 4. A pasted image is sent too, and types nothing into the box.
	ann.pasteFile(t, "pasted.png", "image/png", pngFile)
	ann.wait(t, "the pasted image inline", agentImage("pasted.png")+` && document.querySelector('[data-testid="reply-box"]').value === ""`, agentThread)
	p.waitFrame(t, "the visitor gets the pasted image", `Array.from(document.querySelectorAll("ol.log > li.in.agent a.img img")).some(i => i.alt === "pasted.png" && i.complete && i.naturalWidth === 1)`, frameLog)

	// 5. Over 10 MiB: refused in the browser, nothing uploaded.
	ann.attachFile(t, "huge.pdf", "", "11 << 20")
	ann.wait(t, "too large refused", `(document.querySelector('[data-testid="attach-error"]') || {}).textContent?.includes("huge.pdf is too large") &&
		!document.querySelector('[data-testid="message-pending"]')`, `(document.querySelector('[data-testid="attach-error"]') || {}).textContent`)

	// 6. A type the hub refuses: the hub's reason, with Retry and Dismiss.
	ann.attachFile(t, "tool.exe", "TVqQAAMAAAAEAAAA//8=", "")
	failed := `document.querySelector('[data-testid="message-pending"]')`
	ann.wait(t, "refused with the hub's reason", fmt.Sprintf(`(li => !!li && li.querySelector('[data-testid="pending-state"]').textContent.includes("not accepted") &&
		!!li.querySelector('[data-testid="retry"]'))(%s)`, failed), agentThread)
	ann.wait(t, "the error gone with the next file", `!document.querySelector('[data-testid="attach-error"]')`, ``)
	ann.js(t, failed+`.querySelector('[data-testid="retry"] + button').click(), true`)
	ann.wait(t, "dismissed", `!`+failed, agentThread)

	// 7. The network drops during an upload: it fails; Retry sends it once
	// the hub is back.
	setOffline(t, ann.tab, px, true)
	ann.attachFile(t, "later.png", pngFile, "")
	ann.wait(t, "the upload failed", fmt.Sprintf(`(li => !!li && li.querySelector('[data-testid="pending-state"]').textContent.includes("Cannot reach the server"))(%s)`, failed), agentThread)
	setOffline(t, ann.tab, px, false)
	ann.wait(t, "back online", `!document.querySelector('[data-testid="conn-banner"]')`, `(document.querySelector('[data-testid="conn-banner"]') || {}).textContent`)
	ann.click(t, `[data-testid="message-pending"] [data-testid="retry"]`)
	ann.wait(t, "sent by Retry", agentImage("later.png")+` && !`+failed, agentThread)
	var names []string
	for _, f := range attachmentsOf(t, n, auth, conv) {
		names = append(names, f.Name+" "+f.ContentType)
	}
	if want := []string{"dot.png image/png", "invoice.pdf application/pdf", "pasted.png image/png", "later.png image/png"}; strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("the hub holds the files %q, want %q", names, want)
	}

	// 8. Priority: a ticket of the conversation; the owner makes it urgent,
	// Bob sees the badge in his list at once, and his change shows for her.
	var tk wireTicket
	if st := do(t, "POST", n.URL+"/api/v1/tickets", auth, map[string]any{"conversation_id": conv, "subject": "Shipping to Norway", "requester_email": "ann@shop.test"}, &tk); st != 201 {
		t.Fatalf("create a ticket: status %d", st)
	}
	invite(t, n, mb, token, "bob@demo.test", "agent")
	bob := newAgentTab(t, n, "bob")
	bob.loginUI(t, n, "bob@demo.test", "invited password")
	bobRow := fmt.Sprintf(`document.querySelector('[data-testid="ticket-row"][data-id="%d"]')`, tk.ID)
	bob.wait(t, "the ticket listed, no priority badge", fmt.Sprintf(`!!%[1]s && !%[1]s.querySelector('[data-testid="priority"]')`, bobRow), `document.querySelector('[data-testid="ticket-list"]').innerText`)
	ann.click(t, tid("nav-tickets"))
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, tk.ID))
	ann.wait(t, "priority normal", `document.querySelector('[data-testid="ticket-priority"]').value === "normal"`, `document.querySelector('[data-testid="ticket-detail"]').innerText`)
	ann.setField(t, tid("ticket-priority"), "urgent")
	bob.wait(t, "the urgent badge, live", fmt.Sprintf(`(b => !!b && b.dataset.priority === "urgent" && b.textContent === "Urgent")(%s.querySelector('[data-testid="priority"]'))`, bobRow),
		bobRow+`.innerHTML`)
	var got struct {
		Priority string `json:"priority"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d", n.URL, tk.ID), auth, nil, &got); st != 200 || got.Priority != "urgent" {
		t.Fatalf("GET the ticket: status %d, priority %q; want urgent", st, got.Priority)
	}
	bob.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, tk.ID))
	bob.wait(t, "urgent in the detail", `document.querySelector('[data-testid="ticket-priority"]').value === "urgent"`, `document.querySelector('[data-testid="ticket-detail"]').innerText`)
	bob.setField(t, tid("ticket-priority"), "low")
	ann.wait(t, "low, live", `document.querySelector('[data-testid="ticket-priority"]').value === "low"`, `document.querySelector('[data-testid="ticket-priority"]').value`)
	ann.click(t, tid("filter-all"))
	ann.wait(t, "no badge for low", fmt.Sprintf(`(r => !!r && !r.querySelector('[data-testid="priority"]'))(document.querySelector('[data-testid="ticket-row"][data-id="%d"]'))`, tk.ID), `document.querySelector('[data-testid="ticket-list"]').innerText`)

	// 9. Dialogs trap the focus. The help, opened from its button: focus
	// inside, Tab and Shift+Tab stay inside, Escape closes it and gives the
	// focus back to the button.
	ann.js(t, `document.querySelector('[data-testid="help-button"]').focus(), true`)
	ann.do(t, "open the help with Enter", chromedp.KeyEvent("\r"))
	ann.wait(t, "a labelled modal dialog with the focus", `(d => !!d && d.getAttribute("role") === "dialog" && d.getAttribute("aria-modal") === "true" &&
		document.getElementById(d.getAttribute("aria-labelledby")).textContent === "Keyboard shortcuts")(document.querySelector('[data-testid="help"]')) && `+focusIn,
		`document.activeElement.outerHTML`)
	for i, shift := range []bool{false, false, false, true, true} {
		var opts []chromedp.KeyOption
		if shift {
			opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
		}
		ann.do(t, "press Tab", chromedp.KeyEvent("\t", opts...))
		ann.wait(t, fmt.Sprintf("focus still in the help after Tab %d", i+1), focusIn, `document.activeElement.outerHTML`)
	}
	ann.do(t, "press Escape", chromedp.KeyEvent("\x1b"))
	ann.wait(t, "help closed, focus back on its button", `!document.querySelector('[data-testid="help"]') &&
		document.activeElement === document.querySelector('[data-testid="help-button"]')`, `document.activeElement.outerHTML`)

	// A form dialog: the first field has the focus; Tab cycles through the
	// field, the text and the close button (Save is disabled while empty),
	// Shift+Tab goes back; Escape returns to "New canned response".
	ann.click(t, tid("nav-settings"))
	ann.click(t, tid("settings-canned"))
	ann.wait(t, "canned responses", `!!document.querySelector('[data-testid="canned-new"]')`, `document.body.innerText.slice(0, 300)`)
	ann.js(t, `document.querySelector('[data-testid="canned-new"]').focus(), true`)
	ann.do(t, "open the new canned response", chromedp.KeyEvent("\r"))
	active := `(e => e.tagName + (e.dataset.testid ? "#" + e.dataset.testid : ""))(document.activeElement)`
	ann.wait(t, "the title field focused", focusIn+` && `+active+` === "INPUT"`, active)
	for i, step := range []struct {
		shift bool
		want  string
	}{{false, "TEXTAREA"}, {false, "BUTTON#modal-close"}, {false, "INPUT"}, {true, "BUTTON#modal-close"}, {true, "TEXTAREA"}} {
		var opts []chromedp.KeyOption
		if step.shift {
			opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
		}
		ann.do(t, "press Tab", chromedp.KeyEvent("\t", opts...))
		ann.wait(t, fmt.Sprintf("Tab %d on %s", i+1, step.want), focusIn+` && `+active+` === `+jsString(step.want), active)
	}
	ann.do(t, "press Escape", chromedp.KeyEvent("\x1b"))
	ann.wait(t, "dialog closed, focus back on its opener", `!document.querySelector('[role="dialog"]') &&
		document.activeElement === document.querySelector('[data-testid="canned-new"]')`, active)

	ann.checkClean(t)
	bob.checkClean(t)
	p.noExceptions(t)
}
