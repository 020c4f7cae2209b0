// Package suggest finds the word a user probably meant: the "did you
// mean" of error messages (KQL's unknown columns and functions, the
// API's unknown query parameters).
package suggest

import (
	"slices"
	"strings"
)

// Closest returns the candidate closest to name when one is close: the
// same word in another case, or within a third of name's length in
// edits (at least one edit, at most two). "" when none is.
func Closest(name string, candidates []string) string {
	best, bestD := "", 3
	lname := strings.ToLower(name)
	cands := slices.Clone(candidates)
	slices.Sort(cands)
	for _, cand := range cands {
		if cand == name {
			continue
		}
		if strings.ToLower(cand) == lname {
			return cand
		}
		d := Distance(lname, strings.ToLower(cand))
		if d < bestD || d == bestD && best == "" && d <= len(name)/3 {
			if d <= max(1, len(name)/3) {
				best, bestD = cand, d
			}
		}
	}
	return best
}

// Distance is the Levenshtein distance of a and b in runes; 99 when
// either is longer than 64 runes (not a typo of a name).
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
