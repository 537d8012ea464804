package assistant

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant/retrieval"
	"github.com/parley-chat/parley/hub/egress"
)

// Retrieval on the model path (docs/assistant.md "Retrieval on the model
// path"): the built-in assistant's lexical search, and, with an embedding
// model, the cosine similarity of the question's embedding to each entry's,
// fused by fuse.
const (
	// embedMaxEntries bounds the entries embedded in one decision: a
	// knowledge base of 1,000 new entries is embedded over four decisions,
	// each with one request, and meanwhile the rest are found by their
	// words only.
	embedMaxEntries = 256
	// embedMaxRunes cuts the text embedded per entry: embedding models read
	// a few hundred words at most (bge-m3 8k tokens, others 512), and the
	// start of an entry says what it is about.
	embedMaxRunes = 2000
	// embedTextVersion is part of every text hash: changing what is
	// embedded (embeddingText) changes it, so every entry is embedded
	// again.
	embedTextVersion = "v1"
	// toolEmbeddings names the embedding step in the trace.
	toolEmbeddings = "embeddings"
)

// embeddingText is what is embedded for an entry: its title, its
// phrasings and its body, one a line, cut to embedMaxRunes.
func embeddingText(e *hub.KnowledgeEntry) string {
	parts := []string{strings.TrimSpace(e.Title)}
	for _, p := range e.Phrasings {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	parts = append(parts, strings.TrimSpace(e.Body))
	s := strings.Join(parts, "\n")
	if utf8.RuneCountInString(s) > embedMaxRunes {
		s = string([]rune(s)[:embedMaxRunes])
	}
	return s
}

// textHash identifies an embedded text (hub.KnowledgeEmbedding.TextHash).
func textHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return embedTextVersion + ":" + hex.EncodeToString(sum[:])
}

// ranked is an entry in one ranking, with that ranking's score.
type ranked struct {
	entry *hub.KnowledgeEntry
	score float64
	terms []hub.KBTerm // the lexical search's weighed words, for the trace
}

// candidate is an entry fused from the rankings, for the prompt and the
// trace: its score in each ranking (0 when not in it) and 1-based rank
// (0 when not in it), and the fused score.
type candidate struct {
	entry             *hub.KnowledgeEntry
	terms             []hub.KBTerm
	lexical, semantic float64
	lexRank, semRank  int
	score             float64
}

// fuse merges the lexical and the semantic ranking (each best first; either
// may be empty) and returns at most limit entries, best first, scored
//
//	score(e) = max(1/rank_lexical(e), 1/rank_semantic(e))
//
// with 1-based ranks and 1/rank taken as 0 for a ranking that does not hold
// e. Ties go to the higher sum of the two reciprocal ranks (an entry both
// rankings found), then the higher lexical score, then the lower entry id.
//
// Ranks are fused, not scores: a lexical Coverage and a cosine similarity
// are on different scales, and a cosine of 0.5 is close for one embedding
// model and far for another. The maximum rather than the usual sum
// (reciprocal-rank fusion) makes sure each ranking's best entries reach the
// prompt: the first two of each always do when limit is 5, however the
// other ranking orders them, so a paraphrase that shares no word with its
// entry still finds it, and a question in the entry's own words is not
// crowded out by near neighbours in meaning (TestFuse).
func fuse(lexical, semantic []ranked, limit int) []candidate {
	byID := map[int64]*candidate{}
	var out []*candidate
	add := func(list []ranked, lex bool) {
		for i, r := range list {
			c := byID[r.entry.ID]
			if c == nil {
				c = &candidate{entry: r.entry}
				byID[r.entry.ID] = c
				out = append(out, c)
			}
			if lex && c.lexRank == 0 {
				c.lexical, c.lexRank, c.terms = r.score, i+1, r.terms
			} else if !lex && c.semRank == 0 {
				c.semantic, c.semRank = r.score, i+1
			}
		}
	}
	add(lexical, true)
	add(semantic, false)
	inv := func(rank int) float64 {
		if rank == 0 {
			return 0
		}
		return 1 / float64(rank)
	}
	for _, c := range out {
		c.score = max(inv(c.lexRank), inv(c.semRank))
	}
	slices.SortStableFunc(out, func(a, b *candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(inv(b.lexRank)+inv(b.semRank), inv(a.lexRank)+inv(a.semRank)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.lexical, a.lexical); c != 0 {
			return c
		}
		return cmp.Compare(a.entry.ID, b.entry.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	res := make([]candidate, len(out))
	for i, c := range out {
		res[i] = *c
	}
	return res
}

// cosine is the cosine similarity of a and b, which have the same length;
// 0 when either is all zeros.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// retrieve finds the entries for the prompt, best first, at most
// modelMaxEntries: the built-in assistant's lexical hits (or, without it,
// the store's full-text search) fused with the semantic ranking when an
// embedding model is configured. The trace gets the searches (tools) and
// every entry given to the model (sources, all Used) with its fused,
// lexical and semantic score. Nothing here fails the decision: a failed
// search leaves that ranking empty and says so in the trace; only the end
// of ctx is returned.
func (a *OpenAI) retrieve(ctx context.Context, in hub.AssistantInput, question string, trace *hub.DecisionTrace) ([]*hub.KnowledgeEntry, error) {
	if a.cfg.Knowledge == nil || in.Site == nil {
		return nil, nil
	}
	lexical, err := a.lexicalRanking(ctx, in, question, trace)
	if err != nil {
		return nil, err
	}
	semantic, err := a.semanticRanking(ctx, in, question, trace)
	if err != nil {
		return nil, err
	}
	cands := fuse(lexical, semantic, modelMaxEntries)
	entries := make([]*hub.KnowledgeEntry, len(cands))
	for i, c := range cands {
		entries[i] = c.entry
		trace.Sources = append(trace.Sources, hub.KBSource{EntryID: c.entry.ID, Title: c.entry.Title,
			Score: round3(c.score), Lexical: round3(c.lexical), Semantic: round3(c.semantic), Used: true, Terms: c.terms})
	}
	return entries, nil
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// lexicalRanking is the built-in assistant's search when the Fallback is
// one (scores: Hit.Coverage), else the store's full-text search (scores:
// 1/rank, since it ranks but does not score).
func (a *OpenAI) lexicalRanking(ctx context.Context, in hub.AssistantInput, question string, trace *hub.DecisionTrace) ([]ranked, error) {
	var out []ranked
	query := question
	var err error
	if a.lexical != nil {
		var hits []retrieval.Hit
		hits, query, err = a.lexical.lexicalHits(ctx, in, trace.Language, question)
		for _, h := range hits {
			r := ranked{entry: h.Entry, score: h.Coverage}
			for _, m := range h.Matches {
				r.terms = append(r.terms, hub.KBTerm{Word: m.Word, Weight: m.Weight, In: m.In, Via: m.Via})
			}
			out = append(out, r)
		}
		if query == "" {
			query = question
		}
	} else {
		var entries []*hub.KnowledgeEntry
		entries, err = a.cfg.Knowledge.SearchKnowledge(ctx, in.Site.ID, question, modelMaxEntries)
		for i, e := range entries {
			out = append(out, ranked{entry: e, score: 1 / float64(i+1)})
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.logFor(in).Error().Err(err).Msg("assistant knowledge search failed")
		trace.Tools = append(trace.Tools, hub.ToolUse{Name: toolKnowledge, Input: question, Result: "search failed"})
		return nil, nil
	}
	if len(out) > modelMaxEntries {
		out = out[:modelMaxEntries]
	}
	trace.Tools = append(trace.Tools, hub.ToolUse{Name: toolKnowledge, Input: query, Result: fmt.Sprintf("%d entries", len(out))})
	return out, nil
}

// semanticRanking embeds the question, and the site's entries whose stored
// embedding is missing or stale (at most embedMaxEntries of them), in one
// request to the embedding model; saves the new embeddings; and ranks the
// entries by the cosine similarity of their embedding to the question's,
// best first, at most modelMaxEntries. Without an embedding model or a
// place to keep the embeddings it returns nothing. A failure of the model
// or the store leaves the ranking empty (lexical retrieval only) with the
// reason in the trace.
//
// An embedding is stale when the entry's text changed (its TextHash
// differs) or it has other dimensions than the site's newest one (the
// model behind the name changed).
func (a *OpenAI) semanticRanking(ctx context.Context, in hub.AssistantInput, question string, trace *hub.DecisionTrace) ([]ranked, error) {
	model := a.cfg.EmbeddingModel
	if model == "" || a.cfg.Embeddings == nil {
		return nil, nil
	}
	use := hub.ToolUse{Name: toolEmbeddings, Input: model}
	fail := func(reason string, err error) ([]ranked, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.logFor(in).Warn().Err(err).Str("embedding_model", model).Msg("assistant embeddings failed, lexical retrieval only")
		use.Result = "failed: " + reason + "; lexical retrieval only"
		trace.Tools = append(trace.Tools, use)
		return nil, nil
	}
	entries, err := a.cfg.Knowledge.FindKnowledgeEntries(ctx, in.Site.ID)
	if err != nil {
		return fail("cannot list the knowledge base", err)
	}
	stored, err := a.cfg.Embeddings.FindKnowledgeEmbeddings(ctx, in.Site.ID, model)
	if err != nil {
		return fail("cannot read the stored embeddings", err)
	}
	stale, hashes := staleEmbeddings(entries, stored)
	left := 0
	if len(stale) > embedMaxEntries {
		stale, left = stale[:embedMaxEntries], len(stale)-embedMaxEntries
	}
	texts := []string{question}
	for _, e := range stale {
		texts = append(texts, embeddingText(e))
	}
	vecs, reason, err := a.embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return fail(reason, errors.New(reason))
	}
	q := vecs[0]
	now := time.Now()
	fresh := make([]hub.KnowledgeEmbedding, len(stale))
	for i, e := range stale {
		fresh[i] = hub.KnowledgeEmbedding{EntryID: e.ID, Model: model, TextHash: hashes[e.ID], Vector: vecs[i+1], CreatedAt: now}
		stored[e.ID] = fresh[i]
	}
	saved := ""
	if len(fresh) > 0 {
		if err := a.cfg.Embeddings.SaveKnowledgeEmbeddings(ctx, fresh); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			a.logFor(in).Error().Err(err).Str("embedding_model", model).Msg("assistant cannot save embeddings")
			saved = " (not saved: the store failed)"
		}
	}
	var out []ranked
	for _, e := range entries {
		if s, ok := stored[e.ID]; ok && len(s.Vector) == len(q) && s.TextHash == hashes[e.ID] {
			out = append(out, ranked{entry: e, score: cosine(q, s.Vector)})
		}
	}
	slices.SortStableFunc(out, func(x, y ranked) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return cmp.Compare(x.entry.ID, y.entry.ID)
	})
	use.Result = fmt.Sprintf("%d of %d entries compared; %d embedded now%s", len(out), len(entries), len(fresh), saved)
	if left > 0 {
		use.Result += fmt.Sprintf(", %d left for later decisions", left)
	}
	trace.Tools = append(trace.Tools, use)
	if len(out) > modelMaxEntries {
		out = out[:modelMaxEntries]
	}
	return out, nil
}

// staleEmbeddings returns the entries whose stored embedding is missing or
// stale (see semanticRanking), in order, and every entry's text hash.
func staleEmbeddings(entries []*hub.KnowledgeEntry, stored map[int64]hub.KnowledgeEmbedding) ([]*hub.KnowledgeEntry, map[int64]string) {
	dims := newestDims(stored)
	var stale []*hub.KnowledgeEntry
	hashes := make(map[int64]string, len(entries))
	for _, e := range entries {
		h := textHash(embeddingText(e))
		hashes[e.ID] = h
		if s, ok := stored[e.ID]; !ok || s.TextHash != h || len(s.Vector) != dims {
			stale = append(stale, e)
		}
	}
	return stale, hashes
}

// EmbedKnowledge embeds the entries of site whose stored embedding is
// missing or stale and stores them, embedMaxEntries a request, and returns
// how many it stored; without an embedding model it does nothing. It runs
// after a change of the site's knowledge (KnowledgeEmbedder), so that the
// next decision finds the entries embedded; a decision still embeds what
// this left (semanticRanking). A failed request is an error here: nobody
// waits for an answer.
func (a *OpenAI) EmbedKnowledge(ctx context.Context, site *hub.Site) (int, error) {
	model := a.cfg.EmbeddingModel
	if model == "" || a.cfg.Embeddings == nil || a.cfg.Knowledge == nil || site == nil {
		return 0, nil
	}
	entries, err := a.cfg.Knowledge.FindKnowledgeEntries(ctx, site.ID)
	if err != nil {
		return 0, err
	}
	stored, err := a.cfg.Embeddings.FindKnowledgeEmbeddings(ctx, site.ID, model)
	if err != nil {
		return 0, err
	}
	stale, hashes := staleEmbeddings(entries, stored)
	done := 0
	for len(stale) > 0 {
		batch := stale[:min(len(stale), embedMaxEntries)]
		stale = stale[len(batch):]
		texts := make([]string, len(batch))
		for i, e := range batch {
			texts[i] = embeddingText(e)
		}
		vecs, reason, err := a.embed(ctx, texts)
		if err != nil {
			return done, err
		}
		if reason != "" {
			return done, fmt.Errorf("assistant: embed the knowledge of site %d: %s", site.ID, reason)
		}
		now := time.Now()
		fresh := make([]hub.KnowledgeEmbedding, len(batch))
		for i, e := range batch {
			fresh[i] = hub.KnowledgeEmbedding{EntryID: e.ID, Model: model, TextHash: hashes[e.ID], Vector: vecs[i], CreatedAt: now}
		}
		if err := a.cfg.Embeddings.SaveKnowledgeEmbeddings(ctx, fresh); err != nil {
			return done, err
		}
		done += len(fresh)
	}
	return done, nil
}

// newestDims is the dimensions of the newest of stored, 0 when it is
// empty.
func newestDims(stored map[int64]hub.KnowledgeEmbedding) int {
	var newest hub.KnowledgeEmbedding
	for _, e := range stored {
		if newest.Vector == nil || e.CreatedAt.After(newest.CreatedAt) ||
			(e.CreatedAt.Equal(newest.CreatedAt) && e.EntryID > newest.EntryID) {
			newest = e
		}
	}
	return len(newest.Vector)
}

// embed asks the embedding model for the vectors of texts in one request
// (POST {BaseURL}/embeddings), one attempt bounded by Timeout: the decision
// still has the chat model to ask, and retrieval without embeddings is
// only worse, not wrong. It returns one vector per text, in order, or why
// there are none (for the trace), or ctx.Err() when the caller's context
// ended. A response that does not hold exactly one finite vector per text,
// all of the same dimensions (1 to hub.MaxEmbeddingDims), is malformed.
func (a *OpenAI) embed(ctx context.Context, texts []string) ([][]float32, string, error) {
	actx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	var httpRes *http.Response
	res, err := a.embeddings.New(actx, openai.EmbeddingNewParams{
		Model:          a.cfg.EmbeddingModel,
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	}, option.WithResponseInto(&httpRes))
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	if err != nil {
		var netErr net.Error
		switch {
		case timedOut || (errors.As(err, &netErr) && netErr.Timeout()):
			return nil, "embeddings timed out", nil
		case httpRes != nil && httpRes.StatusCode >= 400:
			return nil, fmt.Sprintf("embeddings error: %d", httpRes.StatusCode), nil
		case httpRes != nil:
			return nil, "embeddings response malformed", nil
		case errors.Is(err, egress.ErrPrivateAddress):
			return nil, "embeddings not called: the address is private, local or reserved", nil
		default:
			return nil, "embeddings unreachable", nil
		}
	}
	if len(res.Data) != len(texts) {
		return nil, fmt.Sprintf("embeddings response malformed: %d vectors for %d texts", len(res.Data), len(texts)), nil
	}
	out := make([][]float32, len(texts))
	dims := len(res.Data[0].Embedding)
	for _, d := range res.Data {
		if d.Index < 0 || int(d.Index) >= len(texts) || out[d.Index] != nil {
			return nil, "embeddings response malformed: bad indexes", nil
		}
		if len(d.Embedding) != dims || dims == 0 || dims > hub.MaxEmbeddingDims {
			return nil, fmt.Sprintf("embeddings response malformed: vectors of %d and %d dimensions", dims, len(d.Embedding)), nil
		}
		v := make([]float32, dims)
		for i, f := range d.Embedding {
			if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > math.MaxFloat32 {
				return nil, "embeddings response malformed: a value is not a finite number", nil
			}
			v[i] = float32(f)
		}
		out[d.Index] = v
	}
	return out, "", nil
}
