package retrieval

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/russian"
)

// The analyzer turns text into the terms the index holds and a question
// is looked up by. One analyzer serves both languages, word by word: a
// word in Cyrillic is stemmed with the Russian Snowball stemmer, one in
// Latin letters with the English (Porter2) one, so that an entry or a
// question mixing the two ("доставка через DPD", "Mir card") is stemmed
// right, and terms of every language live in one term space, where the
// synonym groups (Config.Synonyms) join the languages. ё is folded to е,
// which Russian writers use interchangeably; the function words of both
// languages (bleve's English and Russian stop lists) are dropped.
type analyzer struct{ a *analysis.DefaultAnalyzer }

func newAnalyzer() analyzer {
	enStop, _ := en.TokenMapConstructor(nil, nil)
	ruStop, _ := ru.TokenMapConstructor(nil, nil)
	return analyzer{&analysis.DefaultAnalyzer{
		CharFilters: []analysis.CharFilter{yoFilter{}},
		Tokenizer:   bleveunicode.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{
			en.NewPossessiveFilter(),
			lowercase.NewLowerCaseFilter(),
			stop.NewStopTokensFilter(enStop),
			stop.NewStopTokensFilter(ruStop),
			scriptStemmer{},
		},
	}}
}

// term is one analyzed word: its stem and the word it came from.
type term struct {
	stem, word string
}

// analyze splits text into terms.
func (a analyzer) analyze(text string) []term {
	var out []term
	for _, tok := range a.a.Analyze([]byte(text)) {
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

// yoFilter folds ё and Ё to е, keeping every byte offset (both are two
// bytes in UTF-8), so that a token's Start and End still point into the
// original text.
type yoFilter struct{}

var yo, ye = []byte("ё"), []byte("е")
var yoUpper = []byte("Ё")

func (yoFilter) Filter(in []byte) []byte {
	if !bytes.Contains(in, yo) && !bytes.Contains(in, yoUpper) {
		return in
	}
	out := bytes.ReplaceAll(in, yo, ye)
	return bytes.ReplaceAll(out, yoUpper, ye)
}

// scriptStemmer stems each token with the Snowball stemmer of its script:
// Russian for Cyrillic, English for Latin; others stay as they are.
// Stems are remembered (stems), since the same words come back in every
// entry and question: a stem is a pure function of its word.
type scriptStemmer struct{}

// stems caches stem by word; it is bounded by maxCachedStems, past which
// words are stemmed without being remembered.
var stems sync.Map

const maxCachedStems = 200_000

var cachedStems atomic.Int64

func (scriptStemmer) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, tok := range input {
		w := string(tok.Term)
		if s, ok := stems.Load(w); ok {
			tok.Term = s.([]byte)
			continue
		}
		r, _ := utf8.DecodeRune(tok.Term)
		var stem []byte
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			env := snowballstem.NewEnv(w)
			russian.Stem(env)
			stem = []byte(env.Current())
		case unicode.Is(unicode.Latin, r):
			env := snowballstem.NewEnv(w)
			english.Stem(env)
			stem = []byte(env.Current())
		default:
			continue
		}
		tok.Term = stem
		if cachedStems.Load() < maxCachedStems {
			if _, loaded := stems.LoadOrStore(w, stem); !loaded {
				cachedStems.Add(1)
			}
		}
	}
	return input
}
