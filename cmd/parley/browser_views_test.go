package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// convRows is the conversation list's ids, sorted.
const convRows = `Array.from(document.querySelectorAll('[data-testid="conversation-row"]'), r => +r.dataset.id).sort((a, b) => a - b)`

// traceOf is the decision trace under the conversation's first assistant message.
const traceOf = `document.querySelector('[data-testid="message"][data-kind="assistant"] [data-testid="trace"]')`

// noRawText holds when the conversation detail shows no JSON and no request line.
const noRawText = `((t) => !t.includes("{") && !t.includes("GET /api") && !t.includes("entry_id"))(document.querySelector('[data-testid="conversation-detail"]').innerText)`

// TestBrowserConversationViews drives what the Conversations view and the
// reports mean (004): the Escalated and Has ticket filters and badges, the
// feedback kind "either", the decision trace as sentences with its
// knowledge-base entries linked to Settings (and an entry deleted since as
// plain text), the same in Russian, and the definition under "Resolved by
// the assistant". Screenshots of each view go to $PARLEY_TEST_SCREENSHOTS.
func TestBrowserConversationViews(t *testing.T) {
	d := startDemoBrowser(t)
	n, email, password, siteKey, owner := d.n, d.email, d.password, d.siteKey, d.auth
	base := n.URL + "/api/v1"

	// Three visitors of the demo site. A votes the assistant's answer down
	// and opens a ticket from the widget: escalated. B's conversation gets
	// a ticket from an agent: a ticket, not escalated. C votes up.
	vote := func(c *client, m wireMessage, feedback string) {
		t.Helper()
		c.call("feedback", "feedback.ok", map[string]any{"message_id": m.ID, "feedback": feedback})
	}
	// A second entry about shipping, so that the answer has two sources.
	site := demoSiteID(t, n, owner)
	if st := do(t, "POST", fmt.Sprintf("%s/sites/%d/knowledge", base, site), owner, map[string]any{"kind": "qa",
		"title": "Shipping to the islands", "body": "Shipping to the islands takes two weeks."}, nil); st != 201 {
		t.Fatalf("create an entry: status %d", st)
	}
	a := inboxVisitor(t, n, siteKey, map[string]any{"name": "Ann"})
	answer := inboxAsk(t, a, "How long does shipping take?")
	vote(a, answer, "down")
	a.call("ticket.create", "ticket.created", map[string]any{"conversation_id": answer.ConversationID, "subject": "Still no parcel", "email": "ann@example.com"})
	b := inboxVisitor(t, n, siteKey, map[string]any{"name": "Bob"})
	bConv := inboxAsk(t, b, "Do you ship to Norway?").ConversationID
	if st := do(t, "POST", base+"/tickets", owner, map[string]any{"conversation_id": bConv, "subject": "Norway", "requester_email": "bob@example.com"}, nil); st != 201 {
		t.Fatalf("open a ticket: status %d", st)
	}
	c := inboxVisitor(t, n, siteKey, map[string]any{"name": "Cy"})
	cAnswer := inboxAsk(t, c, "How long does shipping take?")
	vote(c, cAnswer, "up")
	aConv, cConv := answer.ConversationID, cAnswer.ConversationID
	sorted := func(ids ...int64) string {
		slices.Sort(ids)
		b, _ := json.Marshal(ids)
		return string(b)
	}

	// The sources of A's answer, as the hub traced them.
	var msgs struct {
		Items []struct {
			ID    int64 `json:"id"`
			Trace *struct {
				Sources []struct {
					EntryID int64  `json:"entry_id"`
					Title   string `json:"title"`
					Used    bool   `json:"used"`
				} `json:"sources"`
			} `json:"trace"`
		} `json:"items"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/conversations/%d/messages", base, aConv), owner, nil, &msgs); st != 200 {
		t.Fatalf("messages: status %d", st)
	}
	var sources []struct {
		EntryID int64  `json:"entry_id"`
		Title   string `json:"title"`
		Used    bool   `json:"used"`
	}
	for _, m := range msgs.Items {
		if m.ID == answer.ID && m.Trace != nil {
			sources = m.Trace.Sources
		}
	}
	if len(sources) < 2 || !sources[0].Used {
		t.Fatalf("the answer's sources %+v: want two or more, the first used", sources)
	}

	// 1. The list: badges tell Escalated from a ticket; the filters.
	ann := newAgentTab(t, n, "owner")
	ann.loginUI(t, n, email, password)
	ann.click(t, tid("nav-conversations"))
	row := func(id int64) string {
		return fmt.Sprintf(`document.querySelector('[data-testid="conversation-row"][data-id="%d"]')`, id)
	}
	ann.wait(t, "the three conversations with their badges", fmt.Sprintf(`JSON.stringify(%s) === %q &&
		%s.querySelector('[data-testid="badge-escalated"]')?.textContent === "Escalated" && !%[3]s.querySelector('[data-testid="badge-ticket"]') &&
		%s.querySelector('[data-testid="badge-ticket"]')?.textContent === "Ticket" && !%[4]s.querySelector('[data-testid="badge-escalated"]') &&
		!%s.querySelector('[data-testid="badge-ticket"], [data-testid="badge-escalated"]')`,
		convRows, sorted(aConv, bConv, cConv), row(aConv), row(bConv), row(cConv)), `document.querySelector('[data-testid="conversation-list"]').innerText`)
	ann.shot(t, "conversations-list")
	for _, f := range []struct {
		field, value, want string
	}{
		{tid("conv-escalated"), "true", sorted(aConv)},
		{tid("conv-escalated"), "", sorted(aConv, bConv, cConv)},
		{tid("conv-has-ticket"), "true", sorted(aConv, bConv)},
		{tid("conv-has-ticket"), "false", sorted(cConv)},
		{tid("conv-has-ticket"), "", sorted(aConv, bConv, cConv)},
		{tid("conv-kind"), "either", sorted(aConv, cConv)},
		{tid("conv-kind"), "down", sorted(aConv)},
		{tid("conv-kind"), "", sorted(aConv, bConv, cConv)},
	} {
		ann.setField(t, f.field, f.value)
		ann.wait(t, fmt.Sprintf("%s = %q lists %s", f.field, f.value, f.want), fmt.Sprintf(`JSON.stringify(%s) === %q`, convRows, f.want), convRows)
	}
	ann.click(t, tid("conv-has-feedback"))
	ann.wait(t, "has feedback lists the voters", fmt.Sprintf(`JSON.stringify(%s) === %q`, convRows, sorted(aConv, cConv)), convRows)
	ann.click(t, tid("conv-has-feedback"))
	ann.wait(t, "all three again", fmt.Sprintf(`JSON.stringify(%s) === %q`, convRows, sorted(aConv, bConv, cConv)), convRows)

	// 2. A's answer: the trace in sentences, its entries linked.
	ann.click(t, fmt.Sprintf(`[data-testid="conversation-row"][data-id="%d"] a`, aConv))
	ann.wait(t, "the trace", "!!"+traceOf, agentThread)
	ann.js(t, traceOf+`.open = true`)
	first := fmt.Sprintf(`%s.querySelector('[data-testid="trace-source"][data-entry="%d"]')`, traceOf, sources[0].EntryID)
	ann.wait(t, "the trace as sentences", fmt.Sprintf(`((tr) => tr.querySelector('[data-testid="trace-language"]').textContent === "Language: English." &&
		tr.querySelector('[data-testid="trace-provider"]').textContent === "Answered by the built-in assistant." &&
		/^Searched the knowledge base for “.+”: \d+ entries found\.$/.test(tr.querySelector('[data-testid="trace-search"]').textContent) &&
		tr.querySelectorAll('[data-testid="trace-source"]').length === %d &&
		%s.textContent.startsWith(%q) && /score \d\.\d\d · used in the answerWords weighed: .+ \(\d\.\d\d, (in the question|in the answer text|not found)/.test(%[2]s.textContent) &&
		%[2]s.querySelector("a").getAttribute("href") === %[4]q &&
		tr.querySelector('[data-testid="trace-decision"]').textContent.startsWith("Decision: answered from the knowledge base"))(%[5]s) && %[6]s`,
		len(sources), first, sources[0].Title, fmt.Sprintf("/settings/knowledge?site=%d&entry=%d", site, sources[0].EntryID), traceOf, noRawText),
		traceOf+`.innerText`)
	ann.shot(t, "conversation-trace")

	// The link opens the entry in Settings → Knowledge base, in the editor.
	ann.click(t, fmt.Sprintf(`[data-testid="message"][data-kind="assistant"] [data-testid="trace"] [data-testid="trace-source"][data-entry="%d"] a`, sources[0].EntryID))
	ann.wait(t, "the entry in the knowledge base", fmt.Sprintf(`location.pathname === "/settings/knowledge" && location.search.includes("entry=%d") &&
		!!document.querySelector('[data-testid="kb-entry"][data-id="%d"].sel') && document.querySelector('[data-testid="kb-title"]')?.value === %q &&
		document.querySelector('[data-testid="kb-language"]')?.value === "en" && document.querySelector('[data-testid="kb-translation-of"]')?.value === "0" &&
		document.querySelector('[data-testid="kb-phrasings"]')?.value === ""`,
		sources[0].EntryID, sources[0].EntryID, sources[0].Title), `document.body.innerText.slice(0, 400)`)
	ann.shot(t, "knowledge-entry")
	ann.click(t, tid("modal-close"))

	// 3. The used entry is deleted: the trace names it without a link, and
	// its old link says it is gone; the others stay linked.
	if st := do(t, "DELETE", fmt.Sprintf("%s/knowledge/%d", base, sources[0].EntryID), owner, nil, nil); st != 204 {
		t.Fatalf("delete entry %d: status %d", sources[0].EntryID, st)
	}
	ann.do(t, "reload the conversation", chromedp.Navigate(fmt.Sprintf("%s/conversations/%d", n.Origin, aConv)))
	ann.wait(t, "the trace", "!!"+traceOf, agentThread)
	ann.js(t, traceOf+`.open = true`)
	other := fmt.Sprintf(`%s.querySelector('[data-testid="trace-source"][data-entry="%d"]')`, traceOf, sources[1].EntryID)
	ann.wait(t, "the deleted entry as text", fmt.Sprintf(`!!%[1]s && !%[1]s.querySelector("a") && %[1]s.textContent.startsWith(%[2]q) &&
		%[1]s.textContent.includes(" · deleted since") && !!%[3]s.querySelector("a")`, first, sources[0].Title, other), traceOf+`.innerText`)
	ann.do(t, "open the deleted entry's link", chromedp.Navigate(fmt.Sprintf("%s/settings/knowledge?site=%d&entry=%d", n.Origin, site, sources[0].EntryID)))
	ann.wait(t, "said to be deleted", fmt.Sprintf(`(document.querySelector('[data-testid="kb-entry-gone"]') || {}).textContent === "Knowledge-base entry #%d was deleted."`, sources[0].EntryID),
		`document.body.innerText.slice(0, 400)`)

	// 4. In Russian: the filters and the trace.
	ann.do(t, "back to the conversation", chromedp.Navigate(fmt.Sprintf("%s/conversations/%d", n.Origin, aConv)))
	ann.wait(t, "the trace", "!!"+traceOf, agentThread)
	ann.setField(t, tid("lang-switch"), "ru")
	ann.js(t, traceOf+`.open = true`)
	ann.wait(t, "Russian filters and trace", `document.querySelector('[data-testid="conv-has-ticket"]').closest("label").textContent.startsWith("Есть тикет") &&
		document.querySelector('[data-testid="conv-escalated"]').closest("label").textContent.startsWith("Эскалация") &&
		Array.from(document.querySelectorAll('[data-testid="conv-kind"] option'), o => o.textContent).join("|") === "Все|Только положительные|Только отрицательные|Любая (👍 или 👎)|Без оценок" &&
		`+traceOf+`.querySelector('[data-testid="trace-language"]').textContent === "Язык: английский." &&
		`+traceOf+`.querySelector('[data-testid="trace-provider"]').textContent === "Отвечал встроенный ассистент." &&
		`+traceOf+`.querySelector('[data-testid="trace-search"]').textContent.startsWith("Поиск в базе знаний по «") &&
		`+traceOf+`.querySelector('[data-testid="trace-decision"]').textContent.startsWith("Решение: ") && `+noRawText,
		traceOf+`.innerText`)
	ann.shot(t, "conversation-trace-ru")

	// 5. Reports say what "resolved by the assistant" means, in Russian and
	// in English.
	ann.click(t, tid("nav-reports"))
	hint := `((document.querySelector('[data-testid="kpi-assistant"] [data-testid="kpi-hint"]') || {}).textContent || "")`
	ann.wait(t, "the definition in Russian", hint+`.includes("не вернулся за помощью в течение 24 часов")`, hint)
	ann.shot(t, "reports-ru")
	ann.setField(t, tid("lang-switch"), "en")
	ann.wait(t, "the definition", hint+`.includes("did not come back for help within 24 hours") && /^\d+ of \d+: /.test(`+hint+`)`, hint)
	ann.shot(t, "reports")
	ann.checkClean(t)
}
