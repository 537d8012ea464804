package hub_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/hub/ratelimit"
	"github.com/parley-chat/parley/store/sqlite"
)

// published is one event a recorder saw.
type published struct {
	Topic string
	Event hub.Event
}

// recorder is a Publisher that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	events []published
}

func (r *recorder) Publish(_ context.Context, topic string, payload []byte) error {
	evs, err := hub.DecodeEvents(payload)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		r.events = append(r.events, published{topic, ev})
	}
	return nil
}

// take returns and forgets what was published so far.
func (r *recorder) take() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// fixture is a service on a fresh SQLite store with one tenant, its
// owner, a site and a visitor.
type fixture struct {
	svc     *hub.Service
	pub     *recorder
	now     time.Time
	tenant  *hub.Tenant
	owner   *hub.Member
	ownerA  hub.Actor
	site    *hub.Site
	visitor hub.Actor
}

func mustFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "parley.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	f := &fixture{pub: &recorder{}, now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	limits := ratelimit.NewMemory()
	limits.Clock = func() time.Time { return f.now }
	f.svc = &hub.Service{Store: db, Publisher: f.pub, Log: hubtest.Logger(tb), Secret: []byte("test-secret"),
		Clock: func() time.Time { return f.now }, Limits: limits}
	f.tenant, f.owner = mustTenant(tb, f.svc, "Acme", "owner@acme.test")
	f.ownerA = hub.Actor{Kind: hub.ActorMember, ID: f.owner.ID, TenantID: f.tenant.ID, Role: hub.RoleOwner}
	f.site, err = f.svc.CreateSite(ctx, f.ownerA, hub.NewSite{TenantID: f.tenant.ID, Name: "Shop", AllowedOrigins: []string{"https://shop.test"}})
	if err != nil {
		tb.Fatal(err)
	}
	visit, err := f.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: f.site.Key, Origin: "https://shop.test"})
	if err != nil {
		tb.Fatal(err)
	}
	if f.visitor, err = f.svc.VisitorActor(ctx, visit.Token); err != nil {
		tb.Fatal(err)
	}
	f.pub.take()
	return f
}

func mustTenant(tb testing.TB, svc *hub.Service, name, email string) (*hub.Tenant, *hub.Member) {
	tb.Helper()
	t, m, err := svc.CreateTenant(context.Background(), hub.NewAccount{TenantName: name, Email: email, Password: "correct horse"})
	if err != nil {
		tb.Fatal(err)
	}
	return t, m
}

func mustSend(tb testing.TB, svc *hub.Service, a hub.Actor, in hub.NewMessage) *hub.Message {
	tb.Helper()
	m, err := svc.SendMessage(context.Background(), a, in)
	if err != nil {
		tb.Fatalf("send %q: %v", in.Body, err)
	}
	return m
}

func mustConversation(tb testing.TB, svc *hub.Service, a hub.Actor, id int64) *hub.Conversation {
	tb.Helper()
	c, err := svc.Conversation(context.Background(), a, id)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := hub.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func topics(ps []published, eventType string) []string {
	var out []string
	for _, p := range ps {
		if p.Event.Type == eventType {
			out = append(out, p.Topic)
		}
	}
	return out
}
