package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/detect/sigma"
)

// SigmaStatuses are the statuses the Sigma specification defines.
var SigmaStatuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}

// sigmaDateLayouts are the forms of a Sigma date: the specification's
// ISO 8601 date, and the slashes of rules written before it said so.
var sigmaDateLayouts = []string{"2006-01-02", "2006/01/02"}

// mapValue returns the key and value nodes of key in a mapping node (nil
// when it has none).
func mapValue(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// metaWarnings lists what is wrong in a Sigma document's metadata without
// stopping the rule from running: ATT&CK tags that name no tactic or
// technique of the table (they are left out of the rule's ATT&CK mapping
// and coverage), a status the specification does not define, a date that
// is not one. Each is at its value's line and column.
func metaWarnings(d *sigma.Doc, file string) []RuleError {
	var out []RuleError
	at := func(n *yaml.Node, format string, args ...any) {
		out = append(out, RuleError{File: file, Line: n.Line, Column: n.Column, Message: fmt.Sprintf(format, args...)})
	}
	if _, tags := mapValue(d.Node, "tags"); tags != nil {
		items := []*yaml.Node{tags}
		if tags.Kind == yaml.SequenceNode {
			items = tags.Content
		}
		for _, n := range items {
			if n.Kind != yaml.ScalarNode {
				continue
			}
			_, _, unknown := attack.ParseTags([]string{n.Value})
			if len(unknown) == 0 {
				continue
			}
			at(n, "%s", unknownTagMessage(n.Value))
		}
	}
	if _, st := mapValue(d.Node, "status"); st != nil && st.Kind == yaml.ScalarNode && st.Value != "" && !contains(SigmaStatuses, st.Value) {
		at(st, "status %q is not a Sigma status (want one of %s)", st.Value, strings.Join(SigmaStatuses, ", "))
	}
	for _, key := range []string{"date", "modified"} {
		_, v := mapValue(d.Node, key)
		if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			continue
		}
		ok := false
		for _, layout := range sigmaDateLayouts {
			if _, err := time.Parse(layout, strings.TrimSpace(v.Value)); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			at(v, "%s %q is not a date: write it as YYYY-MM-DD, e.g. 2024-03-15", key, v.Value)
		}
	}
	return out
}

// unknownTagMessage says why an attack.* tag is not mapped, with the
// tactic it was probably meant to be.
func unknownTagMessage(tag string) string {
	rest := strings.ToLower(strings.TrimSpace(tag))
	rest = strings.TrimPrefix(rest, "attack.")
	if len(rest) > 1 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' {
		return fmt.Sprintf("tag %q: %s is not an ATT&CK technique EventSec knows; the tag is left out of the rule's ATT&CK mapping", tag, strings.ToUpper(rest))
	}
	if len(rest) > 2 && rest[:2] == "ta" && rest[2] >= '0' && rest[2] <= '9' {
		return fmt.Sprintf("tag %q: %s is not an ATT&CK tactic ID; the tag is left out of the rule's ATT&CK mapping", tag, strings.ToUpper(rest))
	}
	msg := fmt.Sprintf("tag %q: %q is not an ATT&CK tactic or technique; the tag is left out of the rule's ATT&CK mapping", tag, rest)
	// The retired names still map (defense-evasion), so a misspelling of
	// one (the British defence-evasion) gets it as its suggestion.
	names := attack.TacticAliases()
	for _, t := range attack.Tactics() {
		names = append(names, t.Shortname)
	}
	best, dist := "", 3
	for _, name := range names {
		if d := editDistance(strings.ReplaceAll(rest, "_", "-"), name); d < dist {
			best, dist = name, d
		}
	}
	if best != "" {
		msg += fmt.Sprintf(" (did you mean attack.%s?)", best)
	}
	return msg
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggestedIDSpace is the UUID namespace of the ids EventSec suggests for
// Sigma documents that have none.
var suggestedIDSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:eventsec:sigma-rule-title"))

// SuggestedID is the id EventSec proposes for a Sigma document without
// one: a name-based (version 5) UUID of its title, lower case, so that the
// same rule gets the same suggestion every time.
func SuggestedID(title string) string {
	return uuid.NewSHA1(suggestedIDSpace, []byte(strings.ToLower(strings.TrimSpace(title)))).String()
}

// ref is one identifier a unit's documents answer to: their ids and
// names, which correlations reference.
type ref struct {
	value string
	name  bool // a Sigma name, not an id
	title string
}

// unitRefs lists a unit's ids and names.
func unitRefs(u *Unit) []ref {
	out := []ref{{value: u.ID, title: u.Title}}
	add := func(id, name, title string) {
		if id != "" && id != u.ID {
			out = append(out, ref{value: id, title: title})
		}
		if name != "" && name != id {
			out = append(out, ref{value: name, name: true, title: title})
		}
	}
	for _, r := range u.Sigma {
		add(r.ID, r.Name, r.Title)
	}
	for _, c := range u.Correlations {
		add(c.ID, c.Name, c.Title)
	}
	for _, f := range u.Filters {
		add(f.ID, f.Name, f.Title)
	}
	if u.JSONCorrelation != nil {
		add(u.JSONCorrelation.ID, "", u.Title)
	}
	return out
}

// answers reports whether one of the unit's documents has this id or
// name.
func (u *Unit) answers(s string) bool {
	for _, r := range unitRefs(u) {
		if r.value == s {
			return true
		}
	}
	return false
}

// missingRefs lists the rules a unit's correlations reference that are
// neither in the unit nor known (known answers for the org's other
// rules), with the position of the reference.
func missingRefs(u *Unit, known func(string) bool) []RuleError {
	var out []RuleError
	for _, c := range u.Correlations {
		for i, r := range c.Correlation.Rules {
			if u.answers(r) || known(r) {
				continue
			}
			e := RuleError{Message: fmt.Sprintf("correlation %q refers to rule %q, which is not in this org (no enabled rule has this id or name): it cannot fire until that rule is added", c.Title, r)}
			if pos := u.refPos[c.Key()]; i < len(pos) {
				e.Line, e.Column = pos[i].Line, pos[i].Column
			}
			out = append(out, e)
		}
	}
	return out
}

// refPositions locates the entries of a correlation document's
// correlation.rules (n of them).
func refPositions(doc *yaml.Node, n int) []RuleError {
	out := make([]RuleError, n)
	_, corr := mapValue(doc, "correlation")
	_, rules := mapValue(corr, "rules")
	if rules == nil {
		return out
	}
	items := []*yaml.Node{rules}
	if rules.Kind == yaml.SequenceNode {
		items = rules.Content
	}
	for i := 0; i < n && i < len(items); i++ {
		out[i].Line, out[i].Column = items[i].Line, items[i].Column
	}
	return out
}

// idlessDocs finds the documents of a Sigma file that have neither id nor
// name, from the YAML alone: for the documents that did not parse, whose
// missing id is reported beside their other problems.
func idlessDocs(source, file string) []RuleError {
	var out []RuleError
	dec := yaml.NewDecoder(strings.NewReader(source))
	for {
		var root yaml.Node
		if err := dec.Decode(&root); err != nil {
			return out
		}
		if len(root.Content) == 0 {
			continue
		}
		m := root.Content[0]
		if m.Kind != yaml.MappingNode {
			continue
		}
		if _, a := mapValue(m, "action"); a != nil {
			continue // a collection's global/reset/repeat document
		}
		_, id := mapValue(m, "id")
		_, name := mapValue(m, "name")
		if (id == nil || id.Value == "") && (name == nil || name.Value == "") {
			title := ""
			if _, t := mapValue(m, "title"); t != nil {
				title = t.Value
			}
			out = append(out, missingID(file, m.Line, title))
		}
	}
}

// missingID is the error of a document without id, with the id EventSec
// suggests for it.
func missingID(file string, line int, title string) RuleError {
	return RuleError{File: file, Line: line, Column: 1, Message: fmt.Sprintf(
		"the document has no id: Sigma makes it optional, but EventSec needs a stable one to track alerts, tuning and updates; add e.g. \"id: %s\" (derived from the title)",
		SuggestedID(title))}
}
