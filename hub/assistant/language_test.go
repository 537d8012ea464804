package assistant

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func TestPhrasesComplete(t *testing.T) {
	intents := []string{intentRefund, intentAccountChange, intentOrderDetails, intentSubscription,
		intentBillingDispute, intentException, intentTechnical, intentComplaint, intentHuman}
	for lang, p := range texts {
		if p.greeting == "" || p.thanks == "" || p.noAnswer == "" {
			t.Errorf("%s: a small-talk or no-answer text is missing", lang)
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
