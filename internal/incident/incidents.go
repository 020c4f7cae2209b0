package incident

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// IncidentStatuses in workflow order.
var IncidentStatuses = []string{store.IncidentOpen, store.IncidentInProgress, store.IncidentContained, store.IncidentResolved, store.IncidentClosed}

// IncidentView is an incident as the API shows it.
type IncidentView struct {
	ID             string         `json:"id"`
	Number         string         `json:"number"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	Severity       string         `json:"severity"`
	Status         string         `json:"status"`
	Verdict        string         `json:"verdict"`
	Owner          string         `json:"owner"`
	OwnerEmail     string         `json:"owner_email"`
	Group          string         `json:"group"`
	GroupName      string         `json:"group_name"`
	Tags           []string       `json:"tags"`
	PlaybookID     string         `json:"playbook_id"`
	CreatedBy      string         `json:"created_by"`
	CreatedByEmail string         `json:"created_by_email"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	AcknowledgedAt *time.Time     `json:"acknowledged_at"`
	ResolvedAt     *time.Time     `json:"resolved_at"`
	ClosedAt       *time.Time     `json:"closed_at"`
	AlertCount     int64          `json:"alert_count"`
	TaskCounts     map[string]int `json:"task_counts"`
	SLA            SLAState       `json:"sla"`
}

// IncidentDetail is an incident with everything attached to it.
type IncidentDetail struct {
	IncidentView
	Alerts      []AlertView      `json:"alerts"`
	Tasks       []TaskView       `json:"tasks"`
	Observables []ObservableView `json:"observables"`
	Timeline    []TimelineView   `json:"timeline"`
	Attachments []AttachmentView `json:"attachments"`
	Actions     []ActionView     `json:"actions"`
}

// TimelineView is a timeline line.
type TimelineView struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	Actor      string    `json:"actor"`
	ActorEmail string    `json:"actor_email"`
	Message    string    `json:"message"`
	Detail     string    `json:"detail"`
}

// ObservableView is an observable with what EventSec knows about it.
type ObservableView struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Value       string         `json:"value"`
	Description string         `json:"description"`
	IOC         bool           `json:"ioc"`
	Enrichment  map[string]any `json:"enrichment"`
	CreatedAt   time.Time      `json:"created_at"`
	CreatedBy   string         `json:"created_by"`
}

func (s *Service) incidentViews(ctx context.Context, orgID string, ins []store.Incident) ([]IncidentView, error) {
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sla, err := s.SLA(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	counts, err := s.o.Store.Incidents().AlertCounts(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]IncidentView, 0, len(ins))
	now := s.now()
	for _, in := range ins {
		tasks, err := s.o.Store.Tasks().List(ctx, orgID, store.TaskFilter{IncidentID: in.ID})
		if err != nil {
			return nil, err
		}
		tc := map[string]int{store.TaskTodo: 0, store.TaskInProgress: 0, store.TaskBlocked: 0, store.TaskDone: 0, store.TaskSkipped: 0}
		for _, t := range tasks {
			tc[t.Status]++
		}
		tags := in.Tags
		if tags == nil {
			tags = []string{}
		}
		resolved := in.ResolvedAt
		if resolved == nil {
			resolved = in.ClosedAt
		}
		out = append(out, IncidentView{ID: in.ID, Number: fmt.Sprintf("INC-%04d", in.Number), Title: in.Title, Description: in.Description,
			Severity: in.Severity, Status: in.Status, Verdict: in.Verdict, Owner: in.Owner, OwnerEmail: dir.Email(in.Owner),
			Group: in.Group, GroupName: dir.GroupName(in.Group), Tags: tags, PlaybookID: in.PlaybookID, CreatedBy: in.CreatedBy,
			CreatedByEmail: dir.Email(in.CreatedBy), CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, AcknowledgedAt: in.AcknowledgedAt,
			ResolvedAt: in.ResolvedAt, ClosedAt: in.ClosedAt, AlertCount: counts[in.ID], TaskCounts: tc,
			SLA: sla.state(in.Severity, in.CreatedAt, in.AcknowledgedAt, resolved, now)})
	}
	return out, nil
}

// ListIncidents lists incidents.
func (s *Service) ListIncidents(ctx context.Context, orgID string, f store.IncidentFilter) ([]IncidentView, int64, error) {
	ins, total, err := s.o.Store.Incidents().List(ctx, orgID, f)
	if err != nil {
		return nil, 0, err
	}
	views, err := s.incidentViews(ctx, orgID, ins)
	return views, total, err
}

// Incident returns an incident with its alerts, tasks, observables,
// timeline, attachments and response actions.
func (s *Service) Incident(ctx context.Context, orgID, id string) (IncidentDetail, error) {
	in, err := s.o.Store.Incidents().Get(ctx, orgID, id)
	if err != nil {
		return IncidentDetail{}, err
	}
	views, err := s.incidentViews(ctx, orgID, []store.Incident{in})
	if err != nil {
		return IncidentDetail{}, err
	}
	d := IncidentDetail{IncidentView: views[0]}
	alerts, _, err := s.o.Store.Alerts().List(ctx, orgID, store.AlertFilter{IncidentID: id, Limit: 500})
	if err != nil {
		return d, err
	}
	if d.Alerts, err = s.AlertViews(ctx, orgID, alerts); err != nil {
		return d, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return d, err
	}
	tasks, err := s.o.Store.Tasks().List(ctx, orgID, store.TaskFilter{IncidentID: id})
	if err != nil {
		return d, err
	}
	d.Tasks = make([]TaskView, 0, len(tasks))
	for _, t := range tasks {
		d.Tasks = append(d.Tasks, taskView(dir, t))
	}
	obs, err := s.o.Store.Incidents().Observables(ctx, orgID, id)
	if err != nil {
		return d, err
	}
	d.Observables = make([]ObservableView, 0, len(obs))
	for _, o := range obs {
		d.Observables = append(d.Observables, s.observableView(ctx, orgID, o))
	}
	tl, err := s.o.Store.Incidents().Timeline(ctx, orgID, id)
	if err != nil {
		return d, err
	}
	d.Timeline = make([]TimelineView, 0, len(tl))
	for _, e := range tl {
		d.Timeline = append(d.Timeline, TimelineView{ID: e.ID, At: e.At, Kind: e.Kind, Actor: e.Actor, ActorEmail: dir.Email(e.Actor), Message: e.Message, Detail: e.Detail})
	}
	att, err := s.o.Store.Notes().Attachments(ctx, orgID, "incident", id)
	if err != nil {
		return d, err
	}
	d.Attachments = make([]AttachmentView, 0, len(att))
	for _, a := range att {
		d.Attachments = append(d.Attachments, attachmentView(a))
	}
	acts, err := s.o.Store.Responses().List(ctx, orgID, "", id, 200)
	if err != nil {
		return d, err
	}
	d.Actions = make([]ActionView, 0, len(acts))
	for _, a := range acts {
		d.Actions = append(d.Actions, actionView(dir, a))
	}
	return d, nil
}

// IncidentInput creates an incident.
type IncidentInput struct {
	Title, Description, Severity, Owner, Group string
	Tags                                       []string
	AlertIDs                                   []string
	PlaybookID                                 string
}

// timeline adds an automatic timeline entry in the caller's transaction.
func (s *Service) timeline(ctx context.Context, r store.Repos, a Actor, incidentID, kind, msg, detail string) error {
	return r.Incidents().AddTimeline(ctx, store.TimelineEntry{ID: newID(), OrgID: a.OrgID, IncidentID: incidentID, At: s.now(),
		Kind: kind, Actor: a.UserID, Message: msg, Detail: detail})
}

func validTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(t) > 64 {
			return nil, fieldErr("tags", "a tag is at most 64 characters (%q)", t[:20]+"...")
		}
		out = append(out, t)
	}
	if len(out) > 50 {
		return nil, fieldErr("tags", "at most 50 tags")
	}
	return out, nil
}

// CreateIncident creates an incident, optionally from alerts and with a
// playbook applied.
func (s *Service) CreateIncident(ctx context.Context, a Actor, in IncidentInput) (IncidentDetail, error) {
	in.Title = clean(in.Title, 300)
	if in.Title == "" {
		return IncidentDetail{}, fieldErr("title", "is required")
	}
	if len(in.Description) > 50000 {
		return IncidentDetail{}, fieldErr("description", "must be at most 50000 characters")
	}
	if in.Severity == "" && len(in.AlertIDs) == 0 {
		return IncidentDetail{}, fieldErr("severity", "is required: one of %s", strings.Join(Severities, ", "))
	}
	if in.Severity != "" && !validSeverity(in.Severity) {
		return IncidentDetail{}, fieldErr("severity", "%q is not one of %s", in.Severity, strings.Join(Severities, ", "))
	}
	tags, err := validTags(in.Tags)
	if err != nil {
		return IncidentDetail{}, err
	}
	if len(in.AlertIDs) > 1000 {
		return IncidentDetail{}, fieldErr("alert_ids", "at most 1000 alerts at once")
	}
	var pb *Playbook
	if in.PlaybookID != "" {
		p, err := s.Playbook(ctx, a.OrgID, in.PlaybookID)
		if isNotFound(err) {
			return IncidentDetail{}, fieldErr("playbook_id", "no playbook %q", in.PlaybookID)
		}
		if err != nil {
			return IncidentDetail{}, err
		}
		pb = &p
	}
	var created store.Incident
	var linked []store.Alert
	err = s.tx(ctx, func(r store.Repos) error {
		if in.Owner != "" {
			if _, err := userIn(ctx, r, a.OrgID, in.Owner, "owner"); err != nil {
				return err
			}
		}
		if in.Group != "" {
			if _, err := groupIn(ctx, r, a.OrgID, in.Group, "group"); err != nil {
				return err
			}
		}
		alerts, err := s.alertsToLink(ctx, r, a.OrgID, "", in.AlertIDs)
		if err != nil {
			return err
		}
		sev := in.Severity
		if sev == "" {
			for _, al := range alerts {
				if sevRank(al.Severity) > sevRank(sev) {
					sev = al.Severity
				}
			}
		}
		now := s.now()
		inc := store.Incident{ID: newID(), OrgID: a.OrgID, Title: in.Title, Description: in.Description, Severity: sev,
			Status: store.IncidentOpen, Owner: in.Owner, Group: in.Group, Tags: tags, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
		if created, err = r.Incidents().Create(ctx, inc); err != nil {
			return err
		}
		if err := s.timeline(ctx, r, a, created.ID, "auto", fmt.Sprintf("Incident INC-%04d created by %s", created.Number, a.Email), ""); err != nil {
			return err
		}
		if err := s.linkAlerts(ctx, r, a, created, alerts); err != nil {
			return err
		}
		linked = alerts
		if pb != nil {
			if err := s.applyPlaybook(ctx, r, a, &created, *pb); err != nil {
				return err
			}
		}
		return s.change(ctx, r, a, "incident", created.ID, "create", fmt.Sprintf("incident INC-%04d %q created with %d alerts", created.Number, created.Title, len(alerts)))
	})
	if err != nil {
		return IncidentDetail{}, err
	}
	for _, al := range linked {
		al.IncidentID = created.ID
		_, _ = s.alertChanged(ctx, al, "")
	}
	return s.incidentChanged(ctx, created, "incident.created", "incident_created")
}

func sevRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return i
		}
	}
	return -1
}

// alertsToLink loads alerts to add to an incident, refusing unknown ones
// and ones already in another incident.
func (s *Service) alertsToLink(ctx context.Context, r store.Repos, orgID, incidentID string, ids []string) ([]store.Alert, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	alerts, err := r.Alerts().ListByIDs(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.Alert{}
	for _, al := range alerts {
		if al.DeletedAt == nil {
			byID[al.ID] = al
		}
	}
	out := make([]store.Alert, 0, len(ids))
	for i, id := range ids {
		al, ok := byID[id]
		if !ok {
			return nil, fieldErr(fmt.Sprintf("alert_ids[%d]", i), "no alert %q in this organisation", id)
		}
		if al.IncidentID != "" && al.IncidentID != incidentID {
			return nil, fieldErr(fmt.Sprintf("alert_ids[%d]", i), "alert %q already belongs to another incident", id)
		}
		out = append(out, al)
	}
	return out, nil
}

func (s *Service) linkAlerts(ctx context.Context, r store.Repos, a Actor, in store.Incident, alerts []store.Alert) error {
	for _, al := range alerts {
		if al.IncidentID == in.ID {
			continue
		}
		al.IncidentID = in.ID
		al.UpdatedAt = s.now()
		if err := r.Alerts().Update(ctx, al); err != nil {
			return err
		}
		if err := r.History().Add(ctx, store.HistoryEntry{ID: newID(), OrgID: a.OrgID, ObjectType: "alert", ObjectID: al.ID, At: s.now(),
			Actor: a.UserID, Action: "incident", Detail: fmt.Sprintf("added to incident INC-%04d", in.Number)}); err != nil {
			return err
		}
		if err := s.timeline(ctx, r, a, in.ID, "auto", fmt.Sprintf("Alert added: %s (%s)", al.Title, al.Severity), al.ID); err != nil {
			return err
		}
		if err := s.addEntityObservables(ctx, r, a, in.ID, al); err != nil {
			return err
		}
	}
	return nil
}

// addEntityObservables records an alert's hosts, users and IPs as the
// incident's observables (once each).
func (s *Service) addEntityObservables(ctx context.Context, r store.Repos, a Actor, incidentID string, al store.Alert) error {
	existing, err := r.Incidents().Observables(ctx, a.OrgID, incidentID)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, o := range existing {
		have[o.Type+"\x00"+o.Value] = true
	}
	add := func(typ string, vals []string) error {
		for _, v := range vals {
			if v == "" || len(v) > 1000 || have[typ+"\x00"+v] {
				continue
			}
			have[typ+"\x00"+v] = true
			if err := r.Incidents().AddObservable(ctx, store.Observable{ID: newID(), OrgID: a.OrgID, IncidentID: incidentID, Type: typ,
				Value: v, Description: "from alert " + al.Title, CreatedBy: a.UserID, CreatedAt: s.now()}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, x := range []struct {
		t string
		v []string
	}{{"host", al.Entities.Hosts}, {"user", al.Entities.Users}, {"ip", al.Entities.IPs}, {"domain", al.Entities.Domains}, {"file", al.Entities.Files}} {
		if err := add(x.t, x.v); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) incidentChanged(ctx context.Context, in store.Incident, event, live string) (IncidentDetail, error) {
	d, err := s.Incident(ctx, in.OrgID, in.ID)
	if err != nil {
		return d, err
	}
	s.publish(in.OrgID, "incidents", live, d.IncidentView)
	if s.o.Notifier != nil && event != "" {
		s.o.Notifier.IncidentChanged(ctx, in, event)
	}
	return d, nil
}

// IncidentPatch edits an incident; nil leaves a field alone.
type IncidentPatch struct {
	Title, Description, Severity, Status, Verdict, Owner, Group *string
	Tags                                                        *[]string
}

// PatchIncident edits an incident.
func (s *Service) PatchIncident(ctx context.Context, a Actor, id string, p IncidentPatch) (IncidentDetail, error) {
	var out store.Incident
	event := "incident.updated"
	err := s.tx(ctx, func(r store.Repos) error {
		in, err := r.Incidents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		now := s.now()
		var what []string
		if p.Title != nil {
			t := clean(*p.Title, 300)
			if t == "" {
				return fieldErr("title", "must not be empty")
			}
			if t != in.Title {
				what = append(what, fmt.Sprintf("title %q", t))
				in.Title = t
			}
		}
		if p.Description != nil && *p.Description != in.Description {
			if len(*p.Description) > 50000 {
				return fieldErr("description", "must be at most 50000 characters")
			}
			in.Description = *p.Description
			what = append(what, "description edited")
		}
		if p.Severity != nil && *p.Severity != in.Severity {
			if !validSeverity(*p.Severity) {
				return fieldErr("severity", "%q is not one of %s", *p.Severity, strings.Join(Severities, ", "))
			}
			what = append(what, fmt.Sprintf("severity %s -> %s", in.Severity, *p.Severity))
			in.Severity = *p.Severity
		}
		if p.Verdict != nil && *p.Verdict != in.Verdict {
			if *p.Verdict != "" && !contains(Verdicts, *p.Verdict) {
				return fieldErr("verdict", "%q is not one of %s", *p.Verdict, strings.Join(Verdicts, ", "))
			}
			what = append(what, "verdict "+orNone(*p.Verdict))
			in.Verdict = *p.Verdict
		}
		if p.Status != nil && *p.Status != in.Status {
			st := *p.Status
			if !contains(IncidentStatuses, st) {
				return fieldErr("status", "%q is not one of %s", st, strings.Join(IncidentStatuses, ", "))
			}
			if (st == store.IncidentResolved || st == store.IncidentClosed) && in.Verdict == "" {
				return fieldErr("verdict", "an incident is %s only with a verdict: true_positive, benign or false_positive", st)
			}
			what = append(what, fmt.Sprintf("status %s -> %s", in.Status, st))
			if st != store.IncidentOpen && in.AcknowledgedAt == nil {
				in.AcknowledgedAt = &now
			}
			switch st {
			case store.IncidentResolved:
				if in.ResolvedAt == nil {
					in.ResolvedAt = &now
				}
				event = "incident.resolved"
			case store.IncidentClosed:
				if in.ResolvedAt == nil {
					in.ResolvedAt = &now
				}
				in.ClosedAt = &now
				event = "incident.resolved"
			default:
				in.ResolvedAt, in.ClosedAt = nil, nil
			}
			in.Status = st
			if err := s.timeline(ctx, r, a, id, "auto", fmt.Sprintf("Status changed to %s by %s", st, a.Email), ""); err != nil {
				return err
			}
		}
		if p.Owner != nil && *p.Owner != in.Owner {
			if *p.Owner != "" {
				u, err := userIn(ctx, r, a.OrgID, *p.Owner, "owner")
				if err != nil {
					return err
				}
				what = append(what, "owner "+u.Email)
				if err := s.timeline(ctx, r, a, id, "auto", "Owner set to "+u.Email, ""); err != nil {
					return err
				}
			} else {
				what = append(what, "owner removed")
			}
			if in.AcknowledgedAt == nil && *p.Owner != "" {
				in.AcknowledgedAt = &now
			}
			in.Owner = *p.Owner
		}
		if p.Group != nil && *p.Group != in.Group {
			if *p.Group != "" {
				g, err := groupIn(ctx, r, a.OrgID, *p.Group, "group")
				if err != nil {
					return err
				}
				what = append(what, "group "+g.Name)
			} else {
				what = append(what, "group removed")
			}
			in.Group = *p.Group
		}
		if p.Tags != nil {
			tags, err := validTags(*p.Tags)
			if err != nil {
				return err
			}
			in.Tags = tags
			what = append(what, "tags "+strings.Join(tags, ", "))
		}
		out = in
		if len(what) == 0 {
			return nil
		}
		in.UpdatedAt = now
		out = in
		if err := r.Incidents().Update(ctx, in); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "update", fmt.Sprintf("incident INC-%04d: %s", in.Number, strings.Join(what, ", ")))
	})
	if err != nil {
		return IncidentDetail{}, err
	}
	return s.incidentChanged(ctx, out, event, "incident_updated")
}

// DeleteIncident removes an incident (its alerts are released).
func (s *Service) DeleteIncident(ctx context.Context, a Actor, id string) error {
	err := s.tx(ctx, func(r store.Repos) error {
		in, err := r.Incidents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		alerts, _, err := r.Alerts().List(ctx, a.OrgID, store.AlertFilter{IncidentID: id, Limit: 100000})
		if err != nil {
			return err
		}
		for _, al := range alerts {
			al.IncidentID = ""
			if err := r.Alerts().Update(ctx, al); err != nil {
				return err
			}
		}
		now := s.now()
		in.DeletedAt, in.UpdatedAt = &now, now
		if err := r.Incidents().Update(ctx, in); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "delete", fmt.Sprintf("incident INC-%04d %q deleted", in.Number, in.Title))
	})
	if err == nil {
		s.publish(a.OrgID, "incidents", "incident_deleted", map[string]string{"id": id})
	}
	return err
}

// AddAlerts links alerts to an incident.
func (s *Service) AddAlerts(ctx context.Context, a Actor, id string, alertIDs []string) (IncidentDetail, error) {
	if len(alertIDs) == 0 {
		return IncidentDetail{}, fieldErr("alert_ids", "give at least one alert id")
	}
	if len(alertIDs) > 1000 {
		return IncidentDetail{}, fieldErr("alert_ids", "at most 1000 alerts at once")
	}
	var in store.Incident
	err := s.tx(ctx, func(r store.Repos) error {
		var err error
		if in, err = r.Incidents().Get(ctx, a.OrgID, id); err != nil {
			return err
		}
		alerts, err := s.alertsToLink(ctx, r, a.OrgID, id, alertIDs)
		if err != nil {
			return err
		}
		if err := s.linkAlerts(ctx, r, a, in, alerts); err != nil {
			return err
		}
		in.UpdatedAt = s.now()
		if err := r.Incidents().Update(ctx, in); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "alerts_added", fmt.Sprintf("%d alerts added to INC-%04d", len(alerts), in.Number))
	})
	if err != nil {
		return IncidentDetail{}, err
	}
	return s.incidentChanged(ctx, in, "", "incident_updated")
}

// RemoveAlert unlinks an alert from an incident.
func (s *Service) RemoveAlert(ctx context.Context, a Actor, id, alertID string) (IncidentDetail, error) {
	var in store.Incident
	err := s.tx(ctx, func(r store.Repos) error {
		var err error
		if in, err = r.Incidents().Get(ctx, a.OrgID, id); err != nil {
			return err
		}
		al, err := r.Alerts().Get(ctx, a.OrgID, alertID)
		if err != nil {
			return err
		}
		if al.IncidentID != id {
			return store.ErrNotFound
		}
		al.IncidentID, al.UpdatedAt = "", s.now()
		if err := r.Alerts().Update(ctx, al); err != nil {
			return err
		}
		if err := s.timeline(ctx, r, a, id, "auto", "Alert removed: "+al.Title, al.ID); err != nil {
			return err
		}
		in.UpdatedAt = s.now()
		if err := r.Incidents().Update(ctx, in); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "alert_removed", fmt.Sprintf("alert %q removed from INC-%04d", al.Title, in.Number))
	})
	if err != nil {
		return IncidentDetail{}, err
	}
	return s.incidentChanged(ctx, in, "", "incident_updated")
}

// AddTimeline adds a manual timeline entry (the seed's
// POST /api/incidents/:id/timeline).
func (s *Service) AddTimeline(ctx context.Context, a Actor, id, message string, at *time.Time) (TimelineView, error) {
	message = strings.TrimSpace(message)
	if message == "" {
		return TimelineView{}, fieldErr("message", "is required")
	}
	if len(message) > 10000 {
		return TimelineView{}, fieldErr("message", "must be at most 10000 characters")
	}
	when := s.now()
	if at != nil {
		if at.After(when.Add(5 * time.Minute)) {
			return TimelineView{}, fieldErr("at", "must not be in the future")
		}
		when = at.UTC().Truncate(time.Millisecond)
	}
	e := store.TimelineEntry{ID: newID(), OrgID: a.OrgID, IncidentID: id, At: when, Kind: "manual", Actor: a.UserID, Message: message}
	var in store.Incident
	err := s.tx(ctx, func(r store.Repos) error {
		var err error
		if in, err = r.Incidents().Get(ctx, a.OrgID, id); err != nil {
			return err
		}
		if err := r.Incidents().AddTimeline(ctx, e); err != nil {
			return err
		}
		in.UpdatedAt = s.now()
		if err := r.Incidents().Update(ctx, in); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "timeline", "timeline entry: "+message)
	})
	if err != nil {
		return TimelineView{}, err
	}
	v := TimelineView{ID: e.ID, At: e.At, Kind: e.Kind, Actor: a.UserID, ActorEmail: a.Email, Message: message}
	s.publish(a.OrgID, "incidents", "timeline_added", map[string]any{"incident_id": id, "entry": v})
	return v, nil
}

// Observable types.
var ObservableTypes = []string{"ip", "domain", "url", "hash", "email", "user", "host", "file", "other"}

var (
	hashRe   = regexp.MustCompile(`^(?i:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$`)
	domainRe = regexp.MustCompile(`^(?i:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?))+\.?$`)
	emailRe  = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]{1,255}$`)
)

// normalizeObservable validates a value for its type.
func normalizeObservable(typ, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fieldErr("value", "is required")
	}
	if len(v) > 2048 {
		return "", fieldErr("value", "must be at most 2048 characters")
	}
	switch typ {
	case "ip":
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return "", fieldErr("value", "%q is not an IP address", v)
		}
		return ip.String(), nil
	case "domain":
		if !domainRe.MatchString(v) {
			return "", fieldErr("value", "%q is not a domain name", v)
		}
		return strings.TrimSuffix(strings.ToLower(v), "."), nil
	case "hash":
		if !hashRe.MatchString(v) {
			return "", fieldErr("value", "a hash is 32, 40, 64 or 128 hex digits (MD5, SHA-1, SHA-256, SHA-512)")
		}
		return strings.ToLower(v), nil
	case "email":
		if !emailRe.MatchString(v) {
			return "", fieldErr("value", "%q is not an e-mail address", v)
		}
		return strings.ToLower(v), nil
	case "url":
		if !strings.Contains(v, "://") {
			return "", fieldErr("value", "a URL needs a scheme, like https://")
		}
	case "user", "host", "file", "other":
	default:
		return "", fieldErr("type", "%q is not one of %s", typ, strings.Join(ObservableTypes, ", "))
	}
	return v, nil
}

// ObservableInput adds an observable.
type ObservableInput struct {
	Type, Value, Description string
	IOC                      bool
}

// AddObservable adds an observable to an incident.
func (s *Service) AddObservable(ctx context.Context, a Actor, id string, in ObservableInput) (ObservableView, error) {
	if !contains(ObservableTypes, in.Type) {
		return ObservableView{}, fieldErr("type", "%q is not one of %s", in.Type, strings.Join(ObservableTypes, ", "))
	}
	v, err := normalizeObservable(in.Type, in.Value)
	if err != nil {
		return ObservableView{}, err
	}
	o := store.Observable{ID: newID(), OrgID: a.OrgID, IncidentID: id, Type: in.Type, Value: v, Description: clean(in.Description, 2000),
		IOC: in.IOC, CreatedBy: a.UserID, CreatedAt: s.now()}
	err = s.tx(ctx, func(r store.Repos) error {
		in, err := r.Incidents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Incidents().AddObservable(ctx, o); err != nil {
			if isConflict(err) {
				return fieldErr("value", "the incident already has %s %s", o.Type, o.Value)
			}
			return err
		}
		if err := s.timeline(ctx, r, a, id, "auto", fmt.Sprintf("Observable added: %s %s", o.Type, o.Value), ""); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "observable_added", fmt.Sprintf("INC-%04d: observable %s %s", in.Number, o.Type, o.Value))
	})
	if err != nil {
		return ObservableView{}, err
	}
	ov := s.observableView(ctx, a.OrgID, o)
	s.publish(a.OrgID, "incidents", "incident_updated", map[string]any{"id": id})
	return ov, nil
}

// DeleteObservable removes an observable.
func (s *Service) DeleteObservable(ctx context.Context, a Actor, id, obsID string) error {
	return s.tx(ctx, func(r store.Repos) error {
		in, err := r.Incidents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Incidents().DeleteObservable(ctx, a.OrgID, id, obsID); err != nil {
			return err
		}
		return s.change(ctx, r, a, "incident", id, "observable_removed", fmt.Sprintf("INC-%04d: observable %s removed", in.Number, obsID))
	})
}

// observableView adds what EventSec knows: other incidents and alerts with
// the same value.
func (s *Service) observableView(ctx context.Context, orgID string, o store.Observable) ObservableView {
	v := ObservableView{ID: o.ID, Type: o.Type, Value: o.Value, Description: o.Description, IOC: o.IOC, CreatedAt: o.CreatedAt,
		CreatedBy: o.CreatedBy, Enrichment: map[string]any{}}
	if o.Type == "ip" {
		if ip, err := netip.ParseAddr(o.Value); err == nil {
			switch {
			case ip.IsPrivate(), ip.IsLoopback(), ip.IsLinkLocalUnicast():
				v.Enrichment["scope"] = "internal"
			default:
				v.Enrichment["scope"] = "external"
			}
		}
	}
	kind := map[string]string{"ip": "ip", "host": "host", "user": "user"}[o.Type]
	if kind != "" {
		if groups, err := s.alertsWithEntity(ctx, orgID, kind, o.Value); err == nil {
			v.Enrichment["alerts"] = groups
		}
	}
	return v
}

// alertsWithEntity counts the org's alerts about an entity.
func (s *Service) alertsWithEntity(ctx context.Context, orgID, kind, value string) (int64, error) {
	return s.o.Store.Alerts().CountByEntity(ctx, orgID, kind, value)
}

// Proposal is a suggested incident: open alerts sharing an entity.
type Proposal struct {
	Key      string       `json:"key"`
	Entity   store.Entity `json:"entity"`
	Alerts   []AlertView  `json:"alerts"`
	Severity string       `json:"severity"`
	Title    string       `json:"title"`
}

// Proposals correlates open alerts not in an incident that share a host,
// user or IP within the last 24 hours.
func (s *Service) Proposals(ctx context.Context, orgID string) ([]Proposal, error) {
	groups, err := s.o.Store.Alerts().SharedEntities(ctx, orgID, s.now().Add(-24*time.Hour), 50)
	if err != nil {
		return nil, err
	}
	out := []Proposal{}
	seen := map[string]bool{}
	for _, g := range groups {
		ids := append([]string(nil), g.AlertIDs...)
		sort.Strings(ids)
		key := strings.Join(ids, ",")
		if seen[key] {
			continue // the same alerts share several entities
		}
		seen[key] = true
		alerts, err := s.o.Store.Alerts().ListByIDs(ctx, orgID, ids)
		if err != nil {
			return nil, err
		}
		views, err := s.AlertViews(ctx, orgID, alerts)
		if err != nil {
			return nil, err
		}
		sev := ""
		for _, al := range alerts {
			if sevRank(al.Severity) > sevRank(sev) {
				sev = al.Severity
			}
		}
		out = append(out, Proposal{Key: g.Entity.Kind + ":" + g.Entity.Value, Entity: g.Entity, Alerts: views, Severity: sev,
			Title: fmt.Sprintf("%d related alerts on %s %s", len(alerts), g.Entity.Kind, g.Entity.Value)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if sevRank(out[i].Severity) != sevRank(out[j].Severity) {
			return sevRank(out[i].Severity) > sevRank(out[j].Severity)
		}
		return len(out[i].Alerts) > len(out[j].Alerts)
	})
	return out, nil
}
