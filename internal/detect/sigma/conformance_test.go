package sigma

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// ruleFrom makes a rule for every event from a detection section.
func ruleFrom(t testing.TB, detection string) *Rule {
	t.Helper()
	src := "title: conformance\nid: conformance\nlogsource: {}\ndetection:\n" + indent(detection)
	r, err := Parse([]byte(src), "conformance.yml")
	if err != nil {
		t.Fatalf("parse %q: %v", detection, err)
	}
	return r
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func matches(t testing.TB, rs *Ruleset, fields map[string]any, raw string) bool {
	t.Helper()
	ev := &event.Event{Fields: event.Fields(fields), Raw: raw}
	return len(rs.Match(ev, nil)) > 0
}

type ev struct {
	f    map[string]any
	raw  string
	want bool
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func wide(s string) string { return utf16Encode(s, false) }

// TestConformance checks every modifier and construct of the Sigma
// specification (rules specification v2.1, modifiers appendix) against
// events that must and must not match. Each case names the part of the
// specification it checks.
func TestConformance(t *testing.T) {
	cfg := Config{Placeholders: map[string][]string{"Admins": {"root", "adm_*"}}}
	cases := []struct {
		name string
		det  string
		evs  []ev
	}{
		// General: values are case-insensitive strings.
		{"case-insensitive by default", "sel:\n    F: 'Evil.EXE'\ncondition: sel", []ev{
			{f: map[string]any{"F": "evil.exe"}, want: true},
			{f: map[string]any{"F": "EVIL.EXE"}, want: true},
			{f: map[string]any{"F": "evil.exe2"}},
			{f: map[string]any{"G": "evil.exe"}},
		}},
		{"cased", "sel:\n    F|cased: 'Evil'\ncondition: sel", []ev{
			{f: map[string]any{"F": "Evil"}, want: true},
			{f: map[string]any{"F": "evil"}},
		}},
		{"non-ASCII folds too", "sel:\n    F|contains: 'ÜBER'\ncondition: sel", []ev{
			{f: map[string]any{"F": "xx über yy"}, want: true},
		}},
		// String wildcards.
		{"star", "sel:\n    F: 'a*c'\ncondition: sel", []ev{
			{f: map[string]any{"F": "abbbc"}, want: true},
			{f: map[string]any{"F": "ac"}, want: true},
			{f: map[string]any{"F": "abd"}},
		}},
		{"question mark is one character", "sel:\n    F: 'a?c'\ncondition: sel", []ev{
			{f: map[string]any{"F": "abc"}, want: true},
			{f: map[string]any{"F": "aéc"}, want: true},
			{f: map[string]any{"F": "ac"}},
			{f: map[string]any{"F": "abbc"}},
		}},
		{"several wildcards", "sel:\n    F: '*a?c*e'\ncondition: sel", []ev{
			{f: map[string]any{"F": "xxabcxxe"}, want: true},
			{f: map[string]any{"F": "xxaxxcxxe"}},
		}},
		// Escape character.
		{"escaped star is a star", `sel:
    F: 'a\*c'
condition: sel`, []ev{
			{f: map[string]any{"F": "a*c"}, want: true},
			{f: map[string]any{"F": "abc"}},
		}},
		{"escaped question mark", `sel:
    F: 'a\?c'
condition: sel`, []ev{
			{f: map[string]any{"F": "a?c"}, want: true},
			{f: map[string]any{"F": "abc"}},
		}},
		{"plain backslash needs no escape", `sel:
    F: 'C:\Windows\System32\cmd.exe'
condition: sel`, []ev{
			{f: map[string]any{"F": `c:\windows\system32\cmd.exe`}, want: true},
		}},
		{"escaped backslash before a wildcard", `sel:
    F: 'C:\Windows\\*'
condition: sel`, []ev{
			{f: map[string]any{"F": `C:\Windows\System32`}, want: true},
			{f: map[string]any{"F": `C:\Windows*`}},
		}},
		{"backslash-star is a literal star", `sel:
    F: 'C:\Windows\*'
condition: sel`, []ev{
			{f: map[string]any{"F": `C:\Windows*`}, want: true},
			{f: map[string]any{"F": `C:\Windows\System32`}},
		}},
		{"three backslashes: backslash and literal star", `sel:
    F: 'a\\\*'
condition: sel`, []ev{
			{f: map[string]any{"F": `a\*`}, want: true},
			{f: map[string]any{"F": `a\bc`}},
		}},
		{"four backslashes are two", `sel:
    F: '\\\\server'
condition: sel`, []ev{
			{f: map[string]any{"F": `\\server`}, want: true},
			{f: map[string]any{"F": `\server`}},
		}},
		// Lists and maps.
		{"list is OR", "sel:\n    F:\n        - a\n        - b\ncondition: sel", []ev{
			{f: map[string]any{"F": "b"}, want: true},
			{f: map[string]any{"F": "c"}},
		}},
		{"map is AND", "sel:\n    F: a\n    G: b\ncondition: sel", []ev{
			{f: map[string]any{"F": "a", "G": "b"}, want: true},
			{f: map[string]any{"F": "a", "G": "c"}},
		}},
		{"list of maps is OR of ANDs", "sel:\n    - F: a\n      G: b\n    - H: c\ncondition: sel", []ev{
			{f: map[string]any{"F": "a", "G": "b"}, want: true},
			{f: map[string]any{"H": "c"}, want: true},
			{f: map[string]any{"F": "a"}},
		}},
		{"multi-valued field matches any element", "sel:\n    F: b\ncondition: sel", []ev{
			{f: map[string]any{"F": []string{"a", "B"}}, want: true},
			{f: map[string]any{"F": []string{"a", "c"}}},
		}},
		// Generic modifiers.
		{"contains", "sel:\n    F|contains: mid\ncondition: sel", []ev{
			{f: map[string]any{"F": "aMIDb"}, want: true},
			{f: map[string]any{"F": "amib"}},
		}},
		{"startswith", "sel:\n    F|startswith: pre\ncondition: sel", []ev{
			{f: map[string]any{"F": "PREfix"}, want: true},
			{f: map[string]any{"F": "xpre"}},
		}},
		{"endswith", "sel:\n    F|endswith: '\\x.exe'\ncondition: sel", []ev{
			{f: map[string]any{"F": `C:\x.EXE`}, want: true},
			{f: map[string]any{"F": `C:\yx.exe`}},
		}},
		{"all", "sel:\n    F|contains|all:\n        - a1\n        - b2\ncondition: sel", []ev{
			{f: map[string]any{"F": "xa1xb2x"}, want: true},
			{f: map[string]any{"F": "xa1x"}},
		}},
		{"exists true", "sel:\n    F|exists: true\ncondition: sel", []ev{
			{f: map[string]any{"F": "x"}, want: true},
			{f: map[string]any{"G": "x"}},
		}},
		{"exists false", "sel:\n    F|exists: false\ncondition: sel", []ev{
			{f: map[string]any{"G": "x"}, want: true},
			{f: map[string]any{"F": "x"}},
		}},
		{"neq", "sel:\n    F|neq:\n        - a\n        - b\ncondition: sel", []ev{
			{f: map[string]any{"F": "c"}, want: true},
			{f: map[string]any{"F": "A"}},
			{f: map[string]any{"F": "b"}},
		}},
		// Special values.
		{"null is absent", "sel:\n    F: null\ncondition: sel", []ev{
			{f: map[string]any{"G": "x"}, want: true},
			{f: map[string]any{"F": "x"}},
		}},
		{"empty string", "sel:\n    F: ''\ncondition: sel", []ev{
			{f: map[string]any{"F": ""}, want: true},
			{f: map[string]any{"G": "x"}, want: true},
			{f: map[string]any{"F": "x"}},
		}},
		{"number matches number or text", "sel:\n    EventID: 4688\ncondition: sel", []ev{
			{f: map[string]any{"EventID": int64(4688)}, want: true},
			{f: map[string]any{"EventID": "4688"}, want: true},
			{f: map[string]any{"EventID": float64(4688)}, want: true},
			{f: map[string]any{"EventID": int64(46880)}},
		}},
		{"quoted number matches a number", "sel:\n    EventID: '4688'\ncondition: sel", []ev{
			{f: map[string]any{"EventID": int64(4688)}, want: true},
		}},
		{"boolean", "sel:\n    F: true\ncondition: sel", []ev{
			{f: map[string]any{"F": true}, want: true},
			{f: map[string]any{"F": "True"}, want: true},
			{f: map[string]any{"F": false}},
		}},
		// String modifiers.
		{"windash", "sel:\n    F|windash|contains: ' -enc '\ncondition: sel", []ev{
			{f: map[string]any{"F": "ps -enc abc"}, want: true},
			{f: map[string]any{"F": "ps /enc abc"}, want: true},
			{f: map[string]any{"F": "ps \u2013enc abc"}, want: true},
			{f: map[string]any{"F": "ps \u2014enc abc"}, want: true},
			{f: map[string]any{"F": "ps \u2015enc abc"}, want: true},
			{f: map[string]any{"F": "ps +enc abc"}},
		}},
		{"windash leaves dashes inside words", "sel:\n    F|windash: 'a-b'\ncondition: sel", []ev{
			{f: map[string]any{"F": "a-b"}, want: true},
			{f: map[string]any{"F": "a/b"}},
		}},
		{"windash with all keeps each value's forms together", "sel:\n    F|windash|contains|all:\n        - ' -a'\n        - ' -b'\ncondition: sel", []ev{
			{f: map[string]any{"F": "x /a /b"}, want: true},
			{f: map[string]any{"F": "x -a"}},
		}},
		{"re is case-sensitive", "sel:\n    F|re: 'ab+c'\ncondition: sel", []ev{
			{f: map[string]any{"F": "xabbcx"}, want: true},
			{f: map[string]any{"F": "ABBC"}},
		}},
		{"re|i", "sel:\n    F|re|i: '^ab+c$'\ncondition: sel", []ev{
			{f: map[string]any{"F": "ABBC"}, want: true},
		}},
		{"re|m", "sel:\n    F|re|m: '^b$'\ncondition: sel", []ev{
			{f: map[string]any{"F": "a\nb\nc"}, want: true},
		}},
		{"re without m", "sel:\n    F|re: '^b$'\ncondition: sel", []ev{
			{f: map[string]any{"F": "a\nb\nc"}},
		}},
		{"re|s", "sel:\n    F|re|s: 'a.c'\ncondition: sel", []ev{
			{f: map[string]any{"F": "a\nc"}, want: true},
		}},
		{"re long line", "sel:\n    F|re: '.{10,}'\ncondition: sel", []ev{
			{f: map[string]any{"F": "0123456789"}, want: true},
			{f: map[string]any{"F": "01234\n56789"}},
		}},
		{"base64", "sel:\n    F|base64: 'abc'\ncondition: sel", []ev{
			{f: map[string]any{"F": "YWJj"}, want: true},
			{f: map[string]any{"F": "abc"}},
		}},
		{"base64offset|contains at each offset", "sel:\n    F|base64offset|contains: 'foo'\ncondition: sel", []ev{
			{f: map[string]any{"F": b64("foo bar")}, want: true},
			{f: map[string]any{"F": b64("xfoo bar")}, want: true},
			{f: map[string]any{"F": b64("xyfoo bar")}, want: true},
			{f: map[string]any{"F": b64("fo bar")}},
		}},
		{"wide|base64offset|contains", "sel:\n    F|wide|base64offset|contains: 'cmd'\ncondition: sel", []ev{
			{f: map[string]any{"F": b64(wide("run cmd /c"))}, want: true},
			{f: map[string]any{"F": b64(wide("x run cmd /c"))}, want: true},
			{f: map[string]any{"F": b64("run cmd /c")}},
		}},
		{"utf16le", "sel:\n    F|utf16le|contains: 'ab'\ncondition: sel", []ev{
			{f: map[string]any{"F": "x" + wide("ab")}, want: true},
		}},
		{"utf16be", "sel:\n    F|utf16be: 'ab'\ncondition: sel", []ev{
			{f: map[string]any{"F": "\x00a\x00b"}, want: true},
		}},
		{"utf16 has a byte order mark", "sel:\n    F|utf16|base64: 'ab'\ncondition: sel", []ev{
			{f: map[string]any{"F": b64("\xff\xfe" + wide("ab"))}, want: true},
		}},
		// Numeric modifiers.
		{"gt", "sel:\n    F|gt: 5\ncondition: sel", []ev{
			{f: map[string]any{"F": int64(6)}, want: true},
			{f: map[string]any{"F": "6.5"}, want: true},
			{f: map[string]any{"F": int64(5)}},
			{f: map[string]any{"F": "x"}},
		}},
		{"gte", "sel:\n    F|gte: 5\ncondition: sel", []ev{{f: map[string]any{"F": int64(5)}, want: true}}},
		{"lt", "sel:\n    F|lt: 5\ncondition: sel", []ev{
			{f: map[string]any{"F": float64(4.9)}, want: true},
			{f: map[string]any{"F": int64(5)}},
		}},
		{"lte", "sel:\n    F|lte: 5\ncondition: sel", []ev{{f: map[string]any{"F": "5"}, want: true}}},
		// Time modifiers.
		{"hour", "sel:\n    T|hour: 3\ncondition: sel", []ev{
			{f: map[string]any{"T": "2024-01-02T03:04:05Z"}, want: true},
			{f: map[string]any{"T": "2024-01-02 04:04:05.123"}},
		}},
		{"minute day month year week", "sel:\n    T|minute: 4\n    T|day: 2\n    T|month: 1\n    T|year: 2024\n    T|week: 1\ncondition: sel", []ev{
			{f: map[string]any{"T": "2024-01-02T03:04:05Z"}, want: true},
		}},
		// IP modifiers.
		{"cidr v4", "sel:\n    F|cidr: 10.0.0.0/8\ncondition: sel", []ev{
			{f: map[string]any{"F": "10.1.2.3"}, want: true},
			{f: map[string]any{"F": "11.0.0.1"}},
			{f: map[string]any{"F": "not an ip"}},
		}},
		{"cidr v6", "sel:\n    F|cidr: 'fe80::/10'\ncondition: sel", []ev{
			{f: map[string]any{"F": "fe80::1"}, want: true},
			{f: map[string]any{"F": "::1"}},
		}},
		// Specific modifiers.
		{"expand", "sel:\n    F|expand: '%Admins%'\ncondition: sel", []ev{
			{f: map[string]any{"F": "root"}, want: true},
			{f: map[string]any{"F": "adm_bob"}, want: true},
			{f: map[string]any{"F": "bob"}},
		}},
		{"expand with escaped percent", "sel:\n    F|expand: '\\%x%Admins%'\ncondition: sel", []ev{
			{f: map[string]any{"F": "%xroot"}, want: true},
		}},
		{"fieldref", "sel:\n    A|fieldref: B\ncondition: sel", []ev{
			{f: map[string]any{"A": "Same", "B": "same"}, want: true},
			{f: map[string]any{"A": "one", "B": "two"}},
			{f: map[string]any{"A": "one"}},
		}},
		{"fieldref|startswith", "sel:\n    A|fieldref|startswith: B\ncondition: sel", []ev{
			{f: map[string]any{"A": "foobar", "B": "foo"}, want: true},
			{f: map[string]any{"A": "barfoo", "B": "foo"}},
		}},
		{"fieldref|endswith", "sel:\n    A|fieldref|endswith: B\ncondition: sel", []ev{
			{f: map[string]any{"A": "barfoo", "B": "foo"}, want: true},
		}},
		{"fieldref|contains", "sel:\n    A|fieldref|contains: B\ncondition: sel", []ev{
			{f: map[string]any{"A": "xfoox", "B": "foo"}, want: true},
		}},
		{"fieldref|neq", "sel:\n    A|fieldref|neq: B\ncondition: sel", []ev{
			{f: map[string]any{"A": "one", "B": "two"}, want: true},
			{f: map[string]any{"A": "one", "B": "ONE"}},
		}},
		// Keywords.
		{"keywords search the raw event", "keywords:\n    - 'event::clear'\n    - 'mimikatz'\ncondition: keywords", []ev{
			{raw: "x MIMIKATZ y", want: true},
			{raw: "nothing here"},
		}},
		{"keywords in escaped JSON raw text", "keywords:\n    - '\\mimilib.dll'\ncondition: keywords", []ev{
			{raw: `{"ImageLoaded":"C:\\Windows\\mimilib.dll"}`, want: true},
		}},
		{"keywords without raw text search the fields", "keywords:\n    - 'needle'\ncondition: keywords", []ev{
			{f: map[string]any{"a": "x needle y"}, want: true},
			{f: map[string]any{"a": "x"}},
		}},
		{"keywords with all", "keywords:\n    '|all':\n        - 'Oab'\n        - ' -ExternalUrl '\ncondition: keywords", []ev{
			{raw: "Set-OabVirtualDirectory -ExternalUrl http://x", want: true},
			{raw: "Set-OabVirtualDirectory"},
		}},
		{"keyword wildcards", "keywords:\n    - 'a*z'\ncondition: keywords", []ev{
			{raw: "xx aBCz yy", want: true},
			{raw: "xx a yy"},
		}},
		// Conditions.
		{"1 of pattern", "sel_a:\n    F: a\nsel_b:\n    F: b\ncondition: 1 of sel_*", []ev{
			{f: map[string]any{"F": "b"}, want: true},
			{f: map[string]any{"F": "c"}},
		}},
		{"all of pattern", "sel_a:\n    F|contains: a\nsel_b:\n    F|contains: b\ncondition: all of sel_*", []ev{
			{f: map[string]any{"F": "ab"}, want: true},
			{f: map[string]any{"F": "a"}},
		}},
		{"1 of them skips underscore names", "_hidden:\n    F: a\nsel:\n    F: b\ncondition: 1 of them", []ev{
			{f: map[string]any{"F": "b"}, want: true},
			{f: map[string]any{"F": "a"}},
		}},
		{"all of them", "a:\n    F|contains: a\nb:\n    F|contains: b\ncondition: all of them", []ev{
			{f: map[string]any{"F": "ab"}, want: true},
			{f: map[string]any{"F": "b"}},
		}},
		{"precedence: not > and > or", "a:\n    F: a\nb:\n    G: b\nc:\n    H: c\ncondition: a or b and not c", []ev{
			{f: map[string]any{"F": "a", "H": "c"}, want: true},
			{f: map[string]any{"G": "b", "H": "c"}},
			{f: map[string]any{"G": "b"}, want: true},
		}},
		{"parentheses", "a:\n    F: a\nb:\n    G: b\nc:\n    H: c\ncondition: (a or b) and not c", []ev{
			{f: map[string]any{"F": "a", "H": "c"}},
			{f: map[string]any{"F": "a"}, want: true},
		}},
		{"condition list is OR", "a:\n    F: a\nb:\n    F: b\ncondition:\n    - a\n    - b", []ev{
			{f: map[string]any{"F": "b"}, want: true},
		}},
		{"selection and not filter", "sel:\n    F|endswith: '.exe'\nfilter:\n    F|startswith: 'C:\\Program Files\\'\ncondition: sel and not filter", []ev{
			{f: map[string]any{"F": `C:\Temp\x.exe`}, want: true},
			{f: map[string]any{"F": `C:\Program Files\x.exe`}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := NewRuleset(cfg)
			if err := rs.Add(ruleFrom(t, tc.det)); err != nil {
				t.Fatal(err)
			}
			for i, e := range tc.evs {
				if got := matches(t, rs, e.f, e.raw); got != e.want {
					t.Errorf("event %d %v raw %q: match %v, want %v", i, e.f, e.raw, got, e.want)
				}
			}
		})
	}
}

// TestParseErrors checks that bad rules are refused with the position of
// the problem.
func TestParseErrors(t *testing.T) {
	head := "title: t\nlogsource:\n    product: windows\ndetection:\n"
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"malformed YAML", "title: [t\n", 0, 0, "invalid YAML"},
		{"unknown modifier", head + "    sel:\n        Image|endswitch: x\n    condition: sel\n", 6, 15, `unknown modifier "endswitch"`},
		{"unknown modifier, a close one suggested", head + "    sel:\n        Image|contain: x\n    condition: sel\n", 6, 15, `unknown modifier "contain"; did you mean "contains"?`},
		{"unknown modifier, nothing close", head + "    sel:\n        Image|frobnicate: x\n    condition: sel\n", 6, 15, `unknown modifier "frobnicate"`},
		{"missing selection", head + "    sel:\n        F: x\n    condition: sel and not filter\n", 7, 28, `unknown search identifier "filter"`},
		{"pattern matching nothing", head + "    sel:\n        F: x\n    condition: 1 of filter_*\n", 7, 16, "matches no search identifier"},
		{"invalid regex", head + "    sel:\n        F|re: '(?<=x)y'\n    condition: sel\n", 6, 15, "invalid regular expression"},
		{"duplicate key", head + "    sel:\n        F: x\n        F: y\n    condition: sel\n", 7, 9, `duplicate key "F"`},
		{"duplicate search", head + "    sel:\n        F: x\n    sel:\n        F: y\n    condition: sel\n", 7, 5, `duplicate key "sel"`},
		{"detection not a map", head + "    - x\n", 5, 5, "detection must be a mapping"},
		{"value map", head + "    sel:\n        F:\n            a: b\n    condition: sel\n", 7, 13, "value must be a scalar or a list"},
		{"no condition", head + "    sel:\n        F: x\n", 5, 5, "no condition"},
		{"bad condition", head + "    sel:\n        F: x\n    condition: sel and (\n", 7, 25, "unexpected end"},
		{"aggregation", head + "    sel:\n        F: x\n    condition: sel | count() > 5\n", 7, 20, "aggregation"},
		{"re after contains", head + "    sel:\n        F|contains|re: x\n    condition: sel\n", 6, 24, "re must come before"},
		{"exists needs a boolean", head + "    sel:\n        F|exists: yes\n    condition: sel\n", 6, 19, "boolean"},
		{"gt needs a number", head + "    sel:\n        F|gt: ten\n    condition: sel\n", 6, 15, "needs a number"},
		{"bad cidr", head + "    sel:\n        F|cidr: 10.0.0.0/33\n    condition: sel\n", 6, 17, "invalid CIDR"},
		{"base64 of a wildcard", head + "    sel:\n        F|base64: 'a*'\n    condition: sel\n", 6, 19, "wildcards"},
		{"i without re", head + "    sel:\n        F|i: x\n    condition: sel\n", 6, 14, "flag of the re modifier"},
		{"no title", "logsource: {}\ndetection:\n    sel:\n        F: x\n    condition: sel\n", 1, 1, "no title"},
		{"bad level", "title: t\nlevel: urgent\nlogsource: {}\ndetection:\n    sel:\n        F: x\n    condition: sel\n", 2, 8, "unknown level"},
		{"tags not a list", "title: t\ntags: {a: b}\nlogsource: {}\ndetection:\n    sel:\n        F: x\n    condition: sel\n", 2, 7, "tags must be a list"},
		{"empty search", head + "    sel:\n    condition: sel\n", 5, 9, "is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "r.yml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if !strings.Contains(e.Msg, tc.msg) || e.File != "r.yml" || (tc.line != 0 && (e.Line != tc.line || e.Column != tc.col)) {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", e.Error(), e.Line, e.Column, tc.msg, tc.line, tc.col)
			}
		})
	}
}
