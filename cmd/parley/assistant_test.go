package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server (emersion/go-smtp) that keeps what it gets.
type mailbox struct {
	addr string
	mu   sync.Mutex
	got  []*mail.Message
}

func startMailbox(tb testing.TB) *mailbox {
	tb.Helper()
	mb := &mailbox{}
	s := smtp.NewServer(mb)
	s.Domain = "mx.test"
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	mb.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	tb.Cleanup(func() {
		// Closing the listener ends Serve even if it has not registered
		// it yet (a test that skips at once); s.Close alone would wait
		// for a Serve that never returns.
		_ = l.Close()
		_ = s.Close()
		<-done
	})
	return mb
}

func (mb *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }

// to returns the messages addressed to rcpt.
func (mb *mailbox) to(rcpt string) []*mail.Message {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	var out []*mail.Message
	for _, m := range mb.got {
		if strings.Contains(m.Header.Get("To"), rcpt) {
			out = append(out, m)
		}
	}
	return out
}

type mailSession struct{ mb *mailbox }

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailSession) Reset()                               {}
func (s *mailSession) Logout() error                        { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.got = append(s.mb.got, m)
	s.mb.mu.Unlock()
	return nil
}

// assistantMessage is a message as the widget gets it.
type assistantMessage struct {
	Seq        int64  `json:"seq"`
	AuthorKind string `json:"author_kind"`
	Body       string `json:"body"`
	StatusType string `json:"status_type"`
	Prompt     string `json:"prompt"`
}

// nextFrom waits for the visitor's next message.created by author.
func nextFrom(c *client, author string) assistantMessage {
	c.tb.Helper()
	for {
		f, _ := c.await("message.created", "")
		m := decode[assistantMessage](c.tb, f.Data)
		if m.AuthorKind == author {
			return m
		}
	}
}

func say(c *client, body string) {
	c.tb.Helper()
	c.call("send", "ack", map[string]any{"body": body, "client_msg_id": fmt.Sprintf("v-%d", time.Now().UnixNano())})
}

// TestAssistantEndToEnd runs the whole flow on embedded defaults: the
// visitor asks what the knowledge base answers (answered), asks for a
// refund (email collected, with an invalid one refused, ticket created,
// agents see it live, emails sent), an agent replies (the visitor sees it,
// the assistant stays silent).
func TestAssistantEndToEnd(t *testing.T) {
	mb := startMailbox(t)
	n := startNode(t, "PARLEY_DATA_DIR="+t.TempDir(), "PARLEY_SMTP_URL=smtp://"+mb.addr)
	assistantFlow(t, n, n, mb)
}

// TestAssistantEndToEndOnCluster: the same on Postgres and Redis, the
// visitor on one node and the agent on another.
func TestAssistantEndToEndOnCluster(t *testing.T) {
	mb := startMailbox(t)
	env := append(clusterEnv(t), "PARLEY_SMTP_URL=smtp://"+mb.addr)
	a := startNode(t, env...)
	b := startNode(t, env...)
	assistantFlow(t, a, b, mb)
}

func assistantFlow(t *testing.T, visitorNode, agentNode *testNode, mb *mailbox) {
	email, password := demoLogin(t, visitorNode)
	if email == "" {
		email, password = demoLogin(t, agentNode)
	}
	siteKey := demoSiteKey(t, visitorNode)
	token := login(t, agentNode, email, password)
	agent := agentFor(t, agentNode, token)
	v := visitorFor(t, visitorNode, siteKey, visitorNode.Origin)

	// 1. A question the knowledge base answers.
	say(v, "How long does shipping take to Germany?")
	ans := nextFrom(v, "assistant")
	if ans.StatusType != "MATCHED_CONTENT" || !strings.Contains(ans.Body, "Delivery takes 2–4 business days") {
		t.Fatalf("answer %+v, want the shipping entry", ans)
	}
	say(v, "Сколько идёт доставка?")
	if ru := nextFrom(v, "assistant"); !strings.Contains(ru.Body, "Доставка по России") {
		t.Fatalf("Russian answer %+v", ru)
	}

	// 2. A refund: the assistant asks for the email, refuses an invalid
	// one, and opens the ticket with a valid one.
	say(v, "I want a refund for order 1042, it arrived broken")
	ask := nextFrom(v, "assistant")
	if ask.Prompt != "email" || !strings.Contains(ask.Body, "email") {
		t.Fatalf("request for the email %+v", ask)
	}
	say(v, "it's ann@shop")
	again := nextFrom(v, "assistant")
	if again.Prompt != "email" || !strings.Contains(again.Body, "ann@shop") {
		t.Fatalf("re-ask %+v", again)
	}
	say(v, "ann@shop.test")
	created := nextFrom(v, "system")
	confirm := nextFrom(v, "assistant")
	if created.Body != "Ticket TKT-1 created" || !strings.Contains(confirm.Body, "TKT-1") || !strings.Contains(confirm.Body, "ann@shop.test") {
		t.Fatalf("ticket messages %q, %q", created.Body, confirm.Body)
	}

	// Agents see the ticket live.
	for {
		f, _ := agent.await("ticket.updated", "")
		tk := decode[struct {
			Ref            string `json:"ref"`
			RequesterEmail string `json:"requester_email"`
			Source         string `json:"source"`
			Summary        string `json:"summary"`
		}](t, f.Data)
		if tk.Ref == "TKT-1" {
			if tk.RequesterEmail != "ann@shop.test" || tk.Source != "assistant" || !strings.Contains(tk.Summary, "refund") {
				t.Fatalf("ticket event %+v", tk)
			}
			break
		}
	}

	// Emails: the team (the demo owner: no support email override) with
	// Reply-To the visitor, and the visitor's confirmation.
	waitUntil(t, "ticket emails", func() (bool, any) {
		return len(mb.to(email)) == 1 && len(mb.to("ann@shop.test")) == 1, len(mb.to("@"))
	})
	team := mb.to(email)[0]
	subject, _ := new(mime.WordDecoder).DecodeHeader(team.Header.Get("Subject"))
	body, _ := io.ReadAll(team.Body)
	if !strings.Contains(team.Header.Get("Reply-To"), "ann@shop.test") || !strings.HasPrefix(subject, "[TKT-1]") ||
		!strings.Contains(string(body), "refund for order 1042") {
		t.Fatalf("team email: Reply-To %q, subject %q, body %q", team.Header.Get("Reply-To"), subject, body)
	}

	// 3. An agent replies: the visitor sees it; the assistant stays silent.
	var conv int64
	auth := bearer(token)
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if st := do(t, "GET", agentNode.URL+"/api/v1/conversations", auth, nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("conversations: status %d, %+v", st, list)
	}
	conv = list.Items[0].ID
	agentSend(t, agent, conv, "a1", "Hi Ann, I'm sorry: a refund is on its way.")
	if reply := nextFrom(v, "agent"); !strings.Contains(reply.Body, "refund is on its way") {
		t.Fatalf("agent reply %+v", reply)
	}
	say(v, "Thank you!")
	var c struct {
		Handoff      string `json:"handoff"`
		VisitorSeq   int64  `json:"visitor_seq"`
		AssistantSeq int64  `json:"assistant_seq"`
	}
	if st := do(t, "GET", fmt.Sprintf("%s/api/v1/conversations/%d", agentNode.URL, conv), auth, nil, &c); st != 200 {
		t.Fatalf("get conversation: status %d", st)
	}
	if c.Handoff != "human" || c.VisitorSeq <= c.AssistantSeq {
		t.Fatalf("after the agent's reply: %+v, want a human in charge and the assistant's work not pending", c)
	}
}
