package main

import (
	"fmt"
	"testing"
)

// navBadge is the text of a menu badge ("" without one).
func navBadge(id string) string {
	return fmt.Sprintf(`((document.querySelector('[data-testid=%q]') || {}).textContent || "")`, id)
}

// badges is what a tab's menu and title show, for failure messages.
const badges = `[document.title, ...["nav-unread-conversations", "nav-unread-tickets", "nav-unread-mine"].map(id =>
	id + "=" + ((document.querySelector('[data-testid="' + id + '"]') || {}).textContent || ""))].join(" ")`

// wantBadges waits until the menu shows conversations, tickets and mine
// ("" for no badge) and the tab title the total.
func (a *agentTab) wantBadges(tb testing.TB, what, conversations, tickets, mine string) {
	tb.Helper()
	title := `document.title === "Parley"`
	if conversations != "" {
		title = fmt.Sprintf(`document.title === "(%s) Parley"`, conversations)
	}
	a.wait(tb, what, fmt.Sprintf(`%s === %q && %s === %q && %s === %q && %s`, navBadge("nav-unread-conversations"), conversations,
		navBadge("nav-unread-tickets"), tickets, navBadge("nav-unread-mine"), mine, title), badges)
}

// convRowUnread is the unread badge of a conversation's row ("" for none).
func convRowUnread(conv int64) string {
	return fmt.Sprintf(`((r) => r ? ((r.querySelector('[data-testid="unread"]') || {}).textContent || "") : "no row")(document.querySelector('[data-testid="conversation-row"][data-id="%d"]'))`, conv)
}

// TestBrowserUnreadPerAgent walks two agents with separate unread badges
// on Conversations, Tickets and My Tickets, and in the tab title: a
// visitor's messages raise both agents' badges, a ticket assigned to one
// agent shows in that agent's My Tickets only, and each agent opening a
// conversation or a ticket clears it for themselves while the other's
// badges and rows stay. PARLEY_TEST_SCREENSHOTS keeps screenshots of both.
func TestBrowserUnreadPerAgent(t *testing.T) {
	d := startDemoBrowser(t)
	n, dataDir, ownerEmail, ownerPassword, siteKey, owner := d.n, d.dataDir, d.email, d.password, d.siteKey, d.auth
	withoutAssistant(t, n, d.token)
	bobAuth := inboxUser(t, n, []string{"PARLEY_DATA_DIR=" + dataDir}, "bob@demo.test", "-tenant-id", "1", "-role", "agent", "-name", "Bob Agent")
	var bobMe struct{ ID int64 }
	if st := do(t, "GET", n.URL+"/api/v1/me", bobAuth, nil, &bobMe); st != 200 {
		t.Fatalf("bob's /me: status %d", st)
	}

	ann, bob := newAgentTab(t, n, "owner"), newAgentTab(t, n, "bob")
	ann.loginUI(t, n, ownerEmail, ownerPassword)
	bob.loginUI(t, n, "bob@demo.test", inboxPassword)
	for _, a := range []*agentTab{ann, bob} {
		a.wantBadges(t, "nothing unread yet", "", "", "")
	}

	// 1. One visitor writes twice in a chat; another writes, opens a
	// ticket and writes again: both agents have 4 unread, 2 of them in
	// Tickets.
	chat := visitorFor(t, n, siteKey, n.Origin)
	conv := decode[struct{ Message wireMessage }](t, chat.call("send", "ack", map[string]any{"client_msg_id": "c1", "body": "Where is my order?"})).Message.ConversationID
	chat.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "c2", "body": "Hello?"})
	asker := visitorFor(t, n, siteKey, n.Origin)
	ticketConv := decode[struct{ Message wireMessage }](t, asker.call("send", "ack", map[string]any{"client_msg_id": "t1", "body": "I want a refund"})).Message.ConversationID
	ticket := decode[struct{ Ticket struct{ ID int64 } }](t, asker.call("ticket.create", "ticket.created",
		map[string]any{"conversation_id": ticketConv, "subject": "Refund", "email": "ann@example.com"})).Ticket.ID
	asker.call("send", "ack", map[string]any{"conversation_id": ticketConv, "client_msg_id": "t2", "body": "Order 42"})
	for _, a := range []*agentTab{ann, bob} {
		a.wantBadges(t, "4 unread, 2 in tickets", "4", "2", "")
	}

	// 2. The owner gives the ticket to Bob: Bob's My Tickets has it, the
	// owner's has not.
	if st := do(t, "PATCH", fmt.Sprintf("%s/api/v1/tickets/%d", n.URL, ticket), owner, map[string]any{"assignee_id": bobMe.ID}, nil); st != 200 {
		t.Fatalf("assign the ticket to Bob: status %d", st)
	}
	bob.wantBadges(t, "the ticket in Bob's My Tickets", "4", "2", "2")
	ann.wantBadges(t, "not in the owner's My Tickets", "4", "2", "")
	ann.shot(t, "1-owner-before")
	bob.shot(t, "1-bob-before")

	// 3. The owner opens the chat from the Conversations list: it is read
	// for her; Bob's row and badges keep their 2.
	for _, a := range []*agentTab{ann, bob} {
		a.click(t, tid("nav-conversations"))
		a.wait(t, "the chat's row shows 2", convRowUnread(conv)+` === "2"`, convRowUnread(conv))
		a.wait(t, "the ticket's chat shows 2", convRowUnread(ticketConv)+` === "2"`, convRowUnread(ticketConv))
		a.wait(t, "rows show the last message's time", fmt.Sprintf(`!!document.querySelector('[data-testid="conversation-row"][data-id="%d"] time[data-testid="last-message-at"][datetime]')`, conv),
			`document.querySelector('[data-testid="conversation-list"]').innerHTML.slice(0, 500)`)
	}
	ann.click(t, fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, conv))
	ann.wait(t, "the chat open", fmt.Sprintf(`JSON.stringify(%s).includes("Hello?")`, bodies), bodies)
	ann.wantBadges(t, "the owner read the chat", "2", "2", "")
	ann.wait(t, "the owner's row cleared", convRowUnread(conv)+` === ""`, convRowUnread(conv))
	bob.wantBadges(t, "Bob's badges after the owner read", "4", "2", "2")
	bob.wait(t, "Bob's row keeps 2", convRowUnread(conv)+` === "2"`, convRowUnread(conv))
	ann.shot(t, "2-owner-read-chat")
	bob.shot(t, "2-bob-conversations")

	// 4. Bob opens his ticket: read for him; the owner's Tickets keep 2.
	bob.click(t, tid("nav-mine"))
	bob.wait(t, "My Tickets lists the ticket with 2", rowUnread(ticket)+` === "2" && location.search === "?filter=mine"`, rowUnread(ticket))
	bob.wait(t, "the My Tickets chip counts 2", navBadge("filter-unread-mine")+` === "2"`, navBadge("filter-unread-mine"))
	bob.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, ticket))
	bob.wait(t, "the ticket open", fmt.Sprintf(`JSON.stringify(%s).includes("Order 42")`, bodies), bodies)
	bob.wantBadges(t, "Bob read his ticket", "2", "", "")
	bob.wait(t, "My Tickets stays on in the ticket opened from it", `document.querySelector('[data-testid="nav-mine"]').classList.contains("on") &&
		!document.querySelector('[data-testid="nav-tickets"]').classList.contains("on")`, `document.querySelector("nav").innerHTML`)
	ann.wantBadges(t, "the owner's badges after Bob read", "2", "2", "")
	ann.click(t, tid("nav-tickets"))
	ann.wait(t, "the owner's ticket row keeps 2", rowUnread(ticket)+` === "2"`, rowUnread(ticket))
	ann.shot(t, "3-owner-after")
	bob.shot(t, "3-bob-after")

	// 5. The visitor writes again: both count it, each from their own.
	chat.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "c3", "body": "Any news?"})
	ann.wantBadges(t, "the owner after a new message", "3", "2", "")
	bob.wantBadges(t, "Bob after a new message in the other chat", "3", "", "")
	ann.checkClean(t)
	bob.checkClean(t)
}
