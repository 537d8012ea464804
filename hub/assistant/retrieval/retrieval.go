// Package retrieval finds the knowledge-base entries that answer a
// question: an in-memory full-text index over one site's entries, built
// with bleve (github.com/blevesearch/bleve/v2), that stems English and
// Russian with Snowball (analyze.go), ranks with BM25 (the knowledge base
// is the corpus, so a word found in every entry tells little and a rare
// one a lot), tolerates typos in longer words and joins words of one
// meaning, in either language, through synonym groups.
//
// The store stays the truth: an Index is built from the entries it lists
// and thrown away when they change.
package retrieval

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/parley-chat/parley/hub"
)

// Languages an entry may be written in.
const (
	English = "en"
	Russian = "ru"
)

const (
	// titleBoost is how much more a word of the title (or of a phrasing)
	// counts in the BM25 rank than one of the body: the title of a Q&A
	// pair is the question, of an article its subject.
	titleBoost = 2.0
	// BodyWeight is what a question's word found in an entry's body but
	// not its title or phrasings adds to Hit.Coverage: a body mentions
	// many things it is not about.
	BodyWeight = 0.6
	// SynonymWeight is what a word found only through a synonym group
	// counts, of what the word itself would: "delivery" is nearly
	// "shipping", not quite.
	SynonymWeight = 0.9
	// OtherLanguageWeight is what an entry's Coverage counts for in the
	// ranking when the entry is in another language than the question: a
	// site's entry in the visitor's language comes first unless one in
	// the other language covers the question clearly better.
	OtherLanguageWeight = 0.8
	// CarriedBonus is added to the ranking of an entry whose title or a
	// phrasing holds the question's telling word (Hit.Carried).
	CarriedBonus = 0.1
	// candidates is how many entries the BM25 search hands on to be
	// weighed by coverage.
	candidates = 20
)

// The fields of an indexed entry. Text is analyzed by analyze.go and
// indexed as its stems, space-separated; synonym groups as "~<group>".
const (
	fieldTitle = "title" // the title and the phrasings
	fieldBody  = "body"
)

// Config tunes an Index. The zero value is the default: every word of a
// question counts, no synonyms.
type Config struct {
	// Stopword reports words (lower case, ё as е) that carry no topic:
	// they are left out of queries and of Hit.TitleCoverage. The
	// analyzer's own stop lists (function words) apply in any case.
	Stopword func(word string) bool
	// Synonyms are groups of single words that mean the same thing
	// ("price", "cost", "цена"), in one language or across both: each is
	// stemmed like the text, and a question's word matches an entry
	// holding any word of its groups (counting SynonymWeight).
	Synonyms [][]string
}

// Index is a search index over one site's knowledge entries. It is safe
// for concurrent use; Close frees it once the searches in flight are done.
type Index struct {
	cfg     Config
	an      analyzer
	mu      sync.RWMutex // read-held by searches, write-held by Close
	idx     bleve.Index
	closed  bool
	entries map[string]*doc // by bleve document id
	// df counts the entries whose title, phrasings or body hold a stem or
	// a synonym group ("~3").
	df map[string]int
	// groups maps a stem to the synonym groups ("~3") it belongs to.
	groups map[string][]string
	// translations maps an entry's id to the entries of its translation
	// group (the original and its translations, hub.KnowledgeEntry's
	// TranslationOf), itself included.
	translations map[int64][]*hub.KnowledgeEntry
	n            int
}

// doc is an indexed entry with its analyzed terms.
type doc struct {
	entry       *hub.KnowledgeEntry
	lang        string
	title, body map[string]bool // stems and synonym groups
	// titleTokens and bodyTokens are what is indexed: each stem and group
	// once (a short entry says a thing once; BM25's term frequency would
	// only count repetition), sorted.
	titleTokens, bodyTokens analyzed
	// terms are the stems and groups of the title, phrasings and body,
	// each once.
	terms []string
	// questions are the content terms of the title and of each phrasing,
	// for TitleCoverage.
	questions [][]term
}

// Hit is an entry found for a question.
type Hit struct {
	Entry *hub.KnowledgeEntry
	// Lang is the language the entry is written in.
	Lang string
	// Translation is the entry of Entry's translation group written in
	// the question's language, when Entry is not and the group has one:
	// the answer to give.
	Translation *hub.KnowledgeEntry
	// Score is bleve's BM25 score: it orders hits but has no scale.
	Score float64
	// Terms are the question's words found in the entry, in the question's
	// order (a typo counts as the word it was taken for).
	Terms []string
	// Matches are all of the question's words with their weights and
	// where each was found, for the trace.
	Matches []Match
	// Coverage is the share of the question found in the entry, 0 to 1,
	// each word weighted by how rare it is among the entries (BM25's idf),
	// counting 1 in the title or a phrasing and BodyWeight only in the
	// body (times SynonymWeight when found through a synonym).
	Coverage float64
	// TitleOnly is the part of Coverage from words found in the title or
	// a phrasing: 0 when the match is on the body alone.
	TitleOnly float64
	// TitleCoverage is the share of the content words of the entry's
	// title, or of its best-covered phrasing, that the question has:
	// "where is my order" covers half of "How do I cancel my order?".
	TitleCoverage float64
	// TitleWords is how many content words that title or phrasing has.
	TitleWords int
	// Carried reports whether the question's telling word, the one of
	// its words that the fewest entries hold (but some do), is in the
	// entry's title or a phrasing: a question is about its rarest word,
	// and an entry that has it only in passing is about something else.
	Carried bool
}

// Match is one word of a question as weighed against an entry.
type Match struct {
	Word string `json:"word"`
	// Weight is the word's share of the question (its idf over the sum).
	Weight float64 `json:"weight"`
	// In is where it was found: "title", "body" or "" (nowhere).
	In string `json:"in,omitempty"`
	// Via is how: "word", "typo" or "synonym".
	Via string `json:"via,omitempty"`
}

// New builds an index over entries. An entry's language is its Language,
// or when unset the one its text is written in (hub.DetectLanguage); its
// title and phrasings are the questions it answers, its body the answer.
func New(entries []*hub.KnowledgeEntry, cfg Config) (*Index, error) {
	return Update(nil, entries, cfg)
}

// Update builds an index over entries as New does, taking the analysis
// of each entry whose text is unchanged from prev (nil for none), an
// index of the same site built with the same Config.Stopword: after one
// edit, only the edited entry is analyzed again. prev stays as it is and
// may be searched, or closed, meanwhile.
func Update(prev *Index, entries []*hub.KnowledgeEntry, cfg Config) (*Index, error) {
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
	x := &Index{cfg: cfg, an: newAnalyzer(), idx: idx, entries: map[string]*doc{}, df: map[string]int{},
		translations: map[int64][]*hub.KnowledgeEntry{}}
	x.groups = x.synonymGroups(cfg.Synonyms)
	if prev != nil && !slices.EqualFunc(prev.cfg.Synonyms, cfg.Synonyms, slices.Equal) {
		prev = nil // other synonyms, other terms
	}
	b := idx.NewBatch()
	byID := map[int64]*hub.KnowledgeEntry{}
	for _, e := range entries {
		if e == nil {
			continue
		}
		byID[e.ID] = e
		id := strconv.FormatInt(e.ID, 10)
		var d *doc
		if old := prev.doc(id); old != nil && sameText(old.entry, e) {
			c := *old
			c.entry = e
			d = &c
		} else {
			d = x.analyzeEntry(e)
		}
		for _, s := range d.terms {
			x.df[s]++
		}
		x.entries[id] = d
		x.n++
		bd := document.NewDocument(id)
		bd.AddField(document.NewTextFieldCustom(fieldTitle, nil, nil, index.IndexField, d.titleTokens))
		bd.AddField(document.NewTextFieldCustom(fieldBody, nil, nil, index.IndexField, d.bodyTokens))
		if err := b.IndexAdvanced(bd); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("retrieval: index entry %d: %w", e.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("retrieval: index entries: %w", err)
	}
	x.linkTranslations(byID)
	return x, nil
}

// doc returns the indexed entry of bleve id id; nil on a nil Index.
func (x *Index) doc(id string) *doc {
	if x == nil {
		return nil
	}
	return x.entries[id]
}

// sameText reports whether a and b have the same language and text: an
// entry's analysis depends on nothing else.
func sameText(a, b *hub.KnowledgeEntry) bool {
	return a.Language == b.Language && a.Title == b.Title && a.Body == b.Body && slices.Equal(a.Phrasings, b.Phrasings)
}

// analyzeEntry analyzes an entry's title, phrasings and body.
func (x *Index) analyzeEntry(e *hub.KnowledgeEntry) *doc {
	lang := e.Language
	if lang != English && lang != Russian {
		lang = hub.DetectLanguage(e.Title+"\n"+e.Body, "")
	}
	d := &doc{entry: e, lang: lang, title: map[string]bool{}, body: map[string]bool{}}
	for _, q := range append([]string{e.Title}, e.Phrasings...) {
		var content []term
		for _, t := range x.an.analyze(q) {
			for _, s := range x.withGroups(t.stem) {
				d.title[s] = true
			}
			if !x.stop(t.word) && !slices.ContainsFunc(content, func(u term) bool { return u.stem == t.stem }) {
				content = append(content, t)
			}
		}
		if len(content) > 0 {
			d.questions = append(d.questions, content)
		}
	}
	for _, t := range x.an.analyze(e.Body) {
		for _, s := range x.withGroups(t.stem) {
			d.body[s] = true
		}
	}
	d.titleTokens, d.bodyTokens = tokens(sortedKeys(d.title)), tokens(sortedKeys(d.body))
	all := maps.Clone(d.title)
	maps.Copy(all, d.body)
	d.terms = sortedKeys(all)
	return d
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

// analyzed is a field's tokens as bleve takes them from an analyzer: New
// analyzes the text itself (analyze.go), once, and an Update hands the
// same tokens of an unchanged entry to the next index (bleve only reads
// them).
type analyzed analysis.TokenStream

func (a analyzed) Analyze([]byte) analysis.TokenStream { return analysis.TokenStream(a) }

// tokens makes the analyzed tokens of terms, in one allocation.
func tokens(terms []string) analyzed {
	toks := make([]analysis.Token, len(terms))
	ts := make(analysis.TokenStream, len(terms))
	for i, t := range terms {
		toks[i] = analysis.Token{Term: []byte(t), Position: i + 1, Type: analysis.AlphaNumeric}
		ts[i] = &toks[i]
	}
	return analyzed(ts)
}

// linkTranslations groups each original with its translations.
func (x *Index) linkTranslations(byID map[int64]*hub.KnowledgeEntry) {
	groups := map[int64][]*hub.KnowledgeEntry{}
	for _, e := range byID {
		root := e.ID
		if o := byID[e.TranslationOf]; o != nil && e.TranslationOf != e.ID {
			root = o.ID
		}
		groups[root] = append(groups[root], e)
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b *hub.KnowledgeEntry) int { return cmp.Compare(a.ID, b.ID) })
		for _, e := range g {
			x.translations[e.ID] = g
		}
	}
}

// Translation returns the entry of e's translation group written in lang
// (e itself when it is), or nil when the group has none.
func (x *Index) Translation(e *hub.KnowledgeEntry, lang string) *hub.KnowledgeEntry {
	if x.langOf(e) == lang {
		return e
	}
	for _, t := range x.translations[e.ID] {
		if x.langOf(t) == lang {
			return t
		}
	}
	return nil
}

// analyzerPreAnalyzed indexes the stems New wrote, split on spaces.
const analyzerPreAnalyzed = "stems"

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomAnalyzer(analyzerPreAnalyzed, map[string]any{"type": custom.Name, "tokenizer": whitespace.Name}); err != nil {
		return nil, fmt.Errorf("retrieval: analyzer: %w", err)
	}
	dm := bleve.NewDocumentStaticMapping()
	for _, f := range []string{fieldTitle, fieldBody} {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = analyzerPreAnalyzed
		fm.Store, fm.DocValues, fm.IncludeInAll, fm.IncludeTermVectors = false, false, false, false
		dm.AddFieldMappingsAt(f, fm)
	}
	m.DefaultMapping = dm
	return m, nil
}

func (x *Index) stop(w string) bool { return x.cfg.Stopword != nil && x.cfg.Stopword(w) }

// withGroups is stem and the synonym groups it belongs to.
func (x *Index) withGroups(stem string) []string {
	return append([]string{stem}, x.groups[stem]...)
}

// synonymGroups stems each group's words and maps every stem to the
// groups that hold it, named "~<index>" (a token no word can be).
func (x *Index) synonymGroups(groups [][]string) map[string][]string {
	out := map[string][]string{}
	for i, g := range groups {
		name := "~" + strconv.Itoa(i)
		for _, w := range g {
			ts := x.an.analyze(w)
			if len(ts) != 1 {
				continue // a stopword, or several words: not a synonym of one word
			}
			if s := ts[0].stem; !slices.Contains(out[s], name) {
				out[s] = append(out[s], name)
			}
		}
	}
	return out
}

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

// Search returns the entries that share words with question, best first:
// by Coverage, times OtherLanguageWeight for an entry not written in lang
// (the visitor's language, "en" or "ru"), plus CarriedBonus when the
// entry's title holds the question's telling word; then by TitleCoverage,
// then by BM25 Score. Each word of the question is looked for in the
// titles and phrasings (boosted) and the bodies, exactly, through its
// synonym groups and, for words of five letters or more that no entry
// holds, with typos (see fuzziness). Entries that share no word with the
// question are left out.
func (x *Index) Search(question, lang string) ([]Hit, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	var qts []term
	for _, t := range x.an.analyze(question) {
		if x.stop(t.word) || slices.ContainsFunc(qts, func(u term) bool { return u.stem == t.stem }) {
			continue
		}
		qts = append(qts, t)
	}
	var qs []query.Query
	add := func(q interface {
		query.Query
		SetField(string)
		SetBoost(float64)
	}, field string, boost float64) {
		q.SetField(field)
		q.SetBoost(boost)
		qs = append(qs, q)
	}
	for _, t := range qts {
		for _, f := range []string{fieldTitle, fieldBody} {
			boost := 1.0
			if f == fieldTitle {
				boost = titleBoost
			}
			add(bleve.NewTermQuery(t.stem), f, boost)
			for _, g := range x.groups[t.stem] {
				add(bleve.NewTermQuery(g), f, boost*SynonymWeight)
			}
			if k := fuzziness(t); k > 0 {
				fq := bleve.NewFuzzyQuery(t.stem)
				fq.SetFuzziness(k)
				add(fq, f, boost/2)
			} else if shortTypos(t) {
				fq := bleve.NewFuzzyQuery(t.stem)
				fq.SetFuzziness(2) // a swap of two letters is two edits
				add(fq, f, boost/4)
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
		hit := Hit{Entry: d.entry, Lang: d.lang, Score: h.Score}
		if t := x.Translation(d.entry, lang); t != nil && t != d.entry {
			hit.Translation = t
		}
		x.cover(&hit, d, qts)
		if len(hit.Terms) > 0 { // not a near miss of the fuzzy search
			hits = append(hits, hit)
		}
	}
	rank := func(h Hit) float64 {
		r := h.Coverage
		if x.langOf(h.Entry) != lang {
			r *= OtherLanguageWeight
		}
		if h.Carried {
			r += CarriedBonus
		}
		return r
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(rank(b), rank(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.TitleCoverage, a.TitleCoverage); c != 0 {
			return c
		}
		return cmp.Compare(b.Score, a.Score)
	})
	return hits, nil
}

func (x *Index) langOf(e *hub.KnowledgeEntry) string {
	if d := x.entries[strconv.FormatInt(e.ID, 10)]; d != nil {
		return d.lang
	}
	return ""
}

// idf is BM25's inverse document frequency of a question's word among the
// entries, counting those that hold it or a synonym: a word in one entry
// weighs the most, one in every entry nearly nothing. A word no entry has
// weighs as much as one in a single entry: it says the question is about
// something else, but no more than the rarest word that matched says it
// is about this entry.
func (x *Index) idf(t term) float64 {
	df := x.df[t.stem]
	for _, g := range x.groups[t.stem] {
		df = max(df, x.df[g])
	}
	n, f := float64(x.n), float64(max(df, 1))
	return math.Log(1 + (n-f+0.5)/(f+0.5))
}

// cover sets h's Terms, Matches, Coverage, TitleOnly and TitleCoverage
// for the question's terms qs.
func (x *Index) cover(h *Hit, d *doc, qs []term) {
	for _, ts := range d.questions {
		n := 0
		for _, t := range ts {
			if slices.ContainsFunc(qs, func(q term) bool { return x.same(q, t) }) {
				n++
			}
		}
		if c := round2(float64(n) / float64(len(ts))); c > h.TitleCoverage || c == h.TitleCoverage && len(ts) > h.TitleWords {
			h.TitleCoverage, h.TitleWords = c, len(ts)
		}
	}
	var sum, title, total float64
	weights := make([]float64, len(qs))
	for i, q := range qs {
		weights[i] = x.idf(q)
		total += weights[i]
	}
	carrier := -1
	for i, q := range qs {
		if x.known(q) && (carrier < 0 || weights[i] > weights[carrier]) {
			carrier = i
		}
	}
	for i, q := range qs {
		w := weights[i]
		m := Match{Word: q.word}
		if total > 0 {
			m.Weight = round2(w / total)
		}
		if via := x.found(d.title, q); via != "" {
			m.In, m.Via = fieldTitle, via
			sum += w * viaWeight(via)
			title += w * viaWeight(via)
		} else if via := x.found(d.body, q); via != "" {
			m.In, m.Via = fieldBody, via
			sum += BodyWeight * w * viaWeight(via)
		}
		if i == carrier && m.In == fieldTitle {
			h.Carried = true
		}
		h.Matches = append(h.Matches, m)
		if m.In != "" {
			h.Terms = append(h.Terms, q.word)
		}
	}
	if total > 0 {
		h.Coverage = round2(sum / total)
		h.TitleOnly = round2(title / total)
	}
}

// known reports whether some entry holds q or a synonym of it.
func (x *Index) known(q term) bool {
	if x.df[q.stem] > 0 {
		return true
	}
	return slices.ContainsFunc(x.groups[q.stem], func(g string) bool { return x.df[g] > 0 })
}

func viaWeight(via string) float64 {
	if via == "synonym" {
		return SynonymWeight
	}
	return 1
}

// found reports how q is among terms: "word", "typo", "synonym" or "".
func (x *Index) found(terms map[string]bool, q term) string {
	switch {
	case terms[q.stem]:
		return "word"
	case x.df[q.stem] == 0 && hasTypo(terms, q):
		return "typo"
	case slices.ContainsFunc(x.groups[q.stem], func(g string) bool { return terms[g] }):
		return "synonym"
	}
	return ""
}

// same reports whether the question's term q stands for the title's term
// t: the same stem, a typo of it, or a synonym.
func (x *Index) same(q, t term) bool {
	if q.stem == t.stem {
		return true
	}
	if x.df[q.stem] == 0 && isTypo(q, t.stem) {
		return true
	}
	for _, g := range x.groups[q.stem] {
		if slices.Contains(x.groups[t.stem], g) {
			return true
		}
	}
	return false
}

// hasTypo reports whether terms holds a word that q is a typo of (see
// isTypo); synonym groups ("~…") are not words.
func hasTypo(terms map[string]bool, q term) bool {
	for t := range terms {
		if !strings.HasPrefix(t, "~") && isTypo(q, t) {
			return true
		}
	}
	return false
}

// round2 rounds to two decimals: the trace shows scores, and a decision
// must follow from what it shows.
func round2(f float64) float64 { return math.Round(f*100) / 100 }
