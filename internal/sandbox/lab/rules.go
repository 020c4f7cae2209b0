package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/sandbox/yara"
	"github.com/eventsec/eventsec/internal/store"
)

// maxRuleSource bounds one rule's source.
const maxRuleSource = 256 << 10

// RuleInput is a YARA rule as a user submits it; nil fields stay
// unchanged on update (and take defaults on create: enabled true).
type RuleInput struct {
	Name        *string
	Description *string
	Source      *string
	Enabled     *bool
}

// ListRules lists the org's YARA rules by name.
func (s *Service) ListRules(ctx context.Context, orgID string) ([]store.SandboxRule, error) {
	return s.o.Store.Sandbox().ListRules(ctx, orgID, false)
}

// GetRule returns one rule.
func (s *Service) GetRule(ctx context.Context, orgID, id string) (store.SandboxRule, error) {
	return s.o.Store.Sandbox().GetRule(ctx, orgID, id)
}

// CreateRule validates, compiles (with the yara build tag) and stores a rule.
func (s *Service) CreateRule(ctx context.Context, orgID string, a Actor, in RuleInput) (store.SandboxRule, error) {
	now := s.o.Now()
	r := store.SandboxRule{ID: uuid.NewString(), OrgID: orgID, Enabled: true, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if in.Name == nil {
		return r, fieldErr("name", "give the rule a name")
	}
	if in.Source == nil {
		return r, fieldErr("source", "give the rule's YARA source")
	}
	apply(&r, in)
	if err := s.checkRule(ctx, r); err != nil {
		return r, err
	}
	err := s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Sandbox().CreateRule(ctx, r); err != nil {
			return nameConflict(err)
		}
		return s.audit(ctx, rp, orgID, a, "sandbox.rule.create", r.ID, "created YARA rule "+r.Name)
	})
	return r, err
}

// UpdateRule changes a rule; a changed source is compiled again.
func (s *Service) UpdateRule(ctx context.Context, orgID string, a Actor, id string, in RuleInput) (store.SandboxRule, error) {
	var r store.SandboxRule
	err := s.o.Store.Tx(ctx, func(rp store.Repos) error {
		var err error
		if r, err = rp.Sandbox().GetRule(ctx, orgID, id); err != nil {
			return err
		}
		apply(&r, in)
		r.UpdatedAt = s.o.Now()
		if err := s.checkRule(ctx, r); err != nil {
			return err
		}
		if err := rp.Sandbox().UpdateRule(ctx, r); err != nil {
			return nameConflict(err)
		}
		what := "updated"
		if in.Enabled != nil && in.Source == nil && in.Name == nil && in.Description == nil {
			what = map[bool]string{true: "enabled", false: "disabled"}[*in.Enabled]
		}
		return s.audit(ctx, rp, orgID, a, "sandbox.rule.update", r.ID, what+" YARA rule "+r.Name)
	})
	return r, err
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, orgID string, a Actor, id string) error {
	return s.o.Store.Tx(ctx, func(rp store.Repos) error {
		r, err := rp.Sandbox().GetRule(ctx, orgID, id)
		if err != nil {
			return err
		}
		if err := rp.Sandbox().DeleteRule(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, rp, orgID, a, "sandbox.rule.delete", id, "deleted YARA rule "+r.Name)
	})
}

func apply(r *store.SandboxRule, in RuleInput) {
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		r.Description = strings.TrimSpace(*in.Description)
	}
	if in.Source != nil {
		r.Source = *in.Source
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
}

func nameConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: name: another YARA rule has this name", store.ErrConflict)
	}
	return err
}

// checkRule validates a rule's fields and, with YARA compiled in,
// compiles its source alone (errors at the rule's own lines) and then
// with the org's other enabled rules (duplicate rule identifiers).
func (s *Service) checkRule(ctx context.Context, r store.SandboxRule) error {
	switch {
	case r.Name == "":
		return fieldErr("name", "give the rule a name")
	case utf8.RuneCountInString(r.Name) > 120:
		return fieldErr("name", "the name may be at most 120 characters")
	case len(r.Description) > 4000:
		return fieldErr("description", "the description may be at most 4000 bytes")
	case strings.TrimSpace(r.Source) == "":
		return fieldErr("source", "the YARA source is empty")
	case len(r.Source) > maxRuleSource:
		return fieldErr("source", "the YARA source may be at most %d bytes", maxRuleSource)
	case !utf8.ValidString(r.Source):
		return fieldErr("source", "the YARA source must be UTF-8 text")
	}
	if !yara.Enabled() {
		return nil
	}
	if err := CompileRule(r.Source); err != nil {
		return err
	}
	if !r.Enabled {
		return nil
	}
	others, err := s.o.Store.Sandbox().ListRules(ctx, r.OrgID, true)
	if err != nil {
		return err
	}
	set := []store.SandboxRule{}
	for _, o := range others {
		if o.ID != r.ID {
			set = append(set, o)
		}
	}
	set = append(set, r)
	rules, err := yara.Compile(concatRules(set))
	if err != nil {
		var ce *yara.CompileError
		if errors.As(err, &ce) && len(ce.Errors) > 0 {
			return &FieldError{Field: "source", Msg: "conflicts with the org's other enabled rules: " + ce.Errors[0].Message, Details: ce.Errors}
		}
		return err
	}
	rules.Close()
	return nil
}

// CompileRule compiles one YARA source; a compile error is a *FieldError
// on "source" with the line of the first problem and every problem in
// Details. Without the yara build tag it returns ErrYARADisabled.
func CompileRule(source string) error {
	rules, err := yara.Compile(source)
	if err != nil {
		if errors.Is(err, yara.ErrDisabled) {
			return ErrYARADisabled
		}
		var ce *yara.CompileError
		if errors.As(err, &ce) && len(ce.Errors) > 0 {
			return &FieldError{Field: "source", Line: ce.Errors[0].Line, Msg: ce.Errors[0].Message, Details: ce.Errors}
		}
		return err
	}
	rules.Close()
	return nil
}
