package correlate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Parse reads one correlation rule from a YAML document (a document node
// or its top-level mapping) that has a "correlation" key. file names the
// source in errors, which are *Error values with the line and column of
// the offending key or value.
func Parse(doc *yaml.Node, file string) (*Rule, error) {
	p := &parser{file: file, pos: map[string]*yaml.Node{}}
	r, err := p.rule(doc)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// IsCorrelation reports whether a YAML document is a correlation rule,
// that is a mapping with a top-level "correlation" key.
func IsCorrelation(doc *yaml.Node) bool {
	n := doc
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "correlation" {
			return true
		}
	}
	return false
}

// ParseAll reads every correlation rule of a (multi-document) YAML file,
// skipping the documents that are not correlations (detection rules,
// filters). It stops at the first error.
func ParseAll(data []byte, file string) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return rules, nil
			}
			return nil, &Error{File: file, Msg: "cannot decode YAML: " + err.Error()}
		}
		if !IsCorrelation(&doc) {
			continue
		}
		r, err := Parse(&doc, file)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
}

// parser carries the file name and where each validated key was found.
type parser struct {
	file string
	// pos maps a dotted key ("correlation.condition") to its value node,
	// so that semantic errors found after decoding point at the value.
	pos map[string]*yaml.Node
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// maxAliasDepth bounds YAML alias chains (a malicious document can make
// them long).
const maxAliasDepth = 16

// deref follows YAML aliases (*anchor) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

// mapping checks that n is a mapping and calls f for each key/value, in
// order, rejecting duplicate and non-scalar keys.
func (p *parser) mapping(n *yaml.Node, what string, f func(key string, k, v *yaml.Node) error) error {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return p.errf(n, "%s must be a mapping", what)
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			return p.errf(n.Content[i], "%s has a key that is not a string", what)
		}
		if v == nil {
			return p.errf(k, "%s: %s has a bad alias", what, k.Value)
		}
		if seen[k.Value] {
			return p.errf(k, "%s has key %q twice", what, k.Value)
		}
		seen[k.Value] = true
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(key string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v, "%s must be a string", key)
	}
	if v.Tag == "!!null" {
		return "", p.errf(v, "%s must not be empty", key)
	}
	return v.Value, nil
}

// strList accepts a list of strings or, where single allows it, one
// string.
func (p *parser) strList(key string, v *yaml.Node, single bool) ([]string, error) {
	if v.Kind == yaml.ScalarNode && single && v.Tag != "!!null" {
		return []string{v.Value}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, p.errf(v, "%s must be a list of strings", key)
	}
	out := make([]string, 0, len(v.Content))
	for _, item := range v.Content {
		item = deref(item)
		if item == nil || item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			return nil, p.errf(item, "%s must be a list of strings", key)
		}
		out = append(out, item.Value)
	}
	return out, nil
}

func (p *parser) boolean(key string, v *yaml.Node) (bool, error) {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		return false, p.errf(v, "%s must be true or false", key)
	}
	b, err := strconv.ParseBool(v.Value)
	if err != nil {
		// YAML 1.1 spellings such as "yes" decode as !!bool too.
		switch v.Value {
		case "yes", "Yes", "YES", "on", "On", "ON":
			return true, nil
		case "no", "No", "NO", "off", "Off", "OFF":
			return false, nil
		}
		return false, p.errf(v, "%s must be true or false", key)
	}
	return b, nil
}

func (p *parser) number(key string, v *yaml.Node) (float64, error) {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
		return 0, p.errf(v, "%s must be a number", key)
	}
	var f float64
	if err := v.Decode(&f); err != nil {
		return 0, p.errf(v, "%s must be a number: %v", key, err)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, p.errf(v, "%s must be a finite number", key)
	}
	return f, nil
}

var levels = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}

func (p *parser) rule(doc *yaml.Node) (*Rule, error) {
	n := doc
	if n == nil {
		return nil, p.errf(nil, "empty document")
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			return nil, p.errf(n, "empty document")
		}
		n = n.Content[0]
	}
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "correlation rule must be a mapping")
	}
	r := &Rule{File: p.file, Line: n.Line, Column: n.Column}
	var corr, corrKey *yaml.Node
	err := p.mapping(n, "rule", func(key string, k, v *yaml.Node) error {
		p.pos[key] = v
		var err error
		switch key {
		case "title":
			r.Title, err = p.str(key, v)
		case "id":
			r.ID, err = p.str(key, v)
		case "name":
			r.Name, err = p.str(key, v)
		case "status":
			// A status or date outside the specification does not change
			// what the rule does: EventSec warns about them (as for
			// detection rules) instead of refusing the rule.
			r.Status, err = p.str(key, v)
		case "level":
			if r.Level, err = p.str(key, v); err == nil && !levels[r.Level] {
				err = p.errf(v, "level %q is not one of informational, low, medium, high, critical", r.Level)
			}
		case "description":
			r.Description, err = p.str(key, v)
		case "author":
			r.Author, err = p.str(key, v)
		case "date", "modified":
			var s string
			s, err = p.str(key, v)
			if key == "date" {
				r.Date = s
			} else {
				r.Modified = s
			}
		case "taxonomy":
			r.Taxonomy, err = p.str(key, v)
		case "tags":
			r.Tags, err = p.strList(key, v, false)
		case "references":
			r.References, err = p.strList(key, v, false)
		case "falsepositives":
			r.FalsePositives, err = p.strList(key, v, true)
		case "generate":
			r.Generate, err = p.boolean(key, v)
		case "correlation":
			corr, corrKey = v, k
		case "detection", "logsource":
			err = p.errf(k, "a correlation rule cannot have %s (put the detection in its own document)", key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.Title == "" {
		return nil, p.errf(n, "title is required")
	}
	if corr == nil {
		return nil, p.errf(n, "correlation is required")
	}
	if err := p.correlation(corrKey, corr, r); err != nil {
		return nil, err
	}
	if pr := r.validate(); pr != nil {
		v := p.pos[pr.key]
		if v == nil {
			v = corrKey
		}
		return nil, p.errf(v, "%s", pr.msg)
	}
	return r, nil
}

// correlation reads the correlation section n; key is its key node, the
// position given for missing required entries.
func (p *parser) correlation(key, n *yaml.Node, r *Rule) error {
	c := &r.Correlation
	var typeNode *yaml.Node
	err := p.mapping(n, "correlation", func(key string, k, v *yaml.Node) error {
		p.pos["correlation."+key] = v
		var err error
		switch key {
		case "type":
			typeNode = v
			var s string
			if s, err = p.str("correlation.type", v); err != nil {
				return err
			}
			t, ok := parseType(s)
			if !ok {
				return p.errf(v, "correlation type %q is not one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile", s)
			}
			c.Type = t
		case "rules":
			c.Rules, err = p.strList("correlation.rules", v, true)
		case "group-by":
			c.GroupBy, err = p.strList("correlation.group-by", v, true)
		case "timespan":
			var s string
			if s, err = p.str("correlation.timespan", v); err != nil {
				return err
			}
			if c.Timespan, err = ParseDuration(s); err != nil {
				return p.errf(v, "%v", err)
			}
		case "condition":
			err = p.condition(v, &c.Condition)
		case "aliases":
			err = p.aliases(v, c)
		case "generate":
			// pySigma reads generate inside the correlation section too.
			r.Generate, err = p.boolean("correlation.generate", v)
		default:
			err = p.errf(k, "unknown correlation key %q", key)
		}
		return err
	})
	if err != nil {
		return err
	}
	if typeNode == nil {
		return p.errf(key, "correlation.type is required")
	}
	if p.pos["correlation.rules"] == nil {
		return p.errf(key, "correlation.rules is required")
	}
	if p.pos["correlation.timespan"] == nil {
		return p.errf(key, "correlation.timespan is required")
	}
	if c.Type.needsField() || c.Type == EventCount {
		if p.pos["correlation.condition"] == nil {
			return p.errf(key, "%s needs correlation.condition", c.Type)
		}
	}
	return nil
}

func (p *parser) condition(n *yaml.Node, cond *Condition) error {
	return p.mapping(n, "correlation.condition", func(key string, k, v *yaml.Node) error {
		var dst **float64
		switch key {
		case "gt":
			dst = &cond.GT
		case "gte":
			dst = &cond.GTE
		case "lt":
			dst = &cond.LT
		case "lte":
			dst = &cond.LTE
		case "eq":
			dst = &cond.EQ
		case "neq":
			dst = &cond.NEQ
		case "field":
			fields, err := p.strList("correlation.condition.field", v, true)
			if err != nil {
				return err
			}
			if len(fields) == 0 {
				return p.errf(v, "correlation.condition.field must name a field")
			}
			cond.Fields, cond.Field = fields, fields[0]
			return nil
		case "percentile":
			f, err := p.number("correlation.condition.percentile", v)
			if err != nil {
				return err
			}
			if f <= 0 || f > 100 {
				return p.errf(v, "correlation.condition.percentile must be greater than 0 and at most 100")
			}
			cond.Percentile = f
			return nil
		default:
			return p.errf(k, "unknown condition key %q (want gt, gte, lt, lte, eq, neq, field)", key)
		}
		f, err := p.number("correlation.condition."+key, v)
		if err != nil {
			return err
		}
		*dst = &f
		return nil
	})
}

func (p *parser) aliases(n *yaml.Node, c *Correlation) error {
	c.Aliases = map[string]map[string]string{}
	return p.mapping(n, "correlation.aliases", func(alias string, k, v *yaml.Node) error {
		m := map[string]string{}
		err := p.mapping(v, "alias "+strconv.Quote(alias), func(ref string, rk, rv *yaml.Node) error {
			field, err := p.str("alias "+strconv.Quote(alias)+" rule "+strconv.Quote(ref), rv)
			if err != nil {
				return err
			}
			m[ref] = field
			return nil
		})
		if err != nil {
			return err
		}
		c.Aliases[alias] = m
		return nil
	})
}
