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

// Origins encodes a site's allowed origins as a JSON array; nil is stored
// as an empty list.
func Origins(origins []string) string {
	if origins == nil {
		origins = []string{}
	}
	b, _ := json.Marshal(origins) // a []string always encodes
	return string(b)
}

// Appearance encodes a site's appearance.
func Appearance(a hub.Appearance) string {
	b, _ := json.Marshal(a) // a struct of strings always encodes
	return string(b)
}

// ParseSite decodes a site's origins and appearance columns into site.
func ParseSite(site *hub.Site, origins, appearance string) error {
	if err := json.Unmarshal([]byte(origins), &site.AllowedOrigins); err != nil {
		return fmt.Errorf("decode allowed origins of site %d: %w", site.ID, err)
	}
	if site.AllowedOrigins == nil {
		site.AllowedOrigins = []string{}
	}
	if err := json.Unmarshal([]byte(appearance), &site.Appearance); err != nil {
		return fmt.Errorf("decode appearance of site %d: %w", site.ID, err)
	}
	return nil
}
