package attack

import (
	"slices"
	"strings"
)

// tagPrefix is the Sigma tag namespace for ATT&CK.
const tagPrefix = "attack."

// ParseTags resolves the ATT&CK tags of a Sigma rule.
//
// It understands, ignoring case and surrounding space:
//
//   - attack.<shortname>: a tactic, for example attack.initial-access (the
//     pre-v19 attack.defense-evasion resolves to TA0005, see the package doc);
//   - attack.taNNNN: a tactic by ID, which Sigma allows too (attack.ta0005
//     is TA0005, as attack.stealth and attack.defense-evasion are);
//   - attack.tNNNN and attack.tNNNN.NNN: a technique or sub-technique, active
//     or retired (check Technique.Status and ReplacedBy);
//   - attack.gNNNN (group), attack.sNNNN (software), attack.cNNNN (campaign),
//     attack.mNNNN (mitigation) and attack.dsNNNN (data source): valid ATT&CK
//     references that this table does not cover. They are accepted and
//     dropped, and are not reported as unknown. Their IDs are checked for
//     form only, not looked up.
//
// Tags outside the attack namespace (cve.*, detection.*, car.*, ...) are not
// ATT&CK tags and are ignored. Every other attack.* tag, including a
// well-formed technique ID that is not in the table, is returned in unknown,
// spelled as given.
//
// tactics come back in matrix order and techniques sorted by ID, each without
// duplicates; unknown keeps input order without duplicates. A technique tag
// does not add its tactics to tactics: those are only the tactics tagged.
func ParseTags(tags []string) (tactics []Tactic, techniques []Technique, unknown []string) {
	var seenTactic [32]bool // indexed by Tactic.Order; the matrix has 15 columns
	seenTech := make(map[int]bool)
	seenUnknown := make(map[string]bool)
	for _, raw := range tags {
		tag := strings.ToLower(strings.TrimSpace(raw))
		rest, ok := strings.CutPrefix(tag, tagPrefix)
		if !ok {
			continue
		}
		// Rules written before Sigma settled on hyphens spell tactics
		// with underscores (attack.credential_access).
		if i, ok := catalog.tacticByShort[strings.ReplaceAll(rest, "_", "-")]; ok {
			if o := tacticTable[i].Order; !seenTactic[o] {
				seenTactic[o] = true
				tactics = append(tactics, tacticTable[i])
			}
			continue
		}
		if i, ok := catalog.tacticByID[strings.ToUpper(rest)]; ok {
			if o := tacticTable[i].Order; !seenTactic[o] {
				seenTactic[o] = true
				tactics = append(tactics, tacticTable[i])
			}
			continue
		}
		if isTechniqueID(rest) {
			if i, ok := catalog.byID[strings.ToUpper(rest)]; ok {
				if !seenTech[i] {
					seenTech[i] = true
					techniques = append(techniques, catalog.technique(i))
				}
				continue
			}
		} else if isOtherReference(rest) {
			continue
		}
		if !seenUnknown[raw] {
			seenUnknown[raw] = true
			unknown = append(unknown, raw)
		}
	}
	slices.SortFunc(tactics, func(a, b Tactic) int { return a.Order - b.Order })
	slices.SortFunc(techniques, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) })
	return tactics, techniques, unknown
}

// isTechniqueID reports whether s (lower case) has the form tNNNN or
// tNNNN.NNN.
func isTechniqueID(s string) bool {
	switch len(s) {
	case 5:
		return s[0] == 't' && allDigits(s[1:])
	case 9:
		return s[0] == 't' && allDigits(s[1:5]) && s[5] == '.' && allDigits(s[6:])
	}
	return false
}

// isOtherReference reports whether s (lower case) is an ATT&CK group,
// software, campaign, mitigation or data source ID: gNNNN, sNNNN, cNNNN,
// mNNNN or dsNNNN.
func isOtherReference(s string) bool {
	if len(s) == 5 {
		switch s[0] {
		case 'g', 's', 'c', 'm':
			return allDigits(s[1:])
		}
	}
	return len(s) == 6 && strings.HasPrefix(s, "ds") && allDigits(s[2:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
