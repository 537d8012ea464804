package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// unreadWorld is the model testUnreadRecount keeps beside the store: the
// team, the conversations with the tickets, and each member's read
// position. Counts are recounted from the stored messages.
type unreadWorld struct {
	t       *testing.T
	s       hub.Store
	f       *fixture
	rnd     *rand.Rand
	members []int64
	convs   []*hub.Conversation
	tickets map[int64]*hub.Ticket
	// pos is each member's read position per conversation.
	pos map[int64]map[int64]int64
	// seen is the numbers last checked per member, with their version.
	seen map[int64]hub.UnreadCounts
}

func (w *unreadWorld) addMember() {
	m := mustMember(w.t, w.s, w.f.tenant.ID)
	w.members = append(w.members, m.ID)
	w.pos[m.ID] = map[int64]int64{}
	for _, c := range w.convs {
		w.pos[m.ID][c.ID] = c.LastSeq // a new member has read everything
	}
}

func (w *unreadWorld) addConversation() {
	c := mustConversation(w.t, w.s, w.f.visitor, t0)
	w.convs = append(w.convs, c)
	for _, m := range w.members {
		w.pos[m][c.ID] = 0
	}
}

// step applies one random operation.
func (w *unreadWorld) step() string {
	t, s, r := w.t, w.s, w.rnd
	c := w.convs[r.IntN(len(w.convs))]
	m := w.members[r.IntN(len(w.members))]
	switch n := r.IntN(100); {
	case n < 35:
		unreadMessage(t, s, c, hub.AuthorVisitor, w.f.visitor.ID, false)
		return "visitor writes"
	case n < 42:
		unreadMessage(t, s, c, hub.AuthorAssistant, 0, false)
		return "assistant writes"
	case n < 50:
		unreadMessage(t, s, c, hub.AuthorAgent, m, true)
		return "member writes a note"
	case n < 60:
		msg, _ := unreadMessage(t, s, c, hub.AuthorAgent, m, false)
		w.pos[m][c.ID] = msg.Seq
		return "member replies"
	case n < 78:
		seq := min(r.Int64N(c.LastSeq+3), c.LastSeq) // the hub reads up to the last message at most
		readUnread(t, s, m, c.ID, seq)
		w.pos[m][c.ID] = max(w.pos[m][c.ID], seq)
		return fmt.Sprintf("member reads up to %d of %d", seq, c.LastSeq)
	case n < 84:
		tk := mustTicket(t, s, w.f.tenant.ID, "Ticket")
		tk.ConversationID = c.ID
		if r.IntN(2) == 0 {
			tk.AssigneeID = m // assigned as it opens
		}
		must(t, s.UpdateTicket(t.Context(), tk))
		w.tickets[tk.ID] = tk
		scopeUnread(t, s, c, tk.ID)
		return "ticket opened"
	case n < 92:
		var all []*hub.Ticket
		for _, tk := range w.tickets {
			all = append(all, tk)
		}
		if len(all) == 0 {
			return "nothing to reassign"
		}
		slices.SortFunc(all, func(a, b *hub.Ticket) int { return int(a.ID - b.ID) })
		tk := all[r.IntN(len(all))]
		to := m
		if r.IntN(4) == 0 {
			to = 0
		}
		cur := slices.ContainsFunc(w.convs, func(c *hub.Conversation) bool { return c.TicketID == tk.ID })
		assignTicket(t, s, tk, to, cur)
		return "ticket reassigned"
	case n < 95:
		w.addMember()
		return "member added"
	case n < 97 && len(w.members) > 2:
		i := r.IntN(len(w.members))
		must(t, s.DeleteMember(t.Context(), w.members[i]))
		delete(w.pos, w.members[i])
		for _, tk := range w.tickets {
			if tk.AssigneeID == w.members[i] {
				tk.AssigneeID = 0 // the foreign key unassigns
			}
		}
		w.members = slices.Delete(w.members, i, i+1)
		return "member removed"
	default:
		w.addConversation()
		return "conversation started"
	}
}

// recount computes a member's numbers from scratch: the stored visitor
// messages after the member's read position, in the badges the
// conversations' current tickets give them.
func (w *unreadWorld) recount(member int64, msgs map[int64][]*hub.Message) (hub.UnreadTotals, map[int64]hub.ConversationUnread) {
	var totals hub.UnreadTotals
	counts := map[int64]hub.ConversationUnread{}
	for _, c := range w.convs {
		n := 0
		for _, m := range msgs[c.ID] {
			if m.AuthorKind == hub.AuthorVisitor && !m.Internal && m.Seq > w.pos[member][c.ID] {
				n++
			}
		}
		if n == 0 {
			continue
		}
		counts[c.ID] = hub.ConversationUnread{Count: n, TicketID: c.TicketID}
		totals.Conversations += n
		if c.TicketID != 0 {
			totals.Tickets += n
			if w.tickets[c.TicketID].AssigneeID == member {
				totals.MyTickets += n
			}
		}
	}
	return totals, counts
}

// check compares every member's stored numbers with a recount, and
// their version with the last one seen: it grows exactly when the
// numbers changed.
func (w *unreadWorld) check(after string) {
	t := w.t
	t.Helper()
	msgs := map[int64][]*hub.Message{}
	ids := make([]int64, len(w.convs))
	for i, c := range w.convs {
		list, err := w.s.FindMessages(t.Context(), hub.MessageFilter{ConversationID: c.ID, Limit: 1000})
		must(t, err)
		msgs[c.ID], ids[i] = list, c.ID
	}
	for _, m := range w.members {
		got := mustFindUnread(t, w.s, m, ids...)
		totals, counts := w.recount(m, msgs)
		if got.Totals != totals || !equalCounts(got.Conversations, counts) {
			t.Fatalf("after %s, member %d: stored %+v %v, recounted %+v %v", after, m, got.Totals, got.Conversations, totals, counts)
		}
		prev, ok := w.seen[m]
		switch {
		case !ok:
		case got.Version < prev.Version:
			t.Fatalf("after %s, member %d: version went back from %d to %d", after, m, prev.Version, got.Version)
		case got.Version == prev.Version && (got.Totals != prev.Totals || !sameCounts(got.Conversations, prev.Conversations)):
			t.Fatalf("after %s, member %d: numbers changed at the same version %d", after, m, got.Version)
		}
		w.seen[m] = got
	}
}

// sameCounts compares the counts only: a conversation's current ticket is
// the conversation's, not the member's number.
func sameCounts(a, b map[int64]hub.ConversationUnread) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k].Count != v.Count {
			return false
		}
	}
	return true
}

func equalCounts(a, b map[int64]hub.ConversationUnread) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// unreadSeed is the seed of testUnreadRecount: PARLEY_UNREAD_SEED replays a
// failure, else a new one each run (logged).
func unreadSeed(t *testing.T) uint64 {
	if v := os.Getenv("PARLEY_UNREAD_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		must(t, err)
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// testUnreadRecount applies a random sequence of operations and, after
// each, checks that every member's stored counts and badges equal a
// recount from the messages (the seed is logged; PARLEY_UNREAD_SEED
// replays it). Then it runs operations from several goroutines at once
// and recounts at the end: no count may miss a message.
func testUnreadRecount(t *testing.T, s hub.Store) {
	seed := unreadSeed(t)
	t.Logf("PARLEY_UNREAD_SEED=%d", seed)
	w := &unreadWorld{t: t, s: s, f: newFixture(t, s), rnd: rand.New(rand.NewPCG(seed, seed>>1)),
		tickets: map[int64]*hub.Ticket{}, pos: map[int64]map[int64]int64{}, seen: map[int64]hub.UnreadCounts{}}
	w.members = []int64{w.f.member.ID}
	w.pos[w.f.member.ID] = map[int64]int64{}
	w.convs = []*hub.Conversation{w.f.conv}
	w.pos[w.f.member.ID][w.f.conv.ID] = 0
	for range 3 {
		w.addMember()
	}
	w.addConversation()
	for i := range 300 {
		op := w.step()
		w.check(fmt.Sprintf("step %d (%s)", i, op))
	}

	// Concurrently: visitor messages, replies, reads and reassignments of
	// the current tickets, each goroutine on its own random stream.
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		pos = map[[2]int64]int64{}
	)
	cur := []*hub.Ticket{}
	for _, c := range w.convs {
		if c.TicketID != 0 {
			cur = append(cur, w.tickets[c.TicketID])
		}
	}
	ctx := t.Context()
	for g := range 4 {
		r := rand.New(rand.NewPCG(seed, uint64(g)))
		wg.Go(func() {
			for range 40 {
				c := *w.convs[r.IntN(len(w.convs))] // a copy: LastSeq is this goroutine's own
				m := w.members[r.IntN(len(w.members))]
				read := func(seq int64) {
					mu.Lock()
					pos[[2]int64{m, c.ID}] = max(pos[[2]int64{m, c.ID}], seq)
					mu.Unlock()
				}
				var err error
				switch n := r.IntN(10); {
				case n < 5:
					_, _, err = writeUnreadMessage(ctx, s, &c, hub.AuthorVisitor, w.f.visitor.ID, false)
				case n < 6:
					var msg *hub.Message
					if msg, _, err = writeUnreadMessage(ctx, s, &c, hub.AuthorAgent, m, false); err == nil {
						read(msg.Seq)
					}
				case n < 9:
					var cc *hub.Conversation
					if cc, err = s.FindConversationByID(ctx, c.ID); err == nil {
						seq := r.Int64N(cc.LastSeq + 1)
						if _, _, err = doReadUnread(ctx, s, m, c.ID, seq); err == nil {
							read(seq)
						}
					}
				case len(cur) > 0:
					tk := *cur[r.IntN(len(cur))]
					_, err = doAssignTicket(ctx, s, &tk, m, true)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for k, seq := range pos {
		w.pos[k[0]][k[1]] = max(w.pos[k[0]][k[1]], seq)
	}
	for _, tk := range cur {
		got, err := s.FindTicketByID(t.Context(), tk.ID)
		must(t, err)
		w.tickets[tk.ID].AssigneeID = got.AssigneeID
	}
	w.check("the concurrent operations")
}
