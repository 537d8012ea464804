package storetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// UnreadBenchSeed is what a store's BenchmarkUnread seeded: a workspace of
// UnreadBenchMembers members and UnreadBenchConversations conversations,
// every one of them unread for every member (the most rows a member can
// have), a fifth with a ticket spread over the members.
type UnreadBenchSeed struct {
	TenantID, MemberID, ConversationID int64
	// Page is a list page's conversations (50).
	Page []int64
	// Floors are the same run's cheapest statements, by name: the figures
	// to read the others against.
	Floors map[string]func(ctx context.Context) error
	// SumOfRows reads the member's badges by summing their rows, as a
	// design without per-member totals would: what the totals save.
	SumOfRows func(ctx context.Context) (hub.UnreadTotals, error)
}

// Size of BenchmarkUnread (docs/BENCHMARKS.md).
const (
	UnreadBenchConversations = 100_000
	UnreadBenchMembers       = 20
)

// UnreadBenchPage is a list page of the seeded workspace: its newest 50
// conversations, which the seeds number 1 to UnreadBenchConversations.
func UnreadBenchPage() []int64 {
	page := make([]int64, 50)
	for i := range page {
		page[i] = int64(UnreadBenchConversations - i)
	}
	return page
}

// BenchUnread runs the sub-benchmarks of BenchmarkUnread on a seeded
// store: the floors, a member's badges (GET /api/v1/unread), a list page's
// counts, the badges summed from rows instead, and a visitor message's
// write with and without the team's counts.
func BenchUnread(b *testing.B, s hub.Store, seed UnreadBenchSeed) {
	ctx := context.Background()
	for name, floor := range seed.Floors {
		b.Run("floor/"+name, func(b *testing.B) {
			for b.Loop() {
				if err := floor(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("floor/conversation_by_id", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.FindConversationByID(ctx, seed.ConversationID); err != nil {
				b.Fatal(err)
			}
		}
	})
	want := UnreadBenchConversations * 3 // three unread messages in each
	b.Run("totals", func(b *testing.B) {
		var u hub.UnreadCounts
		var err error
		for b.Loop() {
			if u, err = s.FindUnread(ctx, seed.MemberID, nil); err != nil {
				b.Fatal(err)
			}
		}
		if u.Totals.Conversations != want || u.Totals.Tickets != want/5 || u.Version == 0 {
			b.Fatalf("badges %+v, want %d conversations and %d in tickets", u, want, want/5)
		}
	})
	b.Run("page_of_50", func(b *testing.B) {
		var u hub.UnreadCounts
		var err error
		for b.Loop() {
			if u, err = s.FindUnread(ctx, seed.MemberID, seed.Page); err != nil {
				b.Fatal(err)
			}
		}
		if len(u.Conversations) != len(seed.Page) {
			b.Fatalf("counts of %d conversations, want %d", len(u.Conversations), len(seed.Page))
		}
	})
	b.Run("sum_of_rows", func(b *testing.B) {
		var t hub.UnreadTotals
		var err error
		for b.Loop() {
			if t, err = seed.SumOfRows(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if t.Conversations != want {
			b.Fatalf("summed %+v, want %d conversations", t, want)
		}
	})
	// A visitor message: the message alone, then with the team's counts
	// (the 20 members' rows and badges), each in its own transaction.
	for _, count := range []bool{false, true} {
		name := "visitor_message/message_only"
		if count {
			name = "visitor_message/with_unread"
		}
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				m := &hub.Message{TenantID: seed.TenantID, ConversationID: seed.ConversationID, AuthorKind: hub.AuthorVisitor,
					Body: "hello " + strconv.Itoa(i), CreatedAt: t0}
				err := s.Tx(ctx, func(q hub.Queries) error {
					if err := q.CreateMessage(ctx, m); err != nil || !count {
						return err
					}
					changed, err := q.AddUnread(ctx, hub.UnreadScope{TenantID: seed.TenantID, ConversationID: seed.ConversationID}, m.Seq)
					if err == nil && len(changed) != UnreadBenchMembers {
						b.Fatalf("%d members counted, want %d", len(changed), UnreadBenchMembers)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
