// The built-in assistant's knowledge index per site (assistant_builtin.go
// Builtin.index): rebuilt on a change, bounded, safe under concurrency.

package assistant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant/retrieval"
	"github.com/parley-chat/parley/hub/hubtest"
)

// TestBuiltinKnowledgeChanges checks that the index follows the knowledge
// base: rebuilt when an entry is added, edited or deleted, kept otherwise.
func TestBuiltinKnowledgeChanges(t *testing.T) {
	kb := newBuiltinSearcher()
	a := &Builtin{Knowledge: kb}
	ask := func(want int64) {
		t.Helper()
		d := mustDecide(t, a, builtinInput("en", "Do you sell gift cards?"))
		if got := usedSource(d); got != want {
			t.Fatalf("used entry %d (%s), want %d", got, d.Trace.Decision, want)
		}
	}
	index := func() *retrieval.Index {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.sites[builtinSite.ID].idx
	}
	ask(0)
	first := index()
	ask(0)
	if index() != first {
		t.Error("rebuilt without a change")
	}
	card := &hub.KnowledgeEntry{ID: 20, SiteID: builtinSite.ID, TenantID: builtinSite.TenantID, Kind: hub.KnowledgeQA,
		Title: "Do you sell gift cards?", Body: "Yes, from $10."}
	kb.entries = append(kb.entries, card)
	ask(20)
	if _, err := first.Search("gift", "en"); !errors.Is(err, retrieval.ErrClosed) {
		t.Errorf("the replaced index is still open: %v", err)
	}
	edited := *card
	edited.Title, edited.UpdatedAt = "Do you sell vouchers?", time.Now()
	kb.entries[len(kb.entries)-1] = &edited
	ask(0)
	kb.entries = kb.entries[:len(kb.entries)-1]
	ask(0)
	kb.entries = append(kb.entries, card)
	ask(20)
}

// TestBuiltinDropsIdleIndexes: past MaxIndexedSites the least recently
// used site's index is closed and dropped, and built again when asked.
func TestBuiltinDropsIdleIndexes(t *testing.T) {
	kb := newBuiltinSearcher()
	for _, id := range []int64{2, 3} {
		for _, e := range builtinKB {
			c := *e
			c.SiteID, c.TenantID = id, builtinSite.TenantID
			kb.entries = append(kb.entries, &c)
		}
	}
	a := &Builtin{Knowledge: kb, MaxIndexedSites: 2}
	ask := func(site int64) *retrieval.Index {
		t.Helper()
		in := builtinInput("en", "How long does delivery take?")
		s := *builtinSite
		s.ID = site
		in.Site = &s
		if d := mustDecide(t, a, in); d.Action != hub.ActionAnswer {
			t.Fatalf("site %d: %s", site, d.Trace.Decision)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.sites[site].idx
	}
	one := ask(builtinSite.ID)
	ask(2)
	ask(builtinSite.ID) // the site of one is used last: 2 goes next
	ask(3)
	a.mu.Lock()
	_, kept2 := a.sites[2]
	n := len(a.sites)
	a.mu.Unlock()
	if kept2 || n != 2 {
		t.Fatalf("kept site 2: %v, %d indexes", kept2, n)
	}
	if _, err := one.Search("delivery", "en"); err != nil {
		t.Fatalf("the recently used index was closed: %v", err)
	}
	ask(2)
}

// TestBuiltinConcurrent decides from many goroutines while the knowledge
// base changes under them; run with -race.
func TestBuiltinConcurrent(t *testing.T) {
	kb := newBuiltinSearcher()
	var mu sync.Mutex
	lister := lockedLister{kb: kb, mu: &mu}
	a := &Builtin{Knowledge: lister}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if _, err := a.Decide(context.Background(), builtinInput("en", "How long does shipping take?")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			mu.Lock()
			c := *kb.entries[0]
			c.Body = fmt.Sprintf("Orders ship within %d days.", i)
			kb.entries[0] = &c
			mu.Unlock()
		}
	})
	wg.Wait()
}

// lockedLister guards a builtinSearcher for TestBuiltinConcurrent.
type lockedLister struct {
	kb *builtinSearcher
	mu *sync.Mutex
}

func (l lockedLister) SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*hub.KnowledgeEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kb.SearchKnowledge(ctx, siteID, query, limit)
}

func (l lockedLister) KnowledgeVersion(ctx context.Context, siteID int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kb.KnowledgeVersion(ctx, siteID)
}

func (l lockedLister) FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*hub.KnowledgeEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	es, err := l.kb.FindKnowledgeEntries(ctx, siteID)
	return slices.Clone(es), err
}

// TestBuiltinIndexUsesVersion: while the knowledge version stays, a
// decision reads only the version, never the list of entries; a new
// version (a write on any node) makes the next decision list and index
// the entries again.
func TestBuiltinIndexUsesVersion(t *testing.T) {
	kb := newBuiltinSearcher()
	a := &Builtin{Knowledge: kb}
	for range 3 {
		if d := mustDecide(t, a, builtinInput("en", "How long does delivery take?")); d.Action != hub.ActionAnswer {
			t.Fatalf("not answered: %s", d.Trace.Decision)
		}
	}
	if kb.lists != 1 || kb.versions != 3 {
		t.Fatalf("3 decisions listed the entries %d times and read the version %d times; want 1 and 3", kb.lists, kb.versions)
	}
	kb.entries = append(kb.entries, &hub.KnowledgeEntry{ID: 20, SiteID: builtinSite.ID, TenantID: builtinSite.TenantID,
		Kind: hub.KnowledgeQA, Title: "Do you sell gift cards?", Body: "Yes, from $10."})
	if d := mustDecide(t, a, builtinInput("en", "Do you sell gift cards?")); usedSource(d) != 20 {
		t.Fatalf("the new entry was not used: %s", d.Trace.Decision)
	}
	if kb.lists != 2 {
		t.Fatalf("listed %d times after a change, want 2", kb.lists)
	}
}

// TestBuiltinInvalidate: Invalidate (EventKnowledgeChanged) drops a site's
// index, closing it once its searches are done, and the next decision
// builds it again; other sites' indexes stay.
func TestBuiltinInvalidate(t *testing.T) {
	kb := newBuiltinSearcher()
	a := &Builtin{Knowledge: kb}
	mustDecide(t, a, builtinInput("en", "How long does delivery take?"))
	a.mu.Lock()
	si := a.sites[builtinSite.ID]
	si.refs++ // a search in flight
	a.mu.Unlock()
	a.Invalidate(builtinSite.ID)
	a.Invalidate(builtinSite.ID + 1) // no index: nothing happens
	if _, err := si.idx.Search("delivery", "en"); err != nil {
		t.Fatalf("an index in use was closed: %v", err)
	}
	a.release(si)
	if _, err := si.idx.Search("delivery", "en"); !errors.Is(err, retrieval.ErrClosed) {
		t.Fatalf("the dropped index is still open after its last search: %v", err)
	}
	mustDecide(t, a, builtinInput("en", "How long does delivery take?"))
	if kb.lists != 2 {
		t.Fatalf("listed %d times, want 2 (built again after Invalidate)", kb.lists)
	}
	a.mu.Lock()
	again := a.sites[builtinSite.ID]
	a.mu.Unlock()
	if again == nil || again == si {
		t.Fatal("no new index after Invalidate")
	}
}

// TestBuiltinSiteSynonyms: a site's own synonyms count as the built-in
// ones do, and a change of them (a new knowledge version) is seen by the
// next decision.
func TestBuiltinSiteSynonyms(t *testing.T) {
	kb := newBuiltinSearcher()
	kb.entries = append(kb.entries, &hub.KnowledgeEntry{ID: 20, SiteID: builtinSite.ID, TenantID: builtinSite.TenantID,
		Kind: hub.KnowledgeQA, Title: "Do you sell widgets?", Body: "Yes, in three sizes."})
	a := &Builtin{Knowledge: kb}
	in := builtinInput("en", "Do you sell gizmos?")
	if d := mustDecide(t, a, in); usedSource(d) == 20 {
		t.Fatalf("answered without the synonym: %s", d.Trace.Decision)
	}
	site := *builtinSite
	site.Synonyms = [][]string{{"gizmo", "widget"}}
	in.Site = &site
	if d := mustDecide(t, a, in); usedSource(d) != 20 {
		t.Fatalf("the site's synonym was not used: %s", d.Trace.Decision)
	}
}

// TestBuiltinTwoNodesOneStore: two nodes' assistants on one real store,
// without the broker's event: an edit made through the Service (on either
// node) is answered from at the next decision of both, because each reads
// the site's knowledge version; with the version unchanged neither lists
// the entries again.
func TestBuiltinTwoNodesOneStore(t *testing.T) {
	ctx := context.Background()
	db := mustSQLite(t)
	svc := &hub.Service{Store: db, Publisher: nopPublisher{}, Log: hubtest.Logger(t), Secret: []byte("test-secret")}
	tenant, owner, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Acme", Email: "owner@acme.test", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	actor := hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: hub.RoleOwner}
	site, err := svc.CreateSite(ctx, actor, hub.NewSite{TenantID: tenant.ID, Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := svc.CreateKnowledgeEntry(ctx, actor, hub.NewKnowledgeEntry{SiteID: site.ID, Kind: hub.KnowledgeQA,
		Title: "Do you sell vouchers?", Body: "Yes, from $10."})
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingSearcher{KnowledgeSearcher: db}
	node1, node2 := &Builtin{Knowledge: db}, &Builtin{Knowledge: counter}
	ask := func(a *Builtin, msg string) hub.Decision {
		t.Helper()
		in := builtinInput("en", msg)
		in.Site = site
		return mustDecide(t, a, in)
	}
	for _, a := range []*Builtin{node1, node2} {
		if d := ask(a, "Do you sell gift cards?"); usedSource(d) != 0 {
			t.Fatalf("answered before the edit: %s", d.Trace.Decision)
		}
	}
	ask(node2, "Do you sell gift cards?")
	if counter.lists != 1 || counter.versions != 2 {
		t.Fatalf("node 2 listed %d times and read the version %d times; want 1 and 2", counter.lists, counter.versions)
	}
	giftCards := "Do you sell gift cards?"
	if _, err := svc.UpdateKnowledgeEntry(ctx, actor, e.ID, hub.KnowledgeUpdate{Title: &giftCards}); err != nil {
		t.Fatal(err)
	}
	for i, a := range []*Builtin{node1, node2} {
		if d := ask(a, "Do you sell gift cards?"); usedSource(d) != e.ID {
			t.Fatalf("node %d did not see the edit: %s", i+1, d.Trace.Decision)
		}
	}
	if counter.lists != 2 {
		t.Fatalf("node 2 listed %d times, want 2", counter.lists)
	}
}

// countingSearcher counts what is asked of a KnowledgeSearcher.
type countingSearcher struct {
	hub.KnowledgeSearcher
	lists, versions int
}

func (c *countingSearcher) FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*hub.KnowledgeEntry, error) {
	c.lists++
	return c.KnowledgeSearcher.FindKnowledgeEntries(ctx, siteID)
}

func (c *countingSearcher) KnowledgeVersion(ctx context.Context, siteID int64) (int64, error) {
	c.versions++
	return c.KnowledgeSearcher.KnowledgeVersion(ctx, siteID)
}
