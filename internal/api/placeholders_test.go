package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
)

const expandRule = `title: Logon by an admin account
id: 0f9e8d7c-0000-4000-8000-00000000a001
level: medium
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4624
    TargetUserName|expand: '%admin_users%'
  condition: sel
`

type placeholdersJSON struct {
	Placeholders []struct {
		Name   string
		Values []string
		Rules  []struct{ ID, Title string }
	}
	Missing []struct {
		Name  string
		Rules []struct{ ID, Title string }
	}
	Limits struct {
		Placeholders, Values int
		NamePattern          string `json:"name_pattern"`
	}
}

type ruleListJSON struct {
	Rules []struct {
		ID       string
		Runnable bool
		Problem  string
		Stats    struct {
			EvalNsPerEvent float64 `json:"eval_ns_per_event"`
			EvalSamples    *int64  `json:"eval_samples"`
		}
	}
	Total int
}

func TestPlaceholdersAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	f.newUser(t, "viewer@a.test", auth.RoleViewer)
	viewer := f.login(t, "viewer@a.test", userPass).AccessToken

	// While the rule is written, the editor hears that it will not run.
	r := f.send(t, "POST", "/api/v1/rules/validate", viewer, map[string]any{"source": expandRule})
	wantStatus(t, r, http.StatusOK)
	v := decode[struct {
		Valid    bool
		Warnings []struct {
			Line, Column int
			Message      string
		}
	}](t, r)
	if !v.Valid || len(v.Warnings) != 1 || v.Warnings[0].Line != 10 || v.Warnings[0].Column != 28 ||
		!strings.HasPrefix(v.Warnings[0].Message, "placeholder %admin_users% has no values in this org") {
		t.Fatalf("validation: %s", r)
	}

	r = f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": expandRule})
	wantStatus(t, r, http.StatusCreated)
	ruleID := "0f9e8d7c-0000-4000-8000-00000000a001"

	// The rule is stored but does not run, and the list says why.
	r = f.get(t, "/api/v1/rules?runnable=false", viewer)
	wantStatus(t, r, http.StatusOK)
	list := decode[ruleListJSON](t, r)
	if list.Total != 1 || list.Rules[0].ID != ruleID || list.Rules[0].Runnable ||
		list.Rules[0].Problem != "not runnable: placeholder %admin_users% has no values in this org" || list.Rules[0].Stats.EvalSamples == nil {
		t.Fatalf("not runnable rules: %s", r)
	}
	wantError(t, f.get(t, "/api/v1/rules?runnable=maybe", viewer), http.StatusBadRequest, "validation_failed", "runnable")

	r = f.get(t, "/api/v1/detection/placeholders", viewer)
	wantStatus(t, r, http.StatusOK)
	ph := decode[placeholdersJSON](t, r)
	if len(ph.Placeholders) != 0 || len(ph.Missing) != 1 || ph.Missing[0].Name != "admin_users" || ph.Missing[0].Rules[0].ID != ruleID ||
		ph.Limits.Placeholders != 100 || ph.Limits.Values != 1000 || ph.Limits.NamePattern == "" {
		t.Fatalf("placeholders: %s", r)
	}

	set := map[string]any{"placeholders": []map[string]any{{"name": "admin_users", "values": []string{"administrator", "adm_*"}}}}
	// Reading is not changing: a viewer may not set them.
	wantStatus(t, f.send(t, "PUT", "/api/v1/detection/placeholders", viewer, set), http.StatusForbidden)

	for _, tc := range []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"missing list", map[string]any{}, "validation_failed", "placeholders"},
		{"unknown field", map[string]any{"placeholders": []any{}, "extra": 1}, "", ""},
		{"bad name", map[string]any{"placeholders": []map[string]any{{"name": "%admin_users%", "values": []string{"x"}}}}, "validation_failed", "placeholders[0].name"},
		{"no values", map[string]any{"placeholders": []map[string]any{{"name": "a", "values": []string{}}}}, "validation_failed", "placeholders[0].values"},
		{"long value", map[string]any{"placeholders": []map[string]any{{"name": "a", "values": []string{strings.Repeat("x", 1025)}}}}, "validation_failed", "placeholders[0].values[0]"},
		{"wrong type", map[string]any{"placeholders": []map[string]any{{"name": "a", "values": "x"}}}, "invalid_type", "placeholders.values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(t, "PUT", "/api/v1/detection/placeholders", admin, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r)
			}
			if tc.code != "" {
				wantError(t, r, http.StatusBadRequest, tc.code, tc.field)
			}
		})
	}

	r = f.send(t, "PUT", "/api/v1/detection/placeholders", admin, set)
	wantStatus(t, r, http.StatusOK)
	ph = decode[placeholdersJSON](t, r)
	if len(ph.Placeholders) != 1 || ph.Placeholders[0].Name != "admin_users" || len(ph.Placeholders[0].Values) != 2 ||
		len(ph.Placeholders[0].Rules) != 1 || len(ph.Missing) != 0 {
		t.Fatalf("after PUT: %s", r)
	}
	r = f.get(t, "/api/v1/rules/"+ruleID, viewer)
	wantStatus(t, r, http.StatusOK)
	if rule := decode[struct {
		Runnable bool
		Problem  string
	}](t, r); !rule.Runnable || rule.Problem != "" {
		t.Fatalf("rule after setting the values: %s", r)
	}
	if l := decode[ruleListJSON](t, f.get(t, "/api/v1/rules?runnable=false", viewer)); l.Total != 0 {
		t.Fatalf("still listed as not runnable: %+v", l)
	}
	if v := decode[struct{ Warnings []any }](t, f.send(t, "POST", "/api/v1/rules/validate", viewer, map[string]any{"source": expandRule})); len(v.Warnings) != 0 {
		t.Fatalf("warnings once the placeholder has values: %+v", v)
	}
	if got := f.auditEntries(t, f.org.ID, auditFilter("detection.placeholders.update", "")); len(got) != 1 ||
		!strings.Contains(got[0].Summary, "%admin_users% added (2 values)") {
		t.Fatalf("audit: %+v", got)
	}
}
