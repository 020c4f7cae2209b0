package api_test

import (
	"net/http"
	"testing"
)

// TestSavedSearches: the Events explorer's searches are saved for the
// organisation with their range, severities and columns, apart from the
// saved KQL queries but in one namespace of names; bad input is a 400
// naming the field.
func TestSavedSearches(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	type view struct {
		ID, Name, Query, Range, From, To string
		Severity, Columns                []string
		CreatedByEmail                   string `json:"created_by_email"`
	}
	r := f.send(t, "POST", "/api/v1/events/saved", admin, map[string]any{"name": "Root logons", "query": "user.name:root AND event.outcome:failure",
		"range": "7d", "severity": []string{"HIGH", "critical", "high"}, "columns": []string{"host.name", "source.ip"}})
	wantStatus(t, r, http.StatusCreated)
	v := decode[view](t, r)
	if v.Range != "7d" || len(v.Severity) != 2 || v.Severity[0] != "high" || len(v.Columns) != 2 || v.CreatedByEmail != adminEmail {
		t.Fatalf("created: %s", r)
	}
	// An absolute range instead of a preset.
	r = f.send(t, "PUT", "/api/v1/events/saved/"+v.ID, admin, map[string]any{"name": "Root logons", "query": "user.name:root",
		"from": "2026-11-20T00:00:00+01:00", "to": "2026-11-21T00:00:00Z"})
	wantStatus(t, r, http.StatusOK)
	if u := decode[view](t, r); u.From != "2026-11-19T23:00:00Z" || u.Range != "" || len(u.Severity) != 0 {
		t.Fatalf("updated: %s", r)
	}
	// Searches and KQL queries are listed apart; a name is taken in both.
	wantStatus(t, f.send(t, "POST", "/api/v1/search/kql/saved", admin, map[string]any{"name": "KQL one", "query": "SecurityEvent | take 1"}), http.StatusCreated)
	l := decode[struct{ Items []view }](t, f.get(t, "/api/v1/events/saved", admin))
	if len(l.Items) != 1 || l.Items[0].Name != "Root logons" {
		t.Fatalf("searches: %+v", l)
	}
	k := decode[struct{ Items []view }](t, f.get(t, "/api/v1/search/kql/saved", admin))
	if len(k.Items) != 1 || k.Items[0].Name != "KQL one" {
		t.Fatalf("KQL queries: %+v", k)
	}
	wantError(t, f.send(t, "POST", "/api/v1/events/saved", admin, map[string]any{"name": "KQL one", "query": ""}), http.StatusConflict, "conflict", "name")
	// A search is not changed or deleted through the KQL routes.
	wantError(t, f.send(t, "DELETE", "/api/v1/search/kql/saved/"+v.ID, admin, nil), http.StatusNotFound, "not_found", "")
	wantError(t, f.send(t, "DELETE", "/api/v1/events/saved/"+k.Items[0].ID, admin, nil), http.StatusNotFound, "not_found", "")

	for _, c := range []struct {
		name  string
		body  map[string]any
		code  string
		field string
	}{
		{"no name", map[string]any{"query": "x"}, "validation_failed", "name"},
		{"bad query", map[string]any{"name": "x", "query": "user.name:("}, "bad_query", "query"},
		{"bad range", map[string]any{"name": "x", "range": "2w"}, "validation_failed", "range"},
		{"range and from", map[string]any{"name": "x", "range": "1h", "from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}, "validation_failed", "range"},
		{"from alone", map[string]any{"name": "x", "from": "2026-11-20T00:00:00Z"}, "validation_failed", "to"},
		{"to before from", map[string]any{"name": "x", "from": "2026-11-21T00:00:00Z", "to": "2026-11-20T00:00:00Z"}, "validation_failed", "to"},
		{"bad severity", map[string]any{"name": "x", "severity": []string{"dire"}}, "validation_failed", "severity"},
		{"bad column", map[string]any{"name": "x", "columns": []string{"host name; drop"}}, "validation_failed", "columns"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, f.send(t, "POST", "/api/v1/events/saved", admin, c.body), http.StatusBadRequest, c.code, c.field)
		})
	}
	wantStatus(t, f.send(t, "DELETE", "/api/v1/events/saved/"+v.ID, admin, nil), http.StatusNoContent)
	if l := decode[struct{ Items []view }](t, f.get(t, "/api/v1/events/saved", admin)); len(l.Items) != 0 {
		t.Fatalf("after delete: %+v", l)
	}
	// Each change of the shared searches and queries is in the audit log,
	// newest first; refused ones are not.
	type entry struct {
		Action, Summary string
		TargetID        string `json:"target_id"`
	}
	searches := decode[struct{ Items []entry }](t, f.get(t, "/api/v1/audit?action=saved_search.", admin)).Items
	if len(searches) != 3 || searches[0].Action != "saved_search.delete" || searches[1].Action != "saved_search.update" ||
		searches[2].Action != "saved_search.create" || searches[2].TargetID != v.ID || searches[2].Summary != "Root logons" {
		t.Fatalf("audit of searches: %+v", searches)
	}
	if queries := decode[struct{ Items []entry }](t, f.get(t, "/api/v1/audit?action=saved_query.", admin)).Items; len(queries) != 1 ||
		queries[0].Action != "saved_query.create" || queries[0].Summary != "KQL one" {
		t.Fatalf("audit of KQL queries: %+v", queries)
	}
	// Every preset of the explorer is kept as it is, the long ones too.
	for _, preset := range []string{"15m", "1h", "24h", "7d", "30d", "90d", "1y", "all"} {
		r = f.send(t, "POST", "/api/v1/events/saved", admin, map[string]any{"name": "Range " + preset, "query": "user.name:root", "range": preset})
		wantStatus(t, r, http.StatusCreated)
		if u := decode[view](t, r); u.Range != preset || u.From != "" {
			t.Fatalf("range %s: %s", preset, r)
		}
	}
}
