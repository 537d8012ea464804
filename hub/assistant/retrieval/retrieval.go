// Package retrieval finds the knowledge-base entries that answer a
// question: an in-memory full-text index over one site's entries, built
// with bleve (github.com/blevesearch/bleve/v2), that stems English and
// Russian with Snowball, ranks with BM25 (the knowledge base is the
// corpus, so a word found in every entry tells little and a rare one a
// lot) and tolerates typos in longer words.
//
// The store stays the truth: an Index is built from the entries it lists
// and thrown away when they change.
package retrieval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/parley-chat/parley/hub"
)

// Languages an entry is indexed in, named after their analyzers.
const (
	English = "en"
	Russian = "ru"
)

var languages = []string{English, Russian}

const (
	// titleBoost is how much more a word of the title counts in the BM25
	// rank than one of the body: the title of a Q&A pair is the question,
	// of an article its subject.
	titleBoost = 2.0
	// BodyWeight is what a query word found in an entry's body but not its
	// title adds to Hit.Coverage: a body mentions many things it is not
	// about.
	BodyWeight = 0.6
	// candidates is how many entries the BM25 search hands on to be
	// weighed by coverage.
	candidates = 10
)

// Config tunes an Index. The zero value is the default: every word of a
// question counts.
type Config struct {
	// Stopword reports words (lower case, ё as е) that carry no topic:
	// they are left out of queries and of Hit.TitleCoverage. The analyzers'
	// own stop lists (function words) apply in any case.
	Stopword func(word string) bool
	// Synonyms are groups of single words that count as the same word
	// ("price", "cost"), in either language: each is stemmed like the
	// text, and a question's word matches an entry holding any word of
	// its groups (exactly; typos only of the word itself).
	Synonyms [][]string
}

// Index is a search index over one site's knowledge entries. It is safe
// for concurrent use; Close frees it once the searches in flight are done.
type Index struct {
	cfg     Config
	mu      sync.RWMutex // read-held by searches, write-held by Close
	idx     bleve.Index
	closed  bool
	entries map[string]*doc // by bleve document id
	// df counts, per language, the entries whose title or body has a term.
	df map[string]map[string]int
	// syn maps, per language, a stem to the other stems of its synonym
	// groups.
	syn map[string]map[string][]string
	n   int
}

// doc is an indexed entry with its analyzed terms.
type doc struct {
	entry       *hub.KnowledgeEntry
	lang        string
	title, body map[string]bool
	titleTerms  []term // the title's content terms, for TitleCoverage
}

// term is one analyzed word: its stem and the word it came from.
type term struct {
	stem, word string
}

// Hit is an entry found for a question.
type Hit struct {
	Entry *hub.KnowledgeEntry
	// Score is bleve's BM25 score: it orders hits but has no scale.
	Score float64
	// Terms are the question's words found in the entry, in the question's
	// order (a typo counts as the word it was taken for).
	Terms []string
	// Coverage is the share of the question found in the entry, 0 to 1,
	// each word weighted by how rare it is among the entries (BM25's idf),
	// counting 1 in the title and BodyWeight only in the body.
	Coverage float64
	// TitleOnly is the part of Coverage from words found in the title: 0
	// when the match is on the body alone.
	TitleOnly float64
	// TitleCoverage is the share of the title's content words that the
	// question has: "where is my order" covers half of "How do I cancel
	// my order?".
	TitleCoverage float64
	// TitleWords is how many content words the title has.
	TitleWords int
}

// New builds an index over entries. An entry is indexed in the language
// its text is written in (hub.DetectLanguage: Cyrillic is Russian, Latin
// English), with that language's Snowball stemmer.
func New(entries []*hub.KnowledgeEntry, cfg Config) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	// Scorch rather than bleve.NewMemOnly: only scorch gives the field
	// lengths BM25 needs (bleve falls back to tf-idf without them); an
	// empty path keeps it in memory.
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("retrieval: new index: %w", err)
	}
	x := &Index{cfg: cfg, idx: idx, entries: map[string]*doc{}, df: map[string]map[string]int{}}
	for _, l := range languages {
		x.df[l] = map[string]int{}
	}
	x.syn = synonyms(x, cfg.Synonyms)
	b := idx.NewBatch()
	for _, e := range entries {
		if e == nil {
			continue
		}
		lang := hub.DetectLanguage(e.Title+"\n"+e.Body, "")
		id := strconv.FormatInt(e.ID, 10)
		d := &doc{entry: e, lang: lang, title: map[string]bool{}, body: map[string]bool{}}
		for _, t := range x.analyze(lang, e.Title) {
			d.title[t.stem] = true
			if !x.stop(t.word) && !slices.ContainsFunc(d.titleTerms, func(u term) bool { return u.stem == t.stem }) {
				d.titleTerms = append(d.titleTerms, t)
			}
		}
		for _, t := range x.analyze(lang, e.Body) {
			d.body[t.stem] = true
		}
		seen := map[string]bool{}
		for s := range d.title {
			seen[s] = true
		}
		for s := range d.body {
			seen[s] = true
		}
		for s := range seen {
			x.df[lang][s]++
		}
		x.entries[id] = d
		x.n++
		if err := b.Index(id, map[string]any{"title_" + lang: e.Title, "body_" + lang: e.Body}); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("retrieval: index entry %d: %w", e.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("retrieval: index entries: %w", err)
	}
	return x, nil
}

// yoFilter folds ё to е, which Russian writers use interchangeably.
const yoFilter = "yo_to_ye"

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomCharFilter(yoFilter, map[string]any{"type": regexp.Name, "regexp": "[ёЁ]", "replace": "е"}); err != nil {
		return nil, fmt.Errorf("retrieval: char filter: %w", err)
	}
	// bleve's own "en" analyzer stems with Porter; Snowball (Porter2) is
	// its successor and the one Russian uses too.
	analyzers := map[string][]string{
		English: {en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName},
		Russian: {lowercase.Name, ru.StopName, ru.SnowballStemmerName},
	}
	dm := bleve.NewDocumentStaticMapping()
	for _, l := range languages {
		if err := m.AddCustomAnalyzer(l, map[string]any{"type": custom.Name, "char_filters": []string{yoFilter},
			"tokenizer": unicode.Name, "token_filters": analyzers[l]}); err != nil {
			return nil, fmt.Errorf("retrieval: analyzer %s: %w", l, err)
		}
		for _, f := range []string{"title_", "body_"} {
			fm := bleve.NewTextFieldMapping()
			fm.Analyzer = l
			fm.Store, fm.DocValues, fm.IncludeInAll, fm.IncludeTermVectors = false, false, false, false
			dm.AddFieldMappingsAt(f+l, fm)
		}
	}
	m.DefaultMapping = dm
	return m, nil
}

// analyze splits text into terms with lang's analyzer.
func (x *Index) analyze(lang, text string) []term {
	a := x.idx.Mapping().AnalyzerNamed(lang)
	if a == nil {
		return nil
	}
	var out []term
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, term{stem: string(tok.Term), word: word(text, tok)})
	}
	return out
}

// word is the lower-case word tok was made of, ё folded to е.
func word(text string, tok *analysis.Token) string {
	w := text
	if tok.Start >= 0 && tok.End <= len(text) && tok.Start < tok.End {
		w = text[tok.Start:tok.End]
	}
	return strings.ReplaceAll(strings.ToLower(w), "ё", "е")
}

func (x *Index) stop(w string) bool { return x.cfg.Stopword != nil && x.cfg.Stopword(w) }

// Len is the number of entries indexed.
func (x *Index) Len() int { return x.n }

// Close frees the index after the searches in flight; Search then fails.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	return x.idx.Close()
}

// ErrClosed is returned by Search on a closed Index.
var ErrClosed = fmt.Errorf("retrieval: index closed")

// fuzziness is the edit distance t's stem may be off by and still match,
// by the letters of the word it came from: none below 5, where one letter
// makes another word ("ship", "shop"), 1 from 5 and 2 from 8.
func fuzziness(t term) int {
	n := utf8.RuneCountInString(t.word)
	switch {
	case n >= 8:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// Search returns the entries that share words with question, best first
// by Coverage, then Score. lang is the question's language ("en" or
// "ru"): its analyzer stems the question for the entries in it, and of
// equally good hits those in lang come first. Each word of the question
// is looked for in the titles (boosted) and bodies of the entries of both
// languages, stemmed by their analyzer, exactly and, for words of five
// letters or more, with typos (see fuzziness).
func (x *Index) Search(question, lang string) ([]Hit, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	queries := map[string][]term{} // the question's terms in each language
	var qs []query.Query
	for _, l := range languages {
		var ts []term
		for _, t := range x.analyze(l, question) {
			if x.stop(t.word) || slices.ContainsFunc(ts, func(u term) bool { return u.stem == t.stem }) {
				continue
			}
			ts = append(ts, t)
		}
		queries[l] = ts
		for _, t := range ts {
			for _, f := range []string{"title_", "body_"} {
				for _, alt := range x.syn[l][t.stem] {
					sq := bleve.NewTermQuery(alt)
					sq.SetField(f + l)
					sq.SetBoost(1)
					if f == "title_" {
						sq.SetBoost(titleBoost)
					}
					qs = append(qs, sq)
				}
				boost := 1.0
				if f == "title_" {
					boost = titleBoost
				}
				tq := bleve.NewTermQuery(t.stem)
				tq.SetField(f + l)
				tq.SetBoost(boost)
				qs = append(qs, tq)
				if k := fuzziness(t); k > 0 {
					fq := bleve.NewFuzzyQuery(t.stem)
					fq.SetField(f + l)
					fq.SetFuzziness(k)
					fq.SetBoost(boost / 2)
					qs = append(qs, fq)
				}
			}
		}
	}
	if len(qs) == 0 {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), candidates, 0, false)
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, fmt.Errorf("retrieval: search: %w", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		d := x.entries[h.ID]
		if d == nil {
			continue
		}
		hit := Hit{Entry: d.entry, Score: h.Score}
		x.cover(&hit, d, queries[d.lang])
		hits = append(hits, hit)
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Coverage, a.Coverage); c != 0 {
			return c
		}
		if al, bl := x.langOf(a) == lang, x.langOf(b) == lang; al != bl {
			if al {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.Score, a.Score)
	})
	return hits, nil
}

func (x *Index) langOf(h Hit) string { return x.entries[strconv.FormatInt(h.Entry.ID, 10)].lang }

// idf is BM25's inverse document frequency of stem among the entries of
// lang: a word in one entry weighs the most, one in every entry nearly
// nothing. A word no entry has weighs as much as one in a single entry:
// it says the question is about something else, but no more than the
// rarest word that matched says it is about this entry.
func (x *Index) idf(lang, stem string) float64 {
	n, df := float64(x.n), float64(max(x.df[lang][stem], 1))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// cover sets h's Terms, Coverage, TitleOnly and TitleCoverage for the
// question's terms qs, analyzed in d's language.
func (x *Index) cover(h *Hit, d *doc, qs []term) {
	var sum, title, total float64
	for _, q := range qs {
		w := x.idf(d.lang, q.stem)
		total += w
		k := fuzziness(q)
		switch {
		case has(d.title, q.stem, k) || hasAny(d.title, x.syn[d.lang][q.stem]):
			sum += w
			title += w
		case has(d.body, q.stem, k) || hasAny(d.body, x.syn[d.lang][q.stem]):
			sum += BodyWeight * w
		default:
			continue
		}
		h.Terms = append(h.Terms, q.word)
	}
	if total > 0 {
		h.Coverage = round2(sum / total)
		h.TitleOnly = round2(title / total)
	}
	if len(d.titleTerms) > 0 {
		n := 0
		for _, t := range d.titleTerms {
			k := fuzziness(t)
			if slices.ContainsFunc(qs, func(q term) bool { return q.stem == t.stem || (k > 0 && within(q.stem, t.stem, k)) }) {
				n++
			}
		}
		h.TitleCoverage = round2(float64(n) / float64(len(d.titleTerms)))
		h.TitleWords = len(d.titleTerms)
	}
}

// has reports whether terms holds stem, or with k > 0 a term within edit
// distance k of it.
func has(terms map[string]bool, stem string, k int) bool {
	if terms[stem] {
		return true
	}
	if k == 0 {
		return false
	}
	for t := range terms {
		if within(stem, t, k) {
			return true
		}
	}
	return false
}

// hasAny reports whether terms holds any of stems.
func hasAny(terms map[string]bool, stems []string) bool {
	for _, s := range stems {
		if terms[s] {
			return true
		}
	}
	return false
}

// synonyms stems each group in each language and maps every stem to the
// other stems of its groups.
func synonyms(x *Index, groups [][]string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, l := range languages {
		m := map[string][]string{}
		for _, g := range groups {
			var stems []string
			for _, w := range g {
				for _, t := range x.analyze(l, w) {
					if !slices.Contains(stems, t.stem) {
						stems = append(stems, t.stem)
					}
				}
			}
			for _, s := range stems {
				for _, o := range stems {
					if o != s && !slices.Contains(m[s], o) {
						m[s] = append(m[s], o)
					}
				}
			}
		}
		out[l] = m
	}
	return out
}

// round2 rounds to two decimals: the trace shows scores, and a decision
// must follow from what it shows.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// within reports whether a and b are at most k edits (insertions,
// deletions, substitutions of a letter) apart.
func within(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
