package sigma

import (
	"unicode"
	"unicode/utf8"
)

// needsLower reports whether lower would change s.
func needsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// appendLower appends s case-folded to lower case, rune by rune (bytes
// that are not UTF-8 are kept as they are), so that rule literals and
// event values fold the same way.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, c)
			i++
			continue
		}
		switch r {
		case '\u017f': // long s folds to s
			r = 's'
		case '\u212a': // Kelvin sign folds to k
			r = 'k'
		default:
			r = unicode.ToLower(r)
		}
		dst = utf8.AppendRune(dst, r)
		i += size
	}
	return dst
}

// lower returns s folded as appendLower does.
func lower(s string) string {
	if !needsLower(s) {
		return s
	}
	return string(appendLower(make([]byte, 0, len(s)), s))
}
