package kql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkError asserts err is a syntax *Error whose position lies inside src.
func checkError(t *testing.T, src string, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error is not *Error: %T %v", err, err)
	}
	if e.Code != CodeSyntax {
		t.Errorf("code %q, want %q", e.Code, CodeSyntax)
	}
	if e.Line < 1 || e.Column < 1 || e.Offset < 0 || e.Offset > len(src) {
		t.Errorf("bad position %d:%d (offset %d of %d): %s", e.Line, e.Column, e.Offset, len(src), e.Message)
	}
	// Line and column must describe the offset.
	if e.Offset <= len(src) && utf8.ValidString(src[:e.Offset]) {
		before := src[:e.Offset]
		line := 1 + strings.Count(before, "\n") + strings.Count(strings.ReplaceAll(before, "\r\n", ""), "\r")
		lineStart := strings.LastIndexAny(before, "\r\n") + 1
		col := utf8.RuneCountInString(before[lineStart:]) + 1
		if !strings.ContainsAny(before, "\u2028\u2029") && (line != e.Line || col != e.Column) {
			t.Errorf("position %d:%d does not match offset %d (%d:%d): %s", e.Line, e.Column, e.Offset, line, col, e.Message)
		}
	}
	return e
}

func TestParseHugeQuery(t *testing.T) {
	var b strings.Builder
	b.WriteString("T")
	for b.Len() < MaxQueryBytes-200 {
		b.WriteString("\n| where Computer has 'abcdefghijklmnopqrstuvwxyz' or EventID in (1, 2, 3)")
	}
	src := b.String()
	start := time.Now()
	q, err := Parse(src)
	if err != nil {
		t.Fatalf("1 MB query: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("1 MB query took %v", d)
	}
	if n := len(q.Statements[0].(*ExprStmt).Expr.(*PipeExpr).Ops); n < 10000 {
		t.Errorf("only %d operators", n)
	}

	// One byte over the limit: an error at the limit, with its line.
	over := src + strings.Repeat(" ", MaxQueryBytes-len(src)+1)
	_, err = Parse(over)
	e := checkError(t, over, err)
	if e.Offset != MaxQueryBytes || !strings.Contains(e.Message, "longer than") {
		t.Errorf("over-long query: %+v", e)
	}

	// A 1 MB string literal is fine.
	lit := "print '" + strings.Repeat("x", MaxQueryBytes-10) + "'"
	if _, err := Parse(lit); err != nil {
		t.Errorf("1 MB string literal: %v", err)
	}
}

func TestParseDeepNesting(t *testing.T) {
	n := 100000
	cases := map[string]string{
		"parens":      "print " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"unary":       "print " + strings.Repeat("-", n) + "1",
		"calls":       "print " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n),
		"index":       "print x" + strings.Repeat("[0]", n),
		"members":     "print x" + strings.Repeat(".a", n),
		"dynamic":     "print dynamic(" + strings.Repeat("[", n) + strings.Repeat("]", n) + ")",
		"or chain":    "print " + strings.Repeat("a or ", n) + "b",
		"plus chain":  "print 1" + strings.Repeat("+1", n),
		"subqueries":  strings.Repeat("(T | where x in ", n/10) + "(1)" + strings.Repeat(")", n/10),
		"let bodies":  "let f = () {" + strings.Repeat(" let g = () {", n/10) + " 1" + strings.Repeat(" }; g() ", n/10) + "}; f()",
		"in lists":    "print x in (" + strings.Repeat("(1 in (", n/10) + "1" + strings.Repeat("))", n/10) + ")",
		"mixed stack": "print " + strings.Repeat("-(f(x[", n/10) + "1" + strings.Repeat("]))", n/10),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(src)
			if err == nil {
				t.Fatal("deep nesting parsed; want a depth error")
			}
			e := checkError(t, src, err)
			if !strings.Contains(e.Message, "deeply") && !strings.Contains(e.Message, "too long") {
				t.Errorf("unexpected error: %v", e)
			}
		})
	}
	// Moderate nesting is fine.
	ok := "print " + strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + ", " + strings.Repeat("a or ", 300) + "b"
	if _, err := Parse(ok); err != nil {
		t.Errorf("moderate nesting: %v", err)
	}
}

// TestParseBadInputNeverPanics feeds malformed and hostile text; every
// result must be a tree or an *Error with a position inside the text.
func TestParseBadInputNeverPanics(t *testing.T) {
	inputs := []string{
		"", " ", "|", ";", ";;;", "(", ")", "[", "]", "{", "}", "'", "\"", "@", "@'", "h", "h'", "```", "~~~", "\\",
		"let", "let x", "let x =", "let f = (", "let f = (a:", "let f = (a:string) {", "T | where", "T | join",
		"T | join kind=", "T | parse x with", "T | mv-expand", "T | summarize by", "T | make-series", "T | top 5",
		"datatable(", "datatable(a:string) [", "dynamic(", "dynamic([1,", "typeof(", "print x in (", "print x between (1",
		"print 1 ..", "T | project-away *", "T | evaluate", "T | evaluate x", "print datetime(", "print \u202e'x'",
		"print '\xff'", "\xff", "print x\xc3", "T | where a == 'x' | where b == \"y\" | ", "print 0x", "print 1e",
		"print 1.5.5", "print 1..2", "print $", "print $$", "print a.", "print a[", "print a.[", "print f(,)",
		"T | sort by", "T | where * has", "search *", "find", "find where", "union", "union (", "range x from 1 to",
		"T | render", "T | render timechart with (", "T | fork", "T | partition by x", "T | parse kind=foo x with y",
		strings.Repeat("'", 1001), strings.Repeat("| ", 1000), strings.Repeat("let x = 1; ", 1000),
	}
	for _, in := range inputs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panic on %q: %v", in, r)
				}
			}()
			q, err := Parse(in)
			if err != nil {
				checkError(t, in, err)
				return
			}
			roundTrip(t, in, in)
			_ = q
		}()
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/parse/*.test")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range strings.Split(string(data), "\n=== ") {
			_, rest, _ := strings.Cut(c, "\n")
			q, _, _ := strings.Cut(rest, "\n---\n")
			f.Add(q)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			checkError(t, src, err)
			return
		}
		text := Format(q)
		q2, err := Parse(text)
		if err != nil {
			t.Fatalf("formatted query does not parse: %v\n%s", err, text)
		}
		if a, b := Dump(q), Dump(q2); a != b {
			t.Fatalf("round trip changed the tree:\n%s\n%s\n%s", a, b, text)
		}
	})
}

func TestWalk(t *testing.T) {
	q, err := Parse(`let x = 1; T | where a == x and b in ("c", d) | summarize count() by bin(t, 1h) | join (U | project e) on f`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	Walk(q, func(n Node) bool {
		if id, ok := n.(*Ident); ok {
			names = append(names, id.Name)
		}
		return true
	})
	if got := strings.Join(names, " "); got != "x T a x b d count bin t U e f" {
		t.Errorf("names: %s", got)
	}
}
