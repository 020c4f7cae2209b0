package attack

import (
	"fmt"
	"slices"
	"testing"
)

func TestMapTags(t *testing.T) {
	for _, c := range []struct {
		tags []string
		// "ID" or "ID<Tagged" for a mapped entry
		tactics, techniques []string
	}{
		{[]string{"attack.execution", "attack.t1059.001"}, []string{"TA0002"}, []string{"T1059.001"}},
		// A revoked technique counts as its replacement, and the split
		// tactic as the part that technique is in.
		{[]string{"attack.defense-evasion", "attack.t1562.001"}, []string{"TA0112<defense-evasion"}, []string{"T1685<T1562.001"}},
		{[]string{"attack.defense_evasion", "attack.t1562.004", "attack.t1070.006"}, []string{"TA0005<defense-evasion", "TA0112<defense-evasion"}, []string{"T1070.006", "T1686<T1562.004"}},
		{[]string{"attack.defense-evasion"}, []string{"TA0005<defense-evasion"}, nil},
		// Tagged by the current names too: current.
		{[]string{"attack.stealth", "attack.defense-evasion", "attack.t1070.006"}, []string{"TA0005"}, []string{"T1070.006"}},
		{[]string{"attack.t1562.001", "attack.t1685"}, nil, []string{"T1685"}},
		{[]string{"attack.t1070.001", "attack.t1089"}, nil, []string{"T1685<T1089", "T1685.005<T1070.001"}},
		// Deprecated: no replacement, kept as it is.
		{[]string{"attack.t1043"}, nil, []string{"T1043"}},
	} {
		t.Run(fmt.Sprint(c.tags), func(t *testing.T) {
			tactics, techniques, unknown := MapTags(c.tags)
			var gotTa, gotTe []string
			for _, x := range tactics {
				s := x.ID
				if x.Tagged != "" {
					s += "<" + x.Tagged
				}
				gotTa = append(gotTa, s)
			}
			for _, x := range techniques {
				s := x.ID
				if x.Tagged != "" {
					s += "<" + x.Tagged
				}
				gotTe = append(gotTe, s)
			}
			if !slices.Equal(gotTa, c.tactics) || !slices.Equal(gotTe, c.techniques) || len(unknown) != 0 {
				t.Fatalf("tactics %v techniques %v unknown %v; want %v %v", gotTa, gotTe, unknown, c.tactics, c.techniques)
			}
		})
	}
}
