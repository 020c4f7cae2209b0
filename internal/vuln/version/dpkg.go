package version

import "strings"

// CompareDpkg orders Debian package versions as dpkg --compare-versions
// does (Debian policy 5.6.12): the epoch numerically, then the upstream
// version and the Debian revision with verrevcmp, where a tilde sorts
// before everything including the end of the string, letters sort before
// other characters, and runs of digits compare numerically.
func CompareDpkg(a, b string) int {
	if a == b {
		return 0
	}
	ae, au, ar := splitDpkg(a)
	be, bu, br := splitDpkg(b)
	if c := verrevcmp(ae, be); c != 0 {
		return c
	}
	if c := verrevcmp(au, bu); c != 0 {
		return c
	}
	return verrevcmp(ar, br)
}

// ValidDpkg reports whether v is a syntactically valid Debian version.
func ValidDpkg(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, " \t\n") {
		return false
	}
	epoch, upstream, revision := splitDpkg(v)
	if strings.Contains(v, ":") {
		if epoch == "" {
			return false
		}
		for i := 0; i < len(epoch); i++ {
			if !isDigit(epoch[i]) {
				return false
			}
		}
	}
	if upstream == "" || !isDigit(upstream[0]) {
		return false
	}
	for i := 0; i < len(upstream); i++ {
		c := upstream[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~-:", rune(c)) {
			return false
		}
	}
	for i := 0; i < len(revision); i++ {
		c := revision[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return false
		}
	}
	return true
}

// splitDpkg splits [epoch:]upstream[-revision]. The epoch ends at the first
// colon and the revision starts after the last hyphen, as in dpkg's
// parseversion. A missing epoch is "0" in effect: verrevcmp("", "0") == 0.
func splitDpkg(v string) (epoch, upstream, revision string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// dpkgOrder is the weight of one non-digit character in verrevcmp: the
// tilde lowest, then the end of the string (and a digit, which ends the
// non-digit run), then letters, then everything else.
func dpkgOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// verrevcmp compares alternating non-digit and digit runs. The non-digit
// runs compare character by character with dpkgOrder, padding the shorter
// with end-of-string; digit runs compare numerically.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := dpkgOrder(a, i), dpkgOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			// A digit or the end stops that side; only advance past
			// non-digits so the digit runs line up afterwards.
			if i < len(a) && !isDigit(a[i]) {
				i++
			}
			if j < len(b) && !isDigit(b[j]) {
				j++
			}
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}
