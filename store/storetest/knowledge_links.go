package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// knowledgeVersion reads a site's knowledge version.
func knowledgeVersion(t *testing.T, s hub.Store, siteID int64) int64 {
	t.Helper()
	v, err := s.KnowledgeVersion(t.Context(), siteID)
	must(t, err)
	return v
}

// testKnowledgeLinks checks an entry's language, phrasings and
// translation link: written and read back as they are, and a deleted
// original leaves its translations without one.
func testKnowledgeLinks(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	orig := &hub.KnowledgeEntry{TenantID: f.tenant.ID, SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Delivery",
		Body: "Two days.", Language: "en", Phrasings: []string{"When will my parcel arrive?", "Доставка \"быстро\"?"},
		CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateKnowledgeEntry(ctx, orig))
	ru := &hub.KnowledgeEntry{TenantID: f.tenant.ID, SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Доставка",
		Body: "Два дня.", Language: "ru", TranslationOf: orig.ID, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateKnowledgeEntry(ctx, ru))
	if ru.Phrasings == nil || len(ru.Phrasings) != 0 {
		t.Fatalf("nil phrasings were written as %#v, want an empty list", ru.Phrasings)
	}
	got, err := s.FindKnowledgeEntryByID(ctx, orig.ID)
	must(t, err)
	wantEqual(t, "entry with phrasings", got, orig)
	got, err = s.FindKnowledgeEntryByID(ctx, ru.ID)
	must(t, err)
	wantEqual(t, "translation", got, ru)
	found, err := s.SearchKnowledge(ctx, f.site.ID, "доставка", 5)
	must(t, err)
	wantEqual(t, "search finds the fields too", found, []*hub.KnowledgeEntry{ru})

	// UpdateKnowledgeEntry writes them, unlinking with 0.
	ru.Language, ru.Phrasings, ru.TranslationOf, ru.UpdatedAt = "en", []string{"one"}, 0, at(5)
	must(t, s.UpdateKnowledgeEntry(ctx, ru))
	got, err = s.FindKnowledgeEntryByID(ctx, ru.ID)
	must(t, err)
	wantEqual(t, "after an update", got, ru)
	ru.Language, ru.Phrasings, ru.TranslationOf, ru.UpdatedAt = "ru", nil, orig.ID, at(6)
	must(t, s.UpdateKnowledgeEntry(ctx, ru))
	got, err = s.FindKnowledgeEntryByID(ctx, ru.ID)
	must(t, err)
	wantEqual(t, "linked again", got, ru)

	// Deleting the original leaves the translation, unlinked.
	must(t, s.DeleteKnowledgeEntry(ctx, orig.ID))
	got, err = s.FindKnowledgeEntryByID(ctx, ru.ID)
	must(t, err)
	ru.TranslationOf = 0
	wantEqual(t, "translation after its original's deletion", got, ru)

	// Migration 0013 gives the entries written before it a language:
	// Russian when the title has a Cyrillic letter (ё too), else English.
	b, ok := s.(knowledgeLanguagesBackfiller)
	if !ok {
		t.Fatalf("%T has no BackfillKnowledgeLanguages to check its migration 0013 with", s)
	}
	want := map[string]string{"Доставка": "ru", "Как вернуть iPhone?": "ru", "ёлка": "ru", "ЁЛКА": "ru",
		"Returns of iPhones": "en", "Ünïcode façade": "en", "2024": "en"}
	entries := map[string]*hub.KnowledgeEntry{"Доставка": ru}
	for title := range want {
		if entries[title] == nil {
			entries[title] = mustKnowledge(t, s, f.site, hub.KnowledgeArticle, title, "Текст на русском")
		}
	}
	must(t, b.BackfillKnowledgeLanguages(ctx))
	for title, lang := range want {
		got, err := s.FindKnowledgeEntryByID(ctx, entries[title].ID)
		must(t, err)
		if got.Language != lang {
			t.Errorf("backfilled language of %q = %q, want %q", title, got.Language, lang)
		}
	}
}

// knowledgeLanguagesBackfiller is a store that can run the backfill of its
// migration 0013_knowledge_phrasings.sql again (in its tests:
// export_test.go).
type knowledgeLanguagesBackfiller interface {
	BackfillKnowledgeLanguages(ctx context.Context) error
}

// testKnowledgeVersions checks the site's knowledge version: 1 for a new
// site, incremented by every create, update and delete of its entries, in
// or out of a transaction, and by UpdateSite only when the synonyms
// change; a rolled back write leaves it.
func testKnowledgeVersions(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := mustSite(t, s, f.tenant.ID)
	wantEqual(t, "knowledge version of a new site", other.KnowledgeVersion, int64(1))
	wantEqual(t, "stored version of a new site", knowledgeVersion(t, s, other.ID), int64(1))
	_, err := s.KnowledgeVersion(ctx, other.ID+1000)
	wantCode(t, err, hub.ENotFound)

	v := knowledgeVersion(t, s, f.site.ID)
	e := mustKnowledge(t, s, f.site, hub.KnowledgeQA, "Q", "A")
	wantEqual(t, "after a create", knowledgeVersion(t, s, f.site.ID), v+1)
	e.Body = "B"
	must(t, s.Tx(ctx, func(q hub.Queries) error { return q.UpdateKnowledgeEntry(ctx, e) }))
	wantEqual(t, "after an update in a transaction", knowledgeVersion(t, s, f.site.ID), v+2)
	must(t, s.UpdateKnowledgeEntry(ctx, e))
	wantEqual(t, "after an update", knowledgeVersion(t, s, f.site.ID), v+3)
	rollback := hub.Errorf(hub.EInvalid, "roll back")
	err = s.Tx(ctx, func(q hub.Queries) error {
		if err := q.DeleteKnowledgeEntry(ctx, e.ID); err != nil {
			return err
		}
		if got, err := q.KnowledgeVersion(ctx, f.site.ID); err != nil || got != v+4 {
			t.Errorf("version in the transaction = %d, %v; want %d", got, err, v+4)
		}
		return rollback
	})
	if err != rollback {
		t.Fatalf("Tx = %v, want the rollback", err)
	}
	wantEqual(t, "after a rolled back delete", knowledgeVersion(t, s, f.site.ID), v+3)
	must(t, s.DeleteKnowledgeEntry(ctx, e.ID))
	wantEqual(t, "after a delete", knowledgeVersion(t, s, f.site.ID), v+4)
	wantCode(t, s.DeleteKnowledgeEntry(ctx, e.ID), hub.ENotFound)
	wantEqual(t, "after a missing delete", knowledgeVersion(t, s, f.site.ID), v+4)
	wantEqual(t, "the other site's", knowledgeVersion(t, s, other.ID), int64(1))

	// Synonyms: written, read back, and counted only when they change.
	site, err := s.FindSiteByID(ctx, f.site.ID)
	must(t, err)
	wantEqual(t, "synonyms of a new site", site.Synonyms, [][]string{})
	site.Synonyms = [][]string{{"parcel", "package"}, {"цена", "стоимость", "price"}}
	must(t, s.UpdateSite(ctx, site))
	wantEqual(t, "knowledge version after a synonyms change", site.KnowledgeVersion, v+5)
	got, err := s.FindSiteByID(ctx, f.site.ID)
	must(t, err)
	wantEqual(t, "site with synonyms", got, site)
	site.Name = "Renamed"
	must(t, s.UpdateSite(ctx, site))
	wantEqual(t, "knowledge version after another change", site.KnowledgeVersion, v+5)
	site.Synonyms = nil
	must(t, s.UpdateSite(ctx, site))
	wantEqual(t, "knowledge version after clearing the synonyms", site.KnowledgeVersion, v+6)
	got, err = s.FindSiteByID(ctx, f.site.ID)
	must(t, err)
	wantEqual(t, "cleared synonyms", got.Synonyms, [][]string{})
	wantEqual(t, "stored knowledge version", got.KnowledgeVersion, v+6)
}

// testLockKnowledge: LockKnowledge makes a second transaction wait for the
// first that holds the site's knowledge lock; a missing site is ENotFound.
func testLockKnowledge(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	wantCode(t, s.Tx(ctx, func(q hub.Queries) error { return q.LockKnowledge(ctx, f.site.ID+1000) }), hub.ENotFound)

	locked := make(chan struct{})
	var ended atomic.Bool
	first := make(chan error, 1)
	go func() {
		first <- s.Tx(ctx, func(q hub.Queries) error {
			defer close(locked)
			if err := q.LockKnowledge(ctx, f.site.ID); err != nil {
				return err
			}
			locked <- struct{}{}
			time.Sleep(300 * time.Millisecond)
			ended.Store(true)
			return nil
		})
	}()
	<-locked
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		if err := q.LockKnowledge(ctx, f.site.ID); err != nil {
			return err
		}
		if !ended.Load() {
			t.Error("LockKnowledge returned while another transaction held the site's lock")
		}
		return nil
	}))
	must(t, <-first)
}
