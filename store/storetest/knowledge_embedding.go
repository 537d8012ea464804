package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testKnowledgeEmbeddings checks that embeddings are kept per entry and
// model, replaced on save, read per site, skipped for a deleted entry and
// deleted with their entry.
func testKnowledgeEmbeddings(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	other := mustSite(t, s, f.tenant.ID)
	a := mustKnowledge(t, s, f.site, hub.KnowledgeQA, "Delivery", "Two days.")
	b := mustKnowledge(t, s, f.site, hub.KnowledgeQA, "Returns", "Thirty days.")
	elsewhere := mustKnowledge(t, s, other, hub.KnowledgeQA, "Hours", "Nine to five.")
	gone := mustKnowledge(t, s, f.site, hub.KnowledgeQA, "Gone", "Deleted before it is saved.")
	must(t, s.DeleteKnowledgeEntry(ctx, gone.ID))

	got, err := s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m1")
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("FindKnowledgeEmbeddings before any = %#v, want an empty map", got)
	}

	emb := func(e *hub.KnowledgeEntry, model, hash string, v ...float32) hub.KnowledgeEmbedding {
		return hub.KnowledgeEmbedding{EntryID: e.ID, Model: model, TextHash: hash, Vector: v, CreatedAt: at(1)}
	}
	must(t, s.SaveKnowledgeEmbeddings(ctx, []hub.KnowledgeEmbedding{
		emb(a, "m1", "ha", 1, -0.5, 3.25e-7),
		emb(b, "m1", "hb", 0, 1, 0),
		emb(a, "m2", "ha", 0.25),
		emb(elsewhere, "m1", "he", 9, 9, 9),
		emb(gone, "m1", "hg", 1, 1, 1), // skipped: the entry is gone
	}))
	got, err = s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m1")
	must(t, err)
	want := map[int64]hub.KnowledgeEmbedding{a.ID: emb(a, "m1", "ha", 1, -0.5, 3.25e-7), b.ID: emb(b, "m1", "hb", 0, 1, 0)}
	for id, e := range want {
		e.CreatedAt = utc(e.CreatedAt)
		want[id] = e
	}
	wantEqual(t, "FindKnowledgeEmbeddings", got, want)
	got, err = s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m2")
	must(t, err)
	if len(got) != 1 || got[a.ID].TextHash != "ha" || len(got[a.ID].Vector) != 1 {
		t.Errorf("FindKnowledgeEmbeddings of m2 = %+v, want entry %d's only", got, a.ID)
	}

	// Saving again replaces, with other dimensions too; inside a
	// transaction as well.
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		return q.SaveKnowledgeEmbeddings(ctx, []hub.KnowledgeEmbedding{emb(a, "m1", "ha2", 7, 8)})
	}))
	got, err = s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m1")
	must(t, err)
	if e := got[a.ID]; e.TextHash != "ha2" || len(e.Vector) != 2 || e.Vector[1] != 8 || len(got) != 2 {
		t.Errorf("after the replacing save: %+v", got)
	}

	// Refused vectors write nothing.
	for _, bad := range [][]hub.KnowledgeEmbedding{
		{emb(b, "m1", "new", 1), emb(a, "m1", "x")},
		{emb(b, "m1", "new", make([]float32, hub.MaxEmbeddingDims+1)...)},
		{emb(b, "", "new", 1)},
	} {
		wantCode(t, s.SaveKnowledgeEmbeddings(ctx, bad), hub.EInvalid)
	}
	got, err = s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m1")
	must(t, err)
	if got[b.ID].TextHash != "hb" {
		t.Errorf("a refused save wrote: %+v", got[b.ID])
	}

	// Deleting an entry deletes its embeddings.
	must(t, s.DeleteKnowledgeEntry(ctx, b.ID))
	got, err = s.FindKnowledgeEmbeddings(ctx, f.site.ID, "m1")
	must(t, err)
	if _, ok := got[b.ID]; ok || len(got) != 1 {
		t.Errorf("after deleting entry %d: %+v", b.ID, got)
	}
	got, err = s.FindKnowledgeEmbeddings(ctx, other.ID, "m1")
	must(t, err)
	if len(got) != 1 || got[elsewhere.ID].Vector[0] != 9 {
		t.Errorf("other site's embeddings = %+v", got)
	}
}
