package storetest

import (
	"context"
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

// Unread per member (hub/unread.go has the rules; the stores keep the
// counters). These tests call the store the way the hub does: a visitor
// message is CreateMessage and AddUnread in one transaction, a member's
// reply CreateMessage and ReadUnread up to it, a read ReadUnread, a
// ticket opened or reassigned ScopeUnread.

// unreadAuthors are hub's (unreadAuthors in hub/unread.go): visitors.
var unreadAuthors = []hub.AuthorKind{hub.AuthorVisitor}

// unreadMessage writes a message as the hub does and returns what it
// changed in the members' numbers.
func unreadMessage(t *testing.T, s hub.Store, c *hub.Conversation, author hub.AuthorKind, authorID int64, internal bool) (*hub.Message, []hub.MemberUnread) {
	t.Helper()
	m, changed, err := writeUnreadMessage(t.Context(), s, c, author, authorID, internal)
	if err != nil {
		t.Fatalf("%s message in conversation %d: %v", author, c.ID, err)
	}
	return m, changed
}

// writeUnreadMessage is unreadMessage for any goroutine.
func writeUnreadMessage(ctx context.Context, s hub.Store, c *hub.Conversation, author hub.AuthorKind, authorID int64, internal bool) (*hub.Message, []hub.MemberUnread, error) {
	m := &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: author, AuthorID: authorID, Body: "hello",
		Internal: internal, CreatedAt: t0}
	var changed []hub.MemberUnread
	err := s.Tx(ctx, func(q hub.Queries) error {
		changed = nil
		if err := q.CreateMessage(ctx, m); err != nil {
			return err
		}
		switch {
		case internal:
		case author == hub.AuthorVisitor:
			var err error
			changed, err = q.AddUnread(ctx, hub.UnreadScope{TenantID: c.TenantID, ConversationID: c.ID, TicketID: c.TicketID}, m.Seq)
			return err
		case author == hub.AuthorAgent:
			mu, read, err := q.ReadUnread(ctx, hub.UnreadRead{MemberID: authorID, ConversationID: c.ID, Seq: m.Seq, Authors: unreadAuthors})
			if read {
				changed = []hub.MemberUnread{mu}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	c.LastSeq = m.Seq
	return m, changed, nil
}

// readUnread reads conversation c up to seq for member m in a transaction.
func readUnread(t *testing.T, s hub.Store, member, conv, seq int64) (hub.MemberUnread, bool) {
	t.Helper()
	mu, read, err := doReadUnread(t.Context(), s, member, conv, seq)
	must(t, err)
	return mu, read
}

// doReadUnread is readUnread for any goroutine.
func doReadUnread(ctx context.Context, s hub.Store, member, conv, seq int64) (hub.MemberUnread, bool, error) {
	var (
		mu   hub.MemberUnread
		read bool
	)
	err := s.Tx(ctx, func(q hub.Queries) error {
		var err error
		mu, read, err = q.ReadUnread(ctx, hub.UnreadRead{MemberID: member, ConversationID: conv, Seq: seq, Authors: unreadAuthors})
		return err
	})
	return mu, read, err
}

// scopeUnread points c at ticket (0: none) and moves its unread.
func scopeUnread(t *testing.T, s hub.Store, c *hub.Conversation, ticket int64) []hub.MemberUnread {
	t.Helper()
	ctx := t.Context()
	var changed []hub.MemberUnread
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		cur, err := q.FindConversationByID(ctx, c.ID)
		if err != nil {
			return err
		}
		cur.TicketID = ticket
		if err := q.UpdateConversation(ctx, cur); err != nil {
			return err
		}
		changed, err = q.ScopeUnread(ctx, hub.UnreadScope{TenantID: c.TenantID, ConversationID: c.ID, TicketID: ticket})
		return err
	}))
	c.TicketID = ticket
	return changed
}

// assignTicket gives tk to member (0: nobody), and moves the unread of its
// conversation when it is the conversation's current ticket.
func assignTicket(t *testing.T, s hub.Store, tk *hub.Ticket, member int64, current bool) []hub.MemberUnread {
	t.Helper()
	changed, err := doAssignTicket(t.Context(), s, tk, member, current)
	must(t, err)
	return changed
}

// doAssignTicket is assignTicket for any goroutine: like the hub, it tries
// again when another writer changed the ticket first.
func doAssignTicket(ctx context.Context, s hub.Store, tk *hub.Ticket, member int64, current bool) ([]hub.MemberUnread, error) {
	var changed []hub.MemberUnread
	try := func() error {
		return s.Tx(ctx, func(q hub.Queries) error {
			cur, err := q.FindTicketByID(ctx, tk.ID)
			if err != nil {
				return err
			}
			cur.AssigneeID = member
			if err := q.UpdateTicket(ctx, cur); err != nil {
				return err
			}
			if !current {
				return nil
			}
			changed, err = q.ScopeUnread(ctx, hub.UnreadScope{TenantID: tk.TenantID, ConversationID: tk.ConversationID, TicketID: tk.ID})
			return err
		})
	}
	err := try()
	for range 10 {
		if !hub.IsCode(err, hub.EConflict) {
			break
		}
		err = try()
	}
	if err == nil {
		tk.AssigneeID = member
	}
	return changed, err
}

func mustFindUnread(t *testing.T, s hub.Store, member int64, convs ...int64) hub.UnreadCounts {
	t.Helper()
	u, err := s.FindUnread(t.Context(), member, convs)
	must(t, err)
	return u
}

// mu builds the numbers a method should return.
func mu(member, conv int64, count, convs, tickets, mine int, version int64) hub.MemberUnread {
	return hub.MemberUnread{MemberID: member, ConversationID: conv, Count: count,
		UnreadState: hub.UnreadState{Totals: hub.UnreadTotals{Conversations: convs, Tickets: tickets, MyTickets: mine}, Version: version}}
}

// testUnread walks the contract: visitor messages count for every member,
// each member reads and replies for themselves only, tickets move counts
// between badges, a new member starts with nothing unread, a removed one
// takes theirs along, and other workspaces see nothing of it.
func testUnread(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	ann, bob := f.member, mustMember(t, s, f.tenant.ID)
	outsider := mustMember(t, s, mustTenant(t, s).ID)
	c, other := f.conv, mustConversation(t, s, f.visitor, t0)

	_, got := unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "first visitor message", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 1, 0, 0, 1), mu(bob.ID, c.ID, 1, 1, 0, 0, 1)})
	unreadMessage(t, s, c, hub.AuthorAssistant, 0, false)
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "second visitor message", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 2, 0, 0, 2), mu(bob.ID, c.ID, 2, 2, 0, 0, 2)})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "another conversation", got, []hub.MemberUnread{mu(ann.ID, other.ID, 1, 3, 0, 0, 3), mu(bob.ID, other.ID, 1, 3, 0, 0, 3)})
	wantEqual(t, "outsider", mustFindUnread(t, s, outsider.ID, c.ID).UnreadState, hub.UnreadState{})

	// Ann reads part of c (seq 1 of 3: the second visitor message is
	// left), then all of it; Bob's numbers stay.
	r, read := readUnread(t, s, ann.ID, c.ID, 1)
	wantEqual(t, "Ann reads up to seq 1", []any{r, read}, []any{mu(ann.ID, c.ID, 1, 2, 0, 0, 4), true})
	r, read = readUnread(t, s, ann.ID, c.ID, 1)
	wantEqual(t, "Ann reads up to seq 1 again", []any{r, read}, []any{mu(ann.ID, c.ID, 1, 2, 0, 0, 4), false})
	r, read = readUnread(t, s, ann.ID, c.ID, c.LastSeq)
	wantEqual(t, "Ann reads c", []any{r, read}, []any{mu(ann.ID, c.ID, 0, 1, 0, 0, 5), true})
	r, read = readUnread(t, s, ann.ID, c.ID, c.LastSeq)
	wantEqual(t, "Ann reads c again", []any{r, read}, []any{mu(ann.ID, c.ID, 0, 1, 0, 0, 5), false})
	u := mustFindUnread(t, s, bob.ID, c.ID, other.ID, c.ID+1000)
	wantEqual(t, "Bob after Ann read", u, hub.UnreadCounts{UnreadState: mu(0, 0, 0, 3, 0, 0, 3).UnreadState,
		Conversations: map[int64]hub.ConversationUnread{c.ID: {Count: 2}, other.ID: {Count: 1}}})

	// A note and an assistant message count for nobody; Bob's reply reads
	// c for Bob only.
	unreadMessage(t, s, c, hub.AuthorAgent, ann.ID, true)
	_, got = unreadMessage(t, s, c, hub.AuthorAgent, bob.ID, false)
	wantEqual(t, "Bob replies", got, []hub.MemberUnread{mu(bob.ID, c.ID, 0, 1, 0, 0, 4)})
	_, got = unreadMessage(t, s, c, hub.AuthorAgent, bob.ID, false)
	wantEqual(t, "Bob replies again", got, []hub.MemberUnread(nil))

	// A ticket on c: its unread is a ticket's, then Bob's own ticket's.
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "visitor writes again", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 2, 0, 0, 6), mu(bob.ID, c.ID, 1, 2, 0, 0, 5)})
	tk := mustTicket(t, s, f.tenant.ID, "Help")
	tk.ConversationID = c.ID
	must(t, s.UpdateTicket(ctx, tk))
	got = scopeUnread(t, s, c, tk.ID)
	wantEqual(t, "ticket opened", got, []hub.MemberUnread{mu(ann.ID, c.ID, 1, 2, 1, 0, 7), mu(bob.ID, c.ID, 1, 2, 1, 0, 6)})
	wantEqual(t, "ticket opened again", scopeUnread(t, s, c, tk.ID), []hub.MemberUnread{})
	got = assignTicket(t, s, tk, bob.ID, true)
	wantEqual(t, "ticket given to Bob", got, []hub.MemberUnread{mu(bob.ID, c.ID, 1, 2, 1, 1, 7)})
	_, got = unreadMessage(t, s, c, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "visitor writes to Bob's ticket", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 0, 8), mu(bob.ID, c.ID, 2, 3, 2, 2, 8)})
	got = assignTicket(t, s, tk, ann.ID, true)
	wantEqual(t, "ticket given to Ann", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 2, 9), mu(bob.ID, c.ID, 2, 3, 2, 0, 9)})
	u = mustFindUnread(t, s, ann.ID, c.ID)
	wantEqual(t, "Ann's counts show the current ticket", u.Conversations, map[int64]hub.ConversationUnread{c.ID: {Count: 2, TicketID: tk.ID}})

	// A later ticket of the same conversation takes its unread: nobody's
	// own until assigned. Reassigning the older one moves nothing.
	next := mustTicket(t, s, f.tenant.ID, "Help again")
	next.ConversationID = c.ID
	must(t, s.UpdateTicket(ctx, next))
	got = scopeUnread(t, s, c, next.ID)
	wantEqual(t, "second ticket", got, []hub.MemberUnread{mu(ann.ID, c.ID, 2, 3, 2, 0, 10)})
	wantEqual(t, "older ticket to Bob", assignTicket(t, s, tk, bob.ID, false), []hub.MemberUnread(nil))
	wantEqual(t, "Bob", mustFindUnread(t, s, bob.ID).UnreadState, mu(0, 0, 0, 3, 2, 0, 9).UnreadState)

	// A new member has read everything, and counts what comes next.
	cat := mustMember(t, s, f.tenant.ID)
	wantEqual(t, "new member", mustFindUnread(t, s, cat.ID, c.ID, other.ID), hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}})
	r, read = readUnread(t, s, cat.ID, c.ID, 1)
	wantEqual(t, "new member reads", []any{r, read}, []any{mu(cat.ID, c.ID, 0, 0, 0, 0, 0), false})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "after a new member", got, []hub.MemberUnread{mu(ann.ID, other.ID, 2, 4, 2, 0, 11), mu(bob.ID, other.ID, 2, 4, 2, 0, 10),
		mu(cat.ID, other.ID, 1, 1, 0, 0, 1)})

	// A removed member's numbers go with them.
	must(t, s.DeleteMember(ctx, bob.ID))
	wantEqual(t, "removed member", mustFindUnread(t, s, bob.ID, c.ID), hub.UnreadCounts{Conversations: map[int64]hub.ConversationUnread{}})
	_, got = unreadMessage(t, s, other, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "after a removal", got, []hub.MemberUnread{mu(ann.ID, other.ID, 3, 5, 2, 0, 12), mu(cat.ID, other.ID, 2, 2, 0, 0, 2)})
	wantEqual(t, "outsider at the end", mustFindUnread(t, s, outsider.ID, c.ID, other.ID).UnreadState, hub.UnreadState{})
}

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

// memberUnreadBackfiller is a store that can run the backfill of its
// migration 0010_member_unread.sql again (in its tests: export_test.go).
type memberUnreadBackfiller interface {
	BackfillMemberUnread(ctx context.Context) error
}

// testUnreadBackfill checks the backfill of migration 0010: before it, the
// team shared one read position per conversation (AgentReadSeq, with
// UnreadByAgents the visitor messages after it); after it, every member
// has read up to that position, with the badges of the conversation's
// ticket, and reads on from there.
func testUnreadBackfill(t *testing.T, s hub.Store) {
	ctx := t.Context()
	b, ok := s.(memberUnreadBackfiller)
	if !ok {
		t.Fatalf("%T has no BackfillMemberUnread to check its migration 0010 with", s)
	}
	f := newFixture(t, s)
	ann, bob := f.member, mustMember(t, s, f.tenant.ID)
	// As the messages were written before the migration: no unread rows,
	// only the conversation's shared marker.
	team := func(c *hub.Conversation, authors []hub.AuthorKind, readSeq int64, unread int) {
		t.Helper()
		for _, a := range authors {
			mustMessage(t, s, &hub.Message{TenantID: c.TenantID, ConversationID: c.ID, AuthorKind: a})
		}
		cur, err := s.FindConversationByID(ctx, c.ID)
		must(t, err)
		cur.AgentReadSeq, cur.UnreadByAgents = readSeq, unread
		must(t, s.UpdateConversation(ctx, cur))
		*c = *cur
	}
	v, agent := hub.AuthorVisitor, hub.AuthorAgent
	chat, read, ticketed := f.conv, mustConversation(t, s, f.visitor, t0), mustConversation(t, s, f.visitor, t0)
	team(chat, []hub.AuthorKind{v, agent, v, v}, 2, 2)                // the team replied at 2; 3 and 4 are unread
	team(read, []hub.AuthorKind{v, v}, 2, 0)                          // read up to the end
	team(ticketed, []hub.AuthorKind{v, hub.AuthorAssistant, v}, 0, 2) // never read
	tk := mustTicket(t, s, f.tenant.ID, "Help")
	tk.ConversationID, tk.AssigneeID = ticketed.ID, bob.ID
	must(t, s.UpdateTicket(ctx, tk))
	ticketed.TicketID = tk.ID
	must(t, s.UpdateConversation(ctx, ticketed))

	must(t, b.BackfillMemberUnread(ctx))
	counts := map[int64]hub.ConversationUnread{chat.ID: {Count: 2}, ticketed.ID: {Count: 2, TicketID: tk.ID}}
	wantEqual(t, "Ann after the backfill", mustFindUnread(t, s, ann.ID, chat.ID, read.ID, ticketed.ID),
		hub.UnreadCounts{UnreadState: mu(0, 0, 0, 4, 2, 0, 1).UnreadState, Conversations: counts})
	wantEqual(t, "Bob after the backfill", mustFindUnread(t, s, bob.ID, chat.ID, read.ID, ticketed.ID),
		hub.UnreadCounts{UnreadState: mu(0, 0, 0, 4, 2, 2, 1).UnreadState, Conversations: counts})

	// Each reads on from the team's position, for themselves.
	r, changed := readUnread(t, s, ann.ID, chat.ID, 3)
	wantEqual(t, "Ann reads the chat up to 3", []any{r, changed}, []any{mu(ann.ID, chat.ID, 1, 3, 2, 0, 2), true})
	_, got := unreadMessage(t, s, ticketed, hub.AuthorVisitor, f.visitor.ID, false)
	wantEqual(t, "a visitor message after the backfill", got,
		[]hub.MemberUnread{mu(ann.ID, ticketed.ID, 3, 4, 3, 0, 3), mu(bob.ID, ticketed.ID, 3, 5, 3, 3, 2)})
}
