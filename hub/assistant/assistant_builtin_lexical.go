package assistant

import (
	"context"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant/retrieval"
)

// lexicalSearcher finds a site's knowledge-base entries by their words: the
// built-in assistant's own search, which the model assistant shares so that
// both paths retrieve the same way (docs/assistant.md "Retrieval on the
// model path").
type lexicalSearcher interface {
	// lexicalHits returns the hits for question in language lang, best
	// first, and the query that found them; no hits without a site or a
	// knowledge base.
	lexicalHits(ctx context.Context, in hub.AssistantInput, lang, question string) ([]retrieval.Hit, string, error)
}

var _ lexicalSearcher = (*Builtin)(nil)

// lexicalHits runs Builtin.search, the search Decide makes, without
// recording it in a decision's trace.
func (b *Builtin) lexicalHits(ctx context.Context, in hub.AssistantInput, lang, question string) ([]retrieval.Hit, string, error) {
	var trace hub.DecisionTrace
	hits, err := b.search(ctx, in, lang, question, &trace)
	if err != nil {
		return nil, "", err
	}
	query := ""
	for _, t := range trace.Tools {
		if t.Name == toolKnowledge {
			query = t.Input
		}
	}
	return hits, query, nil
}
