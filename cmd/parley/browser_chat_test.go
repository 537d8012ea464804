package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/store/postgres"
)

// testAssistant stands in for the assistant (its own issue): a Service of
// its own on the cluster's Postgres and Redis, as another node is, writing
// as the assistant. The browser's node delivers what it writes live.
type testAssistant struct {
	svc *hub.Service
	db  *postgres.DB
}

type noHandler struct{}

func (noHandler) HandleMessage(string, []byte) {}
func (noHandler) HandleReset()                 {}

func newTestAssistant(tb testing.TB, env []string) *testAssistant {
	tb.Helper()
	get := func(name string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, name+"="); ok {
				return v
			}
		}
		tb.Fatalf("no %s in the cluster's environment", name)
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, get("PARLEY_DATABASE_URL"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	b, err := broker.NewRedis(ctx, noHandler{}, broker.RedisConfig{URL: get("PARLEY_REDIS_URL"), Prefix: get("PARLEY_REDIS_PREFIX"), Name: "assistant"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	secret, err := db.EnsureSetting(ctx, "visitor_token_secret", hub.RandomToken(32))
	if err != nil {
		tb.Fatal(err)
	}
	return &testAssistant{svc: &hub.Service{Store: db, Publisher: b, Log: hubtest.Logger(tb), Secret: []byte(secret)}, db: db}
}

// say writes body into the conversation as the assistant.
func (a *testAssistant) say(tb testing.TB, conv int64, body, prompt string) *hub.Message {
	tb.Helper()
	ctx := context.Background()
	c, err := a.db.FindConversationByID(ctx, conv)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := a.svc.SendMessage(ctx, hub.Actor{Kind: hub.ActorAssistant, TenantID: c.TenantID},
		hub.NewMessage{ConversationID: conv, Body: body, StatusType: hub.StatusMatchedContent, Prompt: prompt})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// browserClusterEnv is clusterEnv without its base URL: startBrowserNode
// sets the proxy's.
func browserClusterEnv(tb testing.TB) []string {
	var env []string
	for _, kv := range clusterEnv(tb) {
		if !strings.HasPrefix(kv, "PARLEY_BASE_URL=") {
			env = append(env, kv)
		}
	}
	return env
}

// TestBrowserAssistantFeedbackAndTicket: the assistant's answers carry its
// name and thumbs; a downvote offers "Open a support ticket" with the email
// from the visitor's traits; the ticket references the conversation and its
// number shows in the form and the thread; the assistant's email step
// refuses an invalid address inline and sends a valid one; an agent's reply
// carries the agent's name.
func TestBrowserAssistantFeedbackAndTicket(t *testing.T) {
	chromiumPath(t)
	env := browserClusterEnv(t)
	n, _ := startBrowserNode(t, env...)
	assistant := newTestAssistant(t, env)
	email, password := demoLogin(t, n)
	siteKey := demoSiteKey(t, n)
	page := customerSite(t, n.Origin, siteKey)
	ctx := context.Background()
	site, err := assistant.db.FindSiteByKey(ctx, siteKey)
	if err != nil {
		t.Fatal(err)
	}
	site.AllowedOrigins = append(site.AllowedOrigins, page)
	site.Appearance.AssistantName = "Ava"
	if err := assistant.db.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	token := login(t, n, email, password)
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	agent := agentFor(t, n, token)

	p := newTab(t, newBrowser(t), n.Origin, true)
	p.do(t, "load the customer page", chromedp.Navigate(page+"/"), chromedp.WaitVisible(launcher))
	if err := p.evalPage(`Parley("identify", {name: "Ann", traits: {email: "ann@shop.test", plan: "pro"}}), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.do(t, "open the chat", chromedp.Click(launcher), chromedp.WaitVisible(chatFrame))
	p.waitFrame(t, "chat frame online", frameOnline, frameState)
	p.waitFrame(t, "composer focused", `document.activeElement === document.querySelector("form.c textarea")`, `document.activeElement.outerHTML`)
	const question = "How do I get a refund?"
	p.do(t, "ask", chromedp.KeyEvent(question), chromedp.KeyEvent("\r"))
	p.waitFrame(t, "question sent", `!!document.querySelector("ol.log > li.out .ss.sent")`, frameLog)
	conv := visitorConversation(t, n, bearer)

	// 1. The answer arrives live, named after the site's assistant, with thumbs.
	answer := assistant.say(t, conv, "Refunds are in Settings → Billing.", "")
	p.waitFrame(t, "answer with its author and thumbs", `(() => {
		const li = document.querySelector("ol.log > li.in.assistant");
		return !!li && li.querySelector(".who").textContent === "Ava" &&
			!!li.querySelector('button[aria-label="Mark response as helpful"][aria-pressed="false"]') &&
			!!li.querySelector('button[aria-label="Mark response as unhelpful"][aria-pressed="false"]');
	})()`, frameLog)

	// 2. Thumbs down: stored, and a ticket is offered.
	if err := p.evalFrame(`document.querySelector('button[aria-label="Mark response as unhelpful"]').click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "downvote shown and ticket offered", `!!document.querySelector('button[aria-label="Mark response as unhelpful"][aria-pressed="true"]') &&
		document.querySelector("li.in.assistant .offer button").textContent === "Open a support ticket"`, `document.querySelector("li.in.assistant").outerHTML`)
	waitUntil(t, "the server keeps the downvote", func() (bool, any) {
		m, err := assistant.db.FindMessageByID(ctx, answer.ID)
		return err == nil && m.Feedback == hub.FeedbackDown, m
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
		document.querySelector(".tk #f-description").value = "I was charged twice for order 1042.";
		document.querySelector(".tk button[type=submit]").click();
		return true;
	})()`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "invalid email refused inline", `document.querySelector(".tk #f-email").getAttribute("aria-invalid") === "true" &&
		document.getElementById("f-email-err").textContent.includes("valid email") && document.activeElement.id === "f-email"`,
		`document.querySelector(".tk").outerHTML`)
	if got := ticketsOf(t, n, bearer); len(got) != 0 {
		t.Fatalf("an invalid email created tickets: %+v", got)
	}
	if err := p.evalFrame(`document.querySelector(".tk #f-email").value = "ann@shop.test", document.querySelector(".tk button[type=submit]").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	var tickets []wireTicket
	waitUntil(t, "the ticket exists", func() (bool, any) {
		tickets = ticketsOf(t, n, bearer)
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

	// 4. The email step: an invalid address is refused inline, a valid one is sent.
	assistant.say(t, conv, "What email should we use to reach you?", hub.PromptEmail)
	p.waitFrame(t, "email step shown, prefilled", `document.querySelector("ol.log > li:last-child .ask input").value === "ann@shop.test"`, frameLog)
	if err := p.evalFrame(`document.querySelector(".ask input").value = "ann at shop", document.querySelector(".ask button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "email step refuses an invalid address", `document.querySelector(".ask input").getAttribute("aria-invalid") === "true" &&
		document.querySelector(".ask .ferr").textContent.includes("valid email")`, `document.querySelector(".ask").outerHTML`)
	if err := p.evalFrame(`document.querySelector(".ask input").value = "ann.lee@shop.test", document.querySelector(".ask button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFrame(t, "email sent, step gone", `!document.querySelector(".ask") &&
		document.querySelector("ol.log > li.out:last-child .body").textContent === "ann.lee@shop.test" &&
		!!document.querySelector("ol.log > li.out:last-child .ss.sent")`, frameLog)

	// 5. An agent's reply carries the agent's name.
	var me struct {
		Name string `json:"name"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", bearer, nil, &me); st != 200 || me.Name == "" {
		t.Fatalf("/api/v1/me: status %d, %+v", st, me)
	}
	agentSend(t, agent, conv, "a1", "Ann from billing here.")
	p.waitFrame(t, "agent reply with the agent's name", fmt.Sprintf(`Array.from(document.querySelectorAll("ol.log > li.in.agent .who")).some(w => w.textContent === %q)`, me.Name), frameLog)

	if ex := p.exceptionLines(); len(ex) > 0 {
		t.Fatalf("uncaught exceptions in the page or the frame:\n%s", strings.Join(ex, "\n"))
	}
}

type wireTicket struct {
	ID             int64  `json:"id"`
	Ref            string `json:"ref"`
	Subject        string `json:"subject"`
	RequesterEmail string `json:"requester_email"`
	ConversationID int64  `json:"conversation_id"`
}

func ticketsOf(tb testing.TB, n *testNode, bearer http.Header) []wireTicket {
	tb.Helper()
	var out struct {
		Items []wireTicket `json:"items"`
	}
	if st := do(tb, "GET", n.URL+"/api/v1/tickets", bearer, nil, &out); st != 200 {
		tb.Fatalf("list tickets: status %d", st)
	}
	return out.Items
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
	chromiumPath(t)
	dataDir := t.TempDir()
	n, _ := startBrowserNode(t, "PARLEY_DATA_DIR="+dataDir)
	email, password := demoLogin(t, n)
	siteKey := demoSiteKey(t, n)
	page := customerSite(t, n.Origin, siteKey)
	allowOrigin(t, dataDir, siteKey, page)
	bearer := http.Header{"Authorization": {"Bearer " + login(t, n, email, password)}}

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

	conv := visitorConversation(t, n, bearer)
	var out struct {
		Items []struct {
			Body       string             `json:"body"`
			Attachment *hub.AttachmentRef `json:"attachment"`
		} `json:"items"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d/messages?after_seq=0", n.URL, conv), bearer, nil, &out); st != 200 {
		t.Fatalf("list messages: status %d", st)
	}
	if len(out.Items) != 2 || out.Items[0].Attachment == nil || out.Items[0].Attachment.ContentType != "image/png" ||
		out.Items[1].Attachment == nil || out.Items[1].Attachment.ContentType != "application/pdf" {
		t.Fatalf("server holds %+v, want the PNG and the PDF only", out.Items)
	}
	if ex := p.exceptionLines(); len(ex) > 0 {
		t.Fatalf("uncaught exceptions in the page or the frame:\n%s", strings.Join(ex, "\n"))
	}
}
