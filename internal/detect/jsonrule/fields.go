package jsonrule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// A rule names a field the way its author knows it: a key as the sender
// sends it (eventType, service), an ECS field (service.name), the
// original API's name (source_ip), or Sigma's (Image). Normalization
// keeps most keys as sent beside the ECS field they fill, but drops the
// single value of an ECS object ("service":"billing" becomes
// service.name): such a key is looked for where normalization put it,
// which normalize.SentKeyField says from normalization's own table. The
// other names fall back to the ECS fields they stand for when the event
// has no field of that name (an event sent with ECS names).

// seedFields are the original API's names that normalization's table
// does not map, or maps to fewer fields, keyed in lower case.
var seedFields = map[string][]string{
	"eventtype":  {"event.action", "event.type"},
	"event_type": {"event.action", "event.type"},
	"type":       {"event.type"},
	"ip":         {"source.ip"},
}

// droppedKeys are the keys normalization does not keep; keyFields the
// keys it keeps and the ECS fields they fill, with the original API's
// names, keyed in lower case: a rule's sourceIP finds an event's
// source.ip.
var droppedKeys, keyFields = keyTables()

func keyTables() (dropped map[string]bool, fields map[string][]string) {
	dropped, fields = map[string]bool{}, map[string][]string{}
	for _, k := range normalize.KeyAliases() {
		if k.Dropped {
			dropped[k.Key] = true
			continue
		}
		lk := strings.ToLower(k.Key)
		if _, ok := fields[lk]; !ok {
			fields[lk] = k.Fields
		}
	}
	for k, seed := range seedFields {
		for _, f := range seed {
			if !slices.Contains(fields[k], f) {
				fields[k] = append(fields[k], f)
			}
		}
	}
	return dropped, fields
}

// lookup is where a rule's field name is looked for in an event.
type lookup struct {
	// dropped: the name is a key normalization drops, looked for where
	// normalization put its value.
	dropped bool
	// alts are the fields the name stands for, in order, when the event
	// has no field of that name.
	alts []string
}

// lookupOf says where the field name is looked for.
func lookupOf(name string) lookup {
	if droppedKeys[name] {
		return lookup{dropped: true}
	}
	var alts []string
	add := func(fields ...string) {
		for _, f := range fields {
			if f != name && !slices.Contains(alts, f) {
				alts = append(alts, f)
			}
		}
	}
	add(keyFields[strings.ToLower(name)]...)
	add(event.TaxonomyFields[name]...)
	add(event.WindowsSystemFields[name]...)
	add(event.RelatedFields[name]...)
	if name != "" && name[0] >= 'A' && name[0] <= 'Z' && !strings.Contains(name, ".") {
		// A Windows event's own data (TargetUserName, LogonType), as the
		// search syntax reads it.
		add("winlog.event_data." + name)
	}
	return lookup{alts: alts}
}

// known says whether the name stands for anything but itself.
func (l lookup) known() bool { return l.dropped || len(l.alts) > 0 }

func (l lookup) values(ev *event.Event, name string) ([]string, bool) {
	if v, ok := ev.Fields[name]; ok {
		return fieldStrings(v), true
	}
	if name == "@timestamp" || name == "timestamp" {
		return []string{ev.Timestamp.UTC().Format(time.RFC3339Nano)}, true
	}
	if l.dropped {
		if f, ok := normalize.SentKeyField(ev.Fields, name); ok {
			return fieldStrings(ev.Fields[f]), true
		}
		return nil, false
	}
	for _, alt := range l.alts {
		if v, ok := ev.Fields[alt]; ok {
			return fieldStrings(v), true
		}
	}
	return nil, false
}

// Values returns the event's values for a rule's field name: the field
// of that name; else, for a key normalization drops (service), the field
// it put the value in (service.name); else the first field the name
// stands for that the event has (source_ip: source.ip). present is
// false when the event has none.
func Values(ev *event.Event, name string) (vals []string, present bool) {
	return lookupOf(name).values(ev, name)
}

// vocabulary is every name EventSec knows a field by: the fields
// normalization fills and the names it, Sigma and the original API map.
type vocabulary struct {
	fields map[string]bool // dotted names and ECS's undotted ones (message, tags)
	roots  map[string]bool // first part of a dotted name: ECS objects
	keys   []string        // undotted names, for suggestions
}

var vocab = func() vocabulary {
	v := vocabulary{fields: map[string]bool{"@timestamp": true, "timestamp": true, "message": true, "tags": true, "labels": true}, roots: map[string]bool{"labels": true}}
	addField := func(fields ...string) {
		for _, f := range fields {
			v.fields[f] = true
			if root, _, dotted := strings.Cut(f, "."); dotted {
				v.roots[root] = true
			}
		}
	}
	addKey := func(k string) {
		if strings.Contains(k, ".") {
			addField(k)
			return
		}
		if !slices.Contains(v.keys, k) {
			v.keys = append(v.keys, k)
		}
	}
	for _, k := range normalize.KeyAliases() {
		addKey(k.Key)
		addField(k.Fields...)
		if k.Dropped {
			v.roots[k.Key] = true
		}
	}
	for k, fields := range seedFields {
		addKey(k)
		addField(fields...)
	}
	for _, m := range []map[string][]string{event.TaxonomyFields, event.WindowsSystemFields, event.RelatedFields} {
		for k, fields := range m {
			addKey(k)
			addField(fields...)
		}
	}
	for _, c := range event.Columns {
		addField(c.Field)
	}
	slices.Sort(v.keys)
	return v
}()

// suggestField returns the name EventSec knows that an unknown field
// name is probably a misspelling of ("" when the name is known, or close
// to nothing known). A name of one's own that is close to none (a
// sender's record_count) gets none: events may carry any key.
func suggestField(name string) string {
	if name == "" || vocab.fields[name] {
		return ""
	}
	if l := lookupOf(name); l.dropped || len(l.alts) > 0 && !strings.HasPrefix(l.alts[0], "winlog.event_data.") {
		return ""
	}
	lower := strings.ToLower(name)
	if slices.ContainsFunc(vocab.keys, func(k string) bool { return strings.ToLower(k) == lower }) {
		return "" // Sigma's ProcessId written processId
	}
	root, rest, dotted := strings.Cut(name, ".")
	if !dotted {
		return closest(lower, vocab.keys, typoLimit(lower))
	}
	if vocab.roots[root] {
		// An ECS object's field EventSec does not fill may well be right
		// (ECS has hundreds): only a near miss of one it fills is
		// suggested, for a leaf long enough not to be another one
		// (host.id is not host.ip).
		leaf := name[strings.LastIndexByte(name, '.')+1:]
		if len(leaf) < 4 {
			return ""
		}
		var same []string
		for f := range vocab.fields {
			if strings.HasPrefix(f, root+".") {
				same = append(same, f)
			}
		}
		slices.Sort(same)
		return closest(lower, same, 1)
	}
	var roots []string
	for r := range vocab.roots {
		roots = append(roots, r)
	}
	slices.Sort(roots)
	if r := closest(strings.ToLower(root), roots, typoLimit(root)); r != "" {
		return r + "." + rest
	}
	return ""
}

// typoLimit is how many letters a name may be off by to be taken for a
// misspelling.
func typoLimit(s string) int {
	if len(s) < 10 {
		return 1
	}
	return 2
}

// closest returns the candidate nearest to s (lower case) within limit
// edits, the first in the list on a tie; not one that is in s or that s
// is in: a word built on another (users, resource, processId) is no
// misspelling of it.
func closest(s string, candidates []string, limit int) string {
	best, dist := "", limit+1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if strings.Contains(s, lc) || strings.Contains(lc, s) {
			continue
		}
		if d := editDistance(s, lc); d < dist {
			best, dist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of two short
// strings: insertions, deletions, substitutions and transpositions of
// adjacent letters count one each.
func editDistance(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3 // beyond any limit: spare the table
	}
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(a)][len(b)]
}

// fieldWarnings are the rule's field names that are probably misspelt:
// its conditions' fields and its group-by fields, each at its value in
// the source.
func (s *source) fieldWarnings(r *Rule) Errors {
	var out Errors
	warn := func(name string, path []any) {
		guess := suggestField(name)
		if guess == "" {
			return
		}
		l, c := s.position(path)
		p := pathString(path)
		out = append(out, &Error{Line: l, Column: c, Path: p,
			Msg: fmt.Sprintf("%s: %q is no ECS field or key EventSec knows; did you mean %q? As written, it reads only events that carry %q itself",
				p, name, guess, name)})
	}
	for i, c := range r.Conditions {
		warn(c.Field, []any{"conditions", i, "field"})
	}
	if r.Aggregation != nil {
		for i, f := range r.Aggregation.GroupBy {
			warn(strings.TrimSpace(f), append(r.Aggregation.at[:len(r.Aggregation.at):len(r.Aggregation.at)], i))
		}
	}
	return out
}

// AliasNames lists the names Values reads through normalization's table
// or the original API's names (the sender's keys and the ECS fields they
// stand for), sorted: the fields an exception or a rule may name besides
// the event's own.
func AliasNames() []string {
	var out []string
	for k, fields := range keyFields {
		out = append(out, k)
		out = append(out, fields...)
	}
	for _, a := range normalize.KeyAliases() {
		out = append(out, a.Key)
		out = append(out, a.Fields...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
