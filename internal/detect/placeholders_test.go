package detect

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// certighost is a SigmaHQ rule whose filter expands %known_cdcs%.
const certighost = "../../../shared/data/sigma/rules-emerging-threats/2026/Exploits/CVE-2026-54121/win_security_adcs_certighost_cdc_chase_request.yml"

func certRequest(cdc string, ts time.Time) string {
	b, _ := json.Marshal(map[string]any{"@timestamp": ts.UTC().Format(time.RFC3339Nano), "host": map[string]any{"name": "CA01"},
		"winlog": map[string]any{"event_id": 4886, "channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing",
			"event_data": map[string]any{"RequestId": "42", "Requester": `CORP\GHOST1$`, "Attributes": "cdc:" + cdc + "\nrmd:dc02.corp.example"}}})
	return string(b)
}

func TestPlaceholdersMakeRulesRunnable(t *testing.T) {
	src, err := os.ReadFile(certighost)
	if err != nil {
		t.Skipf("SigmaHQ corpus not available: %v", err)
	}
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: string(src), Pack: "sigmahq"})
	if err != nil {
		t.Fatal(err)
	}
	want := "not runnable: placeholder %known_cdcs% has no values in this org"
	if p := f.svc.Problems(f.org)[r.ID]; p != want {
		t.Fatalf("problem before values: %q, want %q", p, want)
	}
	v, err := f.svc.Placeholders(f.ctx, f.org)
	if err != nil || len(v.Placeholders) != 0 || len(v.Missing) != 1 || v.Missing[0].Name != "known_cdcs" ||
		len(v.Missing[0].Rules) != 1 || v.Missing[0].Rules[0].ID != r.ID {
		t.Fatalf("placeholders view: %v %+v", err, v)
	}

	v, err = f.svc.SetPlaceholders(f.ctx, actor, []PlaceholderInput{{Name: "known_cdcs", Values: []string{"dc01.corp.example", "10.0.0.10", "10.0.0.10"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Placeholders) != 1 || len(v.Placeholders[0].Values) != 2 || len(v.Missing) != 0 || len(v.Placeholders[0].Rules) != 1 {
		t.Fatalf("after setting: %+v", v)
	}
	if p := f.svc.Problems(f.org)[r.ID]; p != "" {
		t.Fatalf("still not runnable: %q", p)
	}
	f.start(t)
	now := time.Now()
	// A chase to a known DC is the filter's; one to anything else alerts.
	f.ingest(t, true, certRequest("10.0.0.10", now), certRequest("dc01.corp.example", now), certRequest("10.66.6.6", now))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	time.Sleep(200 * time.Millisecond)
	if al := f.alerts(t); len(al) != 1 || al[0].RuleID != r.ID || al[0].Count != 1 {
		t.Fatalf("alerts: %+v", al)
	}
	f.stop(t)

	// The values survive a restart.
	f.svc = f.open(t)
	if p := f.svc.Problems(f.org)[r.ID]; p != "" {
		t.Fatalf("not runnable after a restart: %q", p)
	}
	// Removing the placeholder stops the rule again, disabled or not.
	if _, err := f.svc.SetPlaceholders(f.ctx, actor, []PlaceholderInput{}); err != nil {
		t.Fatal(err)
	}
	if p := f.svc.Problems(f.org)[r.ID]; p != want {
		t.Fatalf("problem after removal: %q", p)
	}
	off := false
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if p := f.svc.Problems(f.org)[r.ID]; p != want {
		t.Fatalf("problem of the disabled rule: %q", p)
	}
	entries, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, e := range entries {
		if e.Action == "detection.placeholders.update" {
			summaries = append(summaries, e.Summary)
		}
	}
	if len(summaries) != 2 || !strings.Contains(strings.Join(summaries, "|"), "%known_cdcs% added (2 values)") ||
		!strings.Contains(strings.Join(summaries, "|"), "%known_cdcs% removed") {
		t.Fatalf("audit: %q", summaries)
	}
}

func TestPlaceholderValidation(t *testing.T) {
	long := strings.Repeat("a", MaxPlaceholderValue+1)
	many := make([]string, MaxPlaceholderValues+1)
	for i := range many {
		many[i] = "v"
	}
	tooMany := make([]PlaceholderInput, MaxPlaceholders+1)
	tests := []struct {
		name  string
		in    []PlaceholderInput
		field string
	}{
		{"no name", []PlaceholderInput{{Values: []string{"x"}}}, "placeholders[0].name"},
		{"percent signs", []PlaceholderInput{{Name: "%known_cdcs%", Values: []string{"x"}}}, "placeholders[0].name"},
		{"space in name", []PlaceholderInput{{Name: "a b", Values: []string{"x"}}}, "placeholders[0].name"},
		{"name too long", []PlaceholderInput{{Name: strings.Repeat("n", 65), Values: []string{"x"}}}, "placeholders[0].name"},
		{"twice", []PlaceholderInput{{Name: "a", Values: []string{"x"}}, {Name: "a", Values: []string{"y"}}}, "placeholders[1].name"},
		{"no values", []PlaceholderInput{{Name: "a"}}, "placeholders[0].values"},
		{"too many values", []PlaceholderInput{{Name: "a", Values: many}}, "placeholders[0].values"},
		{"empty value", []PlaceholderInput{{Name: "a", Values: []string{"x", " "}}}, "placeholders[0].values[1]"},
		{"value too long", []PlaceholderInput{{Name: "a", Values: []string{long}}}, "placeholders[0].values[0]"},
		{"multi-line value", []PlaceholderInput{{Name: "a", Values: []string{"x\ny"}}}, "placeholders[0].values[0]"},
		{"too many placeholders", tooMany, "placeholders"},
	}
	f := newFixture(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SetPlaceholders(f.ctx, actor, tc.in)
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid: "+tc.field+":") {
				t.Fatalf("got %v, want an invalid %s", err, tc.field)
			}
		})
	}
	if ps, _ := f.st.Rules().Placeholders(f.ctx, f.org); len(ps) != 0 {
		t.Fatalf("a refused set was stored: %+v", ps)
	}
}

func TestSampledEvaluationTime(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.ctx, Options{Store: f.st, Events: f.ev, Normalizer: f.norm, EvalSampleEvery: 3, EvalFlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	ps, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	js, err := f.svc.Create(f.ctx, actor, RuleInput{Source: `{"name": "Failed login", "severity": "low",
		"conditions": [{"field": "eventType", "operator": "equals", "value": "LOGIN_FAILURE"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	// A rule that cannot run (its placeholder has no values) is not
	// reported as costing nothing.
	idleSrc := strings.Replace(encodedPS, "6f1e5f8a-1111-4111-8111-111111111111", "6f1e5f8a-2222-4111-8111-111111111111", 1)
	idleSrc = strings.Replace(idleSrc, "  condition: sel\n", "  admins:\n    User|expand: '%admins%'\n  condition: sel and admins\n", 1)
	idle, err := f.svc.Create(f.ctx, actor, RuleInput{Source: idleSrc})
	if err != nil {
		t.Fatal(err)
	}
	if f.svc.Problems(f.org)[idle.ID] == "" {
		t.Fatal("the rule without placeholder values runs")
	}
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	var raws []string
	for i := 0; i < 20; i++ {
		at := now.Add(time.Duration(i) * time.Millisecond)
		raws = append(raws, sysmonPS("WS1", "powershell -enc AAAA", at), loginFailure("10.1.1.1", at))
	}
	f.ingest(t, true, raws...)
	stats := func() map[string]store.RuleStats {
		st, err := f.st.Rules().Stats(f.ctx, f.org)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]store.RuleStats{}
		for _, s := range st {
			m[s.RuleID] = s
		}
		return m
	}
	// 40 events, one in three sampled: every rule of the org saw the 13
	// samples, and time was spent on the ones it was a candidate for.
	waitFor(t, "the sampled times", func() bool {
		m := stats()
		return m[ps.ID].EvalSamples == 13 && m[js.ID].EvalSamples == 13
	})
	m := stats()
	if m[ps.ID].EvalNanos <= 0 || m[js.ID].EvalNanos <= 0 {
		t.Fatalf("no time measured: %+v", m)
	}
	if st := m[idle.ID]; st.EvalSamples != 0 || st.EvalNanos != 0 {
		t.Fatalf("the rule that does not run has sampled times: %+v", st)
	}
	v := RuleViewOf(ps, m[ps.ID], "", false)
	if v.Stats.EvalSamples != 13 || v.Stats.EvalNsPerEvent != float64(m[ps.ID].EvalNanos)/13 {
		t.Fatalf("view: %+v", v.Stats)
	}
}

// TestEvalTimesWrittenAtShutdown: the samples since the last flush are
// not lost when detection stops.
func TestEvalTimesWrittenAtShutdown(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.ctx, Options{Store: f.st, Events: f.ev, Normalizer: f.norm, EvalSampleEvery: 1, EvalFlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	now := time.Now()
	f.ingest(t, true, sysmonPS("WS1", "powershell -enc AAAA", now), sysmonPS("WS2", "powershell -enc BBBB", now))
	waitFor(t, "the alerts", func() bool { return len(f.alerts(t)) == 2 })
	st, _ := f.st.Rules().Stats(f.ctx, f.org)
	if len(st) != 1 || st[0].EvalSamples != 0 {
		t.Fatalf("written before the hour: %+v", st)
	}
	f.stop(t)
	st, err = f.st.Rules().Stats(f.ctx, f.org)
	if err != nil || len(st) != 1 || st[0].RuleID != r.ID || st[0].EvalSamples != 2 || st[0].EvalNanos <= 0 {
		t.Fatalf("after stopping: %v %+v", err, st)
	}
}

// An imported rule that needs a placeholder is stored and reported as not
// runnable (with its reason), not as a failed file.
func TestImportReportsNotRunnable(t *testing.T) {
	src, err := os.ReadFile(certighost)
	if err != nil {
		t.Skipf("SigmaHQ corpus not available: %v", err)
	}
	f := newFixture(t)
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "certighost.yml", Source: src}}, ImportOptions{Pack: "sigmahq"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Loaded != 1 || len(rep.Failed) != 0 || len(rep.NotRunnable) != 1 ||
		rep.NotRunnable[0].Message != "not runnable: placeholder %known_cdcs% has no values in this org" {
		t.Fatalf("report: %+v", rep)
	}
}
