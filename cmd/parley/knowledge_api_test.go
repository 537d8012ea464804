package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wireKnowledge is a knowledge entry as the API sends it.
type wireKnowledge struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenant_id"`
	SiteID    int64     `json:"site_id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// knowledgeSiteID returns the id of the site with key; the API has no site list.
func knowledgeSiteID(tb testing.TB, dataDir, siteKey string) int64 {
	tb.Helper()
	return siteIn(tb, dataDir, siteKey, nil).ID
}

// knowledgeCall sends body as is and returns the status, content type and body.
func knowledgeCall(tb testing.TB, method, url string, header http.Header, body string) (int, string, string) {
	tb.Helper()
	st, h, raw := inboxRaw(tb, method, url, header, body)
	return st, h.Get("Content-Type"), string(raw)
}

// TestKnowledgeAPI drives the knowledge base endpoints on the real server:
// owners write, agents read, other workspaces see nothing, and bad input
// is a 400 problem.
func TestKnowledgeAPI(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, "PARLEY_DATA_DIR="+dir)
	email, password := demoLogin(t, n)
	owner := bearer(login(t, n, email, password))
	siteID := knowledgeSiteID(t, dir, demoSiteKey(t, n))
	var me struct {
		TenantID int64 `json:"tenant_id"`
	}
	if st := do(t, "GET", n.URL+"/api/v1/me", owner, nil, &me); st != 200 || me.TenantID == 0 {
		t.Fatalf("me: %d %+v", st, me)
	}
	agent := inboxUser(t, n, []string{"PARLEY_DATA_DIR=" + dir}, "agent@demo.test", "-tenant-id", fmt.Sprint(me.TenantID), "-role", "agent")
	rival := inboxUser(t, n, []string{"PARLEY_DATA_DIR=" + dir}, "owner@rival.test", "-tenant", "Rival")

	base := n.URL + "/api/v1"
	list := fmt.Sprintf("%s/sites/%d/knowledge", base, siteID)
	entry := func(id int64) string { return fmt.Sprintf("%s/knowledge/%d", base, id) }
	var before struct{ Items []wireKnowledge }
	if st := do(t, "GET", list, owner, nil, &before); st != 200 || before.Items == nil {
		t.Fatalf("list before: %d %+v", st, before)
	}

	var qa, article wireKnowledge
	if st := do(t, "POST", list, owner, map[string]string{"kind": "qa", "title": " Как оформить возврат? ", "body": "Напишите нам."}, &qa); st != 201 ||
		qa.ID == 0 || qa.SiteID != siteID || qa.TenantID != me.TenantID || qa.Kind != "qa" || qa.Title != "Как оформить возврат?" ||
		qa.Body != "Напишите нам." || qa.CreatedAt.IsZero() {
		t.Fatalf("create qa: %d %+v", st, qa)
	}
	if st := do(t, "POST", list, owner, map[string]string{"kind": "article", "title": "Shipping", "body": "Two days."}, &article); st != 201 {
		t.Fatalf("create article: %d %+v", st, article)
	}

	var after struct{ Items []wireKnowledge }
	if st := do(t, "GET", list, owner, nil, &after); st != 200 || len(after.Items) != len(before.Items)+2 ||
		after.Items[len(after.Items)-2] != qa || after.Items[len(after.Items)-1] != article {
		t.Fatalf("list: %d %+v, want the two new entries last", st, after)
	}
	var got wireKnowledge
	if st := do(t, "GET", entry(qa.ID), owner, nil, &got); st != 200 || got != qa {
		t.Fatalf("get: %d %+v, want %+v", st, got, qa)
	}
	var patched wireKnowledge
	if st := do(t, "PATCH", entry(qa.ID), owner, map[string]string{"title": "Как вернуть товар?"}, &patched); st != 200 ||
		patched.Title != "Как вернуть товар?" || patched.Body != qa.Body || patched.Kind != "qa" || patched.UpdatedAt.Before(qa.UpdatedAt) {
		t.Fatalf("patch: %d %+v", st, patched)
	}
	if st := do(t, "GET", entry(qa.ID), owner, nil, &got); st != 200 || got != patched {
		t.Fatalf("get after patch: %d %+v, want %+v", st, got, patched)
	}

	// Agents read but do not write.
	if st := do(t, "GET", list, agent, nil, &after); st != 200 || len(after.Items) != len(before.Items)+2 {
		t.Fatalf("agent list: %d %+v", st, after)
	}
	if st := do(t, "GET", entry(article.ID), agent, nil, &got); st != 200 || got != article {
		t.Fatalf("agent get: %d %+v", st, got)
	}
	forbidden := []struct{ method, url, body string }{
		{"POST", list, `{"kind":"qa","title":"Q","body":"A"}`},
		{"PATCH", entry(article.ID), `{"body":"One day."}`},
		{"DELETE", entry(article.ID), ""},
	}
	for _, c := range forbidden {
		if st, ctype, body := knowledgeCall(t, c.method, c.url, agent, c.body); st != 403 || ctype != "application/problem+json" ||
			!strings.Contains(body, `"code":"forbidden"`) {
			t.Errorf("agent %s %s: %d %s %s, want a 403 problem", c.method, c.url, st, ctype, body)
		}
	}

	// Another workspace sees nothing, as if nothing existed.
	hidden := []struct{ method, url, body string }{
		{"GET", list, ""},
		{"POST", list, `{"kind":"qa","title":"Q","body":"A"}`},
		{"GET", entry(qa.ID), ""},
		{"PATCH", entry(qa.ID), `{"title":"Mine"}`},
		{"DELETE", entry(qa.ID), ""},
		{"GET", fmt.Sprintf("%s/sites/%d/knowledge", base, siteID+1000), ""},
		{"GET", entry(article.ID + 1000), ""},
	}
	for _, c := range hidden {
		if st, ctype, body := knowledgeCall(t, c.method, c.url, rival, c.body); st != 404 || ctype != "application/problem+json" ||
			!strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("other workspace %s %s: %d %s %s, want a 404 problem", c.method, c.url, st, ctype, body)
		}
	}
	for _, url := range []string{fmt.Sprintf("%s/sites/%d/knowledge", base, siteID+1000), entry(article.ID + 1000)} {
		if st, _, body := knowledgeCall(t, "GET", url, owner, ""); st != 404 || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("owner GET %s: %d %s, want a 404 problem", url, st, body)
		}
	}
	if st, _, _ := knowledgeCall(t, "GET", list, http.Header{}, ""); st != 401 {
		t.Errorf("list without a session: %d, want 401", st)
	}

	bad := []struct{ method, url, body string }{
		{"POST", list, `{"kind":"faq","title":"Q","body":"A"}`},
		{"POST", list, `{"title":"Q","body":"A"}`},
		{"POST", list, `{"kind":"qa","title":"   ","body":"A"}`},
		{"POST", list, `{"kind":"qa","title":"Q","body":""}`},
		{"POST", list, fmt.Sprintf(`{"kind":"qa","title":%q,"body":"A"}`, strings.Repeat("я", 301))},
		{"POST", list, fmt.Sprintf(`{"kind":"article","title":"Q","body":%q}`, strings.Repeat("ё", 20001))},
		{"POST", list, `{"kind":"qa","title":"a\u0000b","body":"A"}`},
		{"POST", list, `not json`},
		{"POST", list, `{"kind":"qa","title":42,"body":"A"}`},
		{"PATCH", entry(qa.ID), `{}`},
		{"PATCH", entry(qa.ID), `{"body":"  "}`},
		{"PATCH", entry(qa.ID), `{"kind":"news"}`},
		{"PATCH", entry(qa.ID), `[`},
		{"GET", base + "/sites/abc/knowledge", ""},
		{"POST", base + "/sites/-1/knowledge", `{"kind":"qa","title":"Q","body":"A"}`},
		{"GET", base + "/knowledge/0", ""},
		{"DELETE", base + "/knowledge/x", ""},
	}
	for _, c := range bad {
		if st, ctype, body := knowledgeCall(t, c.method, c.url, owner, c.body); st != 400 || ctype != "application/problem+json" ||
			!strings.Contains(body, `"code":"invalid"`) {
			t.Errorf("%s %s %.60q: %d %s %s, want a 400 problem", c.method, c.url, c.body, st, ctype, body)
		}
	}
	if st := do(t, "GET", entry(qa.ID), owner, nil, &got); st != 200 || got != patched {
		t.Fatalf("entry after refused changes: %d %+v, want %+v", st, got, patched)
	}

	// Deleting.
	if st, _, body := knowledgeCall(t, "DELETE", entry(qa.ID), owner, ""); st != 204 || body != "" {
		t.Fatalf("delete: %d %q", st, body)
	}
	for _, method := range []string{"GET", "DELETE"} {
		if st, _, body := knowledgeCall(t, method, entry(qa.ID), owner, ""); st != 404 || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("%s after delete: %d %s", method, st, body)
		}
	}
	if st := do(t, "GET", list, owner, nil, &after); st != 200 || len(after.Items) != len(before.Items)+1 ||
		after.Items[len(after.Items)-1] != article {
		t.Fatalf("list after delete: %d %+v", st, after)
	}
}
