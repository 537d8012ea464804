// Command parleyload measures a running Parley cluster from the outside,
// through its public HTTP and websocket API, on this machine only.
//
//	parleyload idle    -url URL -site KEY -origin ORIGIN -n 10000 [-admin URL]
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

// serverStats are the /metrics figures idle compares.
type serverStats struct {
	rss, heap, goroutines float64
}

func readStats(ctx context.Context, base string) (serverStats, error) {
	var st serverStats
	var err error
	if st.rss, err = metric(ctx, base, "process_resident_memory_bytes"); err != nil {
		return st, err
	}
	if st.heap, err = metric(ctx, base, "go_memstats_heap_inuse_bytes"); err != nil {
		return st, err
	}
	st.goroutines, err = metric(ctx, base, "go_goroutines")
	return st, err
}

// metric reads one unlabelled sample from /metrics.
func metric(ctx context.Context, base, name string) (float64, error) {
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
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

func idle(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "node URL (loopback only)")
	site := fs.String("site", "", "site key")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	n := fs.Int("n", 10000, "connections to open")
	settle := fs.Duration("settle", 10*time.Second, "how long the connections sit idle before measuring")
	workers := fs.Int("workers", 32, "connections opened at once")
	admin := fs.String("admin", "", "the node's PARLEY_ADMIN_ADDR listener as a URL, where /metrics is when it is set (default: -url)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *site == "" {
		return errors.New("-site is required")
	}
	metrics := *base
	if *admin != "" {
		metrics = *admin
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	before, err := readStats(ctx, metrics)
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
	after, err := readStats(ctx, metrics)
	if err != nil {
		return err
	}
	per := float64(max(opened, 1))
	fmt.Fprintf(out, "server RSS %.1f -> %.1f MiB: %.1f KiB per idle websocket\n",
		before.rss/(1<<20), after.rss/(1<<20), (after.rss-before.rss)/per/1024)
	fmt.Fprintf(out, "server Go heap in use %.1f -> %.1f MiB: %.1f KiB per idle websocket; %.1f goroutines per websocket\n",
		before.heap/(1<<20), after.heap/(1<<20), (after.heap-before.heap)/per/1024, (after.goroutines-before.goroutines)/per)
	for _, c := range conns {
		if c != nil {
			c.ws.Close(websocket.StatusNormalClosure, "")
		}
	}
	return nil
}

func latency(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	a := fs.String("a", "http://127.0.0.1:8081", "node the visitors send through")
	b := fs.String("b", "http://127.0.0.1:8082", "node the agent receives on")
	site := fs.String("site", "", "site key")
	origin := fs.String("origin", "http://localhost:8080", "an origin the site allows")
	dashOrigin := fs.String("dashboard-origin", "", "the dashboard origin of node b (default: -origin)")
	email := fs.String("email", "", "agent email")
	password := fs.String("password", "", "agent password")
	n := fs.Int("n", 2000, "messages to send in all")
	visitors := fs.Int("visitors", 20, "visitors sending at once, each in its own conversation")
	every := fs.Duration("every", 150*time.Millisecond, "pause between one visitor's messages (the hub allows 10 sends/s per socket)")
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
		return fmt.Errorf("login: %w", err)
	}
	agent, err := dial(ctx, *b+"/ws/agent", *dashOrigin, http.Header{"Cookie": {"parley_session=" + login.Token}})
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	defer agent.ws.CloseNow()
	if _, err := agent.await(ctx, "auth.ok", ""); err != nil {
		return fmt.Errorf("agent auth: %w", err)
	}

	// Each visitor's first message creates its conversation; the agent then
	// follows every conversation from that point.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	vs := make([]*conn, *visitors)
	for i := range vs {
		v, err := visitor(ctx, *a, *site, *origin)
		if err != nil {
			return fmt.Errorf("visitor %d: %w", i, err)
		}
		defer v.ws.CloseNow()
		if err := v.send(ctx, "send", "w", map[string]string{"client_msg_id": run + "-w", "body": "warm-up"}); err != nil {
			return err
		}
		ack, err := v.await(ctx, "ack", "w")
		if err != nil {
			return fmt.Errorf("visitor %d warm-up: %w", i, err)
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
		id := "sub" + strconv.Itoa(i)
		if err := agent.send(ctx, "subscribe", id, map[string]any{"conversation_id": first.Message.ConversationID, "after_seq": first.Message.Seq}); err != nil {
			return err
		}
		if _, err := agent.await(ctx, "subscribed", id); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		vs[i] = v
	}

	var sentAt sync.Map // body -> time.Time
	var sendErrs atomic.Int64
	perVisitor := (*n + *visitors - 1) / *visitors
	total := perVisitor * *visitors
	for i, v := range vs {
		go func() { // drain acks and errors
			for {
				_, b, err := v.ws.Read(context.Background())
				if err != nil {
					return
				}
				if bytes.Contains(b, []byte(`"type":"error"`)) && sendErrs.Add(1) == 1 {
					fmt.Fprintf(os.Stderr, "visitor %d: %s\n", i, b)
				}
			}
		}()
		go func() {
			tick := time.NewTicker(*every)
			defer tick.Stop()
			for j := range perVisitor {
				body := fmt.Sprintf("%d:%d", i, j)
				sentAt.Store(body, time.Now())
				if err := v.send(ctx, "send", "m"+strconv.Itoa(j), map[string]string{"client_msg_id": run + "-" + strconv.Itoa(j), "body": body}); err != nil {
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	got := make([]time.Duration, 0, total)
	last := make([]int, *visitors)
	for i := range last {
		last[i] = -1
	}
	for len(got) < total {
		f, err := agent.await(ctx, "message.created", "")
		if err != nil {
			return fmt.Errorf("after %d of %d messages (%d send errors): %w", len(got), total, sendErrs.Load(), err)
		}
		var m struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(f.Data, &m); err != nil {
			return err
		}
		t0, ok := sentAt.Load(m.Body)
		if !ok {
			continue
		}
		got = append(got, time.Since(t0.(time.Time)))
		var vi, j int
		if _, err := fmt.Sscanf(m.Body, "%d:%d", &vi, &j); err != nil || j != last[vi]+1 {
			return fmt.Errorf("agent got %q after %d from visitor %d: order broken", m.Body, last[vi], vi)
		}
		last[vi] = j
	}
	slices.Sort(got)
	pct := func(p float64) time.Duration {
		return got[min(len(got)-1, int(p*float64(len(got))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(out, "%d messages from %d visitors@%s to an agent@%s, in order: p50 %s, p90 %s, p99 %s, max %s\n",
		len(got), *visitors, *a, *b, pct(0.50), pct(0.90), pct(0.99), got[len(got)-1].Round(10*time.Microsecond))
	return nil
}
