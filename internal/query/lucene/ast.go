package lucene

import (
	"strings"
)

// Node is a parsed query. Every node prints back (String) to text that
// parses to an equal node.
type Node interface {
	String() string
	node()
}

// All matches every event: the empty query, "*" and "*:*".
type All struct{}

// And matches when every one of Nodes does (explicit AND, && or
// juxtaposition).
type And struct{ Nodes []Node }

// Or matches when any of Nodes does.
type Or struct{ Nodes []Node }

// Not matches when Node does not (NOT, ! or a leading -).
type Not struct{ Node Node }

// Term is a single value: field:value, or free text when Field is "".
// Value is unescaped.
type Term struct {
	Field string
	Value string
}

// Phrase is a quoted value: field:"a phrase", or free text when Field is
// "". Value is unescaped.
type Phrase struct {
	Field string
	Value string
}

// Wildcard is a value with * (any run of characters) or ? (one
// character). In Pattern a backslash escapes a literal *, ? or \; every
// other character stands for itself.
type Wildcard struct {
	Field   string
	Pattern string
}

// Range is field:[lo TO hi], {lo TO hi} (exclusive), or a comparison
// field:>=n, >n, <n, <=n. A nil bound is open (*).
type Range struct {
	Field  string
	Lo, Hi *Bound
}

// Bound is one end of a Range.
type Bound struct {
	Value     string
	Inclusive bool
}

// Exists matches events that have the field: field:* or _exists_:field.
type Exists struct{ Field string }

func (All) node()      {}
func (And) node()      {}
func (Or) node()       {}
func (Not) node()      {}
func (Term) node()     {}
func (Phrase) node()   {}
func (Wildcard) node() {}
func (Range) node()    {}
func (Exists) node()   {}

func (All) String() string { return "*" }

func (n And) String() string { return join(n.Nodes, " AND ") }

func (n Or) String() string { return join(n.Nodes, " OR ") }

func (n Not) String() string { return "NOT " + group(n.Node) }

func (n Term) String() string { return prefix(n.Field) + escapeValue(n.Value, n.Field != "", false) }

func (n Phrase) String() string { return prefix(n.Field) + quote(n.Value) }

func (n Wildcard) String() string {
	return prefix(n.Field) + escapeValue(n.Pattern, n.Field != "", true)
}

func (n Range) String() string {
	var b strings.Builder
	b.WriteString(prefix(n.Field))
	if n.Lo == nil || n.Lo.Inclusive {
		b.WriteByte('[')
	} else {
		b.WriteByte('{')
	}
	b.WriteString(bound(n.Lo))
	b.WriteString(" TO ")
	b.WriteString(bound(n.Hi))
	if n.Hi == nil || n.Hi.Inclusive {
		b.WriteByte(']')
	} else {
		b.WriteByte('}')
	}
	return b.String()
}

func (n Exists) String() string { return n.Field + ":*" }

func prefix(field string) string {
	if field == "" {
		return ""
	}
	return field + ":"
}

// group parenthesises compound nodes so that they print unambiguously.
func group(n Node) string {
	switch n.(type) {
	case And, Or:
		return "(" + n.String() + ")"
	}
	return n.String()
}

func join(nodes []Node, op string) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = group(n)
	}
	return strings.Join(parts, op)
}

func bound(b *Bound) string {
	if b == nil {
		return "*"
	}
	if b.Value == "" || b.Value == "TO" || strings.ContainsFunc(b.Value, func(r rune) bool {
		return isSpace(r) || strings.ContainsRune(`"\[]{}*`, r)
	}) {
		return quote(b.Value)
	}
	return b.Value
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// special are the characters that end or change a bare word.
const special = `\():"[]{}*?`

// escapeValue backslash-escapes what would otherwise parse differently.
// In a wildcard pattern, *, ? and existing escapes are kept as they are.
func escapeValue(s string, afterField, wildcard bool) string {
	if s == "" {
		return `""`
	}
	var b strings.Builder
	escaped := false
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case wildcard && r == '\\':
			escaped = true
		case wildcard && (r == '*' || r == '?'):
		case isSpace(r) || strings.ContainsRune(special, r) || r == '~' || r == '^':
			// ~ and ^ would read as fuzzy or boost suffixes.
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune(`-+!<>`, r):
			b.WriteByte('\\')
		case i == 0 && !afterField && (strings.HasPrefix(s, "&&") || strings.HasPrefix(s, "||")):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	switch strings.ToUpper(out) {
	case "AND", "OR", "NOT":
		return `\` + out
	}
	return out
}
