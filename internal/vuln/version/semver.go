package version

import "strings"

// CompareSemVer orders versions by SemVer 2.0 precedence (section 11):
// major.minor.patch numerically, a pre-release sorts before its release,
// pre-release identifiers compare numerically when all digits and in
// ASCII order otherwise (numeric before alphanumeric, fewer before more),
// and build metadata is ignored. It also accepts what real ecosystems
// publish: a leading "v" (Go), "=" (npm) and missing minor or patch parts
// (read as 0). Strings that do not parse sort after all valid versions.
func CompareSemVer(a, b string) int { return compareSemVer(a, b, false) }

// CompareNuGet orders NuGet versions: SemVer with an optional fourth
// numeric part and case-insensitive pre-release labels.
func CompareNuGet(a, b string) int { return compareSemVer(a, b, true) }

func compareSemVer(a, b string, nuget bool) int {
	if a == b {
		return 0
	}
	av, aok := parseSemVer(a, nuget)
	bv, bok := parseSemVer(b, nuget)
	if c, done := validFirst(aok, bok, a, b); done {
		return c
	}
	for k := range av.nums {
		if c := compareDigits(av.nums[k], bv.nums[k]); c != 0 {
			return c
		}
	}
	return comparePrerelease(av.pre, bv.pre, nuget)
}

type semver struct {
	nums [4]string
	pre  string // without the leading "-"; "" for a release
}

func parseSemVer(s string, nuget bool) (semver, bool) {
	var v semver
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "=")
	if len(s) > 0 && (s[0] == 'v' || s[0] == 'V') {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:]) {
			return v, false
		}
		s = s[:i]
	}
	core := s
	if i := strings.IndexByte(s, '-'); i >= 0 {
		core, v.pre = s[:i], s[i+1:]
		if !validIdents(v.pre) {
			return v, false
		}
	}
	maxParts := 3
	if nuget {
		maxParts = 4
	}
	n := 0
	for part := range strings.SplitSeq(core, ".") {
		if n == maxParts || part == "" {
			return v, false
		}
		for i := 0; i < len(part); i++ {
			if !isDigit(part[i]) {
				return v, false
			}
		}
		v.nums[n] = part
		n++
	}
	for ; n < len(v.nums); n++ {
		v.nums[n] = "0"
	}
	return v, true
}

// validIdents checks dot-separated [0-9A-Za-z-]+ identifiers.
func validIdents(s string) bool {
	if s == "" {
		return false
	}
	for id := range strings.SplitSeq(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !isDigit(c) && !isAlpha(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func comparePrerelease(a, b string, foldCase bool) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1 // a release is newer than any of its pre-releases
	case b == "":
		return -1
	}
	for {
		ai, arest, amore := strings.Cut(a, ".")
		bi, brest, bmore := strings.Cut(b, ".")
		if c := compareIdent(ai, bi, foldCase); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

func compareIdent(a, b string, foldCase bool) int {
	an, bn := allDigits(a), allDigits(b)
	switch {
	case an && bn:
		return compareDigits(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	if foldCase {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	return strings.Compare(a, b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
