// Package textsearch turns what a person types into a search box into the
// terms both stores match against their text index, so that a query means
// the same on Postgres and on SQLite.
package textsearch

import (
	"strings"
	"unicode"
)

// Limits on a query: longer input is cut, never an error.
const (
	MaxTerms     = 16
	MaxTermRunes = 64
)

// Terms splits query into its words: maximal runs of letters and digits.
// Everything else, punctuation and quotes included, separates words and is
// dropped, so no input can inject index syntax. The stores match every term
// as a whole word except the last, which matches as a prefix ("refu" finds
// "Refund request"). Terms keeps the case; the text indexes fold it.
func Terms(query string) []string {
	words := strings.FieldsFunc(query, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if len(words) > MaxTerms {
		words = words[:MaxTerms]
	}
	for i, w := range words {
		if r := []rune(w); len(r) > MaxTermRunes {
			words[i] = string(r[:MaxTermRunes])
		}
	}
	return words
}
