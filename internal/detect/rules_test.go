package detect

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// clearedLog stands for a built-in rule: EventSec's own "Windows Security
// Event Log Cleared".
const clearedLog = `title: Windows Security Event Log Cleared
id: 13ce3503-d40c-4f47-8342-a13ac312178a
status: stable
level: high
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 1102}
  condition: sel
`

// TestImportNeverTakesAnotherPacksRule: an import of an id that a rule of
// another pack has fails for that file, naming the pack and the rule, and
// leaves the rule as it was; the same pack updates it. The audit entry
// counts what the report counts (the reader's skips too) and names the
// rules.
func TestImportNeverTakesAnotherPacksRule(t *testing.T) {
	f := newFixture(t)
	if rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "windows/cleared.yml", Source: []byte(clearedLog)}}, ImportOptions{Pack: BuiltinPack}); err != nil || rep.Loaded != 1 {
		t.Fatalf("built-in: %v %+v", err, rep)
	}
	changed := strings.Replace(clearedLog, "EventID: 1102", "EventID: 4624", 1)
	data := zipOf(t, map[string]string{
		"pack/dup.yml":    changed,
		"pack/ps.yml":     encodedPS,
		"pack/notes.txt":  "not a rule",
		"pack/README.md":  "# nor this",
		"pack/broken.yml": "title: broken\nid: 7d1c0b9e-0000-4000-8000-0000000000b1\nlogsource: {product: windows}\ndetection:\n  condition: nothing\n",
	})
	files, skipped, err := ReadZip(data, "test.zip")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Import(f.ctx, actor, files, ImportOptions{Pack: "custom", Skipped: skipped})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Loaded != 1 || rep.Updated != 0 || len(rep.Skipped) != 2 || len(rep.Failed) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	var dup RuleError
	for _, p := range rep.Failed {
		if p.File == "pack/dup.yml" {
			dup = p
		}
	}
	if !strings.Contains(dup.Message, "13ce3503-d40c-4f47-8342-a13ac312178a") || !strings.Contains(dup.Message, "pack eventsec") ||
		!strings.Contains(dup.Message, `"Windows Security Event Log Cleared"`) {
		t.Fatalf("failure: %+v", rep.Failed)
	}
	r, err := f.st.Rules().Get(f.ctx, f.org, "13ce3503-d40c-4f47-8342-a13ac312178a")
	if err != nil || r.Pack != BuiltinPack || r.Source != clearedLog {
		t.Fatalf("the built-in rule changed: %v %+v", err, r)
	}
	entries, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 10})
	if err != nil || len(entries) == 0 {
		t.Fatal(err)
	}
	got := entries[0].Summary
	for _, want := range []string{`imported pack "custom": 1 new, 0 updated, 0 unchanged, 0 conflicts, 2 failed, 2 skipped`,
		`new: "Encoded PowerShell" (6f1e5f8a-1111-4111-8111-111111111111)`, "failed: pack/broken.yml, pack/dup.yml"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %q lacks %q", got, want)
		}
	}
	// Into its own pack, the same file updates the rule.
	rep, err = f.svc.Import(f.ctx, actor, []ImportFile{{Name: "dup.yml", Source: []byte(changed)}}, ImportOptions{Pack: BuiltinPack})
	if err != nil || rep.Updated != 1 || len(rep.Failed) != 0 {
		t.Fatalf("same pack: %v %+v", err, rep)
	}
	if entries, _ := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 1}); !strings.Contains(entries[0].Summary, `updated: "Windows Security Event Log Cleared"`) {
		t.Fatalf("audit: %q", entries[0].Summary)
	}
}

// TestImportDisabled: new rules come in disabled; a rule updated keeps
// its state.
func TestImportDisabled(t *testing.T) {
	f := newFixture(t)
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "ps.yml", Source: []byte(encodedPS)}}, ImportOptions{Disabled: true})
	if err != nil || rep.Loaded != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	r, err := f.st.Rules().Get(f.ctx, f.org, "6f1e5f8a-1111-4111-8111-111111111111")
	if err != nil || r.Enabled {
		t.Fatalf("%v enabled=%v", err, r.Enabled)
	}
}

const h2Base = `title: Failed logon on h2
id: 5a0b6c1d-0000-4000-8000-0000000000a1
name: failed_logon_h2
status: test
level: low
logsource: {definition: any event}
detection:
  sel:
    message|contains: h2-failed-logon
  condition: sel
---
title: Repeated failed logons on h2
id: 5a0b6c1d-0000-4000-8000-0000000000a2
status: test
level: high
correlation:
  type: event_count
  rules: [failed_logon_h2]
  timespan: 10m
  condition: {gte: 2}
`

const h2Other = `title: Event 9999 on h2
id: 5a0b6c1d-0000-4000-8000-0000000000b1
name: failed_logon_h2
status: test
level: medium
logsource: {definition: any event}
detection:
  sel:
    message|contains: h2-event-9999
  condition: sel
`

// TestSigmaNamesAreUnique: a second rule with a Sigma name another rule
// has is refused on create, update and import; rules stored before the
// check still bind a correlation to exactly one of them, and the other
// raises its own alerts.
func TestSigmaNamesAreUnique(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: h2Base}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Create(f.ctx, actor, RuleInput{Source: h2Other})
	var de *DuplicateError
	if !errors.As(err, &de) || !de.Name || de.Value != "failed_logon_h2" || de.OtherID != "5a0b6c1d-0000-4000-8000-0000000000a2" ||
		!errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `name "failed_logon_h2" is already used by rule "Repeated failed logons on h2"`) {
		t.Fatalf("create: %v", err)
	}
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "other.yml", Source: []byte(h2Other)}}, ImportOptions{})
	if err != nil || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Message, `duplicate name "failed_logon_h2"`) {
		t.Fatalf("import: %v %+v", err, rep)
	}
	renamed := strings.Replace(h2Other, "name: failed_logon_h2", "name: event_9999_h2", 1)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: renamed}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(f.ctx, actor, "5a0b6c1d-0000-4000-8000-0000000000b1", RuleInput{Source: h2Other}); !errors.As(err, &de) || !de.Name {
		t.Fatalf("update: %v", err)
	}

	// A rule stored before names were checked, created later than the
	// correlation's base rule.
	if err := f.svc.Delete(f.ctx, actor, "5a0b6c1d-0000-4000-8000-0000000000b1"); err != nil {
		t.Fatal(err)
	}
	u, problems := Compile(FormatSigma, h2Other, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	legacy := storeRule(f.org, u)
	legacy.Enabled, legacy.Pack, legacy.CreatedAt, legacy.UpdatedAt = true, "custom", time.Now().Add(time.Hour), time.Now().Add(time.Hour)
	if err := f.st.Rules().Create(f.ctx, legacy); err != nil {
		t.Fatal(err)
	}
	f.svc = f.open(t)
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	msg := func(text, host string) string {
		return fmt.Sprintf(`{"@timestamp":%q,"message":%q,"host":{"name":%q}}`, now.UTC().Format(time.RFC3339Nano), text, host)
	}
	f.ingest(t, true, msg("h2-event-9999 a", "h2"), msg("h2-event-9999 b", "h2"))
	waitFor(t, "the 9999 rule's own alert", func() bool { return len(f.alerts(t)) == 1 })
	time.Sleep(200 * time.Millisecond)
	if a := f.alerts(t); len(a) != 1 || a[0].RuleID != legacy.ID {
		t.Fatalf("alerts after the 9999 events: %+v", a)
	}
	f.ingest(t, true, msg("h2-failed-logon a", "h2"), msg("h2-failed-logon b", "h2"))
	waitFor(t, "the correlation", func() bool {
		for _, a := range f.alerts(t) {
			if a.RuleID == "5a0b6c1d-0000-4000-8000-0000000000a2" {
				return true
			}
		}
		return false
	})
}

// TestCorrelationOfAMissingRule: a correlation that references a rule
// the org does not have is saved with a warning at the reference, is
// listed as not runnable with the reason, and runs once the rule is
// there.
func TestCorrelationOfAMissingRule(t *testing.T) {
	f := newFixture(t)
	src := `title: Needs a missing rule
id: 5a0b6c1d-0000-4000-8000-0000000000c1
status: test
correlation:
  type: event_count
  rules:
    - no_such_rule
  timespan: 5m
  condition: {gte: 3}
`
	u, problems := Compile(FormatSigma, src, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	w, err := f.svc.Warnings(f.ctx, f.org, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || w[0].Line != 7 || w[0].Column != 7 || !strings.Contains(w[0].Message, `refers to rule "no_such_rule"`) {
		t.Fatalf("warnings: %+v", w)
	}
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.svc.Problems(f.org)[r.ID]; !strings.HasPrefix(p, "not runnable: ") || !strings.Contains(p, "no_such_rule") {
		t.Fatalf("problem: %q", p)
	}
	base := strings.Replace(strings.Replace(h2Other, "name: failed_logon_h2", "name: no_such_rule", 1), "0000000000b1", "0000000000c2", 1)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: base}); err != nil {
		t.Fatal(err)
	}
	if p, ok := f.svc.Problems(f.org)[r.ID]; ok {
		t.Fatalf("still not runnable: %q", p)
	}
	if w, err := f.svc.Warnings(f.ctx, f.org, u); err != nil || len(w) != 0 {
		t.Fatalf("warnings once the rule exists: %+v", w)
	}
	// A disabled base rule does not count.
	off := false
	if _, err := f.svc.Patch(f.ctx, actor, "5a0b6c1d-0000-4000-8000-0000000000c2", RulePatch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if p := f.svc.Problems(f.org)[r.ID]; !strings.Contains(p, "no_such_rule") {
		t.Fatalf("problem with the base rule disabled: %q", p)
	}
}

// TestCompileReportsEverything: metadata problems are warnings at their
// value (the rule still compiles); errors are all reported, with a
// suggested id for a document without one.
func TestCompileReportsEverything(t *testing.T) {
	u, problems := Compile(FormatSigma, `title: Metadata
id: 5a0b6c1d-0000-4000-8000-0000000000d1
status: bogus
date: 2024-13-45
modified: 2024/03/01
tags: [attack.t9999, attack.exection, attack.t1059.001, attack.g0016, cve.2021-44228]
logsource: {product: windows}
detection:
  sel: {Image|endswith: '\x.exe'}
  condition: sel
`, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := []struct {
		line, col int
		msg       string
	}{
		{3, 9, `status "bogus" is not a Sigma status`},
		{4, 7, `date "2024-13-45" is not a date`},
		{6, 8, `"attack.t9999": T9999 is not an ATT&CK technique`},
		{6, 22, `(did you mean attack.execution?)`},
	}
	got := map[string]bool{}
	for _, w := range u.Warnings {
		got[fmt.Sprintf("%d:%d", w.Line, w.Column)] = true
	}
	if len(u.Warnings) != len(want) {
		t.Fatalf("warnings: %+v", u.Warnings)
	}
	for _, w := range want {
		found := false
		for _, x := range u.Warnings {
			if x.Line == w.line && x.Column == w.col && strings.Contains(x.Message, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning %d:%d %q in %+v", w.line, w.col, w.msg, u.Warnings)
		}
	}

	_, problems = Compile(FormatSigma, `title: No id
status: test
level: urgent
logsource: {product: windows}
detection:
  sel:
    CommandLine|re: '('
    Image|nosuchmodifier: x
  condition: sel and other
`, "r.yml")
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, fmt.Sprintf("%d:%d %s", p.Line, p.Column, p.Message))
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"1:1 the document has no id", `add e.g. "id: ` + SuggestedID("No id") + `"`, "3:8 unknown level",
		"7:21", "8:11", `unknown search identifier "other"`} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if SuggestedID("No id") != SuggestedID(" no ID ") || SuggestedID("No id") == SuggestedID("Other") {
		t.Error("the suggested id is not a stable function of the title")
	}
}
