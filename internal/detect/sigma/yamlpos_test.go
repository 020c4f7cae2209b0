package sigma

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLSyntaxErrorPositions: syntax errors point at the offending
// token. yaml.v3 alone reports most of these one line early (or at the end
// of the file) and never with a column.
func TestYAMLSyntaxErrorPositions(t *testing.T) {
	const tail = "detection:\n    sel:\n        a: b\n    condition: sel\n"
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string // a substring of the message
	}{
		{"dedented key in a nested mapping", "title: x\nid: a\nlogsource:\n    product: windows\n  category: ps\n" + tail,
			5, 3, "did not find expected key"},
		{"over-indented key", "title: x\nid: a\ndetection:\n    sel:\n        a: b\n      c: d\n    condition: sel\n",
			6, 7, "did not find expected key"},
		{"unclosed single quote", "title: 'x\nid: a\n" + tail, 1, 8, "unclosed quote"},
		{"unclosed double quote in a value", "title: x\nid: a\ndetection:\n    sel:\n        a: \"b\n    condition: sel\n",
			5, 12, "unclosed quote"},
		{"tab indenting a key", "title: x\nid: a\ndetection:\n\tsel:\n        a: b\n    condition: sel\n",
			4, 1, "tab character"},
		{"tab after spaces", "title: x\nid: a\ndetection:\n    sel:\n  \t    a: b\n    condition: sel\n",
			5, 3, "tab character"},
		{"duplicate top-level key", "title: x\nid: a\ntitle: y\n" + tail, 3, 1, `duplicate key "title"`},
		{"duplicate key in a selection", "title: x\nid: a\nlogsource: {product: windows}\ndetection:\n    sel:\n        a: b\n        a: c\n    condition: sel\n",
			7, 9, `duplicate key "a"`},
		{"key without colon", "title: x\nid: a\nlogsource\n" + tail, 3, 1, "a key without ':'"},
		{"missing colon before a mapping line", "title: x\nid: a\ndetection:\n    sel:\n        a b\n        c: d\n    condition: sel\n",
			6, 10, "mapping values are not allowed"},
		{"unclosed flow sequence", "title: x\nid: a\ntags: [a, b\n" + tail, 3, 7, "unclosed ["},
		{"error after a valid multi-line string", "title: x\nid: a\ndescription: 'one\n    two'\nlogsource:\n    product: windows\n  category: ps\n" + tail,
			7, 3, "did not find expected key"},
		{"second document", "title: x\nid: a\n" + tail + "---\ntitle: y\nid: b\n detection: z\n", 10, 11, "mapping values are not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := ParseDocuments([]byte(tc.src), "r.yml")
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(errs[0], &e) {
				t.Fatalf("error %T is not an *Error: %v", errs[0], errs[0])
			}
			if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", e.Line, e.Column, e.Msg, tc.line, tc.col, tc.msg)
			}
		})
	}
}

// TestYAMLErrorPositionLongFile: beyond maxExactLines the line is found by
// bisection, still exactly for an error after a long valid prefix.
func TestYAMLErrorPositionLongFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: x\nid: a\ndescription: long\nfalsepositives:\n")
	for i := 0; i < 2*maxExactLines; i++ {
		b.WriteString("    - item\n")
	}
	lines := 4 + 2*maxExactLines
	b.WriteString("logsource:\n    product: windows\n  category: ps\ndetection:\n    sel:\n        a: b\n    condition: sel\n")
	_, errs := ParseDocuments([]byte(b.String()), "r.yml")
	var e *Error
	if len(errs) == 0 || !errors.As(errs[0], &e) {
		t.Fatalf("got %v", errs)
	}
	if e.Line != lines+3 || e.Column != 3 {
		t.Errorf("got %d:%d, want %d:3", e.Line, e.Column, lines+3)
	}
}

// FuzzYAMLErrorPosition: a YAML syntax error always points inside the
// text (a line that exists, a column on it or just past its end).
func FuzzYAMLErrorPosition(f *testing.F) {
	f.Add([]byte("title: x\nid: a\nlogsource:\n    product: windows\n  category: ps\n"))
	f.Add([]byte("title: 'x\nid: a\n"))
	f.Add([]byte("a:\n\tb: c\n"))
	f.Add([]byte("tags: [a, {b: 'c\n"))
	f.Add([]byte("a: b\n c: d\n---\n- x\ny: z"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, errs := ParseDocuments(src, "fuzz.yml")
		for _, err := range errs {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Msg, "invalid YAML") || e.Line == 0 {
				continue
			}
			lines := splitLines(src)
			if e.Line > len(lines) {
				t.Fatalf("line %d of %d: %v", e.Line, len(lines), e)
			}
			text := strings.TrimRight(string(lines[e.Line-1]), "\r\n")
			if e.Column < 1 || e.Column > len(text)+1 {
				t.Fatalf("column %d on a line of %d bytes: %v", e.Column, len(text), e)
			}
		}
	})
}
