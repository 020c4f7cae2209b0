package sca

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Severity ranks how much a failed check matters.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Policy is a loaded, validated assessment policy. Build one with Load or
// Builtin; the rules are compiled and not exported.
type Policy struct {
	ID          string
	Name        string
	Description string
	// Platforms lists the os-release IDs the policy is written for
	// (matched against ID and ID_LIKE of <root>/etc/os-release); empty
	// means any platform.
	Platforms  []string
	References []string
	Checks     []Check
	// Digest is the SHA-256 of the policy source: a changed policy changes
	// the result hash even when every outcome stays the same.
	Digest string

	requires *condition
}

// Check is one assessed setting.
type Check struct {
	ID          string
	Title       string
	Description string
	Rationale   string
	Remediation string
	References  []string
	// Compliance maps a framework to its control, e.g. "cis_debian12":
	// "5.1.20".
	Compliance map[string]string
	Severity   Severity

	requires *condition // nil: always applies
	cond     condition
}

// op combines the outcomes of a condition's rules.
type op string

const (
	opAll  op = "all"
	opAny  op = "any"
	opNone op = "none"
)

// condition is all/any/none over rules; a rule may itself be a condition.
type condition struct {
	op    op
	rules []*rule
}

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)
	// yaml.v3 reports syntax errors as "yaml: line N: ..." only.
	yamlLine = regexp.MustCompile(`line (\d+)`)
)

// maxPolicyBytes bounds Load's input: policies are hand-written documents,
// and the bound keeps a hostile input from costing much.
const maxPolicyBytes = 4 << 20

// Load parses and validates a policy document. Every error wraps
// ErrInvalidPolicy and is a *LoadError giving the line and column (and the
// check id) of the problem.
func Load(data []byte) (*Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, &LoadError{Msg: fmt.Sprintf("policy is %d bytes, more than the %d allowed", len(data), maxPolicyBytes)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		le := &LoadError{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			le.Line, _ = strconv.Atoi(m[1])
		}
		return nil, le
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &LoadError{Line: 1, Msg: "empty policy"}
	}
	sum := sha256.Sum256(data)
	p := &Policy{Digest: hex.EncodeToString(sum[:])}
	d := &decoder{}
	if err := d.policy(deref(doc.Content[0]), p); err != nil {
		return nil, err
	}
	return p, nil
}

// decoder walks the YAML node tree by hand so that every error can name its
// line, column and check (yaml.v3's struct decoding reports only lines and
// cannot reject unknown fields outside a Decoder).
type decoder struct {
	check string // id of the check being decoded, for errors
	// visits counts the mapping entries decoded. Aliases make a document
	// a graph: a few lines of nested aliases can stand for billions of
	// rules, so the walk has a budget.
	visits int
}

// maxVisits is far above what a hand-written policy needs (the Debian
// baseline needs about 3,000).
const maxVisits = 100_000

func (d *decoder) errf(n *yaml.Node, format string, args ...any) error {
	return &LoadError{Line: n.Line, Column: n.Column, Check: d.check, Msg: fmt.Sprintf(format, args...)}
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// fields calls fn for every key of a mapping, rejecting duplicate keys.
func (d *decoder) fields(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "%s must be a mapping", what)
	}
	if d.visits += len(n.Content)/2 + 1; d.visits > maxVisits {
		return d.errf(n, "the policy is too large once its aliases are expanded")
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return d.errf(k, "%s keys must be plain names", what)
		}
		if seen[k.Value] {
			return d.errf(k, "duplicate field %q in %s", k.Value, what)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errf(n, "%s must be a single value", what)
	}
	return n.Value, nil
}

func (d *decoder) nonEmpty(n *yaml.Node, what string) (string, error) {
	s, err := d.str(n, what)
	if err == nil && strings.TrimSpace(s) == "" {
		err = d.errf(n, "%s must not be empty", what)
	}
	return s, err
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, nil
		}
	}
	return false, d.errf(n, "%s must be true or false", what)
}

func (d *decoder) integer(n *yaml.Node, what string) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		var i int
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
	}
	return 0, d.errf(n, "%s must be an integer", what)
}

// strs accepts one value or a list of values.
func (d *decoder) strs(n *yaml.Node, what string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		s, err := d.nonEmpty(n, what)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, "%s must be a value or a list of values", what)
	}
	if len(n.Content) == 0 {
		return nil, d.errf(n, "%s must not be an empty list", what)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s, err := d.nonEmpty(deref(c), what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *decoder) regex(n *yaml.Node, what string) (*regexp.Regexp, error) {
	s, err := d.nonEmpty(n, what)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, d.errf(n, "%s is not a valid regular expression: %v", what, err)
	}
	return re, nil
}

func (d *decoder) policy(n *yaml.Node, p *Policy) error {
	var checksNode *yaml.Node
	err := d.fields(n, "the policy", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "id":
			if p.ID, err = d.str(v, "id"); err == nil && !idPattern.MatchString(p.ID) {
				err = d.errf(v, "id %q must be lower case letters, digits, '.', '_' or '-'", p.ID)
			}
		case "name":
			p.Name, err = d.nonEmpty(v, "name")
		case "description":
			p.Description, err = d.str(v, "description")
		case "platforms":
			p.Platforms, err = d.strs(v, "platforms")
		case "references":
			p.References, err = d.strs(v, "references")
		case "requires":
			p.requires, err = d.conditionBlock(v, "requires")
		case "checks":
			checksNode = v
		default:
			err = d.errf(k, "unknown field %q in the policy", key)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case p.ID == "":
		return d.errf(n, "the policy has no id")
	case p.Name == "":
		return d.errf(n, "the policy has no name")
	case checksNode == nil:
		return d.errf(n, "the policy has no checks")
	case checksNode.Kind != yaml.SequenceNode || len(checksNode.Content) == 0:
		return d.errf(checksNode, "checks must be a non-empty list")
	}
	seen := make(map[string]int, len(checksNode.Content))
	for _, cn := range checksNode.Content {
		cn = deref(cn)
		c, err := d.checkNode(cn)
		if err != nil {
			return err
		}
		if line, dup := seen[c.ID]; dup {
			d.check = c.ID
			return d.errf(cn, "check id %q is already used at line %d", c.ID, line)
		}
		seen[c.ID] = cn.Line
		p.Checks = append(p.Checks, c)
	}
	return nil
}

var severities = map[string]Severity{"low": SeverityLow, "medium": SeverityMedium, "high": SeverityHigh, "critical": SeverityCritical}

func (d *decoder) checkNode(n *yaml.Node) (Check, error) {
	c := Check{Severity: SeverityMedium}
	d.check = ""
	defer func() { d.check = "" }()
	if n.Kind != yaml.MappingNode {
		return c, d.errf(n, "a check must be a mapping")
	}
	// Find the id first so that every later error can name the check.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := deref(n.Content[i]), deref(n.Content[i+1]); k.Value == "id" {
			id, err := d.str(v, "id")
			if err != nil {
				return c, err
			}
			if !idPattern.MatchString(id) {
				return c, d.errf(v, "check id %q must be lower case letters, digits, '.', '_' or '-'", id)
			}
			c.ID, d.check = id, id
		}
	}
	if c.ID == "" {
		return c, d.errf(n, "the check has no id")
	}
	var condNode *yaml.Node
	err := d.fields(n, "a check", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "id":
		case "title":
			c.Title, err = d.nonEmpty(v, "title")
		case "description":
			c.Description, err = d.str(v, "description")
		case "rationale":
			c.Rationale, err = d.str(v, "rationale")
		case "remediation":
			c.Remediation, err = d.str(v, "remediation")
		case "references":
			c.References, err = d.strs(v, "references")
		case "compliance":
			c.Compliance = map[string]string{}
			err = d.fields(v, "compliance", func(key string, _, v *yaml.Node) error {
				var err error
				c.Compliance[key], err = d.nonEmpty(v, "compliance "+key)
				return err
			})
		case "severity":
			var s string
			if s, err = d.str(v, "severity"); err == nil {
				var ok bool
				if c.Severity, ok = severities[s]; !ok {
					err = d.errf(v, "severity %q must be low, medium, high or critical", s)
				}
			}
		case "requires":
			c.requires, err = d.conditionBlock(v, "requires")
		case "all", "any", "none":
			if condNode != nil {
				return d.errf(k, "a check has exactly one of all, any or none")
			}
			condNode = k
			c.cond.op = op(key)
			c.cond.rules, err = d.ruleList(v, key)
		default:
			err = d.errf(k, "unknown field %q in a check", key)
		}
		return err
	})
	if err != nil {
		return c, err
	}
	if c.Title == "" {
		return c, d.errf(n, "the check has no title")
	}
	if condNode == nil {
		return c, d.errf(n, "the check has no rules: give all, any or none")
	}
	return c, nil
}

// conditionBlock decodes {all|any|none: [rules]}.
func (d *decoder) conditionBlock(n *yaml.Node, what string) (*condition, error) {
	var c *condition
	err := d.fields(n, what, func(key string, k, v *yaml.Node) error {
		switch key {
		case "all", "any", "none":
			if c != nil {
				return d.errf(k, "%s has exactly one of all, any or none", what)
			}
			rules, err := d.ruleList(v, key)
			c = &condition{op: op(key), rules: rules}
			return err
		default:
			return d.errf(k, "unknown field %q in %s: want all, any or none", key, what)
		}
	})
	if err == nil && c == nil {
		err = d.errf(n, "%s needs all, any or none", what)
	}
	return c, err
}

func (d *decoder) ruleList(n *yaml.Node, what string) ([]*rule, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, d.errf(n, "%s must be a non-empty list of rules", what)
	}
	rules := make([]*rule, 0, len(n.Content))
	for _, rn := range n.Content {
		r, err := d.rule(deref(rn), 0)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}
