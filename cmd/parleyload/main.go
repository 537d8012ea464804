// Command parleyload measures a running Parley cluster from the outside,
// through its public HTTP and websocket API, on this machine only.
//
//	parleyload idle    -url URL -site KEY -origin ORIGIN -n 10000
//	parleyload latency -a URL -b URL -site KEY -origin ORIGIN -email E -password P -n 2000
//
// idle opens n visitor websockets, authenticates them, lets them sit, and
// reports how much the server's resident memory grew per connection (read
// from its /metrics). latency sends messages from a visitor on node a and
// times their arrival at an agent on node b, reporting p50/p90/p99.
// Every loop is bounded in count and time, and targets only the URLs given.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parleyload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: parleyload idle|latency [flags]")
	}
	raiseFileLimit()
	switch args[0] {
	case "idle":
		return idle(ctx, args[1:], out)
	case "latency":
		return latency(ctx, args[1:], out)
	}
	return fmt.Errorf("unknown command %q: use idle or latency", args[0])
}

// raiseFileLimit lifts the soft open-file limit to the hard one: each
// websocket is a file descriptor.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

func postJSON(ctx context.Context, url string, header http.Header, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header = header.Clone()
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
	if resp.StatusCode != 200 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, out)
}

// conn is one protocol v1 websocket.
type conn struct {
	ws *websocket.Conn
}

func dial(ctx context.Context, url, origin string, header http.Header) (*conn, error) {
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
	return c.ws.Write(ctx, websocket.MessageText, b)
}

func (c *conn) await(ctx context.Context, typ, id string) (frame, error) {
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			return frame{}, err
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return frame{}, err
		}
		if f.Type == "error" && id != "" && f.ID == id {
			return f, fmt.Errorf("%s failed: %s", typ, f.Data)
		}
		if f.Type == typ && (id == "" || f.ID == id) {
			return f, nil
		}
	}
}

// visitor starts a visit and opens an authenticated visitor socket.
func visitor(ctx context.Context, base, site, origin string) (*conn, error) {
	var start struct {
		Token string `json:"token"`
	}
	if err := postJSON(ctx, base+"/api/v1/sdk/visitors", http.Header{"Origin": {origin}}, map[string]string{"site": site}, &start); err != nil {
		return nil, err
	}
	c, err := dial(ctx, base+"/ws/visitor?site="+site, origin, nil)
	if err != nil {
		return nil, err
	}
	if err := c.send(ctx, "auth", "a", map[string]string{"token": start.Token}); err != nil {
		return nil, err
	}
	if _, err := c.await(ctx, "auth.ok", "a"); err != nil {
		return nil, err
	}
	return c, nil
}

// residentBytes reads process_resident_memory_bytes from /metrics.
func residentBytes(ctx context.Context, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, errors.New("no process_resident_memory_bytes in /metrics")
}

func idle(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "node URL (loopback only)")
	site := fs.String("site", "", "site key")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	n := fs.Int("n", 10000, "connections to open")
	settle := fs.Duration("settle", 10*time.Second, "how long the connections sit idle before measuring")
	workers := fs.Int("workers", 32, "connections opened at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" {
		return errors.New("-site is required")
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	before, err := residentBytes(ctx, *base)
	if err != nil {
		return err
	}
	conns := make([]*conn, *n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *n || ctx.Err() != nil {
					return
				}
				c, err := visitor(ctx, *base, *site, *origin)
				if err != nil {
					if failed.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "first failure:", err)
					}
					continue
				}
				conns[i] = c
				// Keep reading so pings are answered; idle otherwise.
				go func() {
					for {
						if _, _, err := c.ws.Read(context.Background()); err != nil {
							return
						}
					}
				}()
			}
		}()
	}
	wg.Wait()
	opened := *n - int(failed.Load())
	fmt.Fprintf(out, "opened %d connections (%d failed) in %s\n", opened, failed.Load(), time.Since(start).Round(time.Millisecond))
	select {
	case <-time.After(*settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := residentBytes(ctx, *base)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server RSS before %.1f MiB, after %.1f MiB: %.1f KiB per idle websocket\n",
		before/(1<<20), after/(1<<20), (after-before)/float64(max(opened, 1))/1024)
	for _, c := range conns {
		if c != nil {
			c.ws.Close(websocket.StatusNormalClosure, "")
		}
	}
	return nil
}

func latency(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	a := fs.String("a", "http://127.0.0.1:8081", "node the visitor sends through")
	b := fs.String("b", "http://127.0.0.1:8082", "node the agent receives on")
	site := fs.String("site", "", "site key")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	dashOrigin := fs.String("dashboard-origin", "", "the dashboard origin of node b (default: -origin)")
	email := fs.String("email", "", "agent email")
	password := fs.String("password", "", "agent password")
	n := fs.Int("n", 2000, "messages to send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" || *email == "" || *password == "" {
		return errors.New("-site, -email and -password are required")
	}
	if *dashOrigin == "" {
		*dashOrigin = *origin
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	var login struct {
		Token string `json:"token"`
	}
	if err := postJSON(ctx, *b+"/api/v1/auth/login", nil, map[string]string{"email": *email, "password": *password}, &login); err != nil {
		return err
	}
	v, err := visitor(ctx, *a, *site, *origin)
	if err != nil {
		return err
	}
	defer v.ws.CloseNow()
	// The first message creates the conversation the agent then follows.
	if err := v.send(ctx, "send", "s0", map[string]string{"client_msg_id": "warmup-" + strconv.FormatInt(time.Now().UnixNano(), 36), "body": "warm-up"}); err != nil {
		return err
	}
	ack, err := v.await(ctx, "ack", "s0")
	if err != nil {
		return err
	}
	var first struct {
		Message struct {
			ConversationID int64 `json:"conversation_id"`
			Seq            int64 `json:"seq"`
		} `json:"message"`
	}
	if err := json.Unmarshal(ack.Data, &first); err != nil {
		return err
	}
	agent, err := dial(ctx, *b+"/ws/agent", *dashOrigin, http.Header{"Cookie": {"parley_session=" + login.Token}})
	if err != nil {
		return err
	}
	defer agent.ws.CloseNow()
	if _, err := agent.await(ctx, "auth.ok", ""); err != nil {
		return err
	}
	if err := agent.send(ctx, "subscribe", "sub", map[string]any{"conversation_id": first.Message.ConversationID, "after_seq": first.Message.Seq}); err != nil {
		return err
	}
	if _, err := agent.await(ctx, "subscribed", "sub"); err != nil {
		return err
	}

	// The visitor keeps its socket drained; acks are not what is timed.
	go func() {
		for {
			if _, _, err := v.ws.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	sentAt := make([]time.Time, *n)
	got := make([]time.Duration, 0, *n)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range *n {
		sentAt[i] = time.Now()
		if err := v.send(ctx, "send", "m"+strconv.Itoa(i), map[string]string{"client_msg_id": run + "-" + strconv.Itoa(i), "body": strconv.Itoa(i)}); err != nil {
			return err
		}
		f, err := agent.await(ctx, "message.created", "")
		if err != nil {
			return err
		}
		var m struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(f.Data, &m); err != nil {
			return err
		}
		j, err := strconv.Atoi(m.Body)
		if err != nil || j != i {
			return fmt.Errorf("agent got %q, want %d: order broken", m.Body, i)
		}
		got = append(got, time.Since(sentAt[i]))
	}
	slices.Sort(got)
	pct := func(p float64) time.Duration { return got[min(len(got)-1, int(p*float64(len(got))))] }
	fmt.Fprintf(out, "%d messages visitor@%s -> agent@%s: p50 %s, p90 %s, p99 %s, max %s\n",
		len(got), *a, *b, pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), got[len(got)-1].Round(10*time.Microsecond))
	return nil
}
