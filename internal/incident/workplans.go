package incident

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// WorkplanStatuses are a workplan's states.
var WorkplanStatuses = []string{"active", "done", "archived"}

// WorkplanView is a workplan with its tasks.
type WorkplanView struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Owner       string         `json:"owner"`
	OwnerEmail  string         `json:"owner_email"`
	Group       string         `json:"group"`
	GroupName   string         `json:"group_name"`
	Status      string         `json:"status"`
	DueAt       *time.Time     `json:"due_at"`
	Links       []LinkView     `json:"links"`
	Tasks       []TaskView     `json:"tasks"`
	TaskCounts  map[string]int `json:"task_counts"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// LinkView is a link to an alert or incident with its title.
type LinkView struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Title string `json:"title"`
}

// WorkplanInput creates or edits a workplan (nil leaves a field alone).
type WorkplanInput struct {
	Title, Description, Owner, Group, Status *string
	DueAt                                    **time.Time
	Links                                    *[]store.WorkplanLink
}

func (s *Service) workplanView(ctx context.Context, dir *Directory, w store.Workplan) (WorkplanView, error) {
	v := WorkplanView{ID: w.ID, Title: w.Title, Description: w.Description, Owner: w.Owner, OwnerEmail: dir.Email(w.Owner),
		Group: w.Group, GroupName: dir.GroupName(w.Group), Status: w.Status, DueAt: w.DueAt, Links: []LinkView{}, Tasks: []TaskView{},
		TaskCounts: map[string]int{}, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	for _, l := range w.Links {
		title, err := checkObject(ctx, s.o.Store, w.OrgID, l.Type, l.ID)
		if err != nil {
			title = "(removed)"
		}
		v.Links = append(v.Links, LinkView{Type: l.Type, ID: l.ID, Title: title})
	}
	tasks, err := s.o.Store.Tasks().List(ctx, w.OrgID, store.TaskFilter{WorkplanID: w.ID})
	if err != nil {
		return v, err
	}
	for _, t := range tasks {
		v.Tasks = append(v.Tasks, taskView(dir, t))
		v.TaskCounts[t.Status]++
	}
	return v, nil
}

// Workplans lists the org's workplans.
func (s *Service) Workplans(ctx context.Context, orgID string) ([]WorkplanView, error) {
	ws, err := s.o.Store.Workplans().List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]WorkplanView, 0, len(ws))
	for _, w := range ws {
		v, err := s.workplanView(ctx, dir, w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Workplan returns one workplan.
func (s *Service) Workplan(ctx context.Context, orgID, id string) (WorkplanView, error) {
	w, err := s.o.Store.Workplans().Get(ctx, orgID, id)
	if err != nil {
		return WorkplanView{}, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return WorkplanView{}, err
	}
	return s.workplanView(ctx, dir, w)
}

// SaveWorkplan creates (id "") or edits a workplan.
func (s *Service) SaveWorkplan(ctx context.Context, a Actor, id string, in WorkplanInput) (WorkplanView, error) {
	var w store.Workplan
	err := s.tx(ctx, func(r store.Repos) error {
		now := s.now()
		if id == "" {
			if in.Title == nil {
				return fieldErr("title", "is required")
			}
			w = store.Workplan{ID: newID(), OrgID: a.OrgID, Status: "active", CreatedBy: a.UserID, CreatedAt: now}
		} else {
			var err error
			if w, err = r.Workplans().Get(ctx, a.OrgID, id); err != nil {
				return err
			}
		}
		if in.Title != nil {
			w.Title = clean(*in.Title, 300)
			if w.Title == "" {
				return fieldErr("title", "must not be empty")
			}
		}
		if in.Description != nil {
			if len(*in.Description) > 20000 {
				return fieldErr("description", "must be at most 20000 characters")
			}
			w.Description = *in.Description
		}
		if in.Owner != nil {
			if *in.Owner != "" {
				if _, err := userIn(ctx, r, a.OrgID, *in.Owner, "owner"); err != nil {
					return err
				}
			}
			w.Owner = *in.Owner
		}
		if in.Group != nil {
			if *in.Group != "" {
				if _, err := groupIn(ctx, r, a.OrgID, *in.Group, "group"); err != nil {
					return err
				}
			}
			w.Group = *in.Group
		}
		if in.Status != nil {
			if !contains(WorkplanStatuses, *in.Status) {
				return fieldErr("status", "%q is not one of %s", *in.Status, strings.Join(WorkplanStatuses, ", "))
			}
			w.Status = *in.Status
		}
		if in.DueAt != nil {
			w.DueAt = *in.DueAt
		}
		if in.Links != nil {
			if len(*in.Links) > 100 {
				return fieldErr("links", "at most 100 links")
			}
			for i, l := range *in.Links {
				if _, err := checkObject(ctx, r, a.OrgID, l.Type, l.ID); err != nil {
					if isNotFound(err) {
						return fieldErr(fmt.Sprintf("links[%d]", i), "no %s %q in this organisation", l.Type, l.ID)
					}
					if fe, ok := err.(*FieldError); ok {
						return fieldErr(fmt.Sprintf("links[%d].type", i), "%s", fe.Msg)
					}
					return err
				}
			}
			w.Links = *in.Links
		}
		w.UpdatedAt = now
		if id == "" {
			if err := r.Workplans().Create(ctx, w); err != nil {
				return err
			}
			return s.change(ctx, r, a, "workplan", w.ID, "create", fmt.Sprintf("workplan %q created", w.Title))
		}
		if err := r.Workplans().Update(ctx, w); err != nil {
			return err
		}
		return s.change(ctx, r, a, "workplan", w.ID, "update", fmt.Sprintf("workplan %q edited", w.Title))
	})
	if err != nil {
		return WorkplanView{}, err
	}
	v, err := s.Workplan(ctx, a.OrgID, w.ID)
	if err == nil {
		s.publish(a.OrgID, "incidents", "workplan_updated", v)
	}
	return v, err
}

// DeleteWorkplan removes a workplan and its tasks.
func (s *Service) DeleteWorkplan(ctx context.Context, a Actor, id string) error {
	return s.tx(ctx, func(r store.Repos) error {
		w, err := r.Workplans().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Workplans().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.change(ctx, r, a, "workplan", id, "delete", fmt.Sprintf("workplan %q deleted", w.Title))
	})
}
