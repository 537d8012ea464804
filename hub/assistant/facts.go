package assistant

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Facts are what a ticket's reader needs to act without reading the whole
// conversation: the order numbers, amounts and dates the visitor gave,
// each as they wrote it (spacing and currency signs made regular, nothing
// added). Extraction is by pattern and errs on the side of leaving a fact
// out: a number counts as an order only with a marker ("#", "№", "order",
// "заказ", or a code like "TT-2024-118"), an amount only with a currency,
// a date only as a day and month, a month name or a relative day
// ("yesterday", "вчера"). Emails, links and phone-like numbers are never
// facts. Product names are not guessed from the text: a wrong product on
// a ticket misleads more than none (TestExtractFacts).
type facts struct {
	orders  []string // "4411" (numbers without their "#") or codes like "TT-2024-118"
	amounts []amount
	dates   []string // "12 March", "12.03", "yesterday", as written
}

// amount is a sum of money: its number as written ("1 200", "49.90") and
// its currency as a sign ("€", "₽", "$", "£").
type amount struct {
	value, currency string
}

// String writes the amount the usual way for its currency: the sign
// before euros, dollars and pounds ("€49.90"), after roubles ("1 200 ₽").
func (a amount) String() string {
	if a.currency == "₽" {
		return a.value + " ₽"
	}
	return a.currency + a.value
}

// maxFactsEach bounds the facts of each kind kept from one conversation.
const maxFactsEach = 3

var (
	// noFacts are spans never read for facts: emails, links, and phone
	// numbers (a "+" and at least 9 digits with separators).
	noFacts = regexp.MustCompile(`(?i)[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+|https?://\S+|www\.\S+|\+\d[\d\s().-]{8,}\d`)

	// Order numbers: after "#" or "№" (3 digits or more); after an order
	// word with an optional "number"/"no."/"номер"; or a code of capital
	// letters, a dash and digits. The first group is a boundary.
	orderMarked = regexp.MustCompile(`()(?:#|№)\s?([A-Za-z]{0,4}-?\d[\d-]{2,15}\d|\d{3,12})`)
	orderWord   = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])(?:orders?|invoice|заказ\p{L}{0,3}|(?:номер|№)\s+заказа|сч[её]т\p{L}{0,2})\s*(?:number|no\.?|num\.?|id|номер)?\s*(?:is|:|-|—)?\s*[#№]?\s*([A-Za-z]{0,4}-?\d[\d-]{1,15}\d|\d{3,12})`)
	orderCode   = regexp.MustCompile(`(^|[^\p{L}\p{N}-])([A-Z]{2,5}-\d{2,}(?:-\d+)*)`)

	// Amounts: a sign before ("€49.90", "$ 30") or a sign or currency
	// word after ("1 200 ₽", "30 euros", "500 руб"). Thousands may be
	// grouped with spaces; decimals take "." or ",". Pounds only as "£"
	// or "GBP": "10 pounds" is as often a weight.
	amountBefore = regexp.MustCompile(`([€$£₽])\s?(\d{1,3}(?:[  ]\d{3})+|\d+)((?:[.,]\d{1,2})?)`)
	amountAfter  = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}.,])(\d{1,3}(?:[  ]\d{3})+|\d+)((?:[.,]\d{1,2})?)\s?(€|\$|£|₽|eur\b|euros?\b|usd\b|dollars?\b|bucks\b|gbp\b|руб[\p{L}]*\.?|р\.|евро|доллар[\p{L}]*)`)

	// Dates: a day and a month name, a month name and a day, a day and
	// month in numbers, or a relative day.
	dateDayMonth = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])(\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:` + enMonths + `|` + ruMonths + `))([^\p{L}]|$)`)
	dateMonthDay = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])((?:` + enMonths + `)\s+\d{1,2}(?:st|nd|rd|th)?)([^\p{L}\p{N}]|$)`)
	dateNumeric  = regexp.MustCompile(`(^|[^\p{L}\p{N}.,/])(\d{1,2})([./])(\d{2})((?:[./]\d{2,4})?)([^\p{N}]|$)`)
	dateRelative = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])(the day before yesterday|yesterday|last (?:week|month)|позавчера|вчера|на прошлой неделе|в прошлом месяце)([^\p{L}]|$)`)
)

const (
	enMonths = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`
	ruMonths = `января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря`
)

// currencySign turns the currency words into signs.
func currencySign(s string) string {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	switch {
	case s == "€" || s == "eur" || strings.HasPrefix(s, "euro") || s == "евро":
		return "€"
	case s == "$" || s == "usd" || strings.HasPrefix(s, "dollar") || s == "bucks" || strings.HasPrefix(s, "доллар"):
		return "$"
	case s == "£" || s == "gbp":
		return "£"
	case s == "₽" || strings.HasPrefix(s, "руб") || s == "р":
		return "₽"
	}
	return ""
}

// extractFacts finds the facts in texts, in the order they first appear,
// each once, at most maxFactsEach of a kind.
func extractFacts(texts ...string) facts {
	var f facts
	for _, t := range texts {
		f.add(t)
	}
	return f
}

func (f *facts) add(text string) {
	text = noFacts.ReplaceAllStringFunc(text, blank)
	// Amounts first, blanked out, so that "49.90" is not also a date
	// and "#12 €" not an order.
	for _, re := range []*regexp.Regexp{amountBefore, amountAfter} {
		text = replaceSubmatches(re, text, func(m []string) {
			var a amount
			if re == amountBefore {
				a = amount{value: m[2] + m[3], currency: currencySign(m[1])}
			} else {
				a = amount{value: m[2] + m[3], currency: currencySign(m[4])}
			}
			a.value = strings.ReplaceAll(a.value, " ", " ")
			if a.currency != "" && !slices.Contains(f.amounts, a) && len(f.amounts) < maxFactsEach {
				f.amounts = append(f.amounts, a)
			}
		})
	}
	for _, re := range []*regexp.Regexp{orderMarked, orderWord, orderCode} {
		text = replaceSubmatchesBefore(re, text, func(m []string, next rune) {
			o := strings.TrimLeft(m[2], "#№")
			if next == '-' || unicode.IsLetter(next) || unicode.IsDigit(next) {
				return // part of something longer: a bank account, a word
			}
			if !slices.Contains(f.orders, o) && len(f.orders) < maxFactsEach {
				f.orders = append(f.orders, o)
			}
		})
	}
	var dates []string
	for _, re := range []*regexp.Regexp{dateRelative, dateDayMonth, dateMonthDay} {
		text = replaceSubmatches(re, text, func(m []string) {
			d := strings.Join(strings.Fields(m[2]), " ")
			if re == dateRelative {
				d = strings.ToLower(d) // "Вчера" opening a sentence is "вчера"
			}
			dates = append(dates, d)
		})
	}
	replaceSubmatches(dateNumeric, text, func(m []string) {
		if day, month := atoi(m[2]), atoi(m[4]); day >= 1 && day <= 31 && month >= 1 && month <= 12 {
			dates = append(dates, m[2]+m[3]+m[4]+m[5])
		}
	})
	for _, d := range dates {
		if !slices.ContainsFunc(f.dates, func(s string) bool { return strings.EqualFold(s, d) }) && len(f.dates) < maxFactsEach {
			f.dates = append(f.dates, d)
		}
	}
}

func (f facts) empty() bool { return len(f.orders) == 0 && len(f.amounts) == 0 && len(f.dates) == 0 }

// replaceSubmatches calls fn with the submatches of every match of re in
// s and returns s with those matches blanked (so that a later pattern
// does not take them again), their leading boundary group (the first,
// except in amountBefore) kept.
func replaceSubmatches(re *regexp.Regexp, s string, fn func(m []string)) string {
	return replaceSubmatchesBefore(re, s, func(m []string, _ rune) { fn(m) })
}

// replaceSubmatchesBefore is replaceSubmatches that also tells fn the
// rune after the match (utf8.RuneError at the end).
func replaceSubmatchesBefore(re *regexp.Regexp, s string, fn func(m []string, next rune)) string {
	var b strings.Builder
	last := 0
	for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
		m := make([]string, len(idx)/2)
		for i := range m {
			if idx[2*i] >= 0 {
				m[i] = s[idx[2*i]:idx[2*i+1]]
			}
		}
		next, _ := utf8.DecodeRuneInString(s[idx[1]:])
		fn(m, next)
		start, end := idx[0], idx[1]
		if re != amountBefore && idx[2] >= 0 { // keep the leading boundary
			start = idx[3]
		}
		b.WriteString(s[last:start])
		b.WriteString(blank(s[start:end]))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// blank replaces s with as many spaces as it has bytes.
func blank(s string) string { return strings.Repeat(" ", len(s)) }

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// orderRef writes an order for the team: "order #4411" / "заказ №4411",
// a code as it is ("order TT-2024-118").
func orderRef(o, lang string) string {
	sign := "#"
	word := "order "
	if lang == langRussian {
		sign, word = "№", "заказ "
	}
	if strings.IndexFunc(o, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
		return word + o
	}
	return word + sign + o
}

// relativeDate reports a date said relative to the day it was said on.
func relativeDate(d string) bool {
	return d != "" && !strings.ContainsFunc(d, unicode.IsDigit)
}

// subjectFacts are the facts for a subject: orders, amounts and dates
// that stay true when the ticket is read later (not "yesterday"), at most
// three.
func (f facts) subjectFacts(lang string) []string {
	var out []string
	for _, o := range f.orders {
		out = append(out, orderRef(o, lang))
	}
	for _, a := range f.amounts {
		out = append(out, a.String())
	}
	for _, d := range f.dates {
		if !relativeDate(d) {
			out = append(out, d)
		}
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// all lists every fact for the summary.
func (f facts) all(lang string) []string {
	var out []string
	for _, o := range f.orders {
		out = append(out, orderRef(o, lang))
	}
	for _, a := range f.amounts {
		out = append(out, a.String())
	}
	return append(out, f.dates...)
}
