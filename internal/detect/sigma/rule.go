package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule is one parsed Sigma detection rule.
type Rule struct {
	ID          string
	Name        string
	Title       string
	Status      string
	Level       string
	Description string
	License     string
	Author      string
	Date        string
	Modified    string
	Taxonomy    string

	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Scope          []string
	Related        []Related

	Logsource Logsource
	Detection *Detection

	// File is the name the rule was parsed from; Line is where its
	// document starts.
	File string
	Line int
	// Source is the rule's own YAML document as given.
	Source []byte
}

// Related is one entry of a rule's related list.
type Related struct {
	ID   string
	Type string
}

// Logsource says which events a rule applies to.
type Logsource struct {
	Product    string
	Category   string
	Service    string
	Definition string
}

// Key returns the identity under which a Ruleset keeps the rule: its
// id, else its name, else its title.
func (r *Rule) Key() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// DocKind says what a YAML document of a Sigma file holds.
type DocKind int

// Document kinds.
const (
	KindRule DocKind = iota + 1
	KindCorrelation
	KindFilter
)

// String names the kind: rule, correlation or filter.
func (k DocKind) String() string {
	switch k {
	case KindRule:
		return "rule"
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "unknown"
}

// Meta is what every kind of Sigma document has in common.
type Meta struct {
	ID    string
	Name  string
	Title string
	Level string
	Tags  []string
}

// Doc is one document of a Sigma file, after rule collections (action:
// global/reset/repeat) have been merged.
type Doc struct {
	Kind DocKind
	Meta Meta
	// Rule is set for KindRule, Filter for KindFilter.
	Rule   *Rule
	Filter *Filter
	// Node is the document's mapping node (merged with the collection's
	// global documents): correlation rules are read from it by the
	// correlation engine.
	Node *yaml.Node
	File string
	Line int
}

// Parse parses one Sigma detection rule. A file of several documents
// must go through ParseDocuments.
func Parse(src []byte, file string) (*Rule, error) {
	docs, errs := ParseDocuments(src, file)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	switch {
	case len(docs) == 0:
		return nil, &Error{File: file, Line: 1, Column: 1, Msg: "no Sigma rule in document"}
	case len(docs) > 1:
		return nil, &Error{File: file, Line: docs[1].Line, Column: 1, Msg: "several documents: use ParseDocuments"}
	}
	if docs[0].Kind != KindRule {
		return nil, &Error{File: file, Line: docs[0].Line, Column: 1, Msg: ErrNotDetection.Error() + ": a " + docs[0].Kind.String()}
	}
	return docs[0].Rule, nil
}

// ParseDocuments splits a (multi-document) YAML file into Sigma
// documents: detection rules, correlation rules and filters. Rule
// collections of the version 1 specification are merged as sigmac did:
// "action: global" documents are deep-merged into every following
// document (their values win), "action: reset" forgets them, and
// "action: repeat" repeats the previous rule with this document merged
// in. A bad document yields an error and the others are still returned.
func ParseDocuments(src []byte, file string) ([]Doc, []error) {
	var docs []Doc
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var roots []*yaml.Node
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, yamlErr(file, src, err))
			// The decoder cannot resynchronise after a syntax error.
			break
		}
		if len(root.Content) > 0 {
			roots = append(roots, root.Content[0])
		}
	}
	whole := len(roots) == 1
	var global *yaml.Node
	var prev *yaml.Node
	for _, top := range roots {
		p := &docParser{file: file}
		body, err := p.deref(top)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
			continue // an empty document ("---" at the end)
		}
		if body.Kind != yaml.MappingNode {
			errs = append(errs, p.errf(body, "a Sigma document must be a mapping, not %s", kindName(body)))
			continue
		}
		pairs, err := p.mapping(body, "document")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		action := ""
		for _, kv := range pairs {
			if kv.key.Value == "action" {
				if action, err = p.str(kv.val, "action"); err != nil {
					errs = append(errs, err)
				}
			}
		}
		merged := false
		switch action {
		case "global":
			g := withoutKey(body, "action")
			if global == nil {
				if global = cloneNode(g); global == nil {
					errs = append(errs, errTooLarge(file, body))
				}
			} else {
				deepUpdate(global, g)
			}
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if prev == nil {
				errs = append(errs, p.errf(body, "action 'repeat' needs a previous rule in the collection"))
				continue
			}
			m := cloneNode(prev)
			if m == nil {
				errs = append(errs, errTooLarge(file, body))
				continue
			}
			deepUpdate(m, withoutKey(body, "action"))
			body, merged = m, true
		case "":
			if global != nil {
				m := cloneNode(body)
				if m == nil {
					errs = append(errs, errTooLarge(file, body))
					continue
				}
				deepUpdate(m, global)
				body, merged = m, true
			}
		default:
			errs = append(errs, p.errf(body, "unknown collection action %q (want global, reset or repeat)", action))
			continue
		}
		doc, err := parseDoc(body, file)
		if err != nil {
			// A document reports every problem the parser could get past,
			// not just the first: one round trip fixes them all.
			errs = append(errs, flatten(err)...)
			continue
		}
		if doc.Kind == KindRule {
			prev = body
			if whole && !merged {
				doc.Rule.Source = src
			} else if out, merr := yaml.Marshal(body); merr == nil {
				doc.Rule.Source = out
			}
		}
		docs = append(docs, doc)
	}
	return docs, errs
}

// parseDoc reads one merged document.
func parseDoc(body *yaml.Node, file string) (Doc, error) {
	p := &docParser{file: file}
	doc := Doc{Node: body, File: file, Line: body.Line}
	pairs, err := p.mapping(body, "document")
	if err != nil {
		return doc, err
	}
	has := map[string]bool{}
	for _, kv := range pairs {
		has[kv.key.Value] = true
	}
	switch {
	case has["correlation"]:
		doc.Kind = KindCorrelation
	case has["filter"] && !has["detection"]:
		doc.Kind = KindFilter
	default:
		doc.Kind = KindRule
	}
	doc.Meta, err = p.meta(pairs)
	metaErr := err
	switch doc.Kind {
	case KindRule:
		r, err := p.rule(body, pairs)
		if err != nil || metaErr != nil {
			// rule reads the same keys as meta: an error of meta's is
			// also one of rule's, except the level check.
			if metaErr != nil && !slices.ContainsFunc(flatten(err), func(e error) bool { return sameError(e, metaErr) }) {
				err = errors.Join(metaErr, err)
			}
			return doc, err
		}
		r.File, r.Line = file, body.Line
		doc.Rule = r
	case KindFilter:
		if metaErr != nil {
			return doc, metaErr
		}
		f, err := p.filter(body, pairs)
		if err != nil {
			return doc, err
		}
		f.File = file
		doc.Filter = f
	case KindCorrelation:
		if metaErr != nil {
			return doc, metaErr
		}
		if doc.Meta.Title == "" {
			return doc, p.errf(body, "correlation rule has no title")
		}
	}
	return doc, nil
}

// meta reads the fields every kind of document shares.
func (p *docParser) meta(pairs []pair) (Meta, error) {
	var m Meta
	var err error
	for _, kv := range pairs {
		switch kv.key.Value {
		case "id":
			m.ID, err = p.str(kv.val, "id")
		case "name":
			m.Name, err = p.str(kv.val, "name")
		case "title":
			m.Title, err = p.str(kv.val, "title")
		case "level":
			m.Level, err = p.str(kv.val, "level")
			if err == nil && m.Level != "" && !validLevel(m.Level) {
				err = p.errf(kv.val, "unknown level %q (want informational, low, medium, high or critical)", m.Level)
			}
		case "tags":
			m.Tags, err = p.strList(kv.val, "tags")
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

func validLevel(l string) bool {
	switch l {
	case "informational", "low", "medium", "high", "critical":
		return true
	}
	return false
}

// rule reads a detection rule. It goes on past a bad key, to report the
// problems of the others too (the error joins them).
func (p *docParser) rule(body *yaml.Node, pairs []pair) (*Rule, error) {
	r := &Rule{}
	var det, ls *yaml.Node
	var err error
	var errs []error
	for _, kv := range pairs {
		k, v := kv.key, kv.val
		switch k.Value {
		case "id":
			r.ID, err = p.str(v, "id")
		case "name":
			r.Name, err = p.str(v, "name")
		case "title":
			r.Title, err = p.str(v, "title")
		case "status":
			r.Status, err = p.str(v, "status")
		case "level":
			r.Level, err = p.str(v, "level")
		case "description":
			r.Description, err = p.str(v, "description")
		case "license":
			r.License, err = p.str(v, "license")
		case "author":
			r.Author, err = p.str(v, "author")
		case "date":
			r.Date, err = p.str(v, "date")
		case "modified":
			r.Modified, err = p.str(v, "modified")
		case "taxonomy":
			r.Taxonomy, err = p.str(v, "taxonomy")
		case "references":
			r.References, err = p.strList(v, "references")
		case "tags":
			r.Tags, err = p.strList(v, "tags")
		case "falsepositives":
			r.FalsePositives, err = p.strList(v, "falsepositives")
		case "fields":
			r.Fields, err = p.strList(v, "fields")
		case "scope":
			r.Scope, err = p.strList(v, "scope")
		case "related":
			r.Related, err = p.related(v)
		case "logsource":
			ls = v
		case "detection":
			det = v
		}
		if err != nil {
			errs = append(errs, err)
			err = nil
		}
	}
	if r.Title == "" {
		errs = append(errs, p.errf(body, "rule has no title"))
	}
	if ls == nil {
		errs = append(errs, p.errf(body, "rule has no logsource"))
	} else if r.Logsource, err = p.logsource(ls); err != nil {
		errs = append(errs, err)
	}
	if det == nil {
		errs = append(errs, p.errf(body, "rule has no detection"))
	} else if r.Detection, err = p.detection(det, true); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// flatten lists the errors a joined error holds (itself when it joins
// none), in order.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// sameError reports whether two errors say the same at the same place.
func sameError(a, b error) bool {
	var x, y *Error
	if errors.As(a, &x) && errors.As(b, &y) {
		return x.Line == y.Line && x.Column == y.Column && x.Msg == y.Msg
	}
	return a.Error() == b.Error()
}

func (p *docParser) related(n *yaml.Node) ([]Related, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "related must be a list, not %s", kindName(n))
	}
	var out []Related
	for _, c := range n.Content {
		pairs, err := p.mapping(c, "related entry")
		if err != nil {
			return nil, err
		}
		var rel Related
		for _, kv := range pairs {
			switch kv.key.Value {
			case "id":
				rel.ID, err = p.str(kv.val, "related id")
			case "type":
				rel.Type, err = p.str(kv.val, "related type")
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, rel)
	}
	return out, nil
}

func (p *docParser) logsource(n *yaml.Node) (Logsource, error) {
	var ls Logsource
	pairs, err := p.mapping(n, "logsource")
	if err != nil {
		return ls, err
	}
	for _, kv := range pairs {
		switch kv.key.Value {
		case "product":
			ls.Product, err = p.str(kv.val, "logsource product")
		case "category":
			ls.Category, err = p.str(kv.val, "logsource category")
		case "service":
			ls.Service, err = p.str(kv.val, "logsource service")
		case "definition":
			ls.Definition, err = p.str(kv.val, "logsource definition")
		default:
			// Custom logsource attributes are allowed by the
			// specification; they must still be scalars.
			_, err = p.str(kv.val, "logsource "+kv.key.Value)
		}
		if err != nil {
			return ls, err
		}
	}
	// Logsource values are lower case by the specification; rules
	// written with capitals still mean the same source.
	ls.Product = strings.ToLower(strings.TrimSpace(ls.Product))
	ls.Category = strings.ToLower(strings.TrimSpace(ls.Category))
	ls.Service = strings.ToLower(strings.TrimSpace(ls.Service))
	return ls, nil
}

// withoutKey returns a copy of mapping n without key k.
func withoutKey(n *yaml.Node, k string) *yaml.Node {
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			continue
		}
		out.Content = append(out.Content, n.Content[i], n.Content[i+1])
	}
	return &out
}

// cloneNode deep-copies a node, resolving aliases into copies. It
// returns nil when the copy would exceed maxNodes nodes (aliases can make
// a small document expand enormously) or nest deeper than 200.
func cloneNode(n *yaml.Node) *yaml.Node {
	count := 0
	return cloneDepth(n, 0, &count)
}

func cloneDepth(n *yaml.Node, depth int, count *int) *yaml.Node {
	*count++
	if n == nil || depth > 200 || *count > maxNodes {
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return cloneDepth(n.Alias, depth+1, count)
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		if out.Content[i] = cloneDepth(c, depth+1, count); out.Content[i] == nil {
			return nil
		}
	}
	return &out
}

// errTooLarge is the error of a collection whose merge is too large.
func errTooLarge(file string, n *yaml.Node) error {
	return &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("document too large: more than %d nodes after alias expansion", maxNodes)}
}

// deepUpdate merges src into the mapping dst: mappings present in both
// are merged, any other value of src replaces dst's.
func deepUpdate(dst, src *yaml.Node) {
	if dst.Kind != yaml.MappingNode || src.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		found := false
		for j := 0; j+1 < len(dst.Content); j += 2 {
			if dst.Content[j].Value != k.Value {
				continue
			}
			found = true
			if dst.Content[j+1].Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
				deepUpdate(dst.Content[j+1], v)
			} else if c := cloneNode(v); c != nil {
				dst.Content[j+1] = c
			}
			break
		}
		if !found {
			if ck, cv := cloneNode(k), cloneNode(v); ck != nil && cv != nil {
				dst.Content = append(dst.Content, ck, cv)
			}
		}
	}
}
