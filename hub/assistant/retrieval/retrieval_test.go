package retrieval

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-chat/parley/hub"
)

var testKB = []*hub.KnowledgeEntry{
	{ID: 1, Kind: hub.KnowledgeQA, Title: "How long does shipping take?",
		Body: "Orders ship within 1–2 business days. Delivery takes 3–5 business days within the country."},
	{ID: 2, Kind: hub.KnowledgeQA, Title: "How do I reset my password?",
		Body: "Click “Forgot password” on the sign-in page and follow the link we email you."},
	{ID: 3, Kind: hub.KnowledgeArticle, Title: "Opening hours",
		Body: "Our support team works Monday to Friday, 9:00–18:00.\n\nOn public holidays the shop is closed."},
	{ID: 4, Kind: hub.KnowledgeQA, Title: "How do I cancel my order?",
		Body: "Open Orders in your account and press Cancel next to the order."},
	{ID: 5, Kind: hub.KnowledgeQA, Title: "Сколько идёт доставка?",
		Body: "Мы отправляем заказы за 1–2 рабочих дня, доставка занимает 3–5 рабочих дней."},
	{ID: 6, Kind: hub.KnowledgeQA, Title: "Как сбросить пароль?",
		Body: "Нажмите «Забыли пароль?» на странице входа и перейдите по ссылке из письма."},
	{ID: 7, Kind: hub.KnowledgeQA, Title: "Can I pick up at Boxberry?",
		Body: "Yes, at any point in Riga."},
	{ID: 8, Kind: hub.KnowledgeQA, Title: "Можно ли забрать в Boxberry?",
		Body: "Да, в любом пункте Москвы."},
}

// testStop is a few words the way the assistant leaves them out.
var testStop = map[string]bool{"how": true, "do": true, "i": true, "my": true, "take": true, "can": true, "как": true}

func mustIndex(tb testing.TB, entries []*hub.KnowledgeEntry) *Index {
	tb.Helper()
	x, err := New(entries, Config{Stopword: func(w string) bool { return testStop[w] }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	return x
}

func mustSearch(tb testing.TB, x *Index, q, lang string) []Hit {
	tb.Helper()
	hits, err := x.Search(q, lang)
	if err != nil {
		tb.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

// TestSearchFinds checks stemming in both languages, typos and the best
// hit's figures.
func TestSearchFinds(t *testing.T) {
	x := mustIndex(t, testKB)
	tests := []struct {
		name, q, lang string
		entry         int64
		terms         string
		coverage      float64
	}{
		{"english inflection", "shipped", "en", 1, "shipped", 1},
		{"english snowball", "resetting passwords", "en", 2, "resetting passwords", 1},
		{"russian inflection", "доставку", "ru", 5, "доставку", 1},
		{"ё folded", "сколько идет доставка", "ru", 5, "сколько идет доставка", 1},
		{"russian case forms", "пароля", "ru", 6, "пароля", 1},
		{"typo, distance 1 at 5+ letters", "pasword", "en", 2, "pasword", 1},
		{"typo, distance 2 at 8+ letters", "shpiping", "en", 1, "shpiping", 1},
		{"body only", "holidays", "en", 3, "holidays", BodyWeight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := mustSearch(t, x, tt.q, tt.lang)
			if len(hits) == 0 {
				t.Fatal("no hits")
			}
			h := hits[0]
			if h.Entry.ID != tt.entry || strings.Join(h.Terms, " ") != tt.terms || h.Coverage != tt.coverage {
				t.Errorf("best %d %q coverage %v, want %d %q %v", h.Entry.ID, h.Terms, h.Coverage, tt.entry, tt.terms, tt.coverage)
			}
			if h.Score <= 0 {
				t.Errorf("score %v", h.Score)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Coverage > hits[i-1].Coverage {
					t.Errorf("hits not best first: %+v", hits)
				}
			}
		})
	}
}

// TestCoverageTitleAndBody checks that a word in the body counts less
// than one in the title, and that TitleOnly tells a body-only match.
func TestCoverageTitleAndBody(t *testing.T) {
	x := mustIndex(t, testKB)
	both := mustSearch(t, x, "holidays opening", "en")
	body := mustSearch(t, x, "holidays", "en")
	if len(both) == 0 || len(body) == 0 || both[0].Entry.ID != 3 || body[0].Entry.ID != 3 {
		t.Fatalf("hits %+v, %+v", both, body)
	}
	if c := both[0].Coverage; c <= BodyWeight || c >= 1 || both[0].TitleOnly <= 0 || both[0].TitleOnly >= c {
		t.Errorf("title and body: coverage %v, title part %v", c, both[0].TitleOnly)
	}
	if body[0].TitleOnly != 0 {
		t.Errorf("body only: title part %v", body[0].TitleOnly)
	}
}

func TestSearchMisses(t *testing.T) {
	x := mustIndex(t, testKB)
	for _, q := range []string{
		"shup",      // four letters: no typo tolerance ("ship", "shop" are other words)
		"pswrd",     // two edits at five letters
		"drones",    // in no entry
		"how do i",  // stopwords only
		"the and a", // the analyzer's stopwords
	} {
		if hits := mustSearch(t, x, q, "en"); len(hits) != 0 {
			t.Errorf("%q found %d entries, first %q", q, len(hits), hits[0].Entry.Title)
		}
	}
}

// TestCoverageWeighsWords checks that a word every entry has tells less
// than a rare one, and that a word no entry has counts against a hit.
func TestCoverageWeighsWords(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Title: "Order tracking", Body: "Track your order online."},
		{ID: 2, Title: "Order changes", Body: "Change your order before it ships."},
		{ID: 3, Title: "Order gifts", Body: "Wrap your order as a gift."},
	}
	x := mustIndex(t, entries)
	hits := mustSearch(t, x, "order tracking", "en")
	if len(hits) != 3 || hits[0].Entry.ID != 1 {
		t.Fatalf("hits %+v", hits)
	}
	if hits[1].Coverage >= 0.5 || hits[0].Coverage != 1 {
		t.Errorf("order alone covers %v of \"order tracking\", tracking and order %v; want the rare word to weigh more",
			hits[1].Coverage, hits[0].Coverage)
	}
	if h := mustSearch(t, x, "tracking drones", "en"); len(h) == 0 || h[0].Coverage > 0.5 {
		t.Errorf("an unknown word does not count against the hit: %+v", h)
	}
}

func TestTitleCoverage(t *testing.T) {
	x := mustIndex(t, testKB)
	for _, tt := range []struct {
		q    string
		want float64
	}{
		{"cancel order", 1},
		{"where is my order", 0.5},
	} {
		hits := mustSearch(t, x, tt.q, "en")
		if len(hits) == 0 || hits[0].Entry.ID != 4 || hits[0].TitleCoverage != tt.want || hits[0].TitleWords != 2 {
			t.Errorf("%q: hits %+v, want entry 4 with title coverage %v of 2 words", tt.q, hits, tt.want)
		}
	}
}

// TestSearchLanguage checks that each entry is stemmed in its language
// and that, of equal hits, those in the question's language come first.
func TestSearchLanguage(t *testing.T) {
	x := mustIndex(t, testKB)
	for _, lang := range []string{"en", "ru"} {
		hits := mustSearch(t, x, "boxberry", lang)
		if len(hits) != 2 || hits[0].Coverage != hits[1].Coverage {
			t.Fatalf("%s: hits %+v, want two equal ones", lang, hits)
		}
		want := map[string]int64{"en": 7, "ru": 8}[lang]
		if hits[0].Entry.ID != want {
			t.Errorf("%s: first %d, want %d", lang, hits[0].Entry.ID, want)
		}
	}
	// An English stemmer would leave "доставку" alone and miss.
	if hits := mustSearch(t, x, "доставку", "en"); len(hits) == 0 || hits[0].Entry.ID != 5 {
		t.Errorf("a Russian word in an English question: %+v", hits)
	}
}

func TestClosed(t *testing.T) {
	x, err := New(testKB, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Search("shipping", "en"); !errors.Is(err, ErrClosed) {
		t.Errorf("error %v, want ErrClosed", err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestEmpty(t *testing.T) {
	x := mustIndex(t, nil)
	if hits := mustSearch(t, x, "shipping", "en"); len(hits) != 0 || x.Len() != 0 {
		t.Errorf("hits %+v, len %d", hits, x.Len())
	}
}

// TestConcurrent searches from many goroutines while the index closes;
// run with -race.
func TestConcurrent(t *testing.T) {
	x, err := New(testKB, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if _, err := x.Search("shipping password", "en"); err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		if err := x.Close(); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
}

func TestFuzziness(t *testing.T) {
	for _, tt := range []struct {
		word string
		want int
	}{{"ship", 0}, {"order", 1}, {"shipping", 2}, {"заказ", 1}, {"доставка", 2}, {"пароль", 1}} {
		if got := fuzziness(term{word: tt.word}); got != tt.want {
			t.Errorf("fuzziness(%q) = %d, want %d", tt.word, got, tt.want)
		}
	}
}

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		k    int
		want bool
	}{
		{"ship", "ship", 0, true},
		{"ship", "shop", 0, false},
		{"ship", "shop", 1, true},
		{"passw", "pasw", 1, true},
		{"shpip", "ship", 1, true},
		{"shpi", "ship", 1, false},
		{"shpi", "ship", 2, true},
		{"доставк", "дотавк", 1, true},
		{"abc", "abcdef", 2, false},
	} {
		if got := within(tt.a, tt.b, tt.k); got != tt.want {
			t.Errorf("within(%q, %q, %d) = %v, want %v", tt.a, tt.b, tt.k, got, tt.want)
		}
	}
}

// benchKB makes n entries of generated text, half English and half
// Russian, each with a 5-word title, three 6-word phrasings and a 60-word
// body.
func benchKB(n int) []*hub.KnowledgeEntry {
	en := strings.Fields("order shipping delivery return refund payment card size jacket tent backpack boots warranty repair " +
		"store showroom pickup tracking parcel courier customs invoice discount gift voucher rental cleaning washing " +
		"account password email address phone hours weekend holiday price cost free europe latvia germany france")
	ru := strings.Fields("заказ доставка возврат оплата карта размер куртка палатка рюкзак ботинки гарантия ремонт магазин " +
		"самовывоз отслеживание посылка курьер таможня счёт скидка подарок сертификат аренда стирка аккаунт пароль " +
		"почта адрес телефон часы выходные праздник цена стоимость бесплатно москва петербург казань")
	r := rand.New(rand.NewPCG(1, 2))
	text := func(vocab []string, k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	out := make([]*hub.KnowledgeEntry, n)
	for i := range out {
		vocab := en
		if i%2 == 1 {
			vocab = ru
		}
		out[i] = &hub.KnowledgeEntry{ID: int64(i + 1), Kind: hub.KnowledgeQA, Title: text(vocab, 5) + "?", Body: text(vocab, 60) + ".",
			Phrasings: []string{text(vocab, 6) + "?", text(vocab, 6) + "?", text(vocab, 6) + "?"}}
	}
	return out
}

// benchSynonyms are 100 groups of three words of benchKB's vocabulary,
// about the size of the built-in list.
func benchSynonyms() [][]string {
	var out [][]string
	for _, e := range benchKB(100) {
		ws := strings.Fields(strings.Trim(e.Title, "?"))
		out = append(out, ws[:3])
	}
	return out
}

// BenchmarkNew builds an index of 1,000 entries:
//
//	go test -run '^$' -bench . -benchmem ./hub/assistant/retrieval
func BenchmarkNew(b *testing.B) {
	kb, cfg := benchKB(1000), Config{Synonyms: benchSynonyms()}
	for b.Loop() {
		x, err := New(kb, cfg)
		if err != nil {
			b.Fatal(err)
		}
		x.Close()
	}
}

// BenchmarkUpdate rebuilds an index of 1,000 entries after one of them
// changed, as a site's index is after an edit.
func BenchmarkUpdate(b *testing.B) {
	kb, cfg := benchKB(1000), Config{Synonyms: benchSynonyms()}
	prev, err := New(kb, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer prev.Close()
	i := 0
	for b.Loop() {
		e := *kb[i%len(kb)]
		e.Body += fmt.Sprintf(" edit %d", i)
		edited := slices.Clone(kb)
		edited[i%len(kb)] = &e
		x, err := Update(prev, edited, cfg)
		if err != nil {
			b.Fatal(err)
		}
		x.Close()
		i++
	}
}

// BenchmarkSearch asks questions of an index of 1,000 entries.
func BenchmarkSearch(b *testing.B) {
	x, err := New(benchKB(1000), Config{Synonyms: benchSynonyms()})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	qs := []struct{ q, lang string }{
		{"how much is shipping to france", "en"},
		{"can I return a jaket after a week", "en"},
		{"сколько стоит доставка в казань", "ru"},
		{"гарантия на ремонт рюкзака", "ru"},
	}
	i := 0
	for b.Loop() {
		q := qs[i%len(qs)]
		i++
		if _, err := x.Search(q.q, q.lang); err != nil {
			b.Fatal(fmt.Errorf("%q: %w", q.q, err))
		}
	}
}

func TestSynonyms(t *testing.T) {
	entries := []*hub.KnowledgeEntry{
		{ID: 1, Title: "What does shipping cost?", Body: "Shipping is free over €100."},
		{ID: 2, Title: "Стоимость доставки", Body: "Бесплатно от 5000 ₽."},
		{ID: 3, Title: "Gift wrapping", Body: "Wrapping is free."},
	}
	groups := [][]string{{"price", "cost"}, {"цена", "стоимость"}}
	with, err := New(entries, Config{Synonyms: groups})
	if err != nil {
		t.Fatal(err)
	}
	defer with.Close()
	without := mustIndex(t, entries)
	for _, tt := range []struct {
		q, lang string
		entry   int64
	}{
		{"shipping prices", "en", 1},
		{"цены доставки", "ru", 2},
	} {
		hits := mustSearch(t, with, tt.q, tt.lang)
		// One word of two is found through its synonym: (1 + SynonymWeight) / 2.
		want := round2((1 + SynonymWeight) / 2)
		if len(hits) == 0 || hits[0].Entry.ID != tt.entry || hits[0].Coverage != want || len(hits[0].Terms) != 2 {
			t.Errorf("%q with synonyms: %+v, want entry %d covered %.2f", tt.q, hits, tt.entry, want)
		}
		if hits := mustSearch(t, without, tt.q, tt.lang); len(hits) > 0 && hits[0].Coverage >= want {
			t.Errorf("%q without synonyms: coverage %.2f", tt.q, hits[0].Coverage)
		}
	}
	// Only the word found by a synonym, not a typo of a synonym.
	if hits := mustSearch(t, with, "prise", "en"); len(hits) != 0 {
		t.Errorf("a typo of a synonym matched: %+v", hits)
	}
}

// TestUpdate checks that an index updated after edits answers as one
// built anew, reusing only what did not change.
func TestUpdate(t *testing.T) {
	cfg := Config{Synonyms: [][]string{{"price", "cost"}}}
	prev, err := New(testKB, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	edited := slices.Clone(testKB)
	e := *edited[0]
	e.Title, e.Phrasings = "What does delivery cost?", []string{"Is delivery free?"}
	edited[0] = &e
	edited = edited[1:4] // entries 5 to 8 deleted
	edited = append(edited, &e, &hub.KnowledgeEntry{ID: 9, Kind: hub.KnowledgeQA, Title: "Gift cards", Body: "From €20."})
	for _, other := range []Config{cfg, {}} {
		up, err := Update(prev, edited, other)
		if err != nil {
			t.Fatal(err)
		}
		fresh := mustIndex(t, edited)
		fresh.cfg = other
		for _, q := range []string{"delivery price", "free delivery", "gift cards", "reset password", "доставка"} {
			got, _ := up.Search(q, "en")
			want, err := New(edited, other)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := want.Search(q, "en")
			want.Close()
			if len(got) != len(w) {
				t.Fatalf("%q: %d hits after Update, %d anew", q, len(got), len(w))
			}
			for i := range got {
				if got[i].Entry != w[i].Entry || got[i].Coverage != w[i].Coverage {
					t.Errorf("%q hit %d: %+v after Update, %+v anew", q, i, got[i], w[i])
				}
			}
		}
		if up.Len() != 5 {
			t.Errorf("Len %d, want 5", up.Len())
		}
		up.Close()
	}
	// prev is untouched.
	if h := mustSearch(t, prev, "shipping", "en"); len(h) == 0 || h[0].Entry != testKB[0] {
		t.Errorf("prev changed: %+v", h)
	}
}
