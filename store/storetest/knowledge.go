package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// mustKnowledge adds an entry to site.
func mustKnowledge(t *testing.T, s hub.Store, site *hub.Site, kind hub.KnowledgeKind, title, body string) *hub.KnowledgeEntry {
	t.Helper()
	e := &hub.KnowledgeEntry{TenantID: site.TenantID, SiteID: site.ID, Kind: kind, Title: title, Body: body,
		CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateKnowledgeEntry(t.Context(), e))
	return e
}

func entryID(e *hub.KnowledgeEntry) int64 { return e.ID }

// testKnowledge checks the knowledge base's reads and writes.
func testKnowledge(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := mustSite(t, s, f.tenant.ID)

	e := &hub.KnowledgeEntry{TenantID: f.tenant.ID, SiteID: f.site.ID, Kind: hub.KnowledgeQA,
		Title: "Как оформить возврат?", Body: "Напишите нам — вернём деньги за 14 дней.\n\nSecond paragraph.",
		CreatedAt: t0, UpdatedAt: at(1)}
	must(t, s.CreateKnowledgeEntry(ctx, e))
	if e.ID == 0 {
		t.Fatal("CreateKnowledgeEntry did not set ID")
	}
	got, err := s.FindKnowledgeEntryByID(ctx, e.ID)
	must(t, err)
	wantEqual(t, "FindKnowledgeEntryByID", got, e)
	_, err = s.FindKnowledgeEntryByID(ctx, e.ID+1000)
	wantCode(t, err, hub.ENotFound)

	// Entries written in a transaction, and on another site.
	var article *hub.KnowledgeEntry
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		article = &hub.KnowledgeEntry{TenantID: f.tenant.ID, SiteID: f.site.ID, Kind: hub.KnowledgeArticle,
			Title: "Shipping", Body: "Two days.", CreatedAt: at(2), UpdatedAt: at(2)}
		return q.CreateKnowledgeEntry(ctx, article)
	}))
	elsewhere := mustKnowledge(t, s, other, hub.KnowledgeQA, "Elsewhere", "Other site.")

	list, err := s.FindKnowledgeEntries(ctx, f.site.ID)
	must(t, err)
	wantEqual(t, "FindKnowledgeEntries", list, []*hub.KnowledgeEntry{e, article})
	list, err = s.FindKnowledgeEntries(ctx, other.ID)
	must(t, err)
	wantEqual(t, "FindKnowledgeEntries of the other site", list, []*hub.KnowledgeEntry{elsewhere})
	list, err = s.FindKnowledgeEntries(ctx, mustSite(t, s, f.tenant.ID).ID)
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("FindKnowledgeEntries of a site without entries = %#v, want an empty list", list)
	}

	// UpdateKnowledgeEntry writes Kind, Title, Body and UpdatedAt only.
	e.Kind, e.Title, e.Body, e.UpdatedAt = hub.KnowledgeArticle, "Returns", "Within 30 days.", utc(at(60))
	moved := *e
	moved.TenantID, moved.SiteID, moved.CreatedAt = 0, other.ID, at(99)
	must(t, s.UpdateKnowledgeEntry(ctx, &moved))
	got, err = s.FindKnowledgeEntryByID(ctx, e.ID)
	must(t, err)
	wantEqual(t, "entry after UpdateKnowledgeEntry", got, e)
	missing := *e
	missing.ID += 1000
	wantCode(t, s.UpdateKnowledgeEntry(ctx, &missing), hub.ENotFound)

	must(t, s.DeleteKnowledgeEntry(ctx, e.ID))
	_, err = s.FindKnowledgeEntryByID(ctx, e.ID)
	wantCode(t, err, hub.ENotFound)
	wantCode(t, s.DeleteKnowledgeEntry(ctx, e.ID), hub.ENotFound)
	list, err = s.FindKnowledgeEntries(ctx, f.site.ID)
	must(t, err)
	wantEqual(t, "FindKnowledgeEntries after a delete", list, []*hub.KnowledgeEntry{article})
}

// testKnowledgeSearch checks SearchKnowledge: any word of the query matches
// as a prefix of a word of the title or body, whatever its case or script;
// titles rank above bodies and more matching words above fewer; only the
// site's entries come back, at most limit; no input is a syntax error; the
// index follows updates and deletes.
func testKnowledgeSearch(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn := mustTenant(t, s)
	site := mustSite(t, s, tn.ID)
	qa, article := hub.KnowledgeQA, hub.KnowledgeArticle
	ruHow := mustKnowledge(t, s, site, qa, "Как оформить возврат?", "Напишите нам: деньги за товар вернём в течение 14 дней.")
	ruGoods := mustKnowledge(t, s, site, article, "Возврат товара", "Вещь можно вернуть, если она не была в употреблении.")
	refundTitle := mustKnowledge(t, s, site, article, "Refund policy", "Money back within 30 days of purchase.")
	refundBody := mustKnowledge(t, s, site, qa, "Can I return a product?", "Yes: a refund is issued once the parcel arrives back.")
	shipping := mustKnowledge(t, s, site, article, "Shipping times",
		"Parcels leave our warehouse within two business days. Express delivery is available at checkout.")
	pickup := mustKnowledge(t, s, site, qa, "Can I collect in person?", "Yes, from the warehouse desk.")
	password := mustKnowledge(t, s, site, qa, "How do I reset my password?",
		"Click «Forgot password?» on the sign-in page and follow the link in the email.")
	hours := mustKnowledge(t, s, site, article, "Opening hours", "Support works Monday to Friday, 9:00–18:00 CET.")
	gift := mustKnowledge(t, s, site, qa, "Do gift cards expire?", "Gift cards never expire.")
	privacy := mustKnowledge(t, s, site, article, "Privacy", "We never sell your data to anyone.")
	payment := mustKnowledge(t, s, site, qa, "Which payment methods do you take?", "Visa, Mastercard and PayPal.")
	longTitle := mustKnowledge(t, s, site, article, "Reimbursement rules for parcels, vouchers, subscriptions bought online at our shop",
		"Money back within 30 days of purchase, for any reason at all, no questions asked.")
	shortBody := mustKnowledge(t, s, site, qa, "Can I get paid back?", "Yes: reimbursement.")

	// Sites are apart, in the same tenant or another one.
	sameTenant := mustSite(t, s, tn.ID)
	mustKnowledge(t, s, sameTenant, article, "Refund policy", "Возврат денег. Password help.")
	otherTenant := mustSite(t, s, mustTenant(t, s).ID)
	foreign := mustKnowledge(t, s, otherTenant, qa, "Refund?", "Возврат и password.")

	search := func(t *testing.T, siteID int64, query string, limit int) []*hub.KnowledgeEntry {
		t.Helper()
		list, err := s.SearchKnowledge(ctx, siteID, query, limit)
		if err != nil {
			t.Fatalf("SearchKnowledge(%q): %v", query, err)
		}
		if list == nil {
			t.Fatalf("SearchKnowledge(%q) = nil, want a list", query)
		}
		return list
	}
	sorted := func(list []*hub.KnowledgeEntry) []int64 {
		got := ids(list, entryID)
		slices.Sort(got)
		return got
	}

	// Which entries match, in any order: the order is the stores' own
	// ranking, which weighs lengths and frequencies differently.
	matches := []struct {
		query string
		want  []*hub.KnowledgeEntry
	}{
		{"возвр", []*hub.KnowledgeEntry{ruHow, ruGoods}},
		{"Возвр", []*hub.KnowledgeEntry{ruHow, ruGoods}},
		{"ВОЗВРАТ", []*hub.KnowledgeEntry{ruHow, ruGoods}},
		{"как", []*hub.KnowledgeEntry{ruHow}},
		{"КАК ОФОРМИТЬ", []*hub.KnowledgeEntry{ruHow}},
		{"товар", []*hub.KnowledgeEntry{ruHow, ruGoods}},
		{"ДеньГ", []*hub.KnowledgeEntry{ruHow}},
		{"PassWord", []*hub.KnowledgeEntry{password}},
		{"zebra password quux", []*hub.KnowledgeEntry{password}},
		{"gift privacy payment", []*hub.KnowledgeEntry{gift, privacy, payment}},
		{"возврат refund", []*hub.KnowledgeEntry{ruHow, ruGoods, refundTitle, refundBody}},
		{"14", []*hub.KnowledgeEntry{ruHow}},
		{"18", []*hub.KnowledgeEntry{hours}},
		{"fund", nil},
		{"refundx", nil},
		{"nothing here", nil},
		// Query syntax of either store is plain words, or nothing.
		{`"password`, []*hub.KnowledgeEntry{password}},
		{`password*`, []*hub.KnowledgeEntry{password}},
		{`password" OR "x`, []*hub.KnowledgeEntry{password}},
		{`NEAR(password reset)`, []*hub.KnowledgeEntry{password}},
		{`NEAR/2 password`, []*hub.KnowledgeEntry{password}},
		{`title:password`, []*hub.KnowledgeEntry{password}},
		{`body:refund`, []*hub.KnowledgeEntry{refundTitle, refundBody}},
		{`^password`, []*hub.KnowledgeEntry{password}},
		{`-password`, []*hub.KnowledgeEntry{password}},
		{`password & !reset | <-> :*`, []*hub.KnowledgeEntry{password}},
		{`(gift) AND NOT privacy`, []*hub.KnowledgeEntry{password, gift, privacy, payment}}, // "and" is a word
		{`OR`, nil},
		{`NEAR`, nil},
		{`NOT`, nil},
		{`*`, nil},
		{`""`, nil},
		{"   ", nil},
		{"", nil},
		{`!!! --- {}[]()<>@#$%^&|~`, nil},
		{`\`, nil},
		{`%_`, nil},
		{`'; DROP TABLE knowledge_entries; --`, nil},
		{`foo' OR 1=1 --`, []*hub.KnowledgeEntry{ruHow, hours}}, // "1" starts 14 and 18
	}
	for _, tt := range matches {
		t.Run("match "+tt.query, func(t *testing.T) {
			wantEqual(t, "entry ids", sorted(search(t, site.ID, tt.query, 50)), sorted(tt.want))
		})
	}

	// Best first.
	ranked := []struct {
		name, query string
		want        []*hub.KnowledgeEntry
	}{
		{"title above body", "refund", []*hub.KnowledgeEntry{refundTitle, refundBody}},
		{"title above body, prefix", "REFU", []*hub.KnowledgeEntry{refundTitle, refundBody}},
		{"a long title above a short body", "reimburs", []*hub.KnowledgeEntry{longTitle, shortBody}},
		{"more words above fewer", "express warehouse delivery", []*hub.KnowledgeEntry{shipping, pickup}},
		{"more words above fewer, in any order", "warehouse zebra delivery express", []*hub.KnowledgeEntry{shipping, pickup}},
		{"title above body in Russian", "ТОВАР", []*hub.KnowledgeEntry{ruGoods, ruHow}},
	}
	for _, tt := range ranked {
		t.Run("rank "+tt.name, func(t *testing.T) {
			wantEqual(t, "entry ids", ids(search(t, site.ID, tt.query, 50), entryID), ids(tt.want, entryID))
		})
	}

	t.Run("whole entries", func(t *testing.T) {
		wantEqual(t, "entries", search(t, site.ID, "refund", 50), []*hub.KnowledgeEntry{refundTitle, refundBody})
	})

	t.Run("sites apart", func(t *testing.T) {
		for _, q := range []string{"refund", "возврат", "password", "refund возврат password help"} {
			for _, e := range search(t, site.ID, q, 100) {
				if e.SiteID != site.ID {
					t.Errorf("SearchKnowledge(%q) on site %d found entry %d of site %d", q, site.ID, e.ID, e.SiteID)
				}
			}
		}
		wantEqual(t, "the other tenant's search", ids(search(t, otherTenant.ID, "refund возврат password", 50), entryID),
			[]int64{foreign.ID})
		wantEqual(t, "a site without entries", len(search(t, mustSite(t, s, tn.ID).ID, "refund", 50)), 0)
	})

	t.Run("limit", func(t *testing.T) {
		const q = "refund возврат gift privacy payment"
		all := search(t, site.ID, q, 50)
		wantEqual(t, "matches without a limit", len(all), 7)
		for _, n := range []int{1, 3, 7, 8} {
			wantEqual(t, "ids with a limit", ids(search(t, site.ID, q, n), entryID), ids(all[:min(n, len(all))], entryID))
		}
		for _, n := range []int{0, -1} {
			wantEqual(t, "matches with a limit below 1", len(search(t, site.ID, q, n)), 0)
		}
	})

	t.Run("long query", func(t *testing.T) {
		long := strings.Repeat("zebra ", 40) + strings.Repeat("ы", 500) + " password"
		search(t, site.ID, long, 10) // must not fail; which words count is textsearch's business
	})

	// The index follows updates and deletes; run last, they change the data.
	t.Run("update", func(t *testing.T) {
		password.Title, password.Body, password.UpdatedAt = "Two-factor sign-in", "Use an authenticator app.", at(5)
		must(t, s.UpdateKnowledgeEntry(ctx, password))
		wantEqual(t, "search for the old words", len(search(t, site.ID, "password reset", 50)), 0)
		wantEqual(t, "search for the new words", search(t, site.ID, "AUTHENTICAT", 50), []*hub.KnowledgeEntry{password})
		wantEqual(t, "search for the new title", ids(search(t, site.ID, "factor", 50), entryID), []int64{password.ID})

		ruGoods.Title = "Обмен товара"
		must(t, s.UpdateKnowledgeEntry(ctx, ruGoods))
		wantEqual(t, "Russian search after a title change", ids(search(t, site.ID, "возвр", 50), entryID), []int64{ruHow.ID})
		wantEqual(t, "Russian search for the new title", ids(search(t, site.ID, "ОБМЕН", 50), entryID), []int64{ruGoods.ID})
	})
	t.Run("delete", func(t *testing.T) {
		must(t, s.DeleteKnowledgeEntry(ctx, refundTitle.ID))
		wantEqual(t, "search after a delete", ids(search(t, site.ID, "refund", 50), entryID), []int64{refundBody.ID})
		must(t, s.DeleteKnowledgeEntry(ctx, ruHow.ID))
		wantEqual(t, "Russian search after a delete", len(search(t, site.ID, "возвр как", 50)), 0)
	})
}
