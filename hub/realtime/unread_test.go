package realtime_test

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// unreadFrame is the data of an agent's unread frame.
type unreadFrame struct {
	MemberID       int64            `json:"member_id"`
	ConversationID int64            `json:"conversation_id"`
	Count          int              `json:"count"`
	Totals         hub.UnreadTotals `json:"totals"`
	Version        int64            `json:"version"`
}

// nextUnread returns the client's next unread frame.
func (c *client) nextUnread() unreadFrame {
	c.t.Helper()
	return decode[unreadFrame](c.t, c.take("unread", func(f frame) bool { return f.Type == hub.EventUnread }).Data)
}

// noUnreadUntil reads up to the conversation.updated of conversation conv
// at version and fails if an unread frame, or the broker's member.unread
// event itself, came before it.
func (c *client) noUnreadUntil(conv, version int64) {
	c.t.Helper()
	for {
		f := c.take("conversation.updated", func(f frame) bool { return true })
		if f.Type == hub.EventUnread || f.Type == hub.EventMemberUnread {
			c.t.Fatalf("got unread %s", f.Data)
		}
		if f.Type == hub.EventConversationUpdated {
			if got := decode[hub.Conversation](c.t, f.Data); got.ID == conv && got.Version >= version {
				return
			}
		}
	}
}

// TestUnreadReachesOnlyItsMember: after a visitor's message each member's
// agent sockets (both of the owner's) get that member's own numbers, and
// a member's read reaches only that member's sockets; a staff viewer of
// the workspace and another workspace's member get no unread frame at all,
// and the visitor keeps its own count.
func TestUnreadReachesOnlyItsMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a, b := e.newAccount(), e.newAccount()
	bob, bobToken := e.secondAgent(a, "bob@unread.test")
	_, staffToken, _ := e.newStaff("staff@unread.test")
	e.setSupportAccess(a, true, 0)

	owner1, owner2, bobC := e.agent(a), e.agent(a), e.agentWithToken(bobToken)
	viewer, _ := e.viewer(staffToken, a.tenant.ID)
	other := e.agent(b)
	conv := startConversation(t, e, a) // the visitor's first message
	id := conv.conv.ID

	for _, c := range []*client{owner1, owner2} {
		if got := c.nextUnread(); got.MemberID != a.owner.ID || got.ConversationID != id || got.Count != 1 ||
			got.Totals != (hub.UnreadTotals{Conversations: 1}) || got.Version == 0 {
			t.Fatalf("owner's unread: %+v", got)
		}
	}
	if got := bobC.nextUnread(); got.MemberID != bob.ID || got.Count != 1 || got.Totals.Conversations != 1 {
		t.Fatalf("Bob's unread: %+v", got)
	}

	// The owner reads on one socket: read.ok and the other socket have
	// the owner's new numbers; Bob's are untouched.
	ok := owner1.request(realtime.TypeRead, "r1", map[string]any{"conversation_id": id, "seq": conv.first.Seq}, realtime.TypeReadOK)
	st := decode[hub.ReadState](t, ok.Data)
	if st.Unread != 0 || st.Totals == nil || st.Totals.Conversations != 0 || st.Seq != conv.first.Seq {
		t.Fatalf("read.ok %s", ok.Data)
	}
	if got := owner2.nextUnread(); got.MemberID != a.owner.ID || got.Count != 0 || got.Version != st.Version {
		t.Fatalf("owner's other socket after the read: %+v", got)
	}
	second := e.say(conv.visitorActor, id, "are you there?", false)
	if got := bobC.nextUnread(); got.MemberID != bob.ID || got.Count != 2 || got.Totals.Conversations != 2 {
		t.Fatalf("Bob's unread after the owner read: %+v (the owner's read reached Bob?)", got)
	}
	if got := owner2.nextUnread(); got.MemberID != a.owner.ID || got.Count != 1 || got.Version <= st.Version {
		t.Fatalf("owner's unread after the second message: %+v", got)
	}

	// Staff viewing the workspace hear its inbox, never anyone's unread.
	c, err := e.svc.Conversation(ctx, a.actor, id)
	if err != nil || c.LastSeq != second.Seq {
		t.Fatalf("conversation %+v, %v", c, err)
	}
	viewer.noUnreadUntil(id, c.Version)

	// Another workspace's member hears only their own.
	theirs := startConversation(t, e, b)
	if got := other.nextUnread(); got.MemberID != b.owner.ID || got.ConversationID != theirs.conv.ID {
		t.Fatalf("another workspace's owner got %+v", got)
	}
}
