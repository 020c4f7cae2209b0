package attack

import (
	"slices"
	"strings"
)

// Version is the ATT&CK Enterprise release the table reproduces.
const Version = "19"

// Tactic is one column of the ATT&CK Enterprise matrix.
type Tactic struct {
	// ID is the tactic ID, for example "TA0002".
	ID string
	// Shortname is the identifier used in Sigma tags (attack.<shortname>),
	// for example "command-and-control".
	Shortname string
	// Name is the display name, for example "Command and Control".
	Name string
	// Order is the 1-based column of the tactic in the matrix.
	Order int
}

// Tag returns the Sigma tag for the tactic, for example "attack.execution".
func (t Tactic) Tag() string { return "attack." + t.Shortname }

// URL returns the tactic's page on attack.mitre.org.
func (t Tactic) URL() string { return "https://attack.mitre.org/tactics/" + t.ID + "/" }

// Status says whether a technique is part of the current matrix.
type Status uint8

// Technique statuses.
const (
	// Active techniques are part of the current matrix.
	Active Status = iota
	// Deprecated techniques were withdrawn by ATT&CK without a replacement.
	Deprecated
	// Revoked techniques were withdrawn by ATT&CK in favour of another
	// technique, named by Technique.ReplacedBy.
	Revoked
)

// String returns "active", "deprecated" or "revoked".
func (s Status) String() string {
	switch s {
	case Active:
		return "active"
	case Deprecated:
		return "deprecated"
	case Revoked:
		return "revoked"
	}
	return "unknown"
}

// Technique is an ATT&CK Enterprise technique or sub-technique.
type Technique struct {
	// ID is the technique ID in canonical form, "T1059" or "T1059.001".
	ID string
	// Name is the technique's own name; for a sub-technique it omits the
	// parent (see FullName).
	Name string
	// Parent is the parent technique ID of a sub-technique, empty otherwise.
	Parent string
	// Tactics are the tactics the technique belongs to, in matrix order. A
	// sub-technique has its parent's tactics. Retired techniques have none.
	Tactics []Tactic
	// Status is Active for techniques in the current matrix.
	Status Status
	// ReplacedBy is, for a revoked technique, the ID of the active technique
	// that supersedes it. It is empty otherwise.
	ReplacedBy string
}

// IsSubtechnique reports whether t is a sub-technique (Txxxx.yyy).
func (t Technique) IsSubtechnique() bool { return t.Parent != "" }

// FullName returns the name ATT&CK displays: "Parent: Sub" for a
// sub-technique (for example "Command and Scripting Interpreter: PowerShell")
// and Name for a technique.
func (t Technique) FullName() string {
	if t.Parent == "" {
		return t.Name
	}
	if i, ok := catalog.byID[t.Parent]; ok {
		return catalog.techniques[i].Name + ": " + t.Name
	}
	return t.Name
}

// URL returns the technique's page on attack.mitre.org, for example
// "https://attack.mitre.org/techniques/T1059/001/".
func (t Technique) URL() string {
	return "https://attack.mitre.org/techniques/" + strings.Replace(t.ID, ".", "/", 1) + "/"
}

// Tactics returns the tactics of the matrix in matrix order.
func Tactics() []Tactic { return slices.Clone(tacticTable) }

// TacticByShortname returns the tactic with the given Sigma shortname, for
// example "initial-access". Matching ignores case and surrounding space. The
// pre-v19 shortname "defense-evasion" resolves to TA0005 (Stealth).
func TacticByShortname(s string) (Tactic, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i, ok := catalog.tacticByShort[s]; ok {
		return tacticTable[i], true
	}
	return Tactic{}, false
}

// TacticByID returns the tactic with the given ID, for example "TA0011".
// Matching ignores case and surrounding space.
func TacticByID(id string) (Tactic, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if i, ok := catalog.tacticByID[id]; ok {
		return tacticTable[i], true
	}
	return Tactic{}, false
}

// TechniqueByID returns the technique or sub-technique with the given ID,
// active or retired. Matching ignores case and surrounding space, so
// "t1059.001" finds T1059.001.
func TechniqueByID(id string) (Technique, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	i, ok := catalog.byID[id]
	if !ok {
		return Technique{}, false
	}
	return catalog.technique(i), true
}

// TechniquesOf returns the active techniques (not sub-techniques) of a
// tactic, sorted by ID. The tactic is given by ID ("TA0002") or shortname
// ("execution"); an unknown tactic yields nil.
func TechniquesOf(tactic string) []Technique {
	t, ok := TacticByID(tactic)
	if !ok {
		if t, ok = TacticByShortname(tactic); !ok {
			return nil
		}
	}
	return catalog.list(catalog.byTactic[t.Order-1])
}

// SubTechniques returns the active sub-techniques of a technique, sorted by
// ID. It returns nil for an unknown technique or one without sub-techniques.
func SubTechniques(parentID string) []Technique {
	parentID = strings.ToUpper(strings.TrimSpace(parentID))
	return catalog.list(catalog.subs[parentID])
}

// Techniques returns every active technique and sub-technique, sorted by ID.
func Techniques() []Technique {
	return catalog.list(catalog.active)
}

// Lookup tables built once from tacticTable, techniqueTable and retiredTable.
// They are never written after package initialisation.
var catalog = buildCatalog()

type catalogIndex struct {
	techniques    []Technique    // active entries first, then retired ones
	byID          map[string]int // canonical ID -> index in techniques
	active        []int          // active entries, sorted by ID
	byTactic      [][]int        // per tactic (Order-1): active techniques, sorted by ID
	subs          map[string][]int
	tacticByShort map[string]int // shortname (and legacy alias) -> index in tacticTable
	tacticByID    map[string]int
}

// techniqueRow is one active entry of techniqueTable. tactics is a
// space-separated list of tactic shortnames for a technique and empty for a
// sub-technique, which inherits its parent's.
type techniqueRow struct {
	id, name, tactics string
}

// retiredRow is one entry of retiredTable.
type retiredRow struct {
	id, name   string
	status     Status
	replacedBy string
}

// Shorthands keep retiredTable readable.
const (
	deprecated = Deprecated
	revoked    = Revoked
)

func buildCatalog() *catalogIndex {
	c := &catalogIndex{
		byID:          make(map[string]int, len(techniqueTable)+len(retiredTable)),
		byTactic:      make([][]int, len(tacticTable)),
		subs:          make(map[string][]int),
		tacticByShort: make(map[string]int, len(tacticTable)+len(legacyShortnames)),
		tacticByID:    make(map[string]int, len(tacticTable)),
	}
	for i, t := range tacticTable {
		c.tacticByShort[t.Shortname] = i
		c.tacticByID[t.ID] = i
	}
	for short, id := range legacyShortnames {
		if i, ok := c.tacticByID[id]; ok {
			c.tacticByShort[short] = i
		}
	}
	techTactics := make(map[string][]Tactic)
	for _, r := range techniqueTable {
		parent, _, isSub := strings.Cut(r.id, ".")
		t := Technique{ID: r.id, Name: r.name}
		if isSub {
			t.Parent = parent
			t.Tactics = techTactics[parent]
		} else {
			for _, s := range strings.Fields(r.tactics) {
				if i, ok := c.tacticByShort[s]; ok {
					t.Tactics = append(t.Tactics, tacticTable[i])
				}
			}
			slices.SortFunc(t.Tactics, func(a, b Tactic) int { return a.Order - b.Order })
			techTactics[r.id] = t.Tactics
		}
		idx := len(c.techniques)
		c.techniques = append(c.techniques, t)
		c.byID[r.id] = idx
		c.active = append(c.active, idx)
		if isSub {
			c.subs[parent] = append(c.subs[parent], idx)
			continue
		}
		for _, tac := range t.Tactics {
			c.byTactic[tac.Order-1] = append(c.byTactic[tac.Order-1], idx)
		}
	}
	for _, r := range retiredTable {
		t := Technique{ID: r.id, Name: r.name, Status: r.status, ReplacedBy: r.replacedBy}
		if parent, _, isSub := strings.Cut(r.id, "."); isSub {
			t.Parent = parent
		}
		c.byID[r.id] = len(c.techniques)
		c.techniques = append(c.techniques, t)
	}
	// techniqueTable is sorted by ID, so every index list built from it in
	// table order is sorted by ID as well.
	return c
}

// technique returns a copy of entry i that the caller may modify.
func (c *catalogIndex) technique(i int) Technique {
	t := c.techniques[i]
	t.Tactics = slices.Clone(t.Tactics)
	return t
}

func (c *catalogIndex) list(idx []int) []Technique {
	if len(idx) == 0 {
		return nil
	}
	out := make([]Technique, len(idx))
	for j, i := range idx {
		out[j] = c.technique(i)
	}
	return out
}
