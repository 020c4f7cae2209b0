package version

import "strings"

// CompareGeneric is the fallback for ecosystems without known rules. It
// splits a version into runs of digits and runs of letters (everything
// else separates), drops zero numbers before a pre-release word or the
// end (1.0 == 1, 1.0rc1 == 1rc1), and compares
// token by token: the words dev < alpha < beta < milestone < pre/preview/rc/cr
// < snapshot sort before the end of the version (1.0rc1 < 1.0), other
// words after it but before numbers (1.0 < 1.0a < 1.0.1). Numbers compare
// numerically and words alphabetically, ignoring case.
func CompareGeneric(a, b string) int {
	if a == b {
		return 0
	}
	at, bt := genericTokens(a), genericTokens(b)
	for k := 0; k < len(at) || k < len(bt); k++ {
		l, r := genericToken{class: genericEnd}, genericToken{class: genericEnd}
		if k < len(at) {
			l = at[k]
		}
		if k < len(bt) {
			r = bt[k]
		}
		if l.class != r.class {
			return sign(int(l.class) - int(r.class))
		}
		var c int
		switch l.class {
		case genericPre:
			c = sign(l.rank - r.rank)
			if c == 0 {
				c = strings.Compare(l.s, r.s)
			}
		case genericWord:
			c = strings.Compare(l.s, r.s)
		case genericNum:
			c = compareDigits(l.s, r.s)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

type genericClass uint8

const (
	genericPre  genericClass = iota // a known pre-release word
	genericEnd                      // the end of the version
	genericWord                     // any other word
	genericNum                      // a number
)

type genericToken struct {
	class genericClass
	rank  int
	s     string
}

var genericPreRank = map[string]int{
	"dev": 0, "alpha": 1, "beta": 2, "milestone": 3,
	"pre": 4, "preview": 4, "rc": 4, "cr": 4, "snapshot": 5,
}

func genericTokens(v string) []genericToken {
	v = strings.ToLower(v)
	var toks []genericToken
	for i := 0; i < len(v); {
		j := i
		switch c := v[i]; {
		case isDigit(c):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			toks = append(toks, genericToken{class: genericNum, s: strings.TrimLeft(v[i:j], "0")})
		case isAlpha(c):
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			w := v[i:j]
			if r, ok := genericPreRank[w]; ok {
				toks = append(toks, genericToken{class: genericPre, rank: r, s: w})
			} else {
				toks = append(toks, genericToken{class: genericWord, s: w})
			}
		default:
			j++
		}
		i = j
	}
	// Drop zero numbers that only precede a pre-release word or the end,
	// so that 1.0 == 1 and 1.0rc1 == 1rc1 < 1.
	out := toks[:0]
	for k, t := range toks {
		if t.class == genericNum && t.s == "" {
			n := k
			for n < len(toks) && toks[n].class == genericNum && toks[n].s == "" {
				n++
			}
			if n == len(toks) || toks[n].class == genericPre {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}
