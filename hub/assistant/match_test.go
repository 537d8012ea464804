package assistant

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
)

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Don't WORK!", []string{"dont", "work"}},
		{"Идёт ЁЖ", []string{"идет", "еж"}},
		{"e-mail, 404…", []string{"e", "mail", "404"}},
		{"👍", nil},
	}
	for _, tt := range tests {
		if got := words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"refunds", "refund"},
		{"refund", "refund"},
		{"shipping", "ship"},
		{"shipped", "ship"},
		{"ships", "ship"},
		{"hours", "hour"},
		{"opening", "open"},
		{"deliveries", "delive"},
		{"subscription", "subscr"},
		{"address", "addres"},
		{"status", "status"},
		{"need", "need"},
		{"доставки", "достав"},
		{"доставка", "достав"},
		{"пароля", "парол"},
		{"паролем", "парол"},
		{"пароль", "парол"},
		{"сбросить", "сброс"},
		{"часы", "час"},
		{"дней", "дне"},
		{"404", "404"},
	}
	for _, tt := range tests {
		if got := stem(tt.in); got != tt.want {
			t.Errorf("stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryStems(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"How long does shipping take?", []string{"long", "ship"}},
		{"Where is my order #1234567? Order please!", []string{"order"}},
		{"Сколько дней идёт доставка?", []string{"дне", "достав"}},
		{"What is error 404?", []string{"error", "404"}},
		{"how?", nil},
	}
	for _, tt := range tests {
		if got := queryStems(words(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("queryStems(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var many []string
	for i := range 40 {
		many = append(many, strings.Repeat("x", 2)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if got := queryStems(many); len(got) != maxQueryTerms {
		t.Errorf("%d stems, want at most %d", len(got), maxQueryTerms)
	}
}

func TestContentWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"How long does shipping take?", []string{"long", "shipping"}},
		{"Where is my order #1234567? Order please!", []string{"order", "order"}},
		{"Сколько дней идёт доставка?", []string{"дней", "доставка"}},
		{"What is error 404?", []string{"error", "404"}},
		{"how?", nil},
	}
	for _, tt := range tests {
		if got := contentWords(words(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("contentWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var many []string
	for i := range 40 {
		many = append(many, strings.Repeat("x", 2)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if got := contentWords(many); len(got) != maxQueryTerms {
		t.Errorf("%d words, want at most %d", len(got), maxQueryTerms)
	}
}

func TestAnswerText(t *testing.T) {
	article := &hub.KnowledgeEntry{Kind: hub.KnowledgeArticle, Title: "Opening hours",
		Body: "Our support team works Monday to Friday, 9:00–18:00.\n\n" +
			"On public holidays the shop is closed.\r\n  \r\n" +
			"Orders placed at the weekend ship on Monday."}
	qa := &hub.KnowledgeEntry{Kind: hub.KnowledgeQA, Title: "Q", Body: "  The answer.\n\nAll of it.  "}
	long := &hub.KnowledgeEntry{Kind: hub.KnowledgeArticle, Title: "Long",
		Body: strings.Repeat("Holiday word ", 100) + "\n\nAnother holiday paragraph."}
	lines := &hub.KnowledgeEntry{Kind: hub.KnowledgeArticle, Title: "Lines",
		Body: "First line.\nHolidays are off.\nLast line."}
	tests := []struct {
		name  string
		e     *hub.KnowledgeEntry
		query string
		want  string
	}{
		{"qa whole body", qa, "anything", "The answer.\n\nAll of it."},
		{"paragraph with the stems", article, "are you open on holidays", "On public holidays the shop is closed."},
		{"several paragraphs in order", article, "monday holidays", "Our support team works Monday to Friday, 9:00–18:00.\n\n" +
			"On public holidays the shop is closed.\n\nOrders placed at the weekend ship on Monday."},
		{"title match: first paragraph", article, "opening hours", "Our support team works Monday to Friday, 9:00–18:00."},
		{"lines as paragraphs", lines, "holidays", "Holidays are off."},
	}
	for _, tt := range tests {
		if got := answerText(tt.e, queryStems(words(tt.query))); got != tt.want {
			t.Errorf("%s: answerText = %q, want %q", tt.name, got, tt.want)
		}
	}
	got := answerText(long, queryStems(words("holiday")))
	if n := utf8.RuneCountInString(got); n > maxArticleAnswer || !strings.HasSuffix(got, "…") {
		t.Errorf("long article: %d runes ending %q, want at most %d ending with …", n, got[len(got)-10:], maxArticleAnswer)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"one two three four", 10, "one two…"},
		{"First part. Second part goes on", 20, "First part."},
		{"абвгдеёжзийклмн", 5, "абвг…"},
	}
	for _, tt := range tests {
		got := clip(tt.in, tt.n)
		if got != tt.want || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
