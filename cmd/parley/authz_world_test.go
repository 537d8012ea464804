package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The world the authorization sweep (TestAuthzSweep) runs in: tenant A's
// and tenant B's members, sites, visitors and sockets, the ids the cases of
// authzRoutes name, and the helpers that send its requests and read its
// frames.

// authzMember is a signed-in member.
type authzMember struct {
	ID, TenantID int64
	Token        string
	Auth         http.Header
}

// authzSocket is a websocket that keeps every frame it read, for the
// checks of what each recipient may see.
type authzSocket struct {
	c   *client
	log []frame
}

func (s *authzSocket) read() frame {
	s.c.tb.Helper()
	f := s.c.next()
	s.log = append(s.log, f)
	return f
}

// until reads frames until ok holds for one, and returns it.
func (s *authzSocket) until(ok func(frame) bool) frame {
	s.c.tb.Helper()
	for {
		if f := s.read(); ok(f) {
			return f
		}
	}
}

// request sends a frame and returns the reply to it (or its error).
func (s *authzSocket) request(typ string, data any) frame {
	s.c.tb.Helper()
	id := s.c.send(typ, data)
	return s.until(func(f frame) bool { return f.ID == id })
}

// authzWorld is the two workspaces, their sockets, and the ids the cases
// of authzRoutes name.
type authzWorld struct {
	n   *testNode
	env []string

	owner, admin, agent authzMember // tenant A
	stranger            authzMember // tenant B's owner
	siteKey, secret     string      // tenant A's site: its key and identity secret
	strangerSiteKey     string
	visitorToken        string // A's visitor, the one with the conversation
	strangerVisitor     string // B's visitor's token
	ids                 map[string]int64
	// A's rows by kind (authzCase.list).
	rows map[string][]int64

	aOwner, aAgent *authzSocket // A's owner and agent, subscribed to the conversation
	bOwner         *authzSocket // B's owner
	v1             *authzSocket // A's visitor with the conversation
	v2             *authzSocket // another visitor of A's site
	bVisitor       *authzSocket // B's visitor
	// The messages the recipients' checks look for.
	assistantNote, assistantAnswer, greeting, agentReply, fileMessage, noteID int64
}

// expand replaces {name} in s by the world's ids.
func (w *authzWorld) expand(s string) string {
	var pairs []string
	for k, v := range w.ids {
		pairs = append(pairs, "{"+k+"}", strconv.FormatInt(v, 10))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// authzPNG is a tiny file the upload routes take.
var authzPNG = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

// call sends c's request (path and body expanded) with header and returns
// the status and the answer.
func (w *authzWorld) call(tb testing.TB, method string, c authzCase, header http.Header) (int, []byte) {
	tb.Helper()
	return w.send(tb, method, w.expand(c.path), w.expand(c.body), header)
}

// send sends one request; the body "@file" is a multipart upload into the
// conversation {conv}, each with a client_msg_id of its own (a repeated
// one would answer with the first message and hide what a second did).
func (w *authzWorld) send(tb testing.TB, method, path, body string, header http.Header) (int, []byte) {
	tb.Helper()
	if body != "@file" {
		st, _, raw := inboxRaw(tb, method, w.n.URL+path, header, body)
		return st, raw
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fw.Write(authzPNG); err != nil {
		tb.Fatal(err)
	}
	for k, v := range map[string]string{"conversation_id": strconv.FormatInt(w.ids["conv"], 10), "client_msg_id": "file-" + strconv.FormatInt(time.Now().UnixNano(), 36), "caption": "A photo"} {
		if err := mw.WriteField(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(method, w.n.URL+path, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, _, raw := exchange(tb, req)
	return st, raw
}

// must sends a request as a member of A and decodes the answer, failing
// unless the status is want.
func (w *authzWorld) must(tb testing.TB, m authzMember, method, path string, body any, want int, out any) {
	tb.Helper()
	if st := do(tb, method, w.n.URL+path, m.Auth, body, out); st != want {
		tb.Fatalf("%s %s: status %d, want %d", method, path, st, want)
	}
}

func (w *authzWorld) signedIn(tb testing.TB, token string) authzMember {
	tb.Helper()
	m := authzMember{Token: token, Auth: bearer(token)}
	var me apiMember
	w.must(tb, m, "GET", "/api/v1/me", nil, 200, &me)
	m.ID, m.TenantID = me.ID, me.TenantID
	return m
}

func (w *authzWorld) user(tb testing.TB, email string, args ...string) authzMember {
	tb.Helper()
	h := inboxUser(tb, w.n, w.env, email, args...)
	return w.signedIn(tb, tokenOf(h))
}

// agentSocket opens an agent websocket with m's session cookie.
func (w *authzWorld) agentSocket(tb testing.TB, m authzMember) *authzSocket {
	tb.Helper()
	s := &authzSocket{c: dial(tb, w.n.URL+"/ws/agent", w.n.Origin, http.Header{"Cookie": {"parley_session=" + m.Token}})}
	s.until(func(f frame) bool { return f.Type == "auth.ok" })
	return s
}

// visitor starts a visit on siteKey and returns its token and socket.
func (w *authzWorld) visitor(tb testing.TB, siteKey string, identity map[string]any) (string, *authzSocket) {
	tb.Helper()
	var start struct {
		Token string `json:"token"`
	}
	body := map[string]any{"site": siteKey, "page": w.n.Origin + "/pricing"}
	if identity != nil {
		body["identity"] = identity
	}
	if st := do(tb, "POST", w.n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {w.n.Origin}}, body, &start); st != 200 {
		tb.Fatalf("start visitor on %s: status %d", siteKey, st)
	}
	s := &authzSocket{c: dial(tb, w.n.URL+"/ws/visitor?site="+siteKey, w.n.Origin, nil)}
	if f := s.request("auth", map[string]string{"token": start.Token}); f.Type != "auth.ok" {
		tb.Fatalf("visitor auth: %s %s", f.Type, f.Data)
	}
	return start.Token, s
}

// authzData decodes a frame's data as an object.
func authzData(tb testing.TB, f frame) map[string]json.RawMessage {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(f.Data, &m); err != nil {
		tb.Fatalf("%s data %s: %v", f.Type, f.Data, err)
	}
	return m
}

// authzInt reads a number member of data (0 when absent).
func authzInt(data map[string]json.RawMessage, key string) int64 {
	var v int64
	_ = json.Unmarshal(data[key], &v)
	return v
}

func authzString(data map[string]json.RawMessage, key string) string {
	var v string
	_ = json.Unmarshal(data[key], &v)
	return v
}

// isMessage reports whether f is message.created of message id.
func isMessage(tb testing.TB, f frame, id int64) bool {
	return f.Type == "message.created" && authzInt(authzData(tb, f), "id") == id
}

// newAuthzWorld sets up both workspaces. A's team works on the visitor's
// conversation while every socket watches, so that the sockets' logs hold
// what each recipient got (checked in TestAuthzSweep/event_payloads).
func newAuthzWorld(t *testing.T) *authzWorld {
	dir := t.TempDir()
	w := &authzWorld{env: []string{"PARLEY_DATA_DIR=" + dir}, ids: map[string]int64{}}
	w.n = startNode(t, w.env...)
	t.Cleanup(func() {
		// A frame that never came is easier to explain with the node's
		// complaints (an assistant run that failed, a refused socket).
		if t.Failed() {
			w.n.logs.mu.Lock()
			defer w.n.logs.mu.Unlock()
			for _, l := range w.n.logs.lines {
				if l["level"] == "error" || l["level"] == "warn" {
					t.Logf("node %s: %v", l["level"], l)
				}
			}
		}
	})
	email, password := demoLogin(t, w.n)
	w.owner = w.signedIn(t, login(t, w.n, email, password))
	w.must(t, w.owner, "PATCH", "/api/v1/me", map[string]string{"name": "Alpha Owner"}, 200, nil)
	tenant := strconv.FormatInt(w.owner.TenantID, 10)
	w.admin = w.user(t, "admin@alpha.test", "-tenant-id", tenant, "-role", "admin", "-name", "Alpha Admin")
	w.agent = w.user(t, "agent@alpha.test", "-tenant-id", tenant, "-role", "agent", "-name", "Alpha Agent")
	w.stranger = w.user(t, "owner@beta.test", "-tenant", "Beta", "-name", "Beta Owner")
	if w.stranger.TenantID == w.owner.TenantID {
		t.Fatal("the stranger is in tenant A")
	}

	// A's site, renamed, with a secret the test knows; B's site.
	var sites struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	w.must(t, w.owner, "GET", "/api/v1/sites", nil, 200, &sites)
	if len(sites.Items) != 1 {
		t.Fatalf("tenant A has %d sites", len(sites.Items))
	}
	site := sites.Items[0].ID
	w.siteKey = demoSiteKey(t, w.n)
	w.must(t, w.owner, "PATCH", fmt.Sprintf("/api/v1/sites/%d", site), map[string]string{"name": "Alpha shop"}, 200, nil)
	var secret struct {
		IdentitySecret string `json:"identity_secret"`
	}
	w.must(t, w.owner, "POST", fmt.Sprintf("/api/v1/sites/%d/identity-secret", site), nil, 200, &secret)
	w.secret = secret.IdentitySecret
	var bSite struct {
		ID  int64  `json:"id"`
		Key string `json:"key"`
	}
	w.must(t, w.stranger, "POST", "/api/v1/sites", map[string]any{"name": "Beta shop", "allowed_origins": []string{w.n.Origin}}, 201, &bSite)
	w.strangerSiteKey = bSite.Key

	// The knowledge entry, the canned response, the invitations, an API token.
	var kn, cr, inv, ownerInv, tok struct{ ID int64 }
	w.must(t, w.owner, "POST", fmt.Sprintf("/api/v1/sites/%d/knowledge", site),
		map[string]string{"kind": "qa", "title": "Alpha returns policy", "body": "Alpha takes returns for 14 days."}, 201, &kn)
	w.must(t, w.owner, "POST", "/api/v1/canned-responses", map[string]string{"title": "Alpha greeting", "body": "Hello from Alpha"}, 201, &cr)
	w.must(t, w.owner, "POST", "/api/v1/invites", map[string]string{"email": "invitee@alpha.test", "role": "agent"}, 201, &inv)
	w.must(t, w.owner, "POST", "/api/v1/invites", map[string]string{"email": "boss@alpha.test", "role": "owner"}, 201, &ownerInv)
	w.must(t, w.owner, "POST", "/api/v1/tokens", map[string]string{"name": "Alpha CI", "scope": "read"}, 201, &tok)

	// Everybody's sockets, then the conversation.
	w.aOwner, w.aAgent, w.bOwner = w.agentSocket(t, w.owner), w.agentSocket(t, w.agent), w.agentSocket(t, w.stranger)
	w.visitorToken, w.v1 = w.visitor(t, w.siteKey, map[string]any{"email": "visitor@alpha.test", "name": "Alpha Visitor"})
	_, w.v2 = w.visitor(t, w.siteKey, nil)
	w.strangerVisitor, w.bVisitor = w.visitor(t, w.strangerSiteKey, nil)

	sent := func(f frame) map[string]json.RawMessage {
		t.Helper()
		if f.Type != "ack" {
			t.Fatalf("send: %s %s", f.Type, f.Data)
		}
		var ack struct{ Message map[string]json.RawMessage }
		if err := json.Unmarshal(f.Data, &ack); err != nil {
			t.Fatal(err)
		}
		return ack.Message
	}
	assistantAfter := func(seq int64) int64 {
		t.Helper()
		f := w.v1.until(func(f frame) bool {
			if f.Type != "message.created" {
				return false
			}
			d := authzData(t, f)
			return authzString(d, "author_kind") == "assistant" && authzInt(d, "seq") > seq
		})
		return authzInt(authzData(t, f), "id")
	}
	// The assistant greets the visitor; A's agents then open the
	// conversation, and watch it answer from the knowledge base and keep
	// a note of an acknowledgement it does not answer.
	hello := sent(w.v1.request("send", map[string]string{"client_msg_id": "hello", "body": "Hello"}))
	conv := authzInt(hello, "conversation_id")
	w.greeting = assistantAfter(authzInt(hello, "seq"))
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		if f := s.request("subscribe", map[string]any{"conversation_id": conv, "after_seq": 0}); f.Type != "subscribed" {
			t.Fatalf("subscribe: %s %s", f.Type, f.Data)
		}
	}
	q := sent(w.v1.request("send", map[string]string{"client_msg_id": "shipping", "body": "How long does shipping take?"}))
	w.assistantAnswer = assistantAfter(authzInt(q, "seq"))
	ok := sent(w.v1.request("send", map[string]string{"client_msg_id": "ok", "body": "ok"}))
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		f := s.until(func(f frame) bool {
			if f.Type != "message.created" {
				return false
			}
			d := authzData(t, f)
			return authzString(d, "author_kind") == "assistant" && authzInt(d, "seq") > authzInt(ok, "seq")
		})
		w.assistantNote = authzInt(authzData(t, f), "id")
	}

	// A's team at work: a reply, a private note, a file, a ticket opened,
	// assigned and moved on, typing, viewing, and a take-over.
	var reply, file struct{ ID int64 }
	w.must(t, w.agent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv),
		map[string]any{"client_msg_id": "reply", "body": "Alpha agent reply: it ships today"}, 201, &reply)
	w.agentReply = reply.ID
	w.v1.until(func(f frame) bool { return isMessage(t, f, reply.ID) })
	note := sent(w.aOwner.request("send", map[string]any{"conversation_id": conv, "client_msg_id": "note",
		"body": "alpha private note: VIP customer", "internal": true}))
	w.noteID = authzInt(note, "id")
	w.aAgent.until(func(f frame) bool { return isMessage(t, f, w.noteID) })
	w.ids = map[string]int64{"conv": conv}
	st, raw := w.send(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/attachments", conv), "@file", w.agent.Auth)
	if st != 201 || json.Unmarshal(raw, &file) != nil {
		t.Fatalf("upload: %d %s", st, raw)
	}
	w.fileMessage = file.ID
	w.v1.until(func(f frame) bool { return isMessage(t, f, file.ID) })
	var tk struct{ ID int64 }
	w.must(t, w.admin, "POST", "/api/v1/tickets", map[string]any{"conversation_id": conv, "subject": "Alpha refund",
		"requester_email": "visitor@alpha.test"}, 201, &tk)
	w.must(t, w.owner, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), map[string]any{"assignee_id": w.agent.ID}, 200, nil)
	w.must(t, w.agent, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), map[string]any{"status": "in_progress"}, 200, nil)
	w.aOwner.c.send("typing", map[string]any{"conversation_id": conv, "typing": true})
	w.v1.until(func(f frame) bool {
		return f.Type == "typing" && authzString(authzData(t, f), "author_kind") == "agent"
	})
	w.aOwner.c.send("viewing", map[string]any{"conversation_id": conv, "viewing": true})
	w.aAgent.until(func(f frame) bool {
		return f.Type == "viewing" && authzInt(authzData(t, f), "member_id") == w.owner.ID
	})
	w.must(t, w.admin, "POST", fmt.Sprintf("/api/v1/conversations/%d/take-over", conv), nil, 200, nil)
	// The take-over's message and update come last: whatever the others
	// got of the work above came before.
	w.v1.until(func(f frame) bool {
		return f.Type == "message.created" && authzString(authzData(t, f), "body") == "Alpha Admin joined the conversation"
	})
	for _, s := range []*authzSocket{w.aOwner, w.aAgent} {
		s.until(func(f frame) bool {
			return f.Type == "conversation.updated" && authzInt(authzData(t, f), "assignee_id") == w.admin.ID
		})
	}
	for _, s := range []*authzSocket{w.v2, w.bVisitor, w.bOwner} {
		s.request("presence.list", nil)
	}

	// A's support ticket, with the platform's staff answering it.
	var sup struct{ ID int64 }
	w.must(t, w.owner, "POST", "/api/v1/support/tickets", map[string]string{"subject": "Alpha widget question", "body": "Alpha asks"}, 201, &sup)

	var c struct {
		inboxConversation
		VisitorID int64 `json:"visitor_id"`
	}
	w.must(t, w.owner, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, 200, &c)
	w.ids = map[string]int64{"supportTicket": sup.ID, "conv": conv, "lastSeq": c.LastSeq, "site": site, "ticket": tk.ID, "knowledge": kn.ID,
		"canned": cr.ID, "invite": inv.ID, "ownerInvite": ownerInv.ID, "owner": w.owner.ID, "admin": w.admin.ID,
		"agent": w.agent.ID, "tenant": w.owner.TenantID, "assistantAnswer": w.assistantAnswer, "strangerSite": bSite.ID, "token": tok.ID,
		"visitor": c.VisitorID}
	w.rows = map[string][]int64{"members": {w.owner.ID, w.admin.ID, w.agent.ID}, "invites": {inv.ID, ownerInv.ID},
		"conversations": {conv}, "tickets": {tk.ID}, "sites": {site}, "canned": {cr.ID}, "supportTickets": {sup.ID}, "tokens": {tok.ID}}
	return w
}

// bind makes the sockets fail the running (sub)test.
func (w *authzWorld) bind(tb testing.TB) {
	for _, s := range []*authzSocket{w.aOwner, w.aAgent, w.bOwner, w.v1, w.v2, w.bVisitor} {
		s.c.tb = tb
	}
}
