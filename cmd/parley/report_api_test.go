package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiReport is GET /api/v1/reports as a client reads it.
type apiReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days []struct {
		Date            string `json:"date"`
		Conversations   int    `json:"conversations"`
		TicketsOpened   int    `json:"tickets_opened"`
		TicketsResolved int    `json:"tickets_resolved"`
		ThumbsUp        int    `json:"thumbs_up"`
		ThumbsDown      int    `json:"thumbs_down"`
	} `json:"days"`
	MedianFirstResponseSeconds      *float64 `json:"median_first_response_seconds"`
	MedianFirstAgentResponseSeconds *float64 `json:"median_first_agent_response_seconds"`
	MedianResolutionSeconds         *float64 `json:"median_resolution_seconds"`
	VisitorConversations            int      `json:"visitor_conversations"`
	AssistantResolved               int      `json:"assistant_resolved"`
	AssistantResolvedShare          *float64 `json:"assistant_resolved_share"`
}

// totals sums the days: date-independent, so a test that runs across
// midnight UTC still adds up.
func (r apiReport) totals() [5]int {
	var t [5]int
	for _, d := range r.Days {
		t[0] += d.Conversations
		t[1] += d.TicketsOpened
		t[2] += d.TicketsResolved
		t[3] += d.ThumbsUp
		t[4] += d.ThumbsDown
	}
	return t
}

// TestReportAPI creates traffic through the public APIs of a node on the
// embedded defaults and reads it back as a report and as CSV.
func TestReportAPI(t *testing.T) {
	reportFlow(t, []string{"PARLEY_DATA_DIR=" + t.TempDir()})
}

// TestReportAPIOnPostgres is the same on Postgres and Redis.
func TestReportAPIOnPostgres(t *testing.T) {
	reportFlow(t, clusterEnv(t))
}

func reportFlow(t *testing.T, env []string) {
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	auth := bearer(token)
	siteKey := demoSiteKey(t, n)
	base := n.URL + "/api/v1"

	// 1. The demo assistant answers from its knowledge base, and the
	// visitor likes the answer: the assistant will have resolved it once
	// 24 hours pass without the visitor coming back (hub/report.go).
	v1 := visitorFor(t, n, siteKey, n.Origin)
	say(v1, "How long does shipping take to Germany?")
	var answer wireMessage
	for answer.AuthorKind != "assistant" {
		answer = v1.nextMessage()
	}
	v1.call("feedback", "feedback.ok", map[string]any{"message_id": answer.ID, "feedback": "up"})

	// 2. With the assistant off, an agent answers a visitor, writes a
	// private note, opens a ticket and resolves it.
	withoutAssistant(t, n, token)
	v2 := visitorFor(t, n, siteKey, n.Origin)
	conv := decode[struct{ Message wireMessage }](t, v2.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "I need a refund"})).Message.ConversationID
	for i, body := range []map[string]any{{"client_msg_id": "n1", "body": "Order 42, paid twice", "internal": true},
		{"client_msg_id": "r1", "body": "Refunding it now"}} {
		if st := do(t, "POST", fmt.Sprintf("%s/conversations/%d/messages", base, conv), auth, body, nil); st != 201 {
			t.Fatalf("message %d: status %d", i, st)
		}
	}
	var tk struct{ ID int64 }
	if st := do(t, "POST", base+"/tickets", auth, map[string]any{"conversation_id": conv, "subject": "Refund for order 42",
		"requester_email": "ann@example.com"}, &tk); st != 201 {
		t.Fatalf("create ticket: status %d", st)
	}
	if st := do(t, "PATCH", fmt.Sprintf("%s/tickets/%d", base, tk.ID), auth, map[string]any{"status": "resolved"}, nil); st != 200 {
		t.Fatalf("resolve ticket: status %d", st)
	}

	// 3. Nobody answers a third visitor.
	v3 := visitorFor(t, n, siteKey, n.Origin)
	say(v3, "Hello?")

	// Yesterday to tomorrow (UTC) holds all of it, even across midnight.
	now := time.Now().UTC()
	from, to := now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
	query := "?from=" + from + "&to=" + to
	var r apiReport
	if st := do(t, "GET", base+"/reports"+query, auth, nil, &r); st != 200 {
		t.Fatalf("report: status %d", st)
	}
	if r.From != from || r.To != to || len(r.Days) != 3 || r.Days[0].Date != from || r.Days[2].Date != to {
		t.Fatalf("report covers %s … %s in %d days, want %s … %s in 3", r.From, r.To, len(r.Days), from, to)
	}
	// conversations, tickets opened, resolved, thumbs up, down
	if got, want := r.totals(), [5]int{3, 1, 1, 1, 0}; got != want {
		t.Errorf("totals %v, want %v", got, want)
	}
	// The assistant's answer is seconds old: not resolved yet, though the
	// share is measured (0, not null). hub's TestReportAssistantResolved
	// moves the clock on.
	if r.VisitorConversations != 3 || r.AssistantResolved != 0 || r.AssistantResolvedShare == nil || *r.AssistantResolvedShare != 0 {
		t.Errorf("assistant resolved %d of %d (share %v), want 0 of 3 (0) until 24 hours pass", r.AssistantResolved, r.VisitorConversations,
			reportValue(r.AssistantResolvedShare))
	}
	for name, v := range map[string]*float64{"first response": r.MedianFirstResponseSeconds,
		"first agent response": r.MedianFirstAgentResponseSeconds, "resolution": r.MedianResolutionSeconds} {
		// Everything happened within the test's few seconds.
		if v == nil || *v < 0 || *v > 120 || *v != float64(int64(*v)) {
			t.Errorf("median %s = %v s, want whole seconds from 0 to 120", name, reportValue(v))
		}
	}

	// The default range: the 30 days ending today.
	var def apiReport
	if st := do(t, "GET", base+"/reports", auth, nil, &def); st != 200 || len(def.Days) != 30 || def.totals() != r.totals() {
		t.Errorf("default report: status %d, %d days, totals %v; want 30 days, totals %v", st, len(def.Days), def.totals(), r.totals())
	}

	// The same days as CSV.
	header, body := getCSV(t, base+"/reports.csv"+query, auth)
	if cd := header.Get("Content-Disposition"); cd != `attachment; filename="parley-report-`+from+"-"+to+`.csv"; filename*=UTF-8''parley-report-`+from+"-"+to+`.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q, want text/csv", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV %q: %v", body, err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "date,conversations,tickets_opened,tickets_resolved,thumbs_up,thumbs_down" {
		t.Fatalf("CSV %q: want the header and 3 days", body)
	}
	for i, d := range r.Days {
		want := []string{d.Date, strconv.Itoa(d.Conversations), strconv.Itoa(d.TicketsOpened), strconv.Itoa(d.TicketsResolved),
			strconv.Itoa(d.ThumbsUp), strconv.Itoa(d.ThumbsDown)}
		if strings.Join(rows[i+1], ",") != strings.Join(want, ",") {
			t.Errorf("CSV row %d: %v, want %v", i+1, rows[i+1], want)
		}
	}

	var sites struct{ Items []struct{ ID int64 } }
	if st := do(t, "GET", base+"/sites", auth, nil, &sites); st != 200 || len(sites.Items) != 1 {
		t.Fatalf("sites: status %d, %+v", st, sites)
	}
	siteQuery := fmt.Sprintf("%s&site=%d", query, sites.Items[0].ID)
	var bySite apiReport
	if st := do(t, "GET", base+"/reports"+siteQuery, auth, nil, &bySite); st != 200 || bySite.totals() != r.totals() {
		t.Errorf("report of the demo site: status %d, totals %v, want %v", st, bySite.totals(), r.totals())
	}

	for _, bad := range []string{"?from=" + to + "&to=" + from, "?from=2026-13-01", "?to=yesterday", "?from=2024-01-01&to=2025-01-01", "?site=abc"} {
		var p struct{ Code string }
		if st := do(t, "GET", base+"/reports"+bad, auth, nil, &p); st != 400 || p.Code != "invalid" {
			t.Errorf("reports%s: status %d %+v, want 400 invalid", bad, st, p)
		}
	}
	if st := do(t, "GET", base+"/reports", nil, nil, nil); st != 401 {
		t.Errorf("report without a session: status %d, want 401", st)
	}

	// Another workspace: the demo site does not exist for its members, and
	// their own report is empty.
	var out strings.Builder
	if err := run(context.Background(), []string{"user", "add", "-email", "eve@globex.test", "-tenant", "Globex", "-password", "correct horse battery"},
		append([]string{"PARLEY_DATA_DIR=" + t.TempDir(), "PARLEY_LOG_FORMAT=json"}, env...), &out, io.Discard); err != nil {
		t.Fatalf("user add: %v", err)
	}
	eve := bearer(login(t, n, "eve@globex.test", "correct horse battery"))
	var p struct{ Code string }
	if st := do(t, "GET", base+"/reports"+siteQuery, eve, nil, &p); st != 404 || p.Code != "not_found" {
		t.Errorf("another workspace's site: status %d %+v, want 404", st, p)
	}
	if st := do(t, "GET", base+"/reports.csv"+siteQuery, eve, nil, nil); st != 404 {
		t.Errorf("another workspace's site as CSV: status %d, want 404", st)
	}
	var theirs apiReport
	if st := do(t, "GET", base+"/reports"+query, eve, nil, &theirs); st != 200 || len(theirs.Days) != 3 || theirs.totals() != [5]int{} ||
		theirs.VisitorConversations != 0 || theirs.AssistantResolvedShare != nil || theirs.MedianFirstResponseSeconds != nil ||
		theirs.MedianResolutionSeconds != nil {
		t.Errorf("the other workspace's report: status %d, %+v; want 3 empty days and null medians", st, theirs)
	}
}

// getCSV fetches a CSV download, failing unless the answer is 200.
func getCSV(t *testing.T, url string, header http.Header) (http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d, %s", url, resp.StatusCode, body)
	}
	return resp.Header, string(body)
}

// reportValue shows an optional number of a report.
func reportValue(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
