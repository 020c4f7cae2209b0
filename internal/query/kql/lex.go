package kql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQueryBytes is the longest query Parse accepts (1 MiB); a longer one
// is a syntax error at the byte where the limit falls.
const MaxQueryBytes = 1 << 20

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF      tokKind = iota
	tIdent            // a name or keyword (keywords are contextual)
	tString           // a string literal; val holds the decoded value
	tLong             // 123, 0x1f
	tReal             // 1.5, 1e3
	tTimespan         // 1h, 1.5d, 10ms
	tGoo              // datetime(...), timespan(...), guid(...), long(...), ...
	tPunct            // operators and punctuation; text is the token
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of query"
	case tIdent:
		return "name"
	case tString:
		return "string"
	case tLong, tReal:
		return "number"
	case tTimespan:
		return "timespan"
	case tGoo:
		return "literal"
	}
	return "punctuation"
}

// token is one lexical token. off and end are byte offsets into the query;
// line and col (1-based, col in runes) are where it starts.
type token struct {
	kind      tokKind
	text      string // source text
	val       string // decoded value of a string literal
	off, end  int
	line, col int
	// String literal flags: h'...' (obfuscated) and @'...' (verbatim).
	obfuscated bool
}

// lexer turns query text into tokens. Every error is an *Error with the
// position of the offending character.
type lexer struct {
	src       string
	pos       int
	line, col int // of pos
	toks      []token
}

// lex tokenizes src completely: the parser needs lookahead over a few
// tokens, and a slice is faster than a channel.
func lex(src string) ([]token, error) {
	if len(src) > MaxQueryBytes {
		l := &lexer{src: src, line: 1, col: 1}
		l.advanceTo(MaxQueryBytes)
		return nil, l.errAt(MaxQueryBytes, l.line, l.col, "query is longer than %d bytes", MaxQueryBytes)
	}
	l := &lexer{src: src, line: 1, col: 1, toks: make([]token, 0, len(src)/4+1)}
	for {
		if err := l.skipTrivia(); err != nil {
			return nil, err
		}
		if l.pos >= len(l.src) {
			l.toks = append(l.toks, token{kind: tEOF, off: l.pos, end: l.pos, line: l.line, col: l.col})
			return l.toks, nil
		}
		if err := l.next(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) errAt(off, line, col int, format string, args ...any) *Error {
	return &Error{Code: CodeSyntax, Message: fmt.Sprintf(format, args...), Line: line, Column: col, Offset: off}
}

// advanceTo moves pos forward to off, keeping line and col.
func (l *lexer) advanceTo(off int) {
	for l.pos < off {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		l.pos += n
		switch {
		case r == '\n':
			l.line++
			l.col = 1
		case r == '\r' && (l.pos >= len(l.src) || l.src[l.pos] != '\n'):
			l.line++
			l.col = 1
		default:
			l.col++
		}
	}
}

// isSpace reports the characters Kusto treats as white space.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\f', '\u00a0', '\u1680', '\u180e', '\u200b', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

func (l *lexer) skipTrivia() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '/' && strings.HasPrefix(l.src[l.pos:], "//") {
			end := l.pos
			for end < len(l.src) {
				r, n := utf8.DecodeRuneInString(l.src[end:])
				if r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
					break
				}
				if r == utf8.RuneError && n == 1 {
					l.advanceTo(end)
					return l.errAt(end, l.line, l.col, "invalid UTF-8 in comment")
				}
				end += n
			}
			l.advanceTo(end)
			continue
		}
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !isSpace(r) && r != '\u2028' && r != '\u2029' {
			return nil
		}
		if r == '\u2028' || r == '\u2029' {
			l.pos += n
			l.line++
			l.col = 1
			continue
		}
		l.advanceTo(l.pos + n)
	}
	return nil
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '$' || r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') || r >= utf8.RuneSelf && unicode.IsLetter(r)
}

func isIdentChar(r rune) bool {
	return r == '_' || r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// runeAt returns the rune at byte offset i (utf8.RuneError, 0 past the end).
func (l *lexer) runeAt(i int) (rune, int) {
	if i >= len(l.src) {
		return 0, 0
	}
	return utf8.DecodeRuneInString(l.src[i:])
}

func (l *lexer) identCharAt(i int) bool {
	r, _ := l.runeAt(i)
	return r != 0 && isIdentChar(r)
}

// gooTypes are the type names that, directly followed by '(', make a
// literal whose content is taken raw up to ')': datetime(2020-01-01).
var gooTypes = map[string]bool{
	"datetime": true, "date": true, "timespan": true, "time": true, "guid": true,
	"long": true, "int64": true, "int": true, "int32": true, "real": true, "double": true,
	"decimal": true, "bool": true, "boolean": true,
}

// timespanSuffixes are the units a number may carry: 5m, 1.5hours.
var timespanSuffixes = []string{
	"microseconds", "milliseconds", "nanoseconds", "microsecond", "millisecond", "nanosecond",
	"microsec", "millisec", "nanosec", "minutes", "seconds", "micros", "millis", "nanos",
	"minute", "second", "micro", "milli", "nano", "hours", "ticks", "days", "hour", "tick",
	"min", "sec", "day", "hrs", "hr", "ms", "d", "h", "m", "s",
}

func (l *lexer) emit(kind tokKind, end int, val string) {
	t := token{kind: kind, text: l.src[l.pos:end], val: val, off: l.pos, end: end, line: l.line, col: l.col}
	l.toks = append(l.toks, t)
	l.advanceTo(end)
}

func (l *lexer) next() error {
	start := l.pos
	c := l.src[start]
	r, _ := l.runeAt(start)

	switch {
	case c == '\'' || c == '"' || c == '`' && strings.HasPrefix(l.src[start:], "```") || c == '~' && strings.HasPrefix(l.src[start:], "~~~"):
		return l.lexString(start, start, false)
	case c == '@' && start+1 < len(l.src) && (l.src[start+1] == '\'' || l.src[start+1] == '"'):
		return l.lexString(start, start, false)
	case (c == 'h' || c == 'H') && start+1 < len(l.src) && (l.src[start+1] == '\'' || l.src[start+1] == '"' ||
		l.src[start+1] == '@' && start+2 < len(l.src) && (l.src[start+2] == '\'' || l.src[start+2] == '"') ||
		strings.HasPrefix(l.src[start+1:], "```") || strings.HasPrefix(l.src[start+1:], "~~~")):
		return l.lexString(start, start+1, true)
	case isDigit(c):
		return l.lexNumber(start)
	case isIdentStart(r):
		_, n := l.runeAt(start)
		end := start + n
		for end < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[end:])
			if !isIdentChar(r) {
				break
			}
			end += n
		}
		name := l.src[start:end]
		if end < len(l.src) && l.src[end] == '(' && gooTypes[name] {
			return l.lexGoo(start, end)
		}
		l.emit(tIdent, end, "")
		return nil
	}
	// Punctuation, longest first.
	for _, p := range punctuation {
		if strings.HasPrefix(l.src[start:], p) {
			l.emit(tPunct, start+len(p), "")
			return nil
		}
	}
	if r == utf8.RuneError {
		return l.errAt(start, l.line, l.col, "invalid UTF-8 byte 0x%02x", c)
	}
	return l.errAt(start, l.line, l.col, "unexpected character %s", quoteRune(r))
}

// punctuation lists the operator and punctuation tokens, longest first so
// that the first prefix match is the longest.
var punctuation = []string{
	"==", "!=", "<>", "<=", ">=", "=~", "!~", "=>", "..",
	"(", ")", "[", "]", "{", "}", "|", ".", ",", ";", ":", "=", "<", ">", "+", "-", "*", "/", "%", "!", "@", "?", "~",
}

func quoteRune(r rune) string {
	if unicode.IsPrint(r) && !unicode.Is(unicode.Bidi_Control, r) {
		return strconv.QuoteRune(r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// lexNumber scans 123, 0x1F, 1.5, 1e3, 1.5e-3, timespans (1h, 1.5d) and
// names that start with digits (3Dchart).
func (l *lexer) lexNumber(start int) error {
	s := l.src
	i := start
	if s[i] == '0' && i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && isHexDigit(s[i+2]) {
		i += 2
		for i < len(s) && isHexDigit(s[i]) {
			i++
		}
		if !l.identCharAt(i) {
			l.emit(tLong, i, "")
			return nil
		}
		i = start
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	digitsEnd := i
	// Real: digits '.' [digits] [exponent], not "1..2".
	if i < len(s) && s[i] == '.' && !(i+1 < len(s) && s[i+1] == '.') {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		fracEnd := j
		j = scanExponent(s, j)
		if !l.identCharAt(j) {
			l.emit(tReal, j, "")
			return nil
		}
		// 1.5h: a fractional timespan.
		if end := scanTimespanSuffix(s, fracEnd); end > 0 && !l.identCharAt(end) && fracEnd > i+1 {
			l.emit(tTimespan, end, "")
			return nil
		}
		// 1.x: the number 1, then '.x' (as Kusto lexes it).
		l.emit(tLong, digitsEnd, "")
		return nil
	}
	if j := scanExponent(s, digitsEnd); j > digitsEnd && !l.identCharAt(j) {
		l.emit(tReal, j, "")
		return nil
	}
	if end := scanTimespanSuffix(s, digitsEnd); end > 0 && !l.identCharAt(end) {
		l.emit(tTimespan, end, "")
		return nil
	}
	if !l.identCharAt(digitsEnd) {
		l.emit(tLong, digitsEnd, "")
		return nil
	}
	// A name that starts with digits: 3Dchart, 1st.
	end := digitsEnd
	for end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if !isIdentChar(r) {
			break
		}
		end += n
	}
	l.emit(tIdent, end, "")
	return nil
}

func scanExponent(s string, i int) int {
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			return j
		}
	}
	return i
}

// scanTimespanSuffix returns the end of the longest timespan unit at i, or 0.
func scanTimespanSuffix(s string, i int) int {
	for _, suf := range timespanSuffixes {
		if strings.HasPrefix(s[i:], suf) {
			return i + len(suf)
		}
	}
	return 0
}

// lexGoo scans a typed literal whose content runs to ')' on the same line:
// datetime(2021-01-01 10:00), guid(...), long(null).
func (l *lexer) lexGoo(start, open int) error {
	i := open + 1
	for i < len(l.src) && l.src[i] != ')' && l.src[i] != '\n' && l.src[i] != '\r' {
		i++
	}
	if i >= len(l.src) || l.src[i] != ')' {
		return l.errAt(start, l.line, l.col, "%s literal is missing its closing ')'", l.src[start:open])
	}
	l.emit(tGoo, i+1, "")
	return nil
}

// lexString scans a string literal starting at start; q is where the
// quote (or '@') is, after an 'h' prefix.
func (l *lexer) lexString(start, q int, obfuscated bool) error {
	s := l.src
	verbatim := false
	if s[q] == '@' {
		verbatim = true
		q++
	}
	// Multi-line forms: ```...``` and ~~~...~~~, content taken as is.
	for _, fence := range []string{"```", "~~~"} {
		if strings.HasPrefix(s[q:], fence) {
			body := q + len(fence)
			end := strings.Index(s[body:], fence)
			if end < 0 {
				return l.errAt(start, l.line, l.col, "unterminated multi-line string literal: missing closing %s", fence)
			}
			val := s[body : body+end]
			if !utf8.ValidString(val) {
				return l.errAt(start, l.line, l.col, "invalid UTF-8 in string literal")
			}
			l.emit(tString, body+end+len(fence), val)
			l.toks[len(l.toks)-1].obfuscated = obfuscated
			return nil
		}
	}
	quote := s[q]
	var b strings.Builder
	i := q + 1
	for {
		if i >= len(s) || s[i] == '\n' || s[i] == '\r' {
			return l.errAt(start, l.line, l.col, "unterminated string literal: missing closing %c", quote)
		}
		c := s[i]
		if c == quote {
			if verbatim && i+1 < len(s) && s[i+1] == quote {
				b.WriteByte(quote)
				i += 2
				continue
			}
			i++
			break
		}
		if c == '\\' && !verbatim {
			n, err := l.escape(&b, i)
			if err != nil {
				return err
			}
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			ln, col := l.posOf(i)
			return l.errAt(i, ln, col, "invalid UTF-8 in string literal")
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	l.emit(tString, i, b.String())
	l.toks[len(l.toks)-1].obfuscated = obfuscated
	return nil
}

// posOf returns the line and column of byte offset off (>= l.pos).
func (l *lexer) posOf(off int) (int, int) {
	line, col := l.line, l.col
	for i := l.pos; i < off; {
		r, n := utf8.DecodeRuneInString(l.src[i:])
		i += n
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// escape decodes the escape sequence at s[i] == '\\' into b and returns
// its length. The sequences are Kusto's: \\ \' \" \a \b \f \n \r \t \v,
// \uXXXX, \UXXXXXXXX, \xHH and octal \o, \oo, \ooo.
func (l *lexer) escape(b *strings.Builder, i int) (int, error) {
	s := l.src
	bad := func() (int, error) {
		ln, col := l.posOf(i)
		end := min(len(s), i+2)
		return 0, l.errAt(i, ln, col, "invalid escape sequence %q in string literal (use \\\\ for a backslash, or a verbatim @'...' string)", s[i:end])
	}
	if i+1 >= len(s) {
		return bad()
	}
	switch c := s[i+1]; c {
	case '\\', '\'', '"':
		b.WriteByte(c)
		return 2, nil
	case 'a':
		b.WriteByte('\a')
		return 2, nil
	case 'b':
		b.WriteByte('\b')
		return 2, nil
	case 'f':
		b.WriteByte('\f')
		return 2, nil
	case 'n':
		b.WriteByte('\n')
		return 2, nil
	case 'r':
		b.WriteByte('\r')
		return 2, nil
	case 't':
		b.WriteByte('\t')
		return 2, nil
	case 'v':
		b.WriteByte('\v')
		return 2, nil
	case 'u', 'U', 'x':
		n := map[byte]int{'u': 4, 'U': 8, 'x': 2}[c]
		if i+2+n > len(s) {
			return bad()
		}
		h := s[i+2 : i+2+n]
		for j := 0; j < n; j++ {
			if !isHexDigit(h[j]) {
				return bad()
			}
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		if c == 'x' {
			b.WriteRune(rune(v))
		} else {
			if v > unicode.MaxRune || v >= 0xD800 && v <= 0xDFFF {
				return bad()
			}
			b.WriteRune(rune(v))
		}
		return 2 + n, nil
	default:
		if c >= '0' && c <= '7' {
			n, v := 1, int(c-'0')
			if i+2 < len(s) && s[i+2] >= '0' && s[i+2] <= '7' {
				n, v = 2, v*8+int(s[i+2]-'0')
				if c <= '3' && i+3 < len(s) && s[i+3] >= '0' && s[i+3] <= '7' {
					n, v = 3, v*8+int(s[i+3]-'0')
				}
			}
			b.WriteRune(rune(v))
			return 1 + n, nil
		}
		return bad()
	}
}
