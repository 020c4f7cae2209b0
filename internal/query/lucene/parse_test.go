package lucene

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func t1(f, v string) Term     { return Term{Field: f, Value: v} }
func free(v string) Term      { return Term{Value: v} }
func and(n ...Node) And       { return And{Nodes: n} }
func or(n ...Node) Or         { return Or{Nodes: n} }
func incl(v string) *Bound    { return &Bound{Value: v, Inclusive: true} }
func excl(v string) *Bound    { return &Bound{Value: v} }
func not(n Node) Not          { return Not{Node: n} }
func phrase(f, v string) Node { return Phrase{Field: f, Value: v} }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Node
	}{
		{"", All{}},
		{"   ", All{}},
		{"*", All{}},
		{"failed", free("failed")},
		{"failed password", and(free("failed"), free("password"))},
		{"failed AND password", and(free("failed"), free("password"))},
		{"failed && password", and(free("failed"), free("password"))},
		{"a OR b", or(free("a"), free("b"))},
		{"a || b", or(free("a"), free("b"))},
		{"a b OR c", or(and(free("a"), free("b")), free("c"))},
		{"a OR b c", or(free("a"), and(free("b"), free("c")))},
		{"a AND (b OR c)", and(free("a"), or(free("b"), free("c")))},
		{"(a)", free("a")},
		{"NOT a", not(free("a"))},
		{"-a", not(free("a"))},
		{"!a", not(free("a"))},
		{"! a", not(free("a"))},
		{"+a", free("a")},
		{"a -b", and(free("a"), not(free("b")))},
		{"NOT NOT a", not(not(free("a")))},
		{"-(a OR b)", not(or(free("a"), free("b")))},
		{"NOT(a)", not(free("a"))},
		{"- a", and(free("-"), free("a"))},
		{"ANDROID", free("ANDROID")},
		{"ORACLE NOTE", and(free("ORACLE"), free("NOTE"))},
		{`\and "or" \not`, and(free("and"), phrase("", "or"), free("not"))},
		{"a and b", and(free("a"), free("b"))},
		// Spaces around ':' and before a comparison, as Kibana's query
		// language allows.
		{"source.ip : 10.0.0.1", t1("source.ip", "10.0.0.1")},
		{"http.response.status_code >= 400", Range{Field: "http.response.status_code", Lo: &Bound{Value: "400", Inclusive: true}}},
		{"@timestamp > now-1h and user.name : root", and(Range{Field: "@timestamp", Lo: &Bound{Value: "now-1h"}}, t1("user.name", "root"))},
		{"a or b", or(free("a"), free("b"))},
		{"not a", not(free("a"))},
		{"user.name:root and Not host.name:web-1", and(t1("user.name", "root"), not(t1("host.name", "web-1")))},
		{"android notepad oracle", and(free("android"), free("notepad"), free("oracle"))},
		{`"failed password"`, phrase("", "failed password")},
		{`"say \"hi\" \\ now"`, phrase("", `say "hi" \ now`)},
		{`user.name:root`, t1("user.name", "root")},
		{`user.name: root`, t1("user.name", "root")},
		{`@timestamp:2026-11-20T10:00:00Z`, t1("@timestamp", "2026-11-20T10:00:00Z")},
		{`source.ip:fe80::1`, t1("source.ip", "fe80::1")},
		{`source.ip:10.0.0.0/8`, t1("source.ip", "10.0.0.0/8")},
		{`url.full:https://x.example/a?b=c`, Wildcard{Field: "url.full", Pattern: "https://x.example/a?b=c"}},
		{`url.full:https\://x.example/a\?b=c`, t1("url.full", "https://x.example/a?b=c")},
		{`process.entity_id:{8B0A-11}`, t1("process.entity_id", "{8B0A-11}")},
		{`message:"failed password"`, phrase("message", "failed password")},
		{`process.command_line:"-enc"`, phrase("process.command_line", "-enc")},
		{`host.name:web-*`, Wildcard{Field: "host.name", Pattern: "web-*"}},
		{`host.name:w?b-0*`, Wildcard{Field: "host.name", Pattern: "w?b-0*"}},
		{`host.name:a\*b*`, Wildcard{Field: "host.name", Pattern: `a\*b*`}},
		{`host.name:a\*b`, t1("host.name", "a*b")},
		{`fail*`, Wildcard{Pattern: "fail*"}},
		{`user.name:*`, Exists{Field: "user.name"}},
		{`_exists_:user.name`, Exists{Field: "user.name"}},
		{`*:*`, All{}},
		{`source.port:[1 TO 1023]`, Range{Field: "source.port", Lo: incl("1"), Hi: incl("1023")}},
		{`source.port:{1 TO 1023}`, Range{Field: "source.port", Lo: excl("1"), Hi: excl("1023")}},
		{`source.port:[1 TO 1023}`, Range{Field: "source.port", Lo: incl("1"), Hi: excl("1023")}},
		{`source.port:[* TO 1023]`, Range{Field: "source.port", Hi: incl("1023")}},
		{`source.port:{1024 TO *}`, Range{Field: "source.port", Lo: excl("1024")}},
		{`@timestamp:["2026-11-20 10:00" TO now]`, Range{Field: "@timestamp", Lo: incl("2026-11-20 10:00"), Hi: incl("now")}},
		{`@timestamp:[2026-11-20T10:00:00Z TO 2026-11-21T10:00:00Z]`, Range{Field: "@timestamp", Lo: incl("2026-11-20T10:00:00Z"), Hi: incl("2026-11-21T10:00:00Z")}},
		{`f:["*" TO "TO"]`, Range{Field: "f", Lo: incl("*"), Hi: incl("TO")}},
		{`event.severity:>=73`, Range{Field: "event.severity", Lo: incl("73")}},
		{`event.severity:>73`, Range{Field: "event.severity", Lo: excl("73")}},
		{`event.severity:<21`, Range{Field: "event.severity", Hi: excl("21")}},
		{`event.severity:<= 21`, Range{Field: "event.severity", Hi: incl("21")}},
		{`x:>-5`, Range{Field: "x", Lo: excl("-5")}},
		{`x:-5`, t1("x", "-5")},
		{`user.name:(root OR admin)`, or(t1("user.name", "root"), t1("user.name", "admin"))},
		{`user.name:(root admin*)`, and(t1("user.name", "root"), Wildcard{Field: "user.name", Pattern: "admin*"})},
		{`user.name:(root "a b" host.name:x)`, and(t1("user.name", "root"), phrase("user.name", "a b"), t1("host.name", "x"))},
		{`C\:\\Windows\\System32`, free(`C:\Windows\System32`)},
		{`a\ b`, free("a b")},
		{`\AND`, free("AND")},
		{`\-a`, free("-a")},
		{"été:naïve", t1("été", "naïve")},
		{"a\n\tb", and(free("a"), free("b"))},
		{`source.ip:10.0.0.1 AND NOT (user.name:root OR user.name:admin) event.outcome:failure`,
			and(t1("source.ip", "10.0.0.1"), not(or(t1("user.name", "root"), t1("user.name", "admin"))), t1("event.outcome", "failure"))},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
			roundTrip(t, tc.in)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		msg       string
	}{
		{"(a", 1, 1, "missing ')'"},
		{"message:hello~2", 1, 14, "fuzzy and boost (~, ^) are not supported"},
		{"hello~", 1, 6, "fuzzy and boost"},
		{"user.name:root^2.5", 1, 15, "fuzzy and boost"},
		{"a)", 1, 2, "unbalanced ')'"},
		{"((a) OR b", 1, 1, "missing ')'"},
		{"()", 1, 1, "empty parentheses"},
		{"a AND", 1, 3, "AND needs a condition after it"},
		{"a OR", 1, 3, "OR needs a condition after it"},
		{"AND a", 1, 1, "AND needs a condition before it"},
		{"OR a", 1, 1, "OR needs a condition before it"},
		{"and or not", 1, 1, `AND needs a condition before it; to search for the word, quote it: "and"`},
		{"failed or", 1, 8, `OR needs a condition after it; to search for the word, quote it: "or"`},
		{"a OR OR b", 1, 3, "OR needs a condition after it"},
		{"a && || b", 1, 3, "AND needs a condition after it"},
		{"NOT", 1, 1, "NOT needs a condition after it"},
		{"a NOT", 1, 3, "NOT needs a condition after it"},
		{"-(", 1, 2, "missing ')'"},
		{"-()", 1, 2, "empty parentheses"},
		{`"abc`, 1, 1, "unterminated phrase"},
		{`a "abc`, 1, 3, "unterminated phrase"},
		{`user.name:`, 1, 1, "missing value after"},
		{`(user.name:)`, 1, 2, "missing value after"},
		{`f:[1 TO`, 1, 8, "missing upper bound"},
		{`f:[1 5]`, 1, 6, "expected TO"},
		{`f:[1 TO 5`, 1, 3, "unterminated range"},
		{`f:>`, 1, 3, "missing value after"},
		{`abc\`, 1, 4, "backslash at the end"},
		{`:a`, 1, 1, `unexpected ":"`},
		{`a[0]`, 1, 2, `unexpected "["`},
		{`a:(b:(c))`, 1, 4, "field group cannot be inside another"},
		{`_exists_:"x"`, 1, 10, "_exists_ takes a field name"},
		{`_exists_:-`, 1, 10, "_exists_ takes a field name"},
		{`"a"~2`, 1, 4, "not supported"},
		{"a\nb (", 2, 3, "missing ')'"},
		{"é (", 1, 3, "missing ')'"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			}
			if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("Parse(%q) = %q (line %d col %d), want line %d col %d %q", tc.in, se.Error(), se.Line, se.Column, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	for _, tc := range []struct{ open, close string }{
		{"(", ")"}, {"NOT ", ""}, {"-", ""}, {"!", ""}, {"a:(", ")"},
	} {
		deep := strings.Repeat(tc.open, 10000) + "x" + strings.Repeat(tc.close, 10000)
		_, err := Parse(deep)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "deeper than") && !strings.Contains(se.Msg, "inside another") {
			t.Fatalf("10,000 levels of %q: %v, want a depth error", tc.open, err)
		}
	}
	ok := strings.Repeat("(", MaxDepth) + "x" + strings.Repeat(")", MaxDepth)
	if _, err := Parse(ok); err != nil {
		t.Fatalf("%d levels must parse: %v", MaxDepth, err)
	}
	if _, err := Parse(strings.Repeat("+", 10000) + "x"); err != nil {
		t.Fatalf("many + prefixes: %v", err)
	}
	long := strings.Repeat("a OR ", 20000) + "a"
	n, err := Parse(long)
	if err != nil || len(n.(Or).Nodes) != 20001 {
		t.Fatalf("long OR chain: %v", err)
	}
}

// roundTrip checks parse → String → parse gives the same AST, and that
// String is stable.
func roundTrip(t *testing.T, q string) {
	t.Helper()
	a, err := Parse(q)
	if err != nil {
		return
	}
	s := a.String()
	b, err := Parse(s)
	if err != nil {
		t.Fatalf("String() of %q is %q, which does not parse: %v", q, s, err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip of %q via %q:\n got %#v\nwant %#v", q, s, b, a)
	}
	if s2 := b.String(); s2 != s {
		t.Fatalf("String() unstable: %q then %q", s, s2)
	}
}

func TestStringOfBuiltNodes(t *testing.T) {
	for _, n := range []Node{
		free("AND"), free("a b"), free("-x"), free("&&x"), free("(x)"), free("x*"), free(`back\slash`),
		t1("f", ">5"), t1("f", "(x"), t1("f", "[x"), t1("f", `"x`), t1("f", "*"),
		Wildcard{Field: "f", Pattern: `a b*`}, Wildcard{Pattern: `-a*`},
		phrase("f", `a "b" \c`),
		Range{Field: "f", Lo: incl("a b"), Hi: excl("")},
		Range{Field: "f", Lo: incl("*")},
		not(and(free("a"), or(free("b"), free("c")))),
		and(and(free("a"), free("b")), free("c")),
		or(or(free("a"), free("b")), and(free("c"), free("d"))),
	} {
		s := n.String()
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("%#v prints as %q, which does not parse: %v", n, s, err)
		}
		if !reflect.DeepEqual(got, n) {
			t.Fatalf("%#v prints as %q, which parses to %#v", n, s, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a", "a b", `"a b"`, "a:b", "a:(b OR c)", "a:[1 TO 2}", "a:>=1", "NOT a", "-a", "!a",
		"a AND b OR c", `C\:\\x`, "a:*", "_exists_:a", "fail*", "(a (b (c)))", `f:"x\"y"`,
		"source.ip:10.0.0.0/8", "url.full:https://x/y?z", "é:ü", "a && b || !c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		roundTrip(t, q)
	})
}

func BenchmarkParse(b *testing.B) {
	q := `source.ip:10.0.0.0/8 AND NOT (user.name:root OR user.name:admin*) event.severity:>=47 "failed password" @timestamp:[2026-11-20 TO 2026-11-21}`
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}

// A ~ or ^ inside a word, or escaped, is a character like any other.
func TestParseTildeAndCaretAsText(t *testing.T) {
	for _, q := range []string{"a~b", `hello\~2`, `process.executable:C\:\\PROGRA\~1\\x.exe`, "x^y", `"hello~2"`} {
		if _, err := Parse(q); err != nil {
			t.Errorf("Parse(%q): %v", q, err)
		}
	}
}
