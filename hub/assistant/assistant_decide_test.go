package assistant

// The built-in assistant's decisions on policy questions, across
// languages and on typos (Decide's rules 4 and 5).

import (
	"strings"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestBuiltinPolicyQuestions checks rule 4 of Decide on a knowledge base
// that states policies: a question about a policy gets the entry, a
// request, an order of the visitor's own or a request for a person go to
// the team, and a translation answers a visitor in their language.
func TestBuiltinPolicyQuestions(t *testing.T) {
	kb := &builtinSearcher{entries: []*hub.KnowledgeEntry{
		{ID: 1, Kind: hub.KnowledgeQA, Language: "en", Title: "Can I return an item?",
			Phrasings: []string{"What is your return policy?"},
			Body:      "Yes, within 30 days of delivery, unused and with the tags on."},
		{ID: 2, Kind: hub.KnowledgeQA, Language: "en", Title: "How can I track my parcel?",
			Phrasings: []string{"Where is my parcel?"}, Body: "Use the tracking link in your shipping email."},
		{ID: 3, Kind: hub.KnowledgeQA, Language: "ru", Title: "Можно ли вернуть товар?", TranslationOf: 1,
			Body: "Да, в течение 30 дней после получения, без следов носки и с бирками."},
	}}
	for _, e := range kb.entries {
		e.SiteID, e.TenantID = builtinSite.ID, builtinSite.TenantID
	}
	tests := []struct {
		msg    string
		action hub.AssistantAction
		intent string
		entry  int64
	}{
		{"Can I return an item?", hub.ActionAnswer, "refund", 1},
		{"can i return an item please", hub.ActionAnswer, "refund", 1},
		{"What is your return policy?", hub.ActionAnswer, "", 1},
		{"можно вернуть товар", hub.ActionAnswer, "refund", 3},
		{"Верните деньги за товар", hub.ActionEscalate, "refund", 0},
		{"Возврат товара", hub.ActionAnswer, "refund", 3},
		{"Return an item", hub.ActionAnswer, "refund", 1},
		{"Return my item", hub.ActionEscalate, "refund", 0},
		{"Where is my parcel?", hub.ActionAnswer, "order_details", 2},
		{"I want to return my order and get a refund", hub.ActionEscalate, "refund", 0},
		{"Can I return order 44113?", hub.ActionEscalate, "refund", 0},
		{"Where is my parcel 55102?", hub.ActionEscalate, "order_details", 0},
		{"Can I return an item? Let me talk to a person", hub.ActionEscalate, "human", 0},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput("en", tt.msg))
			if d.Action != tt.action || d.Trace.Intent != tt.intent || usedSource(d) != tt.entry {
				t.Errorf("got %s, intent %q, entry %d (%s); want %s, %q, %d; sources %+v", d.Action, d.Trace.Intent,
					usedSource(d), d.Trace.Decision, tt.action, tt.intent, tt.entry, d.Trace.Sources)
			}
		})
	}
	// A Russian visitor whose words match only the English entry's
	// phrasing ("return policy") is answered from its Russian translation.
	d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput("ru", "Подскажите, пожалуйста, какая ваша return policy?"))
	if d.Action != hub.ActionAnswer || usedSource(d) != 3 || !strings.Contains(d.Body, "30 дней") {
		t.Errorf("got %s from entry %d (%s): %q; want the Russian translation, entry 3", d.Action, usedSource(d), d.Trace.Decision, d.Body)
	}
}

// TestBuiltinAcrossLanguages checks that the built-in synonym list finds
// an entry written in the other language, and that its own language's
// entry on the same topic wins.
func TestBuiltinAcrossLanguages(t *testing.T) {
	tests := []struct {
		msg, locale string
		entry       int64
	}{
		{"Есть ли у вас подарочная упаковка?", "ru", 5}, // only in English
		{"Сколько идёт доставка?", "ru", 6},             // in both: the Russian one
		{"How long does delivery take?", "en", 1},       // in both: the English one
	}
	for _, tt := range tests {
		d := mustDecide(t, &Builtin{Knowledge: newBuiltinSearcher()}, builtinInput(tt.locale, tt.msg))
		if d.Action != hub.ActionAnswer || usedSource(d) != tt.entry {
			t.Errorf("%q: got %s, entry %d (%s); want entry %d", tt.msg, d.Action, usedSource(d), d.Trace.Decision, tt.entry)
		}
	}
}

// TestBuiltinShortTyposAlone checks that a message matched only by
// typos of four-letter words is not answered ("tnet" alone may be
// anything), while such a typo beside a word that matches counts.
func TestBuiltinShortTyposAlone(t *testing.T) {
	kb := &builtinSearcher{entries: []*hub.KnowledgeEntry{
		{ID: 1, Kind: hub.KnowledgeQA, Title: "Бонусные баллы", Body: "За покупки начисляем баллы."},
		{ID: 2, Kind: hub.KnowledgeQA, Title: "Can I rent a tent?", Body: "Yes, from €12 a day."},
	}}
	for _, e := range kb.entries {
		e.SiteID, e.TenantID = builtinSite.ID, builtinSite.TenantID
	}
	if d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput("en", "tnet?")); usedSource(d) != 0 {
		t.Errorf("answered %q from entry %d", "tnet?", usedSource(d))
	}
	if d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput("en", "can I rnet a tent")); usedSource(d) != 2 {
		t.Errorf("rnet a tent: %s (%s), want entry 2", d.Action, d.Trace.Decision)
	}
}
