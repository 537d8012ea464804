package assistant

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
)

// What the built-in assistant writes on a ticket, for the team: a subject
// that names the need and the key facts, and a short summary. Both are in
// the team's language (teamLanguage), whatever the visitor wrote in; the
// visitor's own words are quoted as they are.

// escalate hands the conversation to the team with body as the lead-in
// (the Service asks for the email after it), reason for agents, and a
// subject and summary for the ticket, written from the conversation and
// trace (its Intent, Language and Sources).
func escalate(in hub.AssistantInput, last *hub.Message, trace hub.DecisionTrace, body, reason string) hub.Decision {
	trace.Decision = "escalated: " + reason
	return hub.Decision{
		Action:  hub.ActionEscalate,
		Body:    body,
		Reason:  reason,
		Subject: ticketSubject(in, last, trace.Intent),
		Summary: ticketSummary(in, last, trace),
		Trace:   trace,
	}
}

// teamLanguage is the language the site's team reads tickets in: Russian
// for a site whose default locale is Russian, else English (also without
// a site).
func teamLanguage(site *hub.Site) string {
	if site != nil && strings.HasPrefix(strings.ToLower(site.DefaultLocale), langRussian) {
		return langRussian
	}
	return langEnglish
}

// ticketSubject names the ticket for the team, in the team's language,
// at most maxSubjectRunes:
//
//   - an intent: its need and the key facts of the conversation
//     ("Refund request: order #4411, €49.90"), or without facts the need
//     and the visitor's sentence that shows it, quoted;
//   - a question the knowledge base does not answer: the question, cleaned
//     (greetings and small talk dropped);
//   - a request for a person ("Operator, please" says nothing about the
//     issue): the subject of the newest earlier visitor message with
//     content, else "Asked for a person" and the facts.
//
// TestBuiltinTicketText.
func ticketSubject(in hub.AssistantInput, last *hub.Message, intent string) string {
	lang := teamLanguage(in.Site)
	tp := ticketTexts[lang]
	src := last.Body
	if intent == intentHuman {
		if m := earlierContent(in, last); m != nil {
			src, intent = m.Body, detectIntent(words(m.Body))
		}
	}
	fs := extractFacts(visitorTexts(in)...).subjectFacts(lang)
	var need string
	switch intent {
	case "":
		return cutWords(keySentence(src, ""), maxSubjectRunes)
	case intentHuman:
		need = tp.person
		if len(fs) == 0 {
			return need
		}
	case intentRefund:
		need = tp.needs[intent]
		if hasPrefixWord(words(src), "cancel") || hasPrefixWord(words(src), "отмен") {
			need = tp.cancellation
		}
	default:
		need = tp.needs[intent]
	}
	if len(fs) > 0 {
		return clip(need+": "+strings.Join(fs, ", "), maxSubjectRunes)
	}
	room := maxSubjectRunes - utf8.RuneCountInString(need+": "+tp.quote(""))
	return need + ": " + tp.quote(cutWords(keySentence(src, intent), room))
}

// cutWords shortens s to at most n runes at a space when one is in the
// last half, marking the cut with "…". Unlike clip it never cuts at a
// full stop, which in a subject is as likely a "2.3.1" as a sentence end.
func cutWords(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	r = r[:n-1]
	for i := len(r) - 1; i >= n/2; i-- {
		if unicode.IsSpace(r[i]) {
			r = r[:i]
			break
		}
	}
	return strings.TrimRightFunc(string(r), func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) }) + "…"
}

// earlierContent is the newest visitor message before last that says
// something (not small talk, not another request for a person), if any.
func earlierContent(in hub.AssistantInput, last *hub.Message) *hub.Message {
	for i := len(in.Messages) - 1; i >= 0; i-- {
		m := in.Messages[i]
		if m == last || m.AuthorKind != hub.AuthorVisitor || m.Internal {
			continue
		}
		ws := words(m.Body)
		if len(queryStems(ws)) > 0 && smallTalkKind(ws) == smallTalkNone && detectIntent(ws) != intentHuman {
			return m
		}
	}
	return nil
}

// visitorTexts are the bodies of the visitor's messages, oldest first.
func visitorTexts(in hub.AssistantInput) []string {
	var out []string
	for _, m := range in.Messages {
		if m.AuthorKind == hub.AuthorVisitor && !m.Internal {
			out = append(out, m.Body)
		}
	}
	return out
}

// sentences splits s into sentences with their end marks, whitespace
// collapsed: a run of . ! ? … ends one when a space or the end follows
// (so "€49.90" and "v2.1" stay whole), a line break always does.
func sentences(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		rs := []rune(strings.Join(strings.Fields(line), " "))
		start := 0
		for i := 0; i < len(rs); i++ {
			if !strings.ContainsRune(".!?…", rs[i]) {
				continue
			}
			j := i
			for j+1 < len(rs) && strings.ContainsRune(".!?…)", rs[j+1]) {
				j++
			}
			if j+1 == len(rs) || rs[j+1] == ' ' {
				if t := strings.TrimSpace(string(rs[start : j+1])); t != "" {
					out = append(out, t)
				}
				start = j + 1
			}
			i = j
		}
		if t := strings.TrimSpace(string(rs[start:])); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// contentSentences are the sentences of s that say something: not small
// talk ("Hi!", "Thanks."), not only an email address or punctuation.
func contentSentences(s string) []string {
	var out []string
	for _, sent := range sentences(s) {
		ws := words(noFacts.ReplaceAllString(sent, " "))
		if len(ws) == 0 || smallTalkKind(ws) != smallTalkNone {
			continue
		}
		out = append(out, sent)
	}
	return out
}

// keySentence is the sentence of s that states the need: the first one
// showing intent, else the first question, else the first with content;
// its greeting dropped and its first letter capitalised. With no such
// sentence, s cleaned the same way.
func keySentence(s, intent string) string {
	sents := contentSentences(s)
	pick := ""
	for _, sent := range sents {
		if intent != "" && detectIntent(words(sent)) == intent {
			pick = sent
			break
		}
	}
	if pick == "" && intent == "" {
		for _, sent := range sents {
			if strings.ContainsAny(sent, "?？") {
				pick = sent
				break
			}
		}
	}
	if pick == "" && len(sents) > 0 {
		pick = sents[0]
	}
	if pick == "" {
		pick = strings.Join(strings.Fields(s), " ")
	}
	if rest := dropGreeting(pick); rest != "" {
		pick = rest
	}
	if r, n := utf8.DecodeRuneInString(pick); n > 0 {
		pick = string(unicode.ToUpper(r)) + pick[n:]
	}
	return pick
}

// greetedWords may follow a greeting: "Hi there", "Hello team".
var greetedWords = setOf("there", "all", "everyone", "team", "guys", "folks", "всем", "ребята", "команда")

var leadingWord = regexp.MustCompile(`^([\p{L}\p{N}'’]+)[\s\p{P}\p{S}]*`)

// dropGreeting removes greetings from the start of s ("Hi there! I was
// charged twice" → "I was charged twice"); "" when nothing else is left.
func dropGreeting(s string) string {
	greeted := false
	for {
		m := leadingWord.FindStringSubmatchIndex(s)
		if m == nil {
			return s
		}
		w := strings.Join(words(s[m[2]:m[3]]), "")
		if !greetingWords[w] && !(greeted && greetedWords[w]) {
			return s
		}
		greeted = true
		s = s[m[1]:]
	}
}

// maxAskedRunes bounds the visitor's words quoted in a summary; the rest
// of maxSummaryRunes is for the other lines.
const maxAskedRunes = 1000

// ticketSummary is the ticket's summary for the team, in the team's
// language, a line each:
//
//	The visitor wrote: “…”            their sentences with content, condensed
//	Facts: order #4411, €49.90        when there are any
//	Files: photo.jpg                  when they sent any
//	The assistant answered from: “…”  what it had already said
//	Handed off: …                     why, in words
//	Visitor's language: Russian.
//
// Greetings, thanks, acknowledgements and bare email addresses are left
// out of the visitor's words, and a sentence they repeated is quoted
// once; when the rest is longer than maxAskedRunes, the first sentence
// (the issue, usually) and the newest that fit are kept, with "…" for the
// gap. The whole is at most maxSummaryRunes (TestBuiltinSummaryBounded).
func ticketSummary(in hub.AssistantInput, last *hub.Message, trace hub.DecisionTrace) string {
	tp := ticketTexts[teamLanguage(in.Site)]
	why := tp.why[trace.Intent]
	if why == "" {
		why = tp.noMatch
		if len(trace.Sources) > 0 {
			why = fmt.Sprintf(tp.noAnswer, trace.Sources[0].Score)
		}
	}
	return summaryText(in, last, trace.Language, why)
}

// summaryText writes ticketSummary's lines, with why the conversation
// was handed off and the visitor's language visitorLang.
func summaryText(in hub.AssistantInput, last *hub.Message, visitorLang, why string) string {
	lang := teamLanguage(in.Site)
	tp := ticketTexts[lang]
	var sents, files []string
	for _, m := range in.Messages {
		if m.AuthorKind != hub.AuthorVisitor || m.Internal {
			continue
		}
		body := m.Body
		if m.Attachment != nil {
			files = append(files, m.Attachment.Name)
			if body == m.Attachment.Name {
				body = ""
			}
		}
		for _, s := range contentSentences(body) {
			if !slices.Contains(sents, s) {
				sents = append(sents, s)
			}
		}
	}
	if len(sents) == 0 && last != nil {
		if s := strings.Join(strings.Fields(last.Body), " "); s != "" {
			sents = []string{s}
		}
	}
	var lines []string
	if len(sents) > 0 {
		lines = append(lines, fmt.Sprintf(tp.asked, tp.quote(condense(sents, maxAskedRunes))))
	}
	if fs := extractFacts(visitorTexts(in)...).all(lang); len(fs) > 0 {
		lines = append(lines, fmt.Sprintf(tp.facts, strings.Join(fs, ", ")))
	}
	if len(files) > 0 {
		lines = append(lines, fmt.Sprintf(tp.files, listSome(files, 5, tp)))
	}
	lines = append(lines, assistantSaid(in, tp))
	lines = append(lines, fmt.Sprintf(tp.handedOff, why))
	if name := tp.languages[visitorLang]; name != "" {
		lines = append(lines, fmt.Sprintf(tp.language, name))
	}
	return clip(strings.Join(lines, "\n"), maxSummaryRunes)
}

// condense joins sents in at most n runes: all of them when they fit,
// else the first (cut to a third of n) and the newest that fit, "…"
// between. A sentence without an end mark is followed by " / ", so that
// two messages do not read as one sentence.
func condense(sents []string, n int) string {
	if all := joinSentences(sents); utf8.RuneCountInString(all) <= n {
		return all
	}
	first := clip(sents[0], n/3)
	budget := n - utf8.RuneCountInString(first) - 3
	var tail []string
	for i := len(sents) - 1; i > 0; i-- {
		k := utf8.RuneCountInString(sents[i]) + 3
		if k > budget {
			break
		}
		budget -= k
		tail = append([]string{sents[i]}, tail...)
	}
	if len(tail) == 0 {
		return first + " …"
	}
	return first + " … " + joinSentences(tail)
}

func joinSentences(sents []string) string {
	var b strings.Builder
	for i, s := range sents {
		if i > 0 {
			if r, _ := utf8.DecodeLastRuneInString(sents[i-1]); strings.ContainsRune(".!?…)", r) {
				b.WriteString(" ")
			} else {
				b.WriteString(" / ")
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// listSome quotes at most n of items, saying how many more there are.
func listSome(items []string, n int, tp *ticketPhrases) string {
	var q []string
	for i, it := range items {
		if i == n {
			break
		}
		q = append(q, tp.quote(it))
	}
	s := strings.Join(q, ", ")
	if len(items) > n {
		s += fmt.Sprintf(tp.more, len(items)-n)
	}
	return s
}

// assistantSaid says what the assistant had answered in the conversation:
// the knowledge-base entries it answered from (by their titles, from the
// messages' traces), else its newest other answer quoted and cut, else
// that it had answered nothing. Small talk and hand-off lead-ins do not
// count.
func assistantSaid(in hub.AssistantInput, tp *ticketPhrases) string {
	var titles []string
	other := ""
	for _, m := range in.Messages {
		if m.AuthorKind != hub.AuthorAssistant || m.Internal || strings.TrimSpace(m.Body) == "" || m.Prompt != hub.PromptNone {
			continue
		}
		used := ""
		if m.Trace != nil {
			if m.Trace.Decision == "answered small talk" || m.Trace.AnswerSource == "" && m.StatusType != hub.StatusMatchedContent {
				continue
			}
			for _, s := range m.Trace.Sources {
				if s.Used && s.Title != "" {
					used = s.Title
					break
				}
			}
		} else if m.StatusType != hub.StatusMatchedContent {
			continue
		}
		if used != "" {
			if !slices.Contains(titles, used) {
				titles = append(titles, used)
			}
			continue
		}
		other = strings.Join(strings.Fields(m.Body), " ")
	}
	switch {
	case len(titles) > 0:
		return fmt.Sprintf(tp.answeredFrom, listSome(titles, 5, tp))
	case other != "":
		return fmt.Sprintf(tp.answeredText, tp.quote(clip(other, 160)))
	}
	return tp.answeredNothing
}
