package realtime

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/parley-chat/parley/hub"
)

// Viewing: agents tell each other which conversation (or ticket) they
// have open, so that two agents do not answer the same visitor at once.
// The hub publishes viewing events to the conversation's agent topic only;
// visitors never subscribe to it. A session remembers what it said it
// views, says it stops when it unsubscribes or closes, and answers a
// newcomer's arrival once (a reply), so that both see each other.
//
// Guarded by TestViewing.

// maxViewing bounds the conversations one session says it views.
const maxViewing = 50

// viewingData is the data of a client's viewing frame.
type viewingData struct {
	ConversationID int64 `json:"conversation_id"`
	Viewing        bool  `json:"viewing"`
}

// viewingSet is what a session said it views. The reader writes it, the
// writer reads it to answer arrivals, unregister empties it.
type viewingSet struct {
	mu    sync.Mutex
	convs map[int64]bool
}

func (v *viewingSet) set(conv int64, on bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !on {
		delete(v.convs, conv)
		return
	}
	if v.convs == nil {
		v.convs = map[int64]bool{}
	}
	v.convs[conv] = true
}

func (v *viewingSet) has(conv int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.convs[conv]
}

func (v *viewingSet) full(conv int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return !v.convs[conv] && len(v.convs) >= maxViewing
}

// take empties the set and returns what it held.
func (v *viewingSet) take() []int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]int64, 0, len(v.convs))
	for c := range v.convs {
		out = append(out, c)
	}
	clear(v.convs)
	return out
}

// onViewing handles viewing {conversation_id, viewing}: members only, for
// a conversation of their workspace (anything else is not_found or
// forbidden). No reply unless it fails, like typing.
func (s *session) onViewing(ctx context.Context, f inFrame) error {
	var d viewingData
	if err := decodeData(f.Data, &d); err != nil {
		return err
	}
	if d.ConversationID <= 0 {
		return hub.Errorf(hub.EInvalid, "conversation_id is required")
	}
	if d.Viewing && s.viewing.full(d.ConversationID) {
		return hub.Errorf(hub.EInvalid, "viewing too many conversations: stop viewing some first")
	}
	if err := s.n.svc.Viewing(ctx, *s.actor.Load(), d.ConversationID, d.Viewing, false); err != nil {
		return err
	}
	s.viewing.set(d.ConversationID, d.Viewing)
	return nil
}

// stopViewing says the session no longer views conv, if it did.
func (s *session) stopViewing(ctx context.Context, conv int64) {
	if !s.viewing.has(conv) {
		return
	}
	s.viewing.set(conv, false)
	if err := s.n.svc.Viewing(ctx, *s.actor.Load(), conv, false, false); err != nil {
		s.logger().Warn().Err(err).Int64("conversation", conv).Msg("stop viewing")
	}
}

// endViewing says the closing session views nothing any more.
func (n *Node) endViewing(s *session) {
	a := s.actor.Load()
	if a == nil || a.Kind != hub.ActorMember {
		return
	}
	for _, conv := range s.viewing.take() {
		ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
		if err := n.svc.Viewing(ctx, *a, conv, false, false); err != nil {
			s.logger().Warn().Err(err).Int64("conversation", conv).Msg("stop viewing on close")
		}
		cancel()
	}
}

// answerViewing runs on the writer for each viewing event: when another
// member arrives at a conversation this session views, the session
// answers once, so that the newcomer sees it too. Replies are never
// answered, so this ends after one round.
func (s *session) answerViewing(b *broadcast) {
	a := s.actor.Load()
	if a == nil || a.Kind != hub.ActorMember || !s.viewing.has(b.conv) {
		return
	}
	var ev struct {
		Data hub.ViewingData `json:"data"`
	}
	if err := json.Unmarshal(b.frame, &ev); err != nil {
		return
	}
	d := ev.Data
	if !d.Viewing || d.Reply || d.MemberID == a.ID || d.ConversationID != b.conv {
		return
	}
	actor := *a
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
		defer cancel()
		if err := s.n.svc.Viewing(ctx, actor, d.ConversationID, true, true); err != nil && ctx.Err() == nil {
			s.logger().Warn().Err(err).Int64("conversation", d.ConversationID).Msg("answer viewing")
		}
	}()
}
