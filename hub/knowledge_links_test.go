package hub_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// knowledgeEvents returns the EventKnowledgeChanged data published since
// the last call, and fails on an event on another topic.
func knowledgeEvents(t *testing.T, f *fixture) []hub.KnowledgeChange {
	t.Helper()
	var out []hub.KnowledgeChange
	for _, p := range f.pub.take() {
		if p.Event.Type != hub.EventKnowledgeChanged {
			continue
		}
		if p.Topic != hub.TopicKnowledge {
			t.Fatalf("%s published on %q, want %q", p.Event.Type, p.Topic, hub.TopicKnowledge)
		}
		var c hub.KnowledgeChange
		if err := json.Unmarshal(p.Event.Data, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// TestKnowledgeLanguageAndPhrasings: the language is detected when not
// given and kept on edits that do not set it; phrasings are trimmed,
// blank ones and repeats dropped, and bounded.
func TestKnowledgeLanguageAndPhrasings(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	e, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA,
		Title: "Сколько идёт доставка?", Body: "Два дня по Москве.",
		Phrasings: []string{"  когда привезут заказ ", "", "  \n", "Когда привезут заказ", "how long is delivery"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Language != "ru" || !reflect.DeepEqual(e.Phrasings, []string{"когда привезут заказ", "how long is delivery"}) {
		t.Fatalf("created language %q phrasings %q", e.Language, e.Phrasings)
	}
	en, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA,
		Title: "Delivery", Body: "Two days.", Language: "ru"})
	if err != nil || en.Language != "ru" || en.Phrasings == nil || len(en.Phrasings) != 0 {
		t.Fatalf("a given language = %+v, %v; want it kept, no phrasings", en, err)
	}
	got, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, en.ID, hub.KnowledgeUpdate{Body: ptr("Two days, or three.")})
	if err != nil || got.Language != "ru" {
		t.Fatalf("an edit without a language changed it: %+v, %v", got, err)
	}
	got, err = f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, en.ID, hub.KnowledgeUpdate{Language: ptr("")})
	if err != nil || got.Language != "en" {
		t.Fatalf(`language "" = %+v, %v; want it detected again (en)`, got, err)
	}
	got, err = f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, en.ID, hub.KnowledgeUpdate{Phrasings: &[]string{"When will it arrive?"}})
	if err != nil || !reflect.DeepEqual(got.Phrasings, []string{"When will it arrive?"}) {
		t.Fatalf("phrasings update = %+v, %v", got, err)
	}
	stored, err := f.svc.KnowledgeEntry(ctx, f.ownerA, en.ID)
	if err != nil || !reflect.DeepEqual(stored, got) {
		t.Fatalf("stored %+v, %v; want %+v", stored, err, got)
	}

	many := make([]string, hub.MaxKnowledgePhrasings+1)
	for i := range many {
		many[i] = strings.Repeat("x", i+1)
	}
	ok := hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Question", Body: "Answer"}
	for name, change := range map[string]func(in *hub.NewKnowledgeEntry){
		"unknown language":   func(in *hub.NewKnowledgeEntry) { in.Language = "de" },
		"language case":      func(in *hub.NewKnowledgeEntry) { in.Language = "EN" },
		"too many phrasings": func(in *hub.NewKnowledgeEntry) { in.Phrasings = many },
		"long phrasing": func(in *hub.NewKnowledgeEntry) {
			in.Phrasings = []string{strings.Repeat("я", hub.MaxKnowledgeTitle+1)}
		},
		"NUL in phrasing":    func(in *hub.NewKnowledgeEntry) { in.Phrasings = []string{"a\x00"} },
		"bad UTF-8 phrasing": func(in *hub.NewKnowledgeEntry) { in.Phrasings = []string{"\xff"} },
	} {
		t.Run(name, func(t *testing.T) {
			in := ok
			change(&in)
			_, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, in)
			wantCode(t, err, hub.EInvalid)
			_, err = f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, en.ID, hub.KnowledgeUpdate{Language: ptr(in.Language),
				Phrasings: &in.Phrasings})
			wantCode(t, err, hub.EInvalid)
		})
	}
	// At the limit once repeats are dropped.
	atLimit := append(append([]string{}, many[:hub.MaxKnowledgePhrasings]...), strings.ToUpper(many[0]), " ")
	if _, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, en.ID, hub.KnowledgeUpdate{Phrasings: &atLimit}); err != nil {
		t.Fatalf("%d phrasings and repeats refused: %v", hub.MaxKnowledgePhrasings, err)
	}
}

// TestKnowledgeTranslations: one level of translations within a site, each
// in another language; deleting the original leaves its translations as
// originals.
func TestKnowledgeTranslations(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	create := func(title, lang string, of int64) (*hub.KnowledgeEntry, error) {
		return f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA,
			Title: title, Body: "Answer", Language: lang, TranslationOf: of})
	}
	orig, err := create("Delivery times", "en", 0)
	if err != nil {
		t.Fatal(err)
	}
	ru, err := create("Сроки доставки", "ru", orig.ID)
	if err != nil || ru.TranslationOf != orig.ID {
		t.Fatalf("translation = %+v, %v", ru, err)
	}
	other, err := f.svc.CreateSite(ctx, f.ownerA, hub.NewSite{TenantID: f.tenant.ID, Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: other.ID, Kind: hub.KnowledgeQA,
		Title: "Elsewhere", Body: "Answer"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := create("Returns", "en", 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		title, lang string
		of          int64
		want        string
	}{
		"another site":       {"Где заказ?", "ru", elsewhere.ID, "translation_of must be an entry of the same site"},
		"missing":            {"Где заказ?", "ru", orig.ID + 1000, "translation_of must be an entry of the same site"},
		"same language":      {"Delivery", "en", orig.ID, "another language"},
		"of a translation":   {"Delivery", "en", ru.ID, "itself a translation"},
		"second in language": {"Доставка", "ru", orig.ID, "already has a translation in ru"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := create(tt.title, tt.lang, tt.of)
			wantCode(t, err, hub.EInvalid)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
	for name, tt := range map[string]struct {
		id int64
		in hub.KnowledgeUpdate
	}{
		"itself":                       {plain.ID, hub.KnowledgeUpdate{TranslationOf: ptr(plain.ID)}},
		"original becomes translation": {orig.ID, hub.KnowledgeUpdate{TranslationOf: ptr(plain.ID), Language: ptr("ru")}},
		"original takes its language":  {orig.ID, hub.KnowledgeUpdate{Language: ptr("ru")}},
		"translation takes original's": {ru.ID, hub.KnowledgeUpdate{Language: ptr("en")}},
	} {
		t.Run("update "+name, func(t *testing.T) {
			_, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, tt.id, tt.in)
			wantCode(t, err, hub.EInvalid)
		})
	}
	// Unlinking and linking again.
	if got, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, ru.ID, hub.KnowledgeUpdate{TranslationOf: ptr(int64(0))}); err != nil || got.TranslationOf != 0 {
		t.Fatalf("unlink = %+v, %v", got, err)
	}
	if got, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, ru.ID, hub.KnowledgeUpdate{TranslationOf: ptr(plain.ID)}); err != nil || got.TranslationOf != plain.ID {
		t.Fatalf("link to another original = %+v, %v", got, err)
	}
	if err := f.svc.DeleteKnowledgeEntry(ctx, f.ownerA, plain.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.KnowledgeEntry(ctx, f.ownerA, ru.ID)
	if err != nil || got.TranslationOf != 0 {
		t.Fatalf("translation after its original's deletion = %+v, %v; want an original", got, err)
	}
}

// TestKnowledgeVersionEvents: every write of the knowledge base grows the
// site's knowledge version and publishes it after the commit, and tells
// this node (KnowledgeNotify); a refused write does neither.
func TestKnowledgeVersionEvents(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	var notified []int64
	f.svc.KnowledgeNotify = func(siteID int64) { notified = append(notified, siteID) }
	noNotify := func(what string) {
		t.Helper()
		if len(notified) != 0 {
			t.Fatalf("%s: notified %v, want nothing", what, notified)
		}
	}
	version := func() int64 {
		t.Helper()
		v, err := f.svc.Store.KnowledgeVersion(ctx, f.site.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := func(what string) {
		t.Helper()
		v := version()
		if got := knowledgeEvents(t, f); len(got) != 1 || got[0] != (hub.KnowledgeChange{SiteID: f.site.ID, Version: v}) {
			t.Fatalf("%s: events %+v, want one of version %d", what, got, v)
		}
		if len(notified) != 1 || notified[0] != f.site.ID {
			t.Fatalf("%s: notified %v, want site %d once", what, notified, f.site.ID)
		}
		notified = nil
	}
	v0 := version()
	e := mustKnowledgeEntry(t, f, f.ownerA, "Question", "Answer")
	want("create")
	if _, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, hub.KnowledgeUpdate{Body: ptr("Other")}); err != nil {
		t.Fatal(err)
	}
	want("update")
	if _, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, hub.KnowledgeUpdate{Language: ptr("de")}); err == nil {
		t.Fatal("a bad update passed")
	}
	if got := knowledgeEvents(t, f); len(got) != 0 {
		t.Fatalf("a refused update published %+v", got)
	}
	noNotify("a refused update")
	if err := f.svc.DeleteKnowledgeEntry(ctx, f.ownerA, e.ID); err != nil {
		t.Fatal(err)
	}
	want("delete")
	if v := version(); v != v0+3 {
		t.Fatalf("version %d after three writes, want %d", v, v0+3)
	}

	// The site's synonyms are part of the knowledge base; its other
	// settings are not.
	site, err := f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, hub.SiteUpdate{Synonyms: &[][]string{{"Parcel ", "package"}}})
	if err != nil {
		t.Fatal(err)
	}
	want("synonyms")
	if site.KnowledgeVersion != v0+4 || !reflect.DeepEqual(site.Synonyms, [][]string{{"parcel", "package"}}) {
		t.Fatalf("site after a synonyms change: version %d, synonyms %q", site.KnowledgeVersion, site.Synonyms)
	}
	for name, in := range map[string]hub.SiteUpdate{"same synonyms": {Synonyms: &[][]string{{"parcel", "PACKAGE"}}},
		"name": {Name: ptr("Shop two")}} {
		site, err = f.svc.UpdateSite(ctx, f.ownerA, f.site.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := knowledgeEvents(t, f); len(got) != 0 || site.KnowledgeVersion != v0+4 {
			t.Fatalf("%s: events %+v, knowledge version %d; want none, %d", name, got, site.KnowledgeVersion, v0+4)
		}
		noNotify(name)
	}
}

// TestSiteSynonyms checks SiteSynonyms's cleaning and limits.
func TestSiteSynonyms(t *testing.T) {
	got, err := hub.SiteSynonyms([][]string{{" Parcel", "PACKAGE ", "parcel", ""}, {"", " "},
		{"Gift  card", "voucher"}})
	if err != nil || !reflect.DeepEqual(got, [][]string{{"parcel", "package"}, {"gift card", "voucher"}}) {
		t.Fatalf("SiteSynonyms = %q, %v", got, err)
	}
	if got, err := hub.SiteSynonyms(nil); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("SiteSynonyms(nil) = %#v, %v; want an empty list", got, err)
	}
	eleven := make([]string, hub.MaxSynonymsPerGroup+1)
	for i := range eleven {
		eleven[i] = strings.Repeat("w", i+1)
	}
	groups := make([][]string, hub.MaxSynonymGroups+1)
	for i := range groups {
		groups[i] = []string{"a", "b"}
	}
	for name, in := range map[string][][]string{
		"one word":      {{"parcel"}},
		"one and again": {{"parcel", "Parcel"}},
		"eleven":        {eleven},
		"long word":     {{"a", strings.Repeat("я", hub.MaxSynonymRunes+1)}},
		"bad UTF-8":     {{"a", "\xff"}},
		"NUL":           {{"a", "b\x00"}},
		"101 groups":    groups,
	} {
		if _, err := hub.SiteSynonyms(in); !hub.IsCode(err, hub.EInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if _, err := hub.SiteSynonyms(groups[1:]); err != nil {
		t.Errorf("%d groups refused: %v", hub.MaxSynonymGroups, err)
	}
	if _, err := hub.SiteSynonyms([][]string{eleven[1:], {"a", strings.Repeat("я", hub.MaxSynonymRunes)}}); err != nil {
		t.Errorf("groups at the limits refused: %v", err)
	}
}
