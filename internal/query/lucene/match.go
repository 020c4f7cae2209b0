package lucene

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Matcher evaluates a query against one event in memory, for live
// subscriptions: the same syntax as the store's search, with the same
// meaning for every common case (case-insensitive values, word matching on
// text, CIDR blocks, numeric and time ranges).
type Matcher struct {
	root     Node
	patterns map[string]*regexp.Regexp
}

// NewMatcher parses q and prepares it for Match.
func NewMatcher(q string) (*Matcher, error) {
	n, err := Parse(q)
	if err != nil {
		return nil, err
	}
	n = WithAliases(n)
	m := &Matcher{root: n, patterns: map[string]*regexp.Regexp{}}
	m.compilePatterns(n)
	return m, nil
}

func (m *Matcher) compilePatterns(n Node) {
	switch n := n.(type) {
	case And:
		for _, c := range n.Nodes {
			m.compilePatterns(c)
		}
	case Or:
		for _, c := range n.Nodes {
			m.compilePatterns(c)
		}
	case Not:
		m.compilePatterns(n.Node)
	case Wildcard:
		m.patterns[n.Pattern] = matchPattern(n.Pattern)
	}
}

// matchPattern turns * and ? (with backslash escapes) into an anchored,
// case-insensitive regular expression.
func matchPattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			escaped = false
			b.WriteString(regexp.QuoteMeta(string(r)))
		case r == '\\':
			escaped = true
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Match reports whether the event satisfies the query.
func (m *Matcher) Match(ev event.Event) bool { return m.match(m.root, ev) }

func (m *Matcher) match(n Node, ev event.Event) bool {
	switch n := n.(type) {
	case All, nil:
		return true
	case And:
		for _, c := range n.Nodes {
			if !m.match(c, ev) {
				return false
			}
		}
		return true
	case Or:
		for _, c := range n.Nodes {
			if m.match(c, ev) {
				return true
			}
		}
		return false
	case Not:
		return !m.match(n.Node, ev)
	case Term:
		if n.Field == "" {
			return textMatch(ev.Fields.Str("message"), n.Value, false) || textMatch(ev.Raw, n.Value, false)
		}
		return anyValue(ev, n.Field, func(v string) bool { return valueMatch(n.Field, v, n.Value, false) })
	case Phrase:
		if n.Field == "" {
			return textMatch(ev.Fields.Str("message"), n.Value, true) || textMatch(ev.Raw, n.Value, true)
		}
		return anyValue(ev, n.Field, func(v string) bool { return valueMatch(n.Field, v, n.Value, true) })
	case Wildcard:
		re := m.patterns[n.Pattern]
		if n.Field == "" {
			return re.MatchString(ev.Fields.Str("message"))
		}
		return anyValue(ev, n.Field, re.MatchString)
	case Range:
		return anyValue(ev, n.Field, func(v string) bool { return inRange(v, n.Lo, n.Hi) })
	case Exists:
		return anyValue(ev, n.Field, func(string) bool { return true })
	}
	return false
}

// anyValue applies fn to each value of the field (lists value by value).
func anyValue(ev event.Event, field string, fn func(string) bool) bool {
	switch field {
	case "@timestamp":
		return fn(ev.Timestamp.UTC().Format(time.RFC3339Nano))
	case "raw", "event.original":
		return ev.Raw != "" && fn(ev.Raw)
	case "_id", "id":
		return fn(ev.ID)
	}
	switch v := ev.Fields[field].(type) {
	case nil:
		return false
	case []string:
		return slices.ContainsFunc(v, fn)
	default:
		return fn(ev.Fields.Str(field))
	}
}

// textFields are matched word by word, like the store's full-text columns.
var textFields = map[string]bool{"message": true, "raw": true, "event.original": true, "error.message": true, "process.command_line": false}

func valueMatch(field, have, want string, phrase bool) bool {
	if textFields[field] {
		return textMatch(have, want, phrase)
	}
	if strings.EqualFold(have, want) {
		return true
	}
	if col, ok := event.ColumnOf(field); ok && col.Type == event.TypeIP && strings.Contains(want, "/") {
		p, err1 := netip.ParsePrefix(want)
		a, err2 := netip.ParseAddr(have)
		return err1 == nil && err2 == nil && p.Masked().Contains(a.Unmap())
	}
	hf, err1 := strconv.ParseFloat(have, 64)
	wf, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && hf == wf
}

// textMatch: a phrase is a case-insensitive substring; a term needs each
// of its words among the text's words.
func textMatch(text, want string, phrase bool) bool {
	if text == "" {
		return false
	}
	lt := strings.ToLower(text)
	if phrase {
		return strings.Contains(lt, strings.ToLower(want))
	}
	words := Words(want)
	if len(words) == 0 {
		return strings.Contains(lt, strings.ToLower(want))
	}
	have := Words(text)
	if len(words) <= 4 {
		for _, w := range words {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return true
	}
	// Many words (a query may have a thousand, a message a hundred
	// thousand): a set, not a scan per word.
	set := make(map[string]struct{}, len(have))
	for _, w := range have {
		set[w] = struct{}{}
	}
	for _, w := range words {
		if _, ok := set[w]; !ok {
			return false
		}
	}
	return true
}

// inRange compares numerically when both sides are numbers, as times when
// both are RFC 3339, and as strings otherwise.
func inRange(v string, lo, hi *Bound) bool {
	cmp := func(b *Bound) (int, bool) {
		if vf, err := strconv.ParseFloat(v, 64); err == nil {
			if bf, err := strconv.ParseFloat(b.Value, 64); err == nil {
				switch {
				case vf < bf:
					return -1, true
				case vf > bf:
					return 1, true
				}
				return 0, true
			}
		}
		if vt, err := time.Parse(time.RFC3339Nano, v); err == nil {
			// A relative bound (now-5m) moves with the clock: a live
			// filter keeps its window.
			if bt, ok, err := dateMath(b.Value, timeNow()); ok && err == nil {
				return vt.Compare(bt), true
			}
			if bt, err := time.Parse(time.RFC3339Nano, b.Value); err == nil {
				return vt.Compare(bt), true
			}
		}
		return strings.Compare(strings.ToLower(v), strings.ToLower(b.Value)), true
	}
	if lo != nil && lo.Value != "*" {
		c, ok := cmp(lo)
		if !ok || c < 0 || (c == 0 && !lo.Inclusive) {
			return false
		}
	}
	if hi != nil && hi.Value != "*" {
		c, ok := cmp(hi)
		if !ok || c > 0 || (c == 0 && !hi.Inclusive) {
			return false
		}
	}
	return true
}
