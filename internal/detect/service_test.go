package detect

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

const encodedPS = `title: Encoded PowerShell
id: 6f1e5f8a-1111-4111-8111-111111111111
status: test
level: high
description: PowerShell started with an encoded command.
author: EventSec tests
tags: [attack.execution, attack.t1059.001]
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    Image|endswith: '\powershell.exe'
    CommandLine|contains: ' -enc '
  condition: sel
falsepositives: [admin scripts]
`

const bruteForceJSON = `{
  "name": "Brute Force Detection",
  "severity": "high",
  "conditions": [{"field": "eventType", "operator": "equals", "value": "LOGIN_FAILURE",
    "aggregation": {"window": 5, "threshold": 5, "group_by": ["source_ip"]}}],
  "actions": [{"type": "email", "config": {"recipients": ["security@example.com"]}}]
}`

type fixture struct {
	ctx    context.Context
	st     store.Store
	ev     *duckdb.Store
	svc    *Service
	norm   *normalize.Normalizer
	org    string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Orgs().Create(ctx, store.Org{ID: "org1", Name: "Org 1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ev, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(dir, "events")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	f := &fixture{ctx: ctx, st: st, ev: ev, org: "org1", dir: dir, norm: normalize.New(normalize.Options{})}
	f.svc = f.open(t)
	return f
}

func (f *fixture) open(t *testing.T) *Service {
	t.Helper()
	return f.openWith(t, nil)
}

// serveWith makes f's service one over o (the fixture's event store,
// normalizer and state directory filled in), with the given rules.
func (f *fixture) serveWith(t *testing.T, o Options, rules ...string) {
	t.Helper()
	o.Events, o.Normalizer, o.StateDir = f.ev, f.norm, filepath.Join(f.dir, "detection")
	svc, err := New(f.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	for _, src := range rules {
		if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src}); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) openWith(t *testing.T, firstStartAfter *int64) *Service {
	t.Helper()
	svc, err := New(f.ctx, Options{Store: f.st, Events: f.ev, Normalizer: f.norm, StateDir: filepath.Join(f.dir, "detection"),
		SnapshotEvery: 50 * time.Millisecond, FirstStartAfter: firstStartAfter})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *fixture) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(f.ctx)
	f.cancel, f.done = cancel, make(chan error, 1)
	go func() { f.done <- f.svc.Run(ctx) }()
	// On a first start Run begins with the events committed after it read
	// its position: wait for that, so that the test's events are
	// evaluated. (Waiting for the checkpoint row was no wait at all: Get
	// answers 0 for a missing one, and under load the first events were
	// committed before Run started and skipped.)
	select {
	case <-f.svc.Ready():
	case err := <-f.done:
		t.Fatalf("detection stopped at start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for detection to start")
	}
}

func (f *fixture) stop(t *testing.T) {
	t.Helper()
	f.cancel()
	if err := <-f.done; err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ingest normalizes raw events, stores them and hands them to detection
// as the pipeline does.
func (f *fixture) ingest(t *testing.T, publish bool, raws ...string) []event.Event {
	t.Helper()
	var evs []event.Event
	for _, r := range raws {
		evs = append(evs, f.norm.Normalize(normalize.Input{OrgID: f.org, Input: "http", Received: time.Now(), Raw: []byte(r)}))
	}
	res, err := f.ev.Append(f.ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if publish {
		f.svc.Publish(res.Stored)
	}
	return res.Stored
}

func (f *fixture) alerts(t *testing.T) []store.Alert {
	t.Helper()
	al, _, err := f.st.Alerts().List(f.ctx, f.org, store.AlertFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return al
}

var actor = Actor{OrgID: "org1", UserID: "u1", Email: "analyst@example.com"}

func sysmonPS(host, cmd string, ts time.Time) string {
	b, _ := json.Marshal(map[string]any{"@timestamp": ts.UTC().Format(time.RFC3339Nano), "host": map[string]any{"name": host},
		"winlog": map[string]any{"event_id": 1, "channel": "Microsoft-Windows-Sysmon/Operational", "provider_name": "Microsoft-Windows-Sysmon",
			"event_data": map[string]any{"Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "CommandLine": cmd, "User": `CORP\alice`}}})
	return string(b)
}

func loginFailure(ip string, ts time.Time) string {
	return fmt.Sprintf(`{"eventType":"LOGIN_FAILURE","source_ip":%q,"user":"bob","timestamp":%q}`, ip, ts.UTC().Format(time.RFC3339Nano))
}

// prematchAndIngest is the ingest pipeline's order: match while the
// commit waits, then append and publish.
func (f *fixture) prematchAndIngest(t *testing.T, raws ...string) []event.Event {
	t.Helper()
	var evs []event.Event
	for _, r := range raws {
		evs = append(evs, f.norm.Normalize(normalize.Input{OrgID: f.org, Input: "http", Received: time.Now(), Raw: []byte(r)}))
	}
	f.svc.Prematch(evs)
	for i, ev := range evs {
		if _, ok := ev.Matched.(*prematched); !ok {
			t.Fatalf("event %d not prematched", i)
		}
	}
	return f.appendAndPublish(t, evs)
}

func (f *fixture) appendAndPublish(t *testing.T, evs []event.Event) []event.Event {
	t.Helper()
	res, err := f.ev.Append(f.ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Publish(res.Stored)
	return res.Stored
}

func TestPrematchedEvents(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	// Matched before the commit: the stream raises the alert from it.
	f.prematchAndIngest(t, sysmonPS("PM1", "powershell -enc SQBFAFgA", now), sysmonPS("PM1", "cmd /c ver", now))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	if a := f.alerts(t)[0]; a.RuleID != r.ID || a.Count != 1 || a.Entities.Hosts[0] != "PM1" {
		t.Fatalf("alert: %+v", a)
	}
	// Matched under a rule set that changed before the commit: matched
	// again. The rule is disabled in between: no alert.
	evs := []event.Event{f.norm.Normalize(normalize.Input{OrgID: f.org, Input: "http", Received: time.Now(), Raw: []byte(sysmonPS("PM2", "powershell -enc AAAA", now))})}
	f.svc.Prematch(evs)
	if pm := evs[0].Matched.(*prematched); len(pm.ids) == 0 {
		t.Fatal("the prematch missed the rule")
	}
	off, on := false, true
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	pm2 := f.appendAndPublish(t, evs)
	// The stream must be past PM2 before the rule is enabled again: it
	// matches PM2 under the rules of the moment it evaluates it.
	waitFor(t, "the stream past PM2", func() bool {
		cp, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
		return err == nil && cp >= pm2[0].Seq
	})
	// And the other way: no match before the rule is enabled, an alert after.
	evs = []event.Event{f.norm.Normalize(normalize.Input{OrgID: f.org, Input: "http", Received: time.Now(), Raw: []byte(sysmonPS("PM3", "powershell -enc BBBB", now))})}
	f.svc.Prematch(evs)
	if pm := evs[0].Matched.(*prematched); len(pm.ids) != 0 {
		t.Fatalf("a disabled rule matched: %v", pm.ids)
	}
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	f.appendAndPublish(t, evs)
	waitFor(t, "the PM3 alert", func() bool { return len(f.alerts(t)) == 2 })
	time.Sleep(200 * time.Millisecond)
	for _, a := range f.alerts(t) {
		if a.Entities.Hosts[0] == "PM2" {
			t.Fatal("a stale prematch raised an alert for a disabled rule")
		}
	}
	// A large batch is matched on every core, each event its own result.
	var raws []string
	for i := range 1000 {
		cmd := "cmd /c ver"
		if i%100 == 7 {
			cmd = "powershell -enc CCCC"
		}
		raws = append(raws, sysmonPS(fmt.Sprintf("PB%d", i), cmd, now))
	}
	stored := f.prematchAndIngest(t, raws...)
	matched := 0
	for _, ev := range stored {
		if len(ev.Matched.(*prematched).ids) > 0 {
			matched++
		}
	}
	if matched != 10 {
		t.Fatalf("%d of 1,000 events prematched a rule, want 10", matched)
	}
	waitFor(t, "the batch's alerts", func() bool { return len(f.alerts(t)) == 12 })
}

func TestDetectionRaisesFoldsAndTunes(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindDetection || r.Level != "high" || r.Product != "windows" || r.Category != "process_creation" || !r.Enabled {
		t.Fatalf("stored rule: %+v", r)
	}
	f.start(t)
	defer f.stop(t)
	now := time.Now()
	f.ingest(t, true, sysmonPS("WS1", "powershell -nop -enc SQBFAFgA", now), sysmonPS("WS1", "powershell -File x.ps1", now))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	a := f.alerts(t)[0]
	if a.RuleID != r.ID || a.Severity != "high" || a.Count != 1 || len(a.EventIDs) != 1 || a.Status != store.AlertNew ||
		len(a.Techniques) != 1 || a.Techniques[0] != "T1059.001" || len(a.Entities.Hosts) != 1 || a.Entities.Hosts[0] != "WS1" {
		t.Fatalf("alert: %+v", a)
	}
	// A repeat on the same host folds into the open alert.
	f.ingest(t, true, sysmonPS("WS1", "powershell -w hidden -enc ZQBjAGgAbwA=", now.Add(time.Second)))
	waitFor(t, "the fold", func() bool { a := f.alerts(t); return len(a) == 1 && a[0].Count == 2 })
	// Another host is another alert.
	f.ingest(t, true, sysmonPS("WS2", "powershell -enc ZQBjAGgAbwA=", now))
	waitFor(t, "the second alert", func() bool { return len(f.alerts(t)) == 2 })
	// An exception suppresses matches on WS3 only.
	if _, _, err := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Field: "host.name", Operator: "equals", Value: "ws3", Reason: "build server"}); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, true, sysmonPS("WS3", "powershell -enc AAAA", now), sysmonPS("WS4", "powershell -enc AAAA", now))
	waitFor(t, "the WS4 alert", func() bool { return len(f.alerts(t)) == 3 })
	time.Sleep(200 * time.Millisecond)
	for _, a := range f.alerts(t) {
		if len(a.Entities.Hosts) > 0 && a.Entities.Hosts[0] == "WS3" {
			t.Fatal("the exception did not suppress WS3")
		}
	}
	// Disabled rules do not match.
	off := false
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, true, sysmonPS("WS5", "powershell -enc AAAA", now))
	time.Sleep(300 * time.Millisecond)
	if n := len(f.alerts(t)); n != 3 {
		t.Fatalf("%d alerts after disabling, want 3", n)
	}
	// Statistics were checkpointed with the alerts.
	st, err := f.st.Rules().Stats(f.ctx, f.org)
	if err != nil || len(st) != 1 || st[0].Matches != 4 || st[0].Alerts != 3 {
		t.Fatalf("stats %v %+v", err, st)
	}
	// Every change was audited.
	entries, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 10})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit: %v %d entries", err, len(entries))
	}
}

func TestJSONThresholdRule(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: bruteForceJSON})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindThreshold || r.Format != FormatJSON {
		t.Fatalf("rule %+v", r)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Minute)
	// Four failures: below the threshold.
	for i := 0; i < 4; i++ {
		f.ingest(t, true, loginFailure("203.0.113.5", base.Add(time.Duration(i)*time.Second)))
	}
	// Five from another IP, spread over 6 minutes: never 5 within 5 minutes.
	for i := 0; i < 5; i++ {
		f.ingest(t, true, loginFailure("198.51.100.7", base.Add(-10*time.Minute+time.Duration(i)*90*time.Second)))
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(f.alerts(t)); n != 0 {
		t.Fatalf("%d alerts below the threshold", n)
	}
	f.ingest(t, true, loginFailure("203.0.113.5", base.Add(10*time.Second)))
	waitFor(t, "the threshold alert", func() bool { return len(f.alerts(t)) == 1 })
	a := f.alerts(t)[0]
	if a.Group["source_ip"] != "203.0.113.5" || len(a.EventIDs) != 5 || a.Severity != "high" || a.RuleKind != KindThreshold {
		t.Fatalf("alert %+v", a)
	}
	// The group's address, and the user of the event that crossed the
	// threshold.
	if !slices.Contains(a.Entities.IPs, "203.0.113.5") || !slices.Equal(a.Entities.Users, []string{"bob"}) {
		t.Fatalf("entities %+v", a.Entities)
	}
}

// TestJSONRuleOnSendersKeys: a JSON rule on keys as an application
// sends them (the seed's "service", which normalization stores as
// service.name) raises its alert live, groups by them, and its sample
// test says the same.
func TestJSONRuleOnSendersKeys(t *testing.T) {
	f := newFixture(t)
	exportRule := `{"name":"Walk Billing Export","severity":"high","conditions":[
  {"field":"eventType","operator":"equals","value":"DATA_EXPORT"},
  {"field":"service","operator":"equals","value":"billing"}]}`
	burst := `{"name":"Exports by agent","conditions":[{"field":"eventType","operator":"equals","value":"DATA_EXPORT",
  "aggregation":{"window":5,"threshold":2,"group_by":["agent","service"]}}]}`
	for _, src := range []string{exportRule, burst} {
		if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	app := func(service, agent string) string {
		return fmt.Sprintf(`{"timestamp":%q,"eventType":"DATA_EXPORT","user":"ivy","source_ip":"10.3.3.3","service":%q,"agent":%q,"record_count":10}`,
			time.Now().UTC().Format(time.RFC3339Nano), service, agent)
	}
	f.start(t)
	defer f.stop(t)
	f.ingest(t, true, app("portal", "curl/8.1"))
	f.ingest(t, true, app("billing", "curl/8.1"))
	waitFor(t, "the export alert", func() bool { return len(f.alerts(t)) == 1 })
	time.Sleep(200 * time.Millisecond)
	for _, a := range f.alerts(t) {
		switch a.RuleTitle {
		case "Walk Billing Export":
			if len(a.EventIDs) != 1 {
				t.Errorf("export alert %+v", a)
			}
		case "Exports by agent":
			t.Errorf("the group-by counted two services as one: %+v", a)
		}
	}
	f.ingest(t, true, app("billing", "curl/8.1"))
	waitFor(t, "the burst alert", func() bool {
		for _, a := range f.alerts(t) {
			if a.RuleTitle == "Exports by agent" {
				if a.Group["agent"] != "curl/8.1" || a.Group["service"] != "billing" {
					t.Fatalf("group %v", a.Group)
				}
				return true
			}
		}
		return false
	})

	u, problems := Compile(FormatJSON, exportRule, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	res, err := f.svc.Test(f.ctx, f.org, u, TestInput{Events: []json.RawMessage{json.RawMessage(app("billing", "x")), json.RawMessage(app("portal", "x"))}})
	if err != nil || res.Matched != 1 {
		t.Fatalf("sample test: %v %+v", err, res)
	}
}

// TestThresholdAlertNamesItsEntities: a threshold rule without group-by
// (the seed's own example) names the users and addresses of the events
// it counted that arrived with the one that fired it; an application
// event that names its user by ID alone gives that ID.
func TestThresholdAlertNamesItsEntities(t *testing.T) {
	f := newFixture(t)
	seed := `{"name": "Brute Force Detection", "conditions": [{"field": "eventType", "operator": "equals", "value": "LOGIN_FAILURE",
  "aggregation": {"window": 5, "threshold": 5}}]}`
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: seed}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Minute)
	var burst []string
	for i := range 5 {
		burst = append(burst, fmt.Sprintf(`{"eventType":"LOGIN_FAILURE","userId":"u-%d","ipAddress":"81.2.69.14%d","timestamp":%q}`,
			i, i, base.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano)))
	}
	f.ingest(t, true, burst...)
	waitFor(t, "the threshold alert", func() bool { return len(f.alerts(t)) == 1 })
	a := f.alerts(t)[0]
	slices.Sort(a.Entities.Users)
	slices.Sort(a.Entities.IPs)
	if !slices.Equal(a.Entities.Users, []string{"u-0", "u-1", "u-2", "u-3", "u-4"}) ||
		!slices.Equal(a.Entities.IPs, []string{"81.2.69.140", "81.2.69.141", "81.2.69.142", "81.2.69.143", "81.2.69.144"}) || len(a.Group) != 0 {
		t.Fatalf("alert entities %+v, group %v", a.Entities, a.Group)
	}
	first := base.UTC()
	if want := fmt.Sprintf("5 matching events between %s and %s UTC", first.Format("15:04:05"), first.Add(4*time.Second).Format("15:04:05")); !strings.Contains(a.Description, want) {
		t.Fatalf("description %q lacks %q", a.Description, want)
	}
	// A later burst folds in: the alert tells its latest window.
	var more []string
	for i := range 5 {
		more = append(more, fmt.Sprintf(`{"eventType":"LOGIN_FAILURE","userId":"u-%d","timestamp":%q}`, 10+i, base.Add(time.Duration(30+i)*time.Second).UTC().Format(time.RFC3339Nano)))
	}
	f.ingest(t, true, more...)
	waitFor(t, "the repeat to fold", func() bool { return f.alerts(t)[0].Count > 1 })
	a = f.alerts(t)[0]
	if later := first.Add(34 * time.Second).Format("15:04:05"); !strings.Contains(a.Description, later+" UTC") {
		t.Fatalf("folded description %q does not end at %s", a.Description, later)
	}
}

// TestRestartNeitherLosesNorDuplicates: events committed while detection
// was down are evaluated after the restart, once; correlation windows
// open before the restart continue.
func TestRestartNeitherLosesNorDuplicates(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: bruteForceJSON}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	now := time.Now()
	f.ingest(t, true, sysmonPS("H1", "powershell -enc A", now))
	for i := 0; i < 3; i++ {
		f.ingest(t, true, loginFailure("192.0.2.9", now.Add(time.Duration(i)*time.Second)))
	}
	waitFor(t, "the first alert", func() bool { return len(f.alerts(t)) == 1 })
	time.Sleep(200 * time.Millisecond) // a snapshot with the 3 failures
	f.stop(t)
	// Down: events are committed but nobody publishes them.
	f.ingest(t, false, sysmonPS("H2", "powershell -enc B", now))
	f.ingest(t, false, loginFailure("192.0.2.9", now.Add(3*time.Second)), loginFailure("192.0.2.9", now.Add(4*time.Second)))
	f.svc = f.open(t)
	f.start(t)
	defer f.stop(t)
	waitFor(t, "alerts after the restart", func() bool { return len(f.alerts(t)) == 3 })
	time.Sleep(300 * time.Millisecond)
	al := f.alerts(t)
	if len(al) != 3 {
		t.Fatalf("%d alerts, want 3 (H1, H2, brute force)", len(al))
	}
	kinds := map[string]int{}
	for _, a := range al {
		kinds[a.RuleKind]++
		if a.Count != 1 {
			t.Fatalf("alert counted twice: %+v", a)
		}
	}
	if kinds[KindThreshold] != 1 || kinds[KindDetection] != 2 {
		t.Fatalf("alerts by kind: %v", kinds)
	}
}

func TestRuleValidationErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		src, want string
		line      int
	}{
		{"title: x\nid: a\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|endswithh: x\n  condition: sel\n", "endswithh", 6},
		{"title: x\nid: a\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image: x\n  condition: sel and missing\n", "missing", 7},
		{"title: x\nid: a\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|re: '(['\n  condition: sel\n", "", 6},
		{"title: [unclosed\n", "", 1},
		{`{"name": "x", "conditions": [{"field": "a", "operator": "nope", "value": 1}]}`, "nope", 1},
	}
	for _, c := range cases {
		_, err := f.svc.Create(f.ctx, actor, RuleInput{Source: c.src})
		var ire *InvalidRuleError
		if !errors.As(err, &ire) || len(ire.Problems) == 0 {
			t.Errorf("%q: want InvalidRuleError, got %v", c.src, err)
			continue
		}
		p := ire.Problems[0]
		if p.Line != c.line || !strings.Contains(p.Message, c.want) {
			t.Errorf("%q: got %d:%d %s", c.src, p.Line, p.Column, p.Message)
		}
	}
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Create(f.ctx, actor, RuleInput{Source: strings.Replace(encodedPS, "Encoded PowerShell", "Copy", 1)})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: %v", err)
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return b.Bytes()
}

func TestImportPack(t *testing.T) {
	f := newFixture(t)
	data := zipOf(t, map[string]string{
		"rules/windows/ps.yml":    encodedPS,
		"rules/app/brute.json":    bruteForceJSON,
		"rules/bad.yml":           "title: x\nid: b\nlogsource: {product: windows}\ndetection:\n  condition: nothing\n",
		"../../etc/evil.yml":      encodedPS,
		"rules/README.md":         "# not a rule",
		"rules/big.yml":           strings.Repeat("#", MaxSourceBytes+10),
		"rules/dup.yml":           strings.Replace(encodedPS, "Encoded PowerShell", "Dup", 1),
		".git/config.yml":         "x: 1",
		"rules/__MACOSX/junk.yml": "x",
		// SigmaHQ's regression data: events and test metadata, not rules.
		"regression_data/ps/events.json": `{"Event": {"System": {"EventID": 1}}}` + "\n" + `{"Event": {"System": {"EventID": 1}}}`,
		"regression_data/ps/array.json":  `[{"Event": {}}]`,
		"regression_data/ps/info.yml":    "id: 1f3c\nrule_metadata:\n  - id: 2a4b\nregression_tests_info:\n  - name: Positive\n",
		// A rule without its title is a broken rule, not test data.
		"rules/untitled.yml": "logsource: {product: windows}\ndetection:\n  sel: {Image: x}\n  condition: sel\n",
	})
	files, skipped, err := ReadZip(data, "pack.zip")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Import(f.ctx, actor, files, ImportOptions{Pack: "custom", Skipped: skipped})
	if err != nil {
		t.Fatal(err)
	}
	failedFiles := map[string]bool{}
	for _, p := range rep.Failed {
		failedFiles[p.File] = true
	}
	// A file reports all its problems: untitled.yml has no title and no id.
	if rep.Loaded != 2 || len(failedFiles) != 3 || len(rep.Failed) != 4 || len(rep.Skipped) != 6 {
		t.Fatalf("report: %+v", rep)
	}
	for _, sk := range rep.Skipped {
		if strings.HasPrefix(sk.File, "regression_data/") && !strings.HasPrefix(sk.Reason, "not a ") {
			t.Errorf("%s skipped for %q", sk.File, sk.Reason)
		}
	}
	for _, p := range rep.Failed {
		if p.File == "" || p.Line == 0 {
			t.Errorf("failure without a position: %+v", p)
		}
	}
	// The same pack again: unchanged.
	rep, err = f.svc.Import(f.ctx, actor, files, ImportOptions{Pack: "custom"})
	if err != nil || rep.Loaded != 0 || rep.Unchanged != 2 {
		t.Fatalf("re-import: %v %+v", err, rep)
	}
	if _, _, err := ReadZip([]byte("PK\x03\x04garbage"), "x.zip"); !errors.Is(err, ErrPack) {
		t.Fatalf("corrupt zip: %v", err)
	}
}

func TestSampleTest(t *testing.T) {
	f := newFixture(t)
	u, problems := Compile(FormatJSON, bruteForceJSON, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var evs []json.RawMessage
	now := time.Now()
	for i := 0; i < 12; i++ {
		evs = append(evs, json.RawMessage(loginFailure("203.0.113.5", now.Add(time.Duration(i)*time.Second))))
	}
	evs = append(evs, json.RawMessage(`"Nov 23 10:00:01 web1 sshd[123]: Failed password for root from 203.0.113.5 port 22 ssh2"`))
	res, err := f.svc.Test(f.ctx, f.org, u, TestInput{Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	// The threshold is crossed twice; live, the second window folds into
	// the first one's alert.
	if res.Scanned != 13 || res.Matched != 12 || res.Alerts != 1 || res.Folded != 1 || len(res.Correlations) != 2 || len(res.Matches) != 12 {
		t.Fatalf("test result: scanned %d matched %d alerts %d folded %d matches %d", res.Scanned, res.Matched, res.Alerts, res.Folded, len(res.Matches))
	}
	u, _ = Compile(FormatSigma, encodedPS, "")
	f.ingest(t, false, sysmonPS("B1", "powershell -enc Z", now.Add(-time.Hour)), sysmonPS("B2", "cmd /c dir", now.Add(-time.Hour)))
	res, err = f.svc.Test(f.ctx, f.org, u, TestInput{From: now.Add(-2 * time.Hour), To: now})
	if err != nil || res.Scanned != 2 || res.Matched != 1 || res.Alerts != 1 {
		t.Fatalf("backtest: %v %+v", err, res)
	}
	_, err = f.svc.Test(f.ctx, f.org, u, TestInput{Events: []json.RawMessage{json.RawMessage(`42`)}})
	var se *SampleError
	if !errors.As(err, &se) || se.Index != 0 {
		t.Fatalf("bad sample: %v", err)
	}
}

func TestRetroHunt(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	f.ingest(t, false, sysmonPS("OLD1", "powershell -enc A", old), sysmonPS("OLD2", "powershell -enc B", old), sysmonPS("OLD3", "cmd /c ver", old))
	j, err := f.svc.StartRetroHunt(f.ctx, actor, r.ID, time.Now().Add(-72*time.Hour), time.Time{}, true)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retro-hunt", func() bool {
		j, _ = f.svc.RetroHunt(f.org, j.ID)
		return j.Status != HuntRunning
	})
	if j.Status != HuntDone || j.Result == nil || j.Result.Matched != 2 || j.AlertsCreated != 2 || j.AlertsFolded != 0 || j.Progress != 1 {
		t.Fatalf("job: %+v", j)
	}
	if al := f.alerts(t); len(al) != 2 {
		t.Fatalf("%d alerts raised, want 2", len(al))
	}
	// The stream's checkpoint did not move.
	if seq, _ := f.st.Checkpoints().Get(f.ctx, CheckpointName); seq != 0 {
		t.Fatalf("checkpoint moved to %d", seq)
	}
	if l := f.svc.RetroHunts(f.org); len(l) != 1 || l[0].Result != nil {
		t.Fatalf("list: %+v", l)
	}
	if _, err := f.svc.RetroHunt("other", j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other org sees the job: %v", err)
	}
	if _, err := f.svc.StartRetroHunt(f.ctx, actor, r.ID, time.Now(), time.Now().Add(-time.Hour), false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("from after to: %v", err)
	}
}

// A retro-hunt reads the whole range, past a backtest's limit and over
// several of the store's chunks, and raises the alerts of the last events.
func TestRetroHuntPastBacktestLimit(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	var raws []string
	for i := 0; i < 6000; i++ {
		// Four a second: the limit falls inside a second.
		raws = append(raws, sysmonPS("N", fmt.Sprintf("cmd /c ver %d", i), old.Add(time.Duration(i)*250*time.Millisecond)))
	}
	for i := 1; i <= 3; i++ {
		raws = append(raws, sysmonPS(fmt.Sprintf("M%d", i), "powershell -enc QQ", old.Add(2*time.Hour+time.Duration(i)*time.Second)))
	}
	f.ingest(t, false, raws...)
	limit := MaxBacktestEvents
	MaxBacktestEvents = 1000
	defer func() { MaxBacktestEvents = limit }()
	u, _ := Compile(FormatSigma, encodedPS, "")
	res, err := f.svc.Test(f.ctx, f.org, u, TestInput{From: old.Add(-time.Hour), To: time.Now()})
	// The backtest reads the newest 1,000 events of the range: the three
	// matches and the newest 997 others, from the second of the 5,003rd
	// (at old + 1,250.75 s), skipping that second's older events.
	if err != nil || !res.Truncated || !res.ScanLimited || res.Scanned != 1000 || res.Matched != 3 ||
		res.ScannedFrom.Before(old.Add(1249*time.Second)) || res.ScannedFrom.After(old.Add(1250750*time.Millisecond)) {
		t.Fatalf("backtest: %v %+v", err, res)
	}
	// A limit smaller than the newest histogram bucket: the backtest
	// reads the newest two matches (one second apart).
	MaxBacktestEvents = 2
	res, err = f.svc.Test(f.ctx, f.org, u, TestInput{From: old.Add(-time.Hour), To: old.Add(2*time.Hour + 3*time.Second + time.Millisecond)})
	if err != nil || !res.ScanLimited || res.Scanned != 2 || res.Matched != 2 {
		t.Fatalf("limit inside the newest bucket: %v %+v", err, res)
	}
	for _, m := range res.Matches {
		if m.Timestamp.Before(old.Add(2*time.Hour + 2*time.Second).Truncate(time.Millisecond)) {
			t.Fatalf("read the match at %v, not one of the newest two (after %v): %+v", m.Timestamp, old.Add(2*time.Hour+2*time.Second), res)
		}
	}
	MaxBacktestEvents = 1000
	j, err := f.svc.StartRetroHunt(f.ctx, actor, r.ID, old.Add(-time.Hour), time.Time{}, true)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retro-hunt", func() bool {
		j, _ = f.svc.RetroHunt(f.org, j.ID)
		return j.Status != HuntRunning
	})
	if j.Status != HuntDone || j.Result == nil || j.Result.Truncated || j.Result.ScanLimited || j.Scanned != 6003 || j.Total != 6003 || j.Result.Matched != 3 || j.AlertsCreated != 3 {
		t.Fatalf("job: %+v %+v", j, j.Result)
	}
	if al := f.alerts(t); len(al) != 3 {
		t.Fatalf("%d alerts raised, want 3", len(al))
	}
}

type fakeQueries struct {
	calls []string
	rows  [][]any
}

func (q *fakeQueries) RunScheduled(ctx context.Context, orgID, query string, from, to time.Time, limit int) ([]string, [][]any, error) {
	q.calls = append(q.calls, fmt.Sprintf("%s %s %s", orgID, query, to.Sub(from)))
	return []string{"Computer", "Account", "EventSecId"}, q.rows, nil
}

func TestScheduledKQLRule(t *testing.T) {
	f := newFixture(t)
	fq := &fakeQueries{}
	f.svc.o.Queries = fq
	src := `{"name": "Many failed logons", "severity": "high", "tags": ["attack.credential-access", "attack.t1110"],
		"query": "SecurityEvent | where EventID == 4625 | summarize n = count() by Computer, Account | where n > 10",
		"frequency_minutes": 5, "period_minutes": 60, "threshold": 2}`
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Format: FormatKQL, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindScheduled || r.Level != "high" {
		t.Fatalf("rule %+v", r)
	}
	fq.rows = [][]any{{"WS1", `CORP\bob`, "e1"}}
	f.svc.runScheduled(f.ctx) // one row: under the threshold
	if len(fq.calls) != 1 || !strings.Contains(fq.calls[0], "1h0m0s") || len(f.alerts(t)) != 0 {
		t.Fatalf("calls %v, alerts %d", fq.calls, len(f.alerts(t)))
	}
	f.svc.runScheduled(f.ctx) // not due yet
	if len(fq.calls) != 1 {
		t.Fatalf("ran before it was due: %v", fq.calls)
	}
	f.svc.schedMu.Lock()
	for k := range f.svc.lastRun {
		f.svc.lastRun[k] = f.svc.lastRun[k].Add(-5 * time.Minute)
	}
	f.svc.schedMu.Unlock()
	fq.rows = [][]any{{"WS1", `CORP\bob`, "e1"}, {"WS2", `CORP\eve`, "e2"}}
	f.svc.runScheduled(f.ctx)
	al := f.alerts(t)
	if len(al) != 1 || al[0].RuleKind != KindScheduled || al[0].Severity != "high" || len(al[0].Entities.Hosts) != 2 ||
		len(al[0].EventIDs) != 2 || len(al[0].Techniques) != 1 {
		t.Fatalf("alerts %+v", al)
	}
	// Its events are the rows' (not matches to find again), and its
	// alerts are keyed by the rule: no grouping fields.
	if _, err := f.svc.AlertEvents(f.ctx, f.org, al[0], "", 10); !errors.Is(err, ErrListedEvents) {
		t.Fatalf("a scheduled query's alert events: %v", err)
	}
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{AlertGroupBy: &[]string{"user.name"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("grouping a scheduled rule's alerts: %v", err)
	}
	// Bad rules are refused with the reason.
	for _, bad := range []string{`{"name": "x"}`, `{"name": "x", "query": "T", "severity": "urgent"}`, `{"name": "x", "query": "T", "every": 5}`} {
		if _, err := f.svc.Create(f.ctx, actor, RuleInput{Format: FormatKQL, Source: bad}); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestFirstStartFromServerStart: on the very first start, detection
// evaluates the events committed since the server opened its listeners
// (FirstStartAfter), even those committed before Run began and never
// published to it; the history before stays out.
func TestFirstStartFromServerStart(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	f.ingest(t, false, sysmonPS("OLD", "powershell -enc HISTORY", now.Add(-time.Hour)))
	startSeq, err := f.ev.LastSeq(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = f.openWith(t, &startSeq)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	// Received at start-up, before detection runs: stored, not published.
	f.ingest(t, false, sysmonPS("EARLY", "powershell -enc EARLY", now))
	f.start(t)
	defer f.stop(t)
	waitFor(t, "the alert on the start-up event", func() bool { return len(f.alerts(t)) == 1 })
	time.Sleep(300 * time.Millisecond)
	al := f.alerts(t)
	if len(al) != 1 || len(al[0].Entities.Hosts) != 1 || al[0].Entities.Hosts[0] != "EARLY" {
		t.Fatalf("alerts %+v", al)
	}
}

// flakyStore makes the next fail transactions fail after their work, as
// a full disk would at COMMIT: everything in them is rolled back.
type flakyStore struct {
	store.Store
	fail atomic.Int32
	busy bool // fail with store.ErrBusy (a deadlock) instead
}

func (s *flakyStore) Tx(ctx context.Context, fn func(store.Repos) error) error {
	return s.inject(s.Store.Tx, ctx, fn)
}

func (s *flakyStore) TxLazy(ctx context.Context, fn func(store.Repos) error) error {
	return s.inject(s.Store.TxLazy, ctx, fn)
}

func (s *flakyStore) inject(tx func(context.Context, func(store.Repos) error) error, ctx context.Context, fn func(store.Repos) error) error {
	return tx(ctx, func(r store.Repos) error {
		if err := fn(r); err != nil {
			return err
		}
		if s.fail.Add(-1) >= 0 {
			if s.busy {
				return fmt.Errorf("%w: injected: deadlock detected", store.ErrBusy)
			}
			return errors.New("injected: disk full")
		}
		return nil
	})
}

// syncStore records which of detection's transactions waited for the
// disk: "lazy" or "durable", in commit order.
type syncStore struct {
	store.Store
	mu      sync.Mutex
	commits []string
}

func (s *syncStore) record(kind string, err error) error {
	if err == nil {
		s.mu.Lock()
		s.commits = append(s.commits, kind)
		s.mu.Unlock()
	}
	return err
}

func (s *syncStore) Tx(ctx context.Context, fn func(store.Repos) error) error {
	return s.record("durable", s.Store.Tx(ctx, fn))
}

func (s *syncStore) TxLazy(ctx context.Context, fn func(store.Repos) error) error {
	return s.record("lazy", s.Store.TxLazy(ctx, fn))
}

func (s *syncStore) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commits)
}

// TestStreamCommitsLazily: the stream stores alerts without waiting for
// the disk, and makes them durable before it saves the correlation state
// (which must never be ahead of a durable checkpoint) and when it stops.
func TestStreamCommitsLazily(t *testing.T) {
	f := newFixture(t)
	ss := &syncStore{Store: f.st}
	reg := prometheus.NewRegistry()
	f.serveWith(t, Options{Store: ss, SnapshotEvery: time.Hour, Registerer: reg}, encodedPS)
	f.start(t)
	before := len(ss.log())
	f.ingest(t, true, sysmonPS("L1", "powershell -enc Q", time.Now()))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	// The log records a commit once its call returns, a moment after the
	// alert is visible in the store.
	waitFor(t, "the alert's commit to be recorded", func() bool { return len(ss.log()) > before })
	got := ss.log()[before:]
	if got[len(got)-1] != "lazy" {
		t.Fatalf("the alert's commit: %v, want lazy", got)
	}
	// Each transaction's time is measured (once its call has returned,
	// a moment after the commit is logged).
	waitFor(t, "eventsec_detection_commit_seconds to count the transaction", func() bool {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "eventsec_detection_commit_seconds" {
				return mf.GetMetric()[0].GetHistogram().GetSampleCount() > 0
			}
		}
		return false
	})
	f.stop(t)
	got = ss.log()[before:]
	if got[len(got)-1] != "durable" {
		t.Fatalf("commits up to the stop: %v, want a durable one last", got)
	}
	last, err := f.ev.LastSeq(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := f.st.Checkpoints().Get(f.ctx, CheckpointName); err != nil || cp != last {
		t.Fatalf("checkpoint %d (%v), want %d", cp, err, last)
	}

	// A flush (asked before the correlation state is saved) stores the
	// last checkpoint again, durably, when the commits before were lazy;
	// after a durable one it has nothing to do.
	ss.mu.Lock()
	ss.commits = nil
	ss.mu.Unlock()
	cm := newCommitter(f.svc)
	go cm.run(f.ctx)
	cm.send(f.ctx, commitReq{seq: last + 5})
	waitFor(t, "the lazy commit", func() bool { return len(ss.log()) == 1 })
	if !cm.flush(f.ctx) || !cm.flush(f.ctx) {
		t.Fatal("flush failed")
	}
	close(cm.in)
	<-cm.done
	if got := ss.log(); !slices.Equal(got, []string{"lazy", "durable"}) {
		t.Fatalf("commits %v, want [lazy durable]", got)
	}
	if cp, err := f.st.Checkpoints().Get(f.ctx, CheckpointName); err != nil || cp != last+5 {
		t.Fatalf("checkpoint %d (%v), want %d", cp, err, last+5)
	}
}

// levels counts the log records at each level.
type levels struct {
	mu sync.Mutex
	n  map[slog.Level]int
}

func (l *levels) Enabled(context.Context, slog.Level) bool { return true }
func (l *levels) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n[r.Level]++
	return nil
}
func (l *levels) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levels) WithGroup(string) slog.Handler      { return l }
func (l *levels) count(lv slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[lv]
}

// TestAlertCommitBusyRetried: a transaction that PostgreSQL undid to
// break a deadlock (store.ErrBusy) is tried again at once, not after the
// second's wait of a failure, and says so as a warning, not an error.
func TestAlertCommitBusyRetried(t *testing.T) {
	f := newFixture(t)
	fs := &flakyStore{Store: f.st, busy: true}
	logs := &levels{n: map[slog.Level]int{}}
	f.serveWith(t, Options{Store: fs, Logger: slog.New(logs)}, encodedPS)
	f.start(t)
	defer f.stop(t)
	fs.fail.Store(3)
	f.ingest(t, true, sysmonPS("H7", "powershell -enc Q", time.Now()))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	if n := fs.fail.Load(); n > 0 {
		t.Fatalf("%d injected failures left", n)
	}
	if a := f.alerts(t)[0]; a.Count != 1 {
		t.Errorf("alert stored %d times", a.Count)
	}
	if logs.count(slog.LevelWarn) < 3 || logs.count(slog.LevelError) != 0 {
		t.Errorf("want the 3 lost transactions as warnings and no error, got %d warnings, %d errors",
			logs.count(slog.LevelWarn), logs.count(slog.LevelError))
	}
}

// TestAlertCommitRetried: when storing alerts fails, the same results are
// stored once the store recovers: no alert lost, none raised twice, no
// threshold fired by the retry, and the checkpoint reaches the last event.
func TestAlertCommitRetried(t *testing.T) {
	f := newFixture(t)
	fs := &flakyStore{Store: f.st}
	f.serveWith(t, Options{Store: fs, SnapshotEvery: 50 * time.Millisecond}, encodedPS, bruteForceJSON)
	f.start(t)
	defer f.stop(t)
	fs.fail.Store(2)
	now := time.Now()
	var last []event.Event
	for i := 0; i < 5; i++ {
		last = f.ingest(t, true, loginFailure("192.0.2.44", now.Add(time.Duration(i)*time.Second)))
	}
	last = f.ingest(t, true, sysmonPS("H9", "powershell -enc Q", now))
	waitFor(t, "both alerts", func() bool { return len(f.alerts(t)) == 2 })
	want := last[len(last)-1].Seq
	waitFor(t, "the checkpoint", func() bool {
		seq, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
		return err == nil && seq == want
	})
	time.Sleep(300 * time.Millisecond)
	if n := fs.fail.Load(); n > 0 {
		t.Fatalf("%d injected failures left: the commits were not tried", n)
	}
	al := f.alerts(t)
	if len(al) != 2 {
		t.Fatalf("%d alerts, want 2", len(al))
	}
	for _, a := range al {
		if a.Count != 1 {
			t.Errorf("alert raised twice: %s count %d", a.RuleTitle, a.Count)
		}
		if a.RuleKind == KindThreshold && len(a.EventIDs) != 5 {
			t.Errorf("threshold alert with %d events, want 5", len(a.EventIDs))
		}
	}
	// Three failures from another address, their commit failing once: the
	// retry must leave them three, below the threshold of five.
	fs.fail.Store(1)
	for i := 0; i < 3; i++ {
		last = f.ingest(t, true, loginFailure("198.51.100.99", now.Add(time.Duration(i)*time.Second)))
	}
	want = last[len(last)-1].Seq
	waitFor(t, "the checkpoint after the second failure", func() bool {
		seq, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
		return err == nil && seq == want
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(f.alerts(t)); n != 2 {
		t.Fatalf("%d alerts after three failures whose commit was retried, want 2", n)
	}
}

// TestArchiveRepeatsFoldByEventTime: events of an archive (2021, arriving
// now) fold by their own times, whether they come in one commit or in
// several, and a repeat two days later is a new alert. The window was
// once measured from the time of arrival: an archive's repeats folded
// within a commit and never across commits.
func TestArchiveRepeatsFoldByEventTime(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	old := time.Date(2021, 3, 1, 10, 0, 0, 0, time.UTC)
	f.ingest(t, true, sysmonPS("ARCH", "powershell -enc AAAA", old), sysmonPS("ARCH", "powershell -enc AAAB", old.Add(48*time.Hour)))
	f.ingest(t, true, sysmonPS("ARCH", "powershell -enc AAAC", old.Add(5*time.Minute)))
	f.ingest(t, true, sysmonPS("ARCH", "powershell -enc AAAD", old.Add(48*time.Hour+time.Minute)))
	waitFor(t, "the archive's alerts", func() bool {
		a := f.alerts(t)
		return len(a) == 2 && a[0].Count+a[1].Count == 4
	})
	for _, a := range f.alerts(t) {
		if a.Count != 2 || a.LastSeen.Sub(a.FirstSeen) > time.Hour || len(a.EventIDs) != 2 {
			t.Fatalf("alert %s: count %d, %s to %s, %d events; want the two repeats of one day", a.ID, a.Count, a.FirstSeen, a.LastSeen, len(a.EventIDs))
		}
	}
	// Retention deletes the archive's events and the archive is imported
	// again: the same events (same IDs) repeat the same detections, which
	// fold without being counted twice.
	if _, err := f.ev.DeleteBefore(f.ctx, f.org, old.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	again := f.ingest(t, true, sysmonPS("ARCH", "powershell -enc AAAA", old), sysmonPS("ARCH", "powershell -enc AAAB", old.Add(48*time.Hour)),
		sysmonPS("ARCH", "powershell -enc AAAC", old.Add(5*time.Minute)), sysmonPS("ARCH", "powershell -enc AAAD", old.Add(48*time.Hour+time.Minute)))
	if len(again) != 4 {
		t.Fatalf("re-import stored %d events, want 4", len(again))
	}
	// A live repeat years later is a new alert; once it is there, the
	// re-import's slice was committed too.
	f.ingest(t, true, sysmonPS("ARCH", "powershell -enc AAAE", time.Now()))
	waitFor(t, "the live alert", func() bool { return len(f.alerts(t)) == 3 })
	total := int64(0)
	for _, a := range f.alerts(t) {
		total += a.Count
	}
	if total != 5 {
		t.Fatalf("counts add up to %d after the re-import, want 5 (4 archived events counted once, 1 live)", total)
	}
}

// At most MaxRunningHunts retro-hunts run at once in an org; finished
// ones and other orgs' do not count.
func TestRetroHuntLimit(t *testing.T) {
	var h hunts
	var jobs []*RetroHunt
	for i := range MaxRunningHunts {
		j := &RetroHunt{ID: fmt.Sprint("j", i), Status: HuntRunning, StartedAt: time.Now()}
		if err := h.put("org1", j); err != nil {
			t.Fatalf("hunt %d: %v", i, err)
		}
		jobs = append(jobs, j)
	}
	if err := h.put("org1", &RetroHunt{ID: "over", Status: HuntRunning}); !errors.Is(err, ErrTooManyHunts) {
		t.Fatalf("one too many: %v", err)
	}
	if _, ok := h.get("org1", "over"); ok {
		t.Fatal("the refused hunt was kept")
	}
	if err := h.put("org2", &RetroHunt{ID: "other", Status: HuntRunning}); err != nil {
		t.Fatalf("another org: %v", err)
	}
	h.update(jobs[0], func(j *RetroHunt) { j.Status = HuntDone })
	if err := h.put("org1", &RetroHunt{ID: "next", Status: HuntRunning}); err != nil {
		t.Fatalf("after one finished: %v", err)
	}
}

// A Sysmon event shipped by NXLog (im_msvistalog, xm_json) raises the
// same alert as one shipped by Winlogbeat: the logsource mapping sees
// the same fields.
func TestNXLogEventRaisesSigmaAlert(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	nx, _ := json.Marshal(map[string]any{"EventTime": time.Now().UTC().Format("2006-01-02 15:04:05"), "Hostname": "NX-1",
		"EventID": 1, "SourceName": "Microsoft-Windows-Sysmon", "Channel": "Microsoft-Windows-Sysmon/Operational",
		"Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "CommandLine": "powershell -enc SQBFAFgA",
		"User": `CORP\alice`, "SourceModuleType": "im_msvistalog"})
	f.ingest(t, true, string(nx))
	waitFor(t, "the alert", func() bool {
		a := f.alerts(t)
		return len(a) == 1 && len(a[0].Entities.Hosts) == 1 && a[0].Entities.Hosts[0] == "NX-1"
	})
}
