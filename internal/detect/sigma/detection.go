package sigma

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eventsec/eventsec/internal/suggest"
)

// Detection is a rule's detection section.
type Detection struct {
	// Searches are the search identifiers in document order.
	Searches []*Search
	// Conditions are the condition(s); several are linked with OR.
	Conditions []Expr
	// ConditionText is the condition as written, one per condition.
	ConditionText []string
	// Timeframe is the version 1 timeframe attribute, kept for tools.
	Timeframe string
}

// Search returns the named search identifier, or nil.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Search is one search identifier: alternatives linked with OR (a list
// of maps or keywords); a map is one alternative.
type Search struct {
	Name         string
	Alternatives []Alternative
	Line, Column int
}

// Alternative is a set of items linked with AND: one map of a search,
// or one keyword item.
type Alternative struct {
	Items []*Item
}

// Item is one "field|modifiers: values" entry, or a keyword list
// (Field "").
type Item struct {
	Field     string
	Modifiers []string
	Values    []Value
	// All links the values with AND (all modifier) instead of OR.
	All bool
	// Negate inverts the item (neq modifier).
	Negate bool
	// Cased makes string values case-sensitive.
	Cased        bool
	Line, Column int
}

// ValueKind says how a Value is compared.
type ValueKind uint8

// Value kinds.
const (
	// KindString compares a Pattern (wildcards, placeholders).
	KindString ValueKind = iota
	// KindRegex matches Regex anywhere in the value (RE2 syntax).
	KindRegex
	// KindCIDR matches IP addresses inside Prefix.
	KindCIDR
	// KindCompare compares a number: Op Num.
	KindCompare
	// KindExists tests whether the field is present (Exists) or absent.
	KindExists
	// KindNull matches an absent or empty field.
	KindNull
	// KindFieldRef compares with the value of another field, Ref.
	KindFieldRef
	// KindTimePart compares one part (Unit) of a date value: Op Num.
	KindTimePart
)

// CompareOp is a numeric comparison.
type CompareOp uint8

// Comparison operators.
const (
	OpEQ CompareOp = iota
	OpLT
	OpLTE
	OpGT
	OpGTE
)

// RefMode says how a field reference compares.
type RefMode uint8

// Field reference modes.
const (
	RefEqual RefMode = iota
	RefPrefix
	RefSuffix
	RefContains
)

// TimeUnit is the part of a date the time modifiers extract.
type TimeUnit uint8

// Time units.
const (
	UnitMinute TimeUnit = iota + 1
	UnitHour
	UnitDay
	UnitWeek
	UnitMonth
	UnitYear
)

// Value is one value of an item, after its modifiers.
type Value struct {
	Kind    ValueKind
	Pattern Pattern
	Regex   *regexp.Regexp
	Prefix  netip.Prefix
	Op      CompareOp
	Num     float64
	Unit    TimeUnit
	Exists  bool
	Ref     string
	RefMode RefMode
	// Group numbers the value as written in the rule: a value that
	// modifiers expanded into several (windash, base64offset) gives
	// values of one group, linked with OR even under the all modifier.
	Group int
	// Line and Column locate the value in the rule.
	Line, Column int
}

// knownModifiers lists every modifier of the specification, with the
// long names pySigma accepts for the regular expression flags.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true, "exists": true,
	"cased": true, "neq": true, "windash": true, "re": true, "i": true, "m": true, "s": true,
	"ignorecase": true, "multiline": true, "dotall": true, "base64": true, "base64offset": true,
	"utf16": true, "utf16le": true, "utf16be": true, "wide": true, "lt": true, "lte": true,
	"gt": true, "gte": true, "cidr": true, "expand": true, "fieldref": true, "minute": true,
	"hour": true, "day": true, "week": true, "month": true, "year": true,
}

// modifierNames are knownModifiers' names, for suggestions.
var modifierNames = slices.Sorted(maps.Keys(knownModifiers))

// unknownModifier says a modifier is unknown and, when one is close,
// which was probably meant: "contain" is "contains" misspelt. Names of
// one or two letters get no suggestion: every short modifier is close.
func unknownModifier(m string) string {
	msg := fmt.Sprintf("unknown modifier %q", m)
	if len(m) >= 3 {
		if s := suggest.Closest(m, modifierNames); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
	}
	return msg
}

// maxExpansion bounds how many values one item may expand into
// (windash, base64offset).
const maxExpansion = 4096

// detection reads a detection section.
func (p *docParser) detection(n *yaml.Node, needCondition bool) (*Detection, error) {
	pairs, err := p.mapping(n, "detection")
	if err != nil {
		return nil, err
	}
	d := &Detection{}
	var cond *yaml.Node
	// A bad search is reported and the others are still read, so that
	// one answer lists every problem; the condition may still name it.
	var errs []error
	var bad []string
	for _, kv := range pairs {
		switch kv.key.Value {
		case "condition":
			cond = kv.val
		case "timeframe":
			if d.Timeframe, err = p.str(kv.val, "timeframe"); err != nil {
				errs = append(errs, err)
			}
		default:
			s, err := p.search(kv.key, kv.val)
			if err != nil {
				errs = append(errs, err)
				bad = append(bad, kv.key.Value)
				continue
			}
			d.Searches = append(d.Searches, s)
		}
	}
	if len(errs) > 0 {
		if cerr := p.checkCondition(cond, d, bad); cerr != nil {
			errs = append(errs, cerr)
		}
		return nil, errors.Join(errs...)
	}
	if len(d.Searches) == 0 {
		return nil, p.errf(n, "detection has no search identifier")
	}
	if cond == nil {
		if needCondition {
			return nil, p.errf(n, "detection has no condition")
		}
		return d, nil
	}
	var condNodes []*yaml.Node
	switch cond.Kind {
	case yaml.ScalarNode:
		condNodes = []*yaml.Node{cond}
	case yaml.SequenceNode:
		if len(cond.Content) == 0 {
			return nil, p.errf(cond, "condition list is empty")
		}
		condNodes = cond.Content
	default:
		return nil, p.errf(cond, "condition must be a string or a list of strings, not %s", kindName(cond))
	}
	names := make([]string, len(d.Searches))
	has := make(map[string]bool, len(d.Searches))
	for i, s := range d.Searches {
		names[i] = s.Name
		has[s.Name] = true
	}
	for _, cn := range condNodes {
		cn, err := p.deref(cn)
		if err != nil {
			return nil, err
		}
		if cn.Kind != yaml.ScalarNode || cn.Tag == "!!null" {
			return nil, p.errf(cn, "condition must be a string, not %s", kindName(cn))
		}
		e, perr := ParseCondition(cn.Value)
		if perr == nil {
			if rerr := resolveCondition(e, names, has); rerr != nil {
				perr = rerr
			}
		}
		if perr != nil {
			ce := perr.(*Error)
			return nil, &Error{File: p.file, Line: cn.Line, Column: cn.Column + quoteOffset(cn) + ce.Column - 1, Msg: ce.Msg}
		}
		d.Conditions = append(d.Conditions, e)
		d.ConditionText = append(d.ConditionText, cn.Value)
	}
	return d, nil
}

// checkCondition checks the condition of a detection some of whose
// searches (bad) did not parse: only for the errors it would add.
func (p *docParser) checkCondition(cond *yaml.Node, d *Detection, bad []string) error {
	if cond == nil {
		return nil
	}
	nodes := []*yaml.Node{cond}
	if cond.Kind == yaml.SequenceNode {
		nodes = cond.Content
	}
	var names []string
	has := map[string]bool{}
	for _, s := range d.Searches {
		names, has[s.Name] = append(names, s.Name), true
	}
	for _, b := range bad {
		names, has[b] = append(names, b), true
	}
	var errs []error
	for _, cn := range nodes {
		if cn.Kind != yaml.ScalarNode || cn.Tag == "!!null" {
			continue
		}
		e, perr := ParseCondition(cn.Value)
		if perr == nil {
			if rerr := resolveCondition(e, names, has); rerr != nil {
				perr = rerr
			}
		}
		if perr != nil {
			ce := perr.(*Error)
			errs = append(errs, &Error{File: p.file, Line: cn.Line, Column: cn.Column + quoteOffset(cn) + ce.Column - 1, Msg: ce.Msg})
		}
	}
	return errors.Join(errs...)
}

// quoteOffset is 1 for a quoted scalar: its text starts one column
// after the node.
func quoteOffset(n *yaml.Node) int {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		return 1
	}
	return 0
}

// search reads one search identifier.
func (p *docParser) search(key, n *yaml.Node) (*Search, error) {
	s := &Search{Name: key.Value, Line: key.Line, Column: key.Column}
	if s.Name == "" {
		return nil, p.errf(key, "search identifier is empty")
	}
	switch n.Kind {
	case yaml.MappingNode:
		alt, err := p.mapAlternative(n, s.Name)
		if err != nil {
			return nil, err
		}
		s.Alternatives = []Alternative{alt}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, p.errf(n, "search %q is an empty list", s.Name)
		}
		var keywords []*yaml.Node
		flush := func() error {
			if len(keywords) == 0 {
				return nil
			}
			it, err := p.item(keywords[0], "", keywords, true)
			if err != nil {
				return err
			}
			s.Alternatives = append(s.Alternatives, Alternative{Items: []*Item{it}})
			keywords = nil
			return nil
		}
		for _, c := range n.Content {
			c, err := p.deref(c)
			if err != nil {
				return nil, err
			}
			switch c.Kind {
			case yaml.MappingNode:
				if err := flush(); err != nil {
					return nil, err
				}
				alt, err := p.mapAlternative(c, s.Name)
				if err != nil {
					return nil, err
				}
				s.Alternatives = append(s.Alternatives, alt)
			case yaml.ScalarNode:
				keywords = append(keywords, c)
			default:
				return nil, p.errf(c, "search %q: list items must be maps or values, not %s", s.Name, kindName(c))
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, p.errf(n, "search %q is empty", s.Name)
		}
		it, err := p.item(n, "", []*yaml.Node{n}, true)
		if err != nil {
			return nil, err
		}
		s.Alternatives = []Alternative{{Items: []*Item{it}}}
	default:
		return nil, p.errf(n, "search %q must be a map or a list, not %s", s.Name, kindName(n))
	}
	return s, nil
}

// mapAlternative reads one map of a search: items linked with AND.
func (p *docParser) mapAlternative(n *yaml.Node, name string) (Alternative, error) {
	var alt Alternative
	pairs, err := p.mapping(n, "search "+strconv.Quote(name))
	if err != nil {
		return alt, err
	}
	if len(pairs) == 0 {
		return alt, p.errf(n, "search %q is an empty map", name)
	}
	var errs []error
	for _, kv := range pairs {
		var vals []*yaml.Node
		switch kv.val.Kind {
		case yaml.SequenceNode:
			if len(kv.val.Content) == 0 {
				return alt, p.errf(kv.val, "%q: empty list of values", kv.key.Value)
			}
			for _, c := range kv.val.Content {
				c, err := p.deref(c)
				if err != nil {
					return alt, err
				}
				if c.Kind != yaml.ScalarNode {
					return alt, p.errf(c, "%q: values must be scalars, not %s", kv.key.Value, kindName(c))
				}
				vals = append(vals, c)
			}
		case yaml.ScalarNode:
			vals = []*yaml.Node{kv.val}
		default:
			return alt, p.errf(kv.val, "%q: value must be a scalar or a list, not %s", kv.key.Value, kindName(kv.val))
		}
		it, err := p.item(kv.key, kv.key.Value, vals, false)
		if err != nil {
			// The search's other fields are still checked.
			errs = append(errs, err)
			continue
		}
		alt.Items = append(alt.Items, it)
	}
	return alt, errors.Join(errs...)
}

// wval is a value while its modifiers are applied.
type wval struct {
	v           Value
	node        *yaml.Node
	text        string
	tag         string
	transformed bool
	reFlags     string
	reSrc       string
}

// item reads one field (or keyword) entry and applies its modifiers in
// order, as the specification says.
func (p *docParser) item(keyNode *yaml.Node, key string, vals []*yaml.Node, keyword bool) (*Item, error) {
	it := &Item{Line: keyNode.Line, Column: keyNode.Column}
	var mods []string
	if !keyword {
		parts := strings.Split(key, "|")
		it.Field = parts[0]
		mods = parts[1:]
		col := keyNode.Column + quoteOffset(keyNode) + len(parts[0]) + 1
		for _, m := range mods {
			if !knownModifiers[m] {
				if m == "" {
					return nil, &Error{File: p.file, Line: keyNode.Line, Column: col, Msg: fmt.Sprintf("%q: empty modifier", key)}
				}
				return nil, &Error{File: p.file, Line: keyNode.Line, Column: col, Msg: unknownModifier(m)}
			}
			col += len(m) + 1
		}
		if it.Field == "" && len(mods) == 0 {
			return nil, p.errf(keyNode, "empty field name")
		}
	}
	it.Modifiers = mods
	errAt := func(n *yaml.Node, format string, args ...any) error {
		return p.errf(n, "%q: %s", key, fmt.Sprintf(format, args...))
	}
	var exists bool
	for _, m := range mods {
		switch m {
		case "all":
			it.All = true
		case "neq":
			it.Negate = true
		case "cased":
			it.Cased = true
		case "exists":
			exists = true
		}
	}
	if exists {
		if it.Field == "" {
			return nil, errAt(keyNode, "exists needs a field")
		}
		for _, m := range mods {
			if m != "exists" && m != "neq" {
				return nil, errAt(keyNode, "exists cannot be combined with %s", m)
			}
		}
		if len(vals) != 1 || vals[0].Tag != "!!bool" {
			return nil, errAt(vals[0], "exists takes one boolean value (true or false)")
		}
		b := vals[0].Value == "true" || vals[0].Value == "True" || vals[0].Value == "TRUE"
		it.Values = []Value{{Kind: KindExists, Exists: b, Line: vals[0].Line, Column: vals[0].Column}}
		return it, nil
	}
	ws := make([]wval, 0, len(vals))
	for gi, vn := range vals {
		w := wval{node: vn, text: vn.Value, tag: vn.Tag}
		w.v.Group = gi
		w.v.Line, w.v.Column = vn.Line, vn.Column
		if vn.Tag == "!!null" {
			w.v.Kind = KindNull
			ws = append(ws, w)
			continue
		}
		w.v.Kind = KindString
		w.v.Pattern = parsePattern(vn.Value).normalize()
		ws = append(ws, w)
		if vn.Tag == "!!int" {
			// A number written in another base (0x10) also matches its
			// decimal form.
			if n, err := strconv.ParseInt(strings.ReplaceAll(vn.Value, "_", ""), 0, 64); err == nil {
				if d := strconv.FormatInt(n, 10); d != vn.Value {
					w2 := w
					w2.v.Pattern = Pattern{{Kind: PartLit, Text: d}}
					ws = append(ws, w2)
				}
			}
		}
	}
	for _, m := range mods {
		var next []wval
		for _, w := range ws {
			out, err := p.applyModifier(key, m, w, errAt)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
			if len(next) > len(vals)+maxExpansion {
				return nil, errAt(keyNode, "modifiers expand into more than %d values", maxExpansion)
			}
		}
		ws = next
	}
	for i := range ws {
		w := &ws[i]
		switch w.v.Kind {
		case KindRegex:
			src := w.reSrc
			if w.reFlags != "" {
				src = "(?" + w.reFlags + ")" + src
			}
			re, err := regexp.Compile(src)
			if err != nil {
				msg := err.Error()
				msg = strings.TrimPrefix(msg, "error parsing regexp: ")
				return nil, errAt(w.node, "invalid regular expression (RE2 syntax): %s", msg)
			}
			w.v.Regex = re
		case KindString:
			w.v.Pattern = w.v.Pattern.normalize()
		}
		it.Values = append(it.Values, w.v)
	}
	return it, nil
}

// applyModifier applies one modifier to one value.
func (p *docParser) applyModifier(key, m string, w wval, errAt func(*yaml.Node, string, ...any) error) ([]wval, error) {
	one := func(w wval) ([]wval, error) { return []wval{w}, nil }
	switch m {
	case "all", "neq", "cased":
		return one(w)
	}
	if w.v.Kind == KindNull {
		return nil, errAt(w.node, "null cannot take the %s modifier", m)
	}
	switch m {
	case "contains", "startswith", "endswith":
		switch w.v.Kind {
		case KindString:
			w.v.Pattern = w.v.Pattern.withStars(m != "startswith", m != "endswith")
		case KindRegex:
			// Regular expressions are searched for anywhere in the value
			// already: the modifier changes nothing.
		case KindFieldRef:
			switch {
			case m == "contains" || w.v.RefMode == RefContains:
				w.v.RefMode = RefContains
			case m == "startswith" && w.v.RefMode == RefSuffix, m == "endswith" && w.v.RefMode == RefPrefix:
				w.v.RefMode = RefContains
			case m == "startswith":
				w.v.RefMode = RefPrefix
			default:
				w.v.RefMode = RefSuffix
			}
		default:
			return nil, errAt(w.node, "%s applies to strings, regular expressions and field references", m)
		}
		w.transformed = true
		return one(w)
	case "windash":
		if w.v.Kind != KindString {
			return nil, errAt(w.node, "windash applies to strings")
		}
		pats, ok := w.v.Pattern.windash(maxExpansion)
		if !ok {
			return nil, errAt(w.node, "windash expands into more than %d values", maxExpansion)
		}
		out := make([]wval, len(pats))
		for i, pt := range pats {
			out[i] = w
			out[i].v.Pattern = pt
			out[i].transformed = true
		}
		return out, nil
	case "base64", "base64offset":
		if w.v.Kind != KindString {
			return nil, errAt(w.node, "%s applies to strings", m)
		}
		s, ok := w.v.Pattern.plain()
		if !ok {
			return nil, errAt(w.node, "%s cannot encode a value with wildcards or placeholders", m)
		}
		w.transformed = true
		if m == "base64" {
			w.v.Pattern = Pattern{{Kind: PartLit, Text: base64.StdEncoding.EncodeToString([]byte(s))}}
			return one(w)
		}
		var out []wval
		for _, enc := range base64Offsets(s) {
			if enc == "" {
				continue
			}
			w2 := w
			w2.v.Pattern = Pattern{{Kind: PartLit, Text: enc}}
			out = append(out, w2)
		}
		if len(out) == 0 {
			return nil, errAt(w.node, "base64offset of an empty value")
		}
		return out, nil
	case "wide", "utf16le", "utf16be", "utf16":
		if w.v.Kind != KindString {
			return nil, errAt(w.node, "%s applies to strings", m)
		}
		big := m == "utf16be"
		w.v.Pattern = w.v.Pattern.mapLits(func(s string) string { return utf16Encode(s, big) })
		if m == "utf16" {
			w.v.Pattern = append(Pattern{{Kind: PartLit, Text: "\xff\xfe"}}, w.v.Pattern...)
		}
		w.transformed = true
		return one(w)
	case "re":
		if w.v.Kind != KindString || w.transformed {
			return nil, errAt(w.node, "re must come before other value modifiers")
		}
		w.v.Kind = KindRegex
		w.v.Pattern = nil
		w.reSrc = w.text
		w.transformed = true
		return one(w)
	case "i", "ignorecase", "m", "multiline", "s", "dotall":
		if w.v.Kind != KindRegex {
			return nil, errAt(w.node, "%s is a flag of the re modifier and must follow it", m)
		}
		flag := m[:1]
		if m == "ignorecase" {
			flag = "i"
		}
		if m == "dotall" {
			flag = "s"
		}
		if !strings.Contains(w.reFlags, flag) {
			w.reFlags += flag
		}
		return one(w)
	case "cidr":
		if w.v.Kind != KindString || w.transformed {
			return nil, errAt(w.node, "cidr must come before other value modifiers")
		}
		pfx, err := parseCIDR(w.text)
		if err != nil {
			return nil, errAt(w.node, "invalid CIDR %q: %v", w.text, err)
		}
		w.v.Kind, w.v.Prefix, w.v.Pattern = KindCIDR, pfx, nil
		w.transformed = true
		return one(w)
	case "lt", "lte", "gt", "gte":
		op := map[string]CompareOp{"lt": OpLT, "lte": OpLTE, "gt": OpGT, "gte": OpGTE}[m]
		if w.v.Kind == KindTimePart {
			w.v.Op = op
			return one(w)
		}
		if w.v.Kind != KindString || w.transformed {
			return nil, errAt(w.node, "%s needs a number", m)
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(w.text, "_", ""), 64)
		if err != nil {
			if i, ierr := strconv.ParseInt(w.text, 0, 64); ierr == nil {
				n, err = float64(i), nil
			}
		}
		if err != nil {
			return nil, errAt(w.node, "%s needs a number, not %q", m, w.text)
		}
		w.v.Kind, w.v.Op, w.v.Num, w.v.Pattern = KindCompare, op, n, nil
		w.transformed = true
		return one(w)
	case "minute", "hour", "day", "week", "month", "year":
		if w.v.Kind != KindString || w.transformed {
			return nil, errAt(w.node, "%s needs a whole number", m)
		}
		n, err := strconv.Atoi(w.text)
		if err != nil {
			return nil, errAt(w.node, "%s needs a whole number, not %q", m, w.text)
		}
		units := map[string]TimeUnit{"minute": UnitMinute, "hour": UnitHour, "day": UnitDay, "week": UnitWeek, "month": UnitMonth, "year": UnitYear}
		w.v.Kind, w.v.Unit, w.v.Num, w.v.Op, w.v.Pattern = KindTimePart, units[m], float64(n), OpEQ, nil
		w.transformed = true
		return one(w)
	case "fieldref":
		if w.v.Kind != KindString || w.transformed {
			return nil, errAt(w.node, "fieldref must come before other value modifiers")
		}
		name, ok := w.v.Pattern.plain()
		if !ok || name == "" {
			return nil, errAt(w.node, "fieldref needs a field name without wildcards")
		}
		w.v.Kind, w.v.Ref, w.v.Pattern = KindFieldRef, name, nil
		w.transformed = true
		return one(w)
	case "expand":
		if w.v.Kind != KindString {
			return nil, errAt(w.node, "expand applies to strings")
		}
		w.v.Pattern = insertPlaceholders(w.v.Pattern)
		w.transformed = true
		return one(w)
	}
	return nil, errAt(w.node, "%s", unknownModifier(m))
}

// insertPlaceholders turns %name% in literal parts into placeholder
// parts; a percent sign after a backslash is a plain percent sign.
func insertPlaceholders(p Pattern) Pattern {
	var out Pattern
	for _, part := range p {
		if part.Kind != PartLit {
			out = append(out, part)
			continue
		}
		t := part.Text
		var lit strings.Builder
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c == '\\' && i+1 < len(t) && t[i+1] == '%' {
				lit.WriteByte('%')
				i++
				continue
			}
			if c == '%' {
				if j := strings.IndexByte(t[i+1:], '%'); j > 0 {
					if lit.Len() > 0 {
						out = append(out, Part{Kind: PartLit, Text: lit.String()})
						lit.Reset()
					}
					out = append(out, Part{Kind: PartPlaceholder, Text: t[i+1 : i+1+j]})
					i += j + 1
					continue
				}
			}
			lit.WriteByte(c)
		}
		if lit.Len() > 0 {
			out = append(out, Part{Kind: PartLit, Text: lit.String()})
		}
	}
	return out
}

// parseCIDR reads a network ("10.0.0.0/8", "fe80::/10") or a single
// address.
func parseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return pfx.Masked(), nil
}
