package api_test

import (
	"archive/zip"
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

const rulesBase = `title: Failed logon on h2
id: 5a0b6c1d-0000-4000-8000-0000000000a1
name: failed_logon_h2
status: test
logsource: {definition: any event}
detection:
  sel:
    message|contains: h2-failed-logon
  condition: sel
`

// TestRulesAPIValidation: bad input to the rules API is a 400 (or a 409
// for a taken id or name) that names the field.
func TestRulesAPIValidation(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)

	// List filters.
	for _, c := range []struct{ query, field string }{
		{"level=hgh", "level"}, {"status=bogus", "status"}, {"kind=rule", "kind"}, {"pack=mine", "pack"},
		{"tactic=exection", "tactic"}, {"technique=1059", "technique"}, {"enabled=yes", "enabled"},
	} {
		wantError(t, f.get(t, "/api/v1/rules?"+c.query, admin), http.StatusBadRequest, "validation_failed", c.field)
	}
	for _, q := range []string{"level=HIGH", "status=test", "kind=detection", "pack=custom", "tactic=execution", "tactic=TA0002", "technique=t1059.001"} {
		wantStatus(t, f.get(t, "/api/v1/rules?"+q, admin), http.StatusOK)
	}

	// A second rule with the same Sigma name.
	other := strings.NewReplacer("0000000000a1", "0000000000b1", "h2-failed-logon", "h2-event-9999").Replace(rulesBase)
	r := f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": other})
	wantError(t, r, http.StatusConflict, "duplicate_rule", "name")
	if !strings.Contains(string(r.Body), "failed_logon_h2") || !strings.Contains(string(r.Body), "Failed logon on h2") {
		t.Errorf("the conflict does not name the name and the other rule: %s", r)
	}

	// JSON rules: actions are checked, errors name the JSON path.
	jsonRule := func(extra string) string {
		return `{"name":"Brute force","conditions":[{"field":"eventType","operator":"equals","value":"LOGIN_FAILURE"}]` + extra + `}`
	}
	for _, c := range []struct{ body, field string }{
		{jsonRule(`,"actions":[{"type":"carrier_pigeon"}]`), "actions[0].type"},
		{jsonRule(`,"actions":[{"type":"email","config":{"recipients":["not-an-email"]}}]`), "actions[0].config.recipients[0]"},
		{`{"name":"x","conditions":[{"field":"a","operator":"equal","value":"1"}]}`, "conditions[0].operator"},
	} {
		wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: c.body}), http.StatusBadRequest, "invalid_rule", c.field)
	}
	wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin,
		Body: jsonRule(`,"actions":[{"type":"email","config":{"recipients":["soc@example.com"]}}]`)}), http.StatusCreated)

	// Exceptions: a bad expiry names the field and shows the format.
	r = f.send(t, "POST", "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000a1/exceptions", admin,
		map[string]any{"field": "host.name", "value": "h3", "reason": "lab", "expires_at": "tomorrow"})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "expires_at")
	if !strings.Contains(string(r.Body), "RFC 3339") {
		t.Errorf("no example of the format: %s", r)
	}
	wantStatus(t, f.send(t, "POST", "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000a1/exceptions", admin,
		map[string]any{"field": "host.name", "value": "h3", "reason": "lab", "expires_at": "now+7d"}), http.StatusCreated)
}

// TestRulesAPIWarnings: validate and create report what does not stop a
// rule from being saved, at its line and column; a correlation of a
// missing rule is listed as not runnable.
func TestRulesAPIWarnings(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	src := `title: Metadata and a missing rule
id: 5a0b6c1d-0000-4000-8000-0000000000c1
status: bogus
date: 2024-13-45
tags: [attack.t9999, attack.exection]
correlation:
  type: event_count
  rules: [no_such_rule]
  timespan: 5m
  condition: {gte: 3}
`
	type warned struct {
		Valid    bool
		Runnable bool
		Problem  string
		Warnings []struct {
			Line, Column int
			Message      string
		}
	}
	r := f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": src})
	wantStatus(t, r, http.StatusOK)
	v := decode[warned](t, r)
	if !v.Valid || len(v.Warnings) != 5 {
		t.Fatalf("validate: %s", r)
	}
	for _, w := range v.Warnings {
		if w.Line == 0 || w.Column == 0 {
			t.Errorf("warning without a position: %+v", w)
		}
	}
	r = f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": src})
	wantStatus(t, r, http.StatusCreated)
	if v := decode[warned](t, r); len(v.Warnings) != 5 || v.Runnable || !strings.Contains(v.Problem, "no_such_rule") {
		t.Fatalf("create: %s", r)
	}
	l := decode[ruleListJSON](t, f.get(t, "/api/v1/rules?runnable=false", admin))
	if l.Total != 1 || !strings.HasPrefix(l.Rules[0].Problem, "not runnable: ") {
		t.Fatalf("list: %+v", l)
	}
}

// TestRulesImportAPI: a ZIP's rule whose id is another pack's fails for
// that file; disabled=true imports new rules disabled.
func TestRulesImportAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	upload := func(files map[string]string, fields map[string]string) response {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		for name, src := range files {
			w, _ := zw.Create(name)
			w.Write([]byte(src))
		}
		zw.Close()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "test.zip")
		fw.Write(zb.Bytes())
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		mw.Close()
		return f.do(t, request{Method: "POST", Path: "/api/v1/rules/import", Token: admin, Body: body.Bytes(), CT: mw.FormDataContentType()})
	}
	type report struct {
		Loaded, Updated int
		Failed          []struct{ File, Message string }
	}
	r := upload(map[string]string{"pack/base.yml": rulesBase}, map[string]string{"pack": "sigmahq", "disabled": "true"})
	wantStatus(t, r, http.StatusOK)
	if rep := decode[report](t, r); rep.Loaded != 1 {
		t.Fatalf("import: %s", r)
	}
	l := decode[struct {
		Rules []struct {
			Enabled bool
			Pack    string
		}
	}](t, f.get(t, "/api/v1/rules", admin))
	if len(l.Rules) != 1 || l.Rules[0].Enabled || l.Rules[0].Pack != "sigmahq" {
		t.Fatalf("imported rule: %+v", l)
	}
	changed := strings.Replace(rulesBase, "h2-failed-logon", "h2-changed", 1)
	r = upload(map[string]string{"pack/dup.yml": changed}, map[string]string{"pack": "custom"})
	wantStatus(t, r, http.StatusOK)
	if rep := decode[report](t, r); rep.Updated != 0 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Message, "pack sigmahq") {
		t.Fatalf("cross-pack import: %s", r)
	}
	wantError(t, upload(map[string]string{"a.yml": rulesBase}, map[string]string{"disabled": "maybe"}), http.StatusBadRequest, "validation_failed", "disabled")
}
