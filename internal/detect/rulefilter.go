package detect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/store"
)

// FilterError is a rule filter value no rule can have. Field is the
// filter's name (level, tactic, ...). It is an ErrInvalid (errors.Is).
type FilterError struct{ Field, Msg string }

func (e *FilterError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FilterError) Unwrap() error { return ErrInvalid }

// techniqueID is the form of an ATT&CK technique or sub-technique ID.
var techniqueID = regexp.MustCompile(`^[Tt]\d{4}(\.\d{3})?$`)

// Check refuses a filter value that no rule can have, as the alerts list
// does, instead of selecting nothing: a typo (level=hgh) would otherwise
// read as "no such rules" in a list, and as "nothing to export or
// change" in an export or a bulk change. A status one of the org's rules
// has is accepted even when Sigma does not define it.
func (f RuleFilter) Check(rules []store.Rule) error {
	oneOf := func(field, v string, allowed []string) error {
		if v == "" || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, v) }) {
			return nil
		}
		return &FilterError{field, fmt.Sprintf("%s must be one of %s (got %q)", field, strings.Join(allowed, ", "), v)}
	}
	statuses := slices.Clone(SigmaStatuses)
	for _, r := range rules {
		if r.Status != "" && !slices.Contains(statuses, r.Status) {
			statuses = append(statuses, r.Status)
		}
	}
	for _, c := range []struct {
		field, v string
		allowed  []string
	}{
		{"level", f.Level, Levels},
		{"status", f.Status, statuses},
		{"kind", f.Kind, Kinds},
		{"pack", f.Pack, Packs},
	} {
		if err := oneOf(c.field, c.v, c.allowed); err != nil {
			return err
		}
	}
	if f.Tactic != "" {
		_, byID := attack.TacticByID(strings.ToUpper(f.Tactic))
		_, byName := attack.TacticByShortname(strings.ToLower(f.Tactic))
		if !byID && !byName {
			var names []string
			for _, t := range attack.Tactics() {
				names = append(names, t.Shortname)
			}
			return &FilterError{"tactic", fmt.Sprintf("tactic must be an ATT&CK tactic ID (TA0002) or one of %s (got %q)", strings.Join(names, ", "), f.Tactic)}
		}
	}
	if f.Technique != "" && !techniqueID.MatchString(f.Technique) {
		return &FilterError{"technique", fmt.Sprintf("technique must be an ATT&CK technique ID such as T1059 or T1059.001 (got %q)", f.Technique)}
	}
	// A well-formed ID that ATT&CK never had is a typo too. Revoked and
	// deprecated IDs are in the table: rules are still tagged with them.
	if _, known := attack.TechniqueByID(f.Technique); f.Technique != "" && !known {
		return &FilterError{"technique", fmt.Sprintf("technique %s is not a technique of ATT&CK Enterprise v%s, current or retired", strings.ToUpper(f.Technique), attack.Version)}
	}
	return nil
}

// String is the filter as query parameters (status=experimental
// pack=sigmahq), or "every rule" for none, for audit entries and reports.
func (f RuleFilter) String() string {
	var parts []string
	for _, p := range []struct{ k, v string }{{"q", f.Query}, {"status", f.Status}, {"level", f.Level}, {"tactic", f.Tactic},
		{"technique", f.Technique}, {"product", f.Product}, {"category", f.Category}, {"service", f.Service}, {"pack", f.Pack}, {"kind", f.Kind}} {
		if p.v != "" {
			parts = append(parts, fmt.Sprintf("%s=%q", p.k, p.v))
		}
	}
	if f.Enabled != nil {
		parts = append(parts, fmt.Sprintf("enabled=%t", *f.Enabled))
	}
	if len(parts) == 0 {
		return "every rule"
	}
	return strings.Join(parts, " ")
}
