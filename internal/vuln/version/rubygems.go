package version

import "strings"

// CompareRubyGems orders gem versions as Gem::Version#<=> does: the string
// is split into numbers and letter runs ("1.0.0.rc1" -> 1 0 0 "rc" 1, with
// "-" read as ".pre."), trailing zeros are dropped from the release part
// and from the pre-release part, missing segments count as 0, and a letter
// segment (a pre-release) sorts before any number.
func CompareRubyGems(a, b string) int {
	if a == b {
		return 0
	}
	as, bs := gemSegments(a), gemSegments(b)
	for k := 0; k < len(as) || k < len(bs); k++ {
		l, r := gemSegment{num: true}, gemSegment{num: true}
		if k < len(as) {
			l = as[k]
		}
		if k < len(bs) {
			r = bs[k]
		}
		switch {
		case l.num && r.num:
			if c := compareDigits(l.s, r.s); c != 0 {
				return c
			}
		case l.num:
			return 1
		case r.num:
			return -1
		default:
			if c := strings.Compare(l.s, r.s); c != 0 {
				return c
			}
		}
	}
	return 0
}

type gemSegment struct {
	num bool
	s   string // digits without leading zeros, or a lower-case word
}

func gemSegments(v string) []gemSegment {
	v = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), "-", ".pre.")
	var segs []gemSegment
	for i := 0; i < len(v); {
		c := v[i]
		j := i
		switch {
		case isDigit(c):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{num: true, s: strings.TrimLeft(v[i:j], "0")})
		case isAlpha(c):
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{s: v[i:j]})
		default:
			j++
		}
		i = j
	}
	// Canonical form: trailing zeros dropped from the numeric release part
	// and from the pre-release part that starts at the first word.
	split := len(segs)
	for k, s := range segs {
		if !s.num {
			split = k
			break
		}
	}
	release := trimZeroSegments(segs[:split])
	pre := trimZeroSegments(segs[split:])
	return append(release[:len(release):len(release)], pre...)
}

func trimZeroSegments(s []gemSegment) []gemSegment {
	for len(s) > 0 && s[len(s)-1].num && s[len(s)-1].s == "" {
		s = s[:len(s)-1]
	}
	return s
}
