package detect

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// multiDoc is one file of three documents: a base rule and two
// correlations over it, each with its own id, title, level and tags (or
// none). The file's rule is its first correlation.
const multiDoc = `title: Failed logon (multi)
id: 7b000000-0000-4000-8000-000000000001
name: multi_failed_logon
status: test
level: low
tags: [attack.discovery, attack.t1087]
logsource: {definition: any event}
detection:
  sel:
    message|contains: multi-failed-logon
  condition: sel
---
title: Two failed logons on a host
id: 7b000000-0000-4000-8000-000000000002
status: test
level: high
tags: [attack.credential_access, attack.t1110]
correlation:
  type: event_count
  rules: [multi_failed_logon]
  group-by: [host.name]
  timespan: 10m
  condition: {gte: 2}
---
title: Three users failing on a host
id: 7b000000-0000-4000-8000-000000000003
status: test
generate: true
correlation:
  type: value_count
  rules: [multi_failed_logon]
  group-by: [host.name]
  timespan: 10m
  condition: {gte: 3, field: user.name}
`

func failedLogon(host, user string, ts time.Time) string {
	return fmt.Sprintf(`{"@timestamp":%q,"message":"multi-failed-logon","host":{"name":%q},"user":{"name":%q}}`, ts.UTC().Format(time.RFC3339Nano), host, user)
}

// TestAlertsNameTheirDocument: each alert of a multi-document file
// records the document that raised it, with that document's own level
// and ATT&CK tags, not the file's (its first document's). A document
// without a level is medium; a correlation without tags has those of
// the rules it counts.
func TestAlertsNameTheirDocument(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: multiDoc})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "7b000000-0000-4000-8000-000000000002" || r.Title != "Two failed logons on a host" {
		t.Fatalf("the file's rule: %s %q", r.ID, r.Title)
	}
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	f.ingest(t, true, failedLogon("h1", "a", now), failedLogon("h1", "b", now.Add(time.Second)), failedLogon("h1", "c", now.Add(2*time.Second)))
	byDoc := map[string]store.Alert{}
	waitFor(t, "the alerts", func() bool {
		clear(byDoc)
		for _, a := range f.alerts(t) {
			byDoc[a.RuleDocumentID] = a
		}
		return len(byDoc) == 3
	})
	for _, c := range []struct {
		doc, name, severity string
		tactics, techniques []string
	}{
		// generate: true on the value_count: the base rule alerts too.
		{"7b000000-0000-4000-8000-000000000001", "Failed logon (multi)", "low", []string{"TA0007"}, []string{"T1087"}},
		{"7b000000-0000-4000-8000-000000000002", "Two failed logons on a host", "high", []string{"TA0006"}, []string{"T1110"}},
		// No level: medium, not the file's high; no tags: its base rule's.
		{"7b000000-0000-4000-8000-000000000003", "Three users failing on a host", "medium", []string{"TA0007"}, []string{"T1087"}},
	} {
		a, ok := byDoc[c.doc]
		if !ok {
			t.Fatalf("no alert of document %s", c.doc)
		}
		if a.RuleID != r.ID || a.RuleTitle != r.Title || a.RuleName != c.name || a.Severity != c.severity ||
			!slices.Equal(a.Tactics, c.tactics) || !slices.Equal(a.Techniques, c.techniques) {
			t.Errorf("alert of %s: rule %s %q, document %q, severity %s, tactics %v, techniques %v; want document %q, %s, %v, %v",
				c.doc, a.RuleID, a.RuleTitle, a.RuleName, a.Severity, a.Tactics, a.Techniques, c.name, c.severity, c.tactics, c.techniques)
		}
		if v := f.svc.View(a); v.RuleDocumentID != c.doc || v.RuleName != c.name {
			t.Errorf("view of %s: %q %q", c.doc, v.RuleDocumentID, v.RuleName)
		}
	}
	// A severity override is the rule's: it applies to every document.
	crit := "critical"
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{SeverityOverride: &crit}); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, true, failedLogon("h2", "a", now), failedLogon("h2", "b", now.Add(time.Second)))
	waitFor(t, "h2's alert", func() bool {
		for _, a := range f.alerts(t) {
			if a.Group["host.name"] == "h2" && a.RuleDocumentID == "7b000000-0000-4000-8000-000000000002" {
				if a.Severity != "critical" {
					t.Fatalf("overridden severity: %s", a.Severity)
				}
				return true
			}
		}
		return false
	})
}

// crossBase is counted by crossCorr, another file, whose correlations
// do not set generate: its own alerts are silenced.
const crossBase = `title: Base in its own file
id: 7b000000-0000-4000-8000-0000000000a1
name: cross_base
status: test
level: low
logsource: {definition: any event}
detection:
  sel:
    message|contains: multi-failed-logon
  condition: sel
`

const crossCorr = `title: Two on a host (other file)
id: 7b000000-0000-4000-8000-0000000000b1
status: test
level: high
correlation:
  type: event_count
  rules: [cross_base]
  group-by: [host.name]
  timespan: 10m
  condition: {gte: 2}
---
title: Twice two on a host (chained)
id: 7b000000-0000-4000-8000-0000000000b2
status: test
level: critical
correlation:
  type: event_count
  rules: [7b000000-0000-4000-8000-0000000000b1]
  group-by: [host.name]
  timespan: 1h
  condition: {gte: 2}
`

// TestTestPanelAgreesWithLive: the Test panel, over sample events, says
// what live detection raises over the same events, document by
// document, for multi-document files, chained correlations and a base
// rule silenced by another file's correlation (the Test panel once
// counted its alerts: it did not load the correlations that count it).
func TestTestPanelAgreesWithLive(t *testing.T) {
	base := time.Date(2024, 3, 9, 10, 0, 0, 0, time.UTC)
	var evs []string
	for i := range 14 {
		host := []string{"h1", "h2"}[i%2]
		evs = append(evs, failedLogon(host, fmt.Sprintf("u%d", i%5), base.Add(time.Duration(i)*20*time.Second)))
	}
	// A second burst a day later on h1 (new alerts), and a third an hour
	// after it (they fold). In time order: the Test panel sorts samples
	// by time, live detection takes events as they arrive, and an event
	// older than its group's window is late (correlate's doc.go).
	for i := range 4 {
		evs = append(evs, failedLogon("h1", fmt.Sprintf("v%d", i), base.Add(26*time.Hour+time.Duration(i)*time.Second)))
	}
	for i := range 4 {
		evs = append(evs, failedLogon("h1", fmt.Sprintf("w%d", i), base.Add(27*time.Hour+time.Duration(i)*time.Second)))
	}
	for _, c := range []struct {
		name   string
		rules  []string // stored and enabled, in order
		tested int      // the rule of rules tested
	}{
		{"one file of three documents", []string{multiDoc}, 0},
		{"a correlation of another file's rule, chained", []string{crossBase, crossCorr}, 1},
		{"a base rule silenced by another file", []string{crossBase, crossCorr}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			var stored []store.Rule
			for _, src := range c.rules {
				r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src})
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, r)
			}
			r := stored[c.tested]
			u, problems := Compile(r.Format, r.Source, "")
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			var samples []json.RawMessage
			for _, e := range evs {
				samples = append(samples, json.RawMessage(e))
			}
			res, err := f.svc.Test(f.ctx, f.org, u, TestInput{Events: samples, Rule: &r})
			if err != nil {
				t.Fatal(err)
			}

			f.start(t)
			in := f.ingest(t, true, evs...)
			last := in[len(in)-1].Seq
			waitFor(t, "detection to pass the events", func() bool {
				seq, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
				return err == nil && seq >= last
			})
			f.stop(t)
			live := map[string]*TestDocument{}
			var alerts, folded int64
			for _, a := range f.alerts(t) {
				if a.RuleID != r.ID {
					continue
				}
				td := live[a.RuleDocumentID]
				if td == nil {
					td = &TestDocument{Document: a.RuleDocumentID, Title: a.RuleName}
					live[a.RuleDocumentID] = td
				}
				td.Alerts++
				td.Folded += a.Count - 1
				alerts++
				folded += a.Count - 1
			}
			want := []TestDocument{}
			for _, td := range live {
				want = append(want, *td)
			}
			slices.SortFunc(want, func(a, b TestDocument) int { return strings.Compare(a.Document, b.Document) })
			if res.Alerts != alerts || res.Folded != folded || !slices.Equal(res.Documents, want) {
				t.Fatalf("test panel: %d alerts, %d folded, by document %+v\nlive: %d alerts, %d folded, by document %+v",
					res.Alerts, res.Folded, res.Documents, alerts, folded, want)
			}
			if c.tested == 0 && len(c.rules) == 2 && alerts != 0 {
				t.Fatalf("the silenced base rule raised %d alerts live", alerts)
			}
			if len(c.rules) == 1 && len(want) != 3 {
				t.Fatalf("want alerts of all three documents, live raised %+v", want)
			}
		})
	}
}

// TestCorrelationEntitiesSummariseGroup: a correlation alert names the
// entities of the events that made it fire, also when they arrived in
// separate commits (the alert once named only those of the run it fired
// in: the last event's user, here).
func TestCorrelationEntitiesSummariseGroup(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: multiDoc}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	for i, u := range []string{"alice", "bob", "carol"} {
		ev := fmt.Sprintf(`{"@timestamp":%q,"message":"multi-failed-logon","host":{"name":"h9"},"user":{"name":%q},"source":{"ip":"192.0.2.%d"}}`,
			now.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano), u, i+1)
		in := f.ingest(t, true, ev)
		waitFor(t, "the event", func() bool {
			seq, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
			return err == nil && seq >= in[0].Seq
		})
	}
	var a store.Alert
	waitFor(t, "the value_count alert", func() bool {
		for _, x := range f.alerts(t) {
			if x.RuleDocumentID == "7b000000-0000-4000-8000-000000000003" {
				a = x
				return true
			}
		}
		return false
	})
	slices.Sort(a.Entities.Users)
	slices.Sort(a.Entities.IPs)
	if !slices.Equal(a.Entities.Users, []string{"alice", "bob", "carol"}) || !slices.Equal(a.Entities.IPs, []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}) ||
		!slices.Equal(a.Entities.Hosts, []string{"h9"}) {
		t.Fatalf("entities: %+v", a.Entities)
	}
}
