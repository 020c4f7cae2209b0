package sigma

import (
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// FuzzParse feeds arbitrary documents to the parser, compiler and
// matcher: none may panic, and a rule that parses must compile or fail
// with an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(procRule))
	f.Add([]byte(collection))
	f.Add([]byte("title: t\nlogsource: {}\ndetection:\n    k:\n        - 'a*b?c'\n    s:\n        F|re|i: '^x+'\n        G|cidr: 10.0.0.0/8\n        H|base64offset|contains: abc\n    condition: 1 of them and not (k or s)\n"))
	f.Add([]byte("title: t\nlogsource: {}\ndetection:\n    s:\n        F|windash|contains|all: ['-a', '/b']\n        G|fieldref|startswith: H\n        T|hour|gte: 3\n        N: null\n        E|exists: false\n    condition: all of s*\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("title: t\nlogsource: {}\ndetection:\n    s: &a\n        F: x\n    t: *a\n    condition: s or t\n"))
	ev := &event.Event{Raw: "a b c", Fields: event.Fields{"F": "x", "G": "10.1.1.1", "H": "abc", "T": "2024-01-01T03:00:00Z", "N": int64(3)}}
	f.Fuzz(func(t *testing.T, src []byte) {
		docs, _ := ParseDocuments(src, "fuzz.yml")
		rs := NewRuleset(Config{WildcardPlaceholders: true})
		for _, d := range docs {
			if d.Rule != nil {
				_ = rs.Add(d.Rule)
			}
		}
		rs.Match(ev, nil)
	})
}

// FuzzCondition checks that conditions parse without panicking and that
// printing a parsed condition gives text that parses to the same thing.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "selection and not filter", "1 of selection_* and not 1 of filter_*",
		"all of them", "(a or b) and not (c or d)", "a or b and c", "not not a", "2 of x*",
		"a and (b", ")", "", "all of", "1 of them or sel | count() > 4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseCondition(s)
		if err != nil {
			return
		}
		printed := e.String()
		e2, err := ParseCondition(printed)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, printed, err)
		}
		if e2.String() != printed {
			t.Fatalf("%q printed as %q, reparsed as %q", s, printed, e2.String())
		}
	})
}
