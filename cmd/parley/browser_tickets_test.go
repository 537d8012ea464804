package main

import (
	"fmt"
	"testing"
)

// TestBrowserTicketsListFollowsTheServer: a ticket that changes live joins
// or leaves the Tickets list as the server's answer to the list's own
// query says (ids=, docs/api.md "Tickets"), so the list shows what a
// reload would: a search for "refund" takes "Refunds take how long?" but
// not "Prefunded gift card" (the word does not start with it); under Open,
// a ticket resolved elsewhere leaves, and the one open in the detail stays.
func TestBrowserTicketsListFollowsTheServer(t *testing.T) {
	d := startDemoBrowser(t)
	n, auth := d.n, d.auth
	var sites struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/sites", auth, nil, &sites); st != 200 || len(sites.Items) == 0 {
		t.Fatalf("GET /sites: status %d, %+v", st, sites)
	}
	newTicket := func(subject string) int64 {
		t.Helper()
		var tk wireTicket
		if st := do(t, "POST", n.URL+"/api/v1/tickets", auth, map[string]any{"site_id": sites.Items[0].ID, "subject": subject,
			"requester_email": "ann@shop.test"}, &tk); st != 201 {
			t.Fatalf("create ticket %q: status %d", subject, st)
		}
		return tk.ID
	}
	setStatus := func(id int64, status string) {
		t.Helper()
		if st := do(t, "PATCH", fmt.Sprintf("%s/api/v1/tickets/%d", n.URL, id), auth, map[string]any{"status": status}, nil); st != 200 {
			t.Fatalf("ticket %d to %s: status %d", id, status, st)
		}
	}
	const shown = `Array.from(document.querySelectorAll('[data-testid="ticket-row"]'), r => +r.dataset.id)`
	has := func(id int64) string { return fmt.Sprintf(`%s.includes(%d)`, shown, id) }
	search := func(a *agentTab, q string) {
		t.Helper()
		a.setField(t, tid("ticket-search"), q)
		a.js(t, `document.querySelector('[data-testid="ticket-search"]').form.requestSubmit(), true`)
	}

	old := newTicket("Refund for order 7")
	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, d.email, d.password)
	search(ann, "refund")
	ann.wait(t, "the search", `location.search === "?q=refund" && `+has(old), shown)

	prefunded := newTicket("Prefunded gift card")
	refunds := newTicket("Refunds take how long?")
	ann.wait(t, "the ticket whose word starts with the search joins, live", has(refunds), shown)
	// The two changes were asked about in order: the first is answered.
	ann.wait(t, "the one that only contains it never did", `!`+has(prefunded)+` && `+has(old), shown)

	search(ann, "")
	ann.click(t, tid("filter-open"))
	ann.wait(t, "the open tickets", `location.search === "?filter=open" && `+has(old)+` && `+has(refunds)+` && `+has(prefunded), shown)
	ann.click(t, fmt.Sprintf(`[data-testid="ticket-row"][data-id="%d"] a`, old))
	ann.wait(t, "the ticket open in the detail", fmt.Sprintf(`location.pathname === "/tickets/%d"`, old), `location.href`)
	setStatus(old, "resolved") // first: answered by the time the next is
	setStatus(refunds, "resolved")
	ann.wait(t, "the resolved ticket leaves the open list, live", `!`+has(refunds)+` && `+has(prefunded), shown)
	ann.wait(t, "the one in the detail stays", has(old), shown)
	setStatus(refunds, "open")
	ann.wait(t, "reopened, it comes back", has(refunds), shown)
	ann.checkClean(t)
}
