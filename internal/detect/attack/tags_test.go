package attack

import (
	"slices"
	"testing"
)

func tacticIDs(ts []Tactic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func techniqueIDs(ts []Technique) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		name       string
		tags       []string
		tactics    []string
		techniques []string
		unknown    []string
	}{
		{
			name:       "typical rule",
			tags:       []string{"attack.execution", "attack.t1059.001", "attack.stealth", "attack.t1027"},
			tactics:    []string{"TA0002", "TA0005"},
			techniques: []string{"T1027", "T1059.001"},
		},
		{
			name:       "matrix order and ID order, duplicates dropped",
			tags:       []string{"attack.impact", "attack.t1490", "attack.reconnaissance", "attack.impact", "attack.t1486", "attack.t1490"},
			tactics:    []string{"TA0043", "TA0040"},
			techniques: []string{"T1486", "T1490"},
		},
		{
			name:       "case and space",
			tags:       []string{" Attack.Defense-Impairment ", "ATTACK.T1685.004"},
			tactics:    []string{"TA0112"},
			techniques: []string{"T1685.004"},
		},
		{
			name:       "groups, software, campaigns, mitigations and data sources are dropped",
			tags:       []string{"attack.g0069", "attack.s0002", "attack.c0024", "attack.m1042", "attack.ds0005", "attack.t1003.001"},
			techniques: []string{"T1003.001"},
		},
		{
			name: "other namespaces are ignored",
			tags: []string{"cve.2021-44228", "detection.threat-hunting", "car.2016-04-005", "tlp.white", "attack", ""},
		},
		{
			name:       "retired techniques resolve",
			tags:       []string{"attack.defense-evasion", "attack.t1562.001", "attack.t1086"},
			tactics:    []string{"TA0005"},
			techniques: []string{"T1086", "T1562.001"},
		},
		{
			name:       "unknown attack tags keep their spelling and order",
			tags:       []string{"attack.t9999", "attack.t1059.1", "attack.g12", "attack.", "attack.t9999", "attack.ta9999", "attack.x1234"},
			tactics:    nil,
			techniques: nil,
			unknown:    []string{"attack.t9999", "attack.t1059.1", "attack.g12", "attack.", "attack.ta9999", "attack.x1234"},
		},
		{
			// Sigma allows tactic IDs as tags; TA0005 is the ID Stealth
			// kept from Defense Evasion.
			name:    "tactic IDs",
			tags:    []string{"attack.ta0002", "attack.TA0005", "attack.execution"},
			tactics: []string{"TA0002", "TA0005"},
		},
		{
			name: "nil input",
			tags: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tactics, techniques, unknown := ParseTags(tt.tags)
			if got := tacticIDs(tactics); !slices.Equal(got, tt.tactics) {
				t.Errorf("tactics %v, want %v", got, tt.tactics)
			}
			if got := techniqueIDs(techniques); !slices.Equal(got, tt.techniques) {
				t.Errorf("techniques %v, want %v", got, tt.techniques)
			}
			if !slices.Equal(unknown, tt.unknown) {
				t.Errorf("unknown %q, want %q", unknown, tt.unknown)
			}
		})
	}
}

func TestParseTagsRetiredDetails(t *testing.T) {
	_, techniques, _ := ParseTags([]string{"attack.t1562.001"})
	if len(techniques) != 1 {
		t.Fatalf("got %d techniques", len(techniques))
	}
	got := techniques[0]
	if got.Status != Revoked || got.ReplacedBy != "T1685" || len(got.Tactics) != 0 {
		t.Errorf("T1562.001 = %+v", got)
	}
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{"attack.t1059.001", "attack.execution", "attack.g0001", "attack.ds0005", "attack.T1685", "cve.2020-1", "attack.t0000.000"} {
		f.Add(s, "attack.stealth")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		tactics, techniques, unknown := ParseTags([]string{a, b})
		if len(tactics)+len(techniques)+len(unknown) > 2 {
			t.Fatalf("%q %q: more results than tags", a, b)
		}
		for _, tech := range techniques {
			if _, ok := TechniqueByID(tech.ID); !ok {
				t.Fatalf("returned technique %q does not resolve", tech.ID)
			}
		}
		for _, u := range unknown {
			if u != a && u != b {
				t.Fatalf("unknown %q is not an input tag", u)
			}
		}
	})
}

func TestParseTagsUnderscoreTactics(t *testing.T) {
	tactics, _, unknown := ParseTags([]string{"attack.credential_access", "attack.Defense_Evasion", "attack.lateral_movement"})
	if len(tactics) != 3 || len(unknown) != 0 {
		t.Fatalf("tactics %v unknown %v", tactics, unknown)
	}
}
