package sca

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ruleKind is what a rule looks at.
type ruleKind string

const (
	kindFile    ruleKind = "file"
	kindDir     ruleKind = "dir"
	kindCommand ruleKind = "command"
	kindSysctl  ruleKind = "sysctl"
	kindPackage ruleKind = "package"
	kindService ruleKind = "service"
	kindModule  ruleKind = "kernel_module"
	kindCond    ruleKind = "condition" // a nested all/any/none
)

// rule is one compiled test. Which fields are set depends on kind; Load
// rejects fields that do not belong to the kind.
type rule struct {
	kind ruleKind
	line int // where the rule starts in the policy, for reasons
	not  bool

	cond *condition // kindCond

	target string // file or dir path, sysctl key, package, unit, module

	// file
	exists  *bool
	modeMax *fs.FileMode
	owners  []string // any of
	groups  []string // any of

	// dir
	files *regexp.Regexp // base names; nil: every regular file

	// command
	argv     []string
	timeout  time.Duration
	exitCode *int

	// package
	installed bool

	// service
	enabled, active *bool

	// kernel module
	loaded, disabled, blacklisted *bool

	// content of a file, of the files of a dir, of command output or a
	// sysctl value
	m *matcher
}

// matcher selects lines and tests the value they capture.
type matcher struct {
	line       *regexp.Regexp // nil for sysctl: the whole value is tested
	firstMatch bool
	include    *regexp.Regexp // file only: group 1 lists globs to read in place
	stop       *regexp.Regexp // stop reading the current file here
	value      *regexp.Regexp
	valueNot   *regexp.Regexp
	compare    []cmpTerm
	redact     bool
}

// cmpTerm is one numeric comparison such as "<= 365".
type cmpTerm struct {
	op  string
	num float64
}

func (t cmpTerm) String() string { return t.op + " " + strconv.FormatFloat(t.num, 'f', -1, 64) }

func (t cmpTerm) holds(v float64) bool {
	switch t.op {
	case "<":
		return v < t.num
	case "<=":
		return v <= t.num
	case ">":
		return v > t.num
	case ">=":
		return v >= t.num
	case "==":
		return v == t.num
	default: // "!=", the only other operator parseCompare accepts
		return v != t.num
	}
}

// parseCompare reads "<= 365" or a conjunction "> 0, <= 300".
func parseCompare(s string) ([]cmpTerm, bool) {
	var terms []cmpTerm
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		var t cmpTerm
		for _, o := range []string{"<=", ">=", "==", "!=", "<", ">"} {
			if rest, ok := strings.CutPrefix(part, o); ok {
				t.op, part = o, strings.TrimSpace(rest)
				break
			}
		}
		n, err := strconv.ParseFloat(part, 64)
		if t.op == "" || err != nil {
			return nil, false
		}
		t.num = n
		terms = append(terms, t)
	}
	return terms, len(terms) > 0
}

// primary keys name a rule's kind.
var primaryKeys = map[string]ruleKind{
	"file": kindFile, "dir": kindDir, "command": kindCommand, "sysctl": kindSysctl,
	"package": kindPackage, "service": kindService, "kernel_module": kindModule,
	"all": kindCond, "any": kindCond, "none": kindCond,
}

// allowed lists the fields each kind accepts besides its primary key and
// "not".
var allowed = map[ruleKind][]string{
	kindFile:    {"exists", "mode_max", "owner", "group", "line", "first_match", "include", "stop", "value", "value_not", "compare", "redact"},
	kindDir:     {"files", "line", "first_match", "stop", "value", "value_not", "compare", "redact"},
	kindCommand: {"timeout", "exit_code", "line", "first_match", "value", "value_not", "compare", "redact"},
	kindSysctl:  {"value", "value_not", "compare"},
	kindPackage: {"installed"},
	kindService: {"enabled", "active"},
	kindModule:  {"loaded", "disabled", "blacklisted"},
	kindCond:    {},
}

// maxNesting bounds nested all/any/none so a hostile policy cannot exhaust
// the stack.
const maxNesting = 8

func (d *decoder) rule(n *yaml.Node, depth int) (*rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, d.errf(n, "a rule must be a mapping such as {file: /etc/passwd}")
	}
	r := &rule{line: n.Line}
	var primary *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if kind, ok := primaryKeys[k.Value]; ok {
			if primary != nil {
				return nil, d.errf(k, "a rule has one of file, dir, command, sysctl, package, service, kernel_module, all, any or none; %q comes after %q", k.Value, primary.Value)
			}
			primary, r.kind = k, kind
		}
	}
	if primary == nil {
		return nil, d.errf(n, "the rule says nothing to test: give one of file, dir, command, sysctl, package, service, kernel_module, all, any or none")
	}
	r.installed = r.kind == kindPackage // "package: x" alone means installed
	m := &matcher{}
	var hasMatcher bool
	var valueNode *yaml.Node
	err := d.fields(n, "a rule", func(key string, k, v *yaml.Node) error {
		var err error
		if key != primary.Value && key != "not" && !slices.Contains(allowed[r.kind], key) {
			return d.errf(k, "field %q does not apply to a %s rule", key, primary.Value)
		}
		switch key {
		case "not":
			r.not, err = d.boolean(v, key)
		case "all", "any", "none":
			if depth >= maxNesting {
				return d.errf(k, "conditions are nested more than %d deep", maxNesting)
			}
			r.cond = &condition{op: op(key)}
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return d.errf(v, "%s must be a non-empty list of rules", key)
			}
			for _, rn := range v.Content {
				sub, err := d.rule(deref(rn), depth+1)
				if err != nil {
					return err
				}
				r.cond.rules = append(r.cond.rules, sub)
			}
		case "file", "dir":
			if r.target, err = d.nonEmpty(v, key); err == nil && !path.IsAbs(r.target) {
				err = d.errf(v, "%s %q must be an absolute path", key, r.target)
			}
			r.target = path.Clean(r.target)
		case "sysctl":
			r.target, err = d.nonEmpty(v, key)
			if err == nil && (strings.Contains(r.target, "..") || strings.ContainsAny(r.target, " /\\")) {
				err = d.errf(v, "sysctl %q must be a dotted key such as net.ipv4.ip_forward", r.target)
			}
		case "package", "service", "kernel_module":
			r.target, err = d.nonEmpty(v, key)
			if err == nil && strings.ContainsAny(r.target, " /\t") {
				err = d.errf(v, "%s %q must be a plain name", key, r.target)
			}
		case "command":
			if r.argv, err = d.strs(v, key); err == nil && v.Kind != yaml.SequenceNode {
				err = d.errf(v, "command must be a list: the program and its arguments (no shell is used)")
			}
		case "timeout":
			var s string
			if s, err = d.str(v, key); err == nil {
				if r.timeout, err = time.ParseDuration(s); err != nil || r.timeout <= 0 || r.timeout > 10*time.Minute {
					err = d.errf(v, "timeout %q must be a duration such as 10s, at most 10m", s)
				}
			}
		case "exit_code":
			var c int
			c, err = d.integer(v, key)
			r.exitCode = &c
		case "exists":
			r.exists, err = d.boolPtr(v, key)
		case "installed":
			r.installed, err = d.boolean(v, key)
		case "enabled":
			r.enabled, err = d.boolPtr(v, key)
		case "active":
			r.active, err = d.boolPtr(v, key)
		case "loaded":
			r.loaded, err = d.boolPtr(v, key)
		case "disabled":
			r.disabled, err = d.boolPtr(v, key)
		case "blacklisted":
			r.blacklisted, err = d.boolPtr(v, key)
		case "mode_max":
			var s string
			if s, err = d.str(v, key); err == nil {
				// Octal, as chmod takes it; an unquoted 0644 reaches us as
				// the text "0644" because we read the node's raw value.
				mode, perr := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
				if perr != nil || mode > 0o7777 {
					return d.errf(v, "mode_max %q must be an octal mode such as 0644", s)
				}
				fm := unixMode(uint32(mode))
				r.modeMax = &fm
			}
		case "owner":
			r.owners, err = d.strs(v, key)
		case "group":
			r.groups, err = d.strs(v, key)
		case "files":
			r.files, err = d.regex(v, key)
		case "line":
			m.line, err = d.regex(v, key)
			hasMatcher = true
		case "first_match":
			m.firstMatch, err = d.boolean(v, key)
		case "include":
			m.include, err = d.regex(v, key)
		case "stop":
			m.stop, err = d.regex(v, key)
		case "value":
			m.value, err = d.regex(v, key)
			hasMatcher, valueNode = true, v
		case "value_not":
			m.valueNot, err = d.regex(v, key)
			hasMatcher, valueNode = true, v
		case "compare":
			var s string
			if s, err = d.str(v, key); err == nil {
				var ok bool
				if m.compare, ok = parseCompare(s); !ok {
					err = d.errf(v, "compare %q must be comparisons such as \"<= 365\" or \"> 0, <= 300\"", s)
				}
			}
			hasMatcher, valueNode = true, v
		case "redact":
			m.redact, err = d.boolean(v, key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if hasMatcher || m.firstMatch || m.include != nil || m.stop != nil || m.redact {
		r.m = m
	}
	return r, d.checkRule(n, r, valueNode)
}

func (d *decoder) boolPtr(n *yaml.Node, what string) (*bool, error) {
	b, err := d.boolean(n, what)
	return &b, err
}

// checkRule rejects combinations that would make a rule meaningless.
func (d *decoder) checkRule(n *yaml.Node, r *rule, valueNode *yaml.Node) error {
	m := r.m
	if m != nil && m.line == nil && r.kind != kindSysctl {
		if valueNode != nil {
			return d.errf(valueNode, "value, value_not and compare test what line captures: give line too")
		}
		return d.errf(n, "first_match, include, stop and redact refine line: give line too")
	}
	switch r.kind {
	case kindFile:
		if r.exists != nil && !*r.exists && (m != nil || r.modeMax != nil || r.owners != nil || r.groups != nil) {
			return d.errf(n, "a rule with exists: false cannot test the file's content or permissions")
		}
	case kindSysctl:
		if m == nil {
			return d.errf(n, "a sysctl rule needs value, value_not or compare")
		}
	case kindService:
		if r.enabled == nil && r.active == nil {
			return d.errf(n, "a service rule needs enabled or active")
		}
	case kindModule:
		if r.loaded == nil && r.disabled == nil && r.blacklisted == nil {
			return d.errf(n, "a kernel_module rule needs loaded, disabled or blacklisted")
		}
	case kindCommand:
		if len(r.argv) == 0 {
			return d.errf(n, "command must name a program")
		}
	}
	return nil
}

// unixMode turns chmod-style octal bits into an fs.FileMode.
func unixMode(m uint32) fs.FileMode {
	fm := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= fs.ModeSticky
	}
	return fm
}

// octal renders the chmod bits of a mode as "0644".
func octal(fm fs.FileMode) string {
	m := uint32(fm.Perm())
	if fm&fs.ModeSetuid != 0 {
		m |= 0o4000
	}
	if fm&fs.ModeSetgid != 0 {
		m |= 0o2000
	}
	if fm&fs.ModeSticky != 0 {
		m |= 0o1000
	}
	return "0" + strconv.FormatUint(uint64(m), 8)
}
