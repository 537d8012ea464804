package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// clusterFlags locate the two nodes and the workspace every traffic
// command (latency, ramp, fanout) uses.
type clusterFlags struct {
	a, b, site, origin, dashOrigin, email, password string
	perVisitor                                      float64
	drain                                           time.Duration
	cpu                                             string
	floor                                           floorFlags
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.a, "a", "http://127.0.0.1:8081", "node the visitors send through")
	fs.StringVar(&c.b, "b", "http://127.0.0.1:8082", "node the agents receive on")
	fs.StringVar(&c.site, "site", "", "site key (required)")
	fs.StringVar(&c.origin, "origin", "http://localhost:8080", "an origin the site allows")
	fs.StringVar(&c.dashOrigin, "dashboard-origin", "", "the dashboard origin of the nodes (default: -origin)")
	fs.StringVar(&c.email, "email", "", "agent email (required)")
	fs.StringVar(&c.password, "password", "", "agent password (required)")
	fs.Float64Var(&c.perVisitor, "per-visitor", 8, "most messages a second one visitor sends (the hub allows 10, bursts of 20)")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long a step waits for its last acks and deliveries before counting them lost")
	fs.StringVar(&c.cpu, "cpu", "", "processes whose CPU to report per step: label=PID, label=NAME or label=NAME:CMDLINE-SUBSTRING, comma-separated (parleyload itself is always reported)")
	c.floor.register(fs)
}

func (c *clusterFlags) check() error {
	if c.site == "" || c.email == "" || c.password == "" {
		return errors.New("-site, -email and -password are required")
	}
	if c.perVisitor <= 0 || c.perVisitor > hubSendRate {
		return fmt.Errorf("-per-visitor %g: want more than 0 and at most %d (the hub's limit per socket)", c.perVisitor, hubSendRate)
	}
	if c.dashOrigin == "" {
		c.dashOrigin = c.origin
	}
	c.floor.cpu = c.cpu
	return nil
}

// hubSendRate is the hub's limit of sends a second per socket
// (docs/protocol.md "Limits"; bursts of 20).
const hubSendRate = 10

// sender is one visitor socket on node a, in a conversation of its own.
type sender struct {
	i         int
	c         *conn
	conv      int64
	seq       int64 // of its warm-up message
	followers int   // agent sockets subscribed to its conversation
	next      int   // next message number; only the step's sender goroutine touches it
}

// rig is the scenario of latency, ramp and fanout: visitors on node a,
// each in its own conversation, and agent sockets (on a or b) following
// some of those conversations. Every socket has one reader goroutine
// that reports to the ledger.
type rig struct {
	cf     *clusterFlags
	run    string // makes client_msg_ids unique across runs
	token  string // the agent's session, valid on both nodes
	vs     []*sender
	agents []*conn
	led    *ledger
	cpu    *cpuMeter

	closing   atomic.Bool  // set by close: readers end quietly
	dropped   atomic.Int64 // sockets whose reader ended before close
	dropOnce  sync.Once
	firstDrop error
}

// start measures the floor, then opens the rig: what every run against
// the two nodes does first.
func (cf *clusterFlags) start(ctx context.Context, out io.Writer) (floor, *rig, error) {
	fl, err := measureFloor(ctx, cf.floor, out)
	if err != nil {
		return fl, nil, err
	}
	r, err := newRig(ctx, cf)
	return fl, r, err
}

func newRig(ctx context.Context, cf *clusterFlags) (*rig, error) {
	cpu, err := newCPUMeter(cf.cpu)
	if err != nil {
		return nil, err
	}
	token, err := login(ctx, cf.b, cf.email, cf.password)
	if err != nil {
		return nil, err
	}
	return &rig{cf: cf, run: strconv.FormatInt(time.Now().UnixNano(), 36), token: token, led: newLedger(), cpu: cpu}, nil
}

func (r *rig) close() {
	r.closing.Store(true)
	for _, v := range r.vs {
		v.c.ws.Close(websocket.StatusNormalClosure, "")
	}
	for _, a := range r.agents {
		a.ws.Close(websocket.StatusNormalClosure, "")
	}
}

// grow adds n visitors and agents agent sockets that follow all of them,
// the agents on the nodes given in turn.
func (r *rig) grow(ctx context.Context, n, agents int, nodes []string) error {
	vs := make([]*sender, n)
	err := parallel(ctx, n, 16, func(i int) error {
		v, err := r.newSender(ctx, len(r.vs)+i)
		vs[i] = v
		return err
	})
	if err != nil {
		for _, v := range vs {
			if v != nil {
				v.c.ws.CloseNow()
			}
		}
		return err
	}
	as := make([]*conn, agents)
	err = parallel(ctx, agents, 16, func(i int) error {
		node := nodes[i%len(nodes)]
		a, err := agent(ctx, node, r.cf.dashOrigin, r.token)
		if err != nil {
			return err
		}
		as[i] = a
		for _, v := range vs {
			id := "s" + strconv.Itoa(v.i)
			if _, err := a.call(ctx, "subscribe", id, map[string]any{"conversation_id": v.conv, "after_seq": v.seq}, "subscribed"); err != nil {
				return fmt.Errorf("agent %d subscribe: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		for _, a := range as {
			if a != nil {
				a.ws.CloseNow()
			}
		}
		for _, v := range vs {
			v.c.ws.CloseNow()
		}
		return err
	}
	for i, a := range as {
		go r.follow(a, nodeIndex(nodes[i%len(nodes)], r.cf.a))
	}
	for _, v := range vs {
		v.followers = agents
		go r.listen(v)
	}
	r.vs = append(r.vs, vs...)
	r.agents = append(r.agents, as...)
	return nil
}

func nodeIndex(node, a string) int {
	if node == a {
		return 0
	}
	return 1
}

// newSender opens visitor i and sends its warm-up message, which creates
// its conversation.
func (r *rig) newSender(ctx context.Context, i int) (*sender, error) {
	c, err := visitor(ctx, r.cf.a, r.cf.site, r.cf.origin)
	if err != nil {
		return nil, fmt.Errorf("visitor %d: %w", i, err)
	}
	ack, err := c.call(ctx, "send", "w", map[string]string{"client_msg_id": r.run + "-" + strconv.Itoa(i) + "-w", "body": "warm-up"}, "ack")
	if err != nil {
		c.ws.CloseNow()
		return nil, fmt.Errorf("visitor %d warm-up: %w", i, err)
	}
	var first struct {
		Message struct {
			ConversationID int64 `json:"conversation_id"`
			Seq            int64 `json:"seq"`
		} `json:"message"`
	}
	if err := json.Unmarshal(ack.Data, &first); err != nil {
		c.ws.CloseNow()
		return nil, fmt.Errorf("visitor %d warm-up ack: %w", i, err)
	}
	return &sender{i: i, c: c, conv: first.Message.ConversationID, seq: first.Message.Seq}, nil
}

// drop records a socket the server closed (or that broke) during the run:
// its messages then show as lost.
func (r *rig) drop(what string, err error) {
	if r.closing.Load() {
		return
	}
	r.dropped.Add(1)
	r.dropOnce.Do(func() { r.firstDrop = fmt.Errorf("%s: %w", what, err) })
}

// listen reads visitor v's acks and errors until its socket closes.
func (r *rig) listen(v *sender) {
	for {
		_, b, err := v.c.ws.Read(context.Background())
		if err != nil {
			r.drop("visitor "+strconv.Itoa(v.i), err)
			return
		}
		at := time.Now()
		var f frame
		if json.Unmarshal(b, &f) != nil || !strings.HasPrefix(f.ID, "m") {
			continue
		}
		j, err := strconv.Atoi(f.ID[1:])
		if err != nil {
			continue
		}
		switch f.Type {
		case "ack":
			r.led.acked(msgKey{v.i, j}, at)
		case "error":
			r.led.refused(msgKey{v.i, j}, string(f.Data))
		}
	}
}

// follow reads an agent socket's messages until it closes, checking that
// each visitor's arrive in order.
func (r *rig) follow(a *conn, node int) {
	last := map[int]int{}
	for {
		_, b, err := a.ws.Read(context.Background())
		if err != nil {
			r.drop("agent socket", err)
			return
		}
		at := time.Now()
		r.led.frames.Add(1)
		// An agent socket gets several events per message (the
		// conversation, unread counts): skip them undecoded, so that the
		// load generator keeps up with hundreds of sockets.
		if !bytes.Contains(b[:min(len(b), 64)], []byte(`"message.created"`)) {
			continue
		}
		body, ok := createdBody(b)
		if !ok {
			continue
		}
		k, ok := parseBody(body)
		if !ok {
			if body != "warm-up" {
				r.led.other() // the assistant's answer
			}
			continue
		}
		if prev, seen := last[k.v]; seen && k.j <= prev {
			r.led.disordered()
		} else {
			last[k.v] = k.j
		}
		r.led.delivered(k, node, at)
	}
}

// createdBody is the body of a message.created frame. The load tool's
// bodies need no escapes, so a body without one is cut out of the frame
// undecoded; any other frame is decoded (the load tool reads hundreds of
// sockets and must cost less than the server it measures).
func createdBody(b []byte) (string, bool) {
	const key = `"body":"`
	if i := bytes.Index(b, []byte(key)); i >= 0 && bytes.HasPrefix(b, []byte(`{"type":"message.created"`)) {
		rest := b[i+len(key):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 && bytes.IndexByte(rest[:j], '\\') < 0 {
			return string(rest[:j]), true
		}
	}
	var f struct {
		Type string `json:"type"`
		Data struct {
			Body string `json:"body"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &f) != nil || f.Type != "message.created" {
		return "", false
	}
	return f.Data.Body, true
}

func body(k msgKey) string { return "pl " + strconv.Itoa(k.v) + " " + strconv.Itoa(k.j) }

func parseBody(s string) (msgKey, bool) {
	rest, ok := strings.CutPrefix(s, "pl ")
	if !ok {
		return msgKey{}, false
	}
	vs, js, ok := strings.Cut(rest, " ")
	v, err1 := strconv.Atoi(vs)
	j, err2 := strconv.Atoi(js)
	return msgKey{v, j}, ok && err1 == nil && err2 == nil
}

// parallel calls f(0..n-1), workers at a time, and returns the first error.
func parallel(ctx context.Context, n, workers int, f func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil || i >= n || ctx.Err() != nil
				mu.Unlock()
				if stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}
