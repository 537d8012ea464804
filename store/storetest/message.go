package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testMessages(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	m := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorAssistant, AuthorID: 0,
		Body: "Hi! What is your email?", StatusType: hub.StatusGeneratedContent, ClientMsgID: "c-1",
		Prompt: hub.PromptEmail, CreatedAt: at(1), Trace: &hub.DecisionTrace{Language: "ru", Provider: "builtin",
			Sources: []hub.KBSource{{EntryID: 4, Title: "Доставка", Score: 0.75, Used: true}}, Decision: "answered"}}
	mustMessage(t, s, m)
	if m.ID == 0 || m.Seq != 1 {
		t.Fatalf("first message: ID %d, Seq %d; want an ID and seq 1", m.ID, m.Seq)
	}
	note := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorAgent,
		AuthorID: f.member.ID, AuthorName: "Ann", Body: "internal", Internal: true, CreatedAt: at(2)})
	wantEqual(t, "second seq", note.Seq, int64(2))

	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "conversation LastSeq", c.LastSeq, int64(2))

	list, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: f.conv.ID})
	must(t, err)
	wantEqual(t, "FindMessages", list, []*hub.Message{m, note})

	// Another conversation counts from 1.
	conv2 := mustConversation(t, s, f.visitor, t0)
	m2 := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: conv2.ID})
	wantEqual(t, "seq in another conversation", m2.Seq, int64(1))

	err = s.Tx(ctx, func(q hub.Queries) error {
		return q.CreateMessage(ctx, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID + 1000,
			AuthorKind: hub.AuthorVisitor, Body: "x", CreatedAt: t0})
	})
	wantCode(t, err, hub.ENotFound)

	// Outside Tx, CreateMessage still keeps seq and LastSeq together.
	m3 := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor, Body: "x", CreatedAt: t0}
	must(t, s.CreateMessage(ctx, m3))
	wantEqual(t, "seq outside Tx", m3.Seq, int64(3))
	c, err = s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "LastSeq after a message outside Tx", c.LastSeq, int64(3))
}

// testMessageClientIDs checks idempotent sends: a duplicate client message
// id is EConflict, the original is found by it, and the failed insert
// leaves no gap in the seqs.
func testMessageClientIDs(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	orig := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, Body: "first", ClientMsgID: "c-1"})

	dup := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor, Body: "retry",
		ClientMsgID: "c-1", CreatedAt: t0}
	err := s.Tx(ctx, func(q hub.Queries) error { return q.CreateMessage(ctx, dup) })
	wantCode(t, err, hub.EConflict)
	wantCode(t, s.CreateMessage(ctx, dup), hub.EConflict)

	got, err := s.FindMessageByClientID(ctx, f.conv.ID, "c-1")
	must(t, err)
	wantEqual(t, "FindMessageByClientID", got, orig)

	next := mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, Body: "second"})
	wantEqual(t, "seq after a duplicate", next.Seq, int64(2))
	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "LastSeq after a duplicate", c.LastSeq, int64(2))

	// Messages without a client id never collide; the empty id finds nothing.
	mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID})
	_, err = s.FindMessageByClientID(ctx, f.conv.ID, "")
	wantCode(t, err, hub.ENotFound)
	_, err = s.FindMessageByClientID(ctx, f.conv.ID, "c-2")
	wantCode(t, err, hub.ENotFound)

	// Client ids are per conversation.
	other := mustConversation(t, s, f.visitor, t0)
	mustMessage(t, s, &hub.Message{TenantID: f.tenant.ID, ConversationID: other.ID, ClientMsgID: "c-1"})

	// By id, and the visitor's feedback.
	got, err = s.FindMessageByID(ctx, orig.ID)
	must(t, err)
	wantEqual(t, "FindMessageByID", got, orig)
	must(t, s.UpdateMessageFeedback(ctx, orig.ID, hub.FeedbackDown))
	got, err = s.FindMessageByID(ctx, orig.ID)
	must(t, err)
	wantEqual(t, "feedback after UpdateMessageFeedback", got.Feedback, hub.FeedbackDown)
	_, err = s.FindMessageByID(ctx, orig.ID+10000)
	wantCode(t, err, hub.ENotFound)
	wantCode(t, s.UpdateMessageFeedback(ctx, orig.ID+10000, hub.FeedbackUp), hub.ENotFound)
}

// testMessageSeqConcurrent sends from 8 goroutines at once, each message in
// its own transaction: the seqs are 1…400, each exactly once.
func testMessageSeqConcurrent(t *testing.T, s hub.Store) {
	const writers, each = 8, 50
	ctx := t.Context()
	f := newFixture(t, s)
	var (
		mu   sync.Mutex
		seqs []int64
		wg   sync.WaitGroup
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor,
					Body: fmt.Sprintf("w%d m%d", w, i), ClientMsgID: fmt.Sprintf("w%d-%d", w, i), CreatedAt: t0}
				if err := s.Tx(ctx, func(q hub.Queries) error { return q.CreateMessage(ctx, m) }); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seqs = append(seqs, m.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	slices.Sort(seqs)
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("sorted seqs[%d] = %d, want %d: seqs have a gap or a duplicate", i, seq, i+1)
		}
	}
	wantEqual(t, "messages sent", len(seqs), writers*each)
	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "LastSeq", c.LastSeq, int64(writers*each))
	list, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: f.conv.ID, Limit: 1000})
	must(t, err)
	wantEqual(t, "stored messages", len(list), writers*each)
}

// testMessageSeqWithoutTx sends concurrently without Store.Tx: a store
// still gives each message its own seq, as one atomic write.
func testMessageSeqWithoutTx(t *testing.T, s hub.Store) {
	const writers, each = 8, 25
	ctx := t.Context()
	f := newFixture(t, s)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				m := &hub.Message{TenantID: f.tenant.ID, ConversationID: f.conv.ID, AuthorKind: hub.AuthorVisitor,
					Body: "x", CreatedAt: t0}
				if err := s.CreateMessage(ctx, m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	list, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: f.conv.ID, Limit: writers * each})
	must(t, err)
	wantEqual(t, "seqs", seqs(list), seqRange(1, writers*each, nil))
	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "LastSeq", c.LastSeq, int64(writers*each))
}

// sendN writes n messages to conv in one transaction; every third is an
// internal note, the rest alternate between the visitor and an agent.
func sendN(t *testing.T, s hub.Store, conv *hub.Conversation, n int) []*hub.Message {
	t.Helper()
	ctx := t.Context()
	var out []*hub.Message
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		out = out[:0]
		for i := range n {
			m := &hub.Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: hub.AuthorVisitor,
				Body: fmt.Sprintf("message %d", i), CreatedAt: at(i)}
			if i%2 == 1 {
				m.AuthorKind = hub.AuthorAgent
			}
			m.Internal = i%3 == 2
			if err := q.CreateMessage(ctx, m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	}))
	return out
}

func seqs(list []*hub.Message) []int64 { return ids(list, func(m *hub.Message) int64 { return m.Seq }) }

func seqRange(from, to int64, skip func(int64) bool) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		if skip == nil || !skip(s) {
			out = append(out, s)
		}
	}
	return out
}

func testFindMessages(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	sent := sendN(t, s, f.conv, 1001)
	internal := func(seq int64) bool { return sent[seq-1].Internal }

	tests := []struct {
		name   string
		filter hub.MessageFilter
		want   []int64
	}{
		{"range", hub.MessageFilter{AfterSeq: 10, BeforeSeq: 15}, seqRange(11, 14, nil)},
		{"after", hub.MessageFilter{AfterSeq: 995}, seqRange(996, 1001, nil)},
		{"limit", hub.MessageFilter{AfterSeq: 10, Limit: 3}, seqRange(11, 13, nil)},
		{"newest", hub.MessageFilter{BeforeSeq: 50, Newest: true, Limit: 4}, seqRange(46, 49, nil)},
		{"newest of all", hub.MessageFilter{Newest: true, Limit: 2}, seqRange(1000, 1001, nil)},
		{"visitor view", hub.MessageFilter{AfterSeq: 0, BeforeSeq: 10, VisitorView: true}, seqRange(1, 9, internal)},
		// Seqs 3, 6, 9 and 12 are internal notes.
		{"visitor view newest", hub.MessageFilter{BeforeSeq: 13, VisitorView: true, Newest: true, Limit: 3}, []int64{8, 10, 11}},
		{"default limit", hub.MessageFilter{}, seqRange(1, 100, nil)},
		{"maximum limit", hub.MessageFilter{Limit: 5000}, seqRange(1, 1000, nil)},
		{"empty range", hub.MessageFilter{AfterSeq: 5, BeforeSeq: 6}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ConversationID = f.conv.ID
			list, err := s.FindMessages(ctx, tt.filter)
			must(t, err)
			if list == nil {
				t.Fatal("FindMessages returned nil, want a slice")
			}
			wantEqual(t, "seqs", seqs(list), tt.want)
		})
	}

	list, err := s.FindMessages(ctx, hub.MessageFilter{ConversationID: f.conv.ID, AfterSeq: 2, Limit: 1})
	must(t, err)
	wantEqual(t, "message 3", list[0], sent[2])
}

func testCountMessages(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	sent := sendN(t, s, f.conv, 12)
	// Seqs: visitor 1 3 5 7 9 11, agent 2 4 6 8 10 12; internal 3 6 9 12.
	tests := []struct {
		after   int64
		authors []hub.AuthorKind
		want    int
	}{
		{0, []hub.AuthorKind{hub.AuthorVisitor}, 4},                                      // 1 5 7 11
		{0, []hub.AuthorKind{hub.AuthorAgent}, 4},                                        // 2 4 8 10
		{5, []hub.AuthorKind{hub.AuthorVisitor}, 2},                                      // 7 11
		{4, []hub.AuthorKind{hub.AuthorAgent, hub.AuthorAssistant, hub.AuthorSystem}, 2}, // 8 10
		{0, []hub.AuthorKind{hub.AuthorVisitor, hub.AuthorAgent}, 8},
		{12, []hub.AuthorKind{hub.AuthorVisitor}, 0},
		{0, []hub.AuthorKind{hub.AuthorSystem}, 0},
		{0, nil, 0},
	}
	for _, tt := range tests {
		n, err := s.CountMessages(ctx, f.conv.ID, tt.after, tt.authors)
		must(t, err)
		if n != tt.want {
			t.Errorf("CountMessages(after %d, %v) = %d, want %d", tt.after, tt.authors, n, tt.want)
		}
	}
	if len(sent) != 12 {
		t.Fatalf("sent %d messages, want 12", len(sent))
	}
}
