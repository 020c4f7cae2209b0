package detect

import (
	"testing"

	"github.com/eventsec/eventsec/internal/store"
)

// TestRetiredTagsCountAsTheirReplacements: a rule tagged with a revoked
// technique (SigmaHQ's, written for an older matrix) covers the technique
// that replaced it, shows as such, and is found by either ID; such rules
// were once missing from the coverage matrix.
func TestRetiredTagsCountAsTheirReplacements(t *testing.T) {
	rules := []store.Rule{
		{ID: "old", Enabled: true, Tags: []string{"attack.defense-evasion", "attack.t1562.001"}},
		{ID: "new", Enabled: false, Tags: []string{"attack.defense-impairment", "attack.t1685"}},
		{ID: "log", Enabled: true, Tags: []string{"attack.defense-evasion", "attack.t1070.001"}},
	}
	cov := CoverageOf(rules)
	cell := func(tactic, technique string) CoverageTechnique {
		for _, ta := range cov.Tactics {
			if ta.ID != tactic {
				continue
			}
			for _, te := range ta.Techniques {
				if te.ID == technique {
					return te
				}
			}
		}
		t.Fatalf("no cell %s in %s", technique, tactic)
		return CoverageTechnique{}
	}
	// T1685 (Defense Impairment): all three, T1070.001 being T1685.005.
	if c := cell("TA0112", "T1685"); c.Rules != 3 || c.Enabled != 2 {
		t.Fatalf("T1685: %+v, want 3 rules, 2 enabled", c)
	}
	if cov.TechniquesCovered != 1 {
		t.Fatalf("%d techniques covered, want 1", cov.TechniquesCovered)
	}
	v := AttackOf(rules[0].Tags)
	if len(v.Techniques) != 1 || v.Techniques[0] != (TechniqueView{ID: "T1685", Name: "Disable or Modify Tools", Replaces: "T1562.001"}) ||
		len(v.Tactics) != 1 || v.Tactics[0] != (TacticView{ID: "TA0112", Name: "Defense Impairment", Shortname: "defense-impairment", Replaces: "defense-evasion"}) {
		t.Fatalf("attack view: %+v", v)
	}
	for _, c := range []struct {
		f    RuleFilter
		want []string
	}{
		{RuleFilter{Technique: "T1562"}, []string{"old"}},
		{RuleFilter{Technique: "T1685"}, []string{"old", "new", "log"}},
		{RuleFilter{Technique: "T1685.005"}, []string{"log"}},
		{RuleFilter{Tactic: "defense-impairment"}, []string{"old", "new", "log"}},
		{RuleFilter{Tactic: "defense-evasion"}, []string{"old", "log"}},
	} {
		var got []string
		for _, r := range rules {
			if c.f.Match(r) {
				got = append(got, r.ID)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%+v: %v, want %v", c.f, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%+v: %v, want %v", c.f, got, c.want)
			}
		}
	}
	// An alert stored with a revoked technique shows its replacement.
	av := AlertViewOf(store.Alert{Techniques: []string{"T1562.004"}})
	if len(av.Techniques) != 1 || av.Techniques[0].ID != "T1686" || av.Techniques[0].Replaces != "T1562.004" {
		t.Fatalf("alert techniques: %+v", av.Techniques)
	}
}
