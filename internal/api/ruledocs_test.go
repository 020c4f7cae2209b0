package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// ruleDocsCorr holds two correlations over rulesBase's failed_logon_h2,
// neither with generate: true; the file's rule is its first.
const ruleDocsCorr = `title: Repeated failed logons on h2
id: 5a0b6c1d-0000-4000-8000-0000000000d1
status: test
level: high
correlation:
  type: event_count
  rules: [failed_logon_h2]
  timespan: 10m
  condition: {gte: 2}
---
title: A flood of failed logons on h2
id: 5a0b6c1d-0000-4000-8000-0000000000d2
name: h2_flood
status: test
level: critical
correlation:
  type: event_count
  rules: [failed_logon_h2]
  timespan: 10m
  condition: {gte: 20}
`

type ruleDocsJSON struct {
	ID       string `json:"id"`
	Document string `json:"document"`
	Feeds    []struct {
		Document         string `json:"document"`
		RuleID           string `json:"rule_id"`
		CorrelationID    string `json:"correlation_id"`
		CorrelationTitle string `json:"correlation_title"`
		Generate         bool   `json:"generate"`
		Silenced         bool   `json:"silenced"`
	} `json:"feeds"`
	Documents []struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		Kind     string `json:"kind"`
		Level    string `json:"level"`
		Alerting bool   `json:"alerting"`
	} `json:"documents"`
}

// TestRuleByDocumentID: GET /api/v1/rules/{id} with the id (or Sigma
// name) of a correlation that is not its file's first document finds the
// file's rule and says which document was asked for; an alert's
// rule_document_id leads there. An unknown id is still a 404.
func TestRuleByDocumentID(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": ruleDocsCorr}), http.StatusCreated)

	for _, id := range []string{"5a0b6c1d-0000-4000-8000-0000000000d2", "h2_flood"} {
		r := f.get(t, "/api/v1/rules/"+id, admin)
		wantStatus(t, r, http.StatusOK)
		v := decode[ruleDocsJSON](t, r)
		if v.ID != "5a0b6c1d-0000-4000-8000-0000000000d1" || v.Document != "5a0b6c1d-0000-4000-8000-0000000000d2" || len(v.Documents) != 2 ||
			v.Documents[1].Title != "A flood of failed logons on h2" || v.Documents[1].Level != "critical" || !v.Documents[1].Alerting {
			t.Fatalf("GET by %s: %s", id, r)
		}
	}
	v := decode[ruleDocsJSON](t, f.get(t, "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000d1", admin))
	if v.Document != "" || len(v.Documents) != 2 {
		t.Fatalf("GET by the rule's id: %+v", v)
	}
	wantError(t, f.get(t, "/api/v1/rules/no-such-document", admin), http.StatusNotFound, "not_found", "")

	// An alert of the second correlation names it.
	a := f.newAlert(t, f.org.ID)
	a.RuleID, a.RuleTitle, a.RuleDocumentID, a.RuleName = "5a0b6c1d-0000-4000-8000-0000000000d1", "Repeated failed logons on h2",
		"5a0b6c1d-0000-4000-8000-0000000000d2", "A flood of failed logons on h2"
	a.ID, a.DedupKey = "doc-alert", "doc-alert-key"
	if err := f.st.Alerts().Create(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	got := decode[struct {
		RuleDocumentID string `json:"rule_document_id"`
		RuleName       string `json:"rule_name"`
	}](t, f.get(t, "/api/v1/alerts/doc-alert", admin))
	if got.RuleDocumentID != a.RuleDocumentID || got.RuleName != a.RuleName {
		t.Fatalf("alert: %+v", got)
	}
	list := decode[struct {
		Alerts []map[string]any `json:"alerts"`
	}](t, f.get(t, "/api/v1/alerts?limit=10", admin))
	for _, x := range list.Alerts {
		if x["id"] == "doc-alert" && x["rule_name"] != a.RuleName {
			t.Fatalf("listed alert: %v", x)
		}
		if x["id"] != "doc-alert" && x["rule_document_id"] != "" {
			t.Fatalf("an alert without a document: %v", x)
		}
	}
}

// TestRuleSilencedByAnotherFile: a rule counted by another file's
// correlations without generate: true raises no alert of its own; its
// page, the rules list and the editor's lint say so, and stop saying it
// once a correlation sets generate: true.
func TestRuleSilencedByAnotherFile(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	const base = "5a0b6c1d-0000-4000-8000-0000000000a1"
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": ruleDocsCorr}), http.StatusCreated)

	v := decode[ruleDocsJSON](t, f.get(t, "/api/v1/rules/"+base, admin))
	if len(v.Feeds) != 2 || !v.Feeds[0].Silenced || v.Feeds[0].RuleID != "5a0b6c1d-0000-4000-8000-0000000000d1" ||
		v.Feeds[0].Document != base || len(v.Documents) != 1 || v.Documents[0].Alerting {
		t.Fatalf("rule page: %+v", v)
	}
	list := decode[struct{ Rules []ruleDocsJSON }](t, f.get(t, "/api/v1/rules?limit=10", admin))
	for _, r := range list.Rules {
		if want := r.ID == base; (len(r.Feeds) > 0) != want {
			t.Fatalf("list: rule %s feeds %+v", r.ID, r.Feeds)
		}
	}
	type lint struct {
		Warnings []struct {
			Line, Column int
			Message      string
		}
	}
	w := decode[lint](t, f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": rulesBase, "rule_id": base}))
	if len(w.Warnings) != 1 || w.Warnings[0].Line != 2 || !strings.Contains(w.Warnings[0].Message, "generate: true") ||
		!strings.Contains(w.Warnings[0].Message, "A flood of failed logons on h2") {
		t.Fatalf("lint: %+v", w)
	}

	// generate: true on one correlation: the base rule alerts again.
	gen := strings.Replace(ruleDocsCorr, "level: critical\n", "level: critical\ngenerate: true\n", 1)
	wantStatus(t, f.send(t, "PUT", "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000d1", admin, map[string]any{"source": gen}), http.StatusOK)
	v = decode[ruleDocsJSON](t, f.get(t, "/api/v1/rules/"+base, admin))
	if len(v.Feeds) != 2 || v.Feeds[0].Silenced || !v.Documents[0].Alerting {
		t.Fatalf("rule page with generate: %+v", v)
	}
	if w := decode[lint](t, f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": rulesBase, "rule_id": base})); len(w.Warnings) != 0 {
		t.Fatalf("lint with generate: %+v", w)
	}
	// Disabled, the correlations silence nothing.
	wantStatus(t, f.send(t, "PATCH", "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000d1", admin, map[string]any{"enabled": false}), http.StatusOK)
	if v = decode[ruleDocsJSON](t, f.get(t, "/api/v1/rules/"+base, admin)); len(v.Feeds) != 0 || !v.Documents[0].Alerting {
		t.Fatalf("rule page, correlations disabled: %+v", v)
	}
}
