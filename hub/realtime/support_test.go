package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// newStaff adds a member of the platform tenant and signs them in; actor
// is what their session authenticates as.
func (e *env) newStaff(email string) (*hub.Member, string, hub.Actor) {
	e.t.Helper()
	ctx := context.Background()
	m, err := e.svc.AddStaff(ctx, hub.NewMember{Email: email, Name: "Sam Staff", Password: "password123", Role: hub.RoleAgent})
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, email, "password123")
	if err != nil {
		e.t.Fatal(err)
	}
	actor, err := e.svc.MemberActor(ctx, token)
	if err != nil {
		e.t.Fatal(err)
	}
	if !actor.Staff {
		e.t.Fatalf("staff member authenticates as %+v", actor)
	}
	return m, token, actor
}

// requester connects to /ws/support with the session cookie, which
// authenticates at once.
func (e *env) requester(token string) *client {
	e.t.Helper()
	c := e.mustDial("/ws/support", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + token}}})
	c.waitFor(realtime.TypeAuthOK, "")
	return c
}

// requesterByFrame connects to /ws/support and authenticates with an auth
// frame; it returns the auth.ok.
func (e *env) requesterByFrame(token string) (*client, frame) {
	e.t.Helper()
	c := e.mustDial("/ws/support", dialOpts{origin: dashOrigin})
	f := c.request(realtime.TypeAuth, "auth", map[string]any{"token": token}, realtime.TypeAuthOK)
	return c, f
}

// viewer connects staff to /ws/agent with an auth frame naming the
// workspace to view; it returns the auth.ok.
func (e *env) viewer(token string, tenant int64) (*client, frame) {
	e.t.Helper()
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin})
	f := c.request(realtime.TypeAuth, "auth", map[string]any{"token": token, "tenant_id": tenant}, realtime.TypeAuthOK)
	return c, f
}

func (e *env) openSupportTicket(a *account, subject, body string) *hub.SupportTicket {
	e.t.Helper()
	t, err := e.svc.OpenSupportTicket(context.Background(), a.actor, hub.NewSupportTicket{Subject: subject, Body: body})
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) setSupportAccess(a *account, open bool, d time.Duration) {
	e.t.Helper()
	if _, err := e.svc.SetSupportAccess(context.Background(), a.actor, open, d); err != nil {
		e.t.Fatal(err)
	}
}

// authOK is the data of auth.ok.
type authOK struct {
	Kind     string `json:"kind"`
	ID       int64  `json:"id"`
	ReadOnly bool   `json:"read_only"`
}

// authoredMessage is a message frame with its author.
type authoredMessage struct {
	message
	AuthorKind string          `json:"author_kind"`
	AuthorName string          `json:"author_name"`
	Trace      json.RawMessage `json:"trace"`
}

// TestRequesterSocket: an owner on /ws/support reads their support
// ticket's conversation as the workspace's visitor of the platform's
// Support site: history and live staff replies, never a staff note nor
// what the member's own topic carries; their message is acked and stored
// under their name; frames that are not a visitor's conversation (votes,
// tickets, viewing, a new conversation) are refused, and nothing of
// another workspace or of an ordinary site visitor can be read.
func TestRequesterSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.newAccount()
	if a.owner.Name == "" {
		t.Fatal("the owner has no name to check messages against")
	}
	_, staffToken, staff := e.newStaff("staff@requester.test")
	ticket := e.openSupportTicket(a, "Widget is down", "It stopped loading this morning.")
	id := ticket.ConversationID
	e.say(staff, id, "Looking into it.", false)
	e.say(staff, id, "secret: their plan is overdue", true)

	owner := e.agent(a) // the owner's dashboard socket: their member topic
	staffSocket := e.agentByFrame(staffToken)
	subscribe(t, staffSocket, id, 0)

	req := e.requester(a.token)
	_, ms := subscribe(t, req, id, 0)
	if got := bodies(ms); !strings.Contains(got, "It stopped loading this morning.") || !strings.Contains(got, "Looking into it.") || strings.Contains(got, "secret") {
		t.Fatalf("requester's history: %s", got)
	}
	e.say(staff, id, "secret: ask engineering", true)
	e.say(staff, id, "Fixed: please check.", false)
	live := req.take("message.created", func(f frame) bool { return f.Type == hub.EventMessageCreated })
	if m := decode[authoredMessage](t, live.Data); m.Body != "Fixed: please check." || m.AuthorKind != "agent" || m.AuthorName != "Sam Staff" || m.Trace != nil {
		t.Fatalf("requester's next live message: %s", live.Data)
	}

	// What the member topic carries is for the owner's agent sockets.
	payload, err := json.Marshal(hub.Event{Type: "member.test", TenantID: a.tenant.ID, Data: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.node.Publish(ctx, hub.TopicMember(a.owner.ID), payload); err != nil {
		t.Fatal(err)
	}
	owner.waitFor("member.test", "")
	req.noFrameOf("h-quiet", id, "member.test")

	ack := req.request(realtime.TypeSend, "m1", map[string]any{"conversation_id": id, "client_msg_id": "c-1", "body": "Works now, thanks!"}, realtime.TypeAck)
	am := decode[struct{ Message authoredMessage }](t, ack.Data).Message
	if am.Body != "Works now, thanks!" || am.AuthorKind != "visitor" || am.AuthorName != a.owner.Name || am.TenantID != 0 {
		t.Fatalf("ack %s", ack.Data)
	}
	stored, err := e.svc.Messages(ctx, staff, hub.MessageFilter{ConversationID: id, AfterSeq: am.Seq - 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != am.ID || stored[0].AuthorKind != hub.AuthorVisitor || stored[0].AuthorName != a.owner.Name {
		t.Fatalf("stored %+v", stored)
	}
	if m := req.messages(1); m[0].Seq != am.Seq {
		t.Fatalf("requester's own message event: %+v", m)
	}
	if m := staffSocket.take("owner's message", func(f frame) bool {
		return f.Type == hub.EventMessageCreated && decode[message](t, f.Data).Seq == am.Seq
	}); decode[authoredMessage](t, m.Data).AuthorName != a.owner.Name {
		t.Fatalf("staff saw %s", m.Data)
	}

	req.request(realtime.TypeRead, "r1", map[string]any{"conversation_id": id, "seq": am.Seq}, realtime.TypeReadOK)
	req.send(realtime.TypeTyping, "ty1", map[string]any{"conversation_id": id, "typing": true})
	req.send(realtime.TypeHistory, "h1", map[string]any{"conversation_id": id})
	hist, before := req.until(realtime.TypeHistory, "h1")
	for _, f := range before {
		if f.ID == "ty1" {
			t.Fatalf("typing answered %s %s", f.Type, f.Data)
		}
	}
	if strings.Contains(string(hist.Data), "secret") || !strings.Contains(string(hist.Data), "Works now, thanks!") {
		t.Fatalf("requester's history page: %s", hist.Data)
	}

	req.expectError(realtime.TypeFeedback, "f1", map[string]any{"message_id": am.ID, "feedback": "down"}, hub.EForbidden)
	req.expectError(realtime.TypeTicketCreate, "tc1", map[string]any{"conversation_id": id, "subject": "Another", "email": "a@b.test"}, hub.EForbidden)
	req.expectError(realtime.TypeViewing, "v1", map[string]any{"conversation_id": id, "viewing": true}, hub.EForbidden)
	req.expectError(realtime.TypeSend, "m0", map[string]any{"body": "a conversation of my own?"}, hub.EInvalid)

	other := e.newAccount()
	theirs := e.openSupportTicket(other, "Theirs", "Not yours to read.")
	siteConv := startConversation(t, e, a)

	// The workspace's ticket list follows: staff resolve it, the
	// requester hears it done; another workspace's requester hears nothing.
	otherReq := e.requester(other.token)
	resolved := hub.TicketResolved
	if _, err := e.svc.UpdateTicket(ctx, staff, ticket.ID, hub.TicketUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	done := req.take("support.ticket", func(f frame) bool { return f.Type == hub.EventSupportTicket })
	if st := decode[hub.SupportTicket](t, done.Data); st.ID != ticket.ID || st.Status != hub.SupportDone {
		t.Fatalf("support.ticket %s", done.Data)
	}
	otherReq.noFrameOf("h-other", theirs.ConversationID, hub.EventSupportTicket)
	for i, conv := range []int64{theirs.ConversationID, siteConv.conv.ID} {
		req.expectError(realtime.TypeSubscribe, fmt.Sprintf("x%d", i), map[string]any{"conversation_id": conv}, hub.ENotFound)
		req.expectError(realtime.TypeHistory, fmt.Sprintf("y%d", i), map[string]any{"conversation_id": conv}, hub.ENotFound)
	}

	// An auth frame authenticates as the same visitor, on the member's behalf.
	r, err := e.svc.RequesterActor(ctx, a.actor)
	if err != nil {
		t.Fatal(err)
	}
	_, okf := e.requesterByFrame(a.token)
	if got := decode[authOK](t, okf.Data); got.Kind != "requester" || got.ID != r.ID || got.ReadOnly {
		t.Fatalf("auth.ok %s, want requester %d", okf.Data, r.ID)
	}
}

// TestRequesterRefused: agents and staff get forbidden on /ws/support,
// by cookie and by auth frame, and nothing else; the origin must be the
// dashboard's.
func TestRequesterRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	_, agentToken := e.addAgent(a, "agent@refused.test")
	_, staffToken, _ := e.newStaff("staff@refused.test")
	for name, token := range map[string]string{"agent": agentToken, "staff": staffToken} {
		byCookie := e.mustDial("/ws/support", dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + token}}})
		if f := byCookie.next(); f.Type != realtime.TypeError || f.ID != "" || errCode(t, f) != hub.EForbidden {
			t.Fatalf("%s by cookie: %s %q %s", name, f.Type, f.ID, f.Data)
		}
		byCookie.send(realtime.TypeHistory, "h1", map[string]any{"conversation_id": 1})
		if f := byCookie.next(); f.Type != realtime.TypeError || f.ID != "h1" || errCode(t, f) != hub.EUnauthorized {
			t.Fatalf("%s by cookie, then history: %s %q %s", name, f.Type, f.ID, f.Data)
		}

		byFrame := e.mustDial("/ws/support", dialOpts{origin: dashOrigin})
		byFrame.send(realtime.TypeAuth, "a1", map[string]any{"token": token})
		if f := byFrame.next(); f.Type != realtime.TypeError || f.ID != "a1" || errCode(t, f) != hub.EForbidden {
			t.Fatalf("%s by frame: %s %q %s", name, f.Type, f.ID, f.Data)
		}
		byFrame.send(realtime.TypeSubscribe, "s1", map[string]any{"conversation_id": 1})
		if f := byFrame.next(); f.Type != realtime.TypeError || f.ID != "s1" || errCode(t, f) != hub.EUnauthorized {
			t.Fatalf("%s by frame, then subscribe: %s %q %s", name, f.Type, f.ID, f.Data)
		}
	}
	for _, origin := range []string{siteOrigin, "https://evil.example", ""} {
		conn, resp, err := e.dial("/ws/support", dialOpts{origin: origin, header: http.Header{"Cookie": {"parley_session=" + a.token}}})
		if err == nil {
			conn.CloseNow()
			t.Fatalf("origin %q: upgraded", origin)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %q: %v %v", origin, resp, err)
		}
	}
}

// TestRequesterRoleChangeCloses: with the periodic check an hour away, an
// admin's support sockets survive a promotion to owner, and close with
// 4001 at once when the admin becomes an agent; a logout closes the
// owner's.
func TestRequesterRoleChangeCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = time.Hour }))
	ctx := context.Background()
	a := e.newAccount()
	admin, err := e.svc.AddMember(ctx, a.actor, hub.NewMember{TenantID: a.tenant.ID, Email: "admin@role.test", Password: "password123", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, "admin@role.test", "password123")
	if err != nil {
		t.Fatal(err)
	}
	byCookie := e.requester(token)
	byFrame, _ := e.requesterByFrame(token)
	owner := e.requester(a.token)

	if _, err := e.svc.ChangeRole(ctx, a.actor, admin.ID, hub.RoleOwner); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the re-check the change asked for
	stillOpen(byCookie, "c1")
	stillOpen(byFrame, "f1")

	if _, err := e.svc.ChangeRole(ctx, a.actor, admin.ID, hub.RoleAgent); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"cookie": byCookie, "auth frame": byFrame} {
		if code := c.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
			t.Errorf("%s socket closed with %d, want %d", name, code, realtime.CloseSessionEnded)
		}
	}
	stillOpen(owner, "o1")
	if err := e.svc.Logout(ctx, a.token); err != nil {
		t.Fatal(err)
	}
	if code := owner.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("owner's socket closed with %d after logout, want %d", code, realtime.CloseSessionEnded)
	}
}

// TestSupportViewer: staff with the workspace's access open read it over
// /ws/agent (by auth frame, or by cookie with ?tenant_id=): subscribe,
// history and live messages; the socket and each conversation opened are
// in the workspace's audit log; every frame that changes something gets
// forbidden and changes nothing; the viewer shows in neither presence nor
// viewing.
func TestSupportViewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.newAccount()
	conv := startConversation(t, e, a)
	id := conv.conv.ID
	e.say(a.actor, id, "Hi, how can I help?", false)
	e.say(a.actor, id, "note for the team", true)
	staffM, staffToken, _ := e.newStaff("staff@viewer.test")
	e.setSupportAccess(a, true, 0)

	owner := e.agent(a)
	owner.awaitOnline(onlineSet{}, a.owner.ID)
	subscribe(t, owner, id, 0)

	viewer, okf := e.viewer(staffToken, a.tenant.ID)
	if got := decode[authOK](t, okf.Data); got.Kind != "agent" || got.ID != staffM.ID || !got.ReadOnly {
		t.Fatalf("viewer's auth.ok %s", okf.Data)
	}
	list := viewer.waitFor(realtime.TypePresenceList, "")
	if got := decode[struct{ Online []int64 }](t, list.Data).Online; !slices.Equal(got, []int64{a.owner.ID}) {
		t.Fatalf("viewer's presence.list = %v, want only the owner", got)
	}
	if got := e.node.OnlineMembers(a.tenant.ID); !slices.Equal(got, []int64{a.owner.ID}) {
		t.Fatalf("workspace online = %v, want only the owner", got)
	}

	_, ms := subscribe(t, viewer, id, 0)
	if got := bodies(ms); got != "1:hello, anyone there?,2:Hi, how can I help?,3:note for the team" {
		t.Fatalf("viewer subscribed: %s", got)
	}
	e.say(conv.visitorActor, id, "My order is late.", false)
	if m := viewer.messages(1); bodies(m) != "4:My order is late." {
		t.Fatalf("viewer's live message: %s", bodies(m))
	}
	hist := viewer.request(realtime.TypeHistory, "h1", map[string]any{"conversation_id": id}, realtime.TypeHistory)
	if len(decode[struct{ Messages []message }](t, hist.Data).Messages) != 4 {
		t.Fatalf("viewer's history: %s", hist.Data)
	}

	entries, err := e.svc.SupportAudit(ctx, a.actor, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var seen []hub.SupportView
	for _, en := range entries {
		if en.Action == "support.view" && en.Subject == hub.SupportAuditSubject && en.ActorKind == hub.ActorStaff && en.ActorID == staffM.ID {
			d, _, err := hub.SupportViewOf(en.Data)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, d.SupportView)
		}
	}
	for _, want := range []hub.SupportView{{Kind: hub.ViewLive}, {Kind: hub.ViewConversation, ID: id}} {
		if !slices.Contains(seen, want) {
			t.Errorf("audit log of support views %+v lacks %+v", seen, want)
		}
	}

	was, err := e.svc.Conversation(ctx, a.actor, id)
	if err != nil {
		t.Fatal(err)
	}
	readOnly := hub.ErrorMessage(hub.Actor{ReadOnly: true}.Writable())
	writes := []struct {
		typ  string
		data map[string]any
	}{
		{realtime.TypeSend, map[string]any{"conversation_id": id, "body": "staff should not write here"}},
		{realtime.TypeSend, map[string]any{"conversation_id": id, "body": "nor a note", "internal": true}},
		{realtime.TypeTyping, map[string]any{"conversation_id": id, "typing": true}},
		{realtime.TypeRead, map[string]any{"conversation_id": id, "seq": 4}},
		{realtime.TypeViewing, map[string]any{"conversation_id": id, "viewing": true}},
		{realtime.TypeFeedback, map[string]any{"message_id": conv.first.ID, "feedback": "down"}},
		{realtime.TypeTicketCreate, map[string]any{"conversation_id": id, "subject": "x", "email": "a@b.test"}},
	}
	for i, w := range writes {
		fid := fmt.Sprintf("w%d", i)
		viewer.send(w.typ, fid, w.data)
		f := viewer.take("reply "+fid, func(f frame) bool { return f.ID == fid })
		d := decode[struct{ Code, Message string }](t, f.Data)
		if f.Type != realtime.TypeError || d.Code != hub.EForbidden || d.Message != readOnly {
			t.Errorf("%s: %s %s, want forbidden %q", w.typ, f.Type, f.Data, readOnly)
		}
	}
	now, err := e.svc.Conversation(ctx, a.actor, id)
	if err != nil {
		t.Fatal(err)
	}
	if now.LastSeq != was.LastSeq || now.AgentReadSeq != was.AgentReadSeq || now.Version != was.Version {
		t.Fatalf("conversation changed: %+v, was %+v", now, was)
	}
	owner.noFrameOf("o1", id, hub.EventViewing, hub.EventTyping, hub.EventPresence)

	// By cookie, the workspace is named in the query.
	byCookie := e.mustDial(fmt.Sprintf("/ws/agent?tenant_id=%d", a.tenant.ID),
		dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + staffToken}}})
	if got := decode[authOK](t, byCookie.waitFor(realtime.TypeAuthOK, "").Data); !got.ReadOnly || got.ID != staffM.ID {
		t.Fatalf("viewer by cookie: %+v", got)
	}
	subscribe(t, byCookie, id, 4)
	byCookie.expectError(realtime.TypeSend, "w", map[string]any{"conversation_id": id, "body": "no"}, hub.EForbidden)
	if _, resp, err := e.dial("/ws/agent?tenant_id=abc", dialOpts{origin: dashOrigin}); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("tenant_id=abc: %v %v", resp, err)
	}
	mismatch := e.mustDial(fmt.Sprintf("/ws/agent?tenant_id=%d", a.tenant.ID), dialOpts{origin: dashOrigin})
	mismatch.expectError(realtime.TypeAuth, "a1", map[string]any{"token": staffToken, "tenant_id": a.tenant.ID + 1000}, hub.EInvalid)

	// Without tenant_id, staff are members of their own tenant only.
	home := e.agentByFrame(staffToken)
	home.expectError(realtime.TypeSubscribe, "s1", map[string]any{"conversation_id": id}, hub.ENotFound)
}

// TestSupportViewerNeedsAccess: staff cannot view a workspace whose
// access is closed, nor the platform's own; access to one workspace opens
// no other; members who are not staff view nothing. A refused viewer is
// not authenticated.
func TestSupportViewerNeedsAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	b := e.newAccount()
	_, staffToken, staff := e.newStaff("staff@closed.test")

	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin})
	c.expectError(realtime.TypeAuth, "a1", map[string]any{"token": staffToken, "tenant_id": a.tenant.ID}, hub.EForbidden)
	c.expectError(realtime.TypeSubscribe, "s1", map[string]any{"conversation_id": 1}, hub.EUnauthorized)

	e.setSupportAccess(a, true, 0)
	c.expectError(realtime.TypeAuth, "a2", map[string]any{"token": b.token, "tenant_id": a.tenant.ID}, hub.EForbidden)
	c.expectError(realtime.TypeAuth, "a3", map[string]any{"token": staffToken, "tenant_id": b.tenant.ID}, hub.EForbidden)
	c.expectError(realtime.TypeAuth, "a4", map[string]any{"token": staffToken, "tenant_id": staff.TenantID}, hub.EForbidden)
	c.expectError(realtime.TypeAuth, "a5", map[string]any{"token": staffToken, "tenant_id": -1}, hub.EInvalid)

	byCookie := e.mustDial(fmt.Sprintf("/ws/agent?tenant_id=%d", b.tenant.ID),
		dialOpts{origin: dashOrigin, header: http.Header{"Cookie": {"parley_session=" + staffToken}}})
	if f := byCookie.next(); f.Type != realtime.TypeError || f.ID != "" || errCode(t, f) != hub.EForbidden {
		t.Fatalf("viewer of a closed workspace by cookie: %s %q %s", f.Type, f.ID, f.Data)
	}
	byCookie.send(realtime.TypeHistory, "h1", map[string]any{"conversation_id": 1})
	if f := byCookie.next(); f.Type != realtime.TypeError || f.ID != "h1" || errCode(t, f) != hub.EUnauthorized {
		t.Fatalf("then history: %s %q %s", f.Type, f.ID, f.Data)
	}

	entries, err := e.svc.SupportAudit(context.Background(), b.actor, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Action == "support.view" {
			t.Fatalf("a refused view is in b's audit log: %+v", en)
		}
	}
	// The open workspace can be viewed on the same socket.
	c.request(realtime.TypeAuth, "a6", map[string]any{"token": staffToken, "tenant_id": a.tenant.ID}, realtime.TypeAuthOK)
}

// TestSupportViewerAccessClosed: with the periodic check an hour away,
// closing the workspace's access closes its viewers with 4001 at once
// (hub.EventSupportAccess), and so does the end of the staff member's
// session; the workspace's own sockets stay and hear the change.
func TestSupportViewerAccessClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = time.Hour }))
	ctx := context.Background()
	a := e.newAccount()
	_, staffToken, _ := e.newStaff("staff@access.test")
	second, _, err := e.svc.Login(ctx, "staff@access.test", "password123")
	if err != nil {
		t.Fatal(err)
	}
	e.setSupportAccess(a, true, 0)
	viewer, _ := e.viewer(staffToken, a.tenant.ID)
	other, _ := e.viewer(second, a.tenant.ID)
	owner := e.agent(a)

	if err := e.svc.Logout(ctx, second); err != nil {
		t.Fatal(err)
	}
	if code := other.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("viewer of an ended session closed with %d, want %d", code, realtime.CloseSessionEnded)
	}
	stillOpen(viewer, "v1")

	e.setSupportAccess(a, false, 0)
	if code := viewer.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("viewer closed with %d after the access closed, want %d", code, realtime.CloseSessionEnded)
	}
	owner.waitFor(hub.EventSupportAccess, "")
	stillOpen(owner, "o1")
}

// TestSupportViewerAccessExpires: an access opened for an hour closes its
// viewers with 4001 at the first check after the hour, though nothing is
// published.
func TestSupportViewerAccessExpires(t *testing.T) {
	t.Parallel()
	var skew atomic.Int64
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = 100 * time.Millisecond }),
		withService(func(s *hub.Service) {
			s.Clock = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
		}))
	a := e.newAccount()
	_, staffToken, _ := e.newStaff("staff@expiry.test")
	e.setSupportAccess(a, true, time.Hour)
	viewer, _ := e.viewer(staffToken, a.tenant.ID)

	time.Sleep(350 * time.Millisecond) // several checks pass
	stillOpen(viewer, "v1")
	skew.Store(int64(61 * time.Minute))
	if code := viewer.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("viewer closed with %d after the access expired, want %d", code, realtime.CloseSessionEnded)
	}
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin})
	c.expectError(realtime.TypeAuth, "a1", map[string]any{"token": staffToken, "tenant_id": a.tenant.ID}, hub.EForbidden)
}
