package main

import (
	"encoding/json"
	"testing"
)

func TestCreatedBody(t *testing.T) {
	frame := func(typ string, data any) []byte {
		b, err := json.Marshal(map[string]any{"type": typ, "data": data})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	msg := func(body, author string) map[string]any {
		return map[string]any{"id": 1, "author_name": author, "body": body, "seq": 2}
	}
	for _, tt := range []struct {
		name  string
		frame []byte
		body  string
		ok    bool
	}{
		{"plain", []byte(`{"type":"message.created","data":{"id":1,"author_name":"A","body":"pl 3 4","seq":2}}`), "pl 3 4", true},
		{"escaped body", frame("message.created", msg(`say "hi"`, "A")), `say "hi"`, true},
		{"author that looks like a body", frame("message.created", msg("pl 1 2", `"body":"pl 9 9"`)), "pl 1 2", true},
		{"other event", frame("conversation.updated", map[string]any{"body": "pl 1 2"}), "", false},
		{"not json", []byte(`{"type":"message.created"`), "", false},
	} {
		body, ok := createdBody(tt.frame)
		if body != tt.body || ok != tt.ok {
			t.Errorf("%s: createdBody(%s) = %q, %v; want %q, %v", tt.name, tt.frame, body, ok, tt.body, tt.ok)
		}
	}
}
