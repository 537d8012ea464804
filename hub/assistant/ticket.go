package assistant

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/hub"
)

// escalate hands the conversation to the team with body as the lead-in
// (the Service asks for the email after it), reason for agents, and a
// subject and summary for the ticket; detected names what was recognised
// in the summary.
func escalate(in hub.AssistantInput, last *hub.Message, trace hub.DecisionTrace, body, reason, detected string) hub.Decision {
	trace.Decision = "escalated: " + reason
	return hub.Decision{
		Action:  hub.ActionEscalate,
		Body:    body,
		Reason:  reason,
		Subject: ticketSubject(in, last, trace.Intent),
		Summary: ticketSummary(in, fmt.Sprintf("Detected: %s, language %s", detected, trace.Language)),
		Trace:   trace,
	}
}

// ticketSubject names the ticket after the visitor's words: the newest
// message, without a leading greeting, cut to maxSubjectRunes. "Operator,
// please" says nothing about the issue, so a request for a person takes
// the newest earlier visitor message that has content instead, if any.
func ticketSubject(in hub.AssistantInput, last *hub.Message, intent string) string {
	src := last.Body
	if intent == intentHuman {
		for i := len(in.Messages) - 1; i >= 0; i-- {
			m := in.Messages[i]
			if m == last || m.AuthorKind != hub.AuthorVisitor {
				continue
			}
			ws := words(m.Body)
			if len(queryStems(ws)) > 0 && smallTalkKind(ws) == smallTalkNone && detectIntent(ws) != intentHuman {
				src = m.Body
				break
			}
		}
	}
	s := strings.Join(strings.Fields(src), " ")
	if rest := dropGreeting(s); rest != "" {
		s = rest
	}
	if r, n := utf8.DecodeRuneInString(s); n > 0 {
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	return clip(s, maxSubjectRunes)
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

// ticketSummary is the visitor's side of the conversation for the team:
// their messages, oldest first, one a line with whitespace collapsed, the
// newest ones that fit in maxSummaryRunes (a note says how many earlier
// ones were left out), then the detected line.
func ticketSummary(in hub.AssistantInput, detected string) string {
	var lines []string
	for _, m := range in.Messages {
		if m.AuthorKind != hub.AuthorVisitor || m.Internal {
			continue
		}
		line := strings.Join(strings.Fields(m.Body), " ")
		if m.Attachment != nil {
			line = strings.TrimSpace(line + " [file: " + m.Attachment.Name + "]")
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	budget, start := maxSummaryRunes, len(lines)
	for start > 0 {
		n := utf8.RuneCountInString(lines[start-1]) + 1
		if n > budget {
			break
		}
		budget -= n
		start--
	}
	if start == len(lines) && start > 0 {
		start--
		lines[start] = clip(lines[start], maxSummaryRunes)
	}
	var b strings.Builder
	if start > 0 {
		fmt.Fprintf(&b, "(%d earlier messages left out)\n", start)
	}
	for _, l := range lines[start:] {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(detected)
	return b.String()
}
