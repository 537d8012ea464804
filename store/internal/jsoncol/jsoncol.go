// Package jsoncol encodes the values both stores keep as JSON text in one
// column, so that the two backends store them the same way.
package jsoncol

import (
	"encoding/json"
	"fmt"

	"github.com/parley-chat/parley/hub"
)

// AttachmentRef encodes a message's file reference, "" for none.
func AttachmentRef(ref *hub.AttachmentRef) string {
	if ref == nil {
		return ""
	}
	b, _ := json.Marshal(ref) // a struct of plain fields always encodes
	return string(b)
}

// ParseAttachmentRef decodes what AttachmentRef encoded.
func ParseAttachmentRef(s string) (*hub.AttachmentRef, error) {
	if s == "" {
		return nil, nil
	}
	var ref hub.AttachmentRef
	if err := json.Unmarshal([]byte(s), &ref); err != nil {
		return nil, fmt.Errorf("decode attachment reference: %w", err)
	}
	return &ref, nil
}
