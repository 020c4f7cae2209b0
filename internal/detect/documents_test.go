package detect

import (
	"fmt"
	"slices"
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
