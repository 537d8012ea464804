package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/store/sqlite"
)

// proxy forwards TCP connections from a local port to target until it is
// cut, which drops every connection, like a Redis restart or a network
// partition; restore listens on the same port again.
type proxy struct {
	tb     testing.TB
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	p := &proxy{tb: tb, target: target, addr: "127.0.0.1:0"}
	p.restore()
	tb.Cleanup(p.cut)
	return p
}

func (p *proxy) restore() {
	p.tb.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.tb.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func readyStatus(tb testing.TB, n *testNode) int {
	tb.Helper()
	resp, err := http.Get(n.URL + "/readyz")
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitReady polls /readyz until it answers want.
func waitReady(tb testing.TB, n *testNode, want int) {
	tb.Helper()
	waitUntil(tb, fmt.Sprintf("/readyz answers %d", want), func() (bool, any) {
		st := readyStatus(tb, n)
		return st == want, st
	})
}

// TestRedisOutage: while Redis is unreachable the node is not ready; when
// Redis is back, the node is ready again, connected clients are told to
// resume, and messages flow again. Nothing stops silently.
func TestRedisOutage(t *testing.T) {
	env := clusterEnv(t)
	u, err := url.Parse(hubtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	for i, kv := range env {
		if strings.HasPrefix(kv, "PARLEY_REDIS_URL=") {
			env[i] = "PARLEY_REDIS_URL=redis://" + p.addr + u.Path
		}
	}
	n := startNode(t, env...)
	email, password := demoLogin(t, n)
	siteKey := demoSiteKey(t, n)
	waitReady(t, n, 200)

	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	visitor := visitorFor(t, n, siteKey, "http://dashboard.test")
	first := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "before"})).Message
	agent := agentFor(t, n, token)
	agent.call("subscribe", "subscribed", map[string]any{"conversation_id": first.ConversationID, "after_seq": first.Seq})

	p.cut()
	waitReady(t, n, http.StatusServiceUnavailable)
	// Anyone may ask: the answer says states, never the causes.
	resp, err := http.Get(n.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != `{"checks":{"broker":"unavailable","store":"ok"},"status":"unavailable"}` {
		t.Fatalf("/readyz while Redis is away: %s", body)
	}
	// Writes still commit while Redis is away: the store is the truth.
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v2", "body": "during the outage"})

	p.restore()
	waitReady(t, n, 200)
	f, skipped := agent.await("resume", "")
	if !strings.Contains(string(f.Data), "reason") {
		t.Fatalf("resume frame %s", f.Data)
	}
	// The message written during the outage reaches the agent exactly once.
	seen := 0
	for _, s := range skipped {
		if s.Type == "message.created" && decode[wireMessage](t, s.Data).Seq == 2 {
			seen++
		}
	}
	visitor.call("send", "ack", map[string]any{"client_msg_id": "v3", "body": "after"})
	for {
		m := agent.nextMessage()
		if m.Seq == 2 {
			seen++
			continue
		}
		if m.Seq != 3 || m.Body != "after" {
			t.Fatalf("after the outage the agent got %+v", m)
		}
		break
	}
	if seen != 1 {
		t.Fatalf("the outage message reached the agent %d times, want once", seen)
	}
}

// TestRefusesNewerSchema: a binary meets a database migrated by a newer
// version and refuses to start, saying why.
func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_DATA_DIR=" + dir, "PARLEY_LOG_FORMAT=json"}
	if err := run(context.Background(), []string{"migrate"}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, sqlite.LatestVersion()+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	err = run(context.Background(), nil, append(env, "PARLEY_ADDR=127.0.0.1:0"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("serve on a newer schema: %v", err)
	}
}
