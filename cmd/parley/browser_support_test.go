package main

import (
	"fmt"
	"net/http"
	"testing"
)

// supportRow is the row of a ticket in the Support list, or in a staff
// member's ticket list.
func supportRow(id int64) string {
	return fmt.Sprintf(`document.querySelector('[data-testid="ticket-row"][data-id="%d"]')`, id)
}

// rowStatus is the status of a ticket's row ("" for no row).
func rowStatus(id int64) string {
	return fmt.Sprintf(`((r) => r ? r.querySelector('[data-testid="status"]').dataset.status || r.querySelector('[data-testid="status"]').textContent : "")(%s)`, supportRow(id))
}

// shownRows is the ids of the list's rows, in order.
const shownRows = `Array.from(document.querySelectorAll('[data-testid="ticket-row"]'), r => +r.dataset.id)`

// alignOf is how the timeline lays out the first message of kind (the
// workspace's own on the right, the team's on the left).
func alignOf(kind string) string {
	return fmt.Sprintf(`getComputedStyle(document.querySelector('[data-testid="message"][data-kind=%q]')).alignSelf`, kind)
}

// pathID is the id at the end of the page's path.
func (a *agentTab) pathID(tb testing.TB) int64 {
	tb.Helper()
	var id int64
	if err := a.evalPage(`+location.pathname.split("/").pop()`, &id); err != nil || id == 0 {
		tb.Fatalf("%s: no id in the path (%v)", a.name, err)
	}
	return id
}

// supportTicketOf reads a support ticket as the workspace sees it.
type supportTicketWire struct {
	ID              int64  `json:"id"`
	Ref             string `json:"ref"`
	Subject         string `json:"subject"`
	Status          string `json:"status"`
	Queue           string `json:"queue"`
	RequestType     string `json:"request_type"`
	Priority        string `json:"priority"`
	Unread          int    `json:"unread"`
	ConversationID  int64  `json:"conversation_id"`
	FollowsTicketID int64  `json:"follows_ticket_id"`
	DueAt           string `json:"due_at"`
}

func supportTicketOf(tb testing.TB, n *testNode, auth http.Header, id int64) supportTicketWire {
	tb.Helper()
	var tk supportTicketWire
	if st := do(tb, "GET", fmt.Sprintf("%s/api/v1/support/tickets/%d", n.URL, id), auth, nil, &tk); st != 200 {
		tb.Fatalf("GET support ticket %d: status %d", id, st)
	}
	return tk
}

// TestBrowserSupport drives the Support section (000, 001) with a
// workspace owner and a platform staff member in two browsers: the owner
// opens a ticket through "+ New ticket" (On Customer); staff see it arrive
// live, reply and send a PNG; the owner sees the red unread indicator,
// opens the ticket (the indicator clears, the image is inline, own
// messages right and the team's left) and answers; search by title and
// the status filter; staff resolve it and the owner's ticket turns Done
// live, its composer replaced by a new ticket that refers to it. Staff
// sort their inbox by due time and by queue. Support access: closed, the
// staff's Workspaces list is empty; opened, staff view the workspace
// read-only (a conversation without composer) and the owner's activity
// log shows each view; Leave returns to the staff's own inbox, and
// closing the access ends the view. Then the four-step
// review of an assistant's answer from a conversation through to Send:
// the review ticket is in the owner's Support list (On Customer) and in
// the staff's AI reviews queue with its context report. Last, the Support
// page in Russian.
func TestBrowserSupport(t *testing.T) {
	d := startDemoBrowser(t)
	n, dataDir, ownerEmail, ownerPassword, siteKey, owner := d.n, d.dataDir, d.email, d.password, d.siteKey, d.auth
	if st := do(t, "PATCH", n.URL+"/api/v1/me", owner, map[string]string{"name": "Olga Owner"}, nil); st != 200 {
		t.Fatalf("rename the owner: status %d", st)
	}
	const staffEmail = "sam@parley.test"
	staff := inboxUser(t, n, []string{"PARLEY_DATA_DIR=" + dataDir}, staffEmail, "-staff", "-name", "Sam Staff")
	var staffMe struct {
		Staff bool `json:"staff"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", staff, nil, &staffMe); st != 200 || !staffMe.Staff {
		t.Fatalf("staff /me: status %d, %+v", st, staffMe)
	}

	// A visitor asks the demo site's assistant, which answers: the
	// conversation staff will view, and the answer the owner reviews.
	visitor := visitorFor(t, n, siteKey, n.Origin)
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "How long does shipping take?"})
	var answer wireMessage
	for answer.AuthorKind != "assistant" {
		answer = visitor.nextMessage()
	}
	conv := answer.ConversationID

	// 1. Both sign in; the menu has Support for the owner, Workspaces for
	// staff, and not the other way round.
	ann := newAgentTab(t, n, "owner")
	sam := newAgentTab(t, n, "staff")
	ann.loginUI(t, n, ownerEmail, ownerPassword)
	sam.loginUI(t, n, staffEmail, inboxPassword)
	ann.wait(t, "Support in the owner's menu", `!!document.querySelector('[data-testid="nav-support"]') && !document.querySelector('[data-testid="nav-workspaces"]')`,
		`document.querySelector("nav").innerText`)
	sam.wait(t, "Workspaces in the staff's menu", `!!document.querySelector('[data-testid="nav-workspaces"]') && !document.querySelector('[data-testid="nav-support"]')`,
		`document.querySelector("nav").innerText`)

	// 2. The owner opens a ticket through "+ New ticket".
	ann.click(t, tid("nav-support"))
	ann.wait(t, "the Support page, access closed", `location.pathname === "/support" && document.querySelector('[data-testid="support-title"]').textContent === "Support" &&
		document.querySelector('[data-testid="access-state"]').textContent === "Access closed" && !document.querySelector('[data-testid="access-toggle"]').checked`,
		`document.querySelector('[data-testid="support"]')?.innerText`)
	ann.click(t, tid("new-ticket"))
	ann.wait(t, "the new ticket dialog", `(d => !!d && d.getAttribute("aria-modal") === "true" && d.textContent.includes("URGENT") && Array.from(d.querySelectorAll('[data-testid="new-ticket-type"] option'), o => o.textContent).join("|") ===
		"Critical issue — within a few hours|Configuration or feature question — within one business day|Feature request or suggestion — within 1–2 business days")(document.querySelector('[data-testid="new-ticket-dialog"]')) && `+focusIn,
		`document.querySelector('[data-testid="new-ticket-dialog"]')?.innerText`)
	const subject = "Widget does not load on checkout"
	ann.setField(t, tid("new-ticket-title"), subject)
	ann.setField(t, tid("new-ticket-type"), "question")
	ann.setField(t, tid("new-ticket-body"), "The chat launcher is missing on /checkout since yesterday.")
	ann.click(t, tid("new-ticket-submit"))
	ann.wait(t, "the ticket opened, On Customer", `/^\/support\/\d+$/.test(location.pathname) && !document.querySelector('[data-testid="new-ticket-dialog"]') &&
		document.querySelector('[data-testid="detail-subject"]').textContent === `+jsString(subject)+` &&
		JSON.stringify(`+bodies+`).includes("missing on /checkout")`, `document.body.innerText.slice(0, 600)`)
	t1 := ann.pathID(t)
	ann.wait(t, "On Customer in the list", rowStatus(t1)+` === "on_customer" && `+supportRow(t1)+`.querySelector('[data-testid="status"]').textContent === "On Customer"`,
		`document.querySelector('[data-testid="ticket-list"]').innerText`)
	ann.wait(t, "own message on the right", alignOf("visitor")+` === "flex-end"`, alignOf("visitor"))
	if tk := supportTicketOf(t, n, owner, t1); tk.Status != "on_customer" || tk.Queue != "support" || tk.RequestType != "question" || tk.Subject != subject {
		t.Fatalf("the new ticket: %+v", tk)
	}

	// 3. Staff see it arrive in their inbox, live, with its request type
	// and due time; they reply and send a PNG.
	sam.wait(t, "the ticket arrives live", fmt.Sprintf(`!!%[1]s && %[1]s.querySelector('[data-testid="ticket-subject"]').textContent === %[2]q &&
		%[1]s.querySelector('[data-testid="request-type"]').dataset.type === "question" && !!%[1]s.querySelector('[data-testid="due"]')`, supportRow(t1), subject),
		`document.querySelector('[data-testid="ticket-list"]').innerText`)
	// The owner leaves the ticket: what staff write is unread.
	ann.click(t, tid("filter-all"))
	ann.wait(t, "back to the list", `location.pathname === "/support" && !document.querySelector('[data-testid="ticket-detail"]')`, `location.href`)
	sam.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, t1))
	sam.wait(t, "the owner's message, from the workspace", `JSON.stringify(`+bodies+`).includes("missing on /checkout")`, bodies)
	sam.setField(t, tid("reply-box"), "Thanks, we are looking into it.")
	sam.click(t, tid("reply-send"))
	sam.wait(t, "the reply sent", `JSON.stringify(`+bodies+`).includes("looking into it") && !document.querySelector('[data-testid="message-pending"]')`, agentThread)
	sam.attachFile(t, "screen.png", pngFile, "")
	sam.wait(t, "the PNG sent", agentImage("screen.png")+` && !document.querySelector('[data-testid="message-pending"]')`, agentThread)

	// 4. The owner sees the red indicator with 2, opens the ticket: the
	// indicator clears, the image is inline, the team's messages left.
	ann.wait(t, "unread indicator 2", rowUnread(t1)+` === "2" && getComputedStyle(`+supportRow(t1)+`.querySelector('[data-testid="unread"]')).backgroundColor === "rgb(192, 54, 44)"`, rowUnread(t1))
	ann.wait(t, "unread in the menu", `(document.querySelector('[data-testid="nav-support-unread"]') || {}).textContent === "2"`, `document.querySelector("nav").innerText`)
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, t1))
	ann.wait(t, "the image inline", agentImage("screen.png"), agentThread)
	ann.wait(t, "indicator cleared", rowUnread(t1)+` === "" && !document.querySelector('[data-testid="nav-support-unread"]')`, rowUnread(t1))
	ann.wait(t, "the team's message on the left", alignOf("agent")+` === "flex-start"`, alignOf("agent"))
	waitUntil(t, "the server's unread count 0", func() (bool, any) {
		tk := supportTicketOf(t, n, owner, t1)
		return tk.Unread == 0, tk.Unread
	})
	ann.setField(t, tid("reply-box"), "It happens in Chrome and Firefox.")
	ann.click(t, tid("reply-send"))
	sam.wait(t, "the owner's answer, live", `JSON.stringify(`+bodies+`).includes("Chrome and Firefox")`, bodies)

	// 5. A second ticket, opened elsewhere (REST), joins the list live;
	// "URGENT" in its title makes it critical.
	var t2 supportTicketWire
	if st := do(t, "POST", n.URL+"/api/v1/support/tickets", owner, map[string]any{"subject": "URGENT: invoices charged twice",
		"body": "We were charged twice this month.", "request_type": "question"}, &t2); st != 201 {
		t.Fatalf("open a second ticket: status %d", st)
	}
	if t2.RequestType != "critical" || t2.Priority != "urgent" {
		t.Fatalf("an URGENT title: %+v", t2)
	}
	ann.wait(t, "the second ticket in the list", fmt.Sprintf(`JSON.stringify(%s) === "[%d,%d]"`, shownRows, t2.ID, t1), shownRows)

	// Search by title, and the status filter.
	ann.setField(t, tid("ticket-search"), "checkout")
	ann.js(t, `document.querySelector('[data-testid="ticket-search"]').form.requestSubmit(), true`)
	ann.wait(t, "search by title", fmt.Sprintf(`location.search === "?q=checkout" && JSON.stringify(%s) === "[%d]"`, shownRows, t1), shownRows)
	ann.click(t, tid("filter-done"))
	ann.wait(t, "no ticket is done", `location.search.includes("status=done") && !document.querySelector('[data-testid="ticket-row"]') && !!document.querySelector(".empty")`, shownRows)
	ann.setField(t, tid("ticket-search"), "")
	ann.js(t, `document.querySelector('[data-testid="ticket-search"]').form.requestSubmit(), true`)
	ann.click(t, tid("filter-on_customer"))
	ann.wait(t, "both On Customer", fmt.Sprintf(`location.search === "?status=on_customer" && JSON.stringify(%s) === "[%d,%d]"`, shownRows, t2.ID, t1), shownRows)
	ann.click(t, tid("filter-all"))
	ann.wait(t, "all tickets", fmt.Sprintf(`location.search === "" && JSON.stringify(%s) === "[%d,%d]"`, shownRows, t2.ID, t1), shownRows)
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, t1))
	ann.wait(t, "the ticket with its composer", `!!document.querySelector('[data-testid="reply-box"]')`, `document.querySelector('[data-testid="ticket-detail"]')?.innerText`)

	// 6. Staff sort by due time (the critical ticket first) and by queue.
	sam.click(t, tid("filter-all"))
	sam.click(t, tid("queue-support"))
	sam.click(t, tid("sort-due"))
	sam.wait(t, "due order", fmt.Sprintf(`location.search.includes("queue=support") && location.search.includes("sort=due") && JSON.stringify(%s) === "[%d,%d]" &&
		!document.querySelector('[data-testid="load-more"]') && %s.querySelector('[data-testid="request-type"]').dataset.type === "critical"`, shownRows, t2.ID, t1, supportRow(t2.ID)),
		shownRows)
	sam.click(t, tid("sort-newest"))
	sam.wait(t, "newest first", fmt.Sprintf(`!location.search.includes("sort=due") && JSON.stringify(%s) === "[%d,%d]"`, shownRows, t2.ID, t1), shownRows)
	sam.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, t1))

	// Staff see a support ticket as one: SUP-n, the workspace that asked
	// (not a visitor's card), and "Reply to the workspace".
	sam.wait(t, "the support ticket's template", `document.querySelector('[data-testid="ticket-detail"] .ref').textContent.startsWith("SUP-") &&
		document.querySelector('[data-testid="workspace-name"]').textContent.startsWith("Demo") && !document.querySelector('[data-testid="visitor-info"]') &&
		document.querySelector('[data-testid="reply-box"]').getAttribute("aria-label") === "Reply to the workspace"`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)

	// 7. Staff resolve it: Done for the owner, live, and the composer is
	// replaced by a new ticket that refers to it. Done is final for staff
	// too: no reopening, no reply.
	sam.setField(t, tid("ticket-status"), "resolved")
	sam.wait(t, "Done is final for staff", `document.querySelector('[data-testid="ticket-status"]').disabled && !document.querySelector('[data-testid="reopen"]') &&
		!document.querySelector('[data-testid="reply-box"]') && document.querySelector('[data-testid="done-note"]').textContent.includes("Done is final")`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)
	var refused struct {
		Code   string `json:"code"`
		Reason string `json:"reason"`
	}
	if st := do(t, "PATCH", fmt.Sprintf("%s/api/v1/tickets/%d", n.URL, t1), staff, map[string]string{"status": "open"}, &refused); st != 409 || refused.Reason != "ticket_done" {
		t.Fatalf("staff reopening a Done ticket: %d %+v, want 409 ticket_done", st, refused)
	}
	ann.wait(t, "Done, live", rowStatus(t1)+` === "done" && document.querySelector('[data-testid="ticket-detail"] [data-testid="status"]').textContent === "Done" &&
		!document.querySelector('[data-testid="composer"]') && !!document.querySelector('[data-testid="support-done"]')`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)
	ann.click(t, tid("follow-up"))
	ann.wait(t, "New ticket prefilled", fmt.Sprintf(`(d => !!d && d.querySelector('[data-testid="new-ticket-follows"]').dataset.id === "%d" &&
		d.querySelector('[data-testid="new-ticket-title"]').value === %q && d.querySelector('[data-testid="new-ticket-body"]').value.startsWith("Follow-up to SUP-"))(document.querySelector('[data-testid="new-ticket-dialog"]'))`, t1, subject),
		`document.querySelector('[data-testid="new-ticket-dialog"]')?.innerText`)
	ann.setField(t, tid("new-ticket-body"), "Follow-up: the launcher is missing again.")
	ann.click(t, tid("new-ticket-submit"))
	ann.wait(t, "the follow-up ticket", fmt.Sprintf(`/^\/support\/\d+$/.test(location.pathname) && location.pathname !== "/support/%d" && !!document.querySelector('[data-testid="detail-follows"]')`, t1),
		`document.body.innerText.slice(0, 400)`)
	t3 := ann.pathID(t)
	if tk := supportTicketOf(t, n, owner, t3); tk.FollowsTicketID != t1 || tk.Status != "on_customer" {
		t.Fatalf("the follow-up: %+v, want it to follow %d", tk, t1)
	}
	ann.click(t, tid("filter-done"))
	ann.wait(t, "only the resolved ticket is Done", fmt.Sprintf(`JSON.stringify(%s) === "[%d]"`, shownRows, t1), shownRows)

	// 8. Support access. Closed: staff have no workspace to view.
	sam.click(t, tid("nav-workspaces"))
	sam.wait(t, "no workspace open", `!!document.querySelector('[data-testid="workspaces-empty"]') && !document.querySelector('[data-testid="workspace"]')`,
		`document.querySelector('[data-testid="workspaces"]')?.innerText`)
	ann.setField(t, tid("access-duration"), "60")
	ann.click(t, tid("access-toggle"))
	ann.wait(t, "access open for an hour", `document.querySelector('[data-testid="access-state"]').textContent === "Access open" &&
		document.querySelector('[data-testid="access-toggle"]').checked && !!document.querySelector('[data-testid="access-until"]')`,
		`document.querySelector('[data-testid="support-access"]').innerText`)
	var workspaces struct {
		Items []struct {
			ID    int64  `json:"id"`
			Name  string `json:"name"`
			Until string `json:"until"`
		} `json:"items"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/staff/workspaces", staff, nil, &workspaces); st != 200 || len(workspaces.Items) != 1 || workspaces.Items[0].Until == "" {
		t.Fatalf("staff's workspaces: status %d, %+v", st, workspaces)
	}
	ws := workspaces.Items[0]
	sam.click(t, tid("workspaces-refresh"))
	sam.click(t, fmt.Sprintf(`[data-testid="workspace"][data-id="%d"] [data-testid="view-workspace"]`, ws.ID))
	sam.wait(t, "viewing the workspace", fmt.Sprintf(`(document.querySelector('[data-testid="viewing-banner"]') || {}).innerText?.startsWith(%q) &&
		location.pathname === "/conversations" && !document.querySelector('[data-testid="nav-workspaces"]')`, "Viewing "+ws.Name+" — read-only (support access)"),
		`document.body.innerText.slice(0, 300)`)
	sam.click(t, fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, conv))
	sam.wait(t, "the conversation, read-only", `Array.from(document.querySelectorAll('[data-testid="message-label"]'), l => l.textContent).join(",").startsWith("USER,ASSISTANT") &&
		JSON.stringify(`+bodies+`).includes("How long does shipping take?") && !!document.querySelector('[data-testid="read-only-note"]') &&
		!document.querySelector('[data-testid="composer"]') && !document.querySelector('[data-testid="take-over"]') && !document.querySelector('[data-testid="review-button"]')`,
		`document.querySelector('[data-testid="conversation-detail"]')?.innerText`)

	// The owner's activity log shows what staff looked at, in words: never
	// a request line or JSON.
	ann.click(t, tid("activity-open"))
	ann.wait(t, "staff's views in the activity log", fmt.Sprintf(`(l => !!l && ((views) => [%q, %q, %q].every(w => views.some(v => v.includes(w))))(
		Array.from(l.querySelectorAll('[data-testid="audit-entry"][data-action="support.view"]'), e => e.textContent)) &&
		!!l.querySelector('[data-testid="audit-entry"][data-action="support.access"]') && !/[{}]|GET |\/api\//.test(l.textContent))(document.querySelector('[data-testid="audit-list"]'))`,
		fmt.Sprintf("Sam Staff (staff) viewed conversation #%d", conv), "Sam Staff (staff) connected live", "Sam Staff (staff) opened the conversation list"),
		`document.querySelector('[data-testid="activity-log"]')?.innerText`)
	ann.shot(t, "support-activity-log")
	ann.click(t, tid("modal-close"))

	// Leave returns staff to their own inbox; they come back to the view.
	sam.click(t, tid("leave-view"))
	sam.wait(t, "left the view", `!document.querySelector('[data-testid="viewing-banner"]') && !document.querySelector('[data-testid="view-ended"]') &&
		location.pathname === "/tickets" && !!`+supportRow(t1)+` && !!document.querySelector('[data-testid="nav-workspaces"]')`, `document.body.innerText.slice(0, 300)`)
	sam.click(t, tid("nav-workspaces"))
	sam.click(t, fmt.Sprintf(`[data-testid="workspace"][data-id="%d"] [data-testid="view-workspace"]`, ws.ID))
	sam.wait(t, "viewing again", `!!document.querySelector('[data-testid="viewing-banner"]') && location.pathname === "/conversations"`, `document.body.innerText.slice(0, 300)`)

	// 9. Closing the access ends the staff's view: back to their inbox.
	ann.click(t, tid("access-toggle"))
	ann.wait(t, "access closed", `document.querySelector('[data-testid="access-state"]').textContent === "Access closed"`, `document.querySelector('[data-testid="support-access"]').innerText`)
	sam.wait(t, "the view ended", fmt.Sprintf(`!document.querySelector('[data-testid="viewing-banner"]') && (document.querySelector('[data-testid="view-ended"]') || {}).textContent?.includes(%q) &&
		location.pathname === "/tickets" && !!%s`, ws.Name, supportRow(t1)), `document.body.innerText.slice(0, 300)`)

	// 10. The four-step review of the assistant's answer.
	ann.click(t, tid("nav-conversations"))
	ann.click(t, fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, conv))
	reviewButton := fmt.Sprintf(`[data-testid="message"][data-id="%d"] button[aria-label="Mark response as unhelpful"]`, answer.ID)
	ann.wait(t, "the thumbs-down on the assistant's answer, not the visitor's", `!document.querySelector('[data-kind="visitor"] [data-testid="review-button"]') &&
		!!document.querySelector(`+jsString(reviewButton)+`)`, agentThread)
	ann.click(t, reviewButton)
	step := func(n string) string {
		return fmt.Sprintf(`(document.querySelector('[data-testid="review"] .review-step') || {}).dataset?.step === %q`, n)
	}
	title := `document.getElementById(document.querySelector('[data-testid="review"]').getAttribute("aria-labelledby")).textContent`
	ann.wait(t, "step 1: the diagnostics", step("1")+` && `+title+` === "Step 1 of 4 — Bad response review" &&
		document.querySelector('[data-testid="review-language"]').textContent === "Message language: English" &&
		document.querySelector('[data-testid="review-tools"] summary').textContent.startsWith("Tools used") &&
		document.querySelector('[data-testid="review-source"]').textContent.startsWith("What the agent did: ") &&
		document.querySelector('[data-testid="review-decision"]').textContent.startsWith("Final decision: ") && `+focusIn,
		`document.querySelector('[data-testid="review"]')?.innerText`)
	ann.wait(t, "step 1's buttons", `Array.from(document.querySelectorAll('[data-testid="review"] .modal-actions button'), b => b.textContent).join("|") === "Cancel|It's the settings|The problem is something else →"`,
		`document.querySelector('[data-testid="review"] .modal-actions').innerText`)
	ann.click(t, tid("review-settings"))
	ann.wait(t, "step 2: instructions and tools", step("2")+` && `+title+` === "Step 2 of 4 — Check the instructions and tools" &&
		document.querySelector('[data-testid="review"]').textContent.includes("The instructions might be incomplete — the agent didn't realize it had to call a tool.") &&
		document.querySelector('[data-testid="review-tool-list"]').textContent.includes("knowledge_search") && !!document.querySelector('[data-testid="review-instructions"]') && `+focusIn,
		`document.querySelector('[data-testid="review"]')?.innerText`)
	ann.click(t, tid("review-instructions-ok"))
	ann.wait(t, "step 3: Next waits for the expected response", step("3")+` && `+title+` === "Step 3 of 4 — Describe the problem" &&
		document.querySelector('[data-testid="review-next"]').disabled && document.querySelectorAll('[data-testid="review-cause"] option').length === 6 &&
		document.activeElement === document.querySelector('[data-testid="review-expected"]')`, `document.querySelector('[data-testid="review"]')?.innerText`)
	const expected = "Orders ship within 24 hours; delivery takes 3-5 days."
	ann.setField(t, tid("review-expected"), expected)
	ann.setField(t, tid("review-cause"), "unused_knowledge")
	ann.setField(t, tid("review-comments"), "The knowledge base has the shipping times.")
	ann.click(t, tid("review-next"))
	ann.wait(t, "step 4: the summary", step("4")+` && `+title+` === "Step 4 of 4 — Thank you, your feedback matters" &&
		document.querySelector('[data-testid="review-summary"]').textContent === `+jsString("Expected response: "+expected+", Cause: Didn't use knowledge / tool")+` &&
		document.querySelector('[data-testid="review"]').textContent.includes("A response usually arrives within 3 business days.") &&
		document.querySelector('[data-testid="review"]').textContent.includes("A context report for the case will be automatically attached to the support request.") &&
		document.querySelector('[data-testid="review-report-link"]').textContent === "📎 Open context report →"`, `document.querySelector('[data-testid="review"]')?.innerText`)
	ann.click(t, tid("review-report-link"))
	ann.wait(t, "the context report, previewed", step("report")+` && document.querySelector('[data-testid="review-report"]').textContent.includes("Message language: English") &&
		document.querySelector('[data-testid="review-report"]').textContent.includes("Expected response: `+expected+`")`, `document.querySelector('[data-testid="review"]')?.innerText`)
	ann.click(t, tid("review-report-back"))
	ann.click(t, tid("review-send"))
	ann.wait(t, "sent", step("sent")+` && !!document.querySelector('[data-testid="review-ticket-link"]')`, `document.querySelector('[data-testid="review"]')?.innerText`)
	ann.click(t, tid("review-ticket-link"))
	ann.wait(t, "the review ticket in Support, On Customer", `/^\/support\/\d+$/.test(location.pathname) && !document.querySelector('[data-testid="review"]') &&
		document.querySelector('[data-testid="detail-subject"]').textContent.startsWith("Unhelpful AI response")`, `document.body.innerText.slice(0, 400)`)
	t4 := ann.pathID(t)
	ann.wait(t, "On Customer in the list", rowStatus(t4)+` === "on_customer"`, `document.querySelector('[data-testid="ticket-list"]').innerText`)
	if tk := supportTicketOf(t, n, owner, t4); tk.Queue != "ai_review" || tk.Status != "on_customer" {
		t.Fatalf("the review ticket: %+v", tk)
	}

	// Staff find it under AI reviews, with the context report attached.
	sam.click(t, tid("queue-ai_review"))
	sam.wait(t, "only the review under AI reviews", fmt.Sprintf(`location.search.includes("queue=ai_review") && JSON.stringify(%s) === "[%d]"`, shownRows, t4), shownRows)
	sam.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, t4))
	sam.wait(t, "the context report attached", fmt.Sprintf(`(a => !!a && a.getAttribute("download") === "context-report-%d.txt" && a.getAttribute("href").startsWith("/files/"))(
		document.querySelector('[data-testid="attachment-file"]'))`, answer.ID), agentThread)
	sam.wait(t, "the summary as the first message", `JSON.stringify(`+bodies+`).includes(`+jsString("Expected response: "+expected)+`)`, bodies)

	// 11. The Support page in Russian.
	ann.setField(t, tid("lang-switch"), "ru")
	ann.click(t, tid("nav-support"))
	ann.wait(t, "Russian Support page", `document.querySelector('[data-testid="support-title"]').textContent === "Поддержка" &&
		document.querySelector('[data-testid="nav-support"]').textContent.startsWith("Поддержка") &&
		document.querySelector('[data-testid="new-ticket"]').textContent === "+ Новый тикет" &&
		document.querySelector('[data-testid="support-access"]').textContent.includes("Разрешить поддержке доступ к аккаунту") &&
		document.querySelector('[data-testid="access-state"]').textContent === "Доступ закрыт" &&
		document.querySelector('[data-testid="ticket-search"]').placeholder === "Поиск по обращениям"`,
		`document.querySelector('[data-testid="support"]')?.innerText.slice(0, 400)`)
	ann.click(t, tid("activity-open"))
	ann.wait(t, "the activity log in Russian", fmt.Sprintf(`(l => !!l && Array.from(l.querySelectorAll('[data-testid="audit-entry"][data-action="support.view"]')).some(e =>
		e.textContent.includes(%q)) && !/[{}]|GET |\/api\//.test(l.textContent))(document.querySelector('[data-testid="audit-list"]'))`,
		fmt.Sprintf("Sam Staff (поддержка): просмотр разговора #%d", conv)), `document.querySelector('[data-testid="activity-log"]')?.innerText`)
	ann.shot(t, "support-activity-log-ru")
	ann.click(t, tid("modal-close"))

	ann.checkClean(t)
	sam.checkClean(t)
}
