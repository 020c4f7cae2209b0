package version

import "strings"

// CompareRPM orders RPM [epoch:]version[-release] strings: the epoch
// (missing means 0), then the version and the release with rpmvercmp as
// in rpm 4.15 and later, where "~" sorts before everything (1.0~rc1 <
// 1.0) and "^" sorts after the end of the string but before any further
// segment (1.0 < 1.0^git1 < 1.0.1).
func CompareRPM(a, b string) int {
	if a == b {
		return 0
	}
	ae, av, ar := splitRPM(a)
	be, bv, br := splitRPM(b)
	if c := rpmvercmp(ae, be); c != 0 {
		return c
	}
	if c := rpmvercmp(av, bv); c != 0 {
		return c
	}
	return rpmvercmp(ar, br)
}

// ValidRPM reports whether v looks like an RPM EVR: a numeric epoch if any,
// and a version that contains at least one alphanumeric character.
func ValidRPM(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, " \t\n") {
		return false
	}
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if i == 0 {
			return false
		}
		for k := 0; k < i; k++ {
			if !isDigit(v[k]) {
				return false
			}
		}
	}
	_, ver, _ := splitRPM(v)
	for i := 0; i < len(ver); i++ {
		if isDigit(ver[i]) || isAlpha(ver[i]) {
			return true
		}
	}
	return false
}

// splitRPM splits [epoch:]version[-release]; a missing epoch is "0".
func splitRPM(v string) (epoch, version, release string) {
	v = strings.TrimSpace(v)
	epoch = "0"
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if e := v[:i]; e != "" {
			epoch = e
		}
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// rpmvercmp is rpm's segment comparison: separators (anything that is not
// a letter, digit, ~ or ^) are skipped; digit segments compare
// numerically and beat letter segments; letter segments compare with
// strcmp; the side with segments left over is newer.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !rpmSignificant(a[i]) {
			i++
		}
		for j < len(b) && !rpmSignificant(b[j]) {
			j++
		}
		// The tilde sorts before everything else, even the end.
		ta, tb := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if ta || tb {
			if !ta {
				return 1
			}
			if !tb {
				return -1
			}
			i++
			j++
			continue
		}
		// The caret sorts after the end but before any other segment.
		ca, cb := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ca || cb {
			if i >= len(a) {
				return -1
			}
			if j >= len(b) {
				return 1
			}
			if !ca {
				return 1
			}
			if !cb {
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		numeric := isDigit(a[i])
		if numeric {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if sj == j {
			// Segments of different kinds: a number is newer than letters.
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = compareDigits(a[si:i], b[sj:j])
		} else {
			c = strings.Compare(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i < len(a):
		return 1
	}
	return -1
}

func rpmSignificant(c byte) bool { return isDigit(c) || isAlpha(c) || c == '~' || c == '^' }
