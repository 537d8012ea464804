package assistant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/hubtest"
	"github.com/parley-chat/parley/store/sqlite"
)

// builtinKB is a small knowledge base in English and Russian.
var builtinKB = []*hub.KnowledgeEntry{
	{ID: 1, Kind: hub.KnowledgeQA, Title: "How long does shipping take?",
		Body: "Orders ship within 1–2 business days. Delivery takes 3–5 business days within the country."},
	{ID: 2, Kind: hub.KnowledgeQA, Title: "How do I reset my password?",
		Body: "Click “Forgot password” on the sign-in page and follow the link we email you."},
	{ID: 3, Kind: hub.KnowledgeArticle, Title: "Opening hours",
		Body: "Our support team works Monday to Friday, 9:00–18:00.\n\n" +
			"On public holidays the shop is closed.\n\n" +
			"Orders placed at the weekend ship on Monday."},
	{ID: 4, Kind: hub.KnowledgeQA, Title: "How do I cancel my order?",
		Body: "Open Orders in your account and press Cancel next to the order. Orders that have shipped cannot be cancelled."},
	{ID: 5, Kind: hub.KnowledgeQA, Title: "Do you offer gift wrapping?",
		Body: "Yes, gift wrapping is available at checkout for $5."},
	{ID: 6, Kind: hub.KnowledgeQA, Title: "Сколько идёт доставка?",
		Body: "Мы отправляем заказы за 1–2 рабочих дня, доставка занимает 3–5 рабочих дней."},
	{ID: 7, Kind: hub.KnowledgeQA, Title: "Как сбросить пароль?",
		Body: "Нажмите «Забыли пароль?» на странице входа и перейдите по ссылке из письма."},
	{ID: 8, Kind: hub.KnowledgeArticle, Title: "Часы работы",
		Body: "Служба поддержки работает с понедельника по пятницу, с 9:00 до 18:00.\n\n" +
			"В праздничные дни магазин не работает."},
	{ID: 9, Kind: hub.KnowledgeQA, Title: "Как отменить заказ?",
		Body: "Откройте раздел «Заказы» в личном кабинете и нажмите «Отменить»."},
}

// builtinSearcher mimics hub.KnowledgeSearcher in memory: any word of
// the query matches as a prefix of a word of the title or body (case
// folded), ranked by how many query words match, ties by id. It records
// the queries it gets and counts the lists of entries and the versions
// asked of it. Its knowledge version is a fingerprint of its entries, so
// that a test changing them changes it as a store's write would.
type builtinSearcher struct {
	entries  []*hub.KnowledgeEntry
	err      error
	queries  []string
	lists    int
	versions int
}

func (s *builtinSearcher) KnowledgeVersion(_ context.Context, siteID int64) (int64, error) {
	s.versions++
	if s.err != nil {
		return 0, s.err
	}
	var mine []*hub.KnowledgeEntry
	for _, e := range s.entries {
		if e.SiteID == siteID {
			mine = append(mine, e)
		}
	}
	return fingerprint(mine), nil
}

// fingerprint stands for a store's knowledge version: it changes with any
// creation, edit or deletion of entries.
func fingerprint(entries []*hub.KnowledgeEntry) int64 {
	h := fnv.New64a()
	for _, e := range entries {
		fmt.Fprintf(h, "%d\x00%d\x00%s\x00%s\x00%s\x00%s\x00%q\x00%d\x00", e.ID, e.UpdatedAt.UnixNano(), e.Kind, e.Title,
			e.Body, e.Language, e.Phrasings, e.TranslationOf)
	}
	return int64(h.Sum64() >> 1)
}

func (s *builtinSearcher) FindKnowledgeEntries(_ context.Context, siteID int64) ([]*hub.KnowledgeEntry, error) {
	s.lists++
	if s.err != nil {
		return nil, s.err
	}
	out := []*hub.KnowledgeEntry{}
	for _, e := range s.entries {
		if e.SiteID == siteID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *builtinSearcher) SearchKnowledge(_ context.Context, siteID int64, query string, limit int) ([]*hub.KnowledgeEntry, error) {
	s.queries = append(s.queries, query)
	if s.err != nil {
		return nil, s.err
	}
	split := func(t string) []string {
		return strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	}
	terms := split(query)
	type hit struct {
		e *hub.KnowledgeEntry
		n int
	}
	var hits []hit
	for _, e := range s.entries {
		if e.SiteID != siteID {
			continue
		}
		ws := split(e.Title + " " + e.Body)
		n := 0
		for _, t := range terms {
			if slices.ContainsFunc(ws, func(w string) bool { return strings.HasPrefix(w, t) }) {
				n++
			}
		}
		if n > 0 {
			hits = append(hits, hit{e, n})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.n - a.n })
	out := []*hub.KnowledgeEntry{}
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.e)
	}
	return out, nil
}

var builtinSite = &hub.Site{ID: 11, TenantID: 5, Name: "Shop"}

func newBuiltinSearcher() *builtinSearcher {
	s := &builtinSearcher{}
	for _, e := range builtinKB {
		c := *e
		c.SiteID, c.TenantID = builtinSite.ID, builtinSite.TenantID
		s.entries = append(s.entries, &c)
	}
	return s
}

// builtinInput makes a conversation of visitor messages; a message
// starting with "A:" is the assistant's.
func builtinInput(locale string, msgs ...string) hub.AssistantInput {
	in := hub.AssistantInput{Site: builtinSite, Conversation: &hub.Conversation{ID: 3}, Locale: locale}
	for i, m := range msgs {
		kind := hub.AuthorVisitor
		if rest, ok := strings.CutPrefix(m, "A:"); ok {
			kind, m = hub.AuthorAssistant, rest
		}
		in.Messages = append(in.Messages, &hub.Message{ID: int64(i + 1), Seq: int64(i + 1), AuthorKind: kind, Body: m})
	}
	return in
}

// withFile makes the newest message a file whose name is its body.
func withFile(in hub.AssistantInput) hub.AssistantInput {
	m := in.Messages[len(in.Messages)-1]
	m.Attachment = &hub.AttachmentRef{ID: 1, Name: m.Body, ContentType: "application/pdf", Size: 100}
	return in
}

func mustDecide(tb testing.TB, a hub.Assistant, in hub.AssistantInput) hub.Decision {
	tb.Helper()
	d, err := a.Decide(context.Background(), in)
	if err != nil {
		tb.Fatalf("Decide: %v", err)
	}
	if d.Trace.Provider != "builtin" {
		tb.Errorf("provider %q, want builtin", d.Trace.Provider)
	}
	if d.Trace.Language == "" {
		tb.Error("no language in the trace")
	}
	return d
}

func usedSource(d hub.Decision) int64 {
	for _, s := range d.Trace.Sources {
		if s.Used {
			return s.EntryID
		}
	}
	return 0
}

func TestBuiltinAnswersFromKnowledge(t *testing.T) {
	tests := []struct {
		name, msg, locale string
		entry             int64
		lang, body        string
	}{
		{"english exact", "How long does shipping take?", "en", 1, "en", builtinKB[0].Body},
		{"english paraphrase", "how long is delivery", "ru", 1, "en", builtinKB[0].Body},
		{"english inflection", "I forgot my password, how can I reset it?", "en", 2, "en", builtinKB[1].Body},
		{"article paragraph", "Are you open on holidays?", "en", 3, "en", "On public holidays the shop is closed."},
		{"greeting and question", "Hi! Do you offer gift wrapping?", "en", 5, "en", builtinKB[4].Body},
		{"russian exact", "Сколько идёт доставка?", "en", 6, "ru", builtinKB[5].Body},
		{"russian inflection", "сколько дней доставка", "en", 6, "ru", builtinKB[5].Body},
		{"russian paraphrase", "Когда доставят заказ?", "en", 6, "ru", builtinKB[5].Body},
		{"russian case forms", "Забыл пароль от аккаунта, как сбросить?", "en", 7, "ru", builtinKB[6].Body},
		{"russian article", "Вы работаете в праздничные дни?", "en", 8, "ru", "В праздничные дни магазин не работает."},
		{"question inside a story", "We are going hiking in the mountains with friends next month and we still need boots. " +
			"How long does shipping take?", "en", 1, "en", builtinKB[0].Body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kb := newBuiltinSearcher()
			d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput(tt.locale, tt.msg))
			if d.Action != hub.ActionAnswer || d.StatusType != hub.StatusMatchedContent {
				t.Fatalf("got %s/%s (%s), want an answer from the knowledge base", d.Action, d.StatusType, d.Trace.Decision)
			}
			if d.Body != tt.body {
				t.Errorf("body %q, want %q", d.Body, tt.body)
			}
			if got := usedSource(d); got != tt.entry {
				t.Errorf("used entry %d, want %d; sources %+v", got, tt.entry, d.Trace.Sources)
			}
			if d.Trace.Language != tt.lang || d.Trace.AnswerSource != "knowledge_base" || d.Trace.Intent != "" {
				t.Errorf("trace %+v", d.Trace)
			}
			var title string
			for _, e := range builtinKB {
				if e.ID == tt.entry {
					title = e.Title
				}
			}
			if want := "answered from the knowledge base: " + title; d.Trace.Decision != want {
				t.Errorf("decision %q, want %q", d.Trace.Decision, want)
			}
			if len(d.Trace.Tools) != 1 || d.Trace.Tools[0].Name != "knowledge_search" ||
				!strings.Contains(" "+strings.Join(contentWords(words(tt.msg)), " ")+" ", " "+d.Trace.Tools[0].Input+" ") ||
				d.Trace.Tools[0].Result != fmt.Sprintf("%d entries", len(d.Trace.Sources)) {
				t.Errorf("tools %+v, sources %d", d.Trace.Tools, len(d.Trace.Sources))
			}
			for i, s := range d.Trace.Sources {
				if s.Used != (i == 0) || (i > 0 && s.Score > d.Trace.Sources[i-1].Score) {
					t.Errorf("sources not best first with the first used: %+v", d.Trace.Sources)
				}
			}
		})
	}
}

func TestBuiltinEscalatesWhatItCannotDo(t *testing.T) {
	tests := []struct {
		msg, intent, lang, reason string
	}{
		{"I want a refund for my last purchase", "refund", "en", "refund request"},
		{"Верните мне деньги за заказ", "refund", "ru", "refund request"},
		{"Please delete my account", "account_change", "en", "account change request"},
		{"Хочу удалить свой аккаунт", "account_change", "ru", "account change request"},
		{"Where is my order #12345?", "order_details", "en", "order or account details"},
		{"Где мой заказ?", "order_details", "ru", "order or account details"},
		{"I'd like to upgrade to the premium plan", "subscription", "en", "subscription change"},
		{"Хочу отменить подписку", "subscription", "ru", "subscription change"},
		{"I was charged twice for the same order", "billing_dispute", "en", "billing dispute"},
		{"С карты дважды списали деньги", "billing_dispute", "ru", "billing dispute"},
		{"Can I get a discount on a bulk purchase?", "exception", "en", "special request or exception"},
		{"Можно ли сделать скидку?", "exception", "ru", "special request or exception"},
		{"The checkout page is not working", "technical", "en", "technical issue"},
		{"Сайт выдаёт ошибку при оплате", "technical", "ru", "technical issue"},
		{"This is unacceptable, terrible service", "complaint", "en", "complaint"},
		{"Это безобразие, я очень возмущён", "complaint", "ru", "complaint"},
		{"Can I talk to a real person?", "human", "en", "asked for a human"},
		{"I want to speak to a human", "human", "en", "asked for a human"},
		{"Позовите, пожалуйста, живого человека", "human", "ru", "asked for a human"},
		{"Соедините с оператором", "human", "ru", "asked for a human"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			kb := newBuiltinSearcher()
			// The locale is the other language: the message decides.
			locale := map[string]string{"en": "ru", "ru": "en"}[tt.lang]
			d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput(locale, tt.msg))
			if d.Action != hub.ActionEscalate {
				t.Fatalf("action %s (%s), want escalate", d.Action, d.Trace.Decision)
			}
			if d.Trace.Intent != tt.intent || d.Reason != tt.reason || d.Trace.Language != tt.lang {
				t.Errorf("intent %q reason %q language %q, want %q %q %q", d.Trace.Intent, d.Reason, d.Trace.Language,
					tt.intent, tt.reason, tt.lang)
			}
			if d.Body != texts[tt.lang].cannotDo[tt.intent] || hub.DetectLanguage(d.Body, "") != tt.lang {
				t.Errorf("body %q, want the %s lead-in for %s", d.Body, tt.lang, tt.intent)
			}
			if want := "escalated: " + tt.reason; d.Trace.Decision != want {
				t.Errorf("decision %q, want %q", d.Trace.Decision, want)
			}
			if d.Subject == "" || utf8.RuneCountInString(d.Subject) > 80 {
				t.Errorf("subject %q", d.Subject)
			}
			if want := tt.msg + "\nDetected: " + tt.intent + ", language " + tt.lang; d.Summary != want {
				t.Errorf("summary %q, want %q", d.Summary, want)
			}
			if d.StatusType != "" || d.Email != "" || d.Trace.AnswerSource != "" {
				t.Errorf("status %q email %q answer source %q, want none", d.StatusType, d.Email, d.Trace.AnswerSource)
			}
			if tt.intent == "human" && kb.lists+kb.versions != 0 {
				t.Errorf("a request for a person read the knowledge base")
			}
		})
	}
}

// TestBuiltinIntentPrecedence checks the rule of Decide: a request for a
// person always escalates; another intent yields to the knowledge base
// only for a question whose best entry is a confident match.
func TestBuiltinIntentPrecedence(t *testing.T) {
	tests := []struct {
		name, msg string
		action    hub.AssistantAction
		intent    string
		entry     int64
	}{
		{"how-to question with its own entry", "How do I cancel my order?", hub.ActionAnswer, "refund", 4},
		{"same question reworded", "Can I cancel my order", hub.ActionAnswer, "refund", 4},
		{"russian how-to question", "Как отменить заказ?", hub.ActionAnswer, "refund", 9},
		{"request, not a question", "I want to cancel my order", hub.ActionEscalate, "refund", 0},
		{"russian request", "Отмените мой заказ", hub.ActionEscalate, "refund", 0},
		{"question matching one title word", "Where is my order?", hub.ActionEscalate, "order_details", 0},
		{"question with a loose match", "Как отменить подписку?", hub.ActionEscalate, "subscription", 0},
		{"person asked with a how-to question", "How do I cancel my order? I want to talk to a person", hub.ActionEscalate, "human", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecide(t, &Builtin{Knowledge: newBuiltinSearcher()}, builtinInput("en", tt.msg))
			if d.Action != tt.action || d.Trace.Intent != tt.intent || usedSource(d) != tt.entry {
				t.Errorf("got %s, intent %q, entry %d (%s); want %s, %q, %d; sources %+v", d.Action, d.Trace.Intent,
					usedSource(d), d.Trace.Decision, tt.action, tt.intent, tt.entry, d.Trace.Sources)
			}
			if tt.action == hub.ActionAnswer && d.StatusType != hub.StatusMatchedContent {
				t.Errorf("status %q", d.StatusType)
			}
		})
	}
}

func TestBuiltinSmallTalk(t *testing.T) {
	tests := []struct {
		msg, lang, body string
	}{
		{"hi", "en", texts["en"].greeting},
		{"Hello there!", "en", texts["en"].greeting},
		{"Hi, I have a question", "en", texts["en"].greeting},
		{"Thank you so much!", "en", texts["en"].thanks},
		{"Привет", "ru", texts["ru"].greeting},
		{"Здравствуйте!", "ru", texts["ru"].greeting},
		{"Спасибо большое!", "ru", texts["ru"].thanks},
	}
	for _, tt := range tests {
		kb := newBuiltinSearcher()
		d := mustDecide(t, &Builtin{Knowledge: kb}, builtinInput("de", tt.msg))
		if d.Action != hub.ActionAnswer || d.StatusType != hub.StatusGeneratedContent || d.Body != tt.body ||
			d.Trace.Language != tt.lang || d.Trace.AnswerSource != "" || d.Trace.Decision != "answered small talk" {
			t.Errorf("%q: got %+v", tt.msg, d)
		}
		if kb.lists+kb.versions != 0 || len(d.Trace.Tools) != 0 {
			t.Errorf("%q: small talk searched the knowledge base", tt.msg)
		}
	}
}

func TestBuiltinSilence(t *testing.T) {
	tests := []struct {
		name     string
		in       hub.AssistantInput
		lang     string
		decision string
	}{
		{"emoji only", builtinInput("ru", "👍🎉"), "ru", "nothing sent: no question to answer"},
		{"punctuation only", builtinInput("en", "?!"), "en", "nothing sent: no question to answer"},
		{"acknowledgement", builtinInput("en", "How long does shipping take?", "A:3–5 days.", "ok"), "en",
			"nothing sent: an acknowledgement needs no answer"},
		{"no visitor message", builtinInput("ru", "A:Hello!"), "ru", "nothing sent: no visitor message"},
		{"a file without words", withFile(builtinInput("en", "refund-receipt.pdf")), "en", "nothing sent: the visitor sent a file"},
	}
	for _, tt := range tests {
		kb := newBuiltinSearcher()
		d := mustDecide(t, &Builtin{Knowledge: kb}, tt.in)
		if d.Action != hub.ActionSilent || d.Body != "" || d.Trace.Decision != tt.decision || d.Trace.Language != tt.lang {
			t.Errorf("%s: got %+v", tt.name, d)
		}
		if kb.lists+kb.versions != 0 {
			t.Errorf("%s: read the knowledge base", tt.name)
		}
	}
}

func TestBuiltinBelowThreshold(t *testing.T) {
	tests := []struct {
		name, msg string
		builtin   *Builtin
		lang      string
		sources   []hub.KBSource
		decision  string
	}{
		{"weak match", "Do you sell gift cards?", &Builtin{Knowledge: newBuiltinSearcher()}, "en",
			[]hub.KBSource{{EntryID: 5, Title: "Do you offer gift wrapping?", Score: 0.33}},
			"escalated: no relevant sources (best score 0.33)"},
		{"russian weak match", "Есть ли у вас подарочная упаковка для заказа?", &Builtin{Knowledge: newBuiltinSearcher()}, "ru",
			[]hub.KBSource{{EntryID: 9, Title: "Как отменить заказ?", Score: 0.27}, {EntryID: 6, Title: "Сколько идёт доставка?", Score: 0.16}},
			"escalated: no relevant sources (best score 0.27)"},
		{"half of a two-word question", "Do you ship drones?", &Builtin{Knowledge: newBuiltinSearcher()}, "en",
			[]hub.KBSource{{EntryID: 1, Title: "How long does shipping take?", Score: 0.36}, {EntryID: 4, Title: "How do I cancel my order?", Score: 0.21},
				{EntryID: 3, Title: "Opening hours", Score: 0.21}},
			"escalated: no relevant sources (best score 0.36)"},
		{"a higher threshold", "how long is delivery in business days", &Builtin{Knowledge: newBuiltinSearcher(), Threshold: 0.9}, "en",
			[]hub.KBSource{{EntryID: 1, Title: "How long does shipping take?", Score: 0.8}, {EntryID: 4, Title: "How do I cancel my order?", Score: 0.15},
				{EntryID: 3, Title: "Opening hours", Score: 0.15}},
			"escalated: no relevant sources (best score 0.80)"},
		{"no knowledge base", "How long does shipping take?", &Builtin{}, "en", nil,
			"escalated: no relevant sources (best score 0.00)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecide(t, tt.builtin, builtinInput("en", tt.msg))
			if d.Action != hub.ActionEscalate || d.Reason != "no relevant sources" || d.Trace.Intent != "" {
				t.Fatalf("got %s, reason %q, intent %q (%s); want a no-sources escalation", d.Action, d.Reason,
					d.Trace.Intent, d.Trace.Decision)
			}
			if d.Trace.Decision != tt.decision {
				t.Errorf("decision %q, want %q", d.Trace.Decision, tt.decision)
			}
			if !slices.Equal(d.Trace.Sources, tt.sources) {
				t.Errorf("sources %+v, want %+v", d.Trace.Sources, tt.sources)
			}
			if d.Body != texts[tt.lang].noAnswer || d.Trace.Language != tt.lang {
				t.Errorf("body %q in %s, want the %s no-answer lead-in", d.Body, d.Trace.Language, tt.lang)
			}
			if !strings.HasPrefix(d.Summary, tt.msg+"\n") || !strings.HasSuffix(d.Summary, ", language "+tt.lang) {
				t.Errorf("summary %q", d.Summary)
			}
		})
	}
}

func TestBuiltinTicketText(t *testing.T) {
	long := strings.Repeat("The parcel box was crushed and the contents were damaged beyond use. ", 4)
	tests := []struct {
		name    string
		in      hub.AssistantInput
		subject string
		summary string
	}{
		{"human request names the earlier issue",
			builtinInput("en", "Hi", "A:Hello! How can I help you today?", "My parcel never arrived",
				"A:I don't have access to order details.", "  I want to talk\n to a person  "),
			"My parcel never arrived",
			"Hi\nMy parcel never arrived\nI want to talk to a person\nDetected: human, language en"},
		{"greeting dropped, long subject cut",
			builtinInput("en", "Hello there! I was charged twice, "+long),
			"I was charged twice, The parcel box was crushed and the contents were damaged…",
			"Hello there! I was charged twice, " + strings.TrimSpace(long) + "\nDetected: billing_dispute, language en"},
		{"russian",
			builtinInput("en", "Здравствуйте! верните деньги за сломанный чайник"),
			"Верните деньги за сломанный чайник",
			"Здравствуйте! верните деньги за сломанный чайник\nDetected: refund, language ru"},
	}
	for _, tt := range tests {
		d := mustDecide(t, &Builtin{Knowledge: newBuiltinSearcher()}, tt.in)
		if d.Subject != tt.subject {
			t.Errorf("%s: subject %q, want %q", tt.name, d.Subject, tt.subject)
		}
		if utf8.RuneCountInString(d.Subject) > 80 {
			t.Errorf("%s: subject of %d runes", tt.name, utf8.RuneCountInString(d.Subject))
		}
		if d.Summary != tt.summary {
			t.Errorf("%s: summary\n%s\nwant\n%s", tt.name, d.Summary, tt.summary)
		}
	}
}

func TestBuiltinSummaryBounded(t *testing.T) {
	var msgs []string
	for i := range 40 {
		msgs = append(msgs, fmt.Sprintf("message %02d %s", i, strings.Repeat("x", 60)))
	}
	msgs = append(msgs, "I want a refund")
	d := mustDecide(t, &Builtin{}, builtinInput("en", msgs...))
	body, detected, _ := strings.Cut(d.Summary, "\nDetected: ")
	if n := utf8.RuneCountInString(body); n > 1500 {
		t.Errorf("summary of %d runes before the detected line", n)
	}
	lines := strings.Split(body, "\n")
	if !strings.HasPrefix(lines[0], "(") || !strings.HasSuffix(lines[0], "earlier messages left out)") {
		t.Errorf("first line %q, want a note on left-out messages", lines[0])
	}
	if lines[len(lines)-1] != "I want a refund" || lines[len(lines)-2] != msgs[39] {
		t.Errorf("the newest messages are not last: %q", lines[len(lines)-2:])
	}
	if detected != "refund, language en" {
		t.Errorf("detected %q", detected)
	}

	huge := strings.Repeat("слово ", 1000) + "верните деньги"
	d = mustDecide(t, &Builtin{}, builtinInput("ru", huge))
	if body, _, _ := strings.Cut(d.Summary, "\nDetected: "); utf8.RuneCountInString(body) > 1500 {
		t.Errorf("one huge message: summary of %d runes", utf8.RuneCountInString(body))
	}
}

func TestBuiltinSearchError(t *testing.T) {
	boom := errors.New("database is down")
	kb := newBuiltinSearcher()
	kb.err = boom
	_, err := (&Builtin{Knowledge: kb}).Decide(context.Background(), builtinInput("en", "How long does shipping take?"))
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
	// A non-human intent consults the knowledge base too, so it fails
	// the same way; a request for a person needs no search.
	if _, err := (&Builtin{Knowledge: kb}).Decide(context.Background(), builtinInput("en", "How do I cancel my order?")); !errors.Is(err, boom) {
		t.Errorf("intent: error %v, want %v", err, boom)
	}
	if _, err := (&Builtin{Knowledge: kb}).Decide(context.Background(), builtinInput("en", "operator!")); err != nil {
		t.Errorf("human: error %v, want none", err)
	}
}

// TestBuiltinSQLite runs the assistant on the real SQLite store and its
// full-text search, so that scores and stems meet a real index.
func TestBuiltinSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	svc := &hub.Service{Store: db, Publisher: nopPublisher{}, Log: hubtest.Logger(t), Secret: []byte("test-secret"),
		Clock: func() time.Time { return now }}
	tenant, owner, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Acme", Email: "owner@acme.test", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	actor := hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: hub.RoleOwner}
	site, err := svc.CreateSite(ctx, actor, hub.NewSite{TenantID: tenant.ID, Name: "Shop", AllowedOrigins: []string{"https://shop.test"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateSite(ctx, actor, hub.NewSite{TenantID: tenant.ID, Name: "Other", AllowedOrigins: []string{"https://other.test"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]int64{} // builtinKB id → stored id
	for _, e := range builtinKB {
		c := *e
		c.ID, c.TenantID, c.SiteID, c.CreatedAt, c.UpdatedAt = 0, tenant.ID, site.ID, now, now
		if err := db.CreateKnowledgeEntry(ctx, &c); err != nil {
			t.Fatal(err)
		}
		ids[e.ID] = c.ID
	}
	// The other site's entry must never be a source.
	if err := db.CreateKnowledgeEntry(ctx, &hub.KnowledgeEntry{TenantID: tenant.ID, SiteID: other.ID, Kind: hub.KnowledgeQA,
		Title: "How long does shipping take?", Body: "Forever.", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		msg    string
		action hub.AssistantAction
		entry  int64 // builtinKB id
		intent string
	}{
		{"How long does shipping take?", hub.ActionAnswer, 1, ""},
		{"how long is delivery", hub.ActionAnswer, 1, ""},
		{"I forgot my password, how can I reset it?", hub.ActionAnswer, 2, ""},
		{"Are you open on holidays?", hub.ActionAnswer, 3, ""},
		{"Сколько дней доставка?", hub.ActionAnswer, 6, ""},
		{"Забыл пароль от аккаунта, как сбросить?", hub.ActionAnswer, 7, ""},
		{"Как отменить заказ?", hub.ActionAnswer, 9, "refund"},
		{"Хочу отменить заказ", hub.ActionEscalate, 0, "refund"},
		{"Do you sell gift cards?", hub.ActionEscalate, 0, ""},
	}
	a := &Builtin{Knowledge: db}
	for _, tt := range tests {
		in := builtinInput("en", tt.msg)
		in.Site = site
		d := mustDecide(t, a, in)
		want := ids[tt.entry]
		if tt.entry == 0 {
			want = 0
		}
		if d.Action != tt.action || usedSource(d) != want || d.Trace.Intent != tt.intent {
			t.Errorf("%q: got %s, entry %d, intent %q (%s); want %s, entry %d, intent %q; sources %+v", tt.msg, d.Action,
				usedSource(d), d.Trace.Intent, d.Trace.Decision, tt.action, want, tt.intent, d.Trace.Sources)
		}
		for _, s := range d.Trace.Sources {
			if s.Title == "How long does shipping take?" && s.EntryID != ids[1] {
				t.Errorf("%q: another site's entry %d is a source", tt.msg, s.EntryID)
			}
		}
	}
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, string, []byte) error { return nil }
