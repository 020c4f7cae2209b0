package attack

import (
	"slices"
	"strings"
)

// legacySuccessors maps a tactic shortname that the current matrix no
// longer has to the tactics it became: v19 split Defense Evasion into
// Stealth (TA0005, which kept the ID) and Defense Impairment (TA0112).
var legacySuccessors = map[string][]string{
	"defense-evasion": {"TA0005", "TA0112"},
}

// Current returns the active technique that stands for t in the current
// matrix: t itself when it is active, the technique that replaced it when
// it was revoked (retiredTable already follows ATT&CK's chain of
// replacements to its end). A deprecated technique has none: false.
func Current(t Technique) (Technique, bool) {
	switch t.Status {
	case Active:
		return t, true
	case Revoked:
		if r, ok := TechniqueByID(t.ReplacedBy); ok && r.Status == Active {
			return r, true
		}
	}
	return t, false
}

// MappedTactic is a tactic of the current matrix that a rule's tags name.
type MappedTactic struct {
	Tactic
	// Tagged is the retired shortname the rule was tagged with
	// ("defense-evasion") when the tactic stands for it, "" otherwise.
	Tagged string
}

// MappedTechnique is a technique that a rule's tags name, as the current
// matrix has it.
type MappedTechnique struct {
	// Technique is the active technique; for a deprecated one, which has
	// no replacement, the retired entry itself (Status Deprecated).
	Technique
	// Tagged is the revoked ID the rule was tagged with ("T1562.001")
	// when Technique replaced it, "" otherwise.
	Tagged string
}

// MapTags is ParseTags read against the current matrix, so that content
// written for an older one counts where its behaviour is today: a revoked
// technique becomes the technique that replaced it, and a retired tactic
// shortname becomes those of the tactics it was split into that the
// rule's (mapped) techniques belong to, or else the tactic that kept its
// ID (attack.defense-evasion with T1562.001, now T1685 in Defense
// Impairment, is Defense Impairment; without a technique, Stealth).
//
// Each tactic and technique comes once, tactics in matrix order and
// techniques by ID; one tagged both by its current and a retired name
// comes as current (Tagged empty).
func MapTags(tags []string) (tactics []MappedTactic, techniques []MappedTechnique, unknown []string) {
	plain, parsed, unknown := ParseTags(tags)
	byID := map[string]int{}
	for _, t := range parsed {
		m := MappedTechnique{Technique: t}
		if cur, ok := Current(t); ok && cur.ID != t.ID {
			m = MappedTechnique{Technique: cur, Tagged: t.ID}
		}
		if i, ok := byID[m.ID]; ok {
			if m.Tagged == "" {
				techniques[i] = m
			}
			continue
		}
		byID[m.ID] = len(techniques)
		techniques = append(techniques, m)
	}
	slices.SortFunc(techniques, func(a, b MappedTechnique) int { return strings.Compare(a.ID, b.ID) })

	// Which tagged shortnames are retired: ParseTags resolved them to the
	// tactic that kept their ID.
	legacy := map[string]bool{}
	for _, raw := range tags {
		short, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(raw)), tagPrefix)
		short = strings.ReplaceAll(short, "_", "-")
		if _, retired := legacySuccessors[short]; ok && retired {
			legacy[short] = true
		}
	}
	have := map[string]int{}
	add := func(t Tactic, tagged string) {
		if i, ok := have[t.ID]; ok {
			if tagged == "" {
				tactics[i].Tagged = ""
			}
			return
		}
		have[t.ID] = len(tactics)
		tactics = append(tactics, MappedTactic{Tactic: t, Tagged: tagged})
	}
	for _, t := range plain {
		if !slices.ContainsFunc(legacyOf(t.ID), func(s string) bool { return legacy[s] }) || tagsShortname(tags, t.Shortname) {
			add(t, "")
		}
	}
	for short := range legacy {
		found := false
		for _, id := range legacySuccessors[short] {
			for _, m := range techniques {
				if slices.ContainsFunc(m.Tactics, func(t Tactic) bool { return t.ID == id }) {
					t, _ := TacticByID(id)
					add(t, short)
					found = true
					break
				}
			}
		}
		if !found {
			t, _ := TacticByShortname(short)
			add(t, short)
		}
	}
	slices.SortFunc(tactics, func(a, b MappedTactic) int { return a.Order - b.Order })
	return tactics, techniques, unknown
}

// TacticAliases are the tactic shortnames of earlier ATT&CK versions that
// tags may still use ("defense-evasion"), sorted.
func TacticAliases() []string {
	out := make([]string, 0, len(legacyShortnames))
	for short := range legacyShortnames {
		out = append(out, short)
	}
	slices.Sort(out)
	return out
}

// legacyOf lists the retired shortnames that ParseTags resolves to the
// tactic id.
func legacyOf(id string) []string {
	var out []string
	for short, to := range legacyShortnames {
		if to == id {
			out = append(out, short)
		}
	}
	return out
}

// tagsShortname reports whether tags name the tactic by its current
// shortname.
func tagsShortname(tags []string, short string) bool {
	for _, raw := range tags {
		s, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(raw)), tagPrefix)
		if ok && strings.ReplaceAll(s, "_", "-") == short {
			return true
		}
	}
	return false
}
