package hub_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestEventsPayload: one event is its own payload, as before batching;
// several are an array in order; both decode to what was encoded.
func TestEventsPayload(t *testing.T) {
	evs := []hub.Event{
		{Type: hub.EventMessageCreated, TenantID: 1, ConversationID: 2, Seq: 3, Data: json.RawMessage(`{"body":"hi"}`), At: 4},
		{Type: hub.EventConversationUpdated, TenantID: 1, ConversationID: 2, Data: json.RawMessage(`{"id":2}`), At: 4},
	}
	var encoded [][]byte
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		encoded = append(encoded, b)
	}
	if one := hub.EncodeEvents(encoded[:1]); string(one) != string(encoded[0]) {
		t.Fatalf("one event: %s, want %s", one, encoded[0])
	}
	for n := 1; n <= len(evs); n++ {
		got, err := hub.DecodeEvents(hub.EncodeEvents(encoded[:n]))
		if err != nil || !reflect.DeepEqual(got, evs[:n]) {
			t.Fatalf("%d events: %+v, %v", n, got, err)
		}
	}
	if _, err := hub.DecodeEvents([]byte(`[{"type":`)); err == nil {
		t.Fatal("a broken array decoded")
	}
}
