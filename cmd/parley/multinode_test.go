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
	env := clusterEnv(t)
	a := startNode(t, env...)
	email, password := demoLogin(t, a)
	b := startNode(t, env...)
	siteKey := demoSiteKey(t, b)
	const origin = "http://dashboard.test" // the demo site allows the base URL's origin

	visitor := visitorFor(t, a, siteKey, origin)
	token := login(t, b, email, password)
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
