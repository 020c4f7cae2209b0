package incident

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/store"
)

// Verdicts an analyst may give.
var Verdicts = []string{store.VerdictTruePositive, store.VerdictBenign, store.VerdictFalsePositive}

// AlertView is an alert as the API and the live channel show it: the
// detection view plus triage.
type AlertView struct {
	detect.AlertView
	AssigneeEmail     string          `json:"assignee_email"`
	AssigneeGroup     string          `json:"assignee_group"`
	AssigneeGroupName string          `json:"assignee_group_name"`
	Verdict           string          `json:"verdict"`
	Escalation        *EscalationView `json:"escalation"`
	IncidentID        string          `json:"incident_id"`
	AcknowledgedAt    *time.Time      `json:"acknowledged_at"`
	ResolvedAt        *time.Time      `json:"resolved_at"`
	DeletedAt         *time.Time      `json:"deleted_at"`
	SLA               SLAState        `json:"sla"`
	// ExceptionWarnings answer a change that created a rule exception:
	// conditions on fields EventSec's events are not known to have.
	ExceptionWarnings []string `json:"exception_warnings,omitempty"`
}

// EscalationView is an escalation with names resolved.
type EscalationView struct {
	store.Escalation
	ToUserEmail string `json:"to_user_email"`
	ToGroupName string `json:"to_group_name"`
	ByEmail     string `json:"by_email"`
}

// AlertViews renders alerts for one org.
func (s *Service) AlertViews(ctx context.Context, orgID string, alerts []store.Alert) ([]AlertView, error) {
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sla, err := s.SLA(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]AlertView, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, s.alertView(dir, sla, a))
	}
	return out, nil
}

// AlertView renders one alert.
func (s *Service) AlertView(ctx context.Context, a store.Alert) (AlertView, error) {
	v, err := s.AlertViews(ctx, a.OrgID, []store.Alert{a})
	if err != nil {
		return AlertView{}, err
	}
	return v[0], nil
}

func (s *Service) alertView(dir *Directory, sla SLAPolicies, a store.Alert) AlertView {
	v := AlertView{AlertView: detect.AlertViewOf(a), AssigneeEmail: dir.Email(a.Assignee), AssigneeGroup: a.AssigneeGroup,
		AssigneeGroupName: dir.GroupName(a.AssigneeGroup), Verdict: a.Verdict, IncidentID: a.IncidentID,
		AcknowledgedAt: a.AcknowledgedAt, ResolvedAt: a.ResolvedAt, DeletedAt: a.DeletedAt}
	if a.Escalation != nil {
		v.Escalation = &EscalationView{Escalation: *a.Escalation, ToUserEmail: dir.Email(a.Escalation.ToUser),
			ToGroupName: dir.GroupName(a.Escalation.ToGroup), ByEmail: dir.Email(a.Escalation.By)}
	}
	v.SLA = sla.state(a.Severity, a.CreatedAt, a.AcknowledgedAt, a.ResolvedAt, s.now())
	return v
}

// ExceptionRequest asks for a rule exception with a false-positive
// verdict: Conditions, all of which must hold, or the one condition of
// Field, Operator (equals when empty) and Value (Values for in, not_in).
type ExceptionRequest struct {
	Field, Operator, Value string
	Values                 []string
	Conditions             []store.ExceptionCondition
	Reason                 string
	ExpiresAt              *time.Time
}

// conditions validates the request's conditions as detection will,
// before anything is saved; problems name create_exception's fields.
func (ex *ExceptionRequest) conditions() ([]store.ExceptionCondition, error) {
	conds, err := detect.ExceptionInput{Field: ex.Field, Operator: ex.Operator, Value: ex.Value, Values: ex.Values, Conditions: ex.Conditions}.CheckConditions()
	var xe *detect.ExceptionError
	if errors.As(err, &xe) {
		return nil, fieldErr("create_exception."+xe.Field, "%s", xe.Msg)
	}
	return conds, err
}

// AlertPatch changes an alert's triage fields; nil leaves one alone.
type AlertPatch struct {
	Status        *string
	Assignee      *string
	AssigneeGroup *string
	Verdict       *string
	// Comment is added to the alert's war-room notes.
	Comment         string
	CreateException *ExceptionRequest
}

func isClosed(status string) bool {
	return status == store.AlertResolved || status == store.AlertClosed
}

// applyStatus moves an alert to a status, keeping its timers right.
func applyStatus(al *store.Alert, status string, now time.Time) error {
	if !contains(detect.AlertStatuses, status) {
		return fieldErr("status", "%q is not one of %s", status, strings.Join(detect.AlertStatuses, ", "))
	}
	if isClosed(status) && al.Verdict == "" {
		return fieldErr("verdict", "an alert is %s only with a verdict: true_positive, benign or false_positive", status)
	}
	if status != store.AlertNew && al.AcknowledgedAt == nil {
		al.AcknowledgedAt = &now
	}
	if status == store.AlertNew {
		// Back in the queue as new: nobody has it in hand.
		al.AcknowledgedAt = nil
	}
	if isClosed(status) && al.ResolvedAt == nil {
		al.ResolvedAt = &now
	}
	if !isClosed(status) {
		al.ResolvedAt = nil
	}
	al.Status = status
	return nil
}

// PatchAlert applies a triage change.
func (s *Service) PatchAlert(ctx context.Context, a Actor, id string, p AlertPatch) (AlertView, error) {
	if p.Verdict != nil && *p.Verdict != "" && !contains(Verdicts, *p.Verdict) {
		return AlertView{}, fieldErr("verdict", "%q is not one of %s", *p.Verdict, strings.Join(Verdicts, ", "))
	}
	if len(p.Comment) > 20000 {
		return AlertView{}, fieldErr("comment", "must be at most 20000 characters")
	}
	var conds []store.ExceptionCondition
	if p.CreateException != nil {
		ex := p.CreateException
		var err error
		if conds, err = ex.conditions(); err != nil {
			return AlertView{}, err
		}
		if strings.TrimSpace(ex.Reason) == "" {
			return AlertView{}, fieldErr("create_exception.reason", "say why this is a false positive")
		}
	}
	var out store.Alert
	var event string
	err := s.tx(ctx, func(r store.Repos) error {
		al, err := r.Alerts().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if al.DeletedAt != nil {
			return store.ErrNotFound
		}
		now := s.now()
		var what []string
		if p.Verdict != nil && *p.Verdict != al.Verdict {
			what = append(what, fmt.Sprintf("verdict %s", orNone(*p.Verdict)))
			al.Verdict = *p.Verdict
		}
		if p.CreateException != nil && al.Verdict != store.VerdictFalsePositive {
			return fieldErr("create_exception", "a rule exception is created only with the verdict false_positive")
		}
		if p.Status != nil && *p.Status != al.Status {
			from := al.Status
			if err := applyStatus(&al, *p.Status, now); err != nil {
				return err
			}
			what = append(what, fmt.Sprintf("status %s -> %s", from, al.Status))
			// Reopened: the verdict was the closed alert's; a new one
			// comes with the next resolution (unless this change gives it).
			if isClosed(from) && !isClosed(al.Status) && p.Verdict == nil && al.Verdict != "" {
				what = append(what, "verdict "+al.Verdict+" cleared")
				al.Verdict = ""
			}
			if isClosed(al.Status) {
				event = "alert.resolved"
			}
		} else if p.Verdict != nil && *p.Verdict == "" && isClosed(al.Status) {
			return fieldErr("verdict", "a %s alert keeps its verdict; reopen it first", al.Status)
		}
		if p.Assignee != nil && *p.Assignee != al.Assignee {
			if *p.Assignee != "" {
				u, err := userIn(ctx, r, a.OrgID, *p.Assignee, "assignee")
				if err != nil {
					return err
				}
				what = append(what, "assigned to "+u.Email)
			} else {
				what = append(what, "unassigned")
			}
			al.Assignee = *p.Assignee
		}
		if p.AssigneeGroup != nil && *p.AssigneeGroup != al.AssigneeGroup {
			if *p.AssigneeGroup != "" {
				g, err := groupIn(ctx, r, a.OrgID, *p.AssigneeGroup, "assignee_group")
				if err != nil {
					return err
				}
				what = append(what, "assigned to group "+g.Name)
			} else {
				what = append(what, "group unassigned")
			}
			al.AssigneeGroup = *p.AssigneeGroup
		}
		if p.Comment != "" {
			if _, err := s.addNote(ctx, r, a, "alert", id, p.Comment, nil); err != nil {
				return err
			}
			what = append(what, "commented")
		}
		out = al
		if len(what) == 0 {
			return nil
		}
		al.UpdatedAt = now
		out = al
		if err := r.Alerts().Update(ctx, al); err != nil {
			return err
		}
		return s.change(ctx, r, a, "alert", id, "update", fmt.Sprintf("alert %q: %s", al.Title, strings.Join(what, ", ")))
	})
	if err != nil {
		return AlertView{}, err
	}
	var warnings []string
	if p.CreateException != nil && s.o.Exceptions != nil {
		ex := p.CreateException
		w, err := s.o.Exceptions.AddRuleException(ctx, a, out.RuleID, *ex)
		if err != nil {
			return AlertView{}, fmt.Errorf("the verdict is saved but the rule exception was refused: %w", err)
		}
		for _, x := range w {
			warnings = append(warnings, "create_exception."+x)
		}
		// The alert's history says what its resolution did to the rule,
		// every condition in full (the rule's own audit entry is written
		// by detection).
		err = s.tx(ctx, func(r store.Repos) error {
			return s.change(ctx, r, a, "alert", id, "update", fmt.Sprintf("alert %q: rule exception created: %s; reason: %s",
				out.Title, detect.DescribeConditions(conds), strings.TrimSpace(ex.Reason)))
		})
		if err != nil {
			return AlertView{}, err
		}
	}
	v, err := s.alertChanged(ctx, out, event)
	v.ExceptionWarnings = warnings
	return v, err
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func (s *Service) alertChanged(ctx context.Context, al store.Alert, event string) (AlertView, error) {
	v, err := s.AlertView(ctx, al)
	if err != nil {
		return v, err
	}
	s.publish(al.OrgID, "alerts", "alert_updated", v)
	if s.o.Notifier != nil && event != "" {
		s.o.Notifier.AlertChanged(ctx, al, event)
	}
	return v, nil
}

// EscalateInput hands an alert to a user or a work group.
type EscalateInput struct {
	ToUser, ToGroup, Reason string
}

// Escalate escalates an alert (the seed's escalation).
func (s *Service) Escalate(ctx context.Context, a Actor, id string, in EscalateInput) (AlertView, error) {
	if in.ToUser == "" && in.ToGroup == "" {
		return AlertView{}, fieldErr("to_user", "escalate to a user (to_user) or a work group (to_group)")
	}
	in.Reason = clean(in.Reason, 2000)
	if in.Reason == "" {
		return AlertView{}, fieldErr("reason", "say why the alert is escalated")
	}
	var out store.Alert
	err := s.tx(ctx, func(r store.Repos) error {
		al, err := r.Alerts().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if al.DeletedAt != nil {
			return store.ErrNotFound
		}
		if isClosed(al.Status) {
			return fieldErr("status", "a %s alert cannot be escalated; reopen it first", al.Status)
		}
		var to []string
		if in.ToUser != "" {
			u, err := userIn(ctx, r, a.OrgID, in.ToUser, "to_user")
			if err != nil {
				return err
			}
			al.Assignee = u.ID
			to = append(to, u.Email)
		}
		if in.ToGroup != "" {
			g, err := groupIn(ctx, r, a.OrgID, in.ToGroup, "to_group")
			if err != nil {
				return err
			}
			al.AssigneeGroup = g.ID
			to = append(to, "group "+g.Name)
		}
		now := s.now()
		al.Escalation = &store.Escalation{ToUser: in.ToUser, ToGroup: in.ToGroup, Reason: in.Reason, By: a.UserID, At: now}
		if err := applyStatus(&al, store.AlertEscalated, now); err != nil {
			return err
		}
		al.UpdatedAt = now
		out = al
		if err := r.Alerts().Update(ctx, al); err != nil {
			return err
		}
		return s.change(ctx, r, a, "alert", id, "escalate", fmt.Sprintf("alert %q escalated to %s: %s", al.Title, strings.Join(to, " and "), in.Reason))
	})
	if err != nil {
		return AlertView{}, err
	}
	return s.alertChanged(ctx, out, "alert.updated")
}

// DeleteAlert moves an alert to the trash (recoverable for 30 days).
func (s *Service) DeleteAlert(ctx context.Context, a Actor, id string) error {
	_, err := s.Bulk(ctx, a, BulkInput{IDs: []string{id}, Action: "delete"})
	return err
}

// RestoreAlert takes an alert out of the trash.
func (s *Service) RestoreAlert(ctx context.Context, a Actor, id string) (AlertView, error) {
	res, err := s.Bulk(ctx, a, BulkInput{IDs: []string{id}, Action: "restore"})
	if err != nil {
		return AlertView{}, err
	}
	if len(res.Failed) > 0 {
		if res.Failed[0].Error == "not found" {
			return AlertView{}, store.ErrNotFound
		}
		return AlertView{}, fieldErr("id", "%s", res.Failed[0].Error)
	}
	al, err := s.o.Store.Alerts().Get(ctx, a.OrgID, id)
	if err != nil {
		return AlertView{}, err
	}
	return s.AlertView(ctx, al)
}

// TrashDays is how long a deleted alert can be restored.
const TrashDays = 30

// PurgeTrash removes alerts deleted more than TrashDays ago.
func (s *Service) PurgeTrash(ctx context.Context) (int64, error) {
	return s.o.Store.Alerts().PurgeDeleted(ctx, s.now().Add(-TrashDays*24*time.Hour))
}

// BulkInput is one action over many alerts: those of IDs, or every alert
// Filter selects (one of the two).
type BulkInput struct {
	IDs           []string
	Filter        *store.AlertFilter
	Action        string // acknowledge, assign, status, escalate, delete, restore
	Status        string
	Verdict       string
	Assignee      *string
	AssigneeGroup *string
	Reason        string
}

// BulkFailure is an alert a bulk action could not change.
type BulkFailure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// BulkResult reports a bulk action: how many alerts it was asked to act
// on (the ids given, or those the filter matched), how many changed, and
// why each of the others did not.
type BulkResult struct {
	Matched int64         `json:"matched"`
	Updated int64         `json:"updated"`
	Failed  []BulkFailure `json:"failed"`
}

// MaxBulk bounds one bulk request.
const MaxBulk = 10000

// BulkTxSize is how many alerts one transaction of a bulk action changes:
// a 10,000-alert action commits in ten steps, so that the one database
// writer is never held for the whole of it.
const BulkTxSize = 1000

// BulkActions are the actions Bulk knows.
var BulkActions = []string{"acknowledge", "assign", "status", "escalate", "delete", "restore"}

// Bulk applies one action to many alerts, in transactions of BulkTxSize
// alerts. An error part-way leaves the earlier transactions' changes (each
// with its history and audit entry) in place and lists every alert after
// them in Failed; an error in the first transaction changes nothing and
// is returned.
func (s *Service) Bulk(ctx context.Context, a Actor, in BulkInput) (BulkResult, error) {
	res := BulkResult{Failed: []BulkFailure{}}
	switch {
	case in.Filter != nil && len(in.IDs) > 0:
		return res, fieldErr("filter", "give ids or a filter, not both")
	case in.Filter == nil && len(in.IDs) == 0:
		return res, fieldErr("ids", "give at least one alert id, or a filter")
	case len(in.IDs) > MaxBulk:
		return res, fieldErr("ids", "at most %d alerts per request (got %d)", MaxBulk, len(in.IDs))
	}
	if !contains(BulkActions, in.Action) {
		return res, fieldErr("action", "%q is not one of %s", in.Action, strings.Join(BulkActions, ", "))
	}
	if (in.Action == "delete" || in.Action == "restore") && !a.Admin {
		return res, ErrForbidden
	}
	if in.Verdict != "" && !contains(Verdicts, in.Verdict) {
		return res, fieldErr("verdict", "%q is not one of %s", in.Verdict, strings.Join(Verdicts, ", "))
	}
	switch in.Action {
	case "status":
		if !contains(detect.AlertStatuses, in.Status) {
			return res, fieldErr("status", "%q is not one of %s", in.Status, strings.Join(detect.AlertStatuses, ", "))
		}
		if in.Status == store.AlertEscalated {
			return res, fieldErr("status", "use the escalate action to escalate (it needs a target and a reason)")
		}
	case "assign":
		if in.Assignee == nil && in.AssigneeGroup == nil {
			return res, fieldErr("assignee", "give assignee (a user id, or \"\" to unassign) and/or assignee_group")
		}
	case "escalate":
		in.Reason = clean(in.Reason, 2000)
		if in.Reason == "" {
			return res, fieldErr("reason", "say why the alerts are escalated")
		}
		if (in.Assignee == nil || *in.Assignee == "") && (in.AssigneeGroup == nil || *in.AssigneeGroup == "") {
			return res, fieldErr("assignee", "escalate to a user (assignee) or a work group (assignee_group)")
		}
	}
	ids := dedupe(in.IDs)
	if in.Filter != nil {
		var err error
		if ids, err = s.matching(ctx, a.OrgID, *in.Filter); err != nil {
			return res, err
		}
	}
	res.Matched = int64(len(ids))
	changed := 0
	for start := 0; start < len(ids); start += BulkTxSize {
		part, err := s.bulkPart(ctx, a, in, ids[start:min(start+BulkTxSize, len(ids))])
		if err != nil {
			if start == 0 {
				return BulkResult{}, err
			}
			// Earlier transactions are committed: say which alerts
			// changed and which did not, rather than fail the whole.
			for _, id := range ids[start:] {
				res.Failed = append(res.Failed, BulkFailure{ID: id, Error: "not changed: the action stopped part-way: " + err.Error()})
			}
			break
		}
		res.Updated += part.Updated
		res.Failed = append(res.Failed, part.Failed...)
		changed += len(part.changed)
	}
	if changed > 0 && s.o.Hub != nil {
		s.publish(a.OrgID, "alerts", "alerts_bulk_updated", map[string]any{"action": in.Action, "count": res.Updated})
	}
	return res, nil
}

// matching returns the ids of the alerts f selects, or a field error
// naming filter and how many it selects when that is more than MaxBulk.
func (s *Service) matching(ctx context.Context, orgID string, f store.AlertFilter) ([]string, error) {
	ids, err := s.o.Store.Alerts().MatchingIDs(ctx, orgID, f, MaxBulk+1)
	if err != nil {
		return nil, err
	}
	if len(ids) <= MaxBulk {
		return ids, nil
	}
	n, err := s.o.Store.Alerts().Count(ctx, orgID, f)
	if err != nil {
		return nil, err
	}
	return nil, fieldErr("filter", "the filter matches %d alerts; a bulk action takes at most %d: narrow the filter", n, MaxBulk)
}

// bulkResult is one transaction's part of a bulk action.
type bulkResult struct {
	Updated int64
	Failed  []BulkFailure
	changed []store.Alert
}

// bulkPart applies the action to ids (at most BulkTxSize) in one transaction.
func (s *Service) bulkPart(ctx context.Context, a Actor, in BulkInput, ids []string) (bulkResult, error) {
	var res bulkResult
	var changed []store.Alert
	err := s.tx(ctx, func(r store.Repos) error {
		res.Failed, changed = []BulkFailure{}, nil // a run again starts over
		if in.Assignee != nil && *in.Assignee != "" {
			if _, err := userIn(ctx, r, a.OrgID, *in.Assignee, "assignee"); err != nil {
				return err
			}
		}
		if in.AssigneeGroup != nil && *in.AssigneeGroup != "" {
			if _, err := groupIn(ctx, r, a.OrgID, *in.AssigneeGroup, "assignee_group"); err != nil {
				return err
			}
		}
		found, err := r.Alerts().ListByIDs(ctx, a.OrgID, ids)
		if err != nil {
			return err
		}
		byID := make(map[string]store.Alert, len(found))
		for _, al := range found {
			byID[al.ID] = al
		}
		now := s.now()
		var ok []string
		var hist []store.HistoryEntry
		for _, id := range ids {
			al, exists := byID[id]
			switch {
			case !exists, in.Action != "restore" && al.DeletedAt != nil:
				res.Failed = append(res.Failed, BulkFailure{id, "not found"})
				continue
			case in.Action == "restore" && al.DeletedAt == nil:
				res.Failed = append(res.Failed, BulkFailure{id, "not deleted"})
				continue
			case in.Action == "restore" && al.DeletedAt.Before(now.Add(-TrashDays*24*time.Hour)):
				res.Failed = append(res.Failed, BulkFailure{id, "deleted more than 30 days ago"})
				continue
			case in.Action == "status" && isClosed(in.Status) && in.Verdict == "" && al.Verdict == "":
				res.Failed = append(res.Failed, BulkFailure{id, "needs a verdict to be " + in.Status})
				continue
			case in.Action == "escalate" && isClosed(al.Status):
				res.Failed = append(res.Failed, BulkFailure{id, "is " + al.Status + "; reopen it first"})
				continue
			}
			ok = append(ok, id)
			hist = append(hist, store.HistoryEntry{ID: newID(), OrgID: a.OrgID, ObjectType: "alert", ObjectID: id, At: now,
				Actor: a.UserID, Action: "bulk_" + in.Action, Detail: bulkDetail(in)})
			changed = append(changed, al)
		}
		if len(ok) == 0 {
			return nil
		}
		// Alerts without their own verdict that must have one get the
		// request's; a request verdict overrides theirs.
		set := store.AlertBulkSet{UpdatedAt: now}
		switch in.Action {
		case "acknowledge":
			st := store.AlertAcknowledged
			set.Status, set.AcknowledgedAt = &st, &now
		case "status":
			st := in.Status
			set.Status = &st
			if st != store.AlertNew {
				set.AcknowledgedAt = &now
			}
			if isClosed(st) {
				set.ResolvedAt = &now
			}
			if in.Verdict != "" {
				v := in.Verdict
				set.Verdict = &v
			}
		case "assign":
			set.Assignee, set.AssigneeGroup = in.Assignee, in.AssigneeGroup
		case "escalate":
			st := store.AlertEscalated
			set.Status, set.AcknowledgedAt = &st, &now
			set.Assignee, set.AssigneeGroup = in.Assignee, in.AssigneeGroup
			esc := store.Escalation{Reason: in.Reason, By: a.UserID, At: now}
			if in.Assignee != nil {
				esc.ToUser = *in.Assignee
			}
			if in.AssigneeGroup != nil {
				esc.ToGroup = *in.AssigneeGroup
			}
			set.Escalation = &esc
		case "delete":
			set.Delete, set.DeletedBy = true, a.UserID
		case "restore":
			set.Restore = true
		}
		n, err := r.Alerts().BulkSet(ctx, a.OrgID, ok, set)
		if err != nil {
			return err
		}
		if in.Action == "status" && !isClosed(in.Status) {
			// Reopened alerts lose their resolution time and verdict, as
			// one reopened alone does (applyStatus, PatchAlert).
			if err := reopened(ctx, r, a.OrgID, in, changed); err != nil {
				return err
			}
		}
		res.Updated = n
		if err := r.History().Add(ctx, hist...); err != nil {
			return err
		}
		summary := fmt.Sprintf("bulk %s of %d alerts (%s)", in.Action, n, bulkDetail(in))
		if len(ok) <= 20 {
			summary += ": " + strings.Join(ok, ", ")
		}
		_, err = r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: now, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "alert.bulk_" + in.Action, TargetType: "alert", TargetID: ok[0], Summary: summary, ClientIP: a.ClientIP, RequestID: a.RequestID})
		return err
	})
	if err != nil {
		return bulkResult{}, err
	}
	res.changed = changed
	return res, nil
}

// clearResolved drops resolved_at of reopened alerts (BulkSet keeps it).
// reopened clears, after a bulk change to the open status in.Status, what
// the alerts before it (before) held of a resolution: its time, and the
// verdict of a closed alert unless the change gives one; back to new, an
// alert is no longer acknowledged either.
func reopened(ctx context.Context, r store.Repos, orgID string, in BulkInput, before []store.Alert) error {
	for _, al := range before {
		clearVerdict := isClosed(al.Status) && in.Verdict == "" && al.Verdict != ""
		clearAck := in.Status == store.AlertNew && al.AcknowledgedAt != nil
		if al.ResolvedAt == nil && !clearVerdict && !clearAck {
			continue
		}
		cur, err := r.Alerts().Get(ctx, orgID, al.ID)
		if err != nil {
			return err
		}
		cur.ResolvedAt = nil
		if clearVerdict {
			cur.Verdict = ""
		}
		if clearAck {
			cur.AcknowledgedAt = nil
		}
		if err := r.Alerts().Update(ctx, cur); err != nil {
			return err
		}
	}
	return nil
}

func bulkDetail(in BulkInput) string {
	var parts []string
	if in.Status != "" {
		parts = append(parts, "status "+in.Status)
	}
	if in.Verdict != "" {
		parts = append(parts, "verdict "+in.Verdict)
	}
	if in.Assignee != nil {
		parts = append(parts, "assignee "+orNone(*in.Assignee))
	}
	if in.AssigneeGroup != nil {
		parts = append(parts, "group "+orNone(*in.AssigneeGroup))
	}
	if in.Reason != "" {
		parts = append(parts, "reason: "+in.Reason)
	}
	if len(parts) == 0 {
		return in.Action
	}
	return strings.Join(parts, ", ")
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// HistoryView is one line of an object's history.
type HistoryView struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	Detail     string    `json:"detail"`
}

// History returns an object's history (alert, incident, task ...).
func (s *Service) History(ctx context.Context, orgID, objType, objID string) ([]HistoryView, error) {
	if objType == "alert" {
		if _, err := s.o.Store.Alerts().Get(ctx, orgID, objID); err != nil {
			return nil, err
		}
	}
	hs, err := s.o.Store.History().List(ctx, orgID, objType, objID)
	if err != nil {
		return nil, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryView, 0, len(hs))
	for _, h := range hs {
		out = append(out, HistoryView{At: h.At, Actor: h.Actor, ActorEmail: dir.Email(h.Actor), Action: h.Action, Detail: h.Detail})
	}
	return out, nil
}

// RelatedView is an alert related to another through shared entities.
type RelatedView struct {
	Alert  AlertView      `json:"alert"`
	Shared []store.Entity `json:"shared"`
}

// Related returns alerts sharing a host, user or IP within 24 hours.
func (s *Service) Related(ctx context.Context, orgID, id string) ([]RelatedView, error) {
	rel, err := s.o.Store.Alerts().Related(ctx, orgID, id, 24*time.Hour, 50)
	if err != nil {
		return nil, err
	}
	alerts := make([]store.Alert, len(rel))
	for i, r := range rel {
		alerts[i] = r.Alert
	}
	views, err := s.AlertViews(ctx, orgID, alerts)
	if err != nil {
		return nil, err
	}
	out := make([]RelatedView, len(rel))
	for i := range rel {
		out[i] = RelatedView{Alert: views[i], Shared: rel[i].Shared}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Shared) > len(out[j].Shared) })
	return out, nil
}

// isNotFound reports store.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// isConflict reports store.ErrConflict.
func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
