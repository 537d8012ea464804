package assistant

import (
	"cmp"
	_ "embed"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
)

// How the built-in assistant finds an answer in the knowledge base.
//
// Each node keeps a search index of a site's entries in memory
// (hub/assistant/retrieval, built by Builtin.index): Snowball stems for
// English and Russian, typo tolerance for longer words, synonyms within
// and across the two languages (synonyms.txt), BM25 to rank. The query is
// the message's content words (contentWords). The decision is on each
// hit's Coverage: the share of the question found in the entry, each word
// weighted by how rare it is among the site's entries, counting 1 in the
// title or a phrasing (the questions the entry answers) and
// retrieval.BodyWeight (0.6) only in the body. The same on every store:
// the database's own full-text search is not asked. docs/assistant.md
// says what this can and cannot do, with the evaluation's figures.
const (
	// DefaultThreshold is the Coverage an entry needs to be sent as the
	// answer: its title must hold more than half of what the question says
	// (weighed by rarity), or the body all of it (0.6). A question whose
	// telling word no entry has ("Do you ship drones?": "drones") stays
	// below. A wrong answer costs more than an escalation, which a person
	// answers; a site that prefers the other way sets Builtin.Threshold.
	// 0.6 rather than the former scorer's 0.51 because Coverage weighs
	// words (measured on the evaluation's dev split, docs/assistant.md).
	DefaultThreshold = 0.6
	// intentTitleCoverage is the share of an entry's title (or phrasing)
	// words a question showing a hand-off intent must have for the entry
	// to answer it instead (Decide, rule 4): "where is my order" covers
	// half of "How do I cancel my order?", which is not enough.
	intentTitleCoverage = 0.6
	// confidentCoverage is the Coverage at which a message that is not a
	// question, but names an entry's topic, is answered despite a hand-off
	// intent (Decide, rule 4).
	confidentCoverage = 0.9
	// searchLimit is how many hits the trace keeps.
	searchLimit = 5
	// maxQueryTerms bounds the words of a query.
	maxQueryTerms = 16
	// maxStemRunes is where a stem is cut: long words share a prefix with
	// their inflections ("доставка", "доставки" → "достав"; "subscription",
	// "subscribe" → "subscr"), and answerText matches stems as prefixes.
	maxStemRunes = 6
	// maxArticleAnswer is how much of an article is sent as an answer.
	maxArticleAnswer = 800
)

// words splits s into lower-case words: runs of letters and digits.
// Apostrophes inside a word are dropped ("can't" → "cant", the way people
// also type it) and ё is folded to е, which Russian writers use
// interchangeably.
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			r = unicode.ToLower(r)
			if r == 'ё' {
				r = 'е'
			}
			b.WriteRune(r)
		case (r == '\'' || r == '’' || r == 'ʼ') && b.Len() > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
		default:
			flush()
		}
	}
	flush()
	return out
}

// stopwords carry no topic: function words, question words, the verbs
// every question uses, and "time", which "how long" and "when" questions
// add to any topic. Searching them would match every entry.
var stopwords = setOf(
	// English
	"a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "anything", "are", "as", "at",
	"be", "been", "before", "being", "but", "by", "can", "cant", "could", "did", "do", "does", "doing",
	"dont", "each", "else", "for", "from", "get", "gets", "getting", "got", "had", "has", "have", "having",
	"hello", "help", "hey", "hi", "how", "i", "id", "if", "im", "in", "into", "is", "it", "its", "ive",
	"just", "know", "let", "like", "make", "many", "may", "me", "might", "more", "much", "must", "my",
	"need", "no", "not", "of", "on", "or", "our", "out", "please", "pls", "possible", "should", "so",
	"some", "take", "takes", "tell", "thank", "thanks", "than", "that", "the", "their", "them", "then",
	"there", "these", "they", "this", "those", "time", "times", "to", "too", "up", "us", "usually", "very", "want", "was",
	"way", "we", "were", "what", "whats", "when", "where", "which", "who", "why", "will", "with", "would",
	"you", "your", "yours",
	// words that say how, not what: quantifiers, hedges, negated auxiliaries
	"actually", "ago", "already", "another", "anybody", "anyone", "arent", "bit", "couldnt", "didnt", "doesnt",
	"enough", "even", "everyone", "everything", "hadnt", "hasnt", "havent", "isnt", "kind", "lot", "lots",
	"maybe", "nothing", "ok", "okay", "one", "only", "other", "perhaps", "probably", "quite", "really",
	"same", "shouldnt", "somebody", "someone", "something", "sort", "still", "stuff", "sure", "thing", "things",
	"wasnt", "werent", "wont", "wouldnt", "youre", "yet",
	// Russian
	"а", "без", "бы", "был", "была", "были", "было", "быть", "в", "вам", "вас", "ваш", "ваша", "ваше",
	"вашего", "вашей", "ваши", "вы", "во", "вот", "время", "времени", "все", "всего", "всех", "где", "да", "для", "до", "его",
	"ее", "если", "есть", "еще", "же", "за", "занимает", "занимают", "зачем", "здравствуйте", "и", "идет",
	"из", "или", "им", "их", "к", "как", "какая", "какие", "каким", "какой", "какое", "какую", "когда",
	"кто", "куда", "ли", "мне", "меня", "мой", "моя", "мое", "мои", "моего", "мою", "можно", "могу",
	"может", "можете", "мы", "на", "надо", "нам", "нас", "не", "нет", "нужно", "нужен", "нужна", "о",
	"об", "обычно", "он", "она", "они", "оно", "от", "очень", "по", "подскажите", "пожалуйста",
	"почему", "привет", "при", "про", "с", "скажите", "сколько", "со", "спасибо", "так", "также", "там",
	"то", "тоже", "только", "у", "уже", "хочу", "хотел", "хотела", "хотим", "чем", "что", "чтобы", "это",
	"эта", "этот", "эти", "я",
	// words that say how, not what
	"будет", "будут", "буду", "бывает", "ведь", "вообще", "интересует", "именно", "лишь", "наш", "наша",
	"наше", "наши", "ну", "нибудь", "правильно", "примерно", "просто", "разве", "сам", "сама", "сами",
	"свой", "своя", "свое", "свои", "свою", "себя", "сейчас", "совсем", "тогда", "узнать", "хотелось",
)

// synonyms are words that customers and help texts use for one another,
// in English and Russian (retrieval.Config.Synonyms): synonyms.txt, the
// general vocabulary of support, not any one site's.
// Places (places.txt) join the languages too.
var synonyms = append(parseSynonyms(synonymsText), parseSynonyms(placesText)...)

var (
	//go:embed synonyms.txt
	synonymsText string
	//go:embed places.txt
	placesText string
)

// parseSynonyms reads synonym groups, one a line, words separated by
// commas; blank lines and lines starting with # are skipped, and so are
// groups of fewer than two words.
func parseSynonyms(text string) [][]string {
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, w := range strings.Split(line, ",") {
			if w = strings.TrimSpace(w); w != "" {
				g = append(g, w)
			}
		}
		if len(g) >= 2 {
			out = append(out, g)
		}
	}
	return out
}

// isStopword reports words that carry no topic for the search: stopwords
// and one-letter words.
func isStopword(w string) bool { return stopwords[w] || utf8.RuneCountInString(w) < 2 }

// contentWords returns ws's content words, in order, at most
// maxQueryTerms: stopwords, one-letter words and long numbers (order and
// phone numbers, which no help text holds) are left out.
func contentWords(ws []string) []string {
	var out []string
	for _, w := range ws {
		if isStopword(w) || len(w) > 4 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		out = append(out, w)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// queryStems returns the distinct stems of ws's content words, in order,
// at most maxQueryTerms: stopwords, one-letter words and long numbers
// (order and phone numbers, which no help text holds) are left out.
func queryStems(ws []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range ws {
		if stopwords[w] || utf8.RuneCountInString(w) < 2 {
			continue
		}
		if len(w) > 4 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		s := stem(w)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// ruEndings are Russian inflectional endings, longest first.
var ruEndings = []string{
	"иями", "ями", "ами", "ться", "тся", "ого", "его", "ому", "ему", "ыми", "ими", "ешь", "ете", "ишь",
	"ите", "ает", "яет", "ует", "ают", "яют", "уют", "ить", "ать", "ять", "еть", "уть", "ов", "ев", "ей",
	"ой", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях",
	"их", "ых", "ью", "ия", "ию", "ии", "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
}

// stem cuts a word to a stem the store can match as a prefix of its
// inflections: a Russian word loses its ending ("пароля", "паролем" →
// "парол"), an English one its -s, -es, -ed or -ing ("hours" → "hour",
// "shipping" → "ship"), keeping at least three letters, and then anything
// past maxStemRunes. A light stemmer is enough because the match is by
// prefix: it only has to cut at or before where inflections part.
func stem(w string) string {
	r := []rune(w)
	if len(r) <= 3 {
		return w
	}
	switch {
	case unicode.Is(unicode.Cyrillic, r[0]):
		for _, e := range ruEndings {
			if strings.HasSuffix(w, e) && len(r)-utf8.RuneCountInString(e) >= 3 {
				r = r[:len(r)-utf8.RuneCountInString(e)]
				break
			}
		}
	case unicode.Is(unicode.Latin, r[0]):
		r = []rune(stemEnglish(w))
	}
	if len(r) > maxStemRunes {
		r = r[:maxStemRunes]
	}
	return string(r)
}

func stemEnglish(w string) string {
	n := len(w)
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "ing") && n-3 >= 3:
		return undouble(w[:n-3])
	case strings.HasSuffix(w, "ed") && n-2 >= 3 && !strings.HasSuffix(w, "eed"):
		return undouble(w[:n-2])
	case strings.HasSuffix(w, "es") && n-2 >= 3 && strings.ContainsAny(w[n-3:n-2], "sxz") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes"):
		return w[:n-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// undouble drops a doubled final consonant left by a suffix: "shipp" →
// "ship", "stopp" → "stop"; "ll", "ss" and "zz" stay ("fill", "pass").
func undouble(w string) string {
	n := len(w)
	if n >= 4 && w[n-1] < utf8.RuneSelf && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func hasPrefixWord(ws []string, prefix string) bool {
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

var blankLine = regexp.MustCompile(`\n[ \t\r]*\n`)

// answerText is what the visitor gets from an entry: a Q&A pair's whole
// answer, or the paragraphs of an article that hold the most of the
// question's stems (all those with the top count that fit), in the
// article's order, up to maxArticleAnswer runes.
// An article without paragraph breaks is split into lines; when no
// paragraph holds a stem (the match was on the title) it opens with its
// first paragraph.
func answerText(e *hub.KnowledgeEntry, stems []string) string {
	body := strings.TrimSpace(strings.ReplaceAll(e.Body, "\r\n", "\n"))
	if e.Kind != hub.KnowledgeArticle {
		return body
	}
	var paras []string
	for _, p := range blankLine.Split(body, -1) {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, p)
		}
	}
	if len(paras) == 1 && strings.Contains(body, "\n") {
		paras = paras[:0]
		for _, p := range strings.Split(body, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				paras = append(paras, p)
			}
		}
	}
	if len(paras) == 0 {
		return ""
	}
	type para struct{ i, hits int }
	ranked := make([]para, len(paras))
	for i, p := range paras {
		ws := words(p)
		for _, s := range stems {
			if hasPrefixWord(ws, s) {
				ranked[i].hits++
			}
		}
		ranked[i].i = i
	}
	slices.SortStableFunc(ranked, func(a, b para) int { return cmp.Compare(b.hits, a.hits) })
	if ranked[0].hits == 0 {
		return clip(paras[0], maxArticleAnswer)
	}
	var picked []int
	total := 0
	for _, p := range ranked {
		n := utf8.RuneCountInString(paras[p.i])
		if p.hits < ranked[0].hits || (len(picked) > 0 && total+n+2 > maxArticleAnswer) {
			continue
		}
		picked = append(picked, p.i)
		total += n + 2
	}
	slices.Sort(picked)
	out := make([]string, len(picked))
	for i, p := range picked {
		out[i] = paras[p]
	}
	return clip(strings.Join(out, "\n\n"), maxArticleAnswer)
}

// clip shortens s to at most n runes, cutting at a sentence end or else a
// space when one is in the last half, and marks the cut with "…".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	r = r[:n-1]
	cutAt := -1
	for i := len(r) - 1; i >= n/2; i-- {
		if strings.ContainsRune(".!?", r[i]) {
			return string(r[:i+1])
		}
		if cutAt < 0 && unicode.IsSpace(r[i]) {
			cutAt = i
		}
	}
	if cutAt > 0 {
		r = r[:cutAt]
	}
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
}
