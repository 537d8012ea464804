package assistant

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
)

func TestPhrasesComplete(t *testing.T) {
	intents := []string{intentRefund, intentAccountChange, intentOrderDetails, intentSubscription,
		intentBillingDispute, intentException, intentTechnical, intentComplaint, intentHuman}
	for lang, p := range texts {
		if p.greeting == "" || p.thanks == "" || p.presence == "" || p.noAnswer == "" {
			t.Errorf("%s: a small-talk or no-answer text is missing", lang)
		}
		for _, lead := range append([]string{p.noAnswer}, slices.Collect(maps.Values(p.cannotDo))...) {
			// One or two sentences, and never the email or the ticket:
			// the Service asks for the email next (hub/handoff.go).
			if n := len(sentences(lead)); n > 2 || utf8.RuneCountInString(lead) > 120 {
				t.Errorf("%s lead-in %q: %d sentences, %d runes; want at most 2 and 120", lang, lead, n, utf8.RuneCountInString(lead))
			}
			for _, w := range []string{"email", "ticket", "почт", "обращени"} {
				if strings.Contains(strings.ToLower(lead), w) {
					t.Errorf("%s lead-in %q mentions %q, which the request for the email says next", lang, lead, w)
				}
			}
		}
		tp := ticketTexts[lang]
		for _, in := range intents {
			if tp.why[in] == "" || in != intentHuman && tp.needs[in] == "" {
				t.Errorf("%s: no ticket text for intent %s", lang, in)
			}
		}
		for _, in := range intents {
			if p.cannotDo[in] == "" {
				t.Errorf("%s: no lead-in for intent %s", lang, in)
			}
			if intentReasons[in] == "" {
				t.Errorf("no reason for intent %s", in)
			}
			if got := hub.DetectLanguage(p.cannotDo[in], ""); got != lang {
				t.Errorf("%s lead-in for %s reads as %s", lang, in, got)
			}
		}
		if len(p.cannotDo) != len(intents) {
			t.Errorf("%s: %d lead-ins, want %d", lang, len(p.cannotDo), len(intents))
		}
	}
}
