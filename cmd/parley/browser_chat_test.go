package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
)

// TestBrowserAssistantFeedbackAndTicket: the built-in assistant answers
// from the demo knowledge base under the site's assistant name, with
// thumbs; a downvote offers "Open a support ticket" with the email from the
// visitor's traits; the ticket references the conversation and its number
// shows in the form and the thread; an agent's reply carries the agent's
// name. Another visitor asks for a refund: the assistant's email step
// refuses an invalid address inline, then opens the ticket.
func TestBrowserAssistantFeedbackAndTicket(t *testing.T) {
	d := startDemoBrowser(t)
	n, token, auth := d.n, d.token, d.auth
	page := d.customerSite(t)
	siteIn(t, d.dataDir, d.siteKey, func(s *hub.Site) { s.Appearance.AssistantName = "Ava" })
	agent := agentFor(t, n, token)

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the customer page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))
	if err := p.evalPage(`Parley("identify", {name: "Ann", traits: {email: "ann@shop.test", plan: "pro"}}), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "open the chat", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat frame online", frameOnline, frameState)
	p.waitFrame(t, "composer focused", `document.activeElement === document.querySelector("form.c textarea")`, `document.activeElement.outerHTML`)
	const question = "How long does shipping take?"
	p.do(t, "ask", chromedp.KeyEvent(question), chromedp.KeyEvent("\r"))

	// 1. The answer arrives live, named after the site's assistant, with thumbs.
	p.waitFrame(t, "answer with its author and thumbs", `(() => {
		const li = document.querySelector("ol.log > li.in.assistant");
		return !!li && li.querySelector(".who").textContent === "Ava" &&
			li.querySelector(".body").textContent.startsWith("Orders ship within one business day") &&
			!!li.querySelector('button[aria-label="Mark response as helpful"][aria-pressed="false"]') &&
			!!li.querySelector('button[aria-label="Mark response as unhelpful"][aria-pressed="false"]');
	})()`, frameLog)
	conv := visitorConversation(t, n, auth)

	// 2. Thumbs down: stored, and a ticket is offered.
	if err := p.evalFrame(`document.querySelector('button[aria-label="Mark response as unhelpful"]').click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "downvote shown and ticket offered", `!!document.querySelector('button[aria-label="Mark response as unhelpful"][aria-pressed="true"]') &&
		document.querySelector("li.in.assistant .offer button").textContent === "Open a support ticket"`, `document.querySelector("li.in.assistant").outerHTML`)
	waitUntil(t, "the server keeps the downvote", func() (bool, any) {
		var out struct {
			Items []struct {
				AuthorKind string `json:"author_kind"`
				Feedback   string `json:"feedback"`
			} `json:"items"`
		}
		do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d/messages?after_seq=0", n.URL, conv), auth, nil, &out)
		return len(out.Items) == 2 && out.Items[1].AuthorKind == "assistant" && out.Items[1].Feedback == "down", out
	})

	// 3. The ticket form: email from the traits, subject from the question;
	// an invalid email is refused inline; a valid one creates the ticket.
	if err := p.evalFrame(`(b => (b.focus(), b.click(), true))(document.querySelector("li.in.assistant .offer button"))`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "ticket form prefilled", `document.querySelector('.tk[role="dialog"] #f-email').value === "ann@shop.test" &&
		document.querySelector(".tk #f-subject").value === `+jsString(question), `document.querySelector(".tk") && document.querySelector(".tk").outerHTML`)
	if err := p.evalFrame(`(() => {
		document.querySelector(".tk #f-email").value = "ann@";
		document.querySelector(".tk #f-description").value = "The answer does not say how long delivery to Norway takes.";
		document.querySelector(".tk button[type=submit]").click();
		return true;
	})()`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "invalid email refused inline", `document.querySelector(".tk #f-email").getAttribute("aria-invalid") === "true" &&
		document.getElementById("f-email-err").textContent.includes("valid email") && document.activeElement.id === "f-email"`,
		`document.querySelector(".tk").outerHTML`)
	if got := ticketsOf(t, n, auth); len(got) != 0 {
		t.Fatalf("an invalid email created tickets: %+v", got)
	}
	if err := p.evalFrame(`document.querySelector(".tk #f-email").value = "ann@shop.test", document.querySelector(".tk button[type=submit]").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	var tickets []wireTicket
	waitUntil(t, "the ticket exists", func() (bool, any) {
		tickets = ticketsOf(t, n, auth)
		return len(tickets) == 1, tickets
	})
	tk := tickets[0]
	if !strings.HasPrefix(tk.Ref, "TKT-") || tk.ConversationID != conv || tk.RequesterEmail != "ann@shop.test" || tk.Subject != question {
		t.Fatalf("ticket %+v, want conversation %d, ann@shop.test and subject %q", tk, conv, question)
	}
	shownRef := fmt.Sprintf(`document.querySelector(".tk .ok").textContent.includes(%[1]q) &&
		Array.from(document.querySelectorAll("ol.log > li.sys .body")).some(b => b.textContent === "Ticket " + %[1]q + " created")`, tk.Ref)
	p.waitFrame(t, "ticket number in the form and the thread", shownRef, `document.querySelector(".tk").outerHTML`)
	if err := p.evalFrame(`document.querySelector(".tk button.pri").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "form closed, focus back in the thread", `!document.querySelector(".tk") && !!document.activeElement.closest("li.in.assistant")`,
		`document.activeElement.outerHTML`)

	// 4. An agent's reply carries the agent's name.
	var me struct {
		Name string `json:"name"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", auth, nil, &me); st != 200 || me.Name == "" {
		t.Fatalf("/api/v1/me: status %d, %+v", st, me)
	}
	agentSend(t, agent, conv, "a1", "Ann from shipping here.")
	p.waitFrame(t, "agent reply with the agent's name", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.in.agent .who")).some(w => w.textContent === %q)`, me.Name), frameLog)

	// 5. Another visitor asks for a refund: the assistant asks for the email;
	// an invalid address is refused inline, a valid one opens the ticket.
	q := newTab(t, newBrowser(t), n.Origin, true)
	q.do(t, "load the page as another visitor", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher),
		chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	q.waitFrame(t, "second chat online", frameOnline, frameState)
	q.waitFrame(t, "second composer focused", `document.querySelector("form.c textarea").focus(), document.activeElement.tagName === "TEXTAREA"`, `document.activeElement.outerHTML`)
	q.do(t, "ask for a refund", chromedp.KeyEvent("I want a refund for my order"), chromedp.KeyEvent("\r"))
	q.waitFrame(t, "email step shown", `!!document.querySelector("ol.log > li.in.assistant:last-child .ask input")`, frameLog)
	if err := q.evalFrame(`document.querySelector(".ask input").value = "ann at shop", document.querySelector(".ask button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	q.waitFrame(t, "email step refuses an invalid address", `document.querySelector(".ask input").getAttribute("aria-invalid") === "true" &&
		document.querySelector(".ask .ferr").textContent.includes("valid email")`, `document.querySelector(".ask").outerHTML`)
	if err := q.evalFrame(`document.querySelector(".ask input").value = "bob@shop.test", document.querySelector(".ask button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	q.waitFrame(t, "email sent, ticket opened and confirmed", `!document.querySelector(".ask") &&
		Array.from(document.querySelectorAll("ol.log > li.sys .body")).some(b => b.textContent === "Ticket TKT-2 created") &&
		document.querySelector("ol.log > li.in.assistant:last-child .body").textContent.includes("TKT-2")`, frameLog)

	for _, tb := range []*tab{p, q} {
		tb.noExceptions(t)
	}
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// A 1×1 PNG and a one-page PDF, as the browser would read them from disk.
var (
	pngFile = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	pdfFile = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))
)

// pickFile puts a file into the composer's file input, as choosing it in
// the file dialog does.
func pickFile(tb testing.TB, p *tab, name, base64Data, sizeExpr string) {
	tb.Helper()
	data := "Uint8Array.from(atob(" + jsString(base64Data) + "), c => c.charCodeAt(0))"
	if sizeExpr != "" {
		data = "new Uint8Array(" + sizeExpr + ")"
	}
	js := `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([` + data + `], ` + jsString(name) + `));
		const input = document.querySelector("form.c input[type=file]");
		input.files = dt.files;
		input.dispatchEvent(new Event("change"));
		return true;
	})()`
	if err := p.evalFrame(js, nil); err != nil {
		tb.Fatal(err)
	}
}

// TestBrowserAttachments: the visitor sends an image (shown inline) and a
// PDF (a download); a file over the limit and a type the hub refuses get
// clear errors, and nothing of them reaches the server.
func TestBrowserAttachments(t *testing.T) {
	d := startDemoBrowser(t)
	n, auth := d.n, d.auth
	page := d.customerSite(t)
	withoutAssistant(t, n, d.token)

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the customer page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))
	p.do(t, "open the chat", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat frame online", frameOnline, frameState)
	if err := p.evalFrame(`document.querySelector('form.c button[aria-label="Attach a file"]') !== null`, nil); err != nil {
		t.Fatal(err)
	}

	// 1. An image: sent, then shown inline from the hub.
	pickFile(t, p, "dot.png", pngFile, "")
	p.waitFrame(t, "image shown inline", `(() => {
		const img = document.querySelector("ol.log > li.out a.img img");
		return !!img && img.complete && img.naturalWidth === 1 && img.alt === "dot.png" &&
			!!document.querySelector("ol.log > li.out .ss.sent");
	})()`, frameLog)

	// 2. A PDF: sent, shown as a download that the hub serves as one.
	pickFile(t, p, "invoice.pdf", pdfFile, "")
	p.waitFrame(t, "pdf shown as a download", `(() => {
		const a = document.querySelector("ol.log > li.out a.file");
		return !!a && a.hasAttribute("download") && a.textContent.startsWith("invoice.pdf (") &&
			document.querySelectorAll("ol.log > li.out .ss.sent").length === 2;
	})()`, frameLog)
	var href string
	if err := p.evalFrame(`document.querySelector("ol.log > li.out a.file").href`, &href); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(strings.Replace(href, n.Origin, n.URL, 1))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(string(body), "%PDF-") {
		t.Fatalf("GET %s: status %d, disposition %q", href, resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}

	// 3. Too large: refused in the frame before any upload.
	pickFile(t, p, "huge.pdf", "", "11 << 20")
	p.waitFrame(t, "too large refused", `document.querySelector("p.err").textContent.includes("too large") &&
		document.querySelectorAll("ol.log > li").length === 2`, `document.querySelector("p.err").textContent`)

	// 4. A type the hub refuses: the message fails with the hub's reason.
	pickFile(t, p, "tool.exe", base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")), "")
	p.waitFrame(t, "refused type fails with the reason", `(() => {
		const li = document.querySelector("ol.log > li.out:last-child");
		return !!li.querySelector(".ss.failed") && li.querySelector(".why").textContent.includes("not accepted") && !!li.querySelector("button.retry");
	})()`, frameLog)

	conv := visitorConversation(t, n, auth)
	var out struct {
		Items []struct {
			Body       string             `json:"body"`
			Attachment *hub.AttachmentRef `json:"attachment"`
		} `json:"items"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d/messages?after_seq=0", n.URL, conv), auth, nil, &out); st != 200 {
		t.Fatalf("list messages: status %d", st)
	}
	if len(out.Items) != 2 || out.Items[0].Attachment == nil || out.Items[0].Attachment.ContentType != "image/png" ||
		out.Items[1].Attachment == nil || out.Items[1].Attachment.ContentType != "application/pdf" {
		t.Fatalf("server holds %+v, want the PNG and the PDF only", out.Items)
	}
	p.noExceptions(t)
}
