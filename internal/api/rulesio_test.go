package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// unzip reads an export's entries by name.
func unzip(t *testing.T, r response) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatalf("not a ZIP (%v): %s", err, r)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// importZip sends an archive to POST /api/v1/rules/import as the UI does.
func (f *fixture) importZip(t *testing.T, token string, data []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "export.zip")
	fw.Write(data)
	mw.Close()
	return f.do(t, request{Method: "POST", Path: "/api/v1/rules/import", Token: token, Body: body.Bytes(), CT: mw.FormDataContentType()})
}

// exportedRule is what the round trip compares of a rule.
type exportedRule struct {
	ID                 string   `json:"id"`
	Title              string   `json:"title"`
	Pack               string   `json:"pack"`
	Format             string   `json:"format"`
	Source             string   `json:"source"`
	Enabled            bool     `json:"enabled"`
	SeverityOverride   string   `json:"severity_override"`
	AlertGroupBy       []string `json:"alert_group_by"`
	AlertWindowMinutes int      `json:"alert_window_minutes"`
}

func (f *fixture) ruleStates(t *testing.T, token string) map[string]exportedRule {
	t.Helper()
	l := decode[struct{ Rules []struct{ ID string } }](t, f.get(t, "/api/v1/rules?limit=500", token))
	out := map[string]exportedRule{}
	for _, r := range l.Rules {
		out[r.ID] = decode[exportedRule](t, f.get(t, "/api/v1/rules/"+r.ID, token))
	}
	return out
}

const packRule = `title: Pack rule N
id: 7c1e0f00-0000-4000-8000-00000000000N
status: STATUS
logsource: {product: linux, service: auth}
detection:
  sel:
    user.name: pack-N
  condition: sel
level: low
`

func packRuleN(n, status string) string {
	return strings.NewReplacer("N", n, "STATUS", status).Replace(packRule)
}

// TestRulesExportRoundTrip: GET /api/v1/rules/export is a ZIP of the
// rules' sources by pack with a manifest of their state; importing it
// into the same org changes nothing, and into a fresh server restores the
// same rules, sources and state.
func TestRulesExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rulesBase}), http.StatusCreated)
	// Two rules with one title: their file names are told apart by id.
	for _, id := range []string{"d1", "d2"} {
		src := strings.NewReplacer("0000000000a1", "0000000000"+id, "name: failed_logon_h2\n", "", "Failed logon on h2", `"Same: title?"`).Replace(rulesBase)
		wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": src}), http.StatusCreated)
	}
	jsonRule := `{"id":"json-brute","name":"Brute force","level":"high","conditions":[{"field":"eventType","operator":"equals","value":"LOGIN_FAILURE"}]}`
	wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules", Token: admin, Body: map[string]any{"format": "json", "source": jsonRule}}), http.StatusCreated)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for n, status := range map[string]string{"1": "experimental", "2": "stable"} {
		w, _ := zw.Create("rules/r" + n + ".yml")
		io.WriteString(w, packRuleN(n, status))
	}
	zw.Close()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "sigmahq.zip")
	fw.Write(zb.Bytes())
	mw.WriteField("pack", "sigmahq")
	mw.Close()
	wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/rules/import", Token: admin, Body: body.Bytes(), CT: mw.FormDataContentType()}), http.StatusOK)
	// State that is not in a source: the manifest carries it.
	wantStatus(t, f.send(t, "PATCH", "/api/v1/rules/7c1e0f00-0000-4000-8000-000000000001", admin,
		map[string]any{"enabled": false, "severity_override": "critical", "alert_group_by": []string{"user.name"}, "alert_window_minutes": 90}), http.StatusOK)

	r := f.get(t, "/api/v1/rules/export", admin)
	wantStatus(t, r, http.StatusOK)
	if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/zip" ||
		!strings.HasPrefix(cd, `attachment; filename="eventsec-rules-`) || !strings.HasSuffix(cd, `.zip"`) {
		t.Fatalf("headers: %q %q", ct, cd)
	}
	files := unzip(t, r)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"custom/brute_force.json", "custom/failed_logon_on_h2.yml",
		"custom/same_title_5a0b6c1d-0000-4000-8000-0000000000d1.yml", "custom/same_title_5a0b6c1d-0000-4000-8000-0000000000d2.yml",
		"manifest.json", "sigmahq/pack_rule_1.yml", "sigmahq/pack_rule_2.yml"}
	if !slices.Equal(names, want) {
		t.Fatalf("entries:\n got %q\nwant %q", names, want)
	}
	if files["custom/failed_logon_on_h2.yml"] != rulesBase || files["custom/brute_force.json"] != jsonRule || files["sigmahq/pack_rule_1.yml"] != packRuleN("1", "experimental") {
		t.Errorf("the files are not the sources as stored: %q", files)
	}
	var m struct {
		Version int
		Rules   []map[string]any
	}
	if err := json.Unmarshal([]byte(files["manifest.json"]), &m); err != nil || m.Version != 2 || len(m.Rules) != 6 {
		t.Fatalf("manifest (%v): %s", err, files["manifest.json"])
	}
	for _, e := range m.Rules {
		if e["id"] == "7c1e0f00-0000-4000-8000-000000000001" && (e["enabled"] != false || e["severity_override"] != "critical" ||
			e["alert_window_minutes"] != float64(90) || e["pack"] != "sigmahq" || e["file"] != "sigmahq/pack_rule_1.yml") {
			t.Errorf("manifest entry: %v", e)
		}
	}

	// The list's filters select what is exported; bad ones name the parameter.
	sub := unzip(t, f.get(t, "/api/v1/rules/export?pack=sigmahq&status=experimental", admin))
	if len(sub) != 2 || sub["sigmahq/pack_rule_1.yml"] == "" {
		t.Errorf("filtered export: %v", sub)
	}
	for _, c := range []struct{ query, field string }{
		{"level=hgh", "level"}, {"pack=mine", "pack"}, {"enabled=yes", "enabled"}, {"technique=1059", "technique"}, {"runnable=maybe", "runnable"},
	} {
		wantError(t, f.get(t, "/api/v1/rules/export?"+c.query, admin), http.StatusBadRequest, "validation_failed", c.field)
	}
	// Whoever reads rules exports them.
	f.newUser(t, "vi@a.test", auth.RoleViewer)
	wantStatus(t, f.get(t, "/api/v1/rules/export", f.login(t, "vi@a.test", userPass).AccessToken), http.StatusOK)

	// Back into the same org: nothing changes.
	before := f.ruleStates(t, admin)
	r = f.importZip(t, admin, r.Body)
	wantStatus(t, r, http.StatusOK)
	type report struct {
		Loaded, Updated, Unchanged int
		Failed                     []any
		Skipped                    []any
	}
	if rep := decode[report](t, r); rep.Loaded != 0 || rep.Updated != 0 || rep.Unchanged != 6 || len(rep.Failed) != 0 || len(rep.Skipped) != 0 {
		t.Fatalf("re-import into the same org: %s", r)
	}

	// Into a fresh server: the same rules, sources and state.
	export := f.get(t, "/api/v1/rules/export", admin).Body
	g := newFixture(t)
	gAdmin := g.login(t, adminEmail, adminPass).AccessToken
	r = g.importZip(t, gAdmin, export)
	wantStatus(t, r, http.StatusOK)
	if rep := decode[report](t, r); rep.Loaded != 6 || len(rep.Failed) != 0 {
		t.Fatalf("import into a fresh server: %s", r)
	}
	after := g.ruleStates(t, gAdmin)
	if len(after) != len(before) {
		t.Fatalf("%d rules restored, want %d", len(after), len(before))
	}
	for id, b := range before {
		if a := after[id]; a.Source != b.Source || a.Pack != b.Pack || a.Enabled != b.Enabled || a.SeverityOverride != b.SeverityOverride ||
			!slices.Equal(a.AlertGroupBy, b.AlertGroupBy) || a.AlertWindowMinutes != b.AlertWindowMinutes || a.Format != b.Format {
			t.Errorf("rule %s:\n got %+v\nwant %+v", id, a, b)
		}
	}
	// And that server's export is the same archive but for its time.
	again := unzip(t, g.get(t, "/api/v1/rules/export", gAdmin))
	for name, src := range files {
		if name != "manifest.json" && again[name] != src {
			t.Errorf("%s differs after the round trip", name)
		}
	}

	// A manifest that is not one is refused, naming the file.
	var bad bytes.Buffer
	bw := zip.NewWriter(&bad)
	w, _ := bw.Create("manifest.json")
	io.WriteString(w, `{"version":1,"rules":[{"id":"x","file":"custom/x.yml","pack":"mine"}]}`)
	bw.Close()
	wantError(t, f.importZip(t, admin, bad.Bytes()), http.StatusBadRequest, "bad_pack", "file")
}

// TestRulesBulkAPI: POST /api/v1/rules/bulk enables, disables and deletes
// by ids or filter, audited once; every bad input is a 400 naming the
// field, and deleting by filter needs the matched count.
func TestRulesBulkAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	for n, status := range map[string]string{"1": "experimental", "2": "experimental", "3": "stable"} {
		wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": packRuleN(n, status)}), http.StatusCreated)
	}
	id := func(n string) string { return "7c1e0f00-0000-4000-8000-00000000000" + n }
	type result struct{ Matched, Changed int }
	bulk := func(body any) response { return f.send(t, "POST", "/api/v1/rules/bulk", admin, body) }

	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"unknown action", map[string]any{"action": "pause", "ids": []string{id("1")}}, "action"},
		{"no selection", map[string]any{"action": "disable"}, "ids"},
		{"both", map[string]any{"action": "disable", "ids": []string{id("1")}, "filter": map[string]any{}}, "filter"},
		{"empty ids", map[string]any{"action": "disable", "ids": []string{}}, "ids"},
		{"blank id", map[string]any{"action": "disable", "ids": []string{id("1"), " "}}, "ids[1]"},
		{"unknown id", map[string]any{"action": "disable", "ids": []string{"nope"}}, "ids[0]"},
		{"bad level", map[string]any{"action": "disable", "filter": map[string]any{"level": "hgh"}}, "filter.level"},
		{"bad tactic", map[string]any{"action": "enable", "filter": map[string]any{"tactic": "exection"}}, "filter.tactic"},
		{"delete by filter without confirm", map[string]any{"action": "delete", "filter": map[string]any{"status": "experimental"}}, "confirm"},
		{"wrong confirm", map[string]any{"action": "delete", "filter": map[string]any{"status": "experimental"}, "confirm": 3}, "confirm"},
	} {
		t.Run(c.name, func(t *testing.T) { wantError(t, bulk(c.body), http.StatusBadRequest, "validation_failed", c.field) })
	}
	wantError(t, bulk(map[string]any{"action": "disable", "filter": map[string]any{"colour": "red"}}), http.StatusBadRequest, "unknown_field", "colour")
	if l := decode[ruleListJSON](t, f.get(t, "/api/v1/rules?enabled=false", admin)); l.Total != 0 {
		t.Fatalf("a refused request changed rules: %+v", l)
	}

	head := f.auditHead(t, f.org.ID)
	r := bulk(map[string]any{"action": "disable", "filter": map[string]any{"status": "experimental"}})
	wantStatus(t, r, http.StatusOK)
	if res := decode[result](t, r); res != (result{2, 2}) {
		t.Fatalf("disable by filter: %s", r)
	}
	entries := f.auditEntries(t, f.org.ID, store.AuditFilter{Action: "rule.bulk.disable"})
	if len(entries) != 1 || entries[0].Seq <= head || !strings.Contains(entries[0].Summary, `disabled 2 of 2 rules matching status="experimental"`) {
		t.Fatalf("audit: %+v", entries)
	}
	if l := decode[ruleListJSON](t, f.get(t, "/api/v1/rules?enabled=false", admin)); l.Total != 2 {
		t.Fatalf("disabled: %+v", l)
	}
	// Again: matched, nothing left to change, nothing audited.
	if res := decode[result](t, bulk(map[string]any{"action": "disable", "filter": map[string]any{"status": "experimental"}})); res != (result{2, 0}) {
		t.Fatalf("second disable: %+v", res)
	}
	if n := len(f.auditEntries(t, f.org.ID, store.AuditFilter{Action: "rule.bulk.disable"})); n != 1 {
		t.Fatalf("%d audit entries for a change that changed nothing", n)
	}
	if res := decode[result](t, bulk(map[string]any{"action": "enable", "ids": []string{id("1"), id("3"), id("1")}})); res != (result{2, 1}) {
		t.Fatalf("enable by ids: %+v", res)
	}
	// An analyst may change rules; a viewer may not.
	f.newUser(t, "vi@a.test", auth.RoleViewer)
	wantStatus(t, f.send(t, "POST", "/api/v1/rules/bulk", f.login(t, "vi@a.test", userPass).AccessToken,
		map[string]any{"action": "disable", "ids": []string{id("1")}}), http.StatusForbidden)

	r = bulk(map[string]any{"action": "delete", "filter": map[string]any{"status": "experimental"}, "confirm": 2})
	wantStatus(t, r, http.StatusOK)
	if res := decode[result](t, r); res != (result{2, 2}) {
		t.Fatalf("delete by filter: %s", r)
	}
	if l := decode[ruleListJSON](t, f.get(t, "/api/v1/rules", admin)); l.Total != 1 || l.Rules[0].ID != id("3") {
		t.Fatalf("after delete: %+v", l)
	}
	wantStatus(t, f.get(t, "/api/v1/rules/"+id("1"), admin), http.StatusNotFound)
	if res := decode[result](t, bulk(map[string]any{"action": "delete", "ids": []string{id("3")}})); res != (result{1, 1}) {
		t.Fatalf("delete by ids: %+v", res)
	}
}

// TestJSONRuleObjectAsSent: a JSON rule object sent as the body (the
// seed's POST /api/alerts/rules) is stored byte for byte, its errors are
// at their places in what was sent, a misspelt field is a warning with
// a suggestion, and its export and re-import give the same bytes.
func TestJSONRuleObjectAsSent(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken

	bad := `{"name":"Bad JSON rule","severity":"hgh","conditions":[{"field":"eventType","operator":"equalz","value":"x",` +
		`"aggregation":{"window":5,"threshold":2,"group_by":[7]}}]}`
	r := f.do(t, request{Method: "POST", Path: "/api/alerts/rules", Token: admin, Body: bad})
	wantError(t, r, http.StatusBadRequest, "invalid_rule", "conditions[0].aggregation.group_by[0]")
	type located struct {
		Line, Column int
		Path         string
		Message      string
	}
	e := decode[struct {
		Error  located
		Errors []located
	}](t, r)
	if e.Error.Line != 1 || e.Error.Column != strings.Index(bad, "[7]")+2 || len(e.Errors) != 1 {
		t.Fatalf("error: %s", r)
	}
	bad = strings.Replace(bad, "[7]", `["source_ip"]`, 1)
	r = f.do(t, request{Method: "POST", Path: "/api/alerts/rules", Token: admin, Body: bad})
	wantError(t, r, http.StatusBadRequest, "invalid_rule", "severity")
	e = decode[struct {
		Error  located
		Errors []located
	}](t, r)
	if len(e.Errors) != 2 || e.Errors[0].Line != 1 || e.Errors[0].Column != strings.Index(bad, `"hgh"`)+1 ||
		e.Errors[1].Path != "conditions[0].operator" || e.Errors[1].Line != 1 || e.Errors[1].Column != strings.Index(bad, `"equalz"`)+1 {
		t.Fatalf("errors: %s", r)
	}

	body := `{"name":"Walk Billing Export", "severity":"high", "enabled":false,
  "conditions":[{"field":"eventType","operator":"equals","value":"DATA_EXPORT"},
    {"field":"servce","operator":"equals","value":"billing"}]}` + "\n"
	r = f.do(t, request{Method: "POST", Path: "/api/alerts/rules", Token: admin, Body: body})
	wantStatus(t, r, http.StatusCreated)
	saved := decode[struct {
		ID       string
		Source   string
		Enabled  bool
		Warnings []located
	}](t, r)
	if saved.Source != body || saved.Enabled {
		t.Fatalf("stored %q (enabled %v), sent %q", saved.Source, saved.Enabled, body)
	}
	if len(saved.Warnings) != 1 || saved.Warnings[0].Path != "conditions[1].field" || saved.Warnings[0].Line != 3 ||
		saved.Warnings[0].Column != 14 || !strings.Contains(saved.Warnings[0].Message, `did you mean "service"?`) {
		t.Fatalf("warnings: %s", r)
	}
	// The editor's check of the saved rule says the same of the text.
	v := decode[struct {
		Valid    bool
		Warnings []located
	}](t, f.send(t, "POST", "/api/v1/rules/validate", admin, map[string]any{"format": "json", "source": body, "rule_id": saved.ID}))
	if !v.Valid || len(v.Warnings) != 1 || v.Warnings[0].Line != 3 || v.Warnings[0].Column != 14 {
		t.Fatalf("validate: %+v", v)
	}

	export := f.get(t, "/api/v1/rules/export", admin)
	wantStatus(t, export, http.StatusOK)
	if got := unzip(t, export)["custom/walk_billing_export.json"]; got != body {
		t.Fatalf("exported %q, stored %q", got, body)
	}
	r = f.importZip(t, admin, export.Body)
	if rep := decode[struct{ Unchanged int }](t, r); rep.Unchanged != 1 {
		t.Fatalf("re-import: %s", r)
	}
	g := newFixture(t)
	gAdmin := g.login(t, adminEmail, adminPass).AccessToken
	wantStatus(t, g.importZip(t, gAdmin, export.Body), http.StatusOK)
	if got := decode[struct{ Source string }](t, g.get(t, "/api/v1/rules/"+saved.ID, gAdmin)); got.Source != body {
		t.Fatalf("imported %q, exported %q", got.Source, body)
	}
}
