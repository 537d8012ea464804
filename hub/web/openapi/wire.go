package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/swaggest/jsonschema-go"

	"github.com/parley-chat/parley/hub"
)

// The reflector reads a type's fields and json tags; a type with its own
// MarshalJSON writes something else. Each such type the API answers with
// is mapped here to a type of the same wire form, and refuseMarshalers
// makes Build fail on any other one, so that a new MarshalJSON cannot
// leave the contract behind.

// ticketFields is hub.Ticket without its methods, so without its
// MarshalJSON.
type ticketFields hub.Ticket

// ticketWire is what hub.Ticket.MarshalJSON writes.
type ticketWire struct {
	ticketFields
	Ref string `json:"ref"`
}

// ticketDetailWire is what hub.TicketDetail.MarshalJSON writes.
type ticketDetailWire struct {
	ticketFields
	Ref          string            `json:"ref"`
	Visitor      *hub.Visitor      `json:"visitor"`
	Conversation *hub.Conversation `json:"conversation"`
	Workspace    *hub.Workspace    `json:"workspace,omitempty"`
}

// wireTypes maps each type with its own MarshalJSON to its wire form.
var wireTypes = []struct{ src, dst any }{
	{hub.Ticket{}, ticketWire{}},
	{hub.TicketDetail{}, ticketDetailWire{}},
}

// encodedAsIs are marshalers whose output the reflector knows.
var encodedAsIs = []reflect.Type{reflect.TypeOf(time.Time{}), reflect.TypeOf(json.RawMessage{})}

var marshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()

// refuseMarshalers fails the reflection of a type that encodes itself.
func refuseMarshalers(p jsonschema.InterceptSchemaParams) (bool, error) {
	if p.Processed || !p.Value.IsValid() {
		return false, nil
	}
	t := p.Value.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for _, ok := range encodedAsIs {
		if t == ok {
			return false, nil
		}
	}
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return false, fmt.Errorf("%v has its own MarshalJSON: map it to its wire form in hub/web/openapi/wire.go", t)
	}
	return false, nil
}
