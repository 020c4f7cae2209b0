package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestAlertEventsEndpoint: an alert that folded more matches than it keeps
// IDs of lists all of them through GET /api/v1/alerts/{id}/events.
func TestAlertEventsEndpoint(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	rule := `title: Alert events marker
id: 3c1a9c52-7d0e-4c7e-9a55-0d5b1e0f6a01
status: test
level: medium
logsource:
  definition: any event
detection:
  sel:
    message|contains: alertevents-marker
  condition: sel
`
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rule}), http.StatusCreated)
	base := time.Now().UTC().Add(-time.Hour)
	var evs []map[string]any
	for i := range 130 {
		evs = append(evs, map[string]any{"@timestamp": base.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano),
			"message": fmt.Sprintf("alertevents-marker %d", i), "host": map[string]any{"name": "web1"},
			"user": map[string]any{"name": "ann"}})
	}
	wantStatus(t, f.send(t, "POST", "/api/v1/events", admin, evs), http.StatusAccepted)
	type alert struct {
		ID       string
		Count    int
		EventIDs []string `json:"event_ids"`
	}
	var a alert
	waitUntil(t, "the alert to count 130", func() bool {
		var l struct{ Alerts []alert }
		_ = json.Unmarshal(f.get(t, "/api/v1/alerts", admin).Body, &l)
		for _, x := range l.Alerts {
			if x.Count == 130 {
				a = x
				return true
			}
		}
		return false
	})
	if len(a.EventIDs) != 100 {
		t.Fatalf("the alert keeps %d event IDs", len(a.EventIDs))
	}
	type page struct {
		Events []struct {
			ID      string `json:"_id"`
			Message string `json:"message"`
		}
		Scanned    int64
		NextCursor string `json:"next_cursor"`
		Filter     string
	}
	r := f.get(t, "/api/v1/alerts/"+a.ID+"/events?size=100", admin)
	wantStatus(t, r, http.StatusOK)
	p := decode[page](t, r)
	if len(p.Events) != 100 || p.NextCursor == "" || p.Events[0].Message != "alertevents-marker 0" || p.Filter == "" {
		t.Fatalf("first page: %d events, next %q, first %+v, filter %q", len(p.Events), p.NextCursor, p.Events[0], p.Filter)
	}
	r = f.get(t, "/api/v1/alerts/"+a.ID+"/events?size=100&cursor="+p.NextCursor, admin)
	wantStatus(t, r, http.StatusOK)
	p = decode[page](t, r)
	if len(p.Events) != 30 || p.NextCursor != "" || p.Events[29].Message != "alertevents-marker 129" {
		t.Fatalf("second page: %d events, next %q", len(p.Events), p.NextCursor)
	}
	wantError(t, f.get(t, "/api/v1/alerts/"+a.ID+"/events?size=0", admin), http.StatusBadRequest, "validation_failed", "size")
	wantError(t, f.get(t, "/api/v1/alerts/"+a.ID+"/events?cursor=nope", admin), http.StatusBadRequest, "validation_failed", "cursor")
	wantError(t, f.get(t, "/api/v1/alerts/no-such-alert/events", admin), http.StatusNotFound, "not_found", "")

	// The rule's own alert grouping.
	ruleID := "3c1a9c52-7d0e-4c7e-9a55-0d5b1e0f6a01"
	r = f.send(t, "PATCH", "/api/v1/rules/"+ruleID, admin, map[string]any{"alert_group_by": []string{"user.name"}, "alert_window_minutes": 60})
	wantStatus(t, r, http.StatusOK)
	if v := decode[struct {
		AlertGroupBy       []string `json:"alert_group_by"`
		AlertWindowMinutes int      `json:"alert_window_minutes"`
	}](t, r); len(v.AlertGroupBy) != 1 || v.AlertGroupBy[0] != "user.name" || v.AlertWindowMinutes != 60 {
		t.Fatalf("patched rule: %s", r)
	}
	wantError(t, f.send(t, "PATCH", "/api/v1/rules/"+ruleID, admin, map[string]any{"alert_window_minutes": -1}), http.StatusBadRequest, "validation_failed", "alert_window_minutes")
	wantError(t, f.send(t, "PATCH", "/api/v1/rules/"+ruleID, admin, map[string]any{"alert_group_by": []string{"a b"}}), http.StatusBadRequest, "validation_failed", "alert_group_by[0]")
	wantError(t, f.send(t, "PATCH", "/api/v1/rules/"+ruleID, admin, map[string]any{"alert_group_by": "user.name"}), http.StatusBadRequest, "invalid_type", "alert_group_by")
}
