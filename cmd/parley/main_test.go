package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub/hubtest"
)

// testNode is a real parley server started through run on a free port.
type testNode struct {
	URL    string
	Origin string
	cancel context.CancelFunc
	done   chan error
	logs   *logLines
}

// logLines collects the JSON log lines a node writes.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]any
	wake  chan struct{}
}

func (l *logLines) add(line map[string]any) {
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// wait returns the first log line with the given message.
func (l *logLines) wait(tb testing.TB, message string) map[string]any {
	tb.Helper()
	deadline := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if line["message"] == message {
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("no log line %q", message)
		}
	}
}

func (l *logLines) find(message string) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if line["message"] == message {
			return line
		}
	}
	return nil
}

// startNode runs parley serve with env (KEY=VALUE) and waits until it
// listens. The node is stopped at the end of the test.
func startNode(tb testing.TB, env ...string) *testNode {
	tb.Helper()
	pr, pw := io.Pipe()
	logs := &logLines{wake: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				logs.add(line)
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	n := &testNode{cancel: cancel, done: make(chan error, 1), logs: logs}
	env = append([]string{"PARLEY_ADDR=127.0.0.1:0", "PARLEY_LOG_FORMAT=json", "PARLEY_LOG_LEVEL=debug",
		"PARLEY_DATA_DIR=" + tb.TempDir()}, env...)
	go func() {
		n.done <- run(ctx, nil, env, pw, io.Discard)
		pw.Close()
	}()
	line := logs.wait(tb, "listening")
	n.URL = "http://" + line["addr"].(string)
	n.Origin = line["base_url"].(string)
	tb.Cleanup(func() { n.stop(tb) })
	return n
}

func (n *testNode) stop(tb testing.TB) {
	n.cancel()
	select {
	case err := <-n.done:
		if err != nil {
			tb.Errorf("run returned %v", err)
		}
		n.done <- nil // later stops return at once
	case <-time.After(30 * time.Second):
		tb.Error("node did not stop within 30 s")
	}
}

// waitUntil polls check until it reports true, failing after hubtest.Wait.
func waitUntil(tb testing.TB, what string, check func() (bool, any)) {
	tb.Helper()
	deadline := time.Now().Add(hubtest.Wait)
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v (last %v)", what, hubtest.Wait, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// do sends a JSON request and decodes a JSON answer into out (if not nil).
func do(tb testing.TB, method, url string, header http.Header, body, out any) int {
	tb.Helper()
	status, _ := doHeaders(tb, method, url, header, body, out)
	return status
}

// frame is a protocol v1 frame.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// client is a websocket client speaking protocol v1.
type client struct {
	tb   testing.TB
	conn *websocket.Conn
	seq  int
}

func dial(tb testing.TB, url, origin string, header http.Header) *client {
	tb.Helper()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Origin", origin)
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.Wait)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, strings.Replace(url, "http://", "ws://", 1), &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	c := &client{tb: tb, conn: conn}
	tb.Cleanup(func() { conn.CloseNow() })
	if f := c.next(); f.Type != "hello" {
		tb.Fatalf("first frame is %s, want hello", f.Type)
	}
	return c
}

func (c *client) send(typ string, data any) string {
	c.tb.Helper()
	c.seq++
	id := fmt.Sprintf("r%d", c.seq)
	raw, err := json.Marshal(data)
	if err != nil {
		c.tb.Fatal(err)
	}
	b, _ := json.Marshal(frame{Type: typ, ID: id, Data: raw})
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.Wait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.tb.Fatalf("write %s: %v", typ, err)
	}
	return id
}

func (c *client) next() frame {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.Wait)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.tb.Fatalf("frame %q: %v", b, err)
	}
	return f
}

// await reads frames until one of type typ (and, if id is set, that id)
// arrives, failing on an error frame for id. Frames passed over are
// returned too, in order.
func (c *client) await(typ, id string) (frame, []frame) {
	c.tb.Helper()
	var skipped []frame
	for {
		f := c.next()
		if id != "" && f.ID == id && f.Type == "error" {
			c.tb.Fatalf("request %s failed: %s", id, f.Data)
		}
		if f.Type == typ && (id == "" || f.ID == id) {
			return f, skipped
		}
		skipped = append(skipped, f)
	}
}

// replyTo reads frames until the answer to request id, its reply or its
// error, and returns it with the frames passed over, in order.
func (c *client) replyTo(id string) (frame, []frame) {
	c.tb.Helper()
	var skipped []frame
	for {
		f := c.next()
		if f.ID == id {
			return f, skipped
		}
		skipped = append(skipped, f)
	}
}

// call sends a request and waits for its reply of type reply.
func (c *client) call(typ, reply string, data any) json.RawMessage {
	c.tb.Helper()
	f, _ := c.await(reply, c.send(typ, data))
	return f.Data
}

type wireMessage struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	Body           string `json:"body"`
	AuthorKind     string `json:"author_kind"`
	ClientMsgID    string `json:"client_msg_id"`
}

type wireConversation struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	TicketID int64  `json:"ticket_id"`
}

type wireTicket struct {
	ID             int64  `json:"id"`
	Ref            string `json:"ref"`
	Subject        string `json:"subject"`
	RequesterEmail string `json:"requester_email"`
	ConversationID int64  `json:"conversation_id"`
}

// listOf is the first page of a REST list (path under the node's URL,
// with its query), as auth sees it.
func listOf[T any](tb testing.TB, n *testNode, auth http.Header, path string) []T {
	tb.Helper()
	var out struct {
		Items []T `json:"items"`
	}
	if st := do(tb, "GET", n.URL+path, auth, nil, &out); st != 200 {
		tb.Fatalf("GET %s: status %d", path, st)
	}
	return out.Items
}

// conversationsOf lists the workspace's conversations, newest activity first.
func conversationsOf(tb testing.TB, n *testNode, auth http.Header) []wireConversation {
	tb.Helper()
	return listOf[wireConversation](tb, n, auth, "/api/v1/conversations")
}

// ticketsOf lists the workspace's tickets, newest first.
func ticketsOf(tb testing.TB, n *testNode, auth http.Header) []wireTicket {
	tb.Helper()
	return listOf[wireTicket](tb, n, auth, "/api/v1/tickets")
}

// bodiesOf is what the server holds in a conversation (its first page),
// failing unless it comes in seq order.
func bodiesOf(tb testing.TB, n *testNode, auth http.Header, conv int64) []string {
	tb.Helper()
	msgs := listOf[wireMessage](tb, n, auth, fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0", conv))
	var got []string
	for i, m := range msgs {
		if i > 0 && m.Seq <= msgs[i-1].Seq {
			tb.Fatalf("messages of %d out of seq order: %+v", conv, msgs)
		}
		got = append(got, m.Body)
	}
	return got
}

// checkServer checks that the server holds exactly want, in seq order.
func checkServer(tb testing.TB, n *testNode, auth http.Header, conv int64, want []string) {
	tb.Helper()
	if got := bodiesOf(tb, n, auth, conv); !slices.Equal(got, want) {
		tb.Fatalf("server holds %q, want %q", got, want)
	}
}

func decode[T any](tb testing.TB, raw json.RawMessage) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// nextMessage waits for the next message.created event.
func (c *client) nextMessage() wireMessage {
	c.tb.Helper()
	f, _ := c.await("message.created", "")
	return decode[wireMessage](c.tb, f.Data)
}

// messageAfter waits for a message.created with a seq above seq, passing
// over echoes of messages already seen.
func (c *client) messageAfter(seq int64) wireMessage {
	c.tb.Helper()
	for {
		m := c.nextMessage()
		if m.Seq > seq {
			return m
		}
	}
}

// visitorFor starts a visit on siteKey from origin and returns a visitor
// websocket, authenticated.
func visitorFor(tb testing.TB, n *testNode, siteKey, origin string) *client {
	tb.Helper()
	var start struct {
		Token string `json:"token"`
	}
	if st := do(tb, "POST", n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {origin}}, map[string]string{"site": siteKey}, &start); st != 200 {
		tb.Fatalf("start visitor: status %d", st)
	}
	c := dial(tb, n.URL+"/ws/visitor?site="+siteKey, origin, nil)
	c.call("auth", "auth.ok", map[string]string{"token": start.Token})
	return c
}

// login signs in and returns the session token.
func login(tb testing.TB, n *testNode, email, password string) string {
	tb.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if st := do(tb, "POST", n.URL+"/api/v1/auth/login", nil, map[string]string{"email": email, "password": password}, &out); st != 200 {
		tb.Fatalf("login %s: status %d", email, st)
	}
	return out.Token
}

// bearer is the header that authenticates a request with a session token.
func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// tokenOf is the session token of a bearer header.
func tokenOf(auth http.Header) string {
	return strings.TrimPrefix(auth.Get("Authorization"), "Bearer ")
}

// userHash is what a site's server sends with identify: HMAC-SHA256 of
// the external id with the site's identity secret, hex (docs/api.md
// "Visitor SDK").
func userHash(secret, externalID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(externalID))
	return hex.EncodeToString(mac.Sum(nil))
}

// agentFor opens an agent websocket authenticated by the session cookie.
func agentFor(tb testing.TB, n *testNode, token string) *client {
	tb.Helper()
	c := dial(tb, n.URL+"/ws/agent", n.Origin, http.Header{"Cookie": {"parley_session=" + token}})
	c.await("auth.ok", "")
	return c
}

// demoSiteID is the id of the demo workspace's site, its only one.
func demoSiteID(tb testing.TB, n *testNode, auth http.Header) int64 {
	tb.Helper()
	var sites struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if st := do(tb, "GET", n.URL+"/api/v1/sites", auth, nil, &sites); st != 200 || len(sites.Items) != 1 {
		tb.Fatalf("list sites: status %d, %+v", st, sites)
	}
	return sites.Items[0].ID
}

// withoutAssistant turns the demo site's assistant off through the REST
// API, for tests of the chat itself: they then see only what people write.
func withoutAssistant(tb testing.TB, n *testNode, token string) {
	tb.Helper()
	auth := bearer(token)
	url := fmt.Sprintf("%s/api/v1/sites/%d", n.URL, demoSiteID(tb, n, auth))
	if st := do(tb, "PATCH", url, auth, map[string]any{"assistant_enabled": false}, nil); st != 200 {
		tb.Fatalf("turn the assistant off: status %d", st)
	}
}
