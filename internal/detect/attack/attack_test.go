package attack

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	techniqueIDRe = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	tacticIDRe    = regexp.MustCompile(`^TA\d{4}$`)
)

// TestCounts pins the size of the matrix to the figures MITRE published for
// ATT&CK Enterprise v19: 15 tactics, 222 techniques, 475 sub-techniques.
func TestCounts(t *testing.T) {
	if got := len(Tactics()); got != 15 {
		t.Errorf("tactics: got %d, want 15", got)
	}
	var techniques, subs int
	for _, tech := range Techniques() {
		if tech.IsSubtechnique() {
			subs++
		} else {
			techniques++
		}
	}
	if techniques != 222 || subs != 475 {
		t.Errorf("got %d techniques and %d sub-techniques, want 222 and 475", techniques, subs)
	}
}

func TestTacticTable(t *testing.T) {
	seenID := map[string]bool{}
	seenShort := map[string]bool{}
	for i, tac := range Tactics() {
		if tac.Order != i+1 {
			t.Errorf("%s: order %d at position %d", tac.ID, tac.Order, i)
		}
		if !tacticIDRe.MatchString(tac.ID) || tac.Name == "" || tac.Shortname == "" {
			t.Errorf("malformed tactic %+v", tac)
		}
		if seenID[tac.ID] || seenShort[tac.Shortname] {
			t.Errorf("duplicate tactic %+v", tac)
		}
		seenID[tac.ID], seenShort[tac.Shortname] = true, true
		if got, ok := TacticByID(tac.ID); !ok || got != tac {
			t.Errorf("TacticByID(%q) = %+v, %v", tac.ID, got, ok)
		}
		if got, ok := TacticByShortname(tac.Shortname); !ok || got != tac {
			t.Errorf("TacticByShortname(%q) = %+v, %v", tac.Shortname, got, ok)
		}
	}
}

// TestTechniqueTable checks the invariants of the data tables: well-formed
// unique IDs in sorted order, known tactic shortnames, sub-techniques under
// an active parent, and revocations that point at active techniques.
func TestTechniqueTable(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, r := range techniqueTable {
		if !techniqueIDRe.MatchString(r.id) {
			t.Errorf("%q: malformed ID", r.id)
		}
		if r.id <= prev {
			t.Errorf("%q: not sorted after %q", r.id, prev)
		}
		prev = r.id
		seen[r.id] = true
		if r.name == "" || strings.TrimSpace(r.name) != r.name {
			t.Errorf("%s: bad name %q", r.id, r.name)
		}
		parent, _, isSub := strings.Cut(r.id, ".")
		if isSub {
			if r.tactics != "" {
				t.Errorf("%s: sub-technique lists tactics %q", r.id, r.tactics)
			}
			if !seen[parent] {
				t.Errorf("%s: parent %s is not an active technique listed before it", r.id, parent)
			}
			continue
		}
		if r.tactics == "" {
			t.Errorf("%s: technique without tactics", r.id)
		}
		for _, s := range strings.Fields(r.tactics) {
			tac, ok := TacticByShortname(s)
			if !ok || tac.Shortname != s {
				t.Errorf("%s: unknown tactic shortname %q", r.id, s)
			}
		}
	}
	prev = ""
	for _, r := range retiredTable {
		if !techniqueIDRe.MatchString(r.id) {
			t.Errorf("%q: malformed retired ID", r.id)
		}
		if r.id <= prev {
			t.Errorf("%q: retired table not sorted after %q", r.id, prev)
		}
		prev = r.id
		if seen[r.id] {
			t.Errorf("%s: both active and retired", r.id)
		}
		if r.name == "" {
			t.Errorf("%s: retired entry without name", r.id)
		}
		switch r.status {
		case Revoked:
			rep, ok := TechniqueByID(r.replacedBy)
			if !ok || rep.Status != Active {
				t.Errorf("%s: revoked, replacement %q is not an active technique", r.id, r.replacedBy)
			}
		case Deprecated:
			if r.replacedBy != "" {
				t.Errorf("%s: deprecated entry names a replacement %q", r.id, r.replacedBy)
			}
		default:
			t.Errorf("%s: retired entry with status %v", r.id, r.status)
		}
		if parent, _, isSub := strings.Cut(r.id, "."); isSub {
			if _, ok := TechniqueByID(parent); !ok {
				t.Errorf("%s: parent %s unknown", r.id, parent)
			}
		}
	}
}

// TestKnownEntries spot-checks entries against MITRE's v19 STIX objects and
// release notes, in particular techniques the Defense Evasion split moved.
func TestKnownEntries(t *testing.T) {
	tests := []struct {
		id       string
		fullName string
		tactics  []string // tactic IDs in matrix order
		status   Status
		replaced string
	}{
		{"T1059", "Command and Scripting Interpreter", []string{"TA0002"}, Active, ""},
		{"T1059.001", "Command and Scripting Interpreter: PowerShell", []string{"TA0002"}, Active, ""},
		{"t1003.001", "OS Credential Dumping: LSASS Memory", []string{"TA0006"}, Active, ""},
		{"T1078", "Valid Accounts", []string{"TA0001", "TA0003", "TA0004", "TA0005"}, Active, ""},
		{"T1078.002", "Valid Accounts: Domain Accounts", []string{"TA0001", "TA0003", "TA0004", "TA0005"}, Active, ""},
		{"T1574", "Hijack Execution Flow", []string{"TA0002", "TA0005"}, Active, ""},
		{"T1574.001", "Hijack Execution Flow: DLL", []string{"TA0002", "TA0005"}, Active, ""},
		{"T1548.002", "Abuse Elevation Control Mechanism: Bypass User Account Control", []string{"TA0004"}, Active, ""},
		{"T1550.002", "Use Alternate Authentication Material: Pass the Hash", []string{"TA0008"}, Active, ""},
		{"T1112", "Modify Registry", []string{"TA0003", "TA0112"}, Active, ""},
		{"T1556", "Modify Authentication Process", []string{"TA0003", "TA0112", "TA0006"}, Active, ""},
		{"T1211", "Exploitation for Stealth", []string{"TA0005"}, Active, ""},
		{"T1610", "Deploy Container", []string{"TA0002"}, Active, ""},
		{"T1685", "Disable or Modify Tools", []string{"TA0112"}, Active, ""},
		{"T1685.005", "Disable or Modify Tools: Clear Windows Event Logs", []string{"TA0112"}, Active, ""},
		{"T1686.003", "Disable or Modify System Firewall: Windows Host Firewall", []string{"TA0112"}, Active, ""},
		{"T1682", "Query Public AI Services", []string{"TA0043"}, Active, ""},
		{"T1683.001", "Generate Content: Written Content", []string{"TA0042"}, Active, ""},
		{"T1684.001", "Social Engineering: Impersonation", []string{"TA0005"}, Active, ""},
		{"T1557.001", "Adversary-in-the-Middle: Name Resolution Poisoning and SMB Relay", []string{"TA0006", "TA0009"}, Active, ""},
		{"T1562", "Impair Defenses", nil, Revoked, "T1685"},
		{"T1562.001", "Impair Defenses: Disable or Modify Tools", nil, Revoked, "T1685"},
		{"T1070.001", "Indicator Removal: Clear Windows Event Logs", nil, Revoked, "T1685.005"},
		{"T1656", "Impersonation", nil, Revoked, "T1684.001"},
		{"T1086", "PowerShell", nil, Revoked, "T1059.001"},
		{"T1064", "Scripting", nil, Deprecated, ""},
	}
	for _, tt := range tests {
		got, ok := TechniqueByID(tt.id)
		if !ok {
			t.Errorf("TechniqueByID(%q): not found", tt.id)
			continue
		}
		if got.ID != strings.ToUpper(tt.id) {
			t.Errorf("%s: ID %q", tt.id, got.ID)
		}
		if got.FullName() != tt.fullName {
			t.Errorf("%s: FullName %q, want %q", tt.id, got.FullName(), tt.fullName)
		}
		var ids []string
		for _, tac := range got.Tactics {
			ids = append(ids, tac.ID)
		}
		if !slices.Equal(ids, tt.tactics) {
			t.Errorf("%s: tactics %v, want %v", tt.id, ids, tt.tactics)
		}
		if got.Status != tt.status || got.ReplacedBy != tt.replaced {
			t.Errorf("%s: status %v replaced by %q, want %v %q", tt.id, got.Status, got.ReplacedBy, tt.status, tt.replaced)
		}
	}
}

func TestLookupNormalisation(t *testing.T) {
	for _, in := range []string{"T1059.001", "t1059.001", " T1059.001 "} {
		if got, ok := TechniqueByID(in); !ok || got.ID != "T1059.001" || got.Parent != "T1059" {
			t.Errorf("TechniqueByID(%q) = %+v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "T1059.1", "T1059/001", "T9999", "1059", "TA0002"} {
		if got, ok := TechniqueByID(in); ok {
			t.Errorf("TechniqueByID(%q) = %+v, want not found", in, got)
		}
	}
	if tac, ok := TacticByShortname(" Command-And-Control "); !ok || tac.ID != "TA0011" {
		t.Errorf("TacticByShortname mixed case = %+v, %v", tac, ok)
	}
	if tac, ok := TacticByShortname("defense-evasion"); !ok || tac.ID != "TA0005" || tac.Shortname != "stealth" {
		t.Errorf("legacy defense-evasion = %+v, %v", tac, ok)
	}
	if tac, ok := TacticByID("ta0112"); !ok || tac.Shortname != "defense-impairment" {
		t.Errorf("TacticByID(ta0112) = %+v, %v", tac, ok)
	}
	for _, in := range []string{"", "initial_access", "Initial Access", "TA0001", "attack.execution"} {
		if _, ok := TacticByShortname(in); ok {
			t.Errorf("TacticByShortname(%q) found", in)
		}
	}
	if _, ok := TacticByID("TA9999"); ok {
		t.Error("TacticByID(TA9999) found")
	}
}

func TestTechniquesOf(t *testing.T) {
	all := 0
	for _, tac := range Tactics() {
		list := TechniquesOf(tac.ID)
		if len(list) == 0 {
			t.Errorf("%s: no techniques", tac.ID)
		}
		if !slices.IsSortedFunc(list, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("%s: not sorted by ID", tac.ID)
		}
		for _, tech := range list {
			if tech.IsSubtechnique() || tech.Status != Active {
				t.Errorf("%s: lists %s (sub=%v status=%v)", tac.ID, tech.ID, tech.IsSubtechnique(), tech.Status)
			}
			if !slices.ContainsFunc(tech.Tactics, func(x Tactic) bool { return x.ID == tac.ID }) {
				t.Errorf("%s: lists %s which is not in the tactic", tac.ID, tech.ID)
			}
		}
		if byShort := TechniquesOf(tac.Shortname); len(byShort) != len(list) {
			t.Errorf("%s: by shortname %d entries, by ID %d", tac.ID, len(byShort), len(list))
		}
		all += len(list)
	}
	if all < 222 {
		t.Errorf("tactic lists hold %d technique slots, fewer than the 222 techniques", all)
	}
	di := TechniquesOf("TA0112")
	var ids []string
	for _, tech := range di {
		ids = append(ids, tech.ID)
	}
	want := []string{"T1112", "T1207", "T1222", "T1484", "T1553", "T1556", "T1578", "T1599", "T1600", "T1601",
		"T1647", "T1666", "T1685", "T1686", "T1687", "T1688", "T1689", "T1690"}
	if !slices.Equal(ids, want) {
		t.Errorf("Defense Impairment techniques:\n got %v\nwant %v", ids, want)
	}
	if TechniquesOf("nope") != nil {
		t.Error("TechniquesOf(unknown) is not nil")
	}
}

func TestSubTechniques(t *testing.T) {
	subs := SubTechniques("t1685")
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
		if s.Parent != "T1685" {
			t.Errorf("%s: parent %q", s.ID, s.Parent)
		}
	}
	want := []string{"T1685.001", "T1685.002", "T1685.003", "T1685.004", "T1685.005", "T1685.006"}
	if !slices.Equal(ids, want) {
		t.Errorf("SubTechniques(T1685) = %v, want %v", ids, want)
	}
	if SubTechniques("T1562") != nil || SubTechniques("T1190") != nil {
		t.Error("revoked technique or technique without sub-techniques returned sub-techniques")
	}
}

// TestCopies checks that callers cannot corrupt the shared table through the
// slices they receive.
func TestCopies(t *testing.T) {
	a, _ := TechniqueByID("T1078")
	a.Tactics[0] = Tactic{ID: "XX"}
	b, _ := TechniqueByID("T1078")
	if b.Tactics[0].ID != "TA0001" {
		t.Fatalf("table modified through returned Tactics: %v", b.Tactics)
	}
	tacs := Tactics()
	tacs[0].Name = "changed"
	if Tactics()[0].Name != "Reconnaissance" {
		t.Fatal("table modified through Tactics()")
	}
}

func TestURLsAndTags(t *testing.T) {
	tech, _ := TechniqueByID("T1059.001")
	if got := tech.URL(); got != "https://attack.mitre.org/techniques/T1059/001/" {
		t.Errorf("URL %q", got)
	}
	tac, _ := TacticByID("TA0011")
	if tac.Tag() != "attack.command-and-control" || tac.URL() != "https://attack.mitre.org/tactics/TA0011/" {
		t.Errorf("tactic tag %q url %q", tac.Tag(), tac.URL())
	}
	if Revoked.String() != "revoked" || Active.String() != "active" || Deprecated.String() != "deprecated" {
		t.Error("Status.String")
	}
}
