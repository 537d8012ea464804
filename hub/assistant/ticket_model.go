package assistant

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/parley-chat/parley/hub"
)

// checkModelTicket is what a model's escalation d writes on the ticket,
// checked against the conversation of in (TestOpenAITicketFactsChecked):
//
//   - no subject or summary from the model: the built-in's;
//   - a subject naming an order number or amount that no message of the
//     conversation holds: the built-in's instead, since a wrong order
//     number on a ticket sends a person after the wrong order;
//   - a summary with such facts: the sentences naming them are dropped,
//     and with nothing left, the built-in's summary.
//
// The trace's decision says what was replaced or dropped. The model's
// texts are cut to maxSubjectRunes and maxSummaryRunes.
func checkModelTicket(in hub.AssistantInput, d hub.Decision) hub.Decision {
	if d.Action != hub.ActionEscalate {
		return d
	}
	last := in.LastVisitorMessage()
	if last == nil {
		return d
	}
	known := conversationNumbers(in)
	var notes []string
	subject := strings.Join(strings.Fields(d.Subject), " ")
	if bad := unknownFacts(subject, known); len(bad) > 0 {
		notes = append(notes, "the model's subject named "+strings.Join(bad, ", ")+", not in the conversation: the built-in subject is used")
		subject = ""
	}
	if subject == "" {
		subject = ticketSubject(in, last, d.Trace.Intent)
	}
	d.Subject = clip(subject, maxSubjectRunes)

	var kept, dropped []string
	for _, line := range strings.Split(strings.TrimSpace(d.Summary), "\n") {
		var ok []string
		for _, s := range sentences(line) {
			if bad := unknownFacts(s, known); len(bad) > 0 {
				dropped = append(dropped, bad...)
				continue
			}
			ok = append(ok, s)
		}
		if len(ok) > 0 {
			kept = append(kept, strings.Join(ok, " "))
		}
	}
	if len(dropped) > 0 {
		notes = append(notes, "the model's summary named "+strings.Join(dropped, ", ")+", not in the conversation: dropped")
	}
	if len(kept) > 0 {
		d.Summary = clip(strings.Join(kept, "\n"), maxSummaryRunes)
	} else {
		tp := ticketTexts[teamLanguage(in.Site)]
		why := tp.why[d.Trace.Intent]
		if why == "" {
			why = fmt.Sprintf(tp.modelWhy, d.Reason)
		}
		d.Summary = summaryText(in, last, d.Trace.Language, why)
	}
	for _, n := range notes {
		d.Trace.Decision = joinNonEmpty(d.Trace.Decision, "; ", n)
	}
	return d
}

func joinNonEmpty(a, sep, b string) string {
	if a == "" {
		return b
	}
	return a + sep + b
}

// numberToken is a number as people write it: digits, maybe grouped by
// spaces in thousands, maybe with decimals.
var numberToken = regexp.MustCompile(`\d{1,3}(?:[  ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?`)

// canonicalNumber writes a number one way: no group spaces, a decimal
// point, no trailing decimal zeros ("1 200,50" → "1200.5").
func canonicalNumber(s string) string {
	s = strings.NewReplacer(" ", "", " ", "", ",", ".").Replace(s)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// knownFacts are the numbers and the upper-cased text of a conversation,
// for checking a model's facts.
type knownFacts struct {
	numbers map[string]bool
	text    string
}

// conversationNumbers are the knownFacts of every message of in that
// the visitor saw.
func conversationNumbers(in hub.AssistantInput) knownFacts {
	k := knownFacts{numbers: map[string]bool{}}
	var b strings.Builder
	for _, m := range in.Messages {
		if m.Internal {
			continue
		}
		for _, n := range numberToken.FindAllString(m.Body, -1) {
			k.numbers[canonicalNumber(n)] = true
		}
		b.WriteString(strings.ToUpper(m.Body))
		b.WriteByte('\n')
	}
	k.text = b.String()
	return k
}

// unknownFacts lists the order numbers and amounts of s that the
// conversation does not hold: an order code must be in its text, a
// number among its numbers (currencies and formats aside: "€49.9" is
// "49.90 EUR").
func unknownFacts(s string, k knownFacts) []string {
	f := extractFacts(s)
	var bad []string
	for _, o := range f.orders {
		known := k.numbers[o]
		if !known && strings.IndexFunc(o, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
			known = strings.Contains(k.text, strings.ToUpper(o))
		}
		if !known {
			bad = append(bad, orderRef(o, langEnglish))
		}
	}
	for _, a := range f.amounts {
		if !k.numbers[canonicalNumber(a.value)] {
			bad = append(bad, a.String())
		}
	}
	return bad
}
