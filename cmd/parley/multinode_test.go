package main

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
)

// clusterEnv returns the environment of a cluster on a fresh Postgres
// schema and a fresh Redis prefix, so parallel tests never meet.
func clusterEnv(tb testing.TB) []string {
	tb.Helper()
	pgURL, redisURL := hubtest.PostgresURL(tb), hubtest.RedisURL(tb)
	ctx := context.Background()
	schema := "parley_e2e_" + hub.RandomToken(6)
	schema = sanitize(schema)
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), pgURL)
		if err != nil {
			tb.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	u, err := url.Parse(pgURL)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return []string{"PARLEY_DATABASE_URL=" + u.String(), "PARLEY_REDIS_URL=" + redisURL,
		"PARLEY_REDIS_PREFIX=" + schema + ":", "PARLEY_BASE_URL=http://dashboard.test"}
}

// cluster is two nodes on one fresh Postgres schema and Redis prefix
// (clusterEnv and extra): a starts first, so it seeds the demo workspace,
// whose owner's login this holds.
type cluster struct {
	env             []string
	a, b            *testNode
	email, password string
}

func startCluster(tb testing.TB, extra ...string) cluster {
	tb.Helper()
	c := cluster{env: append(clusterEnv(tb), extra...)}
	c.a = startNode(tb, c.env...)
	c.email, c.password = demoLogin(tb, c.a)
	c.b = startNode(tb, c.env...)
	return c
}

// sanitize keeps a schema name to lower-case letters, digits and _.
func sanitize(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			out[i] = '_'
		}
	}
	return string(out)
}

// TestTwoNodesOnPostgresAndRedis: a visitor on node A and an agent on node
// B chat live; the agent disconnects, messages arrive meanwhile, and the
// agent reconnects to node A and receives exactly the missed ones, in
// order, without duplicates.
func TestTwoNodesOnPostgresAndRedis(t *testing.T) {
	c := startCluster(t)
	a, b := c.a, c.b
	siteKey := demoSiteKey(t, b)
	const origin = "http://dashboard.test" // the demo site allows the base URL's origin

	visitor := visitorFor(t, a, siteKey, origin)
	token := login(t, b, c.email, c.password)
	withoutAssistant(t, b, token)
	agent := agentFor(t, b, token)

	first := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "hello from A"})).Message
	conv := first.ConversationID
	agent.call("subscribe", "subscribed", map[string]any{"conversation_id": conv, "after_seq": 0})
	agent.call("send", "ack", map[string]any{"conversation_id": conv, "client_msg_id": "b1", "body": "hello from B"})
	if got := visitor.messageAfter(1); got.Body != "hello from B" {
		t.Fatalf("visitor on A got %+v", got)
	}
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "live to B"})
	if got := agent.messageAfter(2); got.Body != "live to B" || got.Seq != 3 {
		t.Fatalf("agent on B got %+v", got)
	}

	// The agent goes away; the visitor keeps writing.
	agent.conn.CloseNow()
	for i := range 5 {
		visitor.call("send", "ack", map[string]any{"client_msg_id": fmt.Sprintf("gap%d", i), "body": fmt.Sprintf("missed %d", i)})
	}

	// Back on the other node, resuming from the last seq it saw.
	again := agentFor(t, a, token)
	sub := decode[struct {
		Resync   bool          `json:"resync"`
		Messages []wireMessage `json:"messages"`
	}](t, again.call("subscribe", "subscribed", map[string]any{"conversation_id": conv, "after_seq": 3}))
	if sub.Resync || len(sub.Messages) != 5 {
		t.Fatalf("resume gave %d messages (resync %v), want the 5 missed", len(sub.Messages), sub.Resync)
	}
	for i, m := range sub.Messages {
		if m.Seq != int64(4+i) || m.Body != fmt.Sprintf("missed %d", i) {
			t.Fatalf("resumed message %d = %+v", i, m)
		}
	}
	// Live again, and nothing is delivered twice.
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v9", "body": "after resume"})
	if got := again.nextMessage(); got.Seq != 9 || got.Body != "after resume" {
		t.Fatalf("after resume the agent got %+v, want seq 9", got)
	}
}

// unreadOf waits for the client's next unread frame, passing over others.
func (c *client) unreadOf() (member, conv int64, count, conversations int) {
	c.tb.Helper()
	f, _ := c.await("unread", "")
	d := decode[struct {
		MemberID       int64 `json:"member_id"`
		ConversationID int64 `json:"conversation_id"`
		Count          int   `json:"count"`
		Totals         struct {
			Conversations int `json:"conversations"`
		} `json:"totals"`
	}](c.tb, f.Data)
	return d.MemberID, d.ConversationID, d.Count, d.Totals.Conversations
}

// TestMultiNodeUnreadPerMember: on two nodes sharing Postgres and Redis,
// a visitor's message reaches each member's sockets on both nodes as that
// member's own unread numbers, and a member reading on one node clears
// their count on their socket on the other node, never another member's.
func TestMultiNodeUnreadPerMember(t *testing.T) {
	c := startCluster(t)
	a, b := c.a, c.b
	siteKey := demoSiteKey(t, b)
	const origin = "http://dashboard.test"
	token := login(t, a, c.email, c.password)
	withoutAssistant(t, a, token)
	bobAuth := inboxUser(t, a, c.env, "bob@demo.test", "-tenant-id", "1", "-role", "agent", "-name", "Bob")
	var owner, bob struct{ ID int64 }
	do(t, "GET", a.URL+"/api/v1/me", bearer(token), nil, &owner)
	do(t, "GET", b.URL+"/api/v1/me", bobAuth, nil, &bob)

	ownerOnB, ownerOnA := agentFor(t, b, token), agentFor(t, a, token)
	bobOnA := agentFor(t, a, tokenOf(bobAuth))
	visitor := visitorFor(t, a, siteKey, origin)
	conv := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "hello"})).Message.ConversationID

	for name, c := range map[string]*client{"the owner on B": ownerOnB, "the owner on A": ownerOnA} {
		if m, cv, n, total := c.unreadOf(); m != owner.ID || cv != conv || n != 1 || total != 1 {
			t.Fatalf("%s got unread of member %d: conversation %d, count %d, total %d", name, m, cv, n, total)
		}
	}
	if m, _, n, _ := bobOnA.unreadOf(); m != bob.ID || n != 1 {
		t.Fatalf("Bob got unread of member %d, count %d", m, n)
	}

	// The owner reads on node B: their socket on node A hears it, Bob's
	// count stays.
	// The reader's own unread frame may come before or after read.ok.
	_, early := ownerOnB.await("read.ok", ownerOnB.send("read", map[string]any{"conversation_id": conv, "seq": 1}))
	if m, _, n, total := ownerOnA.unreadOf(); m != owner.ID || n != 0 || total != 0 {
		t.Fatalf("the owner on A after reading on B: member %d, count %d, total %d", m, n, total)
	}
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "still there?"})
	if m, _, n, total := bobOnA.unreadOf(); m != bob.ID || n != 2 || total != 2 {
		t.Fatalf("Bob after the owner read: member %d, count %d, total %d", m, n, total)
	}
	ownReadSeen := false
	for _, f := range early {
		if f.Type == "unread" {
			d := decode[struct {
				MemberID int64 `json:"member_id"`
				Count    int   `json:"count"`
			}](t, f.Data)
			if d.MemberID != owner.ID || d.Count != 0 {
				t.Fatalf("the owner on B, before read.ok: member %d, count %d, want 0", d.MemberID, d.Count)
			}
			ownReadSeen = true
		}
	}
	wants := []int{0, 1} // the owner's own read, then the second message
	if ownReadSeen {
		wants = wants[1:]
	}
	for _, want := range wants {
		if m, _, n, _ := ownerOnB.unreadOf(); m != owner.ID || n != want {
			t.Fatalf("the owner on B: member %d, count %d, want %d", m, n, want)
		}
	}
}
