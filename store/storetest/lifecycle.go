package storetest

import (
	"sync"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testConversationLifecycle: previews and the closed status are stored,
// the visitor's current conversation is the newest that is not closed, and
// the list of a visitor's conversations (hub.Service.VisitorConversations)
// is theirs only.
func testConversationLifecycle(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	c := f.conv
	c.Preview, c.PreviewAuthor = "Где мой заказ? «42»", hub.AuthorVisitor
	must(t, s.UpdateConversation(ctx, c))
	got, err := s.FindConversationByID(ctx, c.ID)
	must(t, err)
	wantEqual(t, "conversation with a preview", got, c)

	cur, err := s.FindCurrentConversation(ctx, f.visitor.ID)
	must(t, err)
	wantEqual(t, "current conversation", cur.ID, c.ID)
	c.Status = hub.ConversationClosed
	must(t, s.UpdateConversation(ctx, c))
	_, err = s.FindCurrentConversation(ctx, f.visitor.ID)
	wantCode(t, err, hub.ENotFound)
	resolved := mustConversation(t, s, f.visitor, at(10))
	resolved.Status = hub.ConversationResolved
	must(t, s.UpdateConversation(ctx, resolved))
	closed := mustConversation(t, s, f.visitor, at(20))
	closed.Status = hub.ConversationClosed
	must(t, s.UpdateConversation(ctx, closed))
	cur, err = s.FindCurrentConversation(ctx, f.visitor.ID)
	must(t, err)
	wantEqual(t, "current conversation: the newest not closed", cur.ID, resolved.ID)

	// One visitor's conversations, newest activity first, without another
	// visitor's, which is the newest of all.
	mustConversation(t, s, mustVisitor(t, s, f.site), at(30))
	list, err := s.FindConversations(ctx, hub.ConversationFilter{TenantID: f.tenant.ID, VisitorID: f.visitor.ID})
	must(t, err)
	wantEqual(t, "a visitor's conversations, not another's", ids(list, func(c *hub.Conversation) int64 { return c.ID }),
		[]int64{closed.ID, resolved.ID, c.ID})
	page, err := s.FindConversations(ctx, hub.ConversationFilter{TenantID: f.tenant.ID, VisitorID: f.visitor.ID,
		BeforeTime: closed.LastMessageAt, BeforeID: closed.ID, Limit: 1})
	must(t, err)
	if len(page) != 1 || page[0].ID != resolved.ID {
		t.Fatalf("second page %+v, want conversation %d", page, resolved.ID)
	}

	// The locking reads read what the plain ones read.
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		locked, err := q.LockConversation(ctx, c.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "LockConversation", locked, c)
		return q.LockVisitor(ctx, f.visitor.ID)
	}))
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		_, err := q.LockConversation(ctx, c.ID+1000)
		wantCode(t, err, hub.ENotFound)
		wantCode(t, q.LockVisitor(ctx, f.visitor.ID+1000), hub.ENotFound)
		_, err = q.LockTicket(ctx, 1<<40)
		wantCode(t, err, hub.ENotFound)
		return nil
	}))
	tk := mustTicket(t, s, f.tenant.ID, "Help")
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		locked, err := q.LockTicket(ctx, tk.ID)
		if err != nil {
			return err
		}
		want, err := q.FindTicketByID(ctx, tk.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "LockTicket", locked, want)
		return nil
	}))
}

// testConversationLocks: read-modify-write under LockConversation never
// loses a version race, however many writers, and under LockVisitor
// "the visitor's current conversation, else a new one" makes exactly one.
// Without the locks, Postgres at read committed fails both.
func testConversationLocks(t *testing.T, s hub.Store) {
	const writers, each = 8, 10
	ctx := t.Context()
	f := newFixture(t, s)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				err := s.Tx(ctx, func(q hub.Queries) error {
					c, err := q.LockConversation(ctx, f.conv.ID)
					if err != nil {
						return err
					}
					c.FeedbackUp++
					return q.UpdateConversation(ctx, c)
				})
				if err != nil {
					t.Errorf("update under the lock: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	c, err := s.FindConversationByID(ctx, f.conv.ID)
	must(t, err)
	wantEqual(t, "updates counted under the lock", c.FeedbackUp, writers*each)

	v := mustVisitor(t, s, f.site)
	for range writers {
		wg.Go(func() {
			err := s.Tx(ctx, func(q hub.Queries) error {
				if err := q.LockVisitor(ctx, v.ID); err != nil {
					return err
				}
				if _, err := q.FindCurrentConversation(ctx, v.ID); !hub.IsCode(err, hub.ENotFound) {
					return err
				}
				c := &hub.Conversation{TenantID: v.TenantID, SiteID: v.SiteID, VisitorID: v.ID, Owner: hub.OwnerAssistant,
					Status: hub.ConversationOpen, LastMessageAt: t0, CreatedAt: t0, UpdatedAt: t0}
				return q.CreateConversation(ctx, c)
			})
			if err != nil {
				t.Errorf("first conversation under the lock: %v", err)
			}
		})
	}
	wg.Wait()
	list, err := s.FindConversations(ctx, hub.ConversationFilter{TenantID: v.TenantID, VisitorID: v.ID})
	must(t, err)
	wantEqual(t, "conversations started at once under the visitor's lock", len(list), 1)
}
