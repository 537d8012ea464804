package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// wireKnowledgeLinks is the part of a knowledge entry as the API sends it
// that TestKnowledgeAPILinks checks.
type wireKnowledgeLinks struct {
	ID            int64    `json:"id"`
	Title         string   `json:"title"`
	Language      string   `json:"language"`
	Phrasings     []string `json:"phrasings"`
	TranslationOf int64    `json:"translation_of"`
}

// TestKnowledgeAPILinks drives an entry's language, phrasings and
// translation link, and a site's synonyms, through the API as docs/api.md
// describes them.
func TestKnowledgeAPILinks(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, "PARLEY_DATA_DIR="+dir)
	email, password := demoLogin(t, n)
	owner := bearer(login(t, n, email, password))
	siteID := knowledgeSiteID(t, dir, demoSiteKey(t, n))
	base := n.URL + "/api/v1"
	list := fmt.Sprintf("%s/sites/%d/knowledge", base, siteID)
	entry := func(id int64) string { return fmt.Sprintf("%s/knowledge/%d", base, id) }

	var en, ru wireKnowledgeLinks
	if st := do(t, "POST", list, owner, map[string]any{"kind": "qa", "title": "How long is delivery?", "body": "Two days.",
		"phrasings": []string{" When will my parcel arrive? ", "", "when will my parcel arrive?"}}, &en); st != 201 ||
		en.Language != "en" || !reflect.DeepEqual(en.Phrasings, []string{"When will my parcel arrive?"}) || en.TranslationOf != 0 {
		t.Fatalf("create: %d %+v", st, en)
	}
	if st := do(t, "POST", list, owner, map[string]any{"kind": "qa", "title": "Сколько идёт доставка?", "body": "Два дня.",
		"translation_of": en.ID}, &ru); st != 201 || ru.Language != "ru" || ru.TranslationOf != en.ID ||
		ru.Phrasings == nil || len(ru.Phrasings) != 0 {
		t.Fatalf("create a translation: %d %+v", st, ru)
	}
	var got wireKnowledgeLinks
	if st := do(t, "PATCH", entry(en.ID), owner, map[string]any{"phrasings": []string{"Shipping time?"}}, &got); st != 200 ||
		got.Language != "en" || !reflect.DeepEqual(got.Phrasings, []string{"Shipping time?"}) {
		t.Fatalf("patch phrasings: %d %+v", st, got)
	}
	got = wireKnowledgeLinks{}
	if st := do(t, "PATCH", entry(ru.ID), owner, map[string]any{"translation_of": 0}, &got); st != 200 || got.ID != ru.ID ||
		got.TranslationOf != 0 {
		t.Fatalf("unlink: %d %+v", st, got)
	}
	if _, _, body := knowledgeCall(t, "GET", entry(ru.ID), owner, ""); strings.Contains(body, "translation_of") {
		t.Errorf("an entry without a link sends translation_of: %s", body)
	}
	if st := do(t, "PATCH", entry(ru.ID), owner, map[string]any{"translation_of": en.ID, "language": nil}, &got); st != 200 ||
		got.TranslationOf != en.ID || got.Language != "ru" {
		t.Fatalf("link again: %d %+v", st, got)
	}

	var other struct {
		ID int64 `json:"id"`
	}
	if st := do(t, "POST", base+"/sites", owner, map[string]any{"name": "Other"}, &other); st != 201 {
		t.Fatalf("create a site: %d", st)
	}
	var elsewhere wireKnowledgeLinks
	if st := do(t, "POST", fmt.Sprintf("%s/sites/%d/knowledge", base, other.ID), owner,
		map[string]any{"kind": "qa", "title": "Elsewhere", "body": "Other site."}, &elsewhere); st != 201 {
		t.Fatalf("create elsewhere: %d", st)
	}
	bad := []struct{ method, url, body, says string }{
		{"POST", list, `{"kind":"qa","title":"Q","body":"A","language":"de"}`, "language must be en or ru"},
		{"POST", list, fmt.Sprintf(`{"kind":"qa","title":"Q","body":"A","language":"ru","translation_of":%d}`, elsewhere.ID),
			"translation_of must be an entry of the same site"},
		{"POST", list, fmt.Sprintf(`{"kind":"qa","title":"Q","body":"A","translation_of":%d}`, en.ID), "another language"},
		{"POST", list, fmt.Sprintf(`{"kind":"qa","title":"Q","body":"A","language":"en","translation_of":%d}`, ru.ID),
			"itself a translation"},
		{"POST", list, `{"kind":"qa","title":"Q","body":"A","phrasings":"one"}`, ""},
		{"PATCH", entry(en.ID), fmt.Sprintf(`{"phrasings":[%s"x"]}`, phrasingsJSON(20)), "at most 20"},
		{"PATCH", entry(en.ID), fmt.Sprintf(`{"translation_of":%d}`, en.ID), "itself"},
		{"PATCH", fmt.Sprintf("%s/sites/%d", base, siteID), `{"synonyms":[["parcel"]]}`, "synonym group 1"},
		{"PATCH", fmt.Sprintf("%s/sites/%d", base, siteID), `{"synonyms":"parcel"}`, ""},
	}
	for _, c := range bad {
		if st, ctype, body := knowledgeCall(t, c.method, c.url, owner, c.body); st != 400 || ctype != "application/problem+json" ||
			!strings.Contains(body, `"code":"invalid"`) || !strings.Contains(body, c.says) {
			t.Errorf("%s %s %.80s: %d %s %s, want a 400 problem saying %q", c.method, c.url, c.body, st, ctype, body, c.says)
		}
	}

	// Deleting the original leaves the translation.
	if st, _, _ := knowledgeCall(t, "DELETE", entry(en.ID), owner, ""); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	got = wireKnowledgeLinks{}
	if st := do(t, "GET", entry(ru.ID), owner, nil, &got); st != 200 || got.ID != ru.ID || got.TranslationOf != 0 {
		t.Fatalf("translation after its original's deletion: %d %+v", st, got)
	}

	// A site's synonyms.
	type wireSite struct {
		Synonyms         [][]string `json:"synonyms"`
		KnowledgeVersion int64      `json:"knowledge_version"`
	}
	var before, site wireSite
	siteURL := fmt.Sprintf("%s/sites/%d", base, siteID)
	if st := do(t, "GET", siteURL, owner, nil, &before); st != 200 || before.Synonyms == nil || before.KnowledgeVersion < 2 {
		t.Fatalf("site: %d %+v", st, before)
	}
	if st := do(t, "PATCH", siteURL, owner, map[string]any{"synonyms": [][]string{{"Parcel ", "package"}, {}}}, &site); st != 200 ||
		!reflect.DeepEqual(site.Synonyms, [][]string{{"parcel", "package"}}) || site.KnowledgeVersion != before.KnowledgeVersion+1 {
		t.Fatalf("patch synonyms: %d %+v (before %+v)", st, site, before)
	}
}

// phrasingsJSON is n different JSON strings, each followed by a comma.
func phrasingsJSON(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"phrasing %d",`, i)
	}
	return b.String()
}

// TestKnowledgeEditOnCluster: an entry written through one node is
// answered from at the next decision on the other, whose assistant had
// already built its index of the site (hub.EventKnowledgeChanged drops
// it; the knowledge version would catch a lost event).
func TestKnowledgeEditOnCluster(t *testing.T) {
	env := clusterEnv(t)
	a := startNode(t, env...)
	b := startNode(t, env...)
	email, password := demoLogin(t, a)
	if email == "" {
		email, password = demoLogin(t, b)
	}
	owner := bearer(login(t, b, email, password))
	siteKey := demoSiteKey(t, a)

	first := visitorFor(t, a, siteKey, a.Origin)
	say(first, "How long does shipping take to Germany?")
	if ans := nextFrom(first, "assistant"); ans.StatusType != "MATCHED_CONTENT" {
		t.Fatalf("answer before the edit %+v, want one from the knowledge base", ans)
	}
	site := demoSiteID(t, b, owner)
	if st := do(t, "POST", fmt.Sprintf("%s/api/v1/sites/%d/knowledge", b.URL, site), owner, map[string]any{"kind": "qa",
		"title": "Do you sell gift cards?", "body": "Yes: gift cards from 10 euros, sent by email.",
		"phrasings": []string{"Can I buy a voucher?"}}, nil); st != 201 {
		t.Fatalf("create an entry on node b: status %d", st)
	}
	second := visitorFor(t, a, siteKey, a.Origin)
	say(second, "Do you sell gift cards?")
	if ans := nextFrom(second, "assistant"); ans.StatusType != "MATCHED_CONTENT" || !strings.Contains(ans.Body, "gift cards from 10 euros") {
		t.Fatalf("answer on node a after the edit on node b %+v, want the new entry", ans)
	}
}
