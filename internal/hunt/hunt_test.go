package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

type fixture struct {
	ctx  context.Context
	st   store.Store
	ev   *duckdb.Store
	svc  *Service
	now  time.Time
	norm *normalize.Normalizer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, o := range []string{"org1", "org2"} {
		if err := st.Orgs().Create(ctx, store.Org{ID: o, Name: o, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(dir, "events")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	now := time.Now().UTC().Truncate(time.Second)
	f := &fixture{ctx: ctx, st: st, ev: ev, now: now, norm: normalize.New(normalize.Options{})}
	f.svc = New(Options{Store: st, Events: ev, Now: func() time.Time { return now }})
	return f
}

func (f *fixture) ingest(t testing.TB, org string, raws ...string) {
	t.Helper()
	var evs []event.Event
	for _, r := range raws {
		evs = append(evs, f.norm.Normalize(normalize.Input{OrgID: org, Input: "http", Received: f.now, Raw: []byte(r)}))
	}
	if _, err := f.ev.Append(f.ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func winlogon(ts time.Time, id int, host, user, ip, msg string) string {
	b, _ := json.Marshal(map[string]any{"@timestamp": ts.Format(time.RFC3339Nano), "message": msg, "host": map[string]any{"name": host},
		"winlog": map[string]any{"event_id": id, "channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing",
			"event_data": map[string]any{"TargetUserName": user, "TargetDomainName": "CORP", "LogonType": "3", "IpAddress": ip}}})
	return string(b)
}

func (f *fixture) run(t *testing.T, org, q string) Result {
	t.Helper()
	res, err := f.svc.Run(f.ctx, Request{OrgID: org, UserID: "u1", Query: q, From: f.now.Add(-24 * time.Hour), To: f.now, Limit: 500})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res
}

func TestViewsAndQueries(t *testing.T) {
	f := newFixture(t)
	var raws []string
	for i := 0; i < 30; i++ {
		raws = append(raws, winlogon(f.now.Add(-time.Duration(i)*time.Minute), 4625, fmt.Sprintf("WS%d", i%3), "bob", "203.0.113.5", "An account failed to log on"))
	}
	raws = append(raws, winlogon(f.now.Add(-2*time.Hour), 4624, "WS1", "alice", "10.0.0.5", "phish link clicked then logon"))
	raws = append(raws, `{"@timestamp":"`+f.now.Add(-time.Hour).Format(time.RFC3339)+`","eventType":"LOGIN_FAILURE","user":"carol","source_ip":"198.51.100.9","severity":"high","message":"phish kit login"}`)
	// A syslog time has no year or zone (UTC here): half an hour ago, so
	// that it stays inside the queries' last 24 hours whenever this runs.
	raws = append(raws, `<34>`+f.now.Add(-30*time.Minute).UTC().Format(time.Stamp)+` web1 sshd[123]: Failed password for root from 203.0.113.9 port 22 ssh2`)
	f.ingest(t, "org1", raws...)
	f.ingest(t, "org2", winlogon(f.now.Add(-time.Minute), 4625, "B-HOST", "mallory", "192.0.2.1", "other org"))

	res := f.run(t, "org1", `SecurityEvent | where EventID == 4625 | summarize failures = count() by Computer | sort by Computer asc`)
	if len(res.Rows) != 3 || res.Rows[0][0] != "WS0" || res.Rows[0][1] != int64(10) {
		t.Fatalf("failures by computer: %+v", res)
	}
	res = f.run(t, "org1", `SecurityEvent | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 10m)`)
	var total int64
	for _, r := range res.Rows {
		total += r[1].(int64)
	}
	if total != 30 || res.Columns[0].Name != "TimeGenerated" {
		t.Fatalf("by bin: %+v", res)
	}
	// The example, on any table with message and severity.
	res = f.run(t, "org1", `events | where severity == "high" and message contains "phish" | limit 50`)
	if len(res.Rows) != 1 {
		t.Fatalf("seed example: %+v", res)
	}
	res = f.run(t, "org1", `SecurityEvent | where Account =~ "corp\\BOB" | take 5 | project Computer, Account, IpAddress, LogonType`)
	if len(res.Rows) != 5 || res.Rows[0][1] != `CORP\bob` || res.Rows[0][3] != int64(3) {
		t.Fatalf("Account: %+v", res)
	}
	res = f.run(t, "org1", `Syslog | where SyslogMessage has "Failed" | project HostName, ProcessName, SyslogMessage`)
	if len(res.Rows) != 1 || res.Rows[0][1] != "sshd" {
		t.Fatalf("Syslog: %+v", res)
	}
	res = f.run(t, "org1", `SigninLogs | summarize n = count() by ResultType`)
	if len(res.Rows) == 0 {
		t.Fatalf("SigninLogs: %+v", res)
	}
	// Org isolation: org2 sees only its own event.
	res = f.run(t, "org2", `SecurityEvent | summarize n = count(), hosts = make_set(Computer)`)
	if res.Rows[0][0] != int64(1) {
		t.Fatalf("org2: %+v", res)
	}
	// Truncation says so.
	r2, err := f.svc.Run(f.ctx, Request{OrgID: "org1", UserID: "u1", Query: "events", From: f.now.Add(-24 * time.Hour), To: f.now, Limit: 7})
	if err != nil || len(r2.Rows) != 7 || !r2.Truncated {
		t.Fatalf("truncation: %v %d %v", err, len(r2.Rows), r2.Truncated)
	}
	// The time range bounds every table.
	r3, err := f.svc.Run(f.ctx, Request{OrgID: "org1", UserID: "u1", Query: "events | count", From: f.now.Add(-10 * time.Minute), To: f.now, Limit: 10})
	if err != nil || r3.Rows[0][0] != int64(11) {
		t.Fatalf("range: %v %+v", err, r3)
	}
	// History recorded every run, newest first.
	runs, _ := f.st.Hunts().Runs(f.ctx, "org1", "u1", 100)
	if len(runs) < 8 || runs[0].Query != "events | count" {
		t.Fatalf("history: %d %+v", len(runs), runs[0])
	}
}

func TestErrorsHavePositions(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		q, code   string
		line, col int
	}{
		{"SecurityEvent\n| where EventID == ", kql.CodeSyntax, 2, 0},
		{"SecurityEvent | where NoSuchColumn == 1", kql.CodeSemantic, 1, 23},
		{"NoSuchTable | take 1", kql.CodeSemantic, 1, 1},
		{`events | where message == "unterminated`, kql.CodeSyntax, 1, 27},
		{"events | take 1; drop table x", kql.CodeSyntax, 0, 0},
		{"events | where message contains \"x\" or 1 == (", kql.CodeSyntax, 0, 0},
	}
	for _, c := range cases {
		_, err := f.svc.Run(f.ctx, Request{OrgID: "org1", UserID: "u1", Query: c.q, Limit: 10})
		ke, ok := kql.AsError(err)
		if !ok || ke.Code != c.code || (c.line != 0 && ke.Line != c.line) || (c.col != 0 && ke.Column != c.col) {
			t.Errorf("%q: %v", c.q, err)
		}
	}
	big := "events | where message == \"" + strings.Repeat("a", MaxQueryBytes) + "\""
	if _, err := f.svc.Run(f.ctx, Request{OrgID: "org1", UserID: "u1", Query: big}); err == nil {
		t.Error("a query over the size limit ran")
	}
	// SQL injection through literals and names stays data.
	f.ingest(t, "org1", `{"@timestamp":"`+f.now.Add(-time.Minute).Format(time.RFC3339)+`","message":"x'); DROP TABLE es_meta; --"}`)
	res := f.run(t, "org1", `events | where message == "x'); DROP TABLE es_meta; --" | count`)
	if res.Rows[0][0] != int64(1) {
		t.Fatalf("injection literal: %+v", res)
	}
	if _, err := f.svc.Run(f.ctx, Request{OrgID: "org1", UserID: "u1", Query: `events | project ['x"; DROP TABLE es_meta; --'] = message`, Limit: 1}); err != nil {
		t.Fatalf("bracketed name: %v", err)
	}
	if _, err := f.ev.LastSeq(f.ctx); err != nil {
		t.Fatalf("the store broke: %v", err)
	}
}

func TestSecurityAlertTable(t *testing.T) {
	f := newFixture(t)
	for i, sev := range []string{"high", "high", "low"} {
		a := store.Alert{ID: fmt.Sprintf("a%d", i), OrgID: "org1", RuleID: "r1", RuleTitle: "Rule", RuleKind: "detection", Severity: sev,
			Status: store.AlertNew, Title: fmt.Sprintf("Alert %d", i), Tactics: []string{"TA0006"}, Techniques: []string{"T1110"},
			Entities: store.AlertEntities{Hosts: []string{"WS1"}}, Count: 2, DedupKey: fmt.Sprintf("k%d", i),
			FirstSeen: f.now.Add(-time.Hour), LastSeen: f.now.Add(-time.Duration(i) * time.Minute), CreatedAt: f.now, UpdatedAt: f.now}
		if err := f.st.Alerts().Create(f.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	res := f.run(t, "org1", `SecurityAlert | summarize n = count() by AlertSeverity | sort by AlertSeverity asc`)
	if len(res.Rows) != 2 || res.Rows[0][0] != "high" || res.Rows[0][1] != int64(2) {
		t.Fatalf("alerts: %+v", res)
	}
	res = f.run(t, "org1", `SecurityAlert | where CompromisedEntity == "WS1" | extend c = toint(ExtendedProperties.count) | project AlertName, c | take 1`)
	if len(res.Rows) != 1 || res.Rows[0][1] != int64(2) {
		t.Fatalf("dynamic: %+v", res)
	}
	if res := f.run(t, "org2", `SecurityAlert | count`); res.Rows[0][0] != int64(0) {
		t.Fatalf("org2 sees alerts: %+v", res)
	}
}

func TestSchemaAndCheck(t *testing.T) {
	f := newFixture(t)
	tables, err := f.svc.Schema(f.ctx, "org1")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, tb := range tables {
		names[tb.Name] = len(tb.Columns)
	}
	for _, want := range []string{"events", "SecurityEvent", "Syslog", "SigninLogs", "CommonSecurityLog", "DeviceProcessEvents",
		"DeviceNetworkEvents", "DeviceFileEvents", "SecurityAlert"} {
		if names[want] == 0 {
			t.Errorf("table %s missing from the schema", want)
		}
	}
	if errs := f.svc.Check(f.ctx, "org1", "SecurityEvent | where EventID == 4625"); len(errs) != 0 {
		t.Fatalf("valid query: %v", errs)
	}
	if errs := f.svc.Check(f.ctx, "org1", "SecurityEvent | wher EventID == 4625"); len(errs) != 1 || errs[0].Line != 1 {
		t.Fatalf("bad query: %v", errs)
	}
}

// TestSeriesXMLAndNestedOnTheStore runs the functions that execute in Go
// (registered on the event store's database) and the operators that
// compile to several statements through the real store and its reader
// connections.
func TestSeriesXMLAndNestedOnTheStore(t *testing.T) {
	f := newFixture(t)
	var raws []string
	for i := 0; i < 30; i++ {
		raws = append(raws, winlogon(f.now.Add(-time.Duration(i)*time.Minute-time.Second), 4625, fmt.Sprintf("WS%d", i%3), "bob", "203.0.113.5", "An account failed to log on"))
	}
	f.ingest(t, "org1", raws...)
	res := f.run(t, "org1", `SecurityEvent | where EventID == 4625
| make-series n = count() on TimeGenerated from ago(30m) to now() step 1m
| extend series_stats(n), (flags, score, baseline) = series_decompose_anomalies(n, 1.5, 0)
| project series_stats_n_max, series_stats_n_avg, len = array_length(flags)`)
	if len(res.Rows) != 1 || res.Rows[0][0] != 1.0 || res.Rows[0][1] != 1.0 || res.Rows[0][2] != int64(30) {
		t.Fatalf("series: %+v", res)
	}
	res = f.run(t, "org1", `print x = tostring(parse_xml("<a><b n='1'>t</b></a>").a.b['@n'])`)
	if len(res.Rows) != 1 || res.Rows[0][0] != "1" {
		t.Fatalf("parse_xml: %+v", res)
	}
	res = f.run(t, "org1", `SecurityEvent | top-nested 2 of Computer by n = count(), top-nested 1 of Account by count()`)
	if len(res.Rows) != 2 || res.Rows[0][1] != int64(10) || res.Rows[0][2] != `CORP\bob` {
		t.Fatalf("top-nested: %+v", res)
	}
	res = f.run(t, "org1", `SecurityEvent | summarize hosts = make_set(Computer) | mv-apply h = hosts to typeof(string) on (where h != "WS0" | summarize n = count())`)
	if len(res.Rows) != 1 || res.Rows[0][1] != int64(2) {
		t.Fatalf("mv-apply: %+v", res)
	}
	res = f.run(t, "org1", `SecurityEvent | project Computer, Account | evaluate pivot(Computer)`)
	if len(res.Rows) != 1 || len(res.Columns) != 4 || res.Columns[1].Name != "WS0" || res.Rows[0][3] != int64(10) {
		t.Fatalf("pivot: %+v", res)
	}
}
