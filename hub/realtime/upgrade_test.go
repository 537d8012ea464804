package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

func TestOriginRejectedBeforeUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	tests := []struct {
		name, path, origin string
		status             int
		code               string
	}{
		{"visitor foreign origin", "/ws/visitor?site=" + a.site.Key, "https://evil.example", 403, hub.EForbidden},
		{"visitor no origin", "/ws/visitor?site=" + a.site.Key, "", 403, hub.EForbidden},
		{"visitor dashboard origin", "/ws/visitor?site=" + a.site.Key, dashOrigin, 403, hub.EForbidden},
		{"visitor unknown site", "/ws/visitor?site=site_nope", siteOrigin, 404, hub.ENotFound},
		{"agent foreign origin", "/ws/agent", "https://evil.example", 403, hub.EForbidden},
		{"agent site origin", "/ws/agent", siteOrigin, 403, hub.EForbidden},
		{"agent no origin", "/ws/agent", "", 403, hub.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, resp, err := e.dial(tt.path, dialOpts{origin: tt.origin})
			if err == nil {
				conn.CloseNow()
				t.Fatal("upgraded, want a refusal")
			}
			if resp == nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q", ct)
			}
			body, _ := io.ReadAll(resp.Body)
			var p struct {
				Type, Title, Detail, Code string
				Status                    int
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if p.Code != tt.code || p.Status != tt.status || p.Type != "about:blank" || p.Title != http.StatusText(tt.status) {
				t.Errorf("problem %s", body)
			}
			if tt.status == 403 && p.Detail != "origin not allowed" {
				t.Errorf("detail %q", p.Detail)
			}
		})
	}
	if n := e.node.Sessions(); n != 0 {
		t.Errorf("%d sessions after refusals", n)
	}
}

func TestNotAnUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	req, _ := http.NewRequest("GET", "http://"+e.addr+"/ws/visitor?site="+a.site.Key, nil)
	req.Header.Set("Origin", siteOrigin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestBadHandshakeAnsweredOnHijackedConn: a request that passes the
// origin check but is not a valid websocket handshake gets a complete HTTP
// error written on the hijacked connection, which is then closed.
func TestBadHandshakeAnsweredOnHijackedConn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conn, err := net.DialTimeout("tcp", e.addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	req := "GET /ws/agent HTTP/1.1\r\nHost: " + e.addr + "\r\nOrigin: " + dashOrigin +
		"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" // no key, no version
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(conn) // returns when the server closes
	if err != nil {
		t.Fatalf("read: %v (%q)", err, resp)
	}
	if !strings.HasPrefix(string(resp), "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(string(resp), "Connection: close\r\n") {
		t.Fatalf("response %q", resp)
	}
	eventually(t, "no session left", func() bool { return e.node.Sessions() == 0 })
}

// TestUpgradeKeepsEarlyFrame: a client that sends its first frame with the
// handshake, before the 101, has it read, whether fasthttp's reader held
// it when the session took the socket over (handOff) or not (without
// Prepare the session reads through fasthttp's reader).
func TestUpgradeKeepsEarlyFrame(t *testing.T) {
	for _, prepare := range []bool{true, false} {
		t.Run(map[bool]string{true: "prepared", false: "without prepare"}[prepare], func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			if !prepare {
				opts = append(opts, withoutPrepare())
			}
			e := newEnv(t, opts...)
			a := e.newAccount()
			conn, err := net.DialTimeout("tcp", e.addr, testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			payload := `{"type":"history","id":"early","data":{"conversation_id":1}}`
			// A masked text frame; a zero mask key leaves the payload as is.
			frame := append([]byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
			req := "GET /ws/visitor?site=" + a.site.Key + " HTTP/1.1\r\nHost: " + e.addr + "\r\nOrigin: " + siteOrigin +
				"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
			if _, err := conn.Write(append([]byte(req), frame...)); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, nil)
			if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("handshake: %v %v", resp, err)
			}
			read := func() map[string]any {
				t.Helper()
				var h [4]byte
				if _, err := io.ReadFull(r, h[:2]); err != nil {
					t.Fatal(err)
				}
				n := int(h[1] & 0x7f)
				if n == 126 {
					if _, err := io.ReadFull(r, h[2:4]); err != nil {
						t.Fatal(err)
					}
					n = int(h[2])<<8 | int(h[3])
				}
				b := make([]byte, n)
				if _, err := io.ReadFull(r, b); err != nil {
					t.Fatal(err)
				}
				var f map[string]any
				if h[0] != 0x81 || json.Unmarshal(b, &f) != nil {
					t.Fatalf("frame %x %q", h[0], b)
				}
				return f
			}
			if f := read(); f["type"] != realtime.TypeHello {
				t.Fatalf("first frame %v", f)
			}
			f := read()
			if d, _ := f["data"].(map[string]any); f["type"] != realtime.TypeError || f["id"] != "early" || d["code"] != hub.EUnauthorized {
				t.Fatalf("reply to the early frame: %v", f)
			}
		})
	}
}

func TestHelloAndAuthRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)

	c := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
	// mustDial checked hello; check its content on a second socket.
	c2, _, err := e.dial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	_, b, err := c2.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hello := decode[struct {
		Type string
		Data struct {
			Protocol       int    `json:"protocol"`
			Node           string `json:"node"`
			PingIntervalMS int64  `json:"ping_interval_ms"`
		}
	}](t, b)
	if hello.Type != "hello" || hello.Data.Protocol != 1 || hello.Data.Node != e.node.NodeID() || hello.Data.PingIntervalMS != 25000 {
		t.Errorf("hello %s", b)
	}

	for _, typ := range []string{realtime.TypeSubscribe, realtime.TypeSend, realtime.TypeHistory, realtime.TypeRead, realtime.TypeTyping} {
		c.expectError(typ, "pre-"+typ, map[string]any{"conversation_id": conv.conv.ID, "body": "hi"}, hub.EUnauthorized)
	}
	c.expectError(realtime.TypeAuth, "bad", map[string]any{"token": "forged.token"}, hub.EUnauthorized)
	c.expectError(realtime.TypeAuth, "empty", map[string]any{}, hub.EUnauthorized)
	// A member session token is not a visitor token.
	c.expectError(realtime.TypeAuth, "member", map[string]any{"token": a.token}, hub.EUnauthorized)
	ok := c.request(realtime.TypeAuth, "good", map[string]any{"token": conv.visitorToken}, realtime.TypeAuthOK)
	got := decode[struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
	}](t, ok.Data)
	if got.Kind != "visitor" || got.ID != conv.visitor.ID {
		t.Errorf("auth.ok %s", ok.Data)
	}
	c.expectError(realtime.TypeAuth, "again", map[string]any{"token": conv.visitorToken}, hub.EInvalid)
	c.request(realtime.TypeSubscribe, "sub", map[string]any{"conversation_id": conv.conv.ID}, realtime.TypeSubscribed)
}

func TestAgentAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()

	t.Run("cookie", func(t *testing.T) {
		c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + a.token}}})
		f := c.next()
		if f.Type != realtime.TypeAuthOK {
			t.Fatalf("after hello: %s %s, want auth.ok", f.Type, f.Data)
		}
		got := decode[struct {
			Kind string `json:"kind"`
			ID   int64  `json:"id"`
		}](t, f.Data)
		if got.Kind != "agent" || got.ID != a.owner.ID {
			t.Errorf("auth.ok %s", f.Data)
		}
	})
	t.Run("bad cookie then token frame", func(t *testing.T) {
		c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=expired"}}})
		f := c.next()
		if f.Type != realtime.TypeError || errCode(t, f) != hub.EUnauthorized {
			t.Fatalf("after hello: %s %s, want an unauthorized error", f.Type, f.Data)
		}
		c.expectError(realtime.TypeHistory, "h", map[string]any{"conversation_id": 1}, hub.EUnauthorized)
		c.request(realtime.TypeAuth, "a", map[string]any{"token": a.token}, realtime.TypeAuthOK)
	})
}

func TestAuthTimeoutCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.AuthTimeout = 100 * time.Millisecond }))
	a := e.newAccount()
	c := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
	if code := c.closeStatus(testTimeout); code != websocket.StatusPolicyViolation {
		t.Fatalf("close status %d, want 1008", code)
	}
	eventually(t, "session gone", func() bool { return e.node.Sessions() == 0 })
}

func TestVisitorTokenOfAnotherSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	b := e.newAccount()
	otherSite := e.newSite(a, siteOrigin) // same tenant, same origin
	_, tokenB := e.newVisitor(b.site)
	_, tokenOther := e.newVisitor(otherSite)
	_, tokenA := e.newVisitor(a.site)

	c := e.mustDial("/ws/visitor?site="+a.site.Key, dialOpts{origin: siteOrigin})
	c.expectError(realtime.TypeAuth, "b", map[string]any{"token": tokenB}, hub.EUnauthorized)
	c.expectError(realtime.TypeAuth, "other", map[string]any{"token": tokenOther}, hub.EUnauthorized)
	c.request(realtime.TypeAuth, "a", map[string]any{"token": tokenA}, realtime.TypeAuthOK)
}

func TestRequestIDLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin, header: http.Header{
		"Cookie": {"parley_session=" + a.token}, "X-Request-Id": {"req-abc-123"}}})
	c.waitFor(realtime.TypeAuthOK, "")
	eventually(t, "authenticated log line", func() bool {
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, `"message":"authenticated"`) {
				return strings.Contains(line, `"request_id":"req-abc-123"`) && strings.Contains(line, `"kind":"agent"`) &&
					strings.Contains(line, `"member":`)
			}
		}
		return false
	})
}

// TestWidgetOriginOpensVisitorSockets: the widget's iframe runs on the
// hub's own origin, which may open visitor sockets for any site; other
// origins still may not.
func TestWidgetOriginOpensVisitorSockets(t *testing.T) {
	t.Parallel()
	const hubOrigin = "https://hub.example"
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.WidgetOrigins = []string{hubOrigin} }))
	a := e.newAccount()
	conn, _, err := e.dial("/ws/visitor?site="+a.site.Key, dialOpts{origin: hubOrigin})
	if err != nil {
		t.Fatalf("dial from the hub's origin: %v", err)
	}
	conn.CloseNow()
	if conn, resp, err := e.dial("/ws/visitor?site="+a.site.Key, dialOpts{origin: "https://evil.example"}); err == nil {
		conn.CloseNow()
		t.Fatal("foreign origin upgraded")
	} else if resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin: %v, %v", resp, err)
	}
}
