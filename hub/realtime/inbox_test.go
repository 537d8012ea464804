package realtime_test

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/realtime"
)

// mutedBroker drops what its node publishes on the presence topic while
// muted, as if the node had died (its sockets stay open).
type mutedBroker struct {
	hub.Broker
	muted atomic.Bool
}

func (b *mutedBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.muted.Load() && topic == "presence" {
		return nil
	}
	return b.Broker.Publish(ctx, topic, payload)
}

func (b *mutedBroker) PublishBatch(ctx context.Context, pubs []hub.Publication) error {
	if b.muted.Load() {
		pubs = slices.DeleteFunc(slices.Clone(pubs), func(p hub.Publication) bool { return p.Topic == "presence" })
	}
	return b.Broker.PublishBatch(ctx, pubs)
}

// secondAgent adds an agent to a's workspace and returns its session token.
func (e *env) secondAgent(a *account, email string) (*hub.Member, string) {
	e.t.Helper()
	ctx := context.Background()
	m, err := e.svc.AddMember(ctx, a.actor, hub.NewMember{TenantID: a.tenant.ID, Email: email, Name: "Second Agent", Password: "password123", Role: hub.RoleAgent})
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, email, "password123")
	if err != nil {
		e.t.Fatal(err)
	}
	return m, token
}

func (e *env) agentWithToken(token string) *client {
	e.t.Helper()
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + token}}})
	c.waitFor(realtime.TypeAuthOK, "")
	return c
}

// onlineSet follows what a client is told of presence: the presence.list
// after auth.ok, then presence events.
type onlineSet map[int64]bool

// apply reads frames until the set equals want; other frames stay pending.
func (c *client) awaitOnline(set onlineSet, want ...int64) {
	c.t.Helper()
	slices.Sort(want)
	matches := func() bool {
		var got []int64
		for m, on := range set {
			if on {
				got = append(got, m)
			}
		}
		slices.Sort(got)
		return slices.Equal(got, want)
	}
	for !matches() {
		f := c.take("presence", func(f frame) bool {
			return f.Type == hub.EventPresence || f.Type == realtime.TypePresenceList
		})
		if f.Type == realtime.TypePresenceList {
			clear(set)
			for _, m := range decode[struct{ Online []int64 }](c.t, f.Data).Online {
				set[m] = true
			}
			continue
		}
		p := decode[realtime.PresenceData](c.t, f.Data)
		set[p.MemberID] = p.Online
	}
}

// noFrameOf fails if a frame of one of types is pending or arrives before
// the reply to a history request the function sends.
func (c *client) noFrameOf(id string, conv int64, types ...string) {
	c.t.Helper()
	c.send(realtime.TypeHistory, id, map[string]any{"conversation_id": conv})
	_, before := c.until("", id)
	for _, f := range before {
		if slices.Contains(types, f.Type) {
			c.t.Fatalf("unexpected %s %s", f.Type, f.Data)
		}
	}
}

// TestClusterPresence: agents on either node of a cluster see who is
// online on any node; a new connection learns the current set at once;
// other workspaces and visitors learn nothing.
func TestClusterPresence(t *testing.T) {
	t.Parallel()
	cluster := broker.NewMemoryCluster()
	inCluster := withBroker(func(h hub.BrokerHandler) hub.Broker {
		return broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster})
	})
	e1 := newEnv(t, inCluster)
	e2 := newEnv(t, inCluster, withStore(e1.db))
	a := e1.newAccount()
	b := e1.newAccount()
	second, token := e1.secondAgent(a, "second@cluster.test")

	owner := e1.agent(a)
	ownerSet := onlineSet{}
	owner.awaitOnline(ownerSet, a.owner.ID)
	stranger := e2.agent(b)
	conv := startConversation(t, e1, a)
	visitor := e1.visitor(a.site, conv.visitorToken)

	agent2 := e2.agentWithToken(token)
	owner.awaitOnline(ownerSet, a.owner.ID, second.ID)
	agent2.awaitOnline(onlineSet{}, a.owner.ID, second.ID)
	// Asked again, the answer is the same snapshot.
	list := agent2.request(realtime.TypePresenceList, "p1", nil, realtime.TypePresenceList)
	if got := decode[struct{ Online []int64 }](t, list.Data).Online; !slices.Equal(got, sortedIDs(a.owner.ID, second.ID)) {
		t.Fatalf("presence.list = %v", got)
	}
	if got := e2.node.OnlineMembers(a.tenant.ID); !slices.Equal(got, sortedIDs(a.owner.ID, second.ID)) {
		t.Fatalf("OnlineMembers on node 2 = %v", got)
	}

	agent2.conn.CloseNow()
	owner.awaitOnline(ownerSet, a.owner.ID)
	eventually(t, "node 1 forgets the second agent", func() bool {
		return slices.Equal(e1.node.OnlineMembers(a.tenant.ID), []int64{a.owner.ID})
	})

	// The other workspace saw only itself, the visitor nothing.
	stranger.send(realtime.TypeHistory, "s1", map[string]any{"conversation_id": 1})
	_, before := stranger.until("", "s1")
	for _, f := range before {
		if f.Type == hub.EventPresence && decode[realtime.PresenceData](t, f.Data).MemberID != b.owner.ID {
			t.Fatalf("another workspace's agent was told %s", f.Data)
		}
	}
	if got := e2.node.OnlineMembers(b.tenant.ID); !slices.Equal(got, []int64{b.owner.ID}) {
		t.Fatalf("other workspace online = %v", got)
	}
	visitor.noFrameOf("v1", conv.conv.ID, hub.EventPresence, realtime.TypePresenceList)
	visitor.expectError(realtime.TypePresenceList, "v2", nil, hub.EForbidden)
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

// TestPresenceExpires: a node that stops telling (dead, or cut off) has
// its members taken offline after three presence intervals; when it is
// heard again, they come back.
func TestPresenceExpires(t *testing.T) {
	t.Parallel()
	cluster := broker.NewMemoryCluster()
	fast := withConfig(func(c *realtime.Config) { c.PresenceInterval = 50 * time.Millisecond })
	e1 := newEnv(t, fast, withBroker(func(h hub.BrokerHandler) hub.Broker {
		return broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster})
	}))
	muted := &mutedBroker{}
	e2 := newEnv(t, fast, withStore(e1.db), withBroker(func(h hub.BrokerHandler) hub.Broker {
		muted.Broker = broker.NewMemory(h, broker.MemoryConfig{Cluster: cluster})
		return muted
	}))
	a := e1.newAccount()
	second, token := e1.secondAgent(a, "second@expiry.test")
	owner := e1.agent(a)
	set := onlineSet{}
	owner.awaitOnline(set, a.owner.ID)
	e2.agentWithToken(token)
	owner.awaitOnline(set, a.owner.ID, second.ID)

	muted.muted.Store(true)
	start := time.Now()
	owner.awaitOnline(set, a.owner.ID)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("offline after %v, before the TTL of three intervals", d)
	}
	muted.muted.Store(false)
	owner.awaitOnline(set, a.owner.ID, second.ID)
}

// TestViewing: agents subscribed to a conversation see who else has it
// open, both ways; leaving (unsubscribe, close) is told; visitors never
// see it; another workspace cannot view, type in or subscribe to it.
func TestViewing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	second, token := e.secondAgent(a, "second@viewing.test")
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	visitor := e.visitor(a.site, conv.visitorToken)
	subscribe(t, visitor, id, 0)

	owner := e.agent(a)
	subscribe(t, owner, id, 0)
	agent2 := e.agentWithToken(token)
	subscribe(t, agent2, id, 0)

	viewing := func(c *client, member int64, on bool) hub.ViewingData {
		t.Helper()
		f := c.take("viewing", func(f frame) bool {
			if f.Type != hub.EventViewing {
				return false
			}
			d := decode[hub.ViewingData](t, f.Data)
			return d.MemberID == member && d.Viewing == on
		})
		d := decode[hub.ViewingData](t, f.Data)
		if d.ConversationID != id {
			t.Fatalf("viewing of conversation %d, want %d", d.ConversationID, id)
		}
		return d
	}
	owner.send(realtime.TypeViewing, "", map[string]any{"conversation_id": id, "viewing": true})
	if d := viewing(agent2, a.owner.ID, true); d.Name != a.owner.Name || d.Reply {
		t.Fatalf("owner's arrival: %+v", d)
	}
	agent2.send(realtime.TypeViewing, "", map[string]any{"conversation_id": id, "viewing": true})
	if d := viewing(owner, second.ID, true); d.Name != "Second Agent" || d.Reply {
		t.Fatalf("second's arrival: %+v", d)
	}
	// The owner's session answers the arrival, so the newcomer sees it
	// even had it missed the first event.
	if d := viewing(agent2, a.owner.ID, true); !d.Reply {
		t.Fatalf("answer to the arrival: %+v", d)
	}

	agent2.request(realtime.TypeUnsubscribe, "u1", map[string]any{"conversation_id": id}, realtime.TypeUnsubscribed)
	viewing(owner, second.ID, false)
	agent2.request(realtime.TypeSubscribe, "s2", map[string]any{"conversation_id": id}, realtime.TypeSubscribed)
	agent2.send(realtime.TypeViewing, "", map[string]any{"conversation_id": id, "viewing": true})
	viewing(owner, second.ID, true)
	owner.conn.CloseNow()
	viewing(agent2, a.owner.ID, false)

	// The visitor heard none of it, and may not say it.
	visitor.noFrameOf("h1", id, hub.EventViewing, hub.EventPresence)
	visitor.expectError(realtime.TypeViewing, "v1", map[string]any{"conversation_id": id, "viewing": true}, hub.EForbidden)

	// Another workspace's agent gets not_found for everything of it.
	stranger := e.agent(e.newAccount())
	stranger.expectError(realtime.TypeViewing, "x1", map[string]any{"conversation_id": id, "viewing": true}, hub.ENotFound)
	stranger.expectError(realtime.TypeTyping, "x2", map[string]any{"conversation_id": id, "typing": true}, hub.ENotFound)
	stranger.expectError(realtime.TypeSubscribe, "x3", map[string]any{"conversation_id": id}, hub.ENotFound)
	agent2.noFrameOf("h2", id, hub.EventTyping)
	agent2.expectError(realtime.TypeViewing, "bad", map[string]any{"viewing": true}, hub.EInvalid)
}
