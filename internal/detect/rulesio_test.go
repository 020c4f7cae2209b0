package detect

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func TestExportNames(t *testing.T) {
	r := func(id, pack, title, format string) store.Rule {
		return store.Rule{ID: id, Pack: pack, Title: title, Format: format}
	}
	for _, c := range []struct {
		name  string
		rules []store.Rule
		want  []string
	}{
		{"title as a safe name", []store.Rule{r("a", "sigmahq", "Suspicious PowerShell: -enc (Base64)", FormatSigma)}, []string{"sigmahq/suspicious_powershell_enc_base64.yml"}},
		{"formats", []store.Rule{r("a", "custom", "Brute force", FormatJSON), r("b", "custom", "Failed logons", FormatKQL)},
			[]string{"custom/brute_force.json", "custom/failed_logons.kql.json"}},
		{"no usable title", []store.Rule{r("x", "custom", "Ünïcödé…", FormatSigma)}, []string{"custom/n_c_d.yml"}},
		{"empty title", []store.Rule{r("x", "custom", "  ", FormatSigma)}, []string{"custom/rule.yml"}},
		{"path characters", []store.Rule{r("x", "custom", "../../etc/passwd", FormatSigma)}, []string{"custom/etc_passwd.yml"}},
		{"same title in a pack: every one gets its id", []store.Rule{r("id-1", "custom", "Dup", FormatSigma), r("id/2", "custom", "DUP", FormatSigma)},
			[]string{"custom/dup_id-1.yml", "custom/dup_id_2.yml"}},
		{"same title in two packs", []store.Rule{r("a", "custom", "Dup", FormatSigma), r("b", "sigmahq", "Dup", FormatSigma)},
			[]string{"custom/dup.yml", "sigmahq/dup.yml"}},
		{"ids equal once made safe", []store.Rule{r("a/b", "custom", "T", FormatSigma), r("a:b", "custom", "T", FormatSigma)},
			[]string{"custom/t_a_b.yml", "custom/t_a_b_2.yml"}},
		{"long title", []store.Rule{r("a", "custom", strings.Repeat("word ", 40), FormatSigma)}, []string{"custom/" + strings.TrimSuffix(strings.Repeat("word_", 16), "_") + ".yml"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ExportNames(c.rules); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

const kqlRule = `{"id": "kql-logons", "name": "Many failed logons", "severity": "high",
	"query": "SecurityEvent | where EventID == 4625", "frequency_minutes": 5}`

// export writes the org's rules as the API does and reads the archive
// back as an import does.
func export(t *testing.T, f *fixture) []ImportFile {
	t.Helper()
	rules, err := f.st.Rules().List(f.ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	exc, err := ExportExceptions(f.ctx, f.st, f.org, rules)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteExport(&b, rules, exc, "every rule", time.Now()); err != nil {
		t.Fatal(err)
	}
	files, skipped, err := ReadZip(b.Bytes(), "export.zip")
	if err != nil || len(skipped) != 0 {
		t.Fatalf("read the export: %v %v", err, skipped)
	}
	return files
}

// TestExportImportRoundTrip: an export imported into an empty org gives
// the same rules (every format, every pack) with the same state;
// imported into the org it came from it changes nothing, and it restores
// state changed since.
func TestExportImportRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, in := range []RuleInput{{Source: encodedPS}, {Source: bruteForceJSON}, {Format: FormatKQL, Source: kqlRule}} {
		if _, err := f.svc.Create(f.ctx, actor, in); err != nil {
			t.Fatal(err)
		}
	}
	other := strings.NewReplacer("Encoded PowerShell", "Pack rule", "6f1e5f8a-1111", "6f1e5f8a-2222", " -enc ", " -nop ").Replace(encodedPS)
	if rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{"p.yml", []byte(other)}}, ImportOptions{Pack: "sigmahq"}); err != nil || rep.Loaded != 1 {
		t.Fatalf("pack: %v %+v", err, rep)
	}
	rules, _ := f.st.Rules().List(f.ctx, f.org)
	if len(rules) != 4 {
		t.Fatalf("%d rules", len(rules))
	}
	off, sev, win := false, "critical", 2*time.Hour
	by := []string{"host.name"}
	if _, err := f.svc.Patch(f.ctx, actor, rules[0].ID, RulePatch{Enabled: &off, SeverityOverride: &sev, AlertWindow: &win, AlertGroupBy: &by}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.st.Rules().List(f.ctx, f.org)
	files := export(t, f)

	rep, err := f.svc.Import(f.ctx, actor, files, ImportOptions{})
	if err != nil || rep.Unchanged != 4 || rep.Loaded+rep.Updated+len(rep.Failed)+len(rep.Skipped) != 0 {
		t.Fatalf("into the same org: %v %+v", err, rep)
	}

	// A fresh org.
	g := newFixture(t)
	rep, err = g.svc.Import(g.ctx, actor, files, ImportOptions{})
	if err != nil || rep.Loaded != 4 || len(rep.Failed) != 0 {
		t.Fatalf("into a fresh org: %v %+v", err, rep)
	}
	after, _ := g.st.Rules().List(g.ctx, g.org)
	same := func(a, b store.Rule) bool {
		return a.ID == b.ID && a.Source == b.Source && a.Format == b.Format && a.Kind == b.Kind && a.Pack == b.Pack && a.Enabled == b.Enabled &&
			a.SeverityOverride == b.SeverityOverride && slices.Equal(a.AlertGroupBy, b.AlertGroupBy) && a.AlertWindow == b.AlertWindow
	}
	if !slices.EqualFunc(before, after, same) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", after, before)
	}

	// State changed since the export: the import puts it back.
	on := true
	if _, err := f.svc.Patch(f.ctx, actor, rules[0].ID, RulePatch{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	rep, err = f.svc.Import(f.ctx, actor, files, ImportOptions{})
	if err != nil || rep.Updated != 1 || rep.Unchanged != 3 {
		t.Fatalf("restore state: %v %+v", err, rep)
	}
	if r, _ := f.svc.Get(f.ctx, f.org, rules[0].ID); r.Enabled {
		t.Fatal("the export's state was not restored")
	}
	// Disabled wins over the export's state for new rules.
	h := newFixture(t)
	if rep, err := h.svc.Import(h.ctx, actor, files, ImportOptions{Disabled: true}); err != nil || rep.Loaded != 4 {
		t.Fatalf("disabled import: %v %+v", err, rep)
	}
	if l, _ := h.st.Rules().List(h.ctx, h.org); slices.ContainsFunc(l, func(r store.Rule) bool { return r.Enabled }) {
		t.Fatal("a rule imported with Disabled is enabled")
	}
}

// TestImportRestoresEditedPackRule: a pack rule the org edited is
// exported as custom; a server that has the pack's version takes the
// edit back from the export, as the edit took it from the pack.
func TestImportRestoresEditedPackRule(t *testing.T) {
	f := newFixture(t)
	g := newFixture(t)
	for _, x := range []*fixture{f, g} {
		if _, err := x.svc.Import(x.ctx, actor, []ImportFile{{"ps.yml", []byte(encodedPS)}}, ImportOptions{Pack: BuiltinPack}); err != nil {
			t.Fatal(err)
		}
	}
	rules, _ := f.st.Rules().List(f.ctx, f.org)
	edited := strings.Replace(encodedPS, "level: high", "level: critical", 1)
	if r, err := f.svc.Update(f.ctx, actor, rules[0].ID, RuleInput{Source: edited}); err != nil || r.Pack != "custom" {
		t.Fatalf("edit: %v %+v", err, r)
	}
	files := export(t, f)
	if rep, err := g.svc.Import(g.ctx, actor, files, ImportOptions{}); err != nil || rep.Updated != 1 || len(rep.Failed) != 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if r, _ := g.svc.Get(g.ctx, g.org, rules[0].ID); r.Pack != "custom" || r.Source != edited {
		t.Fatalf("restored: %+v", r)
	}
	// Without the manifest the pack still keeps its rule.
	plain := slices.DeleteFunc(slices.Clone(files), func(f ImportFile) bool { return f.Name == ManifestName })
	h := newFixture(t)
	h.svc.Import(h.ctx, actor, []ImportFile{{"ps.yml", []byte(encodedPS)}}, ImportOptions{Pack: BuiltinPack})
	if rep, _ := h.svc.Import(h.ctx, actor, plain, ImportOptions{}); len(rep.Failed) != 1 {
		t.Fatalf("without a manifest: %+v", rep)
	}
}

func TestImportBadManifest(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ manifest, want string }{
		{`{`, "manifest.json"},
		{`{"version": 3, "rules": []}`, "version 3"},
		{`{"version": 2, "rules": [{"id": "a", "file": "x.yml", "pack": "custom", "exceptions": [{"conditions": [{"field": "host.name", "operator": "equals", "value": "h"}]}]}]}`,
			"rules[0]: exceptions[0]: reason is required"},
		{`{"version": 2, "rules": [{"id": "a", "file": "x.yml", "pack": "custom", "exceptions": [{"conditions": [], "reason": "r"}]}]}`,
			"rules[0]: exceptions[0]: conditions"},
		{`{"version": 2, "rules": [{"id": "a", "file": "x.yml", "pack": "custom", "exceptions": [{"conditions": [{"field": "x", "operator": "regex", "value": "("}], "reason": "r"}]}]}`,
			"rules[0]: exceptions[0]"},
		{`{"version": 1, "rules": [{"id": "a", "file": "x.yml", "pack": "mine"}]}`, "rules[0]: pack"},
		{`{"version": 1, "rules": [{"id": "a", "pack": "custom"}]}`, "rules[0]: file"},
		{`{"version": 1, "rules": [{"id": "a", "file": "x.yml", "pack": "custom", "severity_override": "urgent"}]}`, "rules[0]: severity_override"},
		{`{"version": 1, "rules": [{"id": "a", "file": "x.yml", "pack": "custom", "alert_window_minutes": -5}]}`, "rules[0]: alert_window_minutes"},
		{`{"version": 1, "rules": [], "extra": 1}`, "unknown field"},
	} {
		_, err := f.svc.Import(f.ctx, actor, []ImportFile{{ManifestName, []byte(c.manifest)}, {"x.yml", []byte(encodedPS)}}, ImportOptions{})
		if !errors.Is(err, ErrPack) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.manifest, err, c.want)
		}
	}
	// An entry whose id is not its file's rule fails that file.
	m := `{"version": 1, "rules": [{"id": "other", "file": "x.yml", "pack": "custom", "enabled": true}]}`
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{ManifestName, []byte(m)}, {"x.yml", []byte(encodedPS)}}, ImportOptions{})
	if err != nil || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Message, "other") {
		t.Fatalf("id mismatch: %v %+v", err, rep)
	}
}

// TestBulk: a bulk change is validated whole before anything changes,
// is one transaction with one audit entry, and rebuilds the engine once.
func TestBulk(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 5 {
		src := strings.NewReplacer("Encoded PowerShell", "Rule "+string(rune('A'+i)), "6f1e5f8a-1111", "6f1e5f8a-333"+string(rune('1'+i))).Replace(encodedPS)
		if i >= 3 {
			src = strings.Replace(src, "status: test", "status: experimental", 1)
		}
		r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	e := f.svc.engine(f.org, false)
	gen := func() uint64 { e.mu.RLock(); defer e.mu.RUnlock(); return e.gen }
	enabled := func() int {
		e.mu.RLock()
		defer e.mu.RUnlock()
		n := 0
		for _, l := range e.units {
			if l.rule.Enabled {
				n++
			}
		}
		return n
	}
	audits := func() int {
		es, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Action: "rule.bulk.", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		name  string
		q     BulkRequest
		field string
	}{
		{"action", BulkRequest{Action: "pause", IDs: ids}, "action"},
		{"neither", BulkRequest{Action: BulkDisable}, "ids"},
		{"both", BulkRequest{Action: BulkDisable, IDs: ids, Filter: &RuleFilter{}}, "filter"},
		{"unknown id", BulkRequest{Action: BulkDisable, IDs: []string{ids[0], "nope"}}, "ids[1]"},
		{"bad filter", BulkRequest{Action: BulkDisable, Filter: &RuleFilter{Kind: "rule"}}, "filter.kind"},
		{"too many", BulkRequest{Action: BulkDisable, IDs: make([]string, MaxBulkIDs+1)}, "ids"},
		{"delete by filter, no confirm", BulkRequest{Action: BulkDelete, Filter: &RuleFilter{}}, "confirm"},
		{"delete by filter, wrong confirm", BulkRequest{Action: BulkDelete, Filter: &RuleFilter{}, Confirm: n(4)}, "confirm"},
		{"ids, wrong confirm", BulkRequest{Action: BulkDisable, IDs: ids[:2], Confirm: n(3)}, "confirm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Bulk(f.ctx, actor, c.q)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			var fe *FilterError
			field := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
			if errors.As(err, &fe) {
				field = fe.Field
			}
			if !strings.HasPrefix(field, c.field+":") && field != c.field {
				t.Errorf("%v does not name %s", err, c.field)
			}
		})
	}
	if enabled() != 5 || audits() != 0 {
		t.Fatal("a refused bulk change changed something")
	}

	g0 := gen()
	res, err := f.svc.Bulk(f.ctx, actor, BulkRequest{Action: BulkDisable, Filter: &RuleFilter{Status: "experimental"}})
	if err != nil || res != (BulkResult{Matched: 2, Changed: 2}) {
		t.Fatalf("disable: %v %+v", err, res)
	}
	if gen() != g0+1 || enabled() != 3 || audits() != 1 {
		t.Fatalf("rebuilds %d, enabled %d, audit entries %d", gen()-g0, enabled(), audits())
	}
	res, err = f.svc.Bulk(f.ctx, actor, BulkRequest{Action: BulkDisable, Filter: &RuleFilter{}})
	if err != nil || res != (BulkResult{Matched: 5, Changed: 3}) || enabled() != 0 {
		t.Fatalf("disable all: %v %+v", err, res)
	}
	res, err = f.svc.Bulk(f.ctx, actor, BulkRequest{Action: BulkEnable, IDs: ids[:2]})
	if err != nil || res != (BulkResult{Matched: 2, Changed: 2}) || enabled() != 2 {
		t.Fatalf("enable: %v %+v", err, res)
	}
	g0 = gen()
	res, err = f.svc.Bulk(f.ctx, actor, BulkRequest{Action: BulkDelete, Filter: &RuleFilter{Status: "test"}, Confirm: n(3)})
	if err != nil || res != (BulkResult{Matched: 3, Changed: 3}) || gen() != g0+1 {
		t.Fatalf("delete: %v %+v", err, res)
	}
	if l, _ := f.st.Rules().List(f.ctx, f.org); len(l) != 2 || len(e.units) != 2 {
		t.Fatalf("left: %d stored, %d loaded", len(l), len(e.units))
	}
}

// TestImportConflicts: an import never silently replaces a rule written
// or edited in EventSec: a different source is a conflict, reported with
// the rule and the file, unless Overwrite; the same source is unchanged.
// A pack's rule the org did not edit is updated, and listed.
func TestImportConflicts(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(encodedPS, "level: high", "level: critical", 1)
	if _, err := f.svc.Update(f.ctx, actor, r.ID, RuleInput{Source: edited}); err != nil {
		t.Fatal(err)
	}
	file := []ImportFile{{Name: "windows/ps.yml", Source: []byte(encodedPS)}}
	rep, err := f.svc.Import(f.ctx, actor, file, ImportOptions{Origin: "pack.zip"})
	if err != nil || rep.Updated != 0 || len(rep.Conflicts) != 1 || len(rep.UpdatedRules) != 0 {
		t.Fatalf("import over an edit: %v %+v", err, rep)
	}
	c := rep.Conflicts[0]
	if c.ID != r.ID || c.File != "windows/ps.yml" || c.Title != "Encoded PowerShell" || c.Pack != "custom" || !strings.Contains(c.Message, "overwrite") {
		t.Fatalf("conflict: %+v", c)
	}
	if got, _ := f.svc.Get(f.ctx, f.org, r.ID); got.Source != edited || got.ImportedFrom != "" {
		t.Fatalf("the edit was replaced: %+v", got)
	}
	if entries, _ := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 1}); !strings.Contains(entries[0].Summary, `1 conflicts`) ||
		!strings.Contains(entries[0].Summary, `conflicts: "Encoded PowerShell"`) {
		t.Fatalf("audit: %q", entries[0].Summary)
	}
	// The same source: unchanged, no conflict.
	if rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "ps.yml", Source: []byte(edited)}}, ImportOptions{}); err != nil || rep.Unchanged != 1 || len(rep.Conflicts) != 0 {
		t.Fatalf("same source: %v %+v", err, rep)
	}
	// Overwrite replaces it, and records where it came from.
	rep, err = f.svc.Import(f.ctx, actor, file, ImportOptions{Overwrite: true, Origin: "pack.zip"})
	if err != nil || rep.Updated != 1 || len(rep.Conflicts) != 0 ||
		!slices.Equal(rep.UpdatedRules, []ImportedRule{{ID: r.ID, Title: "Encoded PowerShell", File: "windows/ps.yml"}}) {
		t.Fatalf("overwrite: %v %+v", err, rep)
	}
	if got, _ := f.svc.Get(f.ctx, f.org, r.ID); got.Source != encodedPS || got.ImportedFrom != "pack.zip:windows/ps.yml" {
		t.Fatalf("after overwrite: %+v", got)
	}
	// Now as imported and not edited since: a newer version of the file
	// updates it without overwrite. Edited again, it is a conflict again.
	v3 := strings.Replace(encodedPS, "status: test", "status: stable", 1)
	rep, err = f.svc.Import(f.ctx, actor, []ImportFile{{Name: "windows/ps.yml", Source: []byte(v3)}}, ImportOptions{Origin: "pack-v3.zip"})
	if err != nil || rep.Updated != 1 || len(rep.Conflicts) != 0 {
		t.Fatalf("a new version of a custom rule nobody edited since its import: %v %+v", err, rep)
	}
	if _, err := f.svc.Update(f.ctx, actor, r.ID, RuleInput{Source: strings.Replace(v3, "level: high", "level: low", 1)}); err != nil {
		t.Fatal(err)
	}
	if rep, err = f.svc.Import(f.ctx, actor, file, ImportOptions{}); err != nil || rep.Updated != 0 || len(rep.Conflicts) != 1 {
		t.Fatalf("an import over a rule edited since its import: %v %+v", err, rep)
	}

	// A pack rule the org edited is its own: a pack import is a conflict.
	g := newFixture(t)
	if _, err := g.svc.Import(g.ctx, actor, file, ImportOptions{Pack: "sigmahq"}); err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(encodedPS, "status: test", "status: stable", 1)
	rep, err = g.svc.Import(g.ctx, actor, []ImportFile{{Name: "ps.yml", Source: []byte(newer)}}, ImportOptions{Pack: "sigmahq", Origin: "sigma-r2.zip"})
	if err != nil || rep.Updated != 1 || len(rep.Conflicts) != 0 || len(rep.UpdatedRules) != 1 {
		t.Fatalf("a new version of an unedited pack rule: %v %+v", err, rep)
	}
	if got, _ := g.svc.Get(g.ctx, g.org, r.ID); got.ImportedFrom != "sigma-r2.zip:ps.yml" || got.Pack != "sigmahq" {
		t.Fatalf("pack update: %+v", got)
	}
	if _, err := g.svc.Update(g.ctx, actor, r.ID, RuleInput{Source: edited}); err != nil {
		t.Fatal(err)
	}
	rep, err = g.svc.Import(g.ctx, actor, file, ImportOptions{Pack: "sigmahq"})
	if err != nil || len(rep.Conflicts) != 1 || rep.Updated != 0 {
		t.Fatalf("a pack import over an edited pack rule: %v %+v", err, rep)
	}
	if got, _ := g.svc.Get(g.ctx, g.org, r.ID); got.Source != edited || got.Pack != "custom" || got.ImportedFrom != "sigma-r2.zip:ps.yml" {
		t.Fatalf("the edited pack rule changed: %+v", got)
	}
	if rep, err = g.svc.Import(g.ctx, actor, file, ImportOptions{Pack: "sigmahq", Overwrite: true}); err != nil || rep.Updated != 1 {
		t.Fatalf("overwrite: %v %+v", err, rep)
	}
	if got, _ := g.svc.Get(g.ctx, g.org, r.ID); got.Source != encodedPS || got.Pack != "sigmahq" {
		t.Fatalf("overwritten: %+v", got)
	}
}

// TestImportNotRunnableIsAboutTheImport: the report lists the rules of
// this import that cannot run, with id, title and file, and counts the
// org's others.
func TestImportNotRunnableIsAboutTheImport(t *testing.T) {
	f := newFixture(t)
	needs := func(id, title string) string {
		return strings.NewReplacer("6f1e5f8a-1111-4111-8111-111111111111", id, "Encoded PowerShell", title,
			"CommandLine|contains: ' -enc '", "User|expand: '%admins%'").Replace(encodedPS)
	}
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: needs("6f1e5f8a-0000-4000-8000-000000000001", "Older")}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{
		{Name: "a/new.yml", Source: []byte(needs("6f1e5f8a-0000-4000-8000-000000000002", "Newer"))},
		{Name: "a/ok.yml", Source: []byte(encodedPS)},
	}, ImportOptions{})
	if err != nil || rep.Loaded != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
	want := []NotRunnable{{ID: "6f1e5f8a-0000-4000-8000-000000000002", Title: "Newer", File: "a/new.yml",
		Message: "not runnable: placeholder %admins% has no values in this org"}}
	if !slices.Equal(rep.NotRunnable, want) || rep.OtherNotRunnable != 1 {
		t.Fatalf("not runnable: %+v, other %d", rep.NotRunnable, rep.OtherNotRunnable)
	}
	// Unchanged rules of the import are about it too.
	rep, err = f.svc.Import(f.ctx, actor, []ImportFile{{Name: "b.yml", Source: []byte(needs("6f1e5f8a-0000-4000-8000-000000000002", "Newer"))}}, ImportOptions{})
	if err != nil || rep.Unchanged != 1 || len(rep.NotRunnable) != 1 || rep.NotRunnable[0].File != "b.yml" || rep.OtherNotRunnable != 1 {
		t.Fatalf("unchanged: %v %+v", err, rep)
	}
}

// TestExportKeepsExceptions: a rule's exceptions go into the export's
// manifest and an import restores them, once: importing the export again
// adds none, and an owner the org lacks gives way to the importer.
func TestExportKeepsExceptions(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	conds := []store.ExceptionCondition{{Field: "host.name", Operator: "equals", Value: "build-01"}, {Field: "user.name", Operator: "in", Values: []string{"svc_a", "svc_b"}}}
	if _, _, err := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Conditions: conds, Reason: "build agents", ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
	files := export(t, f)
	if rep, err := f.svc.Import(f.ctx, actor, files, ImportOptions{}); err != nil || rep.ExceptionsRestored != 0 || rep.Unchanged != 1 {
		t.Fatalf("into the same org: %v %+v", err, rep)
	}
	if l, _ := f.st.Rules().Exceptions(f.ctx, f.org, r.ID); len(l) != 1 {
		t.Fatalf("exceptions doubled: %+v", l)
	}
	g := newFixture(t)
	other := Actor{OrgID: "org1", UserID: "u2", Email: "other@example.com"}
	rep, err := g.svc.Import(g.ctx, other, files, ImportOptions{})
	if err != nil || rep.Loaded != 1 || rep.ExceptionsRestored != 1 {
		t.Fatalf("into a fresh org: %v %+v", err, rep)
	}
	l, err := g.st.Rules().Exceptions(g.ctx, g.org, r.ID)
	if err != nil || len(l) != 1 {
		t.Fatalf("restored: %v %+v", err, l)
	}
	x := l[0]
	if !slices.EqualFunc(x.Conditions, conds, func(a, b store.ExceptionCondition) bool {
		return a.Field == b.Field && a.Operator == b.Operator && a.Value == b.Value && slices.Equal(a.Values, b.Values)
	}) || x.Reason != "build agents" || x.ExpiresAt == nil || !x.ExpiresAt.Equal(exp) || x.Owner != "u2" {
		t.Fatalf("restored exception: %+v", x)
	}
	// The restored exception suppresses at once.
	e := g.svc.engine(g.org, false)
	e.mu.RLock()
	n := len(e.exceptions[r.ID])
	e.mu.RUnlock()
	if n != 1 {
		t.Fatalf("the engine has %d exceptions of the rule", n)
	}
	if rep, err := g.svc.Import(g.ctx, other, files, ImportOptions{}); err != nil || rep.ExceptionsRestored != 0 {
		t.Fatalf("again: %v %+v", err, rep)
	}
	// A conflicting rule keeps its own exceptions only.
	h := newFixture(t)
	if _, err := h.svc.Create(h.ctx, actor, RuleInput{Source: strings.Replace(encodedPS, "level: high", "level: low", 1)}); err != nil {
		t.Fatal(err)
	}
	if rep, err := h.svc.Import(h.ctx, actor, files, ImportOptions{}); err != nil || len(rep.Conflicts) != 1 || rep.ExceptionsRestored != 0 {
		t.Fatalf("conflict: %v %+v", err, rep)
	}
}
