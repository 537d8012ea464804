package postgres

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// txOnly is a store without SendQuick: every message takes Store.Tx.
type txOnly struct{ hub.Store }

// countedQuick counts the messages SendQuick wrote.
type countedQuick struct {
	*DB
	n atomic.Int64
}

func (c *countedQuick) SendQuick(ctx context.Context, in hub.QuickSend) (*hub.Conversation, []hub.MemberUnread, error) {
	conv, unread, err := c.DB.SendQuick(ctx, in)
	if err == nil {
		c.n.Add(1)
	}
	return conv, unread, err
}

// quickWorld is one workspace of two members and a site, on a service
// whose clock moves a minute per message.
type quickWorld struct {
	svc     *hub.Service
	site    *hub.Site
	owner   hub.Actor
	agent   hub.Actor
	now     time.Time
	visitor hub.Actor
}

func newQuickWorld(t *testing.T, store hub.Store, name string) *quickWorld {
	t.Helper()
	ctx := context.Background()
	w := &quickWorld{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	w.svc = &hub.Service{Store: store, Publisher: dropPublisher{}, Log: zerolog.Nop(), Secret: []byte("quick-secret"),
		Clock: func() time.Time { return w.now }}
	tenant, owner, err := w.svc.CreateTenant(ctx, hub.NewAccount{TenantName: name, Email: "owner@" + name + ".test", Password: "correct horse"})
	ok(t, err)
	w.owner = hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: hub.RoleOwner}
	agent, err := w.svc.AddMember(ctx, w.owner, hub.NewMember{TenantID: tenant.ID, Email: "agent@" + name + ".test",
		Password: "correct horse", Role: hub.RoleAgent})
	ok(t, err)
	w.agent = hub.Actor{Kind: hub.ActorMember, ID: agent.ID, TenantID: tenant.ID, Role: hub.RoleAgent}
	w.site, err = w.svc.CreateSite(ctx, w.owner, hub.NewSite{TenantID: tenant.ID, Name: "Shop", AllowedOrigins: []string{"https://shop.test"}})
	ok(t, err)
	visit, err := w.svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: w.site.Key, Origin: "https://shop.test"})
	ok(t, err)
	w.visitor, err = w.svc.VisitorActor(ctx, visit.Token)
	ok(t, err)
	return w
}

// TestSendQuickSameAsTx runs one story of a conversation through the
// service twice, in two workspaces of one database: once with SendQuick
// and once with every message in a transaction, and compares every row
// the story wrote, but for ids.
func TestSendQuickSameAsTx(t *testing.T) {
	db := mustOpenMigrated(t, MustSchema(t, "", false))
	quick := &countedQuick{DB: db}
	a, b := newQuickWorld(t, quick, "quick"), newQuickWorld(t, txOnly{db}, "tx")
	var story []string
	for _, w := range []*quickWorld{a, b} {
		story = append(story, storyOf(t, w))
	}
	if story[0] != story[1] {
		t.Fatalf("with SendQuick:\n%s\nwith transactions only:\n%s", story[0], story[1])
	}
	if n := quick.n.Load(); n < 4 {
		t.Fatalf("SendQuick wrote %d messages, want the 4 of the open conversation without a ticket", n)
	}
	t.Logf("SendQuick wrote %d messages; the story:\n%s", quick.n.Load(), story[0])
}

// storyOf plays the story in w and returns what it wrote, without ids.
func storyOf(t *testing.T, w *quickWorld) string {
	ctx := context.Background()
	var conv int64
	send := func(a hub.Actor, id, body string, inConv bool) *hub.Message {
		t.Helper()
		w.now = w.now.Add(time.Minute)
		in := hub.NewMessage{ClientMsgID: id, Body: body}
		if inConv {
			in.ConversationID = conv
		}
		m, err := w.svc.SendMessage(ctx, a, in)
		if err != nil {
			t.Fatalf("send %q: %v", body, err)
		}
		conv = m.ConversationID
		return m
	}
	send(w.visitor, "v1", "Hello, where is my order?", false) // a new conversation: a transaction
	send(w.visitor, "v2", "It is order 1234", true)
	send(w.visitor, "v3", "Anyone?\nStill waiting", false) // the newest conversation
	if again := send(w.visitor, "v2", "It is order 1234", true); again.Seq != 2 {
		t.Fatalf("a retried send got seq %d, want the original's 2", again.Seq)
	}
	w.now = w.now.Add(time.Minute)
	if _, err := w.svc.MarkRead(ctx, w.agent, conv, 3); err != nil {
		t.Fatal(err)
	}
	send(w.agent, "a1", "Let me check.", true)
	send(w.visitor, "v4", "Thanks", true)
	w.now = w.now.Add(time.Minute)
	if _, err := w.svc.SetConversationStatus(ctx, w.owner, conv, hub.ConversationResolved); err != nil {
		t.Fatal(err)
	}
	send(w.visitor, "v5", "One more thing", true) // reopens: a transaction
	send(w.visitor, "v6", "The colour is wrong", true)

	var out string
	c, err := w.svc.Store.FindConversationByID(ctx, conv)
	ok(t, err)
	c.ID, c.TenantID, c.SiteID, c.VisitorID, c.AssigneeID = 0, 0, 0, 0, 0
	out += fmt.Sprintf("conversation %+v\n", *c)
	ms, err := w.svc.Store.FindMessages(ctx, hub.MessageFilter{ConversationID: conv})
	ok(t, err)
	for _, m := range ms {
		m.ID, m.TenantID, m.ConversationID, m.AuthorID = 0, 0, 0, 0
		out += fmt.Sprintf("message %+v\n", *m)
	}
	for _, member := range []hub.Actor{w.owner, w.agent} {
		u, err := w.svc.Unread(ctx, member)
		ok(t, err)
		out += fmt.Sprintf("unread %+v\n", u)
	}
	rows, err := db(w).pool.Query(ctx, `SELECT read_seq, unread, in_tickets, mine FROM member_unread
		WHERE conversation_id = $1 ORDER BY member_id`, conv)
	ok(t, err)
	for rows.Next() {
		var readSeq, unread int64
		var inTickets, mine bool
		ok(t, rows.Scan(&readSeq, &unread, &inTickets, &mine))
		out += fmt.Sprintf("member unread: read %d, unread %d, in tickets %v, mine %v\n", readSeq, unread, inTickets, mine)
	}
	ok(t, rows.Err())
	var times []any
	row := db(w).pool.QueryRow(ctx, `SELECT asked_at, replied_at, agent_replied_at, answered_at, by_agent, by_assistant,
		came_back, handed_off FROM conversations WHERE id = $1`, conv)
	var asked, replied, agentReplied, answered *time.Time
	var byAgent, byAssistant, cameBack, handedOff bool
	ok(t, row.Scan(&asked, &replied, &agentReplied, &answered, &byAgent, &byAssistant, &cameBack, &handedOff))
	times = append(times, asked, replied, agentReplied, answered, byAgent, byAssistant, cameBack, handedOff)
	out += fmt.Sprintf("report columns %v\n", deref(times))
	return out
}

// db is the DB under w's store.
func db(w *quickWorld) *DB {
	switch s := w.svc.Store.(type) {
	case *countedQuick:
		return s.DB
	case txOnly:
		return s.Store.(*DB)
	}
	panic("unknown store")
}

func deref(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				out[i] = nil
				continue
			}
			out[i] = rv.Elem().Interface().(time.Time).UTC()
			continue
		}
		out[i] = v
	}
	return out
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSendQuickConcurrent has a visitor's messages (each sent twice at
// once, as a retry would) race an agent's replies in one conversation:
// every message is stored once, seqs have no gap, and the team's unread
// counts every visitor message after the agent's last reply.
func TestSendQuickConcurrent(t *testing.T) {
	d := mustOpenMigrated(t, MustSchema(t, "", false))
	quick := &countedQuick{DB: d}
	w := newQuickWorld(t, quick, "race")
	ctx := context.Background()
	first, err := w.svc.SendMessage(ctx, w.visitor, hub.NewMessage{ClientMsgID: "v0", Body: "hello"})
	ok(t, err)
	conv := first.ConversationID
	const visitorMessages, replies = 40, 10
	errs := make(chan error, 2*visitorMessages+replies)
	for i := range visitorMessages {
		for range 2 {
			go func() {
				_, err := w.svc.SendMessage(ctx, w.visitor, hub.NewMessage{ConversationID: conv, ClientMsgID: fmt.Sprint("v", i+1), Body: fmt.Sprint("message ", i+1)})
				errs <- err
			}()
		}
	}
	for i := range replies {
		go func() {
			_, err := w.svc.SendMessage(ctx, w.agent, hub.NewMessage{ConversationID: conv, ClientMsgID: fmt.Sprint("a", i), Body: "reply"})
			errs <- err
		}()
	}
	for range 2*visitorMessages + replies {
		ok(t, <-errs)
	}
	ms, err := w.svc.Store.FindMessages(ctx, hub.MessageFilter{ConversationID: conv, Limit: 1000})
	ok(t, err)
	if len(ms) != 1+visitorMessages+replies {
		t.Fatalf("%d messages stored, want %d", len(ms), 1+visitorMessages+replies)
	}
	ids := map[string]bool{}
	afterReply := 0
	for i, m := range ms {
		if m.Seq != int64(i+1) || ids[m.ClientMsgID] {
			t.Fatalf("message %d: seq %d, client id %q (seen before: %v)", i, m.Seq, m.ClientMsgID, ids[m.ClientMsgID])
		}
		ids[m.ClientMsgID] = true
		if m.AuthorKind == hub.AuthorAgent {
			afterReply = 0
		} else {
			afterReply++
		}
	}
	c, err := w.svc.Store.FindConversationByID(ctx, conv)
	ok(t, err)
	if c.LastSeq != int64(len(ms)) || c.UnreadByAgents != afterReply {
		t.Fatalf("conversation: last seq %d, unread by agents %d; want %d, %d", c.LastSeq, c.UnreadByAgents, len(ms), afterReply)
	}
	u, err := w.svc.Unread(ctx, w.owner)
	ok(t, err)
	if u.Totals.Conversations != 1+visitorMessages {
		t.Fatalf("the owner, who read nothing, has %d unread, want %d", u.Totals.Conversations, 1+visitorMessages)
	}
	t.Logf("SendQuick wrote %d of %d visitor messages", quick.n.Load(), visitorMessages)
}
