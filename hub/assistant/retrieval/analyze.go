package retrieval

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	charregexp "github.com/blevesearch/bleve/v2/analysis/char/regexp"
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
		CharFilters: []analysis.CharFilter{charregexp.New(regexp.MustCompile("[ёЁ]"), []byte("е"))},
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

// scriptStemmer stems each token with the Snowball stemmer of its script:
// Russian for Cyrillic, English for Latin; others stay as they are.
type scriptStemmer struct{}

func (scriptStemmer) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, tok := range input {
		r, _ := utf8.DecodeRune(tok.Term)
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			env := snowballstem.NewEnv(string(tok.Term))
			russian.Stem(env)
			tok.Term = []byte(env.Current())
		case unicode.Is(unicode.Latin, r):
			env := snowballstem.NewEnv(string(tok.Term))
			english.Stem(env)
			tok.Term = []byte(env.Current())
		}
	}
	return input
}
