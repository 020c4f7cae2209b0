package lucene

import (
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// droppedKeys are the keys normalization does not keep, with the fields
// their values go to.
var droppedKeys = func() map[string][]string {
	m := map[string][]string{}
	for _, k := range normalize.KeyAliases() {
		if k.Dropped {
			m[k.Key] = k.Fields
		}
	}
	return m
}()

// WithAliases widens each field the way people write it from Sysmon,
// Windows or Sigma to where normalization put it: Image:*powershell.exe
// looks in Image itself, process.executable (event.TaxonomyFields) and
// winlog.event_data.Image. A field named with a capital letter and no dot
// also looks in winlog.event_data (TargetUserName, LogonType); ECS's
// related.user, related.ip and related.hosts look in every user, address
// and host field (event.RelatedFields) besides themselves; a key
// normalization does not keep, the single value of an ECS object
// (user:amy, service:billing), looks where normalization puts it
// (normalize.KeyAliases: user.name, or labels.user when the event had
// another user.name); Sigma's
// System names look in their winlog keys (EventID, Channel). Other fields
// are left as they are. Stores and matchers apply it after Parse, so that
// a query means the same in a search and in a live filter.
func WithAliases(n Node) Node {
	switch n := n.(type) {
	case And:
		return And{Nodes: aliasAll(n.Nodes)}
	case Or:
		return Or{Nodes: aliasAll(n.Nodes)}
	case Not:
		return Not{Node: WithAliases(n.Node)}
	case Term:
		return widen(n.Field, func(f string) Node { return Term{Field: f, Value: n.Value} }, n)
	case Phrase:
		return widen(n.Field, func(f string) Node { return Phrase{Field: f, Value: n.Value} }, n)
	case Wildcard:
		return widen(n.Field, func(f string) Node { return Wildcard{Field: f, Pattern: n.Pattern} }, n)
	case Range:
		return widen(n.Field, func(f string) Node { return Range{Field: f, Lo: n.Lo, Hi: n.Hi} }, n)
	case Exists:
		return widen(n.Field, func(f string) Node { return Exists{Field: f} }, n)
	}
	return n
}

func aliasAll(nodes []Node) []Node {
	out := make([]Node, len(nodes))
	for i, n := range nodes {
		out[i] = WithAliases(n)
	}
	return out
}

// widen is n itself, or the Or of it on each field the name stands for.
func widen(field string, on func(string) Node, n Node) Node {
	alts := FieldAliases(field)
	if len(alts) < 2 {
		return n
	}
	or := Or{Nodes: make([]Node, len(alts))}
	for i, f := range alts {
		or.Nodes[i] = on(f)
	}
	return or
}

// FieldAliases lists where a field named by a user is looked for: the
// name itself first, then what it stands for; nil when it stands only
// for itself.
func FieldAliases(field string) []string {
	if rel := event.RelatedFields[field]; rel != nil {
		return append([]string{field}, rel...)
	}
	if leaf := droppedKeys[field]; leaf != nil {
		return append([]string{field}, leaf...)
	}
	if field == "" || strings.ContainsAny(field, ".*?") {
		return nil
	}
	tax, sys := event.TaxonomyFields[field], event.WindowsSystemFields[field]
	capital := field[0] >= 'A' && field[0] <= 'Z'
	if tax == nil && sys == nil && !capital {
		return nil
	}
	out := []string{field}
	for _, f := range slices.Concat(tax, sys) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if capital {
		if f := "winlog.event_data." + field; !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
