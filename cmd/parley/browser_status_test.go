package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ticketStatusIs is true when the ticket detail's status select shows st.
func ticketStatusIs(st string) string {
	return fmt.Sprintf(`(document.querySelector('[data-testid="ticket-status"]') || {}).value === %q`, st)
}

// awaitConversationStatus finds a conversation.updated with the status
// among earlier, the frames a request passed over, or else reads the
// visitor's frames until one arrives: the event of a write may come
// before the write's ack.
func awaitConversationStatus(tb testing.TB, c *client, conv int64, status string, earlier ...frame) {
	tb.Helper()
	for {
		var f frame
		if len(earlier) > 0 {
			f, earlier = earlier[0], earlier[1:]
			if f.Type != "conversation.updated" {
				continue
			}
		} else {
			f, _ = c.await("conversation.updated", "")
		}
		u := decode[struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}](tb, f.Data)
		if u.ID == conv && u.Status == status {
			return
		}
	}
}

// TestBrowserStatusCells walks the key cells of the status table
// (docs/architecture.md "Conversation lifecycle") in the dashboard, with a
// visitor writing from the other side: an agent's reply makes an Open
// ticket In Progress; the agent's On Customer survives the visitor's
// answer; the visitor's message reopens a Resolved ticket (Open, live) and
// is acknowledged; closing closes the conversation for the visitor, and
// Reopen opens both again. A conversation without a ticket is resolved,
// closed and reopened from the Conversations view.
func TestBrowserStatusCells(t *testing.T) {
	d := startDemoBrowser(t)
	n, email, password, siteKey, owner := d.n, d.email, d.password, d.siteKey, d.auth
	withoutAssistant(t, n, d.token)

	visitor := visitorFor(t, n, siteKey, n.Origin)
	conv := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "My parcel is late"})).Message.ConversationID
	var tk struct {
		ID int64 `json:"id"`
	}
	if st := do(t, "POST", n.URL+"/api/v1/tickets", owner, map[string]any{"conversation_id": conv, "subject": "Late parcel", "requester_email": "ann@example.com"}, &tk); st != 201 {
		t.Fatalf("ticket: %d", st)
	}
	// send returns the frames that came before the ack.
	send := func(id, body string) []frame {
		t.Helper()
		_, passed := visitor.await("ack", visitor.send("send", map[string]any{"conversation_id": conv, "client_msg_id": id, "body": body}))
		return passed
	}

	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, email, password)
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, tk.ID))
	ann.wait(t, "the ticket, Open", ticketStatusIs("open")+` && JSON.stringify(`+bodies+`).includes("My parcel is late")`, `document.querySelector('[data-testid="ticket-detail"]')?.innerText`)

	// An agent's reply to an Open ticket: In Progress, in the detail and the list.
	ann.setField(t, tid("reply-box"), "Let me check the tracking.")
	ann.click(t, tid("reply-send"))
	ann.wait(t, "In Progress after the reply", ticketStatusIs("in_progress")+` && `+rowStatus(tk.ID)+` === "In Progress"`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)

	// On Customer is the agent's choice; the visitor's answer keeps it.
	ann.setField(t, tid("ticket-status"), "on_customer")
	ann.wait(t, "On Customer chosen", rowStatus(tk.ID)+` === "On Customer"`, rowStatus(tk.ID))
	send("v2", "It was due on Monday.")
	ann.wait(t, "the visitor's answer shown", `JSON.stringify(`+bodies+`).includes("due on Monday")`, bodies)
	ann.wait(t, "still On Customer", ticketStatusIs("on_customer")+` && `+rowStatus(tk.ID)+` === "On Customer"`, rowStatus(tk.ID))

	// Resolved, then the visitor writes: Open again, live, and told so.
	ann.setField(t, tid("ticket-status"), "resolved")
	ann.wait(t, "Resolved, stamped", ticketStatusIs("resolved")+` && !!document.querySelector('[data-testid="resolved-at"]')`, `document.querySelector('[data-testid="ticket-detail"]').innerText`)
	awaitConversationStatus(t, visitor, conv, "resolved")
	passed := send("v3", "It arrived broken.")
	ann.wait(t, "Open again, live", ticketStatusIs("open")+` && `+rowStatus(tk.ID)+` === "Open" && !document.querySelector('[data-testid="resolved-at"]') &&
		JSON.stringify(`+bodies+`).includes("which is open again")`, `document.querySelector('[data-testid="ticket-detail"]').innerText`)
	awaitConversationStatus(t, visitor, conv, "open", passed...)
	ann.wait(t, "what arrived while the ticket was open is read", fmt.Sprintf(`!document.querySelector('[data-testid="ticket-row"][data-id="%d"] [data-testid="unread"]')`, tk.ID),
		`document.querySelector('[data-testid="ticket-list"]')?.innerText`)
	ann.shot(t, "status-reopened-by-visitor")

	// Closed: the conversation is closed for the visitor, who is told why
	// a message into it is refused.
	ann.setField(t, tid("ticket-status"), "closed")
	ann.wait(t, "Closed, with the note", ticketStatusIs("closed")+` && !!document.querySelector('[data-testid="conv-closed-note"]')`,
		`document.querySelector('[data-testid="ticket-detail"]').innerText`)
	awaitConversationStatus(t, visitor, conv, "closed")
	f, _ := visitor.replyTo(visitor.send("send", map[string]any{"conversation_id": conv, "client_msg_id": "v4", "body": "Hello?"}))
	var refusal struct{ Code, Reason string }
	if err := json.Unmarshal(f.Data, &refusal); err != nil || refusal.Code != "conflict" || refusal.Reason != "conversation_closed" {
		t.Fatalf("writing into the closed conversation: %s", f.Data)
	}
	ann.shot(t, "status-closed")
	ann.click(t, tid("reopen"))
	ann.wait(t, "reopened", ticketStatusIs("open")+` && !document.querySelector('[data-testid="conv-closed-note"]')`, `document.querySelector('[data-testid="ticket-detail"]').innerText`)
	awaitConversationStatus(t, visitor, conv, "open")

	// A conversation without a ticket, from the Conversations view.
	other := visitorFor(t, n, siteKey, n.Origin)
	conv2 := decode[struct{ Message wireMessage }](t, other.call("send", "ack", map[string]any{"client_msg_id": "o1", "body": "Do you ship to Riga?"})).Message.ConversationID
	ann.do(t, "open the conversation", chromedp.Navigate(fmt.Sprintf("%s/conversations/%d", n.Origin, conv2)))
	ann.wait(t, "the conversation, open", `!!document.querySelector('[data-testid="conv-resolve"]') && !document.querySelector('[data-testid="conv-status"]')`,
		`document.querySelector('[data-testid="conversation-detail"]')?.innerText`)
	preview := fmt.Sprintf(`(document.querySelector('[data-testid="conversation-row"][data-id="%d"] [data-testid="conv-preview"]') || {}).textContent`, conv2)
	ann.wait(t, "the row's preview of the last message", preview+` === "Do you ship to Riga?"`, preview)
	ann.click(t, tid("conv-resolve"))
	ann.wait(t, "the preview follows, live", preview+` === "Conversation resolved"`, preview)
	ann.wait(t, "Resolved", `(document.querySelector('[data-testid="conv-status"]') || {}).dataset?.status === "resolved" &&
		Array.from(document.querySelectorAll('[data-testid="message"][data-kind="system"]'), m => m.textContent).some(s => s.includes("Conversation resolved"))`,
		`document.querySelector('[data-testid="conversation-detail"]').innerText`)
	ann.click(t, tid("conv-close"))
	ann.wait(t, "Closed", `document.querySelector('[data-testid="conv-status"]').dataset.status === "closed" && !!document.querySelector('[data-testid="conv-closed-note"]') &&
		!!document.querySelector('[data-testid="conv-reopen"]') && !!document.querySelector('[data-testid="conv-resolve"]')`, `document.querySelector('[data-testid="conversation-detail"]').innerText`)
	awaitConversationStatus(t, other, conv2, "closed")
	ann.click(t, tid("conv-reopen"))
	ann.wait(t, "open again", `!document.querySelector('[data-testid="conv-status"]') && !document.querySelector('[data-testid="conv-closed-note"]')`,
		`document.querySelector('[data-testid="conversation-detail"]').innerText`)
	ann.wait(t, "read by the agent who has it open", fmt.Sprintf(`!document.querySelector('[data-testid="conversation-row"][data-id="%d"] [data-testid="unread"]')`, conv2),
		`document.querySelector('[data-testid="conversation-list"]')?.innerText`)
	ann.shot(t, "status-conversation-reopened")

	// Russian labels of the actions.
	ann.setField(t, tid("lang-switch"), "ru")
	ann.wait(t, "Russian actions", `document.querySelector('[data-testid="conv-resolve"]').textContent === "Решить" &&
		document.querySelector('[data-testid="conv-close"]').textContent === "Закрыть"`, `document.querySelector('[data-testid="conversation-detail"]').innerText`)
	ann.checkClean(t)
}

// TestBrowserWrongOrigin (issue 12 §5): the dashboard opened at another
// name of the host than PARLEY_BASE_URL's (localhost for 127.0.0.1) says
// so and links to the right address, instead of reconnecting forever;
// reloading a deep link of the app at the right address opens the app.
func TestBrowserWrongOrigin(t *testing.T) {
	chromiumPath(t)
	n, _ := startBrowserNode(t)
	other := strings.Replace(n.Origin, "127.0.0.1", "localhost", 1)
	if other == n.Origin {
		t.Fatalf("the base URL %s is not on 127.0.0.1", n.Origin)
	}
	a := newAgentTab(t, n, "owner")
	a.do(t, "open the dashboard at another address", chromedp.Navigate(other+"/support/5"))
	a.wait(t, "the wrong-origin page", fmt.Sprintf(`(p => !!p && p.innerText.includes(%q) && p.innerText.includes("PARLEY_BASE_URL=%s") &&
		document.querySelector('[data-testid="wrong-origin-link"]').href === %q)(document.querySelector('[data-testid="wrong-origin"]'))`,
		n.Origin, other, n.Origin+"/support/5"), `document.body.innerText`)
	a.shot(t, "wrong-origin")
	a.click(t, tid("wrong-origin-link"))
	a.wait(t, "the app at its own address, the deep link kept", fmt.Sprintf(`location.origin === %q && location.pathname === "/login" &&
		new URLSearchParams(location.search).get("next") === "/support/5" && !!document.querySelector('[data-testid="login-email"]')`, n.Origin),
		`location.href + " " + document.body.innerText.slice(0, 200)`)
}
