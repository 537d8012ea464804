package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub/hubtest"
)

// demoLogin returns the demo owner's email and password from the log.
func demoLogin(tb testing.TB, n *testNode) (string, string) {
	tb.Helper()
	line := n.logs.wait(tb, "created a demo workspace: sign in with this login (shown once)")
	return line["email"].(string), line["password"].(string)
}

// demoSiteKey reads the site key the /demo page embeds.
func demoSiteKey(tb testing.TB, n *testNode) string {
	tb.Helper()
	resp, err := http.Get(n.URL + "/demo")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/widget.js") {
		tb.Fatalf("/demo: status %d, body %q", resp.StatusCode, body)
	}
	key := regexp.MustCompile(`"(site_[A-Za-z0-9_-]+)"`).FindStringSubmatch(string(body))
	if key == nil {
		tb.Fatalf("/demo embeds no site key: %q", body)
	}
	return key[1]
}

func TestServeOnEmbeddedDefaults(t *testing.T) {
	n := startNode(t)
	if n.Origin != n.URL {
		t.Fatalf("default base URL %q, want the listening address %q", n.Origin, n.URL)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/nope": 404} {
		var body map[string]any
		if got := do(t, "GET", n.URL+path, nil, nil, &body); got != want {
			t.Errorf("GET %s = %d (%v), want %d", path, got, body, want)
		}
	}
	email, password := demoLogin(t, n)
	siteKey := demoSiteKey(t, n)

	// The demo site accepts the hub's own origin: a visitor and the owner chat live.
	token := login(t, n, email, password)
	withoutAssistant(t, n, token)
	agent := agentFor(t, n, token)
	visitor := visitorFor(t, n, siteKey, n.Origin)
	ack := decode[struct{ Message wireMessage }](t, visitor.call("send", "ack", map[string]any{"client_msg_id": "v1", "body": "Hello?"}))
	if ack.Message.Seq != 1 {
		t.Fatalf("ack = %+v", ack)
	}
	agent.call("subscribe", "subscribed", map[string]any{"conversation_id": ack.Message.ConversationID, "after_seq": 0})
	agent.call("send", "ack", map[string]any{"conversation_id": ack.Message.ConversationID, "client_msg_id": "a1", "body": "Hi there"})
	if got := visitor.messageAfter(1); got.Body != "Hi there" || got.Seq != 2 {
		t.Fatalf("visitor got %+v", got)
	}

	resp, err := http.Get(n.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`parley_connections_open{kind="visitor"} 1`, `parley_connections_open{kind="agent"} 1`,
		"parley_messages_persisted_total 2", "parley_publish_to_deliver_seconds_count"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// A graceful stop closes websockets with 1001 (going away).
	n.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.Wait)
	defer cancel()
	for {
		_, _, err := visitor.conn.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Fatalf("visitor socket closed with %v (%v), want 1001", got, err)
		}
		break
	}
	select {
	case err := <-n.done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
		n.done <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestDemoIsCreatedOnce(t *testing.T) {
	dir := t.TempDir()
	first := startNode(t, "PARLEY_DATA_DIR="+dir)
	demoLogin(t, first)
	first.stop(t)
	second := startNode(t, "PARLEY_DATA_DIR="+dir)
	second.logs.wait(t, "listening")
	if second.logs.find("created a demo workspace: sign in with this login (shown once)") != nil {
		t.Fatal("second start seeded the demo again")
	}
	demoSiteKey(t, second)
}

func TestAgentSocketRefusesOtherOrigins(t *testing.T) {
	n := startNode(t)
	email, password := demoLogin(t, n)
	token := login(t, n, email, password)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, strings.Replace(n.URL, "http", "ws", 1)+"/ws/agent", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://evil.test"}, "Cookie": {"parley_session=" + token}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial from another origin: err %v, response %v; want 403", err, resp)
	}
	// Cookie-authenticated changes from another origin are refused too.
	st := do(t, "POST", n.URL+"/api/v1/conversations/1/read", http.Header{"Origin": {"https://evil.test"}, "Cookie": {"parley_session=" + token}},
		map[string]int{"seq": 1}, nil)
	if st != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", st)
	}
}

func TestProblemBodies(t *testing.T) {
	n := startNode(t)
	var p struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		Detail    string `json:"detail"`
		RequestID string `json:"request_id"`
	}
	if st := do(t, "POST", n.URL+"/api/v1/auth/login", nil, map[string]string{"email": "x@y.test", "password": "nope nope"}, &p); st != 401 ||
		p.Code != "unauthorized" || p.Detail == "" || p.RequestID == "" {
		t.Fatalf("bad login: %d %+v", st, p)
	}
	if st := do(t, "GET", n.URL+"/api/v1/tickets", nil, nil, &p); st != 401 || p.Code != "unauthorized" {
		t.Fatalf("unauthenticated list: %d %+v", st, p)
	}
	if st := do(t, "POST", n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {"https://evil.test"}}, map[string]string{"site": "site_x"}, &p); st != 404 || p.Code != "not_found" {
		t.Fatalf("unknown site: %d %+v", st, p)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	err := run(context.Background(), nil, []string{"PARLEY_ADDR=nonsense"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PARLEY_ADDR") {
		t.Fatalf("run = %v, want an error naming PARLEY_ADDR", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}

// TestAdminListener (issue 12 §4): with PARLEY_ADMIN_ADDR, /metrics and
// pprof answer there and /metrics no longer on the public listener.
func TestAdminListener(t *testing.T) {
	n := startNode(t, "PARLEY_ADMIN_ADDR=127.0.0.1:0")
	addr := n.logs.wait(t, "admin listening: /metrics and /debug/pprof/")["addr"].(string)
	for url, want := range map[string]int{
		"http://" + addr + "/metrics":      200,
		"http://" + addr + "/debug/pprof/": 200,
		n.URL + "/metrics":                 404,
		n.URL + "/debug/pprof/":            404,
	} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
		if want == 200 && strings.HasSuffix(url, "/metrics") && !strings.Contains(string(body), "parley_") {
			t.Errorf("GET %s has no parley_ metrics", url)
		}
	}
}

// TestHealthcheck (issue 12 §5): `parley healthcheck` passes against a
// running node on PARLEY_ADDR and fails, saying why, when nothing answers.
func TestHealthcheck(t *testing.T) {
	n := startNode(t)
	addr := strings.TrimPrefix(n.URL, "http://")
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"healthcheck"}, []string{"PARLEY_ADDR=" + addr}, &out, &errOut); err != nil {
		t.Fatalf("healthcheck against a running node: %v (%s)", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), `ok: {"checks":{"broker":"ok","store":"ok"},"status":"ok"}`) {
		t.Fatalf("healthcheck printed %q", out.String())
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().String()
	l.Close()
	err = run(context.Background(), []string{"healthcheck", "-timeout", "2s"}, []string{"PARLEY_ADDR=" + free}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("healthcheck with no node: %v", err)
	}
}

// lockedBuffer is a strings.Builder for a writer on another goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFirstStartPrintsLogin (issue 12 §5): on a terminal (console logs),
// the first start prints the demo login as lines a person reads, besides
// the log line.
func TestFirstStartPrintsLogin(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, []string{"PARLEY_ADDR=127.0.0.1:0", "PARLEY_LOG_FORMAT=console", "PARLEY_DATA_DIR=" + t.TempDir()}, &out, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitUntil(t, "the login printed", func() (bool, any) {
		text := out.String()
		return strings.Contains(text, "Demo page:"), text
	})
	text := out.String()
	for _, want := range []string{"Parley is running.", "    Dashboard:   http://127.0.0.1:", "    Email:       owner@demo.parley.local", "    Password:    "} {
		if !strings.Contains(text, want) {
			t.Errorf("the first start printed no %q:\n%s", want, text)
		}
	}
}
