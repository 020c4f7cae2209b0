package sigma

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds how many YAML nodes one document may make the parser
// visit: aliases can make a small document expand to a huge tree.
const maxNodes = 1 << 17

// docParser reads one YAML document, turning every problem into an
// *Error that names the file, line and column.
type docParser struct {
	file  string
	nodes int
}

func (p *docParser) errf(n *yaml.Node, format string, args ...any) *Error {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// deref follows aliases and counts visited nodes.
func (p *docParser) deref(n *yaml.Node) (*yaml.Node, error) {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 || n.Alias == nil {
			return nil, p.errf(n, "alias cannot be resolved")
		}
		n = n.Alias
	}
	p.nodes++
	if p.nodes > maxNodes {
		return nil, p.errf(n, "document too large: more than %d nodes after alias expansion", maxNodes)
	}
	return n, nil
}

// pair is one key/value of a mapping.
type pair struct {
	key, val *yaml.Node
}

// mapping returns the pairs of a mapping node, rejecting duplicate keys
// and keys that are not scalars. Merge keys ("<<") are not supported.
func (p *docParser) mapping(n *yaml.Node, what string) ([]pair, error) {
	n, err := p.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "%s must be a mapping, not %s", what, kindName(n))
	}
	if len(n.Content)%2 != 0 {
		return nil, p.errf(n, "%s: malformed mapping", what)
	}
	out := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k, err := p.deref(n.Content[i])
		if err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, p.errf(k, "%s: key must be a scalar, not %s", what, kindName(k))
		}
		if k.Tag == "!!merge" {
			return nil, p.errf(k, "%s: merge keys (<<) are not supported", what)
		}
		if prev, dup := seen[k.Value]; dup {
			return nil, p.errf(k, "%s: duplicate key %q (first at line %d)", what, k.Value, prev.Line)
		}
		seen[k.Value] = k
		v, err := p.deref(n.Content[i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, pair{k, v})
	}
	return out, nil
}

// str reads a scalar as text. Null reads as "".
func (p *docParser) str(n *yaml.Node, what string) (string, error) {
	n, err := p.deref(n)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, "%s must be a scalar, not %s", what, kindName(n))
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// strList reads a sequence of scalars, or one scalar as a list of one.
func (p *docParser) strList(n *yaml.Node, what string) ([]string, error) {
	n, err := p.deref(n)
	if err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			s, err := p.str(c, what+" item")
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, p.errf(n, "%s must be a list of strings, not %s", what, kindName(n))
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	return "an unknown node"
}
