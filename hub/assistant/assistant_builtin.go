// Package assistant holds Parley's assistants (hub.Assistant): Builtin,
// the default, which answers from a site's knowledge base and needs no
// network, and an OpenAI-compatible model that falls back on it when the
// model cannot be used.
package assistant

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant/retrieval"
)

// Builtin is the default assistant. It answers greetings and thanks,
// answers questions from the site's knowledge base when an entry matches
// well enough, and hands everything else to the team: what it cannot do
// (refunds, account changes, order details, subscriptions, billing
// disputes, exceptions, technical issues, complaints), explicit requests
// for a person, and questions the knowledge base does not answer. It
// writes in the language of the visitor's message, English or Russian.
// It is safe for concurrent use; its only state is a search index per
// site (see index).
type Builtin struct {
	// Knowledge gives a site's knowledge version and entries; nil is an
	// empty knowledge base.
	Knowledge hub.KnowledgeSearcher
	// Threshold is the score (0 to 1, retrieval.Hit.Coverage) an entry
	// needs to be sent as the answer; 0 means DefaultThreshold.
	Threshold float64
	// MaxIndexedSites bounds the site indexes kept in memory: past it, the
	// least recently used is dropped (and built again when its site asks);
	// 0 means DefaultMaxIndexedSites.
	MaxIndexedSites int

	mu    sync.Mutex
	sites map[int64]*siteIndex // by site id
	uses  uint64               // a clock of index uses, for eviction
}

// siteIndex is a site's search index, the version of the knowledge base
// it was built from, when it was last used (Builtin.uses), and the
// searches using it now (refs): a replaced or dropped index is closed when
// its last search is done. All but idx, version and synonyms are guarded
// by Builtin.mu.
type siteIndex struct {
	version  int64  // the site's knowledge version
	synonyms uint64 // synonymsKey of the site's synonyms
	idx      *retrieval.Index
	used     uint64
	refs     int
	dropped  bool
	// stale marks an index Invalidate dropped: kept in Builtin.sites only
	// so that the next build reuses its analysis of unchanged entries
	// (retrieval.Update), never searched again.
	stale bool
}

// DefaultMaxIndexedSites is Builtin.MaxIndexedSites's default.
const DefaultMaxIndexedSites = 256

var _ hub.Assistant = (*Builtin)(nil)

const (
	providerBuiltin = "builtin"
	toolKnowledge   = "knowledge_search"
	sourceKB        = "knowledge_base"
	// maxSubjectRunes and maxSummaryRunes bound what the assistant writes
	// for a ticket.
	maxSubjectRunes = 80
	maxSummaryRunes = 1500
)

// Decide returns one decision about the newest visitor message of in:
//
//  1. No visitor message, or one without letters or digits (emoji only):
//     ActionSilent.
//  2. Greetings, thanks, an opener ("I have a question") or a presence
//     check ("are you still there?") and nothing else: a short reply
//     (GENERATED_CONTENT); a bare acknowledgement
//     ("ok", "понятно", "bye"): ActionSilent, since a ticket or a reply to
//     "ok" helps nobody.
//  3. An explicit request for a person: ActionEscalate, always, without a
//     search.
//  4. Another intent the assistant cannot act on (refund, account change,
//     …): ActionEscalate, unless the message asks about a policy that an
//     entry answers: it is a question, or names the entry's topic and
//     nothing else (namesTopic, all of the title or a phrasing, Coverage
//     of confidentCoverage: "Returns and exchanges"); it names no order or
//     payment of its own (mentionsInstance: no number of three digits or
//     more); and the
//     best entry answers it as in 5 with at least intentTitleCoverage of
//     its title's (or a phrasing's) words in the question. "Can I return
//     boots I tried on indoors?" gets the return policy; "I want my money
//     back", "refund order 4411" or a loose match go to the team. The
//     trace keeps the intent either way (TestBuiltinIntentPrecedence).
//  5. Otherwise the best entry scoring at least the Threshold is the
//     answer (MATCHED_CONTENT); a match on the body alone answers only
//     when all of the question is in the body (Coverage of at least
//     retrieval.BodyWeight), whatever the Threshold, and a match made of
//     typos of four-letter words alone never ("алло" is not "балл"). An
//     entry written in
//     another language than the visitor's answers in the visitor's
//     language when it has a translation in it (retrieval.Hit.Translation),
//     in its own otherwise. Below, the conversation is escalated as "no
//     relevant sources".
//
// Every candidate the search returned is in Trace.Sources with its score.
// A search error is returned as it is (wrapped): the Service retries the
// decision later.
func (b *Builtin) Decide(ctx context.Context, in hub.AssistantInput) (hub.Decision, error) {
	trace := hub.DecisionTrace{Provider: providerBuiltin}
	last := in.LastVisitorMessage()
	if last == nil {
		trace.Language = hub.DetectLanguage("", in.Locale)
		return silent(trace, "nothing sent: no visitor message"), nil
	}
	lang := hub.DetectLanguage(last.Body, in.Locale)
	trace.Language = lang
	if last.Attachment != nil && last.Body == last.Attachment.Name {
		// A file without words: the team looks at it; nothing to answer.
		return silent(trace, "nothing sent: the visitor sent a file"), nil
	}
	ws := words(last.Body)
	if len(ws) == 0 {
		return silent(trace, "nothing sent: no question to answer"), nil
	}
	p := textsFor(lang)
	switch smallTalkKind(ws) {
	case smallTalkGreeting:
		return generated(trace, p.greeting), nil
	case smallTalkThanks:
		return generated(trace, p.thanks), nil
	case smallTalkPresence:
		return generated(trace, p.presence), nil
	case smallTalkAck:
		return silent(trace, "nothing sent: an acknowledgement needs no answer"), nil
	}

	intent := detectIntent(ws)
	trace.Intent = intent
	if intent == intentHuman {
		return escalate(in, last, trace, p.cannotDo[intent], intentReasons[intent]), nil
	}
	hits, err := b.search(ctx, in, lang, last.Body, &trace)
	if err != nil {
		return hub.Decision{}, err
	}
	answer := len(hits) > 0 && hits[0].Coverage >= b.threshold() &&
		(hits[0].TitleOnly > 0 || hits[0].Coverage >= retrieval.BodyWeight) && !shortTyposOnly(hits[0])
	if answer && intent != "" {
		asks := isQuestion(last.Body, ws) ||
			namesTopic(ws) && hits[0].TitleCoverage == 1 && hits[0].Coverage >= confidentCoverage
		answer = asks && hits[0].TitleCoverage >= intentTitleCoverage && !mentionsInstance(ws)
	}
	if answer {
		entry := hits[0].Entry
		if hits[0].Translation != nil {
			entry = hits[0].Translation
		}
		if body := answerText(entry, queryStems(ws)); body != "" {
			if entry == hits[0].Entry {
				trace.Sources[0].Used = true
			} else {
				trace.Sources = append(trace.Sources, hub.KBSource{EntryID: entry.ID, Title: entry.Title,
					Score: hits[0].Coverage, Used: true})
			}
			trace.AnswerSource = sourceKB
			trace.Decision = "answered from the knowledge base: " + entry.Title
			if entry != hits[0].Entry {
				trace.Decision += fmt.Sprintf(" (the %s translation of entry %d)", entry.Language, hits[0].Entry.ID)
			}
			return hub.Decision{Action: hub.ActionAnswer, Body: body, StatusType: hub.StatusMatchedContent, Trace: trace}, nil
		}
	}
	if intent != "" {
		return escalate(in, last, trace, p.cannotDo[intent], intentReasons[intent]), nil
	}
	var best float64
	if len(hits) > 0 {
		best = hits[0].Coverage
	}
	d := escalate(in, last, trace, p.noAnswer, "no relevant sources")
	d.Trace.Decision = fmt.Sprintf("escalated: no relevant sources (best score %.2f)", best)
	return d, nil
}

// shortTyposOnly reports whether every word h matched is a four-letter
// word taken for a typo: too little to go on.
func shortTyposOnly(h retrieval.Hit) bool {
	for _, m := range h.Matches {
		if m.In != "" && (m.Via != "typo" || utf8.RuneCountInString(m.Word) > 4) {
			return false
		}
	}
	return true
}

func (b *Builtin) threshold() float64 {
	if b.Threshold <= 0 {
		return DefaultThreshold
	}
	return b.Threshold
}

// search looks the message's content words up in the site's index, in
// the message's language lang, and returns at most searchLimit hits, best
// first, recording the search and every hit (with its Coverage as the
// score) in trace. A message of several sentences is also looked up a
// sentence at a time (those with two content words or more), since the
// question is often one sentence of a story: the query whose best hit has
// the highest Coverage wins, the whole message on a tie. Without a
// knowledge base, a site or content words there is nothing to search: no
// hits.
func (b *Builtin) search(ctx context.Context, in hub.AssistantInput, lang string, body string, trace *hub.DecisionTrace) ([]retrieval.Hit, error) {
	query := strings.Join(contentWords(words(body)), " ")
	if b.Knowledge == nil || in.Site == nil || query == "" {
		return nil, nil
	}
	queries := []string{query}
	for _, s := range sentenceEnd.Split(body, -1) {
		ws := contentWords(words(s))
		if q := strings.Join(ws, " "); len(ws) >= 2 && !slices.Contains(queries, q) {
			queries = append(queries, q)
		}
	}
	si, err := b.index(ctx, in.Site)
	if err != nil {
		return nil, err
	}
	hits, query, err := searchBest(si.idx, queries, lang)
	b.release(si)
	if err != nil {
		return nil, fmt.Errorf("assistant: search knowledge of site %d: %w", in.Site.ID, err)
	}
	if len(hits) > searchLimit {
		hits = hits[:searchLimit]
	}
	trace.Tools = append(trace.Tools, hub.ToolUse{Name: toolKnowledge, Input: query,
		Result: fmt.Sprintf("%d entries", len(hits))})
	for _, h := range hits {
		src := hub.KBSource{EntryID: h.Entry.ID, Title: h.Entry.Title, Score: h.Coverage}
		for _, m := range h.Matches {
			src.Terms = append(src.Terms, hub.KBTerm{Word: m.Word, Weight: m.Weight, In: m.In, Via: m.Via})
		}
		trace.Sources = append(trace.Sources, src)
	}
	return hits, nil
}

// sentenceEnd splits a message into sentences.
var sentenceEnd = regexp.MustCompile(`[.!?…\n]+`)

// searchBest returns the hits of the first of queries whose best hit has
// the highest Coverage, and that query.
func searchBest(idx *retrieval.Index, queries []string, lang string) ([]retrieval.Hit, string, error) {
	var best []retrieval.Hit
	bestQuery := queries[0]
	for i, q := range queries {
		hits, err := idx.Search(q, lang)
		if err != nil {
			return nil, "", err
		}
		if i == 0 || len(hits) > 0 && (len(best) == 0 || hits[0].Coverage > best[0].Coverage) {
			best, bestQuery = hits, q
		}
	}
	return best, bestQuery, nil
}

// index returns the search index of a site's knowledge base, building it
// when the knowledge base changed since the last one was built; the
// caller releases it when its search is done.
//
// The store stays the truth and the index lives in this node's memory.
// Every decision reads the site's knowledge version (one row,
// hub.KnowledgeSearcher.KnowledgeVersion), which every write of an entry
// and every change of the site's synonyms increments, and lists the
// entries to build a new index only when it differs from the cached
// index's (TestBuiltinIndexUsesVersion), or when the site's synonyms
// differ from those the index was built with. An edit is thus seen by the
// next decision on every node; EventKnowledgeChanged (Invalidate) drops
// the index at once, and the version check is the safety net for a lost
// event. A new index takes the analysis of the unchanged entries from the
// one it replaces (retrieval.Update), so an edit costs the analysis of
// one entry and the indexing of all (docs/BENCHMARKS.md). The version is read before the entries: an edit in between gives
// an index newer than its version, which is only rebuilt once more. At
// most MaxIndexedSites indexes are kept (TestBuiltinDropsIdleIndexes).
func (b *Builtin) index(ctx context.Context, site *hub.Site) (*siteIndex, error) {
	v, err := b.Knowledge.KnowledgeVersion(ctx, site.ID)
	if err != nil {
		return nil, fmt.Errorf("assistant: knowledge version of site %d: %w", site.ID, err)
	}
	syn := synonymsKey(site.Synonyms)
	b.mu.Lock()
	cur := b.sites[site.ID]
	if cur != nil && !cur.stale && cur.version == v && cur.synonyms == syn {
		b.uses++
		cur.used, cur.refs = b.uses, cur.refs+1
		b.mu.Unlock()
		return cur, nil
	}
	b.mu.Unlock()
	entries, err := b.Knowledge.FindKnowledgeEntries(ctx, site.ID)
	if err != nil {
		return nil, fmt.Errorf("assistant: list knowledge of site %d: %w", site.ID, err)
	}
	groups := synonyms
	if len(site.Synonyms) > 0 {
		groups = append(slices.Clip(synonyms), site.Synonyms...)
	}
	var prev *retrieval.Index // read-only: a dropped one is closed, its analysis still good
	if cur != nil {
		prev = cur.idx
	}
	idx, err := retrieval.Update(prev, entries, retrieval.Config{Stopword: isStopword, Synonyms: groups})
	if err != nil {
		return nil, fmt.Errorf("assistant: index knowledge of site %d: %w", site.ID, err)
	}
	b.mu.Lock()
	if b.sites == nil {
		b.sites = map[int64]*siteIndex{}
	}
	b.uses++
	dropped := []*siteIndex{b.sites[site.ID]}
	si := &siteIndex{version: v, synonyms: syn, idx: idx, used: b.uses, refs: 1}
	b.sites[site.ID] = si
	max := b.MaxIndexedSites
	if max <= 0 {
		max = DefaultMaxIndexedSites
	}
	if len(b.sites) > max {
		var lru int64
		for id, s := range b.sites {
			if lru == 0 || s.used < b.sites[lru].used {
				lru = id
			}
		}
		dropped = append(dropped, b.sites[lru])
		delete(b.sites, lru)
	}
	idle := drop(dropped)
	b.mu.Unlock()
	for _, old := range idle {
		_ = old.idx.Close()
	}
	return si, nil
}

// Invalidate drops the index of a site, so that the next decision about
// the site builds it again from the store (reusing the dropped one's
// analysis of unchanged entries). The node calls it when it hears
// hub.EventKnowledgeChanged from any node (cmd/parley); searches using the
// index finish first (TestBuiltinInvalidate).
func (b *Builtin) Invalidate(siteID int64) {
	b.mu.Lock()
	cur := b.sites[siteID]
	if cur != nil {
		cur.stale = true
	}
	idle := drop([]*siteIndex{cur})
	b.mu.Unlock()
	for _, old := range idle {
		_ = old.idx.Close()
	}
}

// drop marks the indexes of dropped (nil ones skipped) dropped and returns
// those no search uses, to be closed outside Builtin.mu, which the caller
// holds.
func drop(dropped []*siteIndex) []*siteIndex {
	var idle []*siteIndex
	for _, old := range dropped {
		if old != nil && !old.dropped {
			old.dropped = true
			if old.refs == 0 {
				idle = append(idle, old)
			}
		}
	}
	return idle
}

// release ends a search's use of si, closing it when it was replaced or
// dropped and this was its last search.
func (b *Builtin) release(si *siteIndex) {
	b.mu.Lock()
	si.refs--
	last := si.dropped && si.refs == 0
	b.mu.Unlock()
	if last {
		_ = si.idx.Close()
	}
}

// synonymsKey fingerprints a site's synonym groups, so that an index built
// with other ones is not used: the site a decision gets may be newer or
// older than the knowledge version read with it.
func synonymsKey(groups [][]string) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, g := range groups {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(g)))
		h.Write(buf[:])
		for _, w := range g {
			binary.LittleEndian.PutUint64(buf[:], uint64(len(w)))
			h.Write(buf[:])
			h.Write([]byte(w))
		}
	}
	return h.Sum64()
}

func silent(trace hub.DecisionTrace, why string) hub.Decision {
	trace.Decision = why
	return hub.Decision{Action: hub.ActionSilent, Trace: trace}
}

func generated(trace hub.DecisionTrace, body string) hub.Decision {
	trace.Decision = "answered small talk"
	return hub.Decision{Action: hub.ActionAnswer, Body: body, StatusType: hub.StatusGeneratedContent, Trace: trace}
}
