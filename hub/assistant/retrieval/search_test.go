package retrieval

import (
	"maps"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestPhrasings checks that an entry's phrasings count as its title.
func TestPhrasings(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Title: "Gift cards", Phrasings: []string{"Can I buy a voucher?", "How long is a gift certificate valid?"},
			Body: "Gift cards from €20 are sent by email."},
		{ID: 2, Title: "Shipping", Body: "We ship within a day; vouchers are emailed."},
	}
	x := mustIndex(t, entries)
	h := mustSearch(t, x, "buy voucher", "en")
	if len(h) == 0 || h[0].Entry.ID != 1 || h[0].Coverage != 1 || h[0].TitleOnly != 1 || h[0].TitleCoverage != 1 {
		t.Fatalf("hits %+v, want entry 1 covered by its phrasing", h)
	}
	if len(h) < 2 || h[1].Entry.ID != 2 || h[1].TitleOnly != 0 {
		t.Errorf("second hit %+v, want entry 2 on its body", h)
	}
	// The best-covered of the title and phrasings sets TitleCoverage: 2
	// of the 4 words of "How long is a gift certificate valid?" (the
	// longer of two halves).
	if h := mustSearch(t, x, "gift certificate", "en"); len(h) == 0 || h[0].TitleCoverage != 0.5 || h[0].TitleWords != 4 {
		t.Errorf("title coverage %+v, want half of the phrasing's four words", h)
	}
}

// TestAcrossLanguages checks that a bilingual synonym group finds an
// entry in the other language, that an entry in the visitor's language
// comes first when both cover the question, and that a translation is
// offered.
func TestAcrossLanguages(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Language: English, Title: "Rental prices", Body: "A tent costs €12 a day."},
		{ID: 2, Language: Russian, Title: "Возврат товара", Body: "Вернуть товар можно в течение 30 дней."},
		{ID: 3, Language: English, Title: "Returns", Body: "Return anything within 30 days.", TranslationOf: 2},
	}
	groups := [][]string{{"rental", "rent", "аренда", "прокат"}, {"price", "cost", "цена", "стоимость"}, {"return", "возврат", "вернуть"}}
	x, err := New(entries, Config{Synonyms: groups})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	h := mustSearch(t, x, "цены аренды", Russian)
	if len(h) == 0 || h[0].Entry.ID != 1 || h[0].Coverage != SynonymWeight || h[0].Lang != English || h[0].Translation != nil {
		t.Fatalf("hits %+v, want entry 1 found through synonyms, with no translation", h)
	}
	for _, m := range h[0].Matches {
		if m.Via != "synonym" || m.In != "title" {
			t.Errorf("match %+v, want a synonym in the title", m)
		}
	}
	h = mustSearch(t, x, "возврат", Russian)
	if len(h) < 2 || h[0].Entry.ID != 2 || h[0].Translation != nil {
		t.Fatalf("hits %+v, want the Russian entry first", h)
	}
	h = mustSearch(t, x, "returns", English)
	if len(h) == 0 || h[0].Entry.ID != 3 || h[0].Translation != nil {
		t.Fatalf("hits %+v, want the English entry first", h)
	}
	if tr := x.Translation(entries[2], Russian); tr != entries[1] {
		t.Errorf("Translation(3, ru) = %+v, want entry 2", tr)
	}
	if tr := x.Translation(entries[0], Russian); tr != nil {
		t.Errorf("Translation(1, ru) = %+v, want none", tr)
	}
	// Only the English entry covers the question; its Russian original
	// is the answer to a Russian visitor.
	h = mustSearch(t, x, "return anything", Russian)
	if len(h) == 0 || h[0].Entry.ID != 3 || h[0].Translation != entries[1] {
		t.Errorf("hits %+v, want entry 3 with entry 2 as its translation", h)
	}
}

// TestKnownWordsAreNoTypos checks that a word some entry holds is never
// taken for a typo of another: "spend" is not "send".
func TestKnownWordsAreNoTypos(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Title: "Can I send it back?", Body: "Yes, within 30 days."},
		{ID: 2, Title: "Free delivery", Body: "Spend over €100 and delivery is free."},
	}
	x := mustIndex(t, entries)
	h := mustSearch(t, x, "spend", "en")
	if len(h) != 1 || h[0].Entry.ID != 2 {
		t.Errorf("hits %+v, want only entry 2", h)
	}
	// An unknown word is still a typo of a known one.
	if h := mustSearch(t, x, "deliveyr", "en"); len(h) == 0 || h[0].Entry.ID != 2 || h[0].Matches[0].Via != "typo" {
		t.Errorf("hits %+v, want entry 2 through a typo", h)
	}
}

// TestCarried checks Hit.Carried: the question's rarest known word is in
// the entry's title.
func TestCarried(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Title: "Check-up price", Body: "A check-up with a dentist or an implant surgeon costs 1,200."},
		{ID: 2, Title: "Implants", Body: "An implant costs from 52,000."},
		{ID: 3, Title: "Whitening price", Body: "Whitening costs 24,000."},
	}
	x := mustIndex(t, entries)
	carried := map[int64]bool{}
	for _, h := range mustSearch(t, x, "implant price", "en") {
		carried[h.Entry.ID] = h.Carried
	}
	if want := map[int64]bool{1: false, 2: true, 3: false}; !maps.Equal(carried, want) {
		t.Errorf("carried %v, want %v", carried, want)
	}
}

// TestMatchesWeights checks the trace's figures: every word of the
// question once, weights adding up to 1.
func TestMatchesWeights(t *testing.T) {
	x := mustIndex(t, testKB)
	h := mustSearch(t, x, "shipping drones to mars", "en")
	if len(h) == 0 {
		t.Fatal("no hits")
	}
	var sum float64
	var words []string
	for _, m := range h[0].Matches {
		sum += m.Weight
		words = append(words, m.Word)
	}
	if strings.Join(words, " ") != "shipping drones mars" || sum < 0.98 || sum > 1.02 {
		t.Errorf("matches %+v (sum %.2f), want the question's three content words weighing 1", h[0].Matches, sum)
	}
}

// TestShortTypos checks the typos of four-letter words: a letter too many
// or too few, or two swapped, but never one changed.
func TestShortTypos(t *testing.T) {
	tests := []struct {
		q, s string
		want bool
	}{
		{"rnet", "rent", true},  // swapped
		{"товр", "товар", true}, // one missing
		{"rents", "rent", true}, // five letters: one edit (fuzziness)
		{"ship", "shop", false}, // changed
		{"rent", "nter", false}, // not adjacent
	}
	for _, tt := range tests {
		q := term{stem: tt.q, word: tt.q}
		if got := isTypo(q, tt.s); got != tt.want {
			t.Errorf("isTypo(%q, %q) = %v, want %v", tt.q, tt.s, got, tt.want)
		}
	}
	x := mustIndex(t, []*hub.KnowledgeEntry{{ID: 1, Title: "Can I rent a tent?", Body: "Yes."}, {ID: 2, Title: "Shop hours", Body: "9 to 5."}})
	if h := mustSearch(t, x, "rnet tent", "en"); len(h) == 0 || h[0].Entry.ID != 1 || h[0].Coverage != 1 {
		t.Errorf("rnet tent: %+v, want entry 1 fully", h)
	}
	if h := mustSearch(t, x, "ship", "en"); len(h) != 0 {
		t.Errorf("ship: %+v, want nothing", h)
	}
}
