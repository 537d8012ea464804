package realtime_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// closeOf reads until the socket closes and returns its close frame.
func (c *client) closeOf() websocket.CloseError {
	c.t.Helper()
	for {
		_, err := c.read(testTimeout)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("socket ended without a close frame: %v", err)
		}
		return ce
	}
}

// wantChatClosed checks that the socket closes with 4003 and reason.
func (c *client) wantChatClosed(reason string) {
	c.t.Helper()
	if ce := c.closeOf(); ce.Code != realtime.CloseChatUnavailable || ce.Reason != reason {
		c.t.Fatalf("closed with %d %q, want %d %q", ce.Code, ce.Reason, realtime.CloseChatUnavailable, reason)
	}
}

// stillOpen checks that the socket answers a frame.
func (c *client) stillOpen(id string) {
	c.t.Helper()
	c.request(realtime.TypeConversations, id, map[string]any{}, realtime.TypeConversations)
}

// verifiedVisitor starts a visitor the site identified and returns its token.
func (e *env) verifiedVisitor(site *hub.Site, externalID string) string {
	e.t.Helper()
	mac := hmac.New(sha256.New, []byte(site.IdentitySecret))
	mac.Write([]byte(externalID))
	visit, err := e.svc.StartVisitor(context.Background(), hub.VisitorStart{SiteKey: site.Key, Origin: site.AllowedOrigins[0],
		Identity: &hub.Identity{ExternalID: externalID, UserHash: hex.EncodeToString(mac.Sum(nil))}})
	if err != nil || !visit.Verified {
		e.t.Fatalf("verified visit: %+v, %v", visit, err)
	}
	return visit.Token
}

// TestOpenSocketsFollowTheGate: a change of a site (through the Service,
// as the dashboard makes it) or of its workspace's plan closes the open
// visitor sockets the new gate refuses, with 4003 and the reason; a
// socket of another workspace's site, and a verified visitor on a site
// turned verified-only, stay and keep working.
func TestOpenSocketsFollowTheGate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	others := e.newAccount()
	_, otherToken := e.newVisitor(others.site)
	other := e.visitor(others.site, otherToken)
	yes, no := true, false
	tests := []struct {
		name   string
		change func(a *account)
		reason string
	}{
		{"paused", func(a *account) { e.updateSite(a, hub.SiteUpdate{Paused: &yes}) }, hub.ReasonWidgetPaused},
		{"widget removed", func(a *account) { e.updateSite(a, hub.SiteUpdate{WidgetEnabled: &no}) }, hub.ReasonWidgetDisabled},
		{"verified only", func(a *account) { e.updateSite(a, hub.SiteUpdate{VerifiedOnly: &yes}) }, hub.ReasonVerifiedOnly},
		{"origin removed", func(a *account) {
			e.updateSite(a, hub.SiteUpdate{AllowedOrigins: &[]string{"https://elsewhere.example"}})
		}, hub.ReasonSiteNotMapped},
		{"plan downgraded", func(a *account) {
			if _, err := e.svc.SetPlan(ctx, hub.Actor{Kind: hub.ActorSystem}, a.tenant.ID, hub.PlanStandard); err != nil {
				t.Fatal(err)
			}
		}, hub.ReasonFeatureLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.newAccount()
			_, token := e.newVisitor(a.site)
			c := e.visitor(a.site, token)
			c.stillOpen("before")
			verified := e.visitor(a.site, e.verifiedVisitor(a.site, "u-1"))
			tt.change(a)
			c.wantChatClosed(tt.reason)
			if tt.reason == hub.ReasonVerifiedOnly {
				verified.stillOpen("verified stays")
			} else {
				verified.wantChatClosed(tt.reason)
			}
			other.stillOpen("other site " + tt.name)
			// A new socket is refused too: a page no longer allowed at
			// the handshake (403), a chat closed to everybody right after
			// it, an unverified visitor at auth.
			if tt.reason == hub.ReasonSiteNotMapped {
				if _, resp, err := e.dial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin}); err == nil || resp == nil || resp.StatusCode != 403 {
					t.Fatalf("a page no longer allowed opened a socket: %v", err)
				}
				return
			}
			n := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
			if tt.reason == hub.ReasonVerifiedOnly {
				n.send(realtime.TypeAuth, "auth", map[string]any{"token": token})
				f := n.waitFor(realtime.TypeError, "auth")
				if d := decode[struct{ Code, Reason string }](t, f.Data); d.Code != hub.EUnauthorized || d.Reason != hub.ReasonVerifiedOnly {
					t.Fatalf("auth refused with %+v", d)
				}
			}
			n.wantChatClosed(tt.reason)
		})
	}
}

func (e *env) updateSite(a *account, in hub.SiteUpdate) {
	e.t.Helper()
	if _, err := e.svc.UpdateSite(context.Background(), a.actor, a.site.ID, in); err != nil {
		e.t.Fatal(err)
	}
}

// TestFrameRefusedBeforeClose: a frame that arrives after the node took a
// new gate, before the node's handler closed the socket, is refused with
// the gate's error and nothing of it is done; the socket then closes with
// 4003.
func TestFrameRefusedBeforeClose(t *testing.T) {
	e := newEnv(t)
	a := e.newAccount()
	_, token := e.newVisitor(a.site)
	c := e.visitor(a.site, token)
	g, err := e.svc.SiteGate(context.Background(), a.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	g.Version++
	g.Paused = true
	if !e.node.KeepGateForTest(g) {
		t.Fatal("the node keeps no gate for the site")
	}
	c.send(realtime.TypeSend, "m1", map[string]any{"client_msg_id": "c1", "body": "still there?"})
	f := c.waitFor(realtime.TypeError, "m1")
	d := decode[struct{ Code, Reason string }](t, f.Data)
	if d.Code != hub.EForbidden || d.Reason != hub.ReasonWidgetPaused {
		t.Fatalf("refused with %+v, want forbidden WIDGET_PAUSED", d)
	}
	c.wantChatClosed(hub.ReasonWidgetPaused)
	convs, err := e.db.FindConversations(context.Background(), hub.ConversationFilter{TenantID: a.tenant.ID, Limit: 10})
	if err != nil || len(convs) != 0 {
		t.Fatalf("the refused frame stored something: %+v, %v", convs, err)
	}
}

// countingStore counts the reads of sites and workspaces, in and out of
// transactions.
type countingStore struct {
	hub.Store
	reads *atomic.Int64
}

type countingQueries struct {
	hub.Queries
	reads *atomic.Int64
}

func (s countingStore) Tx(ctx context.Context, fn func(q hub.Queries) error) error {
	return s.Store.Tx(ctx, func(q hub.Queries) error { return fn(countingQueries{q, s.reads}) })
}

func (s countingStore) FindSiteByID(ctx context.Context, id int64) (*hub.Site, error) {
	s.reads.Add(1)
	return s.Store.FindSiteByID(ctx, id)
}

func (s countingStore) FindSiteByKey(ctx context.Context, key string) (*hub.Site, error) {
	s.reads.Add(1)
	return s.Store.FindSiteByKey(ctx, key)
}

func (s countingStore) FindTenantByID(ctx context.Context, id int64) (*hub.Tenant, error) {
	s.reads.Add(1)
	return s.Store.FindTenantByID(ctx, id)
}

func (q countingQueries) FindSiteByID(ctx context.Context, id int64) (*hub.Site, error) {
	q.reads.Add(1)
	return q.Queries.FindSiteByID(ctx, id)
}

func (q countingQueries) FindSiteByKey(ctx context.Context, key string) (*hub.Site, error) {
	q.reads.Add(1)
	return q.Queries.FindSiteByKey(ctx, key)
}

func (q countingQueries) FindTenantByID(ctx context.Context, id int64) (*hub.Tenant, error) {
	q.reads.Add(1)
	return q.Queries.FindTenantByID(ctx, id)
}

// TestNoStoreReadPerFrame: once a visitor socket is authenticated, its
// frames are checked against the gate in memory: sending, typing, reading
// and paging read neither the site nor its workspace, yet a pause stops
// them at once.
func TestNoStoreReadPerFrame(t *testing.T) {
	var reads atomic.Int64
	e := newEnv(t, withStoreWrapper(func(s hub.Store) hub.Store { return countingStore{s, &reads} }))
	a := e.newAccount()
	_, token := e.newVisitor(a.site)
	c := e.visitor(a.site, token)
	ack := decode[struct{ Message message }](t, c.request(realtime.TypeSend, "m0", map[string]any{"client_msg_id": "c0", "body": "hello"},
		realtime.TypeAck).Data)
	conv := ack.Message.ConversationID
	before := reads.Load()
	for i := range 5 {
		id := string(rune('a' + i))
		c.request(realtime.TypeSend, "s"+id, map[string]any{"conversation_id": conv, "client_msg_id": "c" + id, "body": "more " + id},
			realtime.TypeAck)
		c.send(realtime.TypeTyping, "", map[string]any{"conversation_id": conv, "typing": true})
		c.request(realtime.TypeRead, "r"+id, map[string]any{"conversation_id": conv, "seq": 1}, realtime.TypeReadOK)
		c.request(realtime.TypeHistory, "h"+id, map[string]any{"conversation_id": conv}, realtime.TypeHistory)
	}
	if got := reads.Load() - before; got != 0 {
		t.Fatalf("20 frames read the site or its workspace %d times, want 0", got)
	}
	// Nor does a handshake of a site whose gate the node keeps, and the
	// gate it uses is current: a page just allowed opens a socket.
	_, token2 := e.newVisitor(a.site)
	const added = "https://new.example"
	e.updateSite(a, hub.SiteUpdate{AllowedOrigins: &[]string{siteOrigin, added}})
	c.stillOpen("still allowed")
	before = reads.Load()
	e.visitor(a.site, token2).stillOpen("second socket")
	e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: added}) // 403 with a stale gate
	if got := reads.Load() - before; got != 0 {
		t.Fatalf("2 handshakes read the site or its workspace %d times, want 0", got)
	}
	yes := true
	e.updateSite(a, hub.SiteUpdate{Paused: &yes})
	c.wantChatClosed(hub.ReasonWidgetPaused)
}

// TestGateCaughtUpAfterLostEvent: a change whose event never arrives (here
// written to the store without the Service, as a lost publish leaves it)
// reaches the open sockets with the node's periodic re-read.
func TestGateCaughtUpAfterLostEvent(t *testing.T) {
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = 50 * time.Millisecond }))
	a := e.newAccount()
	_, token := e.newVisitor(a.site)
	c := e.visitor(a.site, token)
	site := *a.site
	site.WidgetEnabled = false
	if err := e.db.UpdateSite(context.Background(), &site); err != nil {
		t.Fatal(err)
	}
	c.wantChatClosed(hub.ReasonWidgetDisabled)
}

// TestGateCaughtUpOnBrokerReset: when the node's broker subscription was
// reset (events may have been lost), it reads the gates again at once.
func TestGateCaughtUpOnBrokerReset(t *testing.T) {
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = time.Hour }))
	a := e.newAccount()
	_, token := e.newVisitor(a.site)
	c := e.visitor(a.site, token)
	site := *a.site
	site.Paused = true
	if err := e.db.UpdateSite(context.Background(), &site); err != nil {
		t.Fatal(err)
	}
	e.node.HandleReset()
	c.wantChatClosed(hub.ReasonWidgetPaused)
}

// TestStaleGateIgnored: a gate event older than the one kept (events from
// two nodes crossing) changes nothing.
func TestStaleGateIgnored(t *testing.T) {
	e := newEnv(t)
	a := e.newAccount()
	_, token := e.newVisitor(a.site)
	c := e.visitor(a.site, token)
	g, err := e.svc.SiteGate(context.Background(), a.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale := g
	stale.Paused = true
	if e.node.KeepGateForTest(stale) {
		t.Fatal("a gate of the same version replaced the one kept")
	}
	stale.Version--
	if e.node.KeepGateForTest(stale) {
		t.Fatal("an older gate replaced the one kept")
	}
	c.stillOpen("after stale gates")
}
