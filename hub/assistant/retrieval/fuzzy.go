package retrieval

import "unicode/utf8"

// fuzziness is the edit distance t's stem may be off by and still match,
// by the letters of the word it came from: none below 6, where one letter
// makes another word ("ship", "shop"; "spend", "send"), 1 from 6 and 2
// from 9.
func fuzziness(t term) int {
	n := utf8.RuneCountInString(t.word)
	switch {
	case n >= 8:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// within reports whether a and b are at most k edits (insertions,
// deletions, substitutions of a letter) apart.
func within(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
