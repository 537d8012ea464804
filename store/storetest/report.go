package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// reportData builds the data set of testReport: two sites of one tenant
// over 2026-10-20 … 2026-11-05, and another tenant's traffic on the same
// days. Every expected number in testReport is computed by hand from it.
type reportData struct {
	t       *testing.T
	s       hub.Store
	tickets int64
}

func (d *reportData) conv(site *hub.Site, created time.Time) *hub.Conversation {
	d.t.Helper()
	v := mustVisitor(d.t, d.s, site)
	c := &hub.Conversation{TenantID: site.TenantID, SiteID: site.ID, VisitorID: v.ID, Owner: hub.OwnerAssistant,
		Status: hub.ConversationOpen, LastMessageAt: created, CreatedAt: created, UpdatedAt: created}
	must(d.t, d.s.CreateConversation(d.t.Context(), c))
	return c
}

// say writes a message; feedback is the visitor's vote, set afterwards as
// the service sets it. An agent's message hands the conversation to a
// human, as SendMessage does.
func (d *reportData) say(c *hub.Conversation, author hub.AuthorKind, at time.Time, feedback string) *hub.Message {
	d.t.Helper()
	m := mustMessage(d.t, d.s, &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: author, CreatedAt: at})
	if feedback != "" {
		must(d.t, d.s.UpdateMessageFeedback(d.t.Context(), m.ID, feedback))
	}
	if author == hub.AuthorAgent {
		d.update(c, func(c *hub.Conversation) { c.Handoff, c.Owner = hub.HandoffHuman, hub.OwnerHuman })
	}
	return m
}

// exchange starts a conversation on site at the first of times, and
// writes its messages at times (turns).
func (d *reportData) exchange(site *hub.Site, times ...time.Time) *hub.Conversation {
	d.t.Helper()
	c := d.conv(site, times[0])
	d.turns(c, times...)
	return c
}

// turns writes a message at each of times, the visitor's and the
// assistant's in turn, the visitor's first.
func (d *reportData) turns(c *hub.Conversation, times ...time.Time) {
	d.t.Helper()
	for i, at := range times {
		author := hub.AuthorVisitor
		if i%2 == 1 {
			author = hub.AuthorAssistant
		}
		d.say(c, author, at, "")
	}
}

// update changes the stored conversation as change says.
func (d *reportData) update(c *hub.Conversation, change func(c *hub.Conversation)) {
	d.t.Helper()
	got, err := d.s.FindConversationByID(d.t.Context(), c.ID)
	must(d.t, err)
	change(got)
	must(d.t, d.s.UpdateConversation(d.t.Context(), got))
}

// handoff moves the conversation to another hand-off state at at, with the
// audit entry the assistant's runs write (hub.Service.applyPlan).
func (d *reportData) handoff(c *hub.Conversation, to hub.HandoffState, at time.Time) {
	d.t.Helper()
	got, err := d.s.FindConversationByID(d.t.Context(), c.ID)
	must(d.t, err)
	data, err := json.Marshal(map[string]string{"from": string(got.Handoff), "to": string(to), "reason": "test"})
	must(d.t, err)
	must(d.t, d.s.CreateAuditEntry(d.t.Context(), &hub.AuditEntry{TenantID: c.TenantID, ActorKind: hub.ActorAssistant,
		Action: "conversation.handoff", Subject: fmt.Sprintf("conversation:%d", c.ID), Data: data, CreatedAt: at}))
	got.Handoff = to
	must(d.t, d.s.UpdateConversation(d.t.Context(), got))
}

// takeOver hands the conversation to a member, audited, as
// hub.Service.TakeOver does (the joined message aside).
func (d *reportData) takeOver(c *hub.Conversation, at time.Time) {
	d.t.Helper()
	must(d.t, d.s.CreateAuditEntry(d.t.Context(), &hub.AuditEntry{TenantID: c.TenantID, ActorKind: hub.ActorMember, ActorID: 1,
		Action: "conversation.take_over", Subject: fmt.Sprintf("conversation:%d", c.ID), CreatedAt: at}))
	d.update(c, func(c *hub.Conversation) { c.Handoff, c.Owner = hub.HandoffHuman, hub.OwnerHuman })
}

// note writes an agent's internal note, which no report counts.
func (d *reportData) note(c *hub.Conversation, at time.Time) {
	d.t.Helper()
	mustMessage(d.t, d.s, &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: hub.AuthorAgent,
		Internal: true, CreatedAt: at})
}

// ticket opens an agent's ticket (of conv, when set, and of site, when
// set), resolved at resolved when that is not nil. A ticket of a
// conversation moves it to ticket_open; linkTicket makes it the
// conversation's ticket.
func (d *reportData) ticket(tenantID int64, site *hub.Site, conv *hub.Conversation, status hub.TicketStatus,
	created time.Time, resolved *time.Time) *hub.Ticket {
	d.t.Helper()
	return d.sourcedTicket(tenantID, site, conv, hub.SourceAgent, "", status, created, resolved)
}

func (d *reportData) sourcedTicket(tenantID int64, site *hub.Site, conv *hub.Conversation, source, queue string,
	status hub.TicketStatus, created time.Time, resolved *time.Time) *hub.Ticket {
	d.t.Helper()
	d.tickets++
	tk := &hub.Ticket{TenantID: tenantID, Number: d.tickets, Subject: "Help", Status: status, Priority: hub.PriorityNormal,
		Source: source, Queue: queue, ResolvedAt: resolved, CreatedAt: created, UpdatedAt: created}
	if site != nil {
		tk.SiteID = site.ID
	}
	if conv != nil {
		tk.ConversationID = conv.ID
	}
	must(d.t, d.s.CreateTicket(d.t.Context(), tk))
	if conv != nil {
		d.update(conv, func(c *hub.Conversation) { c.Handoff = hub.HandoffTicketOpen })
	}
	return tk
}

// linkTicket makes tk the conversation's current ticket, escalated if tk
// escalates it, as opening a ticket from a chat does (hub.Service.openTicket).
func (d *reportData) linkTicket(c *hub.Conversation, tk *hub.Ticket) {
	d.t.Helper()
	d.update(c, func(c *hub.Conversation) { c.TicketID, c.Escalated = tk.ID, c.Escalated || tk.Escalates() })
}

// reportAt is a time on a day of November 2026, UTC; day 0 is 31 October.
func reportAt(day, hour, minute, second int) time.Time {
	return time.Date(2026, 11, day, hour, minute, second, 0, time.UTC)
}

// reportDays builds the expected days from the first date and columns of
// counts: conversations, tickets opened, tickets resolved, thumbs up,
// thumbs down.
func reportDays(first time.Time, cols ...[]int) []hub.ReportDay {
	days := make([]hub.ReportDay, len(cols[0]))
	for i := range days {
		days[i] = hub.ReportDay{Date: first.AddDate(0, 0, i).Format(time.DateOnly), Conversations: cols[0][i],
			TicketsOpened: cols[1][i], TicketsResolved: cols[2][i], ThumbsUp: cols[3][i], ThumbsDown: cols[4][i]}
	}
	return days
}

// testReport checks every number of hub/report.go on a small data set
// spanning several days, with each edge case: a conversation created just
// before midnight UTC (but after it in CET), internal notes, an agent
// message before the visitor's, a system message, a conversation without
// messages and one without a reply, tickets linked either way, a ticket
// resolved outside the range, one closed without resolution, feedback on
// messages of a conversation older than the range, a site filter, another
// tenant, and a tenant without data. The same numbers again after the
// backfill of migration 0008 recomputes the response times that
// CreateMessage kept.
func testReport(t *testing.T, s hub.Store) {
	ctx := t.Context()
	d := &reportData{t: t, s: s}
	tn := mustTenant(t, s)
	s1, s2 := mustSite(t, s, tn.ID), mustSite(t, s, tn.ID)
	cet := time.FixedZone("CET", 3600)
	i64 := func(v int64) *int64 { return &v }
	f64 := func(v float64) *float64 { return &v }
	when := func(v time.Time) *time.Time { return &v }

	// c1 (s1, 1 Nov): the assistant alone; the agent's internal note
	// neither answers nor spoils it. First reply 30 s.
	c1 := d.conv(s1, reportAt(1, 10, 0, 0))
	d.say(c1, hub.AuthorVisitor, reportAt(1, 10, 0, 0), "")
	d.note(c1, reportAt(1, 10, 0, 10))
	d.say(c1, hub.AuthorAssistant, reportAt(1, 10, 0, 30), hub.FeedbackUp)
	d.say(c1, hub.AuthorVisitor, reportAt(1, 10, 1, 0), "")
	d.say(c1, hub.AuthorAssistant, reportAt(1, 10, 1, 20), hub.FeedbackDown)

	// c2 (s1): 00:30 on 2 Nov in CET is 23:30 on 1 Nov UTC. An internal
	// note, then the agent after 600 s; a ticket resolved a day later.
	c2 := d.conv(s1, time.Date(2026, 11, 2, 0, 30, 0, 0, cet))
	d.say(c2, hub.AuthorVisitor, time.Date(2026, 11, 2, 0, 30, 0, 0, cet), "")
	d.note(c2, time.Date(2026, 11, 2, 0, 31, 0, 0, cet))
	d.say(c2, hub.AuthorAgent, time.Date(2026, 11, 2, 0, 40, 0, 0, cet), "")
	t1 := d.ticket(tn.ID, s1, c2, hub.TicketResolved, reportAt(2, 9, 0, 0), when(reportAt(3, 9, 0, 0)))
	d.linkTicket(c2, t1)

	// c3 (s2, 2 Nov): a system message first; the assistant after 120 s,
	// an agent after 1200 s.
	c3 := d.conv(s2, reportAt(2, 8, 0, 0))
	d.say(c3, hub.AuthorSystem, reportAt(2, 8, 0, 0), "")
	d.say(c3, hub.AuthorVisitor, reportAt(2, 8, 0, 10), "")
	d.say(c3, hub.AuthorAssistant, reportAt(2, 8, 2, 10), hub.FeedbackUp)
	d.say(c3, hub.AuthorAgent, reportAt(2, 8, 20, 10), "")

	// c4 (s1, 3 Nov): no message at all. c5 (s1, 3 Nov): nobody answered.
	d.conv(s1, reportAt(3, 12, 0, 0))
	c5 := d.conv(s1, reportAt(3, 13, 0, 0))
	d.say(c5, hub.AuthorVisitor, reportAt(3, 13, 0, 0), "")

	// c6 (s1, 2 Nov): the assistant after 40 s, but a ticket names the
	// conversation (though the conversation does not name the ticket).
	c6 := d.conv(s1, reportAt(2, 14, 0, 0))
	d.say(c6, hub.AuthorVisitor, reportAt(2, 14, 0, 0), "")
	d.say(c6, hub.AuthorAssistant, reportAt(2, 14, 0, 40), "")
	d.ticket(tn.ID, s1, c6, hub.TicketOpen, reportAt(2, 15, 0, 0), nil)

	// c7 (s1, 2 Nov): an agent wrote first, so no agent answered the
	// visitor; the assistant did after 50 s.
	c7 := d.conv(s1, reportAt(2, 16, 0, 0))
	d.say(c7, hub.AuthorAgent, reportAt(2, 16, 0, 0), "")
	d.say(c7, hub.AuthorVisitor, reportAt(2, 16, 5, 0), "")
	d.say(c7, hub.AuthorAssistant, reportAt(2, 16, 5, 50), "")

	// c8 (s1) began on 31 Oct; its answer of 1 Nov got a thumbs up, which
	// counts on 1 Nov. c9 (s1, 4 Nov) is after the range.
	c8 := d.conv(s1, reportAt(0, 22, 0, 0))
	d.say(c8, hub.AuthorVisitor, reportAt(0, 22, 0, 0), "")
	d.say(c8, hub.AuthorAssistant, reportAt(1, 0, 10, 0), hub.FeedbackUp)
	c9 := d.conv(s1, reportAt(4, 1, 0, 0))
	d.say(c9, hub.AuthorVisitor, reportAt(4, 1, 0, 0), "")
	d.say(c9, hub.AuthorAssistant, reportAt(4, 1, 0, 5), hub.FeedbackDown)

	// Tickets without chats: t3 (no site) opened 20 Oct, resolved 1 Nov,
	// then closed; t4 (s2) resolved after the range; t5 (s1) resolved in
	// 1.5 s; t6 (s1) closed without being resolved.
	d.ticket(tn.ID, nil, nil, hub.TicketClosed, time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC), when(reportAt(1, 10, 0, 0)))
	d.ticket(tn.ID, s2, nil, hub.TicketResolved, reportAt(3, 10, 0, 0), when(reportAt(5, 10, 0, 0)))
	d.ticket(tn.ID, s1, nil, hub.TicketResolved, reportAt(1, 8, 0, 0), when(reportAt(1, 8, 0, 1).Add(500*time.Millisecond)))
	d.ticket(tn.ID, s1, nil, hub.TicketClosed, reportAt(2, 11, 0, 0), nil)

	// Another tenant, on the same days: a conversation answered in 5 s
	// with a thumbs up, and a ticket resolved in 100 s.
	other := mustTenant(t, s)
	otherSite := mustSite(t, s, other.ID)
	oc := d.conv(otherSite, reportAt(1, 9, 0, 0))
	d.say(oc, hub.AuthorVisitor, reportAt(1, 9, 0, 0), "")
	d.say(oc, hub.AuthorAssistant, reportAt(1, 9, 0, 5), hub.FeedbackUp)
	d.ticket(other.ID, otherSite, nil, hub.TicketResolved, reportAt(1, 9, 0, 0), when(reportAt(1, 9, 1, 40)))

	// A third tenant, for "resolved by the assistant" (hub/report.go,
	// AssistantResolved): conversations of 3 Nov on one site, each a case.
	rt := mustTenant(t, s)
	rs := mustSite(t, s, rt.ID)
	// r1: answered and left; it counts once 24 hours have passed since
	// the answer (3 Nov 09:00:20).
	r1 := d.exchange(rs, reportAt(3, 9, 0, 0))
	d.say(r1, hub.AuthorAssistant, reportAt(3, 9, 0, 20), hub.FeedbackUp)
	// r2: answered, and the visitor came back for help an hour later.
	d.exchange(rs, reportAt(3, 10, 0, 0), reportAt(3, 10, 0, 15), reportAt(3, 11, 0, 15), reportAt(3, 11, 0, 30))
	// r3: a follow-up exactly 30 minutes after the answer is the same
	// visit, not coming back; settled 24 hours after the second answer.
	d.exchange(rs, reportAt(3, 11, 0, 0), reportAt(3, 11, 0, 10), reportAt(3, 11, 30, 10), reportAt(3, 11, 30, 20))
	// r4: back a second over 24 hours later is a new matter; the new
	// answer (4 Nov 12:00:20) starts the 24 hours again.
	d.exchange(rs, reportAt(3, 12, 0, 0), reportAt(3, 12, 0, 10), reportAt(4, 12, 0, 11), reportAt(4, 12, 0, 20))
	// r5: back exactly 24 hours later is still coming back.
	d.exchange(rs, reportAt(3, 13, 0, 0), reportAt(3, 13, 0, 10), reportAt(4, 13, 0, 10), reportAt(4, 13, 0, 20))
	// r6: abandoned while the assistant waits for the email.
	r6 := d.exchange(rs, reportAt(3, 14, 0, 0), reportAt(3, 14, 0, 10))
	d.handoff(r6, hub.HandoffAwaitingEmail, reportAt(3, 14, 0, 10))
	// r7: answered, then taken over by a member who wrote nothing.
	r7 := d.exchange(rs, reportAt(3, 15, 0, 0), reportAt(3, 15, 0, 10))
	d.takeOver(r7, reportAt(3, 15, 5, 0))
	// r8: asked for the email, the visitor asked something else instead
	// and the assistant answered it, back in the assistant state: it was
	// handed off once, which sticks.
	r8 := d.exchange(rs, reportAt(3, 16, 0, 0), reportAt(3, 16, 0, 10))
	d.handoff(r8, hub.HandoffAwaitingEmail, reportAt(3, 16, 0, 10))
	d.turns(r8, reportAt(3, 16, 1, 0), reportAt(3, 16, 1, 10))
	d.handoff(r8, hub.HandoffAssistant, reportAt(3, 16, 1, 10))
	// r9: a thumbs down, and a ticket from the widget (escalated).
	r9 := d.exchange(rs, reportAt(3, 17, 0, 0))
	d.say(r9, hub.AuthorAssistant, reportAt(3, 17, 0, 10), hub.FeedbackDown)
	d.linkTicket(r9, d.sourcedTicket(rt.ID, rs, r9, hub.SourceWidget, "", hub.TicketOpen, reportAt(3, 17, 5, 0), nil))
	// r10: the assistant wrote before the visitor, never after: no answer.
	r10 := d.conv(rs, reportAt(3, 18, 0, 0))
	d.say(r10, hub.AuthorAssistant, reportAt(3, 18, 0, 0), "")
	d.say(r10, hub.AuthorVisitor, reportAt(3, 18, 0, 30), "")
	// r11: the assistant stayed silent (an internal note): no answer.
	r11 := d.exchange(rs, reportAt(3, 19, 0, 0))
	mustMessage(t, s, &hub.Message{TenantID: rt.ID, ConversationID: r11.ID, AuthorKind: hub.AuthorAssistant, Internal: true,
		CreatedAt: reportAt(3, 19, 0, 5)})
	// r12: no visitor message; a support request from the widget names it,
	// which does not escalate (hub.Ticket.Escalates).
	r12 := d.conv(rs, reportAt(3, 20, 0, 0))
	d.linkTicket(r12, d.sourcedTicket(rt.ID, rs, r12, hub.SourceWidget, hub.QueueSupport, hub.TicketOpen, reportAt(3, 20, 0, 0), nil))

	from, to := reportAt(1, 0, 0, 0), reportAt(3, 0, 0, 0)
	empty := []int{0, 0, 0}
	// rDays are the resolution tenant's 3 and 4 Nov: 12 conversations and
	// 2 tickets on 3 Nov, a thumbs up (r1) and down (r9). Its first replies:
	// r1 20 s, r2 15 s, and 10 s for r3 to r9; r10 and r11 have none.
	rFrom, rTo := reportAt(3, 0, 0, 0), reportAt(4, 0, 0, 0)
	rDays := reportDays(rFrom, []int{12, 0}, []int{2, 0}, []int{0, 0}, []int{1, 0}, []int{1, 0})
	resolved := func(n int, share float64) *hub.Report {
		return &hub.Report{From: "2026-11-03", To: "2026-11-04", Days: rDays, MedianFirstResponseSeconds: i64(10),
			VisitorConversations: 11, AssistantResolved: n, AssistantResolvedShare: f64(share)}
	}
	tests := []struct {
		name   string
		filter hub.ReportFilter
		want   *hub.Report
	}{
		{"tenant", hub.ReportFilter{TenantID: tn.ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03",
			Days: reportDays(from, []int{2, 3, 2}, []int{1, 3, 1}, []int{2, 0, 1}, []int{2, 1, 0}, []int{1, 0, 0}),
			// first replies: c1 30, c2 600, c3 120, c6 40, c7 50 s; agents: c2 600, c3 1200 s.
			MedianFirstResponseSeconds: i64(50), MedianFirstAgentResponseSeconds: i64(900),
			// t5 1.5 s, t1 86400 s, t3 1036800 s
			MedianResolutionSeconds: i64(86400),
			// c1 alone of c1, c2, c3, c5, c6, c7
			VisitorConversations: 6, AssistantResolved: 1, AssistantResolvedShare: f64(0.1667),
		}},
		{"site", hub.ReportFilter{TenantID: tn.ID, SiteID: s1.ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03", SiteID: s1.ID,
			Days: reportDays(from, []int{2, 2, 2}, []int{1, 3, 0}, []int{1, 0, 1}, []int{2, 0, 0}, []int{1, 0, 0}),
			// 30, 40, 50, 600 s: the mean of the middle two
			MedianFirstResponseSeconds: i64(45), MedianFirstAgentResponseSeconds: i64(600),
			// (1.5 + 86400) / 2 = 43200.75
			MedianResolutionSeconds: i64(43201),
			VisitorConversations:    5, AssistantResolved: 1, AssistantResolvedShare: f64(0.2),
		}},
		{"other site", hub.ReportFilter{TenantID: tn.ID, SiteID: s2.ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03", SiteID: s2.ID,
			Days:                       reportDays(from, []int{0, 1, 0}, []int{0, 0, 1}, empty, []int{0, 1, 0}, empty),
			MedianFirstResponseSeconds: i64(120), MedianFirstAgentResponseSeconds: i64(1200),
			VisitorConversations: 1, AssistantResolved: 0, AssistantResolvedShare: f64(0.0),
		}},
		{"one day", hub.ReportFilter{TenantID: tn.ID, From: reportAt(2, 0, 0, 0), To: reportAt(2, 0, 0, 0)}, &hub.Report{
			From: "2026-11-02", To: "2026-11-02",
			Days: reportDays(reportAt(2, 0, 0, 0), []int{3}, []int{3}, []int{0}, []int{1}, []int{0}),
			// c3 120, c6 40, c7 50 s; the agent of c3 1200 s
			MedianFirstResponseSeconds: i64(50), MedianFirstAgentResponseSeconds: i64(1200),
			VisitorConversations: 3, AssistantResolved: 0, AssistantResolvedShare: f64(0.0),
		}},
		{"other tenant", hub.ReportFilter{TenantID: other.ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03",
			Days:                       reportDays(from, []int{1, 0, 0}, []int{1, 0, 0}, []int{1, 0, 0}, []int{1, 0, 0}, empty),
			MedianFirstResponseSeconds: i64(5), MedianResolutionSeconds: i64(100),
			VisitorConversations: 1, AssistantResolved: 1, AssistantResolvedShare: f64(1.0),
		}},
		// A site of another tenant selects nothing of this one.
		{"another tenant's site", hub.ReportFilter{TenantID: tn.ID, SiteID: otherSite.ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03", SiteID: otherSite.ID,
			Days: reportDays(from, empty, empty, empty, empty, empty),
		}},
		{"no data", hub.ReportFilter{TenantID: mustTenant(t, s).ID, From: from, To: to}, &hub.Report{
			From: "2026-11-01", To: "2026-11-03",
			Days: reportDays(from, empty, empty, empty, empty, empty),
		}},
		{"days without data", hub.ReportFilter{TenantID: tn.ID, From: reportAt(20, 0, 0, 0), To: reportAt(21, 0, 0, 0)}, &hub.Report{
			From: "2026-11-20", To: "2026-11-21",
			Days: reportDays(reportAt(20, 0, 0, 0), []int{0, 0}, []int{0, 0}, []int{0, 0}, []int{0, 0}, []int{0, 0}),
		}},
		// Resolved by the assistant, as time passes. Long after: r1, r3 and
		// r4 (r2 and r5 came back, r6 to r8 were handed off, r9 has a
		// ticket, r10 and r11 no answer).
		{"resolved, settled", hub.ReportFilter{TenantID: rt.ID, From: rFrom, To: rTo, Now: reportAt(10, 0, 0, 0)},
			resolved(3, 0.2727)},
		// Not yet: 24 hours after r1's answer but a second too soon.
		{"resolved, not yet", hub.ReportFilter{TenantID: rt.ID, From: rFrom, To: rTo, Now: reportAt(4, 9, 0, 19)},
			resolved(0, 0)},
		{"resolved, r1 settled", hub.ReportFilter{TenantID: rt.ID, From: rFrom, To: rTo, Now: reportAt(4, 9, 0, 20)},
			resolved(1, 0.0909)},
		// r3 settles 24 hours after its second answer; r4 answered again
		// on 4 Nov, so it waits until 5 Nov 12:00:20.
		{"resolved, r3 settled", hub.ReportFilter{TenantID: rt.ID, From: rFrom, To: rTo, Now: reportAt(5, 12, 0, 19)},
			resolved(2, 0.1818)},
	}
	for i := range tests {
		if tests[i].filter.Now.IsZero() {
			tests[i].filter.Now = reportAt(10, 0, 0, 0) // long after every answer of tn and other
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Report(ctx, tt.filter)
			must(t, err)
			wantReport(t, got, tt.want)
		})
	}

	// The response times come from CreateMessage, which keeps them on the
	// conversation as messages are written. A database written before
	// migration 0008 gets them from that migration's backfill instead,
	// which must find the same ones.
	b, ok := s.(responseTimesBackfiller)
	if !ok {
		t.Fatalf("%T has no BackfillResponseTimes to check its migration 0008 with", s)
	}
	changed, err := b.BackfillResponseTimes(ctx)
	must(t, err)
	if len(changed) != 0 {
		t.Fatalf("the backfill changed the response times of conversations %v", changed)
	}
	for _, tt := range tests {
		t.Run("backfill/"+tt.name, func(t *testing.T) {
			got, err := s.Report(ctx, tt.filter)
			must(t, err)
			wantReport(t, got, tt.want)
		})
	}

	// Migration 0011's backfill must find the outcomes the stores kept
	// (escalated, handed_off, answered_at, came_back) from the messages,
	// tickets and audit entries.
	o, ok := s.(outcomesBackfiller)
	if !ok {
		t.Fatalf("%T has no BackfillOutcomes to check its migration 0011 with", s)
	}
	changed, err = o.BackfillOutcomes(ctx)
	must(t, err)
	if len(changed) != 0 {
		t.Fatalf("the backfill of 0011 changed the outcomes of conversations %v", changed)
	}
	for _, tt := range tests {
		t.Run("backfill 0011/"+tt.name, func(t *testing.T) {
			got, err := s.Report(ctx, tt.filter)
			must(t, err)
			wantReport(t, got, tt.want)
		})
	}

	// Inside a transaction the report sees the transaction's writes.
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		late := &hub.Conversation{TenantID: tn.ID, SiteID: s2.ID, VisitorID: c3.VisitorID, Owner: hub.OwnerAssistant,
			Status: hub.ConversationOpen, LastMessageAt: reportAt(3, 23, 59, 59), CreatedAt: reportAt(3, 23, 59, 59), UpdatedAt: reportAt(3, 23, 59, 59)}
		if err := q.CreateConversation(ctx, late); err != nil {
			return err
		}
		got, err := q.Report(ctx, hub.ReportFilter{TenantID: tn.ID, SiteID: s2.ID, From: from, To: to, Now: reportAt(10, 0, 0, 0)})
		if err != nil {
			return err
		}
		wantEqual(t, "conversations of s2 in a transaction", []int{got.Days[0].Conversations, got.Days[1].Conversations,
			got.Days[2].Conversations}, []int{0, 1, 1})
		return nil
	}))
}

// responseTimesBackfiller is a store that can run the backfill of its
// migration 0008_response_times.sql again (in its tests: export_test.go),
// reporting the conversations whose times it changed.
type responseTimesBackfiller interface {
	BackfillResponseTimes(ctx context.Context) ([]int64, error)
}

// outcomesBackfiller is a store that can run the backfill of its migration
// 0011_conversation_outcomes.sql again (in its tests: export_test.go),
// reporting the conversations whose outcomes it changed.
type outcomesBackfiller interface {
	BackfillOutcomes(ctx context.Context) ([]int64, error)
}

// wantReport fails unless got equals want, showing both as JSON (the
// medians are pointers).
func wantReport(t *testing.T, got, want *hub.Report) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err)
	w, err := json.Marshal(want)
	must(t, err)
	if string(g) != string(w) {
		t.Fatalf("Report:\n got %s\nwant %s", g, w)
	}
}
