package detect

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/store"
)

// Limits of an org's placeholders (Sigma's expand modifier: a rule's
// %name% matches any of the org's values for name).
const (
	MaxPlaceholders      = 100
	MaxPlaceholderValues = 1000
	MaxPlaceholderValue  = 1024 // bytes
)

// placeholderName is what a placeholder may be called (without the
// percent signs): SigmaHQ's are words such as known_cdcs or Admins.
var placeholderName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// PlaceholderInput is one placeholder as an admin sets it.
type PlaceholderInput struct {
	Name   string
	Values []string
}

// PlaceholderRule is a rule that uses a placeholder.
type PlaceholderRule struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// PlaceholderView is a placeholder as the API shows it: its values, and
// the org's rules that use it.
type PlaceholderView struct {
	Name      string            `json:"name"`
	Values    []string          `json:"values"`
	UpdatedBy string            `json:"updated_by"`
	UpdatedAt *time.Time        `json:"updated_at"`
	Rules     []PlaceholderRule `json:"rules"`
}

// PlaceholdersView is every placeholder of the org: those with values,
// and those its rules use without any (Defined false).
type PlaceholdersView struct {
	Placeholders []PlaceholderView `json:"placeholders"`
	// Missing are used by rules but have no values: those rules do not run.
	Missing []PlaceholderView `json:"missing"`
	Limits  PlaceholderLimits `json:"limits"`
}

// PlaceholderLimits are the limits the API enforces, for the UI.
type PlaceholderLimits struct {
	Placeholders int    `json:"placeholders"`
	Values       int    `json:"values"`
	ValueBytes   int    `json:"value_bytes"`
	NamePattern  string `json:"name_pattern"`
}

func placeholderMap(ps []store.Placeholder) map[string][]string {
	m := make(map[string][]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Values
	}
	return m
}

// checkPlaceholders validates what an admin submitted and returns it
// cleaned (values deduplicated in order, names sorted).
func checkPlaceholders(in []PlaceholderInput) ([]PlaceholderInput, error) {
	if len(in) > MaxPlaceholders {
		return nil, fmt.Errorf("%w: placeholders: %d given; at most %d", ErrInvalid, len(in), MaxPlaceholders)
	}
	seen := map[string]bool{}
	out := make([]PlaceholderInput, 0, len(in))
	for i, p := range in {
		field := fmt.Sprintf("placeholders[%d]", i)
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("%w: %s.name: required", ErrInvalid, field)
		case !placeholderName.MatchString(p.Name):
			return nil, fmt.Errorf("%w: %s.name: %q must be 1-64 letters, digits, '_', '-' or '.', without the percent signs", ErrInvalid, field, p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("%w: %s.name: %q is given twice", ErrInvalid, field, p.Name)
		case len(p.Values) == 0:
			return nil, fmt.Errorf("%w: %s.values: at least one value (remove the placeholder instead)", ErrInvalid, field)
		case len(p.Values) > MaxPlaceholderValues:
			return nil, fmt.Errorf("%w: %s.values: %d given; at most %d", ErrInvalid, field, len(p.Values), MaxPlaceholderValues)
		}
		seen[p.Name] = true
		vals := make([]string, 0, len(p.Values))
		have := map[string]bool{}
		for j, v := range p.Values {
			vf := fmt.Sprintf("%s.values[%d]", field, j)
			switch {
			case strings.TrimSpace(v) == "":
				return nil, fmt.Errorf("%w: %s: empty", ErrInvalid, vf)
			case len(v) > MaxPlaceholderValue:
				return nil, fmt.Errorf("%w: %s: %d bytes; at most %d", ErrInvalid, vf, len(v), MaxPlaceholderValue)
			case strings.ContainsAny(v, "\r\n\x00"):
				return nil, fmt.Errorf("%w: %s: must be one line", ErrInvalid, vf)
			}
			if !have[v] {
				have[v] = true
				vals = append(vals, v)
			}
		}
		out = append(out, PlaceholderInput{Name: p.Name, Values: vals})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetPlaceholders replaces the org's placeholders, audits the change and
// recompiles the org's rules with the new values: rules using a
// placeholder that now has values start running, rules using one that was
// removed stop.
func (s *Service) SetPlaceholders(ctx context.Context, a Actor, in []PlaceholderInput) (PlaceholdersView, error) {
	clean, err := checkPlaceholders(in)
	if err != nil {
		return PlaceholdersView{}, err
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	old, err := s.o.Store.Rules().Placeholders(ctx, a.OrgID)
	if err != nil {
		return PlaceholdersView{}, err
	}
	before := map[string]store.Placeholder{}
	for _, p := range old {
		before[p.Name] = p
	}
	now := s.o.Now()
	var next []store.Placeholder
	var changes []string
	for _, p := range clean {
		prev, had := before[p.Name]
		delete(before, p.Name)
		switch {
		case had && slices.Equal(prev.Values, p.Values):
			next = append(next, prev)
			continue
		case had:
			changes = append(changes, fmt.Sprintf("%%%s%% changed (%d → %d values)", p.Name, len(prev.Values), len(p.Values)))
		default:
			changes = append(changes, fmt.Sprintf("%%%s%% added (%d values)", p.Name, len(p.Values)))
		}
		next = append(next, store.Placeholder{Name: p.Name, Values: p.Values, UpdatedBy: a.UserID, UpdatedAt: now})
	}
	removed := make([]string, 0, len(before))
	for name := range before {
		removed = append(removed, name)
	}
	sort.Strings(removed)
	for _, name := range removed {
		changes = append(changes, fmt.Sprintf("%%%s%% removed", name))
	}
	e := s.engine(a.OrgID, true)
	if len(changes) > 0 {
		err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
			if err := rp.Rules().SetPlaceholders(ctx, a.OrgID, next); err != nil {
				return err
			}
			return s.audit(ctx, rp, a, "detection.placeholders.update", "placeholders", a.OrgID,
				"placeholders: "+strings.Join(changes, "; "))
		})
		if err != nil {
			return PlaceholdersView{}, err
		}
		e.mu.Lock()
		e.placeholders = placeholderMap(next)
		for _, p := range e.rebuild() {
			s.o.Logger.Warn("detection: rule not loaded", "org", e.orgID, "rule", p.File, "err", p.Message)
		}
		e.mu.Unlock()
	}
	return s.placeholdersView(e, next), nil
}

// Placeholders returns the org's placeholders and those its rules use
// without values.
func (s *Service) Placeholders(ctx context.Context, orgID string) (PlaceholdersView, error) {
	ps, err := s.o.Store.Rules().Placeholders(ctx, orgID)
	if err != nil {
		return PlaceholdersView{}, err
	}
	return s.placeholdersView(s.engine(orgID, false), ps), nil
}

func (s *Service) placeholdersView(e *orgEngine, ps []store.Placeholder) PlaceholdersView {
	used := map[string][]PlaceholderRule{}
	if e != nil {
		e.mu.RLock()
		for _, l := range e.units {
			for _, name := range unitPlaceholders(l.unit) {
				used[name] = append(used[name], PlaceholderRule{ID: l.rule.ID, Title: l.rule.Title})
			}
		}
		e.mu.RUnlock()
	}
	for _, rules := range used {
		sort.Slice(rules, func(i, j int) bool { return rules[i].Title < rules[j].Title })
	}
	v := PlaceholdersView{Placeholders: []PlaceholderView{}, Missing: []PlaceholderView{},
		Limits: PlaceholderLimits{Placeholders: MaxPlaceholders, Values: MaxPlaceholderValues, ValueBytes: MaxPlaceholderValue,
			NamePattern: placeholderName.String()}}
	for _, p := range ps {
		at := p.UpdatedAt
		v.Placeholders = append(v.Placeholders, PlaceholderView{Name: p.Name, Values: p.Values, UpdatedBy: p.UpdatedBy,
			UpdatedAt: &at, Rules: orEmptyRules(used[p.Name])})
		delete(used, p.Name)
	}
	for name, rules := range used {
		v.Missing = append(v.Missing, PlaceholderView{Name: name, Values: []string{}, Rules: rules})
	}
	sort.Slice(v.Missing, func(i, j int) bool { return v.Missing[i].Name < v.Missing[j].Name })
	return v
}

func orEmptyRules(l []PlaceholderRule) []PlaceholderRule {
	if l == nil {
		return []PlaceholderRule{}
	}
	return l
}

// unitPlaceholders lists the placeholders a unit's Sigma rules use.
func unitPlaceholders(u *Unit) []string {
	var out []string
	eachPlaceholder(u, func(name string, _ sigma.Value) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	})
	return out
}

// eachPlaceholder calls fn for every placeholder in a unit's Sigma rules,
// with the value it is in.
func eachPlaceholder(u *Unit, fn func(name string, v sigma.Value)) {
	for _, r := range u.Sigma {
		if r.Detection == nil {
			continue
		}
		for _, srch := range r.Detection.Searches {
			for _, alt := range srch.Alternatives {
				for _, it := range alt.Items {
					for _, v := range it.Values {
						for _, p := range v.Pattern {
							if p.Kind == sigma.PartPlaceholder {
								fn(p.Text, v)
							}
						}
					}
				}
			}
		}
	}
}

// PlaceholderWarnings says where a compiled (unsaved) rule uses a
// placeholder that has no values in the org: it would be stored but not
// run. The editor shows them while the rule is written.
func (s *Service) PlaceholderWarnings(orgID string, u *Unit) []RuleError {
	var have map[string][]string
	if e := s.engine(orgID, false); e != nil {
		e.mu.RLock()
		have = e.placeholders
		e.mu.RUnlock()
	}
	out := []RuleError{}
	eachPlaceholder(u, func(name string, v sigma.Value) {
		if _, ok := have[name]; !ok {
			out = append(out, RuleError{Line: v.Line, Column: v.Column,
				Message: fmt.Sprintf("placeholder %%%s%% has no values in this org: the rule will be saved but will not run until it has (Rules → Placeholders)", name)})
		}
	})
	return out
}
