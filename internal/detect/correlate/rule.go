package correlate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Type is a correlation type of the Sigma correlation specification.
type Type uint8

// Correlation types.
const (
	EventCount Type = iota + 1
	ValueCount
	Temporal
	TemporalOrdered
	ValueSum
	ValueAvg
	ValuePercentile
)

var typeNames = [...]string{
	EventCount:      "event_count",
	ValueCount:      "value_count",
	Temporal:        "temporal",
	TemporalOrdered: "temporal_ordered",
	ValueSum:        "value_sum",
	ValueAvg:        "value_avg",
	ValuePercentile: "value_percentile",
}

// String returns the type's name as written in rules ("event_count").
func (t Type) String() string {
	if t >= EventCount && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// parseType maps a rule's type name to its Type.
func parseType(s string) (Type, bool) {
	for t := EventCount; int(t) < len(typeNames); t++ {
		if typeNames[t] == s {
			return t, true
		}
	}
	return 0, false
}

// temporal reports whether t is one of the temporal types, which count
// distinct referenced rules instead of events or values.
func (t Type) temporal() bool { return t == Temporal || t == TemporalOrdered }

// needsField reports whether t aggregates condition.field.
func (t Type) needsField() bool {
	return t == ValueCount || t == ValueSum || t == ValueAvg || t == ValuePercentile
}

// Rule is one parsed Sigma correlation rule.
type Rule struct {
	ID          string
	Name        string
	Title       string
	Status      string
	Level       string
	Description string
	Author      string
	Date        string
	Modified    string
	Taxonomy    string

	Tags           []string
	References     []string
	FalsePositives []string

	// Generate asks that the rules this correlation refers to also raise
	// alerts on their own (the specification's default is that only the
	// correlation does).
	Generate bool

	Correlation Correlation

	// File is the name the rule was parsed from; Line and Column are
	// where its document's mapping starts.
	File   string
	Line   int
	Column int
}

// Key is the identity the engine keeps the rule under: its id, else its
// name.
func (r *Rule) Key() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Name
}

// Correlation is the correlation section of a rule.
type Correlation struct {
	Type Type
	// Rules refers to the correlated rules by id or name, in the order
	// written (the order matters for temporal_ordered).
	Rules []string
	// GroupBy lists the fields (or aliases) whose values must be equal
	// for events to be correlated. Empty means one group per org.
	GroupBy []string
	// Timespan is the length of the correlation window.
	Timespan time.Duration
	// Condition says when the correlation matches. For the temporal
	// types it may be empty, which means "all referenced rules".
	Condition Condition
	// Aliases maps an alias usable in GroupBy to, per referenced rule
	// (by the name or id written in Rules), the field that holds the
	// alias's value in that rule's events.
	Aliases map[string]map[string]string
}

// Condition bounds the aggregated value. Set bounds are combined with
// AND, so {GT: 100, LTE: 200} is the range (100, 200].
type Condition struct {
	GT, GTE, LT, LTE, EQ, NEQ *float64
	// Field is the aggregated field of the value_* types (the first of
	// Fields when a list was given).
	Field string
	// Fields holds every field given; value_count counts distinct
	// combinations of their values when there are several.
	Fields []string
	// Percentile is EventSec's extension for value_percentile: when set
	// (0 < p <= 100) the value compared is the p-th percentile of the
	// numeric field; when zero the value is each field value's share, in
	// percent, of the window's events (see doc.go).
	Percentile float64
}

// empty reports whether no bound is set.
func (c *Condition) empty() bool {
	return c.GT == nil && c.GTE == nil && c.LT == nil && c.LTE == nil && c.EQ == nil && c.NEQ == nil
}

// lowerOnly reports whether the condition only has lower bounds (gt,
// gte): once true for a growing count it stays true, so it can be
// decided as soon as it holds instead of when the window closes.
func (c *Condition) lowerOnly() bool {
	return (c.GT != nil || c.GTE != nil) && c.LT == nil && c.LTE == nil && c.EQ == nil && c.NEQ == nil
}

// Match reports whether v satisfies every bound of the condition. An
// empty condition matches nothing.
func (c *Condition) Match(v float64) bool {
	if c.empty() || math.IsNaN(v) {
		return false
	}
	if c.GT != nil && !(v > *c.GT) {
		return false
	}
	if c.GTE != nil && !(v >= *c.GTE) {
		return false
	}
	if c.LT != nil && !(v < *c.LT) {
		return false
	}
	if c.LTE != nil && !(v <= *c.LTE) {
		return false
	}
	if c.EQ != nil && v != *c.EQ {
		return false
	}
	if c.NEQ != nil && v == *c.NEQ {
		return false
	}
	return true
}

// minSatisfying returns the smallest whole count that satisfies the
// lower bounds (gt, gte), or 0 when there is none.
func (c *Condition) minSatisfying() float64 {
	m := 0.0
	if c.GT != nil {
		m = math.Max(m, math.Floor(*c.GT)+1)
	}
	if c.GTE != nil {
		m = math.Max(m, math.Ceil(*c.GTE))
	}
	return m
}

// maxBound returns the largest threshold named by any bound: past it a
// growing count can no longer change the outcome.
func (c *Condition) maxBound() float64 {
	m := math.Inf(-1)
	for _, p := range []*float64{c.GT, c.GTE, c.LT, c.LTE, c.EQ, c.NEQ} {
		if p != nil {
			m = math.Max(m, *p)
		}
	}
	return m
}

// String renders the condition as "gt 100, lte 200".
func (c *Condition) String() string {
	var parts []string
	add := func(op string, p *float64) {
		if p != nil {
			parts = append(parts, op+" "+strconv.FormatFloat(*p, 'f', -1, 64))
		}
	}
	add("gt", c.GT)
	add("gte", c.GTE)
	add("lt", c.LT)
	add("lte", c.LTE)
	add("eq", c.EQ)
	add("neq", c.NEQ)
	if len(c.Fields) > 0 {
		parts = append(parts, "field "+strings.Join(c.Fields, "+"))
	}
	if c.Percentile != 0 {
		parts = append(parts, "percentile "+strconv.FormatFloat(c.Percentile, 'f', -1, 64))
	}
	return strings.Join(parts, ", ")
}

// fingerprint is a canonical rendering of everything that shapes a
// rule's state; a snapshot's state is only restored into a rule with
// the same fingerprint.
func (r *Rule) fingerprint() string {
	c := &r.Correlation
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%q|%q|%d|%s|", c.Type, c.Rules, c.GroupBy, int64(c.Timespan), c.Condition.String())
	aliases := make([]string, 0, len(c.Aliases))
	for a := range c.Aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		refs := make([]string, 0, len(c.Aliases[a]))
		for ref := range c.Aliases[a] {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		for _, ref := range refs {
			fmt.Fprintf(&b, "%q.%q=%q;", a, ref, c.Aliases[a][ref])
		}
	}
	return b.String()
}

// MaxRules bounds how many rules one correlation may refer to (the
// engine tracks contributing rules in a 64-bit set).
const MaxRules = 64

// problem is a validation failure tied to the rule key it concerns, so
// that Parse can point at that key's line and column.
type problem struct {
	key string // "correlation.condition", "title", ...
	msg string
}

// Validate checks the rule against the specification (types,
// type-specific requirements, bounds). Parse already does this; it is
// for rules built in code.
func (r *Rule) Validate() error {
	if p := r.validate(); p != nil {
		return fmt.Errorf("%w %q: %s: %s", ErrInvalidRule, r.Key(), p.key, p.msg)
	}
	return nil
}

func (r *Rule) validate() *problem {
	if r.Title == "" {
		return &problem{"title", "title is required"}
	}
	if len(r.Title) > 256 {
		return &problem{"title", fmt.Sprintf("title is %d characters long, more than 256", len(r.Title))}
	}
	if len(r.Description) > 65535 {
		return &problem{"description", "description is longer than 65,535 characters"}
	}
	c := &r.Correlation
	if c.Type < EventCount || int(c.Type) >= len(typeNames) {
		return &problem{"correlation.type", "unknown correlation type"}
	}
	if len(c.Rules) == 0 {
		return &problem{"correlation.rules", "rules must name at least one rule"}
	}
	if len(c.Rules) > MaxRules {
		return &problem{"correlation.rules", fmt.Sprintf("rules names %d rules, more than %d", len(c.Rules), MaxRules)}
	}
	seen := make(map[string]bool, len(c.Rules))
	for _, ref := range c.Rules {
		if ref == "" {
			return &problem{"correlation.rules", "rule reference is empty"}
		}
		if seen[ref] {
			return &problem{"correlation.rules", fmt.Sprintf("rule %q is listed twice", ref)}
		}
		seen[ref] = true
		if (r.ID != "" && ref == r.ID) || (r.Name != "" && ref == r.Name) {
			return &problem{"correlation.rules", fmt.Sprintf("rule %q refers to the correlation itself", ref)}
		}
	}
	if c.Type.temporal() && len(c.Rules) < 2 {
		return &problem{"correlation.rules", fmt.Sprintf("%s needs at least 2 rules, got %d", c.Type, len(c.Rules))}
	}
	groups := make(map[string]bool, len(c.GroupBy))
	for _, g := range c.GroupBy {
		if g == "" {
			return &problem{"correlation.group-by", "group-by field is empty"}
		}
		if groups[g] {
			return &problem{"correlation.group-by", fmt.Sprintf("group-by field %q is listed twice", g)}
		}
		groups[g] = true
	}
	if c.Timespan <= 0 {
		return &problem{"correlation.timespan", "timespan is required"}
	}
	if c.Timespan > maxTimespan {
		return &problem{"correlation.timespan", "timespan is too long"}
	}
	for alias, m := range c.Aliases {
		if alias == "" {
			return &problem{"correlation.aliases", "alias name is empty"}
		}
		if len(m) == 0 {
			return &problem{"correlation.aliases", fmt.Sprintf("alias %q maps no rule", alias)}
		}
		for ref, field := range m {
			if !seen[ref] {
				return &problem{"correlation.aliases", fmt.Sprintf("alias %q maps rule %q, which is not in rules", alias, ref)}
			}
			if field == "" {
				return &problem{"correlation.aliases", fmt.Sprintf("alias %q maps rule %q to an empty field", alias, ref)}
			}
		}
	}
	return r.validateCondition()
}

func (r *Rule) validateCondition() *problem {
	c := &r.Correlation
	cond := &c.Condition
	const key = "correlation.condition"
	for _, p := range []*float64{cond.GT, cond.GTE, cond.LT, cond.LTE, cond.EQ, cond.NEQ} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			return &problem{key, "condition value must be a finite number"}
		}
	}
	if cond.empty() && !c.Type.temporal() {
		return &problem{key, fmt.Sprintf("%s needs a condition with gt, gte, lt, lte, eq or neq", c.Type)}
	}
	if cond.GT != nil && cond.GTE != nil {
		return &problem{key, "condition has both gt and gte"}
	}
	if cond.LT != nil && cond.LTE != nil {
		return &problem{key, "condition has both lt and lte"}
	}
	if cond.EQ != nil && (cond.GT != nil || cond.GTE != nil || cond.LT != nil || cond.LTE != nil || cond.NEQ != nil) {
		return &problem{key, "eq cannot be combined with other bounds"}
	}
	lo, loIncl := math.Inf(-1), true
	if cond.GT != nil {
		lo, loIncl = *cond.GT, false
	} else if cond.GTE != nil {
		lo = *cond.GTE
	}
	hi, hiIncl := math.Inf(1), true
	if cond.LT != nil {
		hi, hiIncl = *cond.LT, false
	} else if cond.LTE != nil {
		hi = *cond.LTE
	}
	if lo > hi || (lo == hi && (!loIncl || !hiIncl)) {
		return &problem{key, "condition range is empty: no value satisfies it"}
	}
	counting := c.Type == EventCount || c.Type == ValueCount || c.Type.temporal()
	if counting {
		for _, p := range []*float64{cond.GT, cond.GTE, cond.LT, cond.LTE, cond.EQ, cond.NEQ} {
			if p == nil {
				continue
			}
			if *p != math.Trunc(*p) {
				return &problem{key, fmt.Sprintf("%s compares a count: condition value %v must be a whole number", c.Type, *p)}
			}
			if *p < 0 {
				return &problem{key, fmt.Sprintf("%s compares a count: condition value %v must not be negative", c.Type, *p)}
			}
		}
	}
	if c.Type.temporal() && !cond.empty() {
		n := float64(len(c.Rules))
		if cond.minSatisfying() > n {
			return &problem{key, fmt.Sprintf("condition needs more than the %d rules listed", len(c.Rules))}
		}
	}
	if counting && hi == 0 && !hiIncl {
		return &problem{key, "condition can never hold: a count is never below 0"}
	}
	if c.Type.needsField() {
		if len(cond.Fields) == 0 {
			return &problem{key, fmt.Sprintf("%s needs condition.field", c.Type)}
		}
		if len(cond.Fields) > 1 && c.Type != ValueCount {
			return &problem{key, fmt.Sprintf("%s aggregates one field; condition.field lists %d", c.Type, len(cond.Fields))}
		}
		for _, f := range cond.Fields {
			if f == "" {
				return &problem{key, "condition.field is empty"}
			}
		}
		if cond.Field != cond.Fields[0] {
			return &problem{key, "condition.field does not match condition.fields"}
		}
	} else if len(cond.Fields) > 0 || cond.Field != "" {
		return &problem{key, fmt.Sprintf("%s does not take condition.field", c.Type)}
	}
	if cond.Percentile != 0 {
		if c.Type != ValuePercentile {
			return &problem{key, "percentile is only valid for value_percentile"}
		}
		if math.IsNaN(cond.Percentile) || cond.Percentile <= 0 || cond.Percentile > 100 {
			return &problem{key, "percentile must be greater than 0 and at most 100"}
		}
	}
	if c.Type == ValuePercentile && cond.Percentile == 0 {
		// The value is a share in percent.
		if lo > 100 || (lo == 100 && !loIncl) || hi < 0 || (hi == 0 && !hiIncl) {
			return &problem{key, "value_percentile compares a share in percent: condition must allow a value from 0 to 100"}
		}
	}
	return nil
}
