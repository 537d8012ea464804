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
	"slices"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
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

// langOf is the language e is indexed in, "" for an entry not indexed.
func (x *Index) langOf(e *hub.KnowledgeEntry) string {
	if d := x.entries[strconv.FormatInt(e.ID, 10)]; d != nil {
		return d.lang
	}
	return ""
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
