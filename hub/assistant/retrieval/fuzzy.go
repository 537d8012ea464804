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

// shortTypos reports whether t is a four-letter word, which may be a typo
// only by a letter too many or too few, or two letters swapped ("rnet",
// "товр"), never by one letter changed ("ship" is not "shop").
func shortTypos(t term) bool { return utf8.RuneCountInString(t.word) == 4 }

// isTypo reports whether the question's term q may be a typo of the
// indexed stem s: within fuzziness(q) edits, or for a short word as
// shortTypos says.
func isTypo(q term, s string) bool {
	if k := fuzziness(q); k > 0 {
		return within(q.stem, s, k)
	}
	if !shortTypos(q) {
		return false
	}
	a, b := []rune(q.stem), []rune(s)
	switch len(b) - len(a) {
	case 1, -1:
		return within(q.stem, s, 1)
	case 0:
		var diff []int
		for i := range a {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]]
	}
	return false
}
