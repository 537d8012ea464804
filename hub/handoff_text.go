package hub

import (
	"strings"
	"unicode"
)

// What the hand-off says to visitors, in English and Russian.
const (
	textAskEmail = iota
	textInvalidEmail
	textTicketCreated
	textOutOfHours
	textHandoffOff
	textTicketReopened
)

var handoffTexts = map[string][]string{
	"en": {
		textAskEmail:       "If you leave your email address, I'll create a ticket for our team: they will reply here and by email.",
		textInvalidEmail:   "Sorry, “%s” doesn't look like an email address. Could you check it and send it again? For example: name@example.com",
		textTicketCreated:  "Thank you! I've created ticket %s. Our team will reply here and at %s.",
		textOutOfHours:     "Our team is offline right now and will get back to you during working hours.",
		textHandoffOff:     "I'm sorry, I can't help with that here.",
		textTicketReopened: "Thanks, I've added your message to ticket %s, which is open again. Our team will reply here and by email.",
	},
	"ru": {
		textAskEmail:       "Оставьте, пожалуйста, адрес электронной почты — я создам обращение, и наша команда ответит здесь и по почте.",
		textInvalidEmail:   "Извините, «%s» не похоже на адрес электронной почты. Проверьте его и отправьте ещё раз, например: name@example.com",
		textTicketCreated:  "Спасибо! Я создал обращение %s. Наша команда ответит здесь и на %s.",
		textOutOfHours:     "Сейчас команда не в сети и ответит в рабочее время.",
		textHandoffOff:     "К сожалению, здесь я не могу с этим помочь.",
		textTicketReopened: "Спасибо, я добавил ваше сообщение в обращение %s — оно снова открыто. Наша команда ответит здесь и по почте.",
	},
}

func text(lang string, key int) string {
	if t, ok := handoffTexts[lang]; ok {
		return t[key]
	}
	return handoffTexts["en"][key]
}

// DetectLanguage tells the language of a visitor's message by its
// letters: "ru" when most are Cyrillic, "en" when most are Latin (any
// Latin-script language gets English, the only other one Parley writes).
// A message without letters of either script, or an exact tie, takes the
// locale ("ru", "ru-RU", "en_GB", ""): Russian for Russian locales, else
// English. Script counting needs no word lists and cannot be wrong about a
// one-word message, which is most of chat.
func DetectLanguage(text, locale string) string {
	var cyrillic, latin int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	switch {
	case cyrillic > latin:
		return "ru"
	case latin > cyrillic:
		return "en"
	}
	tag, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	if tag, _, _ = strings.Cut(tag, "_"); tag == "ru" {
		return "ru"
	}
	return "en"
}

// findEmail returns the first valid email address in s, and whether s
// holds something meant as one (a word with an @).
func findEmail(s string) (email string, attempted bool) {
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, "<>()[]{}\"'«».,;:!?")
		if !strings.Contains(w, "@") {
			continue
		}
		attempted = true
		if e := normalizeEmail(w); validEmail(e) {
			return e, true
		}
	}
	if !attempted {
		// "ann at example dot com" and the like: meant as an address.
		lower := strings.ToLower(s)
		attempted = strings.Contains(lower, " at ") && strings.Contains(lower, " dot ")
	}
	return "", attempted
}

// attemptedEmail is the part of s the visitor meant as their address, for
// quoting back: the first word with an @, else the whole (short) text.
func attemptedEmail(s string) string {
	for _, w := range strings.Fields(s) {
		if strings.Contains(w, "@") {
			return strings.Trim(w, "<>()[]{}\"'«».,;:!?")
		}
	}
	if r := []rune(strings.TrimSpace(s)); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return strings.TrimSpace(s)
}
