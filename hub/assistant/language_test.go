package assistant

import "testing"

func TestMessageLanguage(t *testing.T) {
	tests := []struct {
		text, locale, want string
	}{
		{"How long does shipping take?", "ru", "en"},
		{"Сколько идёт доставка?", "en", "ru"},
		{"Где мой order?", "en", "ru"},                       // 6 Cyrillic letters to 5 Latin
		{"Refund my заказ please", "ru", "en"},               // more Latin than Cyrillic
		{"👍🎉", "ru", "ru"},                                   // no letters: the locale
		{"12345 !!!", "ru-RU", "ru"},                         // region tags are folded
		{"...", "", "en"},                                    // no locale either: English
		{"😊", "de", "en"},                                    // a language it cannot write
		{"abc где", "ru", "ru"},                              // a tie: the locale
		{"Grüße, wie lange dauert der Versand?", "ru", "en"}, // Latin script
	}
	for _, tt := range tests {
		if got := messageLanguage(tt.text, tt.locale); got != tt.want {
			t.Errorf("messageLanguage(%q, %q) = %q, want %q", tt.text, tt.locale, got, tt.want)
		}
	}
}

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
			if got := messageLanguage(p.cannotDo[in], ""); got != lang {
				t.Errorf("%s lead-in for %s reads as %s", lang, in, got)
			}
		}
		if len(p.cannotDo) != len(intents) {
			t.Errorf("%s: %d lead-ins, want %d", lang, len(p.cannotDo), len(intents))
		}
	}
}
