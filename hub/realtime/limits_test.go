package realtime_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub/realtime"
)

// TestRepliesFitOneFrame (docs/protocol.md "Limits"): however large the
// messages, a subscribed or history reply stays within the documented
// frame size: history returns the newest messages that fit, newest last,
// and the client pages on from there; subscribe says resync instead of
// replaying too much.
func TestRepliesFitOneFrame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	// Every byte of these bodies is escaped in JSON (\u0001: six bytes).
	big := strings.Repeat("\x01", 16<<10-1) + "x"
	const n = 60
	for range n {
		e.say(a.actor, conv.conv.ID, big, false)
	}
	agent := e.agent(a)
	limit := realtime.MaxReplyMessageBytes + 4<<10 // the frame's own fields
	var got []message
	for before := int64(0); ; {
		agent.send(realtime.TypeHistory, "h", map[string]any{"conversation_id": conv.conv.ID, "before_seq": before, "limit": 200})
		f := agent.waitFor(realtime.TypeHistory, "h")
		raw, _ := json.Marshal(f)
		if len(raw) > limit {
			t.Fatalf("a history frame of %d bytes, over %d", len(raw), limit)
		}
		page := decode[struct{ Messages []message }](t, f.Data).Messages
		if len(page) == 0 {
			break
		}
		if before != 0 && page[len(page)-1].Seq != before-1 {
			t.Fatalf("page ends at %d, want %d", page[len(page)-1].Seq, before-1)
		}
		got = append(page, got...)
		before = page[0].Seq
		if before == 1 {
			break
		}
	}
	if len(got) != n+1 || got[0].Seq != 1 || got[n].Seq != int64(n+1) {
		t.Fatalf("paged %d messages (%d..%d), want all %d", len(got), got[0].Seq, got[len(got)-1].Seq, n+1)
	}
	f := agent.request(realtime.TypeSubscribe, "s", map[string]any{"conversation_id": conv.conv.ID, "after_seq": 0}, realtime.TypeSubscribed)
	if raw, _ := json.Marshal(f); len(raw) > limit || !strings.Contains(string(f.Data), `"resync":true`) {
		t.Fatalf("subscribe from 0: %d bytes, resync %v; want a resync within %d", len(raw), strings.Contains(string(f.Data), `"resync":true`), limit)
	}
}
