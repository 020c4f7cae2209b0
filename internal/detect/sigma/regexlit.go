package sigma

import (
	"math"
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// reInfo describes what a regular expression node matches, for the
// literal prefilter: exact is the set of all strings it matches (nil:
// unknown or too many); req is a set of strings one of which occurs in
// every match (nil: none known).
type reInfo struct {
	exact []string
	req   []string
}

const maxExactSet = 64

// regexLiterals returns lower-cased strings one of which occurs in every
// text re matches; ok is false when there is no such set.
func regexLiterals(re *regexp.Regexp) ([]string, bool) {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil, false
	}
	info := analyzeRe(t.Simplify(), 0)
	best := betterReq(info.req, reqOf(info.exact))
	if len(best) == 0 {
		return nil, false
	}
	return best, true
}

func reqCost(set []string) float64 {
	if set == nil {
		return math.Inf(1)
	}
	c := 0.0
	for _, s := range set {
		if s == "" {
			return math.Inf(1)
		}
		c += math.Exp2(-2 * float64(min(len(s), 16)))
	}
	return c
}

func betterReq(a, b []string) []string {
	if reqCost(b) < reqCost(a) {
		return b
	}
	if reqCost(a) == math.Inf(1) {
		return nil
	}
	return a
}

// reqOf turns an exact set into a requirement (none if it has "").
func reqOf(exact []string) []string {
	for _, s := range exact {
		if s == "" {
			return nil
		}
	}
	return exact
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func analyzeRe(re *syntax.Regexp, depth int) reInfo {
	if depth > 100 {
		return reInfo{}
	}
	switch re.Op {
	case syntax.OpLiteral:
		return reInfo{exact: []string{lower(string(re.Rune))}}
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
			if n > 8 {
				return reInfo{}
			}
		}
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if !utf8.ValidRune(r) {
					return reInfo{}
				}
				out = append(out, lower(string(r)))
			}
		}
		return reInfo{exact: dedupe(out)}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return reInfo{exact: []string{""}}
	case syntax.OpCapture:
		return analyzeRe(re.Sub[0], depth+1)
	case syntax.OpPlus:
		sub := analyzeRe(re.Sub[0], depth+1)
		return reInfo{req: betterReq(sub.req, reqOf(sub.exact))}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			sub := analyzeRe(re.Sub[0], depth+1)
			return reInfo{req: betterReq(sub.req, reqOf(sub.exact))}
		}
		return reInfo{}
	case syntax.OpAlternate:
		var exact, req []string
		exactOK, reqOK := true, true
		for _, s := range re.Sub {
			sub := analyzeRe(s, depth+1)
			if sub.exact == nil {
				exactOK = false
			} else {
				exact = append(exact, sub.exact...)
			}
			r := betterReq(sub.req, reqOf(sub.exact))
			if r == nil {
				reqOK = false
			} else {
				req = append(req, r...)
			}
		}
		var out reInfo
		if exactOK && len(exact) <= maxExactSet {
			out.exact = dedupe(exact)
		}
		if reqOK {
			out.req = dedupe(req)
		}
		return out
	case syntax.OpConcat:
		var best []string
		run := []string{""}
		whole := true
		for _, s := range re.Sub {
			sub := analyzeRe(s, depth+1)
			best = betterReq(best, sub.req)
			if sub.exact != nil && run != nil && len(run)*len(sub.exact) <= maxExactSet {
				next := make([]string, 0, len(run)*len(sub.exact))
				for _, a := range run {
					for _, b := range sub.exact {
						next = append(next, a+b)
					}
				}
				run = dedupe(next)
				continue
			}
			// The run of exactly known text ends here.
			whole = false
			if run != nil {
				best = betterReq(best, reqOf(run))
			}
			if sub.exact != nil {
				run = sub.exact
			} else {
				best = betterReq(best, reqOf(sub.exact))
				run = []string{""}
			}
		}
		best = betterReq(best, reqOf(run))
		out := reInfo{req: best}
		if whole {
			out.exact = run
		}
		return out
	}
	return reInfo{}
}

// regexMinLen returns the fewest bytes a match of re can have.
func regexMinLen(re *regexp.Regexp) int {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return 0
	}
	return minLenRe(t, 0)
}

func minLenRe(re *syntax.Regexp, depth int) int {
	if depth > 100 {
		return 0
	}
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		if re.Flags&syntax.FoldCase != 0 {
			// A folded rune may be shorter in UTF-8 (K and the Kelvin sign).
			n = len(re.Rune)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLenRe(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		return min(re.Min*minLenRe(re.Sub[0], depth+1), 1<<30)
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n = min(n+minLenRe(s, depth+1), 1<<30)
		}
		return n
	case syntax.OpAlternate:
		n := math.MaxInt
		for _, s := range re.Sub {
			n = min(n, minLenRe(s, depth+1))
		}
		if n == math.MaxInt {
			return 0
		}
		return n
	}
	return 0
}

// reRun is a necessary condition of a regular expression without
// literals: the text has a run of at least n bytes from an ASCII class
// (as `[0-9a-f]{64}` needs).
type reRun struct {
	class [4]uint64
	n     int
	// any: the class is every character but newline (counted in runes);
	// exact: the expression is nothing but the run, so having the run
	// is matching.
	any   bool
	exact bool
}

// regexRun finds the longest such run the expression needs; ok false
// when there is none worth checking (shorter than 8).
func regexRun(re *regexp.Regexp) (reRun, bool) {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return reRun{}, false
	}
	var best reRun
	// A bare ".{n,}" (a long line) is the run itself.
	top := t
	for top.Op == syntax.OpCapture {
		top = top.Sub[0]
	}
	if top.Op == syntax.OpRepeat && top.Max == -1 && top.Min >= 1 && (top.Sub[0].Op == syntax.OpAnyCharNotNL) {
		return reRun{n: top.Min, any: true, exact: true}, true
	}
	var visit func(r *syntax.Regexp, depth int)
	visit = func(r *syntax.Regexp, depth int) {
		if depth > 100 {
			return
		}
		switch r.Op {
		case syntax.OpCapture:
			visit(r.Sub[0], depth+1)
		case syntax.OpConcat:
			for _, s := range r.Sub {
				visit(s, depth+1)
			}
		case syntax.OpRepeat, syntax.OpPlus:
			min := 1
			if r.Op == syntax.OpRepeat {
				min = r.Min
			}
			sub := r.Sub[0]
			if sub.Op != syntax.OpCharClass || min <= best.n {
				return
			}
			var run reRun
			for i := 0; i+1 < len(sub.Rune); i += 2 {
				if sub.Rune[i+1] >= utf8.RuneSelf {
					return
				}
				for c := sub.Rune[i]; c <= sub.Rune[i+1]; c++ {
					run.class[c>>6] |= 1 << (c & 63)
				}
			}
			run.n = min
			best = run
		}
	}
	visit(t, 0)
	return best, best.n >= 8
}

// has reports whether s has the run.
func (r *reRun) has(s string) bool {
	n := 0
	if r.any {
		for _, c := range s {
			if c == '\n' {
				n = 0
				continue
			}
			n++
			if n >= r.n {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && r.class[c>>6]&(1<<(c&63)) != 0 {
			n++
			if n >= r.n {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}
