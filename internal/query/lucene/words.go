package lucene

import (
	"unicode"
	"unicode/utf8"
)

// Text fields (message, the raw original) are matched word by word, the way
// Elasticsearch matches analysed text: a word is a run of letters, digits
// and underscores, compared without case. "cmd.exe" is the words "cmd" and
// "exe"; the query message:cmd.exe finds them next to each other, but
// message:cmd does not find "cmdlet". Stores index words (the DuckDB store
// keeps message words and bloom filters of every word), so everything that
// splits text into words must agree with IsWordRune and Lower.

// IsWordRune reports whether r belongs to a word.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// Lower folds a word's case (per rune, as unicode.ToLower).
func Lower(s string) string {
	ascii := true
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if ascii && !upper {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return string(b)
}

// Words returns the words of s, lowercased, in order (repeats kept).
func Words(s string) []string {
	var out []string
	EachWord(s, func(w string) { out = append(out, Lower(w)) })
	return out
}

// EachWord calls fn with every word of s as it appears (case kept).
func EachWord(s string, fn func(w string)) {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		var word bool
		if c < utf8.RuneSelf {
			word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			word = r != utf8.RuneError && IsWordRune(r)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			fn(s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(s[start:])
	}
}
