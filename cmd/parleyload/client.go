package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// frameTimeout bounds every single wait on the server during setup: a
// reply, a handshake, an HTTP call.
const frameTimeout = 10 * time.Second

type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// frameError is an error frame answering one of our frames.
type frameError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *frameError) Error() string { return e.Code + ": " + e.Message }

func postJSON(ctx context.Context, url string, header http.Header, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, out)
}

// conn is one protocol v1 websocket.
type conn struct {
	ws *websocket.Conn
}

func dial(ctx context.Context, url, origin string, header http.Header) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Origin", origin)
	ws, _, err := websocket.Dial(ctx, strings.Replace(url, "http", "ws", 1), &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &conn{ws: ws}
	if _, err := c.await(ctx, "hello", ""); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return c, nil
}

func (c *conn) send(ctx context.Context, typ, id string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	b, err := json.Marshal(frame{Type: typ, ID: id, Data: raw})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// await reads until a frame of type typ (with id, when given) arrives,
// skipping events. An error frame answering id is returned as a
// *frameError. Only use it while no other goroutine reads c.
func (c *conn) await(ctx context.Context, typ, id string) (frame, error) {
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			return frame{}, fmt.Errorf("waiting for %s: %w", typ, err)
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return frame{}, err
		}
		if f.Type == "error" && id != "" && f.ID == id {
			fe := &frameError{}
			if err := json.Unmarshal(f.Data, fe); err != nil {
				return f, fmt.Errorf("%s failed: %s", typ, f.Data)
			}
			return f, fe
		}
		if f.Type == typ && (id == "" || f.ID == id) {
			return f, nil
		}
	}
}

// call sends a frame and awaits its reply of type reply, sending it again
// while the server answers rate_limited, for at most a minute.
func (c *conn) call(ctx context.Context, typ, id string, data any, reply string) (frame, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		if err := c.send(ctx, typ, id, data); err != nil {
			return frame{}, err
		}
		f, err := c.await(ctx, reply, id)
		var fe *frameError
		if !errors.As(err, &fe) || fe.Code != "rate_limited" {
			return f, err
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return frame{}, fmt.Errorf("%s: still rate limited: %w", typ, ctx.Err())
		}
	}
}

// visitor starts a visit and opens an authenticated visitor socket.
func visitor(ctx context.Context, base, site, origin string) (*conn, error) {
	token, err := startVisit(ctx, base, site, origin)
	if err != nil {
		return nil, err
	}
	return visitorSocket(ctx, base, site, origin, token)
}

// startVisit starts a new visitor's visit and returns its token.
func startVisit(ctx context.Context, base, site, origin string) (string, error) {
	var start struct {
		Token string `json:"token"`
	}
	if err := postJSON(ctx, base+"/api/v1/sdk/visitors", http.Header{"Origin": {origin}}, map[string]string{"site": site}, &start); err != nil {
		return "", err
	}
	return start.Token, nil
}

// visitorSocket opens a visitor socket authenticated with token.
func visitorSocket(ctx context.Context, base, site, origin, token string) (*conn, error) {
	c, err := dial(ctx, base+"/ws/visitor?site="+site, origin, nil)
	if err != nil {
		return nil, err
	}
	if _, err := c.call(ctx, "auth", "a", map[string]string{"token": token}, "auth.ok"); err != nil {
		c.ws.CloseNow()
		return nil, err
	}
	return c, nil
}

// login signs the agent in and returns the session token, which works on
// every node.
func login(ctx context.Context, base, email, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if err := postJSON(ctx, base+"/api/v1/auth/login", nil, map[string]string{"email": email, "password": password}, &out); err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	return out.Token, nil
}

// agent opens an agent socket authenticated by the session cookie.
func agent(ctx context.Context, base, origin, token string) (*conn, error) {
	c, err := dial(ctx, base+"/ws/agent", origin, http.Header{"Cookie": {"parley_session=" + token}})
	if err != nil {
		return nil, fmt.Errorf("agent socket: %w", err)
	}
	if _, err := c.await(ctx, "auth.ok", ""); err != nil {
		c.ws.CloseNow()
		return nil, fmt.Errorf("agent auth: %w", err)
	}
	return c, nil
}

// drain reads and discards c's frames until it closes, so that the
// server's pings are answered.
func drain(c *conn) {
	for {
		if _, _, err := c.ws.Read(context.Background()); err != nil {
			return
		}
	}
}
