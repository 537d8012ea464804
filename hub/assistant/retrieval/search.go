package retrieval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/parley-chat/parley/hub"
)

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
		if h.Lang != lang {
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
