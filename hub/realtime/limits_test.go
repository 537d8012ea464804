package realtime_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
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

// TestDocumentedLimits: the limits of docs/protocol.md "Limits" that no
// other test checks: client_msg_id and body sizes, history page sizes,
// and the conversations one agent connection views.
func TestDocumentedLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newAccount()
	conv := startConversation(t, e, a)
	agent := e.agent(a)
	id := conv.conv.ID

	agent.expectError(realtime.TypeSend, "c65", map[string]any{"conversation_id": id, "client_msg_id": strings.Repeat("c", 65), "body": "x"}, hub.EInvalid)
	agent.request(realtime.TypeSend, "c64", map[string]any{"conversation_id": id, "client_msg_id": strings.Repeat("c", 64), "body": "x"}, realtime.TypeAck)
	agent.send(realtime.TypeSend, "big", map[string]any{"conversation_id": id, "body": strings.Repeat("b", 16<<10+1)})
	f := agent.waitFor("error", "big")
	if d := decode[struct{ Code, Reason string }](t, f.Data); d.Code != hub.EInvalid || d.Reason != hub.ReasonBodyTooLong {
		t.Fatalf("a body of 16 KiB + 1: %s", f.Data)
	}
	agent.request(realtime.TypeSend, "max", map[string]any{"conversation_id": id, "body": strings.Repeat("b", 16<<10)}, realtime.TypeAck)

	for i := range 210 {
		e.say(a.actor, id, fmt.Sprintf("m%d", i), false)
	}
	for _, tt := range []struct {
		limit any
		want  int
	}{{nil, 50}, {500, 200}, {7, 7}} {
		data := map[string]any{"conversation_id": id}
		if tt.limit != nil {
			data["limit"] = tt.limit
		}
		f := agent.request(realtime.TypeHistory, "h", data, realtime.TypeHistory)
		if n := len(decode[struct{ Messages []message }](t, f.Data).Messages); n != tt.want {
			t.Errorf("history with limit %v: %d messages, want %d", tt.limit, n, tt.want)
		}
	}

	// Viewing: 50 conversations at once, the 51st is invalid.
	for i := range 51 {
		c := id
		if i > 0 {
			c = startConversation(t, e, a).conv.ID
		}
		agent.send(realtime.TypeViewing, fmt.Sprintf("v%d", i), map[string]any{"conversation_id": c, "viewing": true})
	}
	agent.send(realtime.TypeHistory, "end", map[string]any{"conversation_id": id, "limit": 1})
	_, before := agent.until(realtime.TypeHistory, "end")
	refused := 0
	for _, f := range before {
		if f.Type == "error" {
			if f.ID != "v50" || errCode(t, f) != hub.EInvalid {
				t.Fatalf("viewing: unexpected error %s %s", f.ID, f.Data)
			}
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("viewing 51 conversations: %d refused, want the 51st", refused)
	}
}
