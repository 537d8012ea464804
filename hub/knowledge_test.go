package hub_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// knowledgeMember adds a member with role to the fixture's tenant.
func knowledgeMember(tb testing.TB, f *fixture, email string, role hub.Role) hub.Actor {
	tb.Helper()
	m, err := f.svc.AddMember(context.Background(), f.ownerA, hub.NewMember{TenantID: f.tenant.ID, Email: email,
		Password: "long enough", Role: role})
	if err != nil {
		tb.Fatal(err)
	}
	return hub.Actor{Kind: hub.ActorMember, ID: m.ID, TenantID: f.tenant.ID, Role: role}
}

func mustKnowledgeEntry(tb testing.TB, f *fixture, a hub.Actor, title, body string) *hub.KnowledgeEntry {
	tb.Helper()
	e, err := f.svc.CreateKnowledgeEntry(context.Background(), a, hub.NewKnowledgeEntry{SiteID: f.site.ID,
		Kind: hub.KnowledgeQA, Title: title, Body: body})
	if err != nil {
		tb.Fatalf("create knowledge %q: %v", title, err)
	}
	return e
}

func TestKnowledgeCreate(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	e, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA,
		Title: "  Как оформить возврат?\n", Body: "\tНапишите нам.  "})
	if err != nil {
		t.Fatal(err)
	}
	want := &hub.KnowledgeEntry{ID: e.ID, TenantID: f.tenant.ID, SiteID: f.site.ID, Kind: hub.KnowledgeQA,
		Title: "Как оформить возврат?", Body: "Напишите нам.", Language: "ru", Phrasings: []string{},
		CreatedAt: f.now, UpdatedAt: f.now}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("created %+v, want %+v", e, want)
	}
	got, err := f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("KnowledgeEntry = %+v, %v; want %+v", got, err, want)
	}
	found, err := f.svc.Store.SearchKnowledge(ctx, f.site.ID, "возвр", 5)
	if err != nil || len(found) != 1 || found[0].ID != e.ID {
		t.Fatalf("search after create = %v, %v; want the entry", found, err)
	}
	wantKnowledgeAudit(t, f, e, "knowledge.create")

	// Boundaries count characters, not bytes, after trimming.
	long := hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeArticle,
		Title: " " + strings.Repeat("я", hub.MaxKnowledgeTitle) + " ", Body: strings.Repeat("ё", hub.MaxKnowledgeBody)}
	if _, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, long); err != nil {
		t.Fatalf("entry at the limits refused: %v", err)
	}
	// The system (the command line) may write any workspace's knowledge.
	if _, err := f.svc.CreateKnowledgeEntry(ctx, hub.Actor{Kind: hub.ActorSystem},
		hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Q", Body: "A"}); err != nil {
		t.Fatalf("system create: %v", err)
	}
}

func TestKnowledgeValidation(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	ok := hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Question", Body: "Answer"}
	tests := map[string]func(in *hub.NewKnowledgeEntry){
		"no kind":       func(in *hub.NewKnowledgeEntry) { in.Kind = "" },
		"unknown kind":  func(in *hub.NewKnowledgeEntry) { in.Kind = "faq" },
		"kind case":     func(in *hub.NewKnowledgeEntry) { in.Kind = "QA" },
		"no title":      func(in *hub.NewKnowledgeEntry) { in.Title = "" },
		"blank title":   func(in *hub.NewKnowledgeEntry) { in.Title = " \n\t " },
		"long title":    func(in *hub.NewKnowledgeEntry) { in.Title = strings.Repeat("я", hub.MaxKnowledgeTitle+1) },
		"bad UTF-8":     func(in *hub.NewKnowledgeEntry) { in.Title = "ok \xff" },
		"NUL in title":  func(in *hub.NewKnowledgeEntry) { in.Title = "a\x00b" },
		"no body":       func(in *hub.NewKnowledgeEntry) { in.Body = "" },
		"blank body":    func(in *hub.NewKnowledgeEntry) { in.Body = "   " },
		"long body":     func(in *hub.NewKnowledgeEntry) { in.Body = strings.Repeat("ё", hub.MaxKnowledgeBody+1) },
		"bad UTF-8 too": func(in *hub.NewKnowledgeEntry) { in.Body = "\xc3\x28" },
		"NUL in body":   func(in *hub.NewKnowledgeEntry) { in.Body = "\x00" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			in := ok
			change(&in)
			_, err := f.svc.CreateKnowledgeEntry(ctx, f.ownerA, in)
			wantCode(t, err, hub.EInvalid)
		})
	}

	e := mustKnowledgeEntry(t, f, f.ownerA, "Question", "Answer")
	updates := map[string]hub.KnowledgeUpdate{
		"nothing":      {},
		"unknown kind": {Kind: ptr(hub.KnowledgeKind("faq"))},
		"blank title":  {Title: ptr("  ")},
		"long title":   {Title: ptr(strings.Repeat("x", hub.MaxKnowledgeTitle+1))},
		"empty body":   {Body: ptr("")},
		"bad UTF-8":    {Body: ptr("\xff")},
		"one bad":      {Title: ptr("Fine"), Body: ptr("")},
	}
	for name, in := range updates {
		t.Run("update "+name, func(t *testing.T) {
			_, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, in)
			wantCode(t, err, hub.EInvalid)
		})
	}
	got, err := f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("entry after refused updates = %+v, %v; want %+v", got, err, e)
	}
}

func TestKnowledgeUpdateAndDelete(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	e := mustKnowledgeEntry(t, f, f.ownerA, "How do I reset my password?", "Use the link.")
	created := f.now

	f.now = f.now.Add(time.Hour)
	got, err := f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, hub.KnowledgeUpdate{Title: ptr(" Two-factor sign-in ")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Two-factor sign-in" || got.Body != "Use the link." || got.Kind != hub.KnowledgeQA ||
		!got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(f.now) {
		t.Fatalf("after a title change: %+v", got)
	}
	got, err = f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, hub.KnowledgeUpdate{Kind: ptr(hub.KnowledgeArticle),
		Body: ptr("Open the authenticator app.")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Two-factor sign-in" || got.Body != "Open the authenticator app." || got.Kind != hub.KnowledgeArticle {
		t.Fatalf("after a kind and body change: %+v", got)
	}
	stored, err := f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID)
	if err != nil || !reflect.DeepEqual(stored, got) {
		t.Fatalf("stored %+v, %v; want %+v", stored, err, got)
	}
	for query, want := range map[string]int{"password": 0, "authenticator": 1, "factor": 1} {
		if found, err := f.svc.Store.SearchKnowledge(ctx, f.site.ID, query, 5); err != nil || len(found) != want {
			t.Errorf("search %q after update = %d entries, %v; want %d", query, len(found), err, want)
		}
	}
	wantKnowledgeAudit(t, f, e, "knowledge.create", "knowledge.update", "knowledge.update")

	if err := f.svc.DeleteKnowledgeEntry(ctx, f.ownerA, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID)
	wantCode(t, err, hub.ENotFound)
	wantCode(t, f.svc.DeleteKnowledgeEntry(ctx, f.ownerA, e.ID), hub.ENotFound)
	_, err = f.svc.UpdateKnowledgeEntry(ctx, f.ownerA, e.ID, hub.KnowledgeUpdate{Title: ptr("x")})
	wantCode(t, err, hub.ENotFound)
	if found, err := f.svc.Store.SearchKnowledge(ctx, f.site.ID, "authenticator", 5); err != nil || len(found) != 0 {
		t.Fatalf("search after delete = %v, %v; want nothing", found, err)
	}
	wantKnowledgeAudit(t, f, e, "knowledge.create", "knowledge.update", "knowledge.update", "knowledge.delete")
}

// TestKnowledgeRoles: every member reads, owners and admins write.
func TestKnowledgeRoles(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	admin := knowledgeMember(t, f, "admin@acme.test", hub.RoleAdmin)
	agent := knowledgeMember(t, f, "agent@acme.test", hub.RoleAgent)

	e := mustKnowledgeEntry(t, f, admin, "Shipping", "Two days.")
	if _, err := f.svc.UpdateKnowledgeEntry(ctx, admin, e.ID, hub.KnowledgeUpdate{Body: ptr("Three days.")}); err != nil {
		t.Fatalf("admin update: %v", err)
	}

	_, err := f.svc.CreateKnowledgeEntry(ctx, agent, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Q", Body: "A"})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.UpdateKnowledgeEntry(ctx, agent, e.ID, hub.KnowledgeUpdate{Body: ptr("One day.")})
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.DeleteKnowledgeEntry(ctx, agent, e.ID), hub.EForbidden)

	list, err := f.svc.KnowledgeEntries(ctx, agent, f.site.ID)
	if err != nil || len(list) != 1 || list[0].Body != "Three days." {
		t.Fatalf("agent list = %v, %v; want the admin's entry", list, err)
	}
	if got, err := f.svc.KnowledgeEntry(ctx, agent, e.ID); err != nil || got.ID != e.ID {
		t.Fatalf("agent read = %v, %v", got, err)
	}
	if err := f.svc.DeleteKnowledgeEntry(ctx, admin, e.ID); err != nil {
		t.Fatalf("admin delete: %v", err)
	}
	list, err = f.svc.KnowledgeEntries(ctx, f.ownerA, f.site.ID)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("list of an empty knowledge base = %#v, %v; want an empty list", list, err)
	}
}

// TestKnowledgeTenantIsolation: to anybody outside the workspace, its
// sites and entries do not exist, whatever their role.
func TestKnowledgeTenantIsolation(t *testing.T) {
	ctx := t.Context()
	f := mustFixture(t)
	e := mustKnowledgeEntry(t, f, f.ownerA, "Refund policy", "30 days.")
	otherTenant, otherOwner := mustTenant(t, f.svc, "Rival", "owner@rival.test")
	rival := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: otherTenant.ID, Role: hub.RoleOwner}
	rivalSite, err := f.svc.CreateSite(ctx, rival, hub.NewSite{TenantID: otherTenant.ID, Name: "Rival shop"})
	if err != nil {
		t.Fatal(err)
	}

	for name, a := range map[string]hub.Actor{"other tenant's owner": rival, "visitor": f.visitor,
		"assistant": {Kind: hub.ActorAssistant, TenantID: f.tenant.ID}} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.CreateKnowledgeEntry(ctx, a, hub.NewKnowledgeEntry{SiteID: f.site.ID, Kind: hub.KnowledgeQA, Title: "Q", Body: "A"})
			wantCode(t, err, hub.ENotFound)
			_, err = f.svc.KnowledgeEntries(ctx, a, f.site.ID)
			wantCode(t, err, hub.ENotFound)
			_, err = f.svc.KnowledgeEntry(ctx, a, e.ID)
			wantCode(t, err, hub.ENotFound)
			_, err = f.svc.UpdateKnowledgeEntry(ctx, a, e.ID, hub.KnowledgeUpdate{Title: ptr("Mine now")})
			wantCode(t, err, hub.ENotFound)
			wantCode(t, f.svc.DeleteKnowledgeEntry(ctx, a, e.ID), hub.ENotFound)
		})
	}
	// A foreign id and a missing one look the same.
	for _, siteID := range []int64{rivalSite.ID, rivalSite.ID + 1000} {
		_, err = f.svc.KnowledgeEntries(ctx, f.ownerA, siteID)
		if err == nil || err.Error() != "not_found: site not found" {
			t.Errorf("list of site %d = %v, want site not found", siteID, err)
		}
		_, err = f.svc.CreateKnowledgeEntry(ctx, f.ownerA, hub.NewKnowledgeEntry{SiteID: siteID, Kind: hub.KnowledgeQA, Title: "Q", Body: "A"})
		wantCode(t, err, hub.ENotFound)
	}
	_, err = f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID+1000)
	wantCode(t, err, hub.ENotFound)

	got, err := f.svc.KnowledgeEntry(ctx, f.ownerA, e.ID)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("entry after foreign attempts = %+v, %v; want %+v", got, err, e)
	}
	// The rival's own knowledge base is theirs alone.
	mine, err := f.svc.CreateKnowledgeEntry(ctx, rival, hub.NewKnowledgeEntry{SiteID: rivalSite.ID, Kind: hub.KnowledgeArticle, Title: "Refunds", Body: "None."})
	if err != nil {
		t.Fatal(err)
	}
	if mine.TenantID != otherTenant.ID {
		t.Fatalf("entry of tenant %d, want %d", mine.TenantID, otherTenant.ID)
	}
	list, err := f.svc.KnowledgeEntries(ctx, f.ownerA, f.site.ID)
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("own list = %v, %v; want only the own entry", list, err)
	}
}

// wantKnowledgeAudit checks the audit trail of an entry, oldest first.
func wantKnowledgeAudit(tb testing.TB, f *fixture, e *hub.KnowledgeEntry, actions ...string) {
	tb.Helper()
	audit, err := f.svc.Store.FindAuditEntries(context.Background(), hub.AuditFilter{TenantID: e.TenantID,
		Subject: "knowledge:" + itoa(e.ID), Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for i := len(audit) - 1; i >= 0; i-- {
		got = append(got, audit[i].Action)
		if audit[i].ActorKind != hub.ActorMember || audit[i].ActorID != f.owner.ID {
			tb.Errorf("audit entry %s by %s %d, want the owner", audit[i].Action, audit[i].ActorKind, audit[i].ActorID)
		}
	}
	if strings.Join(got, " ") != strings.Join(actions, " ") {
		tb.Fatalf("audit of %s = %q, want %q", "knowledge:"+itoa(e.ID), got, actions)
	}
}
