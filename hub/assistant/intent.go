package assistant

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Intents: what a visitor asks for that the assistant cannot do itself
// (003 "When Does AI Create Tickets?"). They are the values of
// hub.DecisionTrace.Intent.
const (
	intentRefund         = "refund"          // refunds and cancellations
	intentAccountChange  = "account_change"  // account settings, email, password, deletion
	intentOrderDetails   = "order_details"   // where is my order, invoices, "my account"
	intentSubscription   = "subscription"    // upgrade, downgrade, cancel a plan
	intentBillingDispute = "billing_dispute" // charged twice, wrong charge, chargeback
	intentException      = "exception"       // discounts, extensions, exceptions
	intentTechnical      = "technical"       // bugs, errors, things not working
	intentComplaint      = "complaint"       // complaints needing personal attention
	intentHuman          = "human"           // an explicit request for a person
)

// intentReasons are the escalation reasons agents see, in English.
var intentReasons = map[string]string{
	intentRefund:         "refund request",
	intentAccountChange:  "account change request",
	intentOrderDetails:   "order or account details",
	intentSubscription:   "subscription change",
	intentBillingDispute: "billing dispute",
	intentException:      "special request or exception",
	intentTechnical:      "technical issue",
	intentComplaint:      "complaint",
	intentHuman:          "asked for a human",
}

// intentPatterns recognise the intents in a message's words (see words:
// lower case, ё as е, apostrophes dropped so "can't" is "cant"). They are
// tried in this order and the first intent with a matching pattern wins,
// so the order settles overlaps: a request for a person beats everything;
// "charged twice, I want a refund" is a dispute; "cancel my subscription"
// is a subscription change and "cancel my account" an account change
// before a bare "cancel" counts as a cancellation (refund); "cancel my
// order" is a cancellation before "my order" asks for order details; and
// a complaint is only a complaint when nothing more specific is found.
//
// A pattern is groups of alternatives separated by "|": "word" must be the
// whole word, "stem*" a prefix of it (Russian inflects, so most Russian
// terms are stems), "#" any word with a digit (an order number). Between
// groups, "+" means the next word, ">" a later word with at most maxGap
// words between, and "~" joins exactly two groups in either order, like
// ">". English and Russian share the lists: their words cannot collide.
var intentPatterns = []struct {
	intent   string
	patterns []string
}{
	{intentHuman, []string{
		"human|humans|operator*|representative*|supervisor*",
		"real|live|actual + person|people|human|agent*|someone|somebody",
		"talk*|speak*|chat*|contact*|reach* > person|people|someone|somebody|agent*|manager*|staff|support|team|employee*",
		"connect*|transfer* > person|someone|somebody|agent*|manager*|staff|employee*",
		"want|need|get|call* > person|agent|agents|manager*|someone|somebody",
		"оператор*",
		"жив* + человек*|сотрудник*|оператор*|собеседник*|люд*",
		"позов*|позва*|соедин*|переключ*|переве*|свяж*|связат*|связь|поговор*|пообщ*|дайте|позвон* > человек*|менеджер*|сотрудник*|специалист*|консультант*|поддержк*|люд*|руководств*|начальств*",
		"нужен|нужна|нужно|хочу + человек*|менеджер*|сотрудник*|специалист*|консультант*",
	}},
	{intentBillingDispute, []string{
		"chargeback*|overcharg*|overbill*",
		"charged|billed > twice|double|again|wrong*|incorrect*|extra|without",
		"double|duplicate|wrong|incorrect|unauthori*|unknown|unrecogni*|unexpected + charg*|amount|bill|billing|payment*",
		"billing > error*|mistake*|issue*|problem*|dispute*",
		"dispute* > charg*|payment*|transaction*",
		"списал*|чарджбек*|чарджбэк*",
		"снял*|сняли ~ деньг*|дважды|лишн*|средств*",
		"дважды|двойн* ~ спис*|оплат*|плат*|снят*|снял*|списан*",
		"неправильн*|неверн*|лишн*|ошибочн* + спис*|сумм*|оплат*|плат*|счет*",
		"оспор*",
	}},
	{intentSubscription, []string{
		"upgrad*|downgrad*",
		"cancel*|chang*|switch*|pause*|stop*|renew*|end|ending|terminat*|modify|unsubscribe > subscription*|plan|plans|membership*|tier|tiers",
		"subscription*|plan|membership* > cancel*|chang*|switch*|pause*|stop*|renew*|terminat*",
		"отмен*|измен*|смен*|помен*|продл*|отключ*|перейт*|перейд*|перевед*|повыс*|пониз*|приостанов*|останов*|отказ*|апгрейд*|даунгрейд* ~ подписк*|тариф*",
	}},
	{intentAccountChange, []string{
		"delet*|remov*|clos*|deactivat*|cancel*|terminat*|erase ~ account*|profile*",
		"chang*|updat*|modif*|edit* > account*|profile*|email*|mail|password*|username*|login*|phone*",
		"account* + setting*",
		"удал*|закр*|деактив*|заблок* ~ аккаунт*|учетн*|профил*|кабинет*",
		"измен*|смен*|помен*|обнов*|редакт* ~ аккаунт*|учетн*|профил*|почт*|email*|емейл*|имейл*|mail|парол*|логин*|телефон*",
		"настройк* + аккаунт*|профил*|учетн*",
	}},
	{intentRefund, []string{
		"refund*|reimburs*|cancel*",
		"money + back",
		"return* > money|payment*|item*|order*|product*|purchase*",
		"возвра*|возмест*|отмен*|верните|вернуть|вернете|вернули",
		"верн* ~ деньг*|средств*|оплат*",
		"деньг* ~ назад|обратно",
	}},
	{intentOrderDetails, []string{
		"my + order|orders|package*|parcel*|delivery|deliveries|shipment*|purchase*|account|invoice*|receipt*",
		"order*|delivery|shipment*|package*|parcel* > status|number|tracking",
		"order|orders + #",
		"where* > order*|package*|parcel*|delivery|shipment*|purchase*",
		"invoice*|receipt*",
		"not|never|hasnt|havent|didnt|still|yet > arriv*|receiv*|deliver*|shipped",
		"мой|моего|моем|моему|моим|мою|моя|мои|моих|моей + " + ruOrder + "|посылк*|аккаунт*|кабинет*|покупк*|счет*|доставк*",
		"где > " + ruOrder + "|посылк*|покупк*|доставк*",
		"статус*|номер* > " + ruOrder + "|посылк*|доставк*|оплат*|платеж*",
		ruOrder + " + #",
		"не > пришел|пришла|пришло|пришли|получил*|доставил*|доставлен*|приехал*|прибыл*",
		"инвойс*",
		"счет > фактур*|оплат*",
	}},
	{intentException, []string{
		"discount*|exception*|waive*|concession*|compensat*",
		"get|need|request*|want|ask* > extension*",
		"extension* + on|for|of|to",
		"special + request*|arrangement*|case|exception*|treatment",
		"extend* > deadline*|trial*|due|period|date",
		"price + match*",
		"скидк*|исключени*|отсрочк*|компенс*",
		"особ* + услови*|просьб*|случа*|предложени*",
		"продл* > срок*|пробн*|период*|дедлайн*",
	}},
	{intentTechnical, []string{
		"bug|bugs|buggy|error|errors|crash*|glitch*|broken|broke|freez*|frozen|froze|outage|malfunction*|fail|fails|failed|failing|failure*",
		"not|isnt|arent|stopped|stops + work|working|loading|responding|connecting|syncing|uploading|downloading|starting|launching|sending|displaying|showing",
		"doesnt|dont|wont|cant|cannot|didnt + work*|load*|open|respond*|connect*|sync*|upload*|download*|start*|launch*|login|log|sign|install*|submit*|send|play*|display*|show",
		"unable + to + log*|login|sign*|access*|connect*|load*|open|pay|checkout|upload*",
		"ошибк*|баг|баги|бага|багу|глюк*|сбой*|сбоя|сбои|сломал*|сломан*|завис|зависло|зависла|зависает|зависают|вылетает|вылетают|вылетело|вылетел|вылетела|лагает|тормозит",
		"не + работает|работают|работал*|загружа*|грузит*|открыва*|запуска*|отправля*|отображ*|приход*|срабатыва*",
		"не + могу|получается|удается|выходит > войти|зайти|залогин*|авториз*|оплатить|загрузить|открыть|скачать|зарегистр*",
		"перестал* > работа*|загружа*|открыва*",
		"техническ* + проблем*|неполад*|ошибк*|сбой*",
	}},
	{intentComplaint, []string{
		"complain*|complaint*|unacceptable|angry|terrible|awful|horrible|worst|disgust*|rude|furious|outrag*|ridiculous|appalling|disappoint*|pathetic|scam",
		"жалоб*|пожалова*|безобраз*|возмут*|возмущ*|ужасн*|отвратит*|недопустим*|неприемлем*|хамств*|хамил*|нахамил*|разочаров*|кошмар*|позор*|обман*|мошенни*|бесит",
	}},
}

// ruOrder are the forms of "заказ" (an order), spelled out because the
// stem "заказ*" would take "заказать" (to order) too: "где заказать торт"
// asks where to buy, not where an order is.
const ruOrder = "заказ|заказа|заказу|заказом|заказе|заказы|заказов|заказам|заказами|заказах"

// maxGap is how many words may stand between the groups of a ">" or "~"
// pattern: enough for "talk to a person" or "где мой заказ", too few to
// join words of different clauses.
const maxGap = 2

// wordPattern is a compiled intent pattern.
type wordPattern struct {
	groups   [][]string // alternatives per group
	adjacent []bool     // adjacent[i]: groups[i+1] is the next word after groups[i]
}

type compiledIntent struct {
	intent   string
	patterns []wordPattern
}

var compiledIntents = compileIntents()

func compileIntents() []compiledIntent {
	out := make([]compiledIntent, 0, len(intentPatterns))
	for _, ip := range intentPatterns {
		ci := compiledIntent{intent: ip.intent}
		for _, p := range ip.patterns {
			ci.patterns = append(ci.patterns, compilePattern(p)...)
		}
		out = append(out, ci)
	}
	return out
}

// compilePattern parses one pattern; "a ~ b" becomes "a > b" and "b > a".
// The patterns are constants, so a malformed one is a programming error
// and panics when the package loads (TestIntentPatternsCompile).
func compilePattern(s string) []wordPattern {
	fields := strings.Fields(s)
	var p wordPattern
	swap := false
	for i, f := range fields {
		if i%2 == 1 {
			switch f {
			case "+":
				p.adjacent = append(p.adjacent, true)
			case ">":
				p.adjacent = append(p.adjacent, false)
			case "~":
				if len(fields) != 3 {
					panic("assistant: ~ joins exactly two groups: " + s)
				}
				p.adjacent = append(p.adjacent, false)
				swap = true
			default:
				panic("assistant: bad operator " + f + " in pattern: " + s)
			}
			continue
		}
		p.groups = append(p.groups, strings.Split(f, "|"))
	}
	if len(p.groups) == 0 || len(p.groups) != len(p.adjacent)+1 {
		panic("assistant: malformed pattern: " + s)
	}
	if !swap {
		return []wordPattern{p}
	}
	r := wordPattern{groups: [][]string{p.groups[1], p.groups[0]}, adjacent: p.adjacent}
	return []wordPattern{p, r}
}

// detectIntent returns the first intent (in intentPatterns order) that ws
// shows, "" if none.
func detectIntent(ws []string) string {
	for _, ci := range compiledIntents {
		for _, p := range ci.patterns {
			if p.match(ws) {
				return ci.intent
			}
		}
	}
	return ""
}

func (p wordPattern) match(ws []string) bool {
	for i := range ws {
		if p.matchFrom(ws, 0, i) {
			return true
		}
	}
	return false
}

func (p wordPattern) matchFrom(ws []string, g, i int) bool {
	if !termMatch(p.groups[g], ws[i]) {
		return false
	}
	if g == len(p.groups)-1 {
		return true
	}
	gap := maxGap
	if p.adjacent[g] {
		gap = 0
	}
	for j := i + 1; j <= i+1+gap && j < len(ws); j++ {
		if p.matchFrom(ws, g+1, j) {
			return true
		}
	}
	return false
}

func termMatch(alternatives []string, w string) bool {
	for _, t := range alternatives {
		switch {
		case t == "#":
			if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
				return true
			}
		case strings.HasSuffix(t, "*"):
			if strings.HasPrefix(w, t[:len(t)-1]) {
				return true
			}
		case w == t:
			return true
		}
	}
	return false
}

// questionWords start a question; "ли" marks one anywhere in Russian.
var questionWords = setOf(
	"how", "hows", "what", "whats", "where", "wheres", "when", "why", "which", "who", "can", "could",
	"do", "does", "is", "are", "will", "would", "should", "may", "am",
	"как", "что", "где", "когда", "почему", "зачем", "можно", "сколько", "какой", "какая", "какие",
	"какое", "каким", "какую", "куда", "откуда", "чем", "кто", "подскажите", "скажите", "возможно",
)

// isQuestion reports whether a message reads as a question: it has a
// question mark, has "ли", or its first word after any greeting is a
// question word ("how do I cancel my order", "как отменить заказ").
func isQuestion(text string, ws []string) bool {
	if strings.ContainsAny(text, "?？") {
		return true
	}
	first := true
	for _, w := range ws {
		if w == "ли" {
			return true
		}
		if first && !greetingWords[w] && !smallTalkFillers[w] {
			if questionWords[w] {
				return true
			}
			first = false
		}
	}
	return false
}

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Small talk: what a message says when it says nothing to look up.
const (
	smallTalkNone     = ""
	smallTalkGreeting = "greeting" // "hi", "добрый день", "I have a question"
	smallTalkThanks   = "thanks"   // "thank you so much", "спасибо"
	smallTalkAck      = "ack"      // "ok", "понятно", "bye"
	smallTalkPresence = "presence" // "are you still there?", "вы тут?"
)

var (
	greetingWords = setOf(
		"hi", "hello", "hey", "hiya", "howdy", "hallo", "greetings", "morning", "afternoon", "evening",
		"привет", "приветствую", "здравствуйте", "здравствуй", "здрасте", "здрасьте", "добрый", "доброе",
		"доброго", "день", "вечер", "утро", "дня", "вечера", "утра", "времени", "суток",
	)
	thanksWords = setOf(
		"thanks", "thank", "thx", "ty", "cheers", "appreciate", "appreciated",
		"спасибо", "благодарю", "спс", "спасибочки", "пасиб", "благодарен", "благодарна",
	)
	// openerWords say that a question is coming, not what it is; with
	// the fillers they get the greeting's "How can I help?".
	openerWords = setOf(
		"help", "question", "questions", "anyone", "anybody", "here",
		"помощь", "помогите", "помочь", "вопрос", "вопросы", "вопросик", "кто", "нибудь", "тут", "здесь",
	)
	// ackWords close a turn: the visitor needs no reply to them.
	ackWords = setOf(
		"ok", "okay", "okey", "k", "kk", "got", "see", "yes", "yeah", "yep", "no", "nope", "fine", "cool",
		"great", "perfect", "alright", "understood", "bye", "goodbye",
		"ок", "окей", "ладно", "хорошо", "понятно", "ясно", "понял", "поняла", "да", "нет", "ага",
		"отлично", "супер", "пока", "свидания",
	)
	// presenceWords ask whether anyone is there: "are you still there?",
	// "you there?", "алло, есть кто?", "вы тут?". presenceMarks make a
	// message a presence check on their own; the others only with a place
	// ("there", "here", "тут", "здесь").
	presenceMarks  = setOf("are", "still", "алло", "ало")
	presenceWho    = setOf("you", "anyone", "anybody", "someone", "somebody", "вы", "ты", "кто")
	presencePlaces = setOf("there", "here", "тут", "здесь")
	// smallTalkFillers may stand around the words above without making
	// the message a question.
	smallTalkFillers = setOf(
		"a", "all", "again", "and", "any", "for", "good", "guys", "have", "i", "im", "is", "it", "lot", "much",
		"my", "need", "oh", "so", "the", "there", "team", "very", "you", "your", "everyone", "folks",
		"а", "большое", "вам", "всем", "все", "до", "еще", "есть", "за", "и", "меня", "мне", "нужна",
		"огромное", "очень", "раз", "ребята", "тебе", "у", "ну", "ой",
	)
)

// smallTalkKind classifies a message made only of greetings, thanks,
// openers, acknowledgements, presence checks and fillers; any other word
// makes it smallTalkNone, so "hi, how long does shipping take" is a
// question and "are you open on Sunday?" is not a presence check. Thanks
// win over a presence check ("are you there?" and "anyone here?", which a
// greeting may open), a presence check over a greeting or opener, and
// those over an acknowledgement.
func smallTalkKind(ws []string) string {
	var greeting, thanks, ack, mark, who, place bool
	for _, w := range ws {
		who = who || presenceWho[w]
		place = place || presencePlaces[w]
		switch {
		case thanksWords[w]:
			thanks = true
		case presenceMarks[w]:
			mark = true
		case greetingWords[w], openerWords[w]:
			greeting = true
		case ackWords[w]:
			ack = true
		case smallTalkFillers[w], presenceWho[w]:
		default:
			return smallTalkNone
		}
	}
	switch {
	case thanks:
		return smallTalkThanks
	case mark || who && place:
		return smallTalkPresence
	case greeting:
		return smallTalkGreeting
	case ack:
		return smallTalkAck
	}
	return smallTalkNone
}

// mentionsInstance reports whether a message names a particular order,
// payment or booking of the visitor's: a number of two digits or more
// ("order 4411", "#12345"). Such a message asks about that one, which
// only the team can look up, not about a policy.
func mentionsInstance(ws []string) bool {
	for _, w := range ws {
		digits := 0
		for _, r := range w {
			if unicode.IsDigit(r) {
				digits++
			}
		}
		if digits >= 3 {
			return true
		}
	}
	return false
}

// requestWords ask for something to be done, or say it is the visitor's
// own: with them a message that is not a question is a request, not a
// topic ("I want a refund", "мой заказ", "пожалуйста").
var requestWords = setOf(
	"want", "wanna", "need", "please", "pls", "plz", "my", "mine", "me",
	"хочу", "хотим", "хотел", "хотела", "нужно", "надо", "нужен", "нужна", "прошу", "пожалуйста",
	"мой", "моя", "мое", "мои", "моего", "моей", "моему", "моим", "моих", "мою", "мне", "меня",
)

// namesTopic reports whether a message that is not a question names a
// topic ("Returns and exchanges", "возврат и обмен") rather than asks for
// something: no request words, and no Russian imperative ("верните",
// "отмените": a word ending in -ите or -йте).
func namesTopic(ws []string) bool {
	for _, w := range ws {
		if requestWords[w] {
			return false
		}
		if utf8.RuneCountInString(w) >= 5 && (strings.HasSuffix(w, "ите") || strings.HasSuffix(w, "йте")) {
			return false
		}
	}
	return true
}
