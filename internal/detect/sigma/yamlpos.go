package sigma

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 locates a syntax error by the start of the construct it was
// parsing when it failed (its "context"), not by the offending token, and
// counts that line from 0 for parser errors: "did not find expected key"
// on line 5 says line 4, and no error has a column. yamlErr therefore
// finds the position itself. A document that fails does so right after
// its longest prefix that parses: the offending line is the first line
// past the longest well-formed prefix (a prefix is cut at a line end), and
// the offending token on that line depends on what the parser expected.

// maxExactLines bounds the files whose every prefix may be parsed; longer
// ones bracket the position with a doubling then a binary search.
const maxExactLines = 500

// yamlErr turns a yaml.v3 error ("yaml: line 3: ...") on src into an
// *Error at the line and column of the offending token.
func yamlErr(file string, src []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i >= 0 {
			msg = rest[i+2:]
		}
	}
	e := &Error{File: file, Msg: "invalid YAML: " + msg}
	lines := splitLines(src)
	n := firstBadLine(lines)
	if n == 0 {
		// No prefix fails: the file as a whole does (cannot happen for a
		// syntax error; keep yaml.v3's own words).
		return e
	}
	line := lines[n-1]
	col, hint := badColumn(line, msg)
	e.Line, e.Column = n, col
	if hint != "" {
		e.Msg = "invalid YAML: " + hint + " (" + msg + ")"
	}
	return e
}

// splitLines splits src after each newline, keeping them.
func splitLines(src []byte) [][]byte {
	var out [][]byte
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			out = append(out, src)
			break
		}
		out = append(out, src[:i+1])
		src = src[i+1:]
	}
	return out
}

// parses reports whether the first n lines are well-formed YAML.
func parses(lines [][]byte, n int) bool {
	dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil)))
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// firstBadLine returns the 1-based line after the longest prefix of
// lines that parses (0 when the whole file parses).
func firstBadLine(lines [][]byte) int {
	n := len(lines)
	if parses(lines, n) {
		return 0
	}
	if n <= maxExactLines {
		// Exact: a prefix that stops inside a valid multi-line string
		// fails too, so search down from the end, not up from the start.
		// The parser stops at the error, so longer prefixes are cheap.
		for k := n - 1; k > 0; k-- {
			if parses(lines, k) {
				return k + 1
			}
		}
		return 1
	}
	bad, good := n, 0
	for step := 1; bad-step > 0; step *= 2 {
		if parses(lines, bad-step) {
			good = bad - step
			break
		}
		bad -= step
	}
	for bad-good > 1 {
		mid := (good + bad) / 2
		if parses(lines, mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	return good + 1
}

// badColumn finds the offending token on the line yaml.v3 failed on,
// from what it says it expected, with a hint for the common mistakes.
func badColumn(line []byte, msg string) (int, string) {
	text := strings.TrimRight(string(line), "\r\n")
	first := 1 + len(text) - len(strings.TrimLeft(text, " "))
	switch {
	case strings.Contains(msg, "cannot start any token"):
		if i := strings.IndexByte(text, '\t'); i >= 0 {
			return i + 1, "a tab character; YAML indents with spaces only"
		}
		return first, ""
	case strings.Contains(msg, "unexpected end of stream"), strings.Contains(msg, "did not find expected ',' or"),
		strings.Contains(msg, "found unknown escape character"):
		open, kind := unclosed(text)
		switch kind {
		case '\'', '"':
			return open, "unclosed quote"
		case '[', '{':
			return open, "unclosed " + string(kind)
		}
		return first, ""
	case strings.Contains(msg, "mapping values are not allowed"):
		// The colon that the parser cannot place (often a ':' missing on
		// the line above, or an unquoted value holding ": ").
		if i := colonAt(text); i >= 0 {
			return i + 1, ""
		}
		return first, ""
	case strings.Contains(msg, "could not find expected ':'"):
		return first, "a key without ':'"
	}
	if first > len(text) {
		// A blank line: the error is where the line ends.
		return len(text) + 1, ""
	}
	return first, ""
}

// unclosed returns the 1-based column of the first quote or flow bracket
// the line opens and does not close, and which it is.
func unclosed(text string) (int, byte) {
	type opener struct {
		col  int
		kind byte
	}
	var stack []opener
	quote, quoteAt := byte(0), 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote && quote == '\'' && i+1 < len(text) && text[i+1] == '\'':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '#':
			if i == 0 || text[i-1] == ' ' {
				i = len(text)
			}
		case '\'', '"':
			// A quote opens a scalar only where a scalar starts.
			if i == 0 || strings.IndexByte(" [{,:-?", text[i-1]) >= 0 {
				quote, quoteAt = c, i+1
			}
		case '[', '{':
			stack = append(stack, opener{i + 1, c})
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if quote != 0 && (len(stack) == 0 || quoteAt < stack[0].col) {
		return quoteAt, quote
	}
	if len(stack) > 0 {
		return stack[0].col, stack[0].kind
	}
	if quote != 0 {
		return quoteAt, quote
	}
	return 0, 0
}

// colonAt returns the index of the first ':' that ends a key (followed by
// a space or the end of the line), outside quotes, or -1.
func colonAt(text string) int {
	quote := byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		switch {
		case c == '\'' || c == '"':
			quote = c
		case c == ':' && (i+1 == len(text) || text[i+1] == ' '):
			return i
		}
	}
	return -1
}
