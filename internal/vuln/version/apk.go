package version

import "strings"

// CompareAPK orders Alpine (apk-tools) versions:
//
//	number{.number}[letter]{_suffix[number]}[~hash][-rN]
//
// Numbers compare numerically, except that a component after the first
// that starts with a zero sorts before any component without one, as in
// apk-tools (1.01 < 1.1). A letter sorts after no letter (1.2a > 1.2).
// Suffixes _alpha < _beta < _pre < _rc sort before the bare version and
// _cvs < _svn < _git < _hg < _p after it. The -rN package revision comes
// last; a missing revision sorts before -r0, as in apk-tools. Strings
// that do not parse sort after all valid versions.
func CompareAPK(a, b string) int {
	if a == b {
		return 0
	}
	av, aok := parseAPK(a)
	bv, bok := parseAPK(b)
	if c, done := validFirst(aok, bok, a, b); done {
		return c
	}
	return av.compare(&bv)
}

// ValidAPK reports whether v is a valid apk version.
func ValidAPK(v string) bool {
	_, ok := parseAPK(v)
	return ok
}

// apkSuffixes in ascending order; the first four are pre-releases.
var apkSuffixes = [...]string{"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"}

const apkPreSuffixes = 4

type apkSuffix struct {
	rank int    // index in apkSuffixes
	num  string // digits; "" when absent
}

type apkVersion struct {
	nums     []string
	letter   byte
	suffixes []apkSuffix
	hash     string
	rev      string // digits; "" when absent
	hasRev   bool
}

func parseAPK(s string) (apkVersion, bool) {
	var v apkVersion
	s = strings.TrimSpace(s)
	i := 0
	digits := func() string {
		st := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return s[st:i]
	}
	for {
		d := digits()
		if d == "" {
			return v, false
		}
		v.nums = append(v.nums, d)
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		break
	}
	if i < len(s) && 'a' <= s[i] && s[i] <= 'z' {
		v.letter = s[i]
		i++
	}
	for i < len(s) && s[i] == '_' {
		i++
		end := i
		for end < len(s) && 'a' <= s[end] && s[end] <= 'z' {
			end++
		}
		// The whole alphabetic run must name a suffix, so "_pre" is
		// never read as "_p" followed by junk.
		rank := -1
		for r, name := range apkSuffixes {
			if s[i:end] == name {
				rank = r
				break
			}
		}
		i = end
		if rank < 0 {
			return v, false
		}
		v.suffixes = append(v.suffixes, apkSuffix{rank: rank, num: digits()})
	}
	if i < len(s) && s[i] == '~' {
		i++
		st := i
		for i < len(s) && (isDigit(s[i]) || 'a' <= s[i] && s[i] <= 'f') {
			i++
		}
		if st == i {
			return v, false
		}
		v.hash = s[st:i]
	}
	if strings.HasPrefix(s[i:], "-r") {
		i += 2
		v.rev = digits()
		if v.rev == "" {
			return v, false
		}
		v.hasRev = true
	}
	return v, i == len(s)
}

// compareAPKComponent compares the k-th numeric components.
func compareAPKComponent(k int, a, b string) int {
	if k == 0 {
		return compareDigits(a, b)
	}
	az, bz := leadingZeros(a), leadingZeros(b)
	switch {
	case az > 0 && bz > 0:
		// More leading zeros is smaller (0.001 < 0.01), then the rest.
		if az != bz {
			if az > bz {
				return -1
			}
			return 1
		}
		return compareDigits(a[az:], b[bz:])
	case az > 0:
		return -1
	case bz > 0:
		return 1
	}
	return compareDigits(a, b)
}

func leadingZeros(s string) int {
	n := 0
	for n < len(s) && s[n] == '0' {
		n++
	}
	return n
}

func (a *apkVersion) compare(b *apkVersion) int {
	for k := 0; k < len(a.nums) && k < len(b.nums); k++ {
		if c := compareAPKComponent(k, a.nums[k], b.nums[k]); c != 0 {
			return c
		}
	}
	if len(a.nums) != len(b.nums) {
		// More numeric components is newer, whatever follows the shorter.
		if len(a.nums) > len(b.nums) {
			return 1
		}
		return -1
	}
	if a.letter != b.letter {
		switch {
		case a.letter == 0:
			return -1
		case b.letter == 0:
			return 1
		}
		return sign(int(a.letter) - int(b.letter))
	}
	for k := 0; k < len(a.suffixes) || k < len(b.suffixes); k++ {
		if k >= len(a.suffixes) {
			return suffixVersusEnd(b.suffixes[k])
		}
		if k >= len(b.suffixes) {
			return -suffixVersusEnd(a.suffixes[k])
		}
		as, bs := a.suffixes[k], b.suffixes[k]
		if as.rank != bs.rank {
			return sign(as.rank - bs.rank)
		}
		if c := compareOptionalDigits(as.num, bs.num); c != 0 {
			return c
		}
	}
	if a.hash != b.hash {
		switch {
		case a.hash == "":
			return -1
		case b.hash == "":
			return 1
		}
		return strings.Compare(a.hash, b.hash)
	}
	if a.hasRev != b.hasRev {
		if a.hasRev {
			return 1
		}
		return -1
	}
	return compareDigits(a.rev, b.rev)
}

// suffixVersusEnd says how the side without more suffixes compares with a
// side whose next suffix is s: before a pre-release suffix, after others.
func suffixVersusEnd(s apkSuffix) int {
	if s.rank < apkPreSuffixes {
		return 1
	}
	return -1
}

// compareOptionalDigits compares digit runs where an absent run sorts
// before every present one (_rc < _rc0).
func compareOptionalDigits(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	return compareDigits(a, b)
}
