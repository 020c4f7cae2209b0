package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// TaskStatuses in board order.
var TaskStatuses = []string{store.TaskTodo, store.TaskInProgress, store.TaskBlocked, store.TaskDone, store.TaskSkipped}

// TaskView is a task as the API shows it.
type TaskView struct {
	ID            string                `json:"id"`
	IncidentID    string                `json:"incident_id"`
	WorkplanID    string                `json:"workplan_id"`
	Title         string                `json:"title"`
	Description   string                `json:"description"`
	Status        string                `json:"status"`
	Assignee      string                `json:"assignee"`
	AssigneeEmail string                `json:"assignee_email"`
	DueAt         *time.Time            `json:"due_at"`
	Position      int64                 `json:"position"`
	PlaybookStep  *int                  `json:"playbook_step"`
	Action        *store.PlaybookAction `json:"action"`
	Overdue       bool                  `json:"overdue"`
	CreatedAt     time.Time             `json:"created_at"`
	UpdatedAt     time.Time             `json:"updated_at"`
	CompletedAt   *time.Time            `json:"completed_at"`
}

func taskView(dir *Directory, t store.Task) TaskView {
	v := TaskView{ID: t.ID, IncidentID: t.IncidentID, WorkplanID: t.WorkplanID, Title: t.Title, Description: t.Description,
		Status: t.Status, Assignee: t.Assignee, AssigneeEmail: dir.Email(t.Assignee), DueAt: t.DueAt, Position: t.Position,
		PlaybookStep: t.PlaybookStep, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, CompletedAt: t.CompletedAt}
	if t.Action != "" {
		var a store.PlaybookAction
		if json.Unmarshal([]byte(t.Action), &a) == nil {
			v.Action = &a
		}
	}
	if t.DueAt != nil && t.CompletedAt == nil && time.Now().After(*t.DueAt) {
		v.Overdue = true
	}
	return v
}

// TaskInput creates a task.
type TaskInput struct {
	Title, Description, Assignee, Status string
	DueAt                                *time.Time
}

// CreateTask adds a task to an incident or a workplan (exactly one).
func (s *Service) CreateTask(ctx context.Context, a Actor, incidentID, workplanID string, in TaskInput) (TaskView, error) {
	in.Title = clean(in.Title, 300)
	if in.Title == "" {
		return TaskView{}, fieldErr("title", "is required")
	}
	if len(in.Description) > 20000 {
		return TaskView{}, fieldErr("description", "must be at most 20000 characters")
	}
	if in.Status == "" {
		in.Status = store.TaskTodo
	}
	if !contains(TaskStatuses, in.Status) {
		return TaskView{}, fieldErr("status", "%q is not one of %s", in.Status, strings.Join(TaskStatuses, ", "))
	}
	now := s.now()
	t := store.Task{ID: newID(), OrgID: a.OrgID, IncidentID: incidentID, WorkplanID: workplanID, Title: in.Title,
		Description: in.Description, Status: in.Status, Assignee: in.Assignee, DueAt: in.DueAt, CreatedBy: a.UserID,
		CreatedAt: now, UpdatedAt: now, Position: now.UnixMilli()}
	if in.Status == store.TaskDone {
		t.CompletedAt = &now
	}
	var dir *Directory
	err := s.tx(ctx, func(r store.Repos) error {
		where := ""
		if incidentID != "" {
			inc, err := r.Incidents().Get(ctx, a.OrgID, incidentID)
			if err != nil {
				return err
			}
			where = fmt.Sprintf("INC-%04d", inc.Number)
			if err := s.timeline(ctx, r, a, incidentID, "auto", "Task added: "+t.Title, t.ID); err != nil {
				return err
			}
		} else {
			w, err := r.Workplans().Get(ctx, a.OrgID, workplanID)
			if err != nil {
				return err
			}
			where = "workplan " + w.Title
		}
		if in.Assignee != "" {
			if _, err := userIn(ctx, r, a.OrgID, in.Assignee, "assignee"); err != nil {
				return err
			}
		}
		if err := r.Tasks().Create(ctx, t); err != nil {
			return err
		}
		return s.change(ctx, r, a, "task", t.ID, "create", fmt.Sprintf("task %q added to %s", t.Title, where))
	})
	if err != nil {
		return TaskView{}, err
	}
	if dir, err = s.Directory(ctx, a.OrgID); err != nil {
		return TaskView{}, err
	}
	v := taskView(dir, t)
	s.publish(a.OrgID, "incidents", "task_updated", v)
	return v, nil
}

// TaskPatch edits a task; nil leaves a field alone.
type TaskPatch struct {
	Title, Description, Status, Assignee *string
	DueAt                                **time.Time
	Position                             *int64
}

// PatchTask edits a task (the board moves cards with Status and Position).
func (s *Service) PatchTask(ctx context.Context, a Actor, id string, p TaskPatch) (TaskView, error) {
	var out store.Task
	err := s.tx(ctx, func(r store.Repos) error {
		t, err := r.Tasks().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		now := s.now()
		var what []string
		if p.Title != nil {
			v := clean(*p.Title, 300)
			if v == "" {
				return fieldErr("title", "must not be empty")
			}
			if v != t.Title {
				t.Title = v
				what = append(what, fmt.Sprintf("title %q", v))
			}
		}
		if p.Description != nil && *p.Description != t.Description {
			if len(*p.Description) > 20000 {
				return fieldErr("description", "must be at most 20000 characters")
			}
			t.Description = *p.Description
			what = append(what, "description edited")
		}
		if p.Status != nil && *p.Status != t.Status {
			if !contains(TaskStatuses, *p.Status) {
				return fieldErr("status", "%q is not one of %s", *p.Status, strings.Join(TaskStatuses, ", "))
			}
			what = append(what, fmt.Sprintf("status %s -> %s", t.Status, *p.Status))
			t.Status = *p.Status
			if t.Status == store.TaskDone || t.Status == store.TaskSkipped {
				t.CompletedAt = &now
			} else {
				t.CompletedAt = nil
			}
			if t.IncidentID != "" {
				if err := s.timeline(ctx, r, a, t.IncidentID, "auto", fmt.Sprintf("Task %q is %s", t.Title, t.Status), t.ID); err != nil {
					return err
				}
			}
		}
		if p.Assignee != nil && *p.Assignee != t.Assignee {
			if *p.Assignee != "" {
				u, err := userIn(ctx, r, a.OrgID, *p.Assignee, "assignee")
				if err != nil {
					return err
				}
				what = append(what, "assigned to "+u.Email)
			} else {
				what = append(what, "unassigned")
			}
			t.Assignee = *p.Assignee
		}
		if p.DueAt != nil {
			t.DueAt = *p.DueAt
			what = append(what, "due date changed")
		}
		if p.Position != nil && *p.Position != t.Position {
			t.Position = *p.Position
			if len(what) == 0 {
				what = append(what, "moved")
			}
		}
		out = t
		if len(what) == 0 {
			return nil
		}
		t.UpdatedAt = now
		out = t
		if err := r.Tasks().Update(ctx, t); err != nil {
			return err
		}
		return s.change(ctx, r, a, "task", id, "update", fmt.Sprintf("task %q: %s", t.Title, strings.Join(what, ", ")))
	})
	if err != nil {
		return TaskView{}, err
	}
	dir, err := s.Directory(ctx, a.OrgID)
	if err != nil {
		return TaskView{}, err
	}
	v := taskView(dir, out)
	s.publish(a.OrgID, "incidents", "task_updated", v)
	return v, nil
}

// DeleteTask removes a task.
func (s *Service) DeleteTask(ctx context.Context, a Actor, id string) error {
	err := s.tx(ctx, func(r store.Repos) error {
		t, err := r.Tasks().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Tasks().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.change(ctx, r, a, "task", id, "delete", fmt.Sprintf("task %q deleted", t.Title))
	})
	if err == nil {
		s.publish(a.OrgID, "incidents", "task_deleted", map[string]string{"id": id})
	}
	return err
}
