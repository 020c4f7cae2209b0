package api_test

import (
	"archive/zip"
	"bytes"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
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
	wantError(t, upload(map[string]string{"a.yml": rulesBase}, map[string]string{"overwrite": "maybe"}), http.StatusBadRequest, "validation_failed", "overwrite")

	// A rule of the org's own whose source differs is a conflict unless
	// overwrite=true; then it is listed as updated, with where it came from.
	own := strings.NewReplacer("0000000000a1", "0000000000f1", "failed_logon_h2", "own_rule", "Failed logon on h2", "Own rule").Replace(rulesBase)
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": own}), http.StatusCreated)
	ownChanged := strings.Replace(own, "h2-failed-logon", "h2-other", 1)
	type conflicted struct {
		Updated      int
		UpdatedRules []struct{ ID, Title, File string } `json:"updated_rules"`
		Conflicts    []struct{ ID, Title, File, Pack, Message string }
	}
	r = upload(map[string]string{"own.yml": ownChanged}, nil)
	wantStatus(t, r, http.StatusOK)
	if rep := decode[conflicted](t, r); rep.Updated != 0 || len(rep.Conflicts) != 1 || rep.Conflicts[0].ID != "5a0b6c1d-0000-4000-8000-0000000000f1" ||
		rep.Conflicts[0].File != "own.yml" || rep.Conflicts[0].Title != "Own rule" || len(rep.UpdatedRules) != 0 {
		t.Fatalf("conflict: %s", r)
	}
	r = upload(map[string]string{"own.yml": ownChanged}, map[string]string{"overwrite": "true"})
	wantStatus(t, r, http.StatusOK)
	if rep := decode[conflicted](t, r); rep.Updated != 1 || len(rep.Conflicts) != 0 || len(rep.UpdatedRules) != 1 || rep.UpdatedRules[0].File != "own.yml" {
		t.Fatalf("overwrite: %s", r)
	}
	got := decode[struct {
		Source       string
		ImportedFrom string `json:"imported_from"`
	}](t, f.get(t, "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000f1", admin))
	if got.Source != ownChanged || got.ImportedFrom != "test.zip:own.yml" {
		t.Fatalf("overwritten rule: %+v", got)
	}
}

// TestRulesValidateDuplicates: validation reports what saving would
// refuse with 409, an id or Sigma name another rule has, at its line;
// the rule being edited (rule_id) is no duplicate of itself.
func TestRulesValidateDuplicates(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	type validation struct {
		Valid  bool
		Errors []struct {
			Line, Column int
			Message      string
		}
	}
	// Editing the rule itself: valid.
	r := f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": rulesBase, "rule_id": "5a0b6c1d-0000-4000-8000-0000000000a1"})
	if v := decode[validation](t, r); !v.Valid {
		t.Fatalf("the rule itself: %s", r)
	}
	// The same text as a new rule: its id (line 2) and name (line 3) are taken.
	r = f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": rulesBase})
	v := decode[validation](t, r)
	if v.Valid || len(v.Errors) != 2 || v.Errors[0].Line != 2 || v.Errors[0].Column != 1 || !strings.Contains(v.Errors[0].Message, "duplicate rule id") ||
		v.Errors[1].Line != 3 || !strings.Contains(v.Errors[1].Message, `name "failed_logon_h2" is already used by rule "Failed logon on h2"`) {
		t.Fatalf("a new rule with a taken id and name: %s", r)
	}
	// Another rule edited to take the name.
	other := strings.NewReplacer("0000000000a1", "0000000000b1", "failed_logon_h2", "other_name").Replace(rulesBase)
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": other}), http.StatusCreated)
	taken := strings.Replace(other, "other_name", "failed_logon_h2", 1)
	r = f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": taken, "rule_id": "5a0b6c1d-0000-4000-8000-0000000000b1"})
	if v := decode[validation](t, r); v.Valid || len(v.Errors) != 1 || v.Errors[0].Line != 3 {
		t.Fatalf("an edit taking another rule's name: %s", r)
	}
	save := f.send(t, "PUT", "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000b1", admin, map[string]any{"source": taken})
	wantError(t, save, http.StatusConflict, "duplicate_rule", "name")
	wantError(t, f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"source": taken, "rule_id": "nope"}), http.StatusBadRequest, "validation_failed", "rule_id")
}

// TestRulesAPIProblems: every problem of a JSON rule is listed with its
// path; a duplicate name inside one Sigma file is refused at its line; a
// JSON rule's action must name a channel the organisation has; filter and
// tuning values say what they must be.
func TestRulesAPIProblems(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	type problems struct {
		Error struct {
			Field        string
			Line, Column int
		}
		Errors []struct {
			Path         string
			Line, Column int
			Message      string
		}
	}
	paths := func(r response) []string {
		var out []string
		for _, e := range decode[problems](t, r).Errors {
			out = append(out, e.Path)
		}
		return out
	}

	// Every problem of a JSON rule, as the rule object and as source.
	bad := `{"name":"x","severity":"hgh","conditions":[{"field":"eventType","operator":"equalz","value":"x"},{"field":"","value":"1"},{"field":"m","operator":"regex","value":"("}],"actions":[{"type":"emial"}]}`
	want := "severity conditions[0].operator conditions[1].field conditions[2].value actions[0].type"
	r := f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: bad})
	wantError(t, r, http.StatusBadRequest, "invalid_rule", "severity")
	if got := strings.Join(paths(r), " "); got != want {
		t.Errorf("create: paths %q, want %q", got, want)
	}
	r = f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"format": "json", "source": bad})
	if got := strings.Join(paths(r), " "); got != want {
		t.Errorf("validate: paths %q, want %q (%s)", got, want, r)
	}

	// A duplicate name inside one file: at the second name: key.
	doc := func(id, msg string) string {
		return "title: " + msg + "\nid: 5a0b6c1d-0000-4000-8000-0000000000" + id + "\nname: same_n\nlogsource: {definition: any}\ndetection:\n  sel: {message: " + msg + "}\n  condition: sel\n"
	}
	r = f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": doc("d1", "a") + "---\n" + doc("d2", "b")})
	wantError(t, r, http.StatusBadRequest, "invalid_rule", "source")
	if p := decode[problems](t, r); p.Error.Line != 11 || p.Error.Column != 1 || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, `duplicate name "same_n" (first at line 3)`) {
		t.Errorf("duplicate name in one file: %s", r)
	}
	// A name another rule has: the 409 points at this rule's name: line.
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": doc("d1", "a")}), http.StatusCreated)
	r = f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": doc("d3", "c")})
	wantError(t, r, http.StatusConflict, "duplicate_rule", "name")
	if p := decode[problems](t, r); p.Error.Line != 3 || p.Error.Column != 1 {
		t.Errorf("duplicate name: %s", r)
	}

	// Channels: a named one must exist and be of the action's type.
	now := f.clock.Now()
	if err := f.st.Notify().Create(f.ctx, store.NotifyChannel{ID: "ch-soc", OrgID: f.org.ID, Name: "SOC", Kind: "slack", Enabled: true,
		Config: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	n := 0
	withAction := func(a string) string {
		n++
		return `{"name":"Brute ` + strconv.Itoa(n) + `","conditions":[{"field":"eventType","value":"LOGIN_FAILURE"}],"actions":[` + a + `]}`
	}
	for _, a := range []string{`{"type":"slack","config":{"channel":"nonexistent-chan"}}`, `{"type":"teams","config":{"channel":"soc"}}`} {
		wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: withAction(a)}), http.StatusBadRequest, "invalid_rule", "actions[0].config.channel")
		r = f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"format": "json", "source": withAction(a)})
		if got := paths(r); len(got) != 1 || got[0] != "actions[0].config.channel" {
			t.Errorf("validate %s: %s", a, r)
		}
	}
	wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: withAction(`{"type":"slack","config":{"channel":"soc"}}`)}), http.StatusCreated)
	r = f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: withAction(`{"type":"pagerduty"}`)})
	wantStatus(t, r, http.StatusCreated)
	if w := decode[struct {
		Warnings []struct{ Path, Message string }
	}](t, r).Warnings; len(w) != 1 || w[0].Path != "actions[0]" || !strings.Contains(w[0].Message, "no enabled pagerduty channel") {
		t.Errorf("no pagerduty channel: %s", r)
	}

	// Filters and tuning.
	wantError(t, f.get(t, "/api/v1/rules?technique=T9999", admin), http.StatusBadRequest, "validation_failed", "technique")
	for _, q := range []string{"technique=T1059.001", "technique=t1086", "tactic=ta0005"} {
		wantStatus(t, f.get(t, "/api/v1/rules?"+q, admin), http.StatusOK)
	}
	id := "5a0b6c1d-0000-4000-8000-0000000000d1"
	r = f.send(t, "PATCH", "/api/v1/rules/"+id, admin, map[string]any{"alert_window_minutes": 1.5})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "alert_window_minutes")
	if !strings.Contains(string(r.Body), "whole number of minutes") {
		t.Errorf("alert window 1.5: %s", r)
	}
	wantStatus(t, f.send(t, "PATCH", "/api/v1/rules/"+id, admin, map[string]any{"alert_window_minutes": 90}), http.StatusOK)

	// Exception expiries: a date lasts to the end of its day (UTC); a past
	// time says it must be in the future.
	exc := func(exp string) response {
		return f.send(t, "POST", "/api/v1/rules/"+id+"/exceptions", admin, map[string]any{"field": "host.name", "value": "h3", "reason": "lab", "expires_at": exp})
	}
	day := now.AddDate(0, 0, 30).UTC().Format(time.DateOnly)
	r = exc(day)
	wantStatus(t, r, http.StatusCreated)
	end, _ := time.Parse(time.DateOnly, day)
	if x := decode[struct {
		ExpiresAt time.Time `json:"expires_at"`
	}](t, r); !x.ExpiresAt.Equal(end.AddDate(0, 0, 1)) {
		t.Errorf("a date's expiry: %s, want the end of %s", r, day)
	}
	for _, exp := range []string{"now-1d", "2020-01-01"} {
		r = exc(exp)
		wantError(t, r, http.StatusBadRequest, "validation_failed", "expires_at")
		if !strings.Contains(string(r.Body), "must be in the future") {
			t.Errorf("%s: %s", exp, r)
		}
	}
}

// TestRulesImportStatus: the import report tells a file refused (a valid
// rule whose id another pack's rule has) from one that is no valid rule,
// each at its line.
func TestRulesImportStatus(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	r := f.do(t, request{Method: "POST", Path: "/api/v1/rules/import?pack=sigmahq&name=base.yml", Token: admin, Body: rulesBase})
	wantStatus(t, r, http.StatusOK)
	multi := "title: First\nid: 5a0b6c1d-0000-4000-8000-0000000000e1\nlogsource: {definition: any}\ndetection:\n  sel: {message: a}\n  condition: sel\n---\n" + rulesBase
	r = f.do(t, request{Method: "POST", Path: "/api/v1/rules/import?name=multi.yml", Token: admin, Body: multi})
	wantStatus(t, r, http.StatusOK)
	type report struct {
		Failed []struct {
			File, Status, Message string
			Line, Column          int
		}
	}
	if rep := decode[report](t, r); len(rep.Failed) != 1 || rep.Failed[0].Status != "refused" || rep.Failed[0].Line != 9 || rep.Failed[0].Column != 1 {
		t.Errorf("refused: %s", r)
	}
	r = f.do(t, request{Method: "POST", Path: "/api/v1/rules/import?name=bad.yml", Token: admin, Body: "title: bad\nid: 5a0b6c1d-0000-4000-8000-0000000000e2\nlogsource: {definition: any}\ndetection:\n  condition: nothing\n"})
	if rep := decode[report](t, r); len(rep.Failed) != 1 || rep.Failed[0].Status != "unreadable" {
		t.Errorf("unreadable: %s", r)
	}
}

// TestRuleExceptionConditions: an exception of several conditions is
// created and listed with all of them; the single-condition form still
// works; each problem is a 400 naming the exact input field, and a field
// EventSec's events are not known to have is accepted with a warning.
func TestRuleExceptionConditions(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	path := "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000a1/exceptions"
	type view struct {
		Conditions []store.ExceptionCondition `json:"conditions"`
		Field      string                     `json:"field"`
		Operator   string                     `json:"operator"`
		Value      string                     `json:"value"`
		Warnings   []string                   `json:"warnings"`
	}

	for _, c := range []struct {
		body       map[string]any
		field, msg string
	}{
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "user.name", "value": "a"}, {"field": "host.name", "operator": "foo", "value": "x"}}},
			"conditions[1].operator", `conditions[1].operator: "foo" is not one of equals, not_equals, in, not_in, contains, startswith, endswith, wildcard, regex, cidr, exists, not_exists`},
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "host.name", "operator": "in"}}}, "conditions[0].values", "conditions[0].values: required for in"},
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "host.name", "operator": "exists", "value": "x"}}}, "conditions[0].value", "conditions[0].value: exists takes no value"},
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "process.command_line", "operator": "regex", "value": "(a"}}},
			"conditions[0].value", `conditions[0].value: "(a" is not a regular expression (RE2 syntax): missing closing ): ` + "`(a`"},
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "source.ip", "operator": "cidr", "value": "10.0.0.0/33"}}},
			"conditions[0].value", `conditions[0].value: "10.0.0.0/33" is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32`},
		{map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "user name", "value": "x"}}},
			"conditions[0].field", `conditions[0].field: "user name" has ' ', which field names do not have: use letters, digits and _ . @ -`},
		{map[string]any{"reason": "r", "conditions": []map[string]any{}}, "conditions", "conditions: required: at least one condition {field, operator, value}"},
		{map[string]any{"reason": "r", "field": "user.name", "value": "x", "conditions": []map[string]any{{"field": "host.name", "value": "y"}}}, "conditions",
			"conditions: give either conditions or field, operator and value, not both"},
		{map[string]any{"reason": "r", "field": "user.name", "operator": "is", "value": "x"}, "operator", `operator: "is" is not one of equals, not_equals, in, not_in, contains, startswith, endswith, wildcard, regex, cidr, exists, not_exists`},
		{map[string]any{"field": "user.name", "value": "x"}, "reason", "reason: required (say why the matches are benign)"},
	} {
		r := f.send(t, "POST", path, admin, c.body)
		wantError(t, r, http.StatusBadRequest, "validation_failed", c.field)
		if e := decode[apiError](t, r); e.Error.Message != c.msg {
			t.Errorf("message:\n got %s\nwant %s", e.Error.Message, c.msg)
		}
	}
	// An unknown key in a condition is refused as any unknown field is.
	r := f.send(t, "POST", path, admin, map[string]any{"reason": "r", "conditions": []map[string]any{{"field": "user.name", "value": "x", "negate": true}}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("an unknown condition key: %s", r)
	}
	tooMany := make([]map[string]any, 21)
	for i := range tooMany {
		tooMany[i] = map[string]any{"field": "user.name", "value": "x"}
	}
	wantError(t, f.send(t, "POST", path, admin, map[string]any{"reason": "r", "conditions": tooMany}), http.StatusBadRequest, "validation_failed", "conditions")

	// Two conditions, one on a misspelt field: created, with a warning.
	r = f.send(t, "POST", path, admin, map[string]any{"reason": "backup job", "conditions": []map[string]any{
		{"field": "process.executable", "operator": "equals", "value": `C:\Tools\backup.exe`},
		{"field": "usr.name", "operator": "in", "values": []string{"svc_backup", "svc_sync"}},
	}})
	wantStatus(t, r, http.StatusCreated)
	got := decode[view](t, r)
	if len(got.Conditions) != 2 || got.Conditions[1].Operator != "in" || len(got.Conditions[1].Values) != 2 || got.Field != "" {
		t.Errorf("created: %s", r)
	}
	if len(got.Warnings) != 1 || got.Warnings[0] != `conditions[1].field: "usr.name" is not a field EventSec's events have; did you mean user.name?` {
		t.Errorf("warnings: %q", got.Warnings)
	}
	// The single-condition form: one condition, repeated at the top level.
	r = f.send(t, "POST", path, admin, map[string]any{"reason": "lab", "field": "host.name", "value": "lab-1"})
	wantStatus(t, r, http.StatusCreated)
	if got := decode[view](t, r); len(got.Conditions) != 1 || got.Field != "host.name" || got.Operator != "equals" || got.Value != "lab-1" || got.Warnings != nil {
		t.Errorf("single condition: %s", r)
	}
	list := decode[struct {
		Exceptions []view `json:"exceptions"`
	}](t, f.get(t, path, admin))
	if len(list.Exceptions) != 2 || len(list.Exceptions[0].Conditions) != 2 || list.Exceptions[0].Conditions[0].Value != `C:\Tools\backup.exe` || list.Exceptions[1].Field != "host.name" {
		t.Errorf("list: %+v", list)
	}

	// Resolving an alert as a false positive checks the exception first,
	// naming the condition inside create_exception.
	a := f.newAlert(t, f.org.ID)
	r = f.send(t, "PATCH", "/api/v1/alerts/"+a.ID, admin, map[string]any{"status": "resolved", "verdict": "false_positive",
		"create_exception": map[string]any{"reason": "scanner", "conditions": []map[string]any{{"field": "host.name", "operator": "not_in"}}}})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "create_exception.conditions[0].values")
}

// TestExceptionOwnerName: an exception shows who owns it by name: a
// user's display name, an API key's name; never a bare id.
func TestExceptionOwnerName(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	u := f.newUser(t, "tuner@a.test", auth.RoleAnalyst)
	analyst := f.login(t, "tuner@a.test", userPass).AccessToken
	k, secret := f.newKey(t, auth.RoleAnalyst, 30)
	path := "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000a1/exceptions"
	type owned struct {
		Owner      string
		OwnerEmail string `json:"owner_email"`
		OwnerName  string `json:"owner_name"`
	}
	r := f.send(t, "POST", path, analyst, map[string]any{"field": "host.name", "value": "h3", "reason": "lab"})
	wantStatus(t, r, http.StatusCreated)
	if x := decode[owned](t, r); x.Owner != u.ID || x.OwnerName != "User tuner@a.test" || x.OwnerEmail != "tuner@a.test" {
		t.Fatalf("created: %s", r)
	}
	wantStatus(t, f.send(t, "POST", path, secret, map[string]any{"field": "host.name", "value": "h4", "reason": "lab"}), http.StatusCreated)
	l := decode[struct{ Exceptions []owned }](t, f.get(t, path, admin))
	names := []string{}
	for _, x := range l.Exceptions {
		names = append(names, x.OwnerName)
	}
	slices.Sort(names)
	if want := []string{"API key " + k.Name, "User tuner@a.test"}; !slices.Equal(names, want) {
		t.Fatalf("owner names %q, want %q", names, want)
	}
	rule := decode[struct{ Exceptions []owned }](t, f.get(t, "/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000a1", admin))
	if len(rule.Exceptions) != 2 || rule.Exceptions[0].OwnerName == "" || rule.Exceptions[1].OwnerName == "" {
		t.Fatalf("rule view: %+v", rule)
	}
}
