package detect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/store"
)

// Bulk actions on rules.
const (
	BulkEnable  = "enable"
	BulkDisable = "disable"
	BulkDelete  = "delete"
)

// BulkActions are the actions Bulk takes.
var BulkActions = []string{BulkEnable, BulkDisable, BulkDelete}

// MaxBulkIDs bounds a selection by ids; a larger one is a filter's job.
const MaxBulkIDs = 10_000

// BulkRequest selects rules by ids or by a filter (exactly one of them)
// and says what to do with them.
type BulkRequest struct {
	Action string
	IDs    []string
	Filter *RuleFilter
	// Runnable narrows a filter as the rules list's runnable parameter
	// does: false selects the rules that cannot run as they are.
	Runnable *bool
	// Confirm is the number of rules the caller expects to act on. It is
	// required to delete by filter, so that a wrong filter cannot delete
	// every rule; when given, it must be the number selected.
	Confirm *int
}

// BulkResult says how many rules the selection matched and how many of
// them the action changed (an enabled rule is not enabled again).
type BulkResult struct {
	Matched int `json:"matched"`
	Changed int `json:"changed"`
}

func (q BulkRequest) check() error {
	if !slices.Contains(BulkActions, q.Action) {
		return fmt.Errorf("%w: action: %q is not one of %s", ErrInvalid, q.Action, strings.Join(BulkActions, ", "))
	}
	switch {
	case q.IDs != nil && q.Filter != nil:
		return fmt.Errorf("%w: filter: give either ids or filter, not both", ErrInvalid)
	case q.IDs == nil && q.Filter == nil:
		return fmt.Errorf("%w: ids: give the rules' ids, or a filter", ErrInvalid)
	case q.IDs != nil && len(q.IDs) == 0:
		return fmt.Errorf("%w: ids: at least one rule id", ErrInvalid)
	case len(q.IDs) > MaxBulkIDs:
		return fmt.Errorf("%w: ids: at most %d ids (%d given); select more with a filter", ErrInvalid, MaxBulkIDs, len(q.IDs))
	case q.Confirm != nil && *q.Confirm < 0:
		return fmt.Errorf("%w: confirm: must be the number of rules selected", ErrInvalid)
	}
	for i, id := range q.IDs {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("%w: ids[%d]: empty", ErrInvalid, i)
		}
	}
	return nil
}

// Bulk enables, disables or deletes the rules selected, in one
// transaction with one audit entry, and rebuilds the org's engine once:
// turning off a few thousand SigmaHQ rules costs one rebuild, not one per
// rule.
func (s *Service) Bulk(ctx context.Context, a Actor, q BulkRequest) (BulkResult, error) {
	var res BulkResult
	if err := q.check(); err != nil {
		return res, err
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	rules, err := s.o.Store.Rules().List(ctx, a.OrgID)
	if err != nil {
		return res, err
	}
	var selected []store.Rule
	var what string
	if q.Filter != nil {
		if err := q.Filter.Check(rules); err != nil {
			var fe *FilterError
			if errors.As(err, &fe) {
				return res, &FilterError{Field: "filter." + fe.Field, Msg: fe.Msg}
			}
			return res, err
		}
		var problems map[string]string
		if q.Runnable != nil {
			problems = s.Problems(a.OrgID)
		}
		for _, r := range rules {
			if q.Filter.Match(r) && (q.Runnable == nil || *q.Runnable == (problems[r.ID] == "")) {
				selected = append(selected, r)
			}
		}
		what = "rules matching " + q.Filter.String()
		if q.Runnable != nil {
			what += fmt.Sprintf(" runnable=%t", *q.Runnable)
		}
	} else {
		byID := make(map[string]int, len(rules))
		for i, r := range rules {
			byID[r.ID] = i
		}
		seen := map[string]bool{}
		for i, id := range q.IDs {
			j, ok := byID[id]
			if !ok {
				return res, fmt.Errorf("%w: ids[%d]: no rule with id %q in this organisation", ErrInvalid, i, id)
			}
			if !seen[id] {
				seen[id] = true
				selected = append(selected, rules[j])
			}
		}
		what = "selected rules"
	}
	res.Matched = len(selected)
	if q.Confirm == nil && q.Action == BulkDelete && q.Filter != nil {
		return res, fmt.Errorf("%w: confirm: deleting by filter needs \"confirm\": the number of rules the filter matches (%d), so that a wrong filter cannot delete every rule", ErrInvalid, res.Matched)
	}
	if q.Confirm != nil && *q.Confirm != res.Matched {
		return res, fmt.Errorf("%w: confirm: %d rules are selected, not %d; nothing was changed", ErrInvalid, res.Matched, *q.Confirm)
	}
	var changed []store.Rule
	now := s.o.Now()
	for _, r := range selected {
		switch q.Action {
		case BulkEnable, BulkDisable:
			if on := q.Action == BulkEnable; r.Enabled != on {
				r.Enabled, r.UpdatedAt = on, now
				changed = append(changed, r)
			}
		case BulkDelete:
			changed = append(changed, r)
		}
	}
	res.Changed = len(changed)
	if len(changed) == 0 {
		return res, nil
	}
	done := map[string]string{BulkEnable: "enabled", BulkDisable: "disabled", BulkDelete: "deleted"}[q.Action]
	names := make([]string, len(changed))
	for i, r := range changed {
		names[i] = fmt.Sprintf("%q (%s)", r.Title, r.ID)
	}
	summary := fmt.Sprintf("%s %d of %d %s", done, len(changed), res.Matched, what) + auditList("rules", names)
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		for _, r := range changed {
			var err error
			if q.Action == BulkDelete {
				err = rp.Rules().Delete(ctx, a.OrgID, r.ID)
			} else {
				err = rp.Rules().Update(ctx, r)
			}
			if err != nil {
				return fmt.Errorf("cannot %s rule %s: %w", q.Action, r.ID, err)
			}
		}
		return s.audit(ctx, rp, a, "rule.bulk."+q.Action, "rule", "", summary)
	})
	if err != nil {
		return BulkResult{}, err
	}
	e := s.engine(a.OrgID, true)
	e.mu.Lock()
	for _, r := range changed {
		if q.Action == BulkDelete {
			delete(e.units, r.ID)
			delete(e.exceptions, r.ID)
			continue
		}
		if l := e.units[r.ID]; l != nil {
			l.marked = false // sampling restarts with the change
			l.rule = r
		}
	}
	for _, p := range e.rebuild() {
		s.o.Logger.Warn("detection: rule not loaded", "org", e.orgID, "rule", p.File, "err", p.Message)
	}
	e.mu.Unlock()
	return res, nil
}
