package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoIncidents = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "case management is not running on this server"}

func (s *Server) incSvc() (*incident.Service, error) {
	if s.o.Incidents == nil {
		return nil, errNoIncidents
	}
	return s.o.Incidents, nil
}

func (c *call) incActor() incident.Actor {
	return incident.Actor{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Email: c.principal.Email,
		ClientIP: c.meta.IP, RequestID: c.meta.RequestID, Admin: c.principal.Can(auth.PermAlertsDelete)}
}

// optTime decodes a JSON time that may be null (clear) or absent.
type optTime struct {
	set bool
	t   *time.Time
}

func (o *optTime) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("must be an RFC 3339 time or null")
	}
	t = t.UTC().Truncate(time.Millisecond)
	o.t = &t
	return nil
}

func (o optTime) ptr() **time.Time {
	if !o.set {
		return nil
	}
	return &o.t
}

func (s *Server) incidentRoutes() []route {
	const (
		tagAlert = "Alerts"
		tagInc   = "Incidents"
		tagPB    = "Playbooks"
		tagResp  = "Response actions"
		tagWar   = "War room"
		tagWork  = "Workplans"
		tagHand  = "Handovers"
		tagSOC   = "SOC metrics and SLA"
	)
	incQuery := []queryParam{{"status", "string", "comma-separated: open, in_progress, contained, resolved, closed"},
		{"severity", "string", "comma-separated severities"}, {"owner", "string", "user id, me or none"}, {"group", "string", "work group id"},
		{"q", "string", "substring of title or description"}, {"limit", "integer", "1 to 200, default 50"}, {"cursor", "string", "next_cursor of the previous page"}}
	return []route{
		{Method: "POST", Path: "/api/v1/alerts/bulk", Perm: auth.PermAlertsWrite, Tag: tagAlert, Summary: "Apply one triage action to up to 10,000 alerts, given by ids or by the list's filter (per-item failures reported)",
			Request: "AlertBulk", Response: "AlertBulkResult", Status: 200, Handle: s.bulkAlerts},
		{Method: "POST", Path: "/api/v1/alerts/{id}/escalate", Perm: auth.PermAlertsWrite, Tag: tagAlert, Summary: "Escalate an alert to a user or a work group with a reason",
			Request: "AlertEscalate", Response: "Alert", Status: 200, Handle: s.escalateAlert},
		{Method: "GET", Path: "/api/v1/alerts/{id}/history", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "An alert's history: every change, who and when",
			Response: "HistoryList", Status: 200, Handle: s.alertHistory},
		{Method: "GET", Path: "/api/v1/alerts/{id}/related", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "Alerts sharing a host, user or IP within 24 hours",
			Response: "RelatedList", Status: 200, Handle: s.relatedAlerts},
		{Method: "DELETE", Path: "/api/v1/alerts/{id}", Perm: auth.PermAlertsDelete, Tag: tagAlert, Summary: "Delete an alert (audited; restorable for 30 days)",
			Status: 204, Handle: s.deleteAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/restore", Perm: auth.PermAlertsDelete, Tag: tagAlert, Summary: "Restore a deleted alert",
			Response: "Alert", Status: 200, Handle: s.restoreAlert},
		{Method: "PATCH", Path: "/api/alerts/{id}", Perm: auth.PermAlertsWrite, Tag: tagAlert, Summary: "Alias of PATCH /api/v1/alerts/{id} (the seed's path)",
			Request: "AlertPatch", Response: "Alert", Status: 200, Handle: s.patchAlert},

		{Method: "GET", Path: "/api/v1/incidents", Perm: auth.PermIncidentsRead, Tag: tagInc, Summary: "List incidents, most recently updated first",
			Response: "IncidentList", Status: 200, Handle: s.listIncidents, Query: incQuery},
		{Method: "POST", Path: "/api/v1/incidents", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Create an incident, optionally from alerts and with a playbook",
			Request: "IncidentCreate", Response: "IncidentDetail", Status: 201, Handle: s.createIncident},
		{Method: "GET", Path: "/api/incidents", Perm: auth.PermIncidentsRead, Tag: tagInc, Summary: "Alias of GET /api/v1/incidents (the seed's path)",
			Response: "IncidentList", Status: 200, Handle: s.listIncidents, Query: incQuery},
		{Method: "POST", Path: "/api/incidents", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Alias of POST /api/v1/incidents (the seed's path)",
			Request: "IncidentCreate", Response: "IncidentDetail", Status: 201, Handle: s.createIncident},
		{Method: "GET", Path: "/api/v1/incidents/proposals", Perm: auth.PermIncidentsRead, Tag: tagInc, Summary: "Proposed incidents: open alerts sharing a host, user or IP in the last 24 hours",
			Response: "ProposalList", Status: 200, Handle: s.incidentProposals},
		{Method: "POST", Path: "/api/v1/incidents/proposals/accept", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Create an incident from a proposal",
			Request: "ProposalAccept", Response: "IncidentDetail", Status: 201, Handle: s.acceptProposal},
		{Method: "GET", Path: "/api/v1/incidents/{id}", Perm: auth.PermIncidentsRead, Tag: tagInc, Summary: "An incident with its alerts, tasks, observables, timeline, attachments and actions",
			Response: "IncidentDetail", Status: 200, Handle: s.getIncident},
		{Method: "PATCH", Path: "/api/v1/incidents/{id}", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Edit an incident (resolving or closing needs a verdict)",
			Request: "IncidentPatch", Response: "IncidentDetail", Status: 200, Handle: s.patchIncident},
		{Method: "PATCH", Path: "/api/incidents/{id}", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Alias of PATCH /api/v1/incidents/{id} (the seed's path)",
			Request: "IncidentPatch", Response: "IncidentDetail", Status: 200, Handle: s.patchIncident},
		{Method: "DELETE", Path: "/api/v1/incidents/{id}", Perm: auth.PermAlertsDelete, Tag: tagInc, Summary: "Delete an incident (its alerts are released)",
			Status: 204, Handle: s.deleteIncident},
		{Method: "POST", Path: "/api/v1/incidents/{id}/alerts", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Add alerts to an incident",
			Request: "AlertIDs", Response: "IncidentDetail", Status: 200, Handle: s.addIncidentAlerts},
		{Method: "DELETE", Path: "/api/v1/incidents/{id}/alerts/{alert_id}", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Remove an alert from an incident",
			Response: "IncidentDetail", Status: 200, Handle: s.removeIncidentAlert},
		{Method: "POST", Path: "/api/v1/incidents/{id}/timeline", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Add a manual timeline entry",
			Request: "TimelineCreate", Response: "TimelineEntry", Status: 201, Handle: s.addTimeline},
		{Method: "POST", Path: "/api/incidents/{id}/timeline", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Alias of POST /api/v1/incidents/{id}/timeline (the seed's path)",
			Request: "TimelineCreate", Response: "TimelineEntry", Status: 201, Handle: s.addTimeline},
		{Method: "POST", Path: "/api/v1/incidents/{id}/tasks", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Add a task to an incident",
			Request: "TaskCreate", Response: "Task", Status: 201, Handle: s.createIncidentTask},
		{Method: "POST", Path: "/api/v1/incidents/{id}/observables", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Add an observable (IP, domain, URL, hash, e-mail, user, host, file)",
			Request: "ObservableCreate", Response: "Observable", Status: 201, Handle: s.addObservable},
		{Method: "DELETE", Path: "/api/v1/incidents/{id}/observables/{oid}", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Remove an observable",
			Status: 204, Handle: s.deleteObservable},
		{Method: "POST", Path: "/api/v1/incidents/{id}/playbook", Perm: auth.PermIncidentsWrite, Tag: tagInc, Summary: "Apply a playbook: its steps become the incident's tasks",
			Request: "PlaybookApply", Response: "IncidentDetail", Status: 200, Handle: s.applyPlaybook},
		{Method: "GET", Path: "/api/v1/incidents/{id}/history", Perm: auth.PermIncidentsRead, Tag: tagInc, Summary: "An incident's history",
			Response: "HistoryList", Status: 200, Handle: s.incidentHistory},

		{Method: "PATCH", Path: "/api/v1/tasks/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Edit a task (the board moves cards with status and position)",
			Request: "TaskPatch", Response: "Task", Status: 200, Handle: s.patchTask},
		{Method: "DELETE", Path: "/api/v1/tasks/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Delete a task",
			Status: 204, Handle: s.deleteTask},
		{Method: "POST", Path: "/api/v1/tasks/{id}/run", Perm: auth.PermResponse, Tag: tagResp, Summary: "Run an automated playbook step against a target; the task is completed with the result",
			Request: "TaskRun", Response: "TaskRunResult", Status: 200, Handle: s.runTask},

		{Method: "GET", Path: "/api/v1/playbooks", Perm: auth.PermIncidentsRead, Tag: tagPB, Summary: "The playbook library: built-in and the organisation's own",
			Response: "PlaybookList", Status: 200, Handle: s.listPlaybooks},
		{Method: "GET", Path: "/api/incidents/playbooks", Perm: auth.PermIncidentsRead, Tag: tagPB, Summary: "Alias of GET /api/v1/playbooks (the seed's path)",
			Response: "PlaybookList", Status: 200, Handle: s.listPlaybooks},
		{Method: "POST", Path: "/api/v1/playbooks", Perm: auth.PermIncidentsWrite, Tag: tagPB, Summary: "Create an organisation playbook",
			Request: "PlaybookBody", Response: "Playbook", Status: 201, Handle: s.createPlaybook},
		{Method: "GET", Path: "/api/v1/playbooks/{id}", Perm: auth.PermIncidentsRead, Tag: tagPB, Summary: "Get a playbook",
			Response: "Playbook", Status: 200, Handle: s.getPlaybook},
		{Method: "PUT", Path: "/api/v1/playbooks/{id}", Perm: auth.PermIncidentsWrite, Tag: tagPB, Summary: "Replace an organisation playbook",
			Request: "PlaybookBody", Response: "Playbook", Status: 200, Handle: s.updatePlaybook},
		{Method: "DELETE", Path: "/api/v1/playbooks/{id}", Perm: auth.PermIncidentsWrite, Tag: tagPB, Summary: "Delete an organisation playbook",
			Status: 204, Handle: s.deletePlaybook},

		{Method: "POST", Path: "/api/v1/response/actions", Perm: auth.PermResponse, Tag: tagResp, Summary: "Take a containment action: block an IP/domain/URL/sender, isolate or release a host, kill a process, disable an account",
			Request: "ActionCreate", Response: "ResponseAction", Status: 201, Handle: s.takeAction},
		{Method: "GET", Path: "/api/v1/response/actions", Perm: auth.PermIncidentsRead, Tag: tagResp, Summary: "Response actions with their state, newest first",
			Response: "ResponseActionList", Status: 200, Handle: s.listActions, Query: []queryParam{{"alert_id", "string", "actions on this alert"},
				{"incident_id", "string", "actions in this incident"}, {"limit", "integer", "1 to 500, default 100"}}},

		{Method: "GET", Path: "/api/v1/notes", Perm: auth.PermIncidentsRead, Tag: tagWar, Summary: "War-room notes of an alert or incident, oldest first",
			Response: "NoteList", Status: 200, Handle: s.listNotes, Query: []queryParam{{"object_type", "string", "alert or incident"}, {"object_id", "string", "its id"}}},
		{Method: "POST", Path: "/api/v1/notes", Perm: auth.PermIncidentsWrite, Tag: tagWar, Summary: "Add a note (Markdown, @user@example.com mentions, uploaded attachments)",
			Request: "NoteCreate", Response: "Note", Status: 201, Handle: s.addNote},
		{Method: "PATCH", Path: "/api/v1/notes/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWar, Summary: "Edit one's own note",
			Request: "NotePatch", Response: "Note", Status: 200, Handle: s.editNote},
		{Method: "DELETE", Path: "/api/v1/notes/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWar, Summary: "Delete one's own note (admins: any note)",
			Status: 204, Handle: s.deleteNote},
		{Method: "GET", Path: "/api/v1/warroom", Perm: auth.PermIncidentsRead, Tag: tagWar, Summary: "War rooms: alerts and incidents with notes, and open incidents",
			Response: "RoomList", Status: 200, Handle: s.listRooms},
		{Method: "POST", Path: "/api/v1/attachments", Perm: auth.PermIncidentsWrite, Tag: tagWar, Summary: "Upload an attachment to an alert or incident (multipart field file; 10 MiB; png, jpg, gif, webp, pdf, txt, log, csv, json, eml, zip, pcap)",
			Body: "Upload", Response: "Attachment", Status: 201, Handle: s.uploadAttachment,
			Query: []queryParam{{"object_type", "string", "alert or incident"}, {"object_id", "string", "its id"}}},
		{Method: "GET", Path: "/api/v1/attachments/{id}", Perm: auth.PermIncidentsRead, Tag: tagWar, Summary: "Download an attachment",
			Status: 200, Handle: s.downloadAttachment},

		{Method: "GET", Path: "/api/v1/workplans", Perm: auth.PermIncidentsRead, Tag: tagWork, Summary: "List workplans with their tasks",
			Response: "WorkplanList", Status: 200, Handle: s.listWorkplans},
		{Method: "POST", Path: "/api/v1/workplans", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Create a workplan",
			Request: "WorkplanBody", Response: "Workplan", Status: 201, Handle: s.createWorkplan},
		{Method: "GET", Path: "/api/v1/workplans/{id}", Perm: auth.PermIncidentsRead, Tag: tagWork, Summary: "Get a workplan",
			Response: "Workplan", Status: 200, Handle: s.getWorkplan},
		{Method: "PATCH", Path: "/api/v1/workplans/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Edit a workplan",
			Request: "WorkplanBody", Response: "Workplan", Status: 200, Handle: s.patchWorkplan},
		{Method: "DELETE", Path: "/api/v1/workplans/{id}", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Delete a workplan and its tasks",
			Status: 204, Handle: s.deleteWorkplan},
		{Method: "POST", Path: "/api/v1/workplans/{id}/tasks", Perm: auth.PermIncidentsWrite, Tag: tagWork, Summary: "Add a task to a workplan",
			Request: "TaskCreate", Response: "Task", Status: 201, Handle: s.createWorkplanTask},

		{Method: "POST", Path: "/api/v1/handovers/compose", Perm: auth.PermIncidentsRead, Tag: tagHand, Summary: "Draft a handover from a team's open alerts, incidents and tasks (not stored)",
			Request: "HandoverCompose", Response: "HandoverComposed", Status: 200, Handle: s.composeHandover},
		{Method: "GET", Path: "/api/v1/handovers", Perm: auth.PermIncidentsRead, Tag: tagHand, Summary: "Handover history, newest first",
			Response: "HandoverList", Status: 200, Handle: s.listHandovers},
		{Method: "POST", Path: "/api/v1/handovers", Perm: auth.PermIncidentsWrite, Tag: tagHand, Summary: "Save a handover draft",
			Request: "HandoverBody", Response: "Handover", Status: 201, Handle: s.createHandover},
		{Method: "GET", Path: "/api/v1/handovers/{id}", Perm: auth.PermIncidentsRead, Tag: tagHand, Summary: "Get a handover",
			Response: "Handover", Status: 200, Handle: s.getHandover},
		{Method: "PATCH", Path: "/api/v1/handovers/{id}", Perm: auth.PermIncidentsWrite, Tag: tagHand, Summary: "Edit a handover draft",
			Request: "HandoverBody", Response: "Handover", Status: 200, Handle: s.patchHandover},
		{Method: "POST", Path: "/api/v1/handovers/{id}/send", Perm: auth.PermIncidentsWrite, Tag: tagHand, Summary: "Send a handover by e-mail through an e-mail channel (SMTP)",
			Response: "Handover", Status: 200, Handle: s.sendHandover},

		{Method: "GET", Path: "/api/v1/soc/sla", Perm: auth.PermIncidentsRead, Tag: tagSOC, Summary: "SLA policies: minutes to acknowledge and resolve, by severity",
			Response: "SLA", Status: 200, Handle: s.getSLA},
		{Method: "PUT", Path: "/api/v1/soc/sla", Perm: auth.PermNotifyWrite, Tag: tagSOC, Summary: "Replace the SLA policies",
			Request: "SLA", Response: "SLA", Status: 200, Handle: s.putSLA},
		{Method: "GET", Path: "/api/v1/soc/metrics", Perm: auth.PermIncidentsRead, Tag: tagSOC, Summary: "MTTA, MTTR, SLA breaches and verdicts by team, analyst and severity",
			Response: "SOCMetrics", Status: 200, Handle: s.socMetrics, Query: []queryParam{{"from", "string", "RFC 3339 or now-30d (default)"},
				{"to", "string", "RFC 3339 or now"}, {"group", "string", "one work group's alerts"}}},
	}
}

// --- alerts ---

func (s *Server) bulkAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		IDs           []string          `json:"ids"`
		Filter        map[string]string `json:"filter"`
		Action        string            `json:"action"`
		Status        string            `json:"status"`
		Verdict       string            `json:"verdict"`
		Assignee      *string           `json:"assignee"`
		AssigneeGroup *string           `json:"assignee_group"`
		Reason        string            `json:"reason"`
	}
	if err := decodeJSON(w, r, 2<<20, &in); err != nil {
		return err
	}
	if (in.Action == "delete" || in.Action == "restore") && !c.principal.Can(auth.PermAlertsDelete) {
		return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "only admins delete and restore alerts"}
	}
	bi := incident.BulkInput{IDs: in.IDs, Action: in.Action, Status: in.Status, Verdict: in.Verdict,
		Assignee: in.Assignee, AssigneeGroup: in.AssigneeGroup, Reason: in.Reason}
	if in.Filter != nil {
		f, err := s.bulkFilter(in.Filter, c)
		if err != nil {
			return err
		}
		bi.Filter = &f
	}
	res, err := svc.Bulk(r.Context(), c.incActor(), bi)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// bulkFilterFields are the GET /api/v1/alerts parameters a bulk action's
// filter takes (its page and order ones aside).
var bulkFilterFields = []string{"status", "severity", "rule", "q", "from", "to", "time_field", "assignee", "group", "verdict", "incident", "deleted"}

// bulkFilter reads a bulk action's filter as GET /api/v1/alerts reads its
// query, so that "every alert matching this filter" is the list's alerts;
// a problem names its field as filter.NAME.
func (s *Server) bulkFilter(m map[string]string, c *call) (store.AlertFilter, error) {
	q := url.Values{}
	for k, v := range m {
		if !contains(bulkFilterFields, k) {
			return store.AlertFilter{}, badRequest("validation_failed", "filter."+k, "unknown filter field %q: use %s", k, strings.Join(bulkFilterFields, ", "))
		}
		q.Set(k, v)
	}
	f, err := s.alertFilter(q)
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) && he.Field != "" {
			e := *he
			e.Field = "filter." + he.Field
			return f, &e
		}
		return f, err
	}
	if f.Deleted && !c.principal.Can(auth.PermAlertsDelete) {
		return f, &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "only admins see deleted alerts"}
	}
	assigneeFilter(&f, q.Get("assignee"), c.principal.UserID)
	return f, nil
}

func (s *Server) escalateAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		ToUser  string `json:"to_user"`
		ToGroup string `json:"to_group"`
		Reason  string `json:"reason"`
	}
	if err := decodeJSON(w, r, 16<<10, &in); err != nil {
		return err
	}
	v, err := svc.Escalate(r.Context(), c.incActor(), r.PathValue("id"), incident.EscalateInput{ToUser: in.ToUser, ToGroup: in.ToGroup, Reason: in.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) alertHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	h, err := svc.History(r.Context(), c.principal.OrgID, "alert", r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"history": h})
	return nil
}

func (s *Server) incidentHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if _, err := svc.Incident(r.Context(), c.principal.OrgID, r.PathValue("id")); err != nil {
		return err
	}
	h, err := svc.History(r.Context(), c.principal.OrgID, "incident", r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"history": h})
	return nil
}

func (s *Server) relatedAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	rel, err := svc.Related(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"related": rel})
	return nil
}

func (s *Server) deleteAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	res, err := svc.Bulk(r.Context(), c.incActor(), incident.BulkInput{IDs: []string{r.PathValue("id")}, Action: "delete"})
	if err != nil {
		return err
	}
	if res.Updated == 0 {
		return errNotFound
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) restoreAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	v, err := svc.RestoreAlert(r.Context(), c.incActor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// --- incidents ---

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.IncidentFilter{Statuses: splitList(q.Get("status")), Severities: splitList(q.Get("severity")), Group: q.Get("group"), Query: searchText(q)}
	for _, st := range f.Statuses {
		if !contains(incident.IncidentStatuses, st) {
			return badRequest("validation_failed", "status", "status must be a list of %s (got %q)", strings.Join(incident.IncidentStatuses, ", "), st)
		}
	}
	for _, sv := range f.Severities {
		if !contains(incident.Severities, sv) {
			return badRequest("validation_failed", "severity", "severity must be a list of %s (got %q)", strings.Join(incident.Severities, ", "), sv)
		}
	}
	switch o := q.Get("owner"); o {
	case "":
	case "me":
		f.Owner = c.principal.UserID
	case "none":
		f.Unowned = true
	default:
		f.Owner = o
	}
	if len(f.Query) > 200 {
		return badRequest("validation_failed", "q", "q must be at most 200 characters")
	}
	if f.Limit, err = queryInt(q, "limit", 50, 1, 200); err != nil {
		return err
	}
	if cur := q.Get("cursor"); cur != "" {
		var ok bool
		if f.AfterAt, f.AfterID, ok = parseAlertCursor(cur); !ok {
			return badRequest("validation_failed", "cursor", "cursor must be the next_cursor of a previous page")
		}
	}
	list, total, err := svc.ListIncidents(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	next := ""
	if len(list) == f.Limit {
		last := list[len(list)-1]
		next = strconv.FormatInt(last.UpdatedAt.UnixMilli(), 10) + "_" + last.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": list, "total": total, "next_cursor": next})
	return nil
}

func (s *Server) createIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Severity    string   `json:"severity"`
		Owner       string   `json:"owner"`
		Group       string   `json:"group"`
		Tags        []string `json:"tags"`
		AlertIDs    []string `json:"alert_ids"`
		PlaybookID  string   `json:"playbook_id"`
		// The seed's incident body names these differently.
		Status     string `json:"status"`
		AssignedTo string `json:"assigned_to"`
	}
	if err := decodeJSON(w, r, 1<<20, &in); err != nil {
		return err
	}
	if in.Status != "" && in.Status != "open" {
		return badRequest("validation_failed", "status", "a new incident is open; change its status afterwards")
	}
	if in.Owner == "" {
		in.Owner = in.AssignedTo
	}
	d, err := svc.CreateIncident(r.Context(), c.incActor(), incident.IncidentInput{Title: in.Title, Description: in.Description, Severity: in.Severity,
		Owner: in.Owner, Group: in.Group, Tags: in.Tags, AlertIDs: in.AlertIDs, PlaybookID: in.PlaybookID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	d, err := svc.Incident(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) patchIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Title       *string   `json:"title"`
		Description *string   `json:"description"`
		Severity    *string   `json:"severity"`
		Status      *string   `json:"status"`
		Verdict     *string   `json:"verdict"`
		Owner       *string   `json:"owner"`
		Group       *string   `json:"group"`
		Tags        *[]string `json:"tags"`
		AssignedTo  *string   `json:"assigned_to"`
	}
	if err := decodeJSON(w, r, 1<<20, &in); err != nil {
		return err
	}
	if in.Owner == nil {
		in.Owner = in.AssignedTo
	}
	d, err := svc.PatchIncident(r.Context(), c.incActor(), r.PathValue("id"), incident.IncidentPatch{Title: in.Title, Description: in.Description,
		Severity: in.Severity, Status: in.Status, Verdict: in.Verdict, Owner: in.Owner, Group: in.Group, Tags: in.Tags})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) deleteIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteIncident(r.Context(), c.incActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) addIncidentAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		AlertIDs []string `json:"alert_ids"`
	}
	if err := decodeJSON(w, r, 1<<20, &in); err != nil {
		return err
	}
	d, err := svc.AddAlerts(r.Context(), c.incActor(), r.PathValue("id"), in.AlertIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) removeIncidentAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	d, err := svc.RemoveAlert(r.Context(), c.incActor(), r.PathValue("id"), r.PathValue("alert_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) addTimeline(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Message string `json:"message"`
		// The seed's timeline entry calls it event/description.
		Event       string     `json:"event"`
		Description string     `json:"description"`
		At          *time.Time `json:"at"`
	}
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	if in.Message == "" {
		in.Message = strings.TrimSpace(strings.Join([]string{in.Event, in.Description}, " — "))
		in.Message = strings.Trim(in.Message, " —")
	}
	e, err := svc.AddTimeline(r.Context(), c.incActor(), r.PathValue("id"), in.Message, in.At)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

type taskBody struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Assignee    string  `json:"assignee"`
	Status      string  `json:"status"`
	DueAt       optTime `json:"due_at"`
}

func (s *Server) createTask(w http.ResponseWriter, r *http.Request, c *call, incidentID, workplanID string) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in taskBody
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	t, err := svc.CreateTask(r.Context(), c.incActor(), incidentID, workplanID, incident.TaskInput{Title: in.Title, Description: in.Description,
		Assignee: in.Assignee, Status: in.Status, DueAt: in.DueAt.t})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) createIncidentTask(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.createTask(w, r, c, r.PathValue("id"), "")
}

func (s *Server) createWorkplanTask(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.createTask(w, r, c, "", r.PathValue("id"))
}

func (s *Server) patchTask(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Title       *string `json:"title"`
		Description *string `json:"description"`
		Status      *string `json:"status"`
		Assignee    *string `json:"assignee"`
		DueAt       optTime `json:"due_at"`
		Position    *int64  `json:"position"`
	}
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	t, err := svc.PatchTask(r.Context(), c.incActor(), r.PathValue("id"), incident.TaskPatch{Title: in.Title, Description: in.Description,
		Status: in.Status, Assignee: in.Assignee, DueAt: in.DueAt.ptr(), Position: in.Position})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteTask(r.Context(), c.incActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) runTask(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Target string         `json:"target"`
		Reason string         `json:"reason"`
		Params map[string]any `json:"params"`
	}
	if err := decodeJSON(w, r, 16<<10, &in); err != nil {
		return err
	}
	act, task, err := svc.RunTask(r.Context(), c.incActor(), r.PathValue("id"), in.Target, in.Reason, in.Params)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"action": act, "task": task})
	return nil
}

func (s *Server) addObservable(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Type        string `json:"type"`
		Value       string `json:"value"`
		Description string `json:"description"`
		IOC         bool   `json:"ioc"`
	}
	if err := decodeJSON(w, r, 16<<10, &in); err != nil {
		return err
	}
	o, err := svc.AddObservable(r.Context(), c.incActor(), r.PathValue("id"), incident.ObservableInput{Type: in.Type, Value: in.Value,
		Description: in.Description, IOC: in.IOC})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) deleteObservable(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteObservable(r.Context(), c.incActor(), r.PathValue("id"), r.PathValue("oid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) applyPlaybook(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		PlaybookID string `json:"playbook_id"`
	}
	if err := decodeJSON(w, r, 4<<10, &in); err != nil {
		return err
	}
	if in.PlaybookID == "" {
		return badRequest("validation_failed", "playbook_id", "playbook_id is required")
	}
	d, err := svc.ApplyPlaybook(r.Context(), c.incActor(), r.PathValue("id"), in.PlaybookID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) incidentProposals(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	p, err := svc.Proposals(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"proposals": p})
	return nil
}

func (s *Server) acceptProposal(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		AlertIDs []string `json:"alert_ids"`
		Title    string   `json:"title"`
	}
	if err := decodeJSON(w, r, 1<<20, &in); err != nil {
		return err
	}
	if len(in.AlertIDs) < 2 {
		return badRequest("validation_failed", "alert_ids", "a proposal holds at least two alerts")
	}
	if in.Title == "" {
		in.Title = fmt.Sprintf("Correlated activity: %d related alerts", len(in.AlertIDs))
	}
	d, err := svc.CreateIncident(r.Context(), c.incActor(), incident.IncidentInput{Title: in.Title, AlertIDs: in.AlertIDs})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// --- playbooks ---

func (s *Server) listPlaybooks(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	ps, err := svc.Playbooks(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"playbooks": ps})
	return nil
}

func (s *Server) getPlaybook(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	p, err := svc.Playbook(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) savePlaybook(w http.ResponseWriter, r *http.Request, c *call, id string, status int) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in incident.Playbook
	if err := decodeJSON(w, r, 256<<10, &in); err != nil {
		return err
	}
	p, err := svc.SavePlaybook(r.Context(), c.incActor(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, status, p)
	return nil
}

func (s *Server) createPlaybook(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.savePlaybook(w, r, c, "", http.StatusCreated)
}

func (s *Server) updatePlaybook(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.savePlaybook(w, r, c, r.PathValue("id"), http.StatusOK)
}

func (s *Server) deletePlaybook(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeletePlaybook(r.Context(), c.incActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- response actions ---

func (s *Server) takeAction(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Type       string         `json:"type"`
		Target     string         `json:"target"`
		Params     map[string]any `json:"params"`
		Reason     string         `json:"reason"`
		AlertID    string         `json:"alert_id"`
		IncidentID string         `json:"incident_id"`
	}
	if err := decodeJSON(w, r, 16<<10, &in); err != nil {
		return err
	}
	a, err := svc.TakeAction(r.Context(), c.incActor(), incident.ActionInput{Type: in.Type, Target: in.Target, Params: in.Params,
		Reason: in.Reason, AlertID: in.AlertID, IncidentID: in.IncidentID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", 100, 1, 500)
	if err != nil {
		return err
	}
	acts, err := svc.Actions(r.Context(), c.principal.OrgID, q.Get("alert_id"), q.Get("incident_id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": acts})
	return nil
}

// --- war room ---

func objectParams(q interface{ Get(string) string }) (string, string, error) {
	typ, id := q.Get("object_type"), q.Get("object_id")
	if typ != "alert" && typ != "incident" {
		return "", "", badRequest("validation_failed", "object_type", "object_type must be alert or incident")
	}
	if id == "" || len(id) > 128 {
		return "", "", badRequest("validation_failed", "object_id", "object_id is required")
	}
	return typ, id, nil
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	typ, id, err := objectParams(r.URL.Query())
	if err != nil {
		return err
	}
	ns, err := svc.Notes(r.Context(), c.principal.OrgID, typ, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": ns})
	return nil
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		ObjectType    string   `json:"object_type"`
		ObjectID      string   `json:"object_id"`
		Body          string   `json:"body"`
		AttachmentIDs []string `json:"attachment_ids"`
	}
	if err := decodeJSON(w, r, 256<<10, &in); err != nil {
		return err
	}
	if in.ObjectType != "alert" && in.ObjectType != "incident" {
		return badRequest("validation_failed", "object_type", "object_type must be alert or incident")
	}
	n, err := svc.AddNote(r.Context(), c.incActor(), in.ObjectType, in.ObjectID, in.Body, in.AttachmentIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) editNote(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(w, r, 256<<10, &in); err != nil {
		return err
	}
	n, err := svc.EditNote(r.Context(), c.incActor(), r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteNote(r.Context(), c.incActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	rooms, err := svc.Rooms(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"rooms": rooms})
	return nil
}

func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	typ, id, err := objectParams(r.URL.Query())
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		return &HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Msg: "send the file as multipart/form-data in the field file"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 11<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("validation_failed", "file", "cannot read the multipart body: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return badRequest("validation_failed", "file", "the form has no field named file")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: "file", Msg: "an attachment is at most 10 MiB"}
			}
			return badRequest("validation_failed", "file", "cannot read the multipart body: %v", err)
		}
		if part.FormName() != "file" {
			continue
		}
		a, err := svc.Upload(r.Context(), c.incActor(), typ, id, part.FileName(), part)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: "file", Msg: "an attachment is at most 10 MiB"}
			}
			return err
		}
		writeJSON(w, http.StatusCreated, a)
		return nil
	}
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	a, f, err := svc.OpenAttachment(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(a.Name)+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}

// --- workplans ---

type workplanBody struct {
	Title       *string               `json:"title"`
	Description *string               `json:"description"`
	Owner       *string               `json:"owner"`
	Group       *string               `json:"group"`
	Status      *string               `json:"status"`
	DueAt       optTime               `json:"due_at"`
	Links       *[]store.WorkplanLink `json:"links"`
}

func (b workplanBody) input() incident.WorkplanInput {
	return incident.WorkplanInput{Title: b.Title, Description: b.Description, Owner: b.Owner, Group: b.Group, Status: b.Status,
		DueAt: b.DueAt.ptr(), Links: b.Links}
}

func (s *Server) listWorkplans(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	ws, err := svc.Workplans(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"workplans": ws})
	return nil
}

func (s *Server) saveWorkplan(w http.ResponseWriter, r *http.Request, c *call, id string, status int) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in workplanBody
	if err := decodeJSON(w, r, 256<<10, &in); err != nil {
		return err
	}
	v, err := svc.SaveWorkplan(r.Context(), c.incActor(), id, in.input())
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) createWorkplan(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.saveWorkplan(w, r, c, "", http.StatusCreated)
}

func (s *Server) patchWorkplan(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.saveWorkplan(w, r, c, r.PathValue("id"), http.StatusOK)
}

func (s *Server) getWorkplan(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	v, err := svc.Workplan(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deleteWorkplan(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteWorkplan(r.Context(), c.incActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- handovers ---

func (s *Server) composeHandover(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Group string `json:"group"`
	}
	if err := decodeJSON(w, r, 4<<10, &in); err != nil {
		return err
	}
	v, err := svc.Compose(r.Context(), c.incActor(), in.Group)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) listHandovers(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	hs, err := svc.Handovers(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"handovers": hs})
	return nil
}

func (s *Server) saveHandover(w http.ResponseWriter, r *http.Request, c *call, id string, status int) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in struct {
		Group      *string                    `json:"group"`
		Subject    *string                    `json:"subject"`
		Body       *string                    `json:"body"`
		Recipients *[]string                  `json:"recipients"`
		ChannelID  *string                    `json:"channel_id"`
		Snapshot   *incident.HandoverSnapshot `json:"snapshot"`
	}
	if err := decodeJSON(w, r, 512<<10, &in); err != nil {
		return err
	}
	v, err := svc.SaveHandover(r.Context(), c.incActor(), id, incident.HandoverInput{Group: in.Group, Subject: in.Subject, Body: in.Body,
		Recipients: in.Recipients, ChannelID: in.ChannelID, Snapshot: in.Snapshot})
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) createHandover(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.saveHandover(w, r, c, "", http.StatusCreated)
}

func (s *Server) patchHandover(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.saveHandover(w, r, c, r.PathValue("id"), http.StatusOK)
}

func (s *Server) getHandover(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	v, err := svc.Handover(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) sendHandover(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	v, err := svc.SendHandover(r.Context(), c.incActor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// --- SLA and metrics ---

type slaBody struct {
	SLA map[string]struct {
		AckMinutes     int `json:"ack_minutes"`
		ResolveMinutes int `json:"resolve_minutes"`
	} `json:"sla"`
}

func slaOut(p incident.SLAPolicies) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		out[k] = map[string]int{"ack_minutes": v.AckMinutes, "resolve_minutes": v.ResolveMinutes}
	}
	return map[string]any{"sla": out}
}

func (s *Server) getSLA(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	p, err := svc.SLA(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, slaOut(p))
	return nil
}

func (s *Server) putSLA(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	var in slaBody
	if err := decodeJSON(w, r, 16<<10, &in); err != nil {
		return err
	}
	ps := map[string]store.SLAPolicy{}
	for k, v := range in.SLA {
		ps[k] = store.SLAPolicy{Severity: k, AckMinutes: v.AckMinutes, ResolveMinutes: v.ResolveMinutes}
	}
	p, err := svc.PutSLA(r.Context(), c.incActor(), ps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, slaOut(p))
	return nil
}

func (s *Server) socMetrics(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.incSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := s.o.Now()
	from, to, err := timeRange(q.Get, now)
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-30 * 24 * time.Hour)
	}
	if !from.Before(to) {
		return badRequest("validation_failed", "from", "from must be before to")
	}
	m, err := svc.Metrics(r.Context(), c.principal.OrgID, from, to, q.Get("group"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
