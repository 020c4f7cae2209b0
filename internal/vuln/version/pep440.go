package version

import "strings"

// ComparePEP440 orders Python package versions by PEP 440:
//
//	[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
//
// after the spec's normalisation (case, separators, "alpha"/"c"/"pre"
// spellings, implicit post releases "1.0-1", a leading "v"). The epoch
// comes first, then the release with trailing zeros ignored (1.0 == 1.0.0),
// then 1.0.dev0 < 1.0a1.dev0 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0+local <
// 1.0.post1.dev0 < 1.0.post1. Local labels compare segment by segment,
// numbers after words. Strings that do not parse sort after all valid
// versions.
func ComparePEP440(a, b string) int {
	if a == b {
		return 0
	}
	av, aok := parsePEP440(a)
	bv, bok := parsePEP440(b)
	if c, done := validFirst(aok, bok, a, b); done {
		return c
	}
	return av.compare(&bv)
}

type pep440 struct {
	epoch    string
	release  []string // trailing zero components removed
	preLabel int      // 0 none, 1 a, 2 b, 3 rc
	preNum   string
	hasPost  bool
	postNum  string
	hasDev   bool
	devNum   string
	local    []string
}

// pep440Pre lists the pre-release spellings, longest first so that
// "preview" is not read as "pre" + "view".
var pep440Pre = [...]struct {
	word  string
	label int
}{{"preview", 3}, {"alpha", 1}, {"beta", 2}, {"pre", 3}, {"rc", 3}, {"a", 1}, {"b", 2}, {"c", 3}}

type pepScanner struct {
	s string
	i int
}

func (p *pepScanner) digits() string {
	st := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.s[st:p.i]
}

func isPEPSep(c byte) bool { return c == '-' || c == '_' || c == '.' }

// word consumes an optional separator and one of words; it consumes
// nothing when no word matches.
func (p *pepScanner) word(words ...string) (string, bool) {
	j := p.i
	if j < len(p.s) && isPEPSep(p.s[j]) {
		j++
	}
	for _, w := range words {
		if strings.HasPrefix(p.s[j:], w) {
			p.i = j + len(w)
			return w, true
		}
	}
	return "", false
}

// number consumes an optional separator and digits; "" and nothing
// consumed when no digits follow.
func (p *pepScanner) number() string {
	j := p.i
	if j < len(p.s) && isPEPSep(p.s[j]) {
		j++
	}
	if j < len(p.s) && isDigit(p.s[j]) {
		p.i = j
		return p.digits()
	}
	return ""
}

func parsePEP440(s string) (pep440, bool) {
	var v pep440
	p := pepScanner{s: strings.ToLower(strings.TrimSpace(s))}
	if strings.HasPrefix(p.s, "v") {
		p.i++
	}
	first := p.digits()
	if first == "" {
		return v, false
	}
	if p.i < len(p.s) && p.s[p.i] == '!' {
		v.epoch = first
		p.i++
		if first = p.digits(); first == "" {
			return v, false
		}
	}
	v.release = append(v.release, first)
	for p.i+1 < len(p.s) && p.s[p.i] == '.' && isDigit(p.s[p.i+1]) {
		p.i++
		v.release = append(v.release, p.digits())
	}
	for len(v.release) > 1 && strings.Trim(v.release[len(v.release)-1], "0") == "" {
		v.release = v.release[:len(v.release)-1]
	}
	if len(v.release) == 1 && strings.Trim(v.release[0], "0") == "" {
		v.release = v.release[:0]
	}

	// Pre-release.
	j := p.i
	if j < len(p.s) && isPEPSep(p.s[j]) {
		j++
	}
	for _, pre := range pep440Pre {
		if strings.HasPrefix(p.s[j:], pre.word) {
			// "post" and "preview"/"pre" share no prefix, but "r" (post)
			// and "rc" do: the list above only holds pre-release words.
			p.i = j + len(pre.word)
			v.preLabel = pre.label
			v.preNum = p.number()
			break
		}
	}

	// Post-release: "-N" or [sep](post|rev|r)[sep][N].
	if p.i+1 < len(p.s) && p.s[p.i] == '-' && isDigit(p.s[p.i+1]) {
		p.i++
		v.hasPost, v.postNum = true, p.digits()
	} else if _, ok := p.word("post", "rev", "r"); ok {
		v.hasPost, v.postNum = true, p.number()
	}

	// Development release.
	if _, ok := p.word("dev"); ok {
		v.hasDev, v.devNum = true, p.number()
	}

	// Local version label.
	if p.i < len(p.s) && p.s[p.i] == '+' {
		p.i++
		for {
			st := p.i
			for p.i < len(p.s) && (isDigit(p.s[p.i]) || 'a' <= p.s[p.i] && p.s[p.i] <= 'z') {
				p.i++
			}
			if st == p.i {
				return v, false
			}
			v.local = append(v.local, p.s[st:p.i])
			if p.i < len(p.s) && isPEPSep(p.s[p.i]) {
				p.i++
				continue
			}
			break
		}
	}
	return v, p.i == len(p.s)
}

func (a *pep440) compare(b *pep440) int {
	if c := compareDigits(a.epoch, b.epoch); c != 0 {
		return c
	}
	for k := 0; k < len(a.release) || k < len(b.release); k++ {
		switch {
		case k >= len(a.release):
			return -1
		case k >= len(b.release):
			return 1
		}
		if c := compareDigits(a.release[k], b.release[k]); c != 0 {
			return c
		}
	}
	if c := a.preKey() - b.preKey(); c != 0 {
		return sign(c)
	}
	if a.preLabel != 0 {
		if c := compareDigits(a.preNum, b.preNum); c != 0 {
			return c
		}
	}
	// No post release sorts before any post release.
	if a.hasPost != b.hasPost {
		if a.hasPost {
			return 1
		}
		return -1
	}
	if c := compareDigits(a.postNum, b.postNum); c != 0 {
		return c
	}
	// No dev release sorts after any dev release.
	if a.hasDev != b.hasDev {
		if a.hasDev {
			return -1
		}
		return 1
	}
	if c := compareDigits(a.devNum, b.devNum); c != 0 {
		return c
	}
	return compareLocal(a.local, b.local)
}

// preKey places the pre-release phase: a bare dev release (1.0.dev1) before
// every pre-release, pre-releases by label, and a final release after.
func (v *pep440) preKey() int {
	switch {
	case v.preLabel != 0:
		return v.preLabel
	case !v.hasPost && v.hasDev:
		return 0
	}
	return 4
}

func compareLocal(a, b []string) int {
	for k := 0; k < len(a) || k < len(b); k++ {
		switch {
		case k >= len(a):
			return -1
		case k >= len(b):
			return 1
		}
		an, bn := allDigits(a[k]), allDigits(b[k])
		var c int
		switch {
		case an && bn:
			c = compareDigits(a[k], b[k])
		case an:
			c = 1 // numeric segments sort after alphanumeric ones
		case bn:
			c = -1
		default:
			c = strings.Compare(a[k], b[k])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
