package hubsql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestPredicatesOfIndexes: the conditions meant to walk a partial index are
// the predicate of one in both stores' migrations, word for word, so that
// a change of a constant in hub that the indexes do not follow fails here
// rather than slowing the queries down unnoticed.
func TestPredicatesOfIndexes(t *testing.T) {
	yes := true
	want := []string{NotClosed, AssistantPending, ConversationFilters(hub.ConversationFilter{Feedback: hub.FeedbackEither})[0],
		ConversationFilters(hub.ConversationFilter{Escalated: &yes})[0], ConversationFilters(hub.ConversationFilter{HasTicket: &yes})[0]}
	for _, store := range []string{"postgres", "sqlite"} {
		preds := indexPredicates(t, filepath.Join("..", "..", store, "migrations"))
		for _, cond := range want {
			if p, ok := strings.CutPrefix(cond, "("); ok {
				cond = strings.TrimSuffix(p, ")") // a condition in parentheses, for the AND it joins
			}
			if !preds[cond] {
				t.Errorf("%s: no partial index has the predicate %q; its indexes have %v", store, cond, preds)
			}
		}
	}
}

// indexPredicates returns the predicates of the partial indexes that the
// migrations in dir create, with their spaces collapsed.
func indexPredicates(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations in %s: %v", dir, err)
	}
	preds := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range strings.Split(string(b), ";") {
			st = strings.Join(strings.Fields(st), " ")
			if i := strings.Index(st, "CREATE INDEX "); i >= 0 {
				if _, pred, ok := strings.Cut(st[i:], " WHERE "); ok {
					preds[pred] = true
				}
			}
		}
	}
	return preds
}
