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

// Trace encodes an assistant message's decision trace, "" for none.
func Trace(t *hub.DecisionTrace) string {
	if t == nil {
		return ""
	}
	b, _ := json.Marshal(t) // plain fields always encode
	return string(b)
}

// ParseTrace decodes what Trace encoded.
func ParseTrace(s string) (*hub.DecisionTrace, error) {
	if s == "" {
		return nil, nil
	}
	var t hub.DecisionTrace
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, fmt.Errorf("decode decision trace: %w", err)
	}
	return &t, nil
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

// Settings encodes a site's hand-off settings or AI provider; the zero
// value is stored as "" (the defaults).
func Settings[T hub.HandoffSettings | hub.AIProvider](v T) string {
	b, _ := json.Marshal(v) // structs of plain fields always encode
	if string(b) == "{}" || string(b) == `{"hours":{}}` {
		return ""
	}
	return string(b)
}

// ParseSite decodes a site's JSON columns into site: origins, appearance,
// hand-off settings and AI provider ("" is the zero value).
func ParseSite(site *hub.Site, origins, appearance, handoff, provider string) error {
	if err := json.Unmarshal([]byte(origins), &site.AllowedOrigins); err != nil {
		return fmt.Errorf("decode allowed origins of site %d: %w", site.ID, err)
	}
	if site.AllowedOrigins == nil {
		site.AllowedOrigins = []string{}
	}
	if err := json.Unmarshal([]byte(appearance), &site.Appearance); err != nil {
		return fmt.Errorf("decode appearance of site %d: %w", site.ID, err)
	}
	if handoff != "" {
		if err := json.Unmarshal([]byte(handoff), &site.Handoff); err != nil {
			return fmt.Errorf("decode hand-off settings of site %d: %w", site.ID, err)
		}
	}
	if provider != "" {
		if err := json.Unmarshal([]byte(provider), &site.AIProvider); err != nil {
			return fmt.Errorf("decode AI provider of site %d: %w", site.ID, err)
		}
	}
	return nil
}

// Phrasings encodes a knowledge entry's phrasings as a JSON array; nil is
// stored as an empty list.
func Phrasings(p []string) string { return Origins(p) }

// ParsePhrasings decodes what Phrasings encoded; never nil.
func ParsePhrasings(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode phrasings: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// Synonyms encodes a site's synonym groups as a JSON array of arrays; nil
// is stored as an empty list.
func Synonyms(groups [][]string) string {
	if groups == nil {
		groups = [][]string{}
	}
	b, _ := json.Marshal(groups) // a [][]string always encodes
	return string(b)
}

// ParseSynonyms decodes what Synonyms encoded into site.Synonyms; never
// nil.
func ParseSynonyms(site *hub.Site, s string) error {
	if err := json.Unmarshal([]byte(s), &site.Synonyms); err != nil {
		return fmt.Errorf("decode synonyms of site %d: %w", site.ID, err)
	}
	if site.Synonyms == nil {
		site.Synonyms = [][]string{}
	}
	return nil
}
