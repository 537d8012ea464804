package hub

import (
	"context"
	"time"
)

// ReadMarker records the highest seq a reader has read in a conversation.
type ReadMarker struct {
	ConversationID int64
	ReaderKind     AuthorKind // AuthorVisitor or AuthorAgent
	ReaderID       int64
	Seq            int64
	UpdatedAt      time.Time
}

// ReadState is what a read leaves for the reader (read.ok, POST
// /conversations/:id/read): their read position and absolute unread count,
// at a version, and a member's badges.
type ReadState struct {
	ConversationID int64 `json:"conversation_id"`
	// Seq is the reader's read position after the read.
	Seq int64 `json:"seq"`
	// Unread is the reader's own unread count in the conversation: the
	// visitor's, or the member's (unread.go).
	Unread int `json:"unread"`
	// Version orders the reader's counts: the conversation's version for
	// the visitor, the member's unread version for a member.
	Version int64 `json:"version"`
	// Totals are a member's badges after the read; nil for the visitor.
	Totals *UnreadTotals `json:"totals,omitempty"`
}

// MarkRead records that the actor has read the conversation up to seq and
// recomputes their unread count as an absolute value. Reads never move
// backwards. The visitor has one read position; each member has their own
// (unread.go), and a member's read changes no other member's count. A
// member's read also advances the team's marker (AgentReadSeq,
// UnreadByAgents: what no member has read yet), which is not a badge.
func (s *Service) MarkRead(ctx context.Context, actor Actor, conversationID, seq int64) (ReadState, error) {
	if err := actor.Writable(); err != nil {
		return ReadState{}, err
	}

	if seq < 0 {
		return ReadState{}, Errorf(EInvalid, "seq must not be negative")
	}
	if actor.Kind != ActorVisitor && actor.Kind != ActorMember {
		return ReadState{}, Errorf(EForbidden, "only visitors and members read conversations")
	}
	var (
		conv    *Conversation
		changed bool
		st      ReadState
		o       outbox
	)
	err := s.tx(ctx, func(q Queries) error {
		o = outbox{}
		c, err := lockConversation(ctx, q, actor, conversationID)
		if err != nil {
			return err
		}
		conv, changed = c, false
		seq := min(seq, c.LastSeq)
		kind := AuthorAgent
		if actor.Kind == ActorVisitor {
			kind = AuthorVisitor
		}
		marker, err := q.SaveReadMarker(ctx, ReadMarker{ConversationID: c.ID, ReaderKind: kind, ReaderID: actor.ID, Seq: seq, UpdatedAt: s.now()})
		if err != nil {
			return err
		}
		st = ReadState{ConversationID: c.ID, Seq: marker.Seq}
		if actor.Kind == ActorMember {
			mu, read, err := q.ReadUnread(ctx, UnreadRead{MemberID: actor.ID, ConversationID: c.ID, Seq: seq, Authors: unreadAuthors})
			if err != nil {
				return err
			}
			st.Unread, st.Version, st.Totals = mu.Count, mu.Version, &mu.Totals
			if read {
				o.unread(c.TenantID, []MemberUnread{mu})
			}
		}
		readSeq, unread, authors := &c.AgentReadSeq, &c.UnreadByAgents, unreadAuthors
		if actor.Kind == ActorVisitor {
			readSeq, unread, authors = &c.VisitorReadSeq, &c.UnreadByVisitor, []AuthorKind{AuthorAgent, AuthorAssistant, AuthorSystem}
		}
		if seq > *readSeq {
			n, err := q.CountMessages(ctx, c.ID, seq, authors)
			if err != nil {
				return err
			}
			*readSeq, *unread = seq, n
			c.UpdatedAt = s.now()
			changed = true
			if err := stale(q.UpdateConversation(ctx, c)); err != nil {
				return err
			}
		}
		if actor.Kind == ActorVisitor {
			st.Seq, st.Unread, st.Version = c.VisitorReadSeq, c.UnreadByVisitor, c.Version
		}
		return nil
	})
	if err != nil {
		return ReadState{}, err
	}
	if changed {
		o.conversation(conv)
	}
	s.publish(ctx, &o)
	return st, nil
}
