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
	if err := WriteExport(&b, rules, "every rule", time.Now()); err != nil {
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
		{`{"version": 2, "rules": []}`, "version 2"},
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
