// Package jsonrule reads the JSON detection rules of EventSec's original
// API (the seed's alert rules): a list of conditions on event fields, an
// optional aggregation (at least threshold matching events within window
// minutes, per group), and actions. They run on the same engine as Sigma
// rules: the conditions are matched per event here, and the aggregation
// becomes an event_count correlation.
//
// String comparisons are case-insensitive, as in Sigma, except regex,
// which is case-sensitive unless the pattern says (?i). Numbers compare as
// numbers when both sides parse as numbers.
package jsonrule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Error is a rule error at a line and column of the source (1-based; 0
// when the position is unknown).
type Error struct {
	Line, Column int
	Msg          string
	// Path is where in the rule object the problem is, as a client names
	// it: conditions[0].operator, actions[1].config.recipients[0] ("" for
	// the whole rule or when unknown).
	Path string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
}

// Operators a condition may use.
var Operators = []string{"equals", "not_equals", "in", "not_in", "contains", "not_contains",
	"startswith", "endswith", "regex", "gt", "gte", "lt", "lte", "exists", "not_exists", "cidr"}

// Levels a rule may declare.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// Rule is a parsed JSON rule.
type Rule struct {
	ID          string
	Name        string
	Description string
	Level       string
	Tags        []string
	// MatchAny: an event matches when any condition holds (default: all).
	MatchAny    bool
	Conditions  []Condition
	Aggregation *Aggregation
	Actions     []Action
	// Warnings are what does not stop the rule from running: field names
	// that are probably misspelt (see suggestField).
	Warnings Errors
}

// Condition tests one field.
type Condition struct {
	Field    string
	Operator string
	// Values: one for scalar operators, the list for in / not_in.
	Values []string
	nums   []float64 // parsed Values for gt/gte/lt/lte
	re     *regexp.Regexp
	nets   []netip.Prefix
	look   lookup
}

// Aggregation raises an alert when at least Threshold events match within
// Window, per distinct GroupBy values.
type Aggregation struct {
	Window    time.Duration
	Threshold int
	GroupBy   []string
	at        []any // the path of the group-by list in the source
}

// Action is what to do when the rule fires (notifications are delivered
// by the alert pipeline).
type Action struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config,omitempty"`
}

type rawAgg struct {
	Window    *float64 `json:"window"`
	Threshold *float64 `json:"threshold"`
	GroupBy   []string `json:"group_by"`
	GroupBy2  []string `json:"groupBy"`
}

type rawCond struct {
	Field       string          `json:"field"`
	Operator    string          `json:"operator"`
	Value       json.RawMessage `json:"value"`
	Aggregation *rawAgg         `json:"aggregation"`
}

type rawRule struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Severity    string    `json:"severity"`
	Level       string    `json:"level"`
	Tags        []string  `json:"tags"`
	Match       string    `json:"match"`
	Conditions  []rawCond `json:"conditions"`
	Aggregation *rawAgg   `json:"aggregation"`
	Actions     []Action  `json:"actions"`
	Enabled     *bool     `json:"enabled"`
	Type        string    `json:"type"`
	Format      string    `json:"format"`
}

// Errors is every problem found in one rule, in the order of the rule
// object. errors.As finds the first *Error.
type Errors []*Error

func (e Errors) Error() string {
	switch len(e) {
	case 0:
		return "invalid rule"
	case 1:
		return e[0].Error()
	}
	return fmt.Sprintf("%s (and %d more problems)", e[0].Error(), len(e)-1)
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, x := range e {
		out[i] = x
	}
	return out
}

// Parse reads one JSON rule. A source that is not valid JSON gets that
// one error. Otherwise every problem is reported, as Errors, each with
// its path and the line and column of its value in src as written: first
// the values of the wrong type and the unknown fields, all of them; when
// there are none, every problem with what the values say.
func Parse(src []byte) (*Rule, error) {
	s, err := readSource(src)
	if err != nil {
		return nil, err
	}
	var errs Errors
	s.checkShape(s.root, reflect.TypeOf(rawRule{}), nil, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	var raw rawRule
	if err := json.Unmarshal(src, &raw); err != nil {
		// The shape check lets through only what decodes.
		return nil, &Error{Line: 1, Column: 1, Msg: "invalid rule: " + err.Error()}
	}
	at := func(msg string, path ...any) {
		l, c := s.position(path)
		errs = append(errs, &Error{Line: l, Column: c, Msg: msg, Path: pathString(path)})
	}
	r := &Rule{ID: strings.TrimSpace(raw.ID), Name: strings.TrimSpace(raw.Name), Description: raw.Description, Tags: raw.Tags, Actions: raw.Actions}
	if r.Name == "" {
		r.Name = strings.TrimSpace(raw.Title)
	}
	if r.Name == "" {
		at(`"name" is required`)
	}
	r.Level = strings.ToLower(strings.TrimSpace(raw.Level))
	if r.Level == "" {
		r.Level = strings.ToLower(strings.TrimSpace(raw.Severity))
	}
	if r.Level == "" {
		r.Level = "medium"
	}
	if !contains(Levels, r.Level) {
		key := "severity"
		if raw.Level != "" {
			key = "level"
		}
		at(fmt.Sprintf("%q: unknown level %q (want one of %s)", key, r.Level, strings.Join(Levels, ", ")), key)
	}
	switch strings.ToLower(raw.Match) {
	case "", "all", "and":
	case "any", "or":
		r.MatchAny = true
	default:
		at(fmt.Sprintf(`"match": %q is not "all" or "any"`, raw.Match), "match")
	}
	if len(raw.Conditions) == 0 {
		at(`"conditions" must list at least one condition`, "conditions")
	}
	for i, rc := range raw.Conditions {
		c, problems := condition(rc)
		for _, p := range problems {
			at(fmt.Sprintf("conditions[%d]: %v", i, p.msg), "conditions", i, p.key)
		}
		r.Conditions = append(r.Conditions, c)
		if rc.Aggregation != nil {
			if r.Aggregation != nil || raw.Aggregation != nil {
				at(fmt.Sprintf("conditions[%d]: only one aggregation per rule", i), "conditions", i, "aggregation")
				continue
			}
			agg, where, msg := aggregation(rc.Aggregation, []any{"conditions", i, "aggregation"})
			if msg != "" {
				at(pathString(where)+": "+msg, where...)
				continue
			}
			r.Aggregation = agg
		}
	}
	if raw.Aggregation != nil {
		agg, where, msg := aggregation(raw.Aggregation, []any{"aggregation"})
		if msg != "" {
			at(pathString(where)+": "+msg, where...)
		}
		r.Aggregation = agg
	}
	for i, a := range r.Actions {
		if path, msg := checkAction(a); msg != "" {
			full := append([]any{"actions", i}, path...)
			at(pathString(full)+": "+msg, full...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	r.Warnings = s.fieldWarnings(r)
	return r, nil
}

// pathString writes a path of object keys and array indexes as clients
// name fields: conditions[0].operator.
func pathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch x := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		case string:
			if x == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x)
		}
	}
	return b.String()
}

type condErr struct{ key, msg string }

// condition reads one condition and lists its problems: a missing field
// and a bad operator are both reported; the value is checked only
// against a known operator, which decides what it must be.
func condition(rc rawCond) (Condition, []condErr) {
	c := Condition{Field: strings.TrimSpace(rc.Field), Operator: strings.ToLower(strings.TrimSpace(rc.Operator))}
	c.look = lookupOf(c.Field)
	var out []condErr
	if c.Field == "" {
		out = append(out, condErr{"field", `"field" is required`})
	}
	if c.Operator == "" {
		c.Operator = "equals"
	}
	if !contains(Operators, c.Operator) {
		return c, append(out, condErr{"operator", fmt.Sprintf("unknown operator %q (want one of %s)", rc.Operator, strings.Join(Operators, ", "))})
	}
	if err := conditionValue(&c, rc.Value); err != nil {
		out = append(out, *err)
	}
	return c, out
}

// conditionValue reads a condition's value for its operator.
func conditionValue(c *Condition, value json.RawMessage) *condErr {
	if c.Operator == "exists" || c.Operator == "not_exists" {
		if len(value) > 0 && string(value) != "null" && string(value) != "true" {
			return &condErr{"value", fmt.Sprintf("%s takes no value", c.Operator)}
		}
		return nil
	}
	if len(value) == 0 || string(value) == "null" {
		return &condErr{"value", fmt.Sprintf(`"value" is required for %s`, c.Operator)}
	}
	vals, err := scalarList(value)
	if err != nil {
		return &condErr{"value", err.Error()}
	}
	list := c.Operator == "in" || c.Operator == "not_in" || c.Operator == "cidr"
	if !list && len(vals) != 1 {
		return &condErr{"value", fmt.Sprintf("%s takes one value, not a list (use in)", c.Operator)}
	}
	if len(vals) == 0 {
		return &condErr{"value", "the list is empty"}
	}
	c.Values = vals
	switch c.Operator {
	case "gt", "gte", "lt", "lte":
		n, err := strconv.ParseFloat(vals[0], 64)
		if err != nil {
			return &condErr{"value", fmt.Sprintf("%s needs a number, not %q", c.Operator, vals[0])}
		}
		c.nums = []float64{n}
	case "regex":
		re, err := regexp.Compile(vals[0])
		if err != nil {
			return &condErr{"value", fmt.Sprintf("invalid regular expression: %v", err)}
		}
		c.re = re
	case "cidr":
		for _, v := range vals {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return &condErr{"value", fmt.Sprintf("invalid CIDR %q", v)}
			}
			c.nets = append(c.nets, p.Masked())
		}
	default:
		for i := range c.Values {
			c.Values[i] = strings.ToLower(c.Values[i])
		}
	}
	return nil
}

// scalarList reads a string, number or bool, or a list of them.
func scalarList(raw json.RawMessage) ([]string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	one := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			return strconv.FormatBool(t), nil
		}
		return "", fmt.Errorf("values must be strings, numbers or booleans")
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, err := one(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// aggregation reads an aggregation found at path; on a problem, it
// returns the path of the bad value and what is wrong.
func aggregation(a *rawAgg, path []any) (*Aggregation, []any, string) {
	at := func(more ...any) []any { return append(path[:len(path):len(path)], more...) }
	if a.Window == nil {
		return nil, at("window"), `"window" (minutes) is required`
	}
	if *a.Window <= 0 || *a.Window > 7*24*60 {
		return nil, at("window"), `"window" must be between 0 and 10080 minutes (7 days)`
	}
	if a.Threshold == nil {
		return nil, at("threshold"), `"threshold" is required`
	}
	if *a.Threshold < 1 || *a.Threshold != float64(int(*a.Threshold)) || *a.Threshold > 1e6 {
		return nil, at("threshold"), `"threshold" must be a whole number from 1 to 1000000`
	}
	g, key := a.GroupBy, "group_by"
	if len(g) == 0 {
		g, key = a.GroupBy2, "groupBy"
	}
	for i, f := range g {
		if strings.TrimSpace(f) == "" {
			return nil, at(key, i), key + " has an empty field name"
		}
	}
	return &Aggregation{Window: time.Duration(*a.Window * float64(time.Minute)), Threshold: int(*a.Threshold), GroupBy: g, at: at(key)}, nil, ""
}

// Match reports whether the event satisfies the rule's conditions.
func (r *Rule) Match(ev *event.Event) bool {
	for i := range r.Conditions {
		ok := r.Conditions[i].match(ev)
		if r.MatchAny && ok {
			return true
		}
		if !r.MatchAny && !ok {
			return false
		}
	}
	return !r.MatchAny
}

func (c *Condition) match(ev *event.Event) bool {
	vals, present := c.look.values(ev, c.Field)
	switch c.Operator {
	case "exists":
		return present
	case "not_exists":
		return !present
	case "not_equals", "not_in", "not_contains":
		// A missing field is "not equal" to anything.
		for _, v := range vals {
			if c.test(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.test(v) {
			return true
		}
	}
	return false
}

// test applies the operator (for negated ones, its positive form).
func (c *Condition) test(v string) bool {
	switch c.Operator {
	case "regex":
		return c.re.MatchString(v)
	case "cidr":
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		for _, p := range c.nets {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	case "gt", "gte", "lt", "lte":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		switch c.Operator {
		case "gt":
			return n > c.nums[0]
		case "gte":
			return n >= c.nums[0]
		case "lt":
			return n < c.nums[0]
		}
		return n <= c.nums[0]
	}
	lv := strings.ToLower(v)
	switch c.Operator {
	case "equals", "not_equals", "in", "not_in":
		for _, x := range c.Values {
			if lv == x || numEqual(lv, x) {
				return true
			}
		}
		return false
	case "contains", "not_contains":
		return strings.Contains(lv, c.Values[0])
	case "startswith":
		return strings.HasPrefix(lv, c.Values[0])
	case "endswith":
		return strings.HasSuffix(lv, c.Values[0])
	}
	return false
}

func numEqual(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

func fieldStrings(v any) []string {
	if l, ok := v.([]string); ok {
		return l
	}
	return []string{event.Fields{"v": v}.Str("v")}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
