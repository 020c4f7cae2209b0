package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
)

func multipartFile(t *testing.T, name string, content []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// TestSOCWorkflow walks an alert from arrival to resolution through the
// API, builds an incident from two alerts, applies a playbook and uses the
// war room, checking the bad-input answers on the way.
func TestSOCWorkflow(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	analyst := f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	lead := f.newUser(t, "lead@a.test", auth.RoleTeamLead)
	tier2 := f.newGroup(t, f.org.ID, lead.ID)
	tok := f.login(t, "analyst@a.test", userPass).AccessToken
	outsider := f.newUserIn(t, mustOtherOrg(t, f), "x@b.test", auth.RoleAnalyst)
	a1, a2 := f.newAlert(t, f.org.ID), f.newAlert(t, f.org.ID)

	// Triage: acknowledge, refuse closing without a verdict, resolve.
	r := f.send(t, "PATCH", "/api/v1/alerts/"+a1.ID, tok, map[string]any{"status": "acknowledged", "assignee": analyst.ID})
	wantStatus(t, r, http.StatusOK)
	if v := decode[map[string]any](t, r); v["acknowledged_at"] == nil || v["assignee_email"] != "analyst@a.test" {
		t.Fatalf("ack: %v", v)
	}
	wantError(t, f.send(t, "PATCH", "/api/v1/alerts/"+a1.ID, tok, map[string]any{"status": "resolved"}), http.StatusBadRequest, "validation_failed", "verdict")
	wantError(t, f.send(t, "PATCH", "/api/v1/alerts/"+a1.ID, tok, map[string]any{"verdict": "nah"}), http.StatusBadRequest, "validation_failed", "verdict")
	wantError(t, f.send(t, "POST", "/api/v1/alerts/"+a1.ID+"/escalate", tok, map[string]any{"to_user": outsider.ID, "reason": "x"}), http.StatusBadRequest, "validation_failed", "to_user")
	r = f.send(t, "POST", "/api/v1/alerts/"+a1.ID+"/escalate", tok, map[string]any{"to_group": tier2.ID, "reason": "needs tier 2"})
	wantStatus(t, r, http.StatusOK)
	if v := decode[map[string]any](t, r); v["status"] != "escalated" || v["assignee_group"] != tier2.ID {
		t.Fatalf("escalate: %v", v)
	}
	r = f.send(t, "PATCH", "/api/alerts/"+a1.ID, tok, map[string]any{"status": "resolved", "verdict": "true_positive", "comment": "done <img src=x onerror=alert(1)>"})
	wantStatus(t, r, http.StatusOK)
	hist := decode[struct {
		History []struct{ Action, Detail string } `json:"history"`
	}](t, f.get(t, "/api/v1/alerts/"+a1.ID+"/history", tok))
	if len(hist.History) < 3 {
		t.Fatalf("history: %+v", hist)
	}
	// Viewer and analyst may not delete; admin may, and restore.
	wantError(t, f.send(t, "DELETE", "/api/v1/alerts/"+a2.ID, tok, nil), http.StatusForbidden, "forbidden", "")
	wantError(t, f.send(t, "POST", "/api/v1/alerts/bulk", tok, map[string]any{"ids": []string{a2.ID}, "action": "delete"}), http.StatusForbidden, "forbidden", "")
	wantError(t, f.send(t, "POST", "/api/v1/alerts/bulk", tok, map[string]any{"ids": []string{a2.ID}, "action": "explode"}), http.StatusBadRequest, "validation_failed", "action")
	wantStatus(t, f.send(t, "DELETE", "/api/v1/alerts/"+a2.ID, admin, nil), http.StatusNoContent)
	wantError(t, f.get(t, "/api/v1/alerts/"+a2.ID, tok), http.StatusNotFound, "not_found", "")
	wantError(t, f.get(t, "/api/v1/alerts?deleted=true", tok), http.StatusForbidden, "forbidden", "")
	wantStatus(t, f.send(t, "POST", "/api/v1/alerts/"+a2.ID+"/restore", admin, nil), http.StatusOK)

	// Incidents: from two alerts, with a playbook; the seed's routes.
	a3 := f.newAlert(t, f.org.ID)
	r = f.send(t, "POST", "/api/incidents", tok, map[string]any{"title": "Compromise", "alert_ids": []string{a2.ID, a3.ID}, "playbook_id": "pb-phishing"})
	wantStatus(t, r, http.StatusCreated)
	inc := decode[struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Alerts []any  `json:"alerts"`
		Tasks  []struct {
			ID     string         `json:"id"`
			Action map[string]any `json:"action"`
		} `json:"tasks"`
	}](t, r)
	if inc.Number != "INC-0001" || len(inc.Alerts) != 2 || len(inc.Tasks) != 9 {
		t.Fatalf("incident: %+v", inc)
	}
	wantError(t, f.send(t, "POST", "/api/v1/incidents", tok, map[string]any{"title": ""}), http.StatusBadRequest, "validation_failed", "title")
	wantError(t, f.send(t, "PATCH", "/api/incidents/"+inc.ID, tok, map[string]any{"status": "closed"}), http.StatusBadRequest, "validation_failed", "verdict")
	r = f.send(t, "POST", "/api/incidents/"+inc.ID+"/timeline", tok, map[string]any{"event": "Call with the user", "description": "confirmed the click"})
	wantStatus(t, r, http.StatusCreated)
	pbs := decode[struct {
		Playbooks []struct{ ID string } `json:"playbooks"`
	}](t, f.get(t, "/api/incidents/playbooks", tok))
	if len(pbs.Playbooks) < 8 {
		t.Fatalf("playbooks: %d", len(pbs.Playbooks))
	}
	// Containment needs response:execute: analysts are refused.
	wantError(t, f.send(t, "POST", "/api/v1/response/actions", tok, map[string]any{"type": "block_ip", "target": "198.51.100.9", "reason": "x"}), http.StatusForbidden, "forbidden", "")

	// War room: Markdown is sanitized, mentions resolve, attachments are
	// checked by content.
	ct, body := multipartFile(t, "evidence.txt", []byte("proxy log excerpt"))
	r = f.do(t, request{Method: "POST", Path: "/api/v1/attachments?object_type=incident&object_id=" + inc.ID, Token: tok, CT: ct, Body: body})
	wantStatus(t, r, http.StatusCreated)
	att := decode[struct{ ID string }](t, r)
	ct, body = multipartFile(t, "tool.exe", []byte("MZ\x90\x00"))
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/attachments?object_type=incident&object_id=" + inc.ID, Token: tok, CT: ct, Body: body}),
		http.StatusBadRequest, "validation_failed", "file")
	ct, body = multipartFile(t, "big.txt", bytes.Repeat([]byte("a"), 11<<20))
	r = f.do(t, request{Method: "POST", Path: "/api/v1/attachments?object_type=incident&object_id=" + inc.ID, Token: tok, CT: ct, Body: body})
	if r.Status != http.StatusRequestEntityTooLarge && r.Status != http.StatusBadRequest {
		t.Fatalf("oversized attachment: %s", r)
	}
	r = f.send(t, "POST", "/api/v1/notes", tok, map[string]any{"object_type": "incident", "object_id": inc.ID,
		"body": "@lead@a.test look <script>alert(1)</script> **now**", "attachment_ids": []string{att.ID}})
	wantStatus(t, r, http.StatusCreated)
	note := decode[struct {
		BodyHTML string `json:"body_html"`
		Mentions []struct {
			Email string `json:"email"`
		} `json:"mentions"`
		Attachments []any `json:"attachments"`
	}](t, r)
	if strings.Contains(note.BodyHTML, "<script") || len(note.Mentions) != 1 || len(note.Attachments) != 1 {
		t.Fatalf("note: %+v", note)
	}
	dl := f.get(t, "/api/v1/attachments/"+att.ID, tok)
	if dl.Status != 200 || string(dl.Body) != "proxy log excerpt" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %s %v", dl, dl.Header)
	}

	// SLA and metrics.
	wantError(t, f.send(t, "PUT", "/api/v1/soc/sla", tok, map[string]any{"sla": map[string]any{}}), http.StatusForbidden, "forbidden", "")
	wantError(t, f.send(t, "PUT", "/api/v1/soc/sla", admin, map[string]any{"sla": map[string]any{"critical": map[string]int{"ack_minutes": 0, "resolve_minutes": 1}}}),
		http.StatusBadRequest, "validation_failed", "sla.informational")
	m := decode[struct {
		Alerts struct {
			Raised   int `json:"raised"`
			Resolved int `json:"resolved"`
		} `json:"alerts"`
	}](t, f.get(t, "/api/v1/soc/metrics", tok))
	if m.Alerts.Raised != 3 || m.Alerts.Resolved != 1 {
		t.Fatalf("metrics: %+v", m)
	}

	// The handover cannot be sent without e-mail delivery configured: a
	// clear 503, the draft kept.
	r = f.send(t, "POST", "/api/v1/handovers", tok, map[string]any{"subject": "Night", "body": "quiet", "recipients": []string{"n@a.test"}, "channel_id": "c"})
	wantStatus(t, r, http.StatusCreated)
	h := decode[struct{ ID string }](t, r)
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/handovers/" + h.ID + "/send", Token: tok, Want5xx: true}), http.StatusServiceUnavailable, "unavailable", "")
}

func mustOtherOrg(t *testing.T, f *fixture) string {
	t.Helper()
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Other", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	return b.Org.ID
}

// incidentParams fills case-management path parameters for the route walk:
// shared records of org A, fresh ones for calls that may delete them.
func (f *fixture) incidentParams(t *testing.T, method, path string, allowed bool, params map[string]string) bool {
	t.Helper()
	if !strings.HasPrefix(path, "/api/v1/incidents/{id}") && !strings.HasPrefix(path, "/api/incidents/{id}") &&
		!strings.HasPrefix(path, "/api/alerts/{id}") && !strings.HasPrefix(path, "/api/v1/tasks/") &&
		!strings.HasPrefix(path, "/api/v1/playbooks/") && !strings.HasPrefix(path, "/api/v1/notes/") &&
		!strings.HasPrefix(path, "/api/v1/attachments/") && !strings.HasPrefix(path, "/api/v1/workplans/") &&
		!strings.HasPrefix(path, "/api/v1/handovers/") && !strings.HasPrefix(path, "/api/v1/notifications/") {
		return false
	}
	if f.walkCase == nil || (method == "DELETE" && allowed) {
		c := f.newCaseRecords(t, f.org.ID, f.admin.ID, f.newAlert(t, f.org.ID))
		if method == "DELETE" && allowed {
			return f.fillCase(path, c, params)
		}
		f.walkCase = &c
	}
	return f.fillCase(path, *f.walkCase, params)
}

func (f *fixture) fillCase(path string, c caseRecords, params map[string]string) bool {
	switch {
	case strings.HasPrefix(path, "/api/v1/incidents/{id}"), strings.HasPrefix(path, "/api/incidents/{id}"):
		params["id"], params["oid"] = c.incident, c.observable
		if strings.Contains(path, "{alert_id}") {
			params["alert_id"] = c.alert
		}
	case strings.HasPrefix(path, "/api/alerts/{id}"):
		params["id"] = c.alert
	case strings.HasPrefix(path, "/api/v1/tasks/"):
		params["id"] = c.task
	case strings.HasPrefix(path, "/api/v1/playbooks/"):
		params["id"] = c.playbook
	case strings.HasPrefix(path, "/api/v1/notes/"):
		params["id"] = c.note
	case strings.HasPrefix(path, "/api/v1/attachments/"):
		params["id"] = c.attachment
	case strings.HasPrefix(path, "/api/v1/workplans/"):
		params["id"] = c.workplan
	case strings.HasPrefix(path, "/api/v1/handovers/"):
		params["id"] = c.handover
	case strings.HasPrefix(path, "/api/v1/notifications/channels/"):
		params["id"] = c.channel
	case strings.HasPrefix(path, "/api/v1/notifications/deliveries/"):
		params["id"] = c.delivery
	}
	return true
}
