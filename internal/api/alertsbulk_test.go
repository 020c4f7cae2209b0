package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// addAlerts stores n alerts of the severity in the org in one transaction,
// raised a minute apart from start on.
func (f *fixture) addAlerts(t *testing.T, orgID, prefix, severity string, n int, start time.Time) {
	t.Helper()
	err := f.st.Tx(f.ctx, func(r store.Repos) error {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Minute)
			a := store.Alert{ID: fmt.Sprintf("%s-%05d", prefix, i), OrgID: orgID, RuleID: "r", RuleTitle: "R", RuleKind: "detection",
				Severity: severity, Status: store.AlertNew, Title: "Bulk " + prefix, Count: 1, DedupKey: fmt.Sprintf("%s-k%d", prefix, i),
				FirstSeen: at, LastSeen: at, CreatedAt: at, UpdatedAt: at}
			if err := r.Alerts().Create(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAlertBulkByFilter: a bulk action takes a filter (the list's fields)
// instead of ids, acts on every alert it matches in transactions of 1,000
// alerts, and says how many changed; more than 10,000 is refused.
func TestAlertBulkByFilter(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	tok := f.login(t, "analyst@a.test", userPass).AccessToken
	other := mustOtherOrg(t, f)
	start := f.clock.Now().Add(-72 * time.Hour)
	f.addAlerts(t, f.org.ID, "hi", "high", 2500, start)
	f.addAlerts(t, f.org.ID, "lo", "low", 3, start)
	f.addAlerts(t, other, "x", "high", 5, start)

	bulk := func(body map[string]any) response {
		return f.send(t, "POST", "/api/v1/alerts/bulk", tok, body)
	}
	// Bad requests name their field.
	wantError(t, bulk(map[string]any{"action": "acknowledge"}), http.StatusBadRequest, "validation_failed", "ids")
	wantError(t, bulk(map[string]any{"action": "acknowledge", "ids": []string{"hi-00000"}, "filter": map[string]string{"severity": "high"}}),
		http.StatusBadRequest, "validation_failed", "filter")
	wantError(t, bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{"colour": "red"}}), http.StatusBadRequest, "validation_failed", "filter.colour")
	wantError(t, bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{"status": "sleeping"}}), http.StatusBadRequest, "validation_failed", "filter.status")
	wantError(t, bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{"time_field": "nope"}}), http.StatusBadRequest, "validation_failed", "filter.time_field")
	wantError(t, bulk(map[string]any{"action": "restore", "filter": map[string]string{"deleted": "true"}}), http.StatusForbidden, "forbidden", "")

	r := bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{"severity": "high", "status": "new"}})
	wantStatus(t, r, http.StatusOK)
	res := decode[struct {
		Matched, Updated int64
		Failed           []any
	}](t, r)
	if res.Matched != 2500 || res.Updated != 2500 || len(res.Failed) != 0 {
		t.Fatalf("bulk by filter: %+v", res)
	}
	// Three transactions (1,000 + 1,000 + 500), each audited.
	audit, err := f.st.Audit().List(f.ctx, f.org.ID, store.AuditFilter{Action: "alert.bulk_acknowledge", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, e := range audit {
		parts = append(parts, e.Summary[:strings.Index(e.Summary, " (")])
	}
	slices.Sort(parts)
	if !slices.Equal(parts, []string{"bulk acknowledge of 1000 alerts", "bulk acknowledge of 1000 alerts", "bulk acknowledge of 500 alerts"}) {
		t.Fatalf("audit of the bulk action: %q", parts)
	}
	// The low ones and the other org's are untouched.
	for _, c := range []struct {
		org, id, want string
	}{{f.org.ID, "lo-00000", store.AlertNew}, {other, "x-00000", store.AlertNew}, {f.org.ID, "hi-02499", store.AlertAcknowledged}} {
		a, err := f.st.Alerts().Get(f.ctx, c.org, c.id)
		if err != nil || a.Status != c.want {
			t.Fatalf("%s: %v %q, want %q", c.id, err, a.Status, c.want)
		}
	}
	// A filter on when they were raised: the first 10 minutes (10 high, 3 low).
	r = bulk(map[string]any{"action": "assign", "assignee": "", "assignee_group": "", "filter": map[string]string{"time_field": "created",
		"from": start.Format(time.RFC3339), "to": start.Add(10 * time.Minute).Format(time.RFC3339)}})
	wantStatus(t, r, http.StatusOK)
	if res := decode[struct{ Matched, Updated int64 }](t, r); res.Matched != 13 || res.Updated != 13 {
		t.Fatalf("bulk by raised range: %+v", res)
	}
	// Ids commit in transactions of 1,000 too.
	ids := make([]string, 1200)
	for i := range ids {
		ids[i] = fmt.Sprintf("hi-%05d", i)
	}
	r = bulk(map[string]any{"action": "status", "status": "in_progress", "ids": ids})
	wantStatus(t, r, http.StatusOK)
	if res := decode[struct{ Matched, Updated int64 }](t, r); res.Matched != 1200 || res.Updated != 1200 {
		t.Fatalf("bulk of 1,200 ids: %+v", res)
	}
	if audit, err := f.st.Audit().List(f.ctx, f.org.ID, store.AuditFilter{Action: "alert.bulk_status", Limit: 10}); err != nil || len(audit) != 2 {
		t.Fatalf("audit of 1,200 ids: %v %d entries", err, len(audit))
	}
	// No match: nothing to do, not an error.
	r = bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{"q": "no such alert"}})
	wantStatus(t, r, http.StatusOK)
	if res := decode[struct{ Matched, Updated int64 }](t, r); res.Matched != 0 || res.Updated != 0 {
		t.Fatalf("bulk of nothing: %+v", res)
	}

	// Past 10,000 matches: a 400 naming the filter and the count.
	f.addAlerts(t, f.org.ID, "more", "medium", 7600, start)
	r = bulk(map[string]any{"action": "acknowledge", "filter": map[string]string{}})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "filter")
	if body := string(r.Body); !strings.Contains(body, "10103") {
		t.Fatalf("the error does not say how many match: %s", body)
	}
}

// TestAlertTimeField: the list's range is on last_seen unless time_field
// says created; sort=created orders by when alerts were raised.
func TestAlertTimeField(t *testing.T) {
	f := newFixture(t)
	tok := f.login(t, adminEmail, adminPass).AccessToken
	now := f.clock.Now()
	// old: raised two days ago, seen a minute ago; young: raised and seen an hour ago.
	for _, a := range []store.Alert{
		{ID: "old", CreatedAt: now.Add(-48 * time.Hour), FirstSeen: now.Add(-48 * time.Hour), LastSeen: now.Add(-time.Minute)},
		{ID: "young", CreatedAt: now.Add(-time.Hour), FirstSeen: now.Add(-time.Hour), LastSeen: now.Add(-time.Hour)},
	} {
		a.OrgID, a.RuleID, a.RuleTitle, a.RuleKind, a.Severity, a.Status, a.Title, a.Count, a.DedupKey, a.UpdatedAt =
			f.org.ID, "r", "R", "detection", "high", store.AlertNew, "T "+a.ID, 1, "k-"+a.ID, now
		if err := f.st.Alerts().Create(f.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	list := func(query string) []string {
		t.Helper()
		r := f.get(t, "/api/v1/alerts?"+query, tok)
		wantStatus(t, r, http.StatusOK)
		var ids []string
		for _, a := range decode[struct {
			Alerts []struct{ ID string } `json:"alerts"`
		}](t, r).Alerts {
			ids = append(ids, a.ID)
		}
		return ids
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"from=now-24h", []string{"old", "young"}},
		{"from=now-24h&time_field=last_seen", []string{"old", "young"}},
		{"from=now-24h&time_field=created", []string{"young"}},
		{"from=now-72h&to=now-24h&time_field=created", []string{"old"}},
		{"sort=created", []string{"young", "old"}},
		{"sort=last_seen", []string{"old", "young"}},
	} {
		if got := list(c.query); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.query, got, c.want)
		}
	}
	// The cursor of a page in raised order continues it.
	r := f.get(t, "/api/v1/alerts?sort=created&limit=1", tok)
	next := decode[struct {
		NextCursor string `json:"next_cursor"`
	}](t, r).NextCursor
	if got := list("sort=created&limit=1&cursor=" + next); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("second page in raised order: %v", got)
	}
	wantError(t, f.get(t, "/api/v1/alerts?time_field=updated", tok), http.StatusBadRequest, "validation_failed", "time_field")
	wantError(t, f.get(t, "/api/v1/alerts?sort=title", tok), http.StatusBadRequest, "validation_failed", "sort")
	wantError(t, f.get(t, "/api/v1/alerts/stats?time_field=x", tok), http.StatusBadRequest, "validation_failed", "time_field")
}
