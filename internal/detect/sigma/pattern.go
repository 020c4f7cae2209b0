package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// PartKind says what one part of a Pattern is.
type PartKind uint8

// Pattern part kinds.
const (
	// PartLit is literal text.
	PartLit PartKind = iota
	// PartStar is the * wildcard: any run of characters, maybe empty.
	PartStar
	// PartOne is the ? wildcard: exactly one character.
	PartOne
	// PartPlaceholder is a %name% placeholder (expand modifier); Text
	// holds the name.
	PartPlaceholder
)

// Part is one piece of a Pattern.
type Part struct {
	Kind PartKind
	Text string
}

// Pattern is a Sigma string value: literal text, wildcards and
// placeholders, with escapes already resolved.
type Pattern []Part

// parsePattern reads a Sigma string. A backslash escapes *, ? and
// itself; before any other character it is a plain backslash (so
// C:\Windows needs no doubling), as the specification and pySigma say.
func parsePattern(s string) Pattern {
	var out Pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, Part{Kind: PartLit, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
			} else {
				lit.WriteByte('\\')
			}
		case c == '*':
			flush()
			out = append(out, Part{Kind: PartStar})
		case c == '?':
			flush()
			out = append(out, Part{Kind: PartOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// String renders the pattern back in Sigma syntax (escaping what must be).
func (p Pattern) String() string {
	var b strings.Builder
	for _, part := range p {
		switch part.Kind {
		case PartStar:
			b.WriteByte('*')
		case PartOne:
			b.WriteByte('?')
		case PartPlaceholder:
			b.WriteString("%" + part.Text + "%")
		default:
			t := part.Text
			for i := 0; i < len(t); i++ {
				switch t[i] {
				case '*', '?':
					b.WriteByte('\\')
				case '\\':
					if i+1 == len(t) || t[i+1] == '*' || t[i+1] == '?' || t[i+1] == '\\' {
						b.WriteByte('\\')
					}
				}
				b.WriteByte(t[i])
			}
		}
	}
	return b.String()
}

// plain reports whether the pattern has no wildcard and no placeholder,
// and returns its text.
func (p Pattern) plain() (string, bool) {
	var b strings.Builder
	for _, part := range p {
		if part.Kind != PartLit {
			return "", false
		}
		b.WriteString(part.Text)
	}
	return b.String(), true
}

// normalize merges adjacent literals and runs of stars.
func (p Pattern) normalize() Pattern {
	out := make(Pattern, 0, len(p))
	for _, part := range p {
		if part.Kind == PartLit && part.Text == "" {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			if part.Kind == PartLit && last.Kind == PartLit {
				last.Text += part.Text
				continue
			}
			if part.Kind == PartStar && last.Kind == PartStar {
				continue
			}
		}
		out = append(out, part)
	}
	return out
}

func (p Pattern) withStars(start, end bool) Pattern {
	out := make(Pattern, 0, len(p)+2)
	if start && (len(p) == 0 || p[0].Kind != PartStar) {
		out = append(out, Part{Kind: PartStar})
	}
	out = append(out, p...)
	if end && (len(out) == 0 || out[len(out)-1].Kind != PartStar) {
		out = append(out, Part{Kind: PartStar})
	}
	return out
}

// mapLits applies f to every literal part.
func (p Pattern) mapLits(f func(string) string) Pattern {
	out := make(Pattern, len(p))
	for i, part := range p {
		if part.Kind == PartLit {
			part.Text = f(part.Text)
		}
		out[i] = part
	}
	return out
}

// windashChars are what the windash modifier puts in place of a dash:
// hyphen, slash, en dash, em dash and horizontal bar.
var windashChars = [...]string{"-", "/", "\u2013", "\u2014", "\u2015"}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// windash expands every - or / that starts a word (a non-word character
// or the start of the text before it, a word character after it) into
// the five dash characters. limit bounds the number of results.
func (p Pattern) windash(limit int) ([]Pattern, bool) {
	out := []Pattern{nil}
	for _, part := range p {
		if part.Kind != PartLit {
			for i := range out {
				out[i] = append(out[i], part)
			}
			continue
		}
		t := part.Text
		var pieces []string // literal pieces between dash positions
		last := 0
		prev := rune(-1)
		for i := 0; i < len(t); {
			r, size := utf8.DecodeRuneInString(t[i:])
			if (r == '-' || r == '/') && (prev < 0 || !isWordRune(prev)) && i+size < len(t) {
				next, _ := utf8.DecodeRuneInString(t[i+size:])
				if isWordRune(next) {
					pieces = append(pieces, t[last:i])
					last = i + size
				}
			}
			prev = r
			i += size
		}
		pieces = append(pieces, t[last:])
		if len(pieces) == 1 {
			for i := range out {
				out[i] = append(out[i], part)
			}
			continue
		}
		// Each dash position multiplies the alternatives by five.
		for _, piece := range pieces[:len(pieces)-1] {
			next := make([]Pattern, 0, len(out)*len(windashChars))
			for _, o := range out {
				for _, d := range windashChars {
					q := append(append(Pattern(nil), o...), Part{Kind: PartLit, Text: piece + d})
					next = append(next, q)
				}
			}
			if len(next) > limit {
				return nil, false
			}
			out = next
		}
		tail := pieces[len(pieces)-1]
		for i := range out {
			out[i] = append(out[i], Part{Kind: PartLit, Text: tail})
		}
	}
	for i := range out {
		out[i] = out[i].normalize()
	}
	return out, true
}

// utf16Encode encodes s as UTF-16 in the given byte order.
func utf16Encode(s string, big bool) string {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		if big {
			binary.BigEndian.PutUint16(b[2*i:], u)
		} else {
			binary.LittleEndian.PutUint16(b[2*i:], u)
		}
	}
	return string(b)
}

// base64Offsets returns the three forms a text takes inside base64,
// depending on its offset modulo 3 in the encoded data, with the
// characters that depend on the neighbouring bytes cut off.
func base64Offsets(s string) []string {
	start := [3]int{0, 2, 3}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		switch (len(s) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if start[i] > end {
			out = append(out, "")
			continue
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}
