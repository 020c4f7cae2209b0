package incident

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventsec/eventsec/internal/store"
)

//go:embed playbooks/*.yaml
var builtinFiles embed.FS

// Playbook is a response playbook: built in or the org's own.
type Playbook struct {
	ID           string               `json:"id" yaml:"id"`
	Name         string               `json:"name" yaml:"name"`
	Description  string               `json:"description" yaml:"description"`
	Category     string               `json:"category" yaml:"category"`
	SeverityHint string               `json:"severity_hint" yaml:"severity_hint"`
	Builtin      bool                 `json:"builtin" yaml:"-"`
	Steps        []store.PlaybookStep `json:"steps" yaml:"steps"`
	UpdatedAt    *time.Time           `json:"updated_at,omitempty" yaml:"-"`
}

// Builtins returns the playbooks that ship in the binary.
func Builtins() ([]Playbook, error) {
	files, err := fs.Glob(builtinFiles, "playbooks/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Playbook
	for _, f := range files {
		data, err := builtinFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p Playbook
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("cannot read built-in playbook %s: %w", f, err)
		}
		if err := validatePlaybook(&p); err != nil {
			return nil, fmt.Errorf("built-in playbook %s: %w", f, err)
		}
		p.Builtin = true
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ActionTypes are the containment actions.
var ActionTypes = []string{"block_ip", "block_domain", "block_url", "block_sender", "isolate_host", "release_host", "kill_process", "disable_user"}

// TargetKinds are the observable kinds an automated step takes its target from.
var TargetKinds = []string{"ip", "domain", "url", "email", "host", "user", "hash", "file"}

func validatePlaybook(p *Playbook) error {
	p.Name = clean(p.Name, 200)
	if p.Name == "" {
		return fieldErr("name", "is required")
	}
	if len(p.Description) > 10000 {
		return fieldErr("description", "must be at most 10000 characters")
	}
	if p.SeverityHint != "" && !validSeverity(p.SeverityHint) {
		return fieldErr("severity_hint", "%q is not one of %s", p.SeverityHint, strings.Join(Severities, ", "))
	}
	if len(p.Steps) == 0 || len(p.Steps) > 100 {
		return fieldErr("steps", "a playbook has 1 to 100 steps")
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		f := fmt.Sprintf("steps[%d]", i)
		st.Title = clean(st.Title, 300)
		if st.Title == "" {
			return fieldErr(f+".title", "is required")
		}
		switch st.Kind {
		case "", "manual":
			st.Kind = "manual"
			if st.Action != nil {
				return fieldErr(f+".action", "a manual step has no action (use kind: action)")
			}
		case "action":
			if st.Action == nil || !contains(ActionTypes, st.Action.Type) {
				return fieldErr(f+".action.type", "an action step needs one of %s", strings.Join(ActionTypes, ", "))
			}
			if st.Action.TargetFrom != "" && !contains(TargetKinds, st.Action.TargetFrom) {
				return fieldErr(f+".action.target_from", "%q is not one of %s", st.Action.TargetFrom, strings.Join(TargetKinds, ", "))
			}
		default:
			return fieldErr(f+".kind", "%q is not manual or action", st.Kind)
		}
	}
	return nil
}

// Playbooks lists the built-in playbooks and the org's own.
func (s *Service) Playbooks(ctx context.Context, orgID string) ([]Playbook, error) {
	out, err := Builtins()
	if err != nil {
		return nil, err
	}
	custom, err := s.o.Store.Playbooks().List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, c := range custom {
		out = append(out, customView(c))
	}
	return out, nil
}

func customView(c store.Playbook) Playbook {
	u := c.UpdatedAt
	return Playbook{ID: c.ID, Name: c.Name, Description: c.Description, Category: c.Category, SeverityHint: c.SeverityHint,
		Steps: c.Steps, UpdatedAt: &u}
}

// Playbook returns one playbook.
func (s *Service) Playbook(ctx context.Context, orgID, id string) (Playbook, error) {
	bs, err := Builtins()
	if err != nil {
		return Playbook{}, err
	}
	for _, b := range bs {
		if b.ID == id {
			return b, nil
		}
	}
	c, err := s.o.Store.Playbooks().Get(ctx, orgID, id)
	if err != nil {
		return Playbook{}, err
	}
	return customView(c), nil
}

// SavePlaybook creates (id "") or replaces an org playbook.
func (s *Service) SavePlaybook(ctx context.Context, a Actor, id string, p Playbook) (Playbook, error) {
	if err := validatePlaybook(&p); err != nil {
		return Playbook{}, err
	}
	if strings.HasPrefix(id, "pb-") {
		return Playbook{}, fieldErr("id", "built-in playbooks cannot be changed; create your own copy")
	}
	now := s.now()
	err := s.tx(ctx, func(r store.Repos) error {
		sp := store.Playbook{ID: id, OrgID: a.OrgID, Name: p.Name, Description: p.Description, Category: clean(p.Category, 64),
			SeverityHint: p.SeverityHint, Steps: p.Steps, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
		action := "update"
		if id == "" {
			sp.ID = "custom-" + newID()
			action = "create"
			if err := r.Playbooks().Create(ctx, sp); err != nil {
				return err
			}
		} else {
			old, err := r.Playbooks().Get(ctx, a.OrgID, id)
			if err != nil {
				return err
			}
			sp.CreatedBy, sp.CreatedAt = old.CreatedBy, old.CreatedAt
			if err := r.Playbooks().Update(ctx, sp); err != nil {
				return err
			}
		}
		p = customView(sp)
		return s.change(ctx, r, a, "playbook", sp.ID, action, fmt.Sprintf("playbook %q %sd", sp.Name, action))
	})
	return p, err
}

// DeletePlaybook removes an org playbook.
func (s *Service) DeletePlaybook(ctx context.Context, a Actor, id string) error {
	if strings.HasPrefix(id, "pb-") {
		return fieldErr("id", "built-in playbooks cannot be deleted")
	}
	return s.tx(ctx, func(r store.Repos) error {
		p, err := r.Playbooks().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Playbooks().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.change(ctx, r, a, "playbook", id, "delete", fmt.Sprintf("playbook %q deleted", p.Name))
	})
}

// ApplyPlaybook creates the playbook's steps as the incident's tasks.
func (s *Service) ApplyPlaybook(ctx context.Context, a Actor, incidentID, playbookID string) (IncidentDetail, error) {
	p, err := s.Playbook(ctx, a.OrgID, playbookID)
	if isNotFound(err) {
		return IncidentDetail{}, fieldErr("playbook_id", "no playbook %q", playbookID)
	}
	if err != nil {
		return IncidentDetail{}, err
	}
	var in store.Incident
	err = s.tx(ctx, func(r store.Repos) error {
		var err error
		if in, err = r.Incidents().Get(ctx, a.OrgID, incidentID); err != nil {
			return err
		}
		if err := s.applyPlaybook(ctx, r, a, &in, p); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", incidentID, "playbook", fmt.Sprintf("playbook %q applied to INC-%04d", p.Name, in.Number))
	})
	if err != nil {
		return IncidentDetail{}, err
	}
	return s.incidentChanged(ctx, in, "", "incident_updated")
}

func (s *Service) applyPlaybook(ctx context.Context, r store.Repos, a Actor, in *store.Incident, p Playbook) error {
	existing, err := r.Tasks().List(ctx, a.OrgID, store.TaskFilter{IncidentID: in.ID})
	if err != nil {
		return err
	}
	if in.PlaybookID == p.ID {
		for _, t := range existing {
			if t.PlaybookStep != nil {
				return fieldErr("playbook_id", "playbook %q is already applied to this incident", p.Name)
			}
		}
	}
	now := s.now()
	base := now.UnixMilli()
	for i, st := range p.Steps {
		step := i
		t := store.Task{ID: newID(), OrgID: a.OrgID, IncidentID: in.ID, Title: st.Title, Description: st.Description,
			Status: store.TaskTodo, Position: base + int64(i), PlaybookStep: &step, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
		if st.Action != nil {
			b, _ := json.Marshal(st.Action)
			t.Action = string(b)
		}
		if err := r.Tasks().Create(ctx, t); err != nil {
			return err
		}
	}
	in.PlaybookID, in.UpdatedAt = p.ID, now
	if err := r.Incidents().Update(ctx, *in); err != nil {
		return err
	}
	return s.timeline(ctx, r, a, in.ID, "auto", fmt.Sprintf("Playbook %q applied: %d tasks", p.Name, len(p.Steps)), p.ID)
}
