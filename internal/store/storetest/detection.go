package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func newRule(org, id, title string) store.Rule {
	return store.Rule{ID: id, OrgID: org, Title: title, Format: "sigma", Kind: "detection", Source: "title: " + title,
		SourceHash: "h-" + id, Level: "high", Enabled: true, Pack: "custom", Product: "windows",
		Category: "process_creation", Tags: []string{"attack.execution", "attack.t1059.001"},
		References: []string{"https://example.com"}, CreatedAt: t0, UpdatedAt: t0}
}

func testRules(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	r := newRule("o1", "r1", "Bravo")
	r.ImportedFrom = "sigma.zip:rules/windows/bravo.yml"
	r.ImportedHash = "hash-at-import"
	if err := s.Rules().Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	// The same rule ID may exist in another org (a shared pack imported twice).
	if err := s.Rules().Create(ctx, newRule("o2", "r1", "Bravo")); err != nil {
		t.Fatalf("same id in another org: %v", err)
	}
	wantErr(t, s.Rules().Create(ctx, r), store.ErrConflict, "duplicate rule")
	if err := s.Rules().Create(ctx, newRule("o1", "r2", "Alpha")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rules().Get(ctx, "o1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("get: got %+v, want %+v", got, r)
	}
	_, err = s.Rules().Get(ctx, "o2", "r2")
	wantErr(t, err, store.ErrNotFound, "other org's rule")
	list, err := s.Rules().List(ctx, "o1")
	if err != nil || len(list) != 2 || list[0].Title != "Alpha" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if got, _ := s.Rules().Get(ctx, "o1", "r1"); got.AlertGroupBy != nil || got.AlertWindow != 0 {
		t.Fatalf("a new rule groups its alerts by default: %+v", got)
	}
	r.Enabled, r.SeverityOverride, r.Tags, r.UpdatedAt = false, "low", nil, t0.Add(time.Hour)
	r.AlertGroupBy, r.AlertWindow = []string{"user.name", "process.command_line"}, 90*time.Minute
	r.ImportedFrom = "rules-v2.zip:bravo.yml"
	r.ImportedHash = "hash-v2"
	if err := s.Rules().Update(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Rules().Get(ctx, "o1", "r1")
	if got.Enabled || got.SeverityOverride != "low" || len(got.Tags) != 0 || !got.UpdatedAt.Equal(r.UpdatedAt) ||
		!slices.Equal(got.AlertGroupBy, r.AlertGroupBy) || got.AlertWindow != 90*time.Minute || got.ImportedFrom != r.ImportedFrom || got.ImportedHash != r.ImportedHash {
		t.Fatalf("after update: %+v", got)
	}
	r.OrgID = "o2"
	r.ID = "r2"
	wantErr(t, s.Rules().Update(ctx, r), store.ErrNotFound, "update in the wrong org")
	wantErr(t, s.Rules().Delete(ctx, "o2", "r2"), store.ErrNotFound, "delete in the wrong org")
	if err := s.Rules().Delete(ctx, "o1", "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rules().Get(ctx, "o2", "r1"); err != nil {
		t.Fatalf("the other org's copy must stay: %v", err)
	}
}

func testRuleExceptions(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	if err := s.Rules().Create(ctx, newRule("o1", "r1", "R")); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(24 * time.Hour)
	e := store.RuleException{ID: "e1", OrgID: "o1", RuleID: "r1", Conditions: []store.ExceptionCondition{
		{Field: "user.name", Operator: "equals", Value: "svc"}}, Reason: "backup job", Owner: "u1", ExpiresAt: &exp, CreatedAt: t0}
	if err := s.Rules().CreateException(ctx, e); err != nil {
		t.Fatal(err)
	}
	// Several conditions, a list of values and one without a value come
	// back as they were given, in order.
	multi := store.RuleException{ID: "e2", OrgID: "o1", RuleID: "r1", Conditions: []store.ExceptionCondition{
		{Field: "process.executable", Operator: "equals", Value: `C:\Tools\backup.exe`},
		{Field: "user.name", Operator: "in", Values: []string{"svc_backup", "svc \"night\""}},
		{Field: "winlog.event_data.ParentImage", Operator: "not_exists"},
	}, Reason: "lab", Owner: "u1", CreatedAt: t0.Add(time.Second)}
	if err := s.Rules().CreateException(ctx, multi); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rules().Exceptions(ctx, "o1", "r1")
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], e) || !reflect.DeepEqual(got[1], multi) {
		t.Fatalf("exceptions: %v\n got %+v\nwant %+v", err, got, []store.RuleException{e, multi})
	}
	// A row as releases before multi-condition exceptions wrote it is one
	// condition of its field, operator and value.
	if raw, ok := s.(interface {
		ExecRaw(ctx context.Context, query string, args ...any) error
	}); ok {
		err := raw.ExecRaw(ctx, `INSERT INTO rule_exceptions (id, org_id, rule_id, field, operator, value, reason, owner, expires_at, created_at)
			VALUES ('e0', 'o1', 'r1', 'host.name', 'startswith', 'lab-', 'old', 'u1', NULL, ?)`, t0.Add(-time.Second).UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Rules().Exceptions(ctx, "o1", "r1")
		want := []store.ExceptionCondition{{Field: "host.name", Operator: "startswith", Value: "lab-"}}
		if err != nil || len(got) != 3 || got[0].ID != "e0" || !reflect.DeepEqual(got[0].Conditions, want) {
			t.Fatalf("a row written before conditions: %v %+v", err, got)
		}
	}
	if got, _ := s.Rules().Exceptions(ctx, "o2", ""); len(got) != 0 {
		t.Fatalf("other org sees exceptions: %+v", got)
	}
	wantErr(t, s.Rules().DeleteException(ctx, "o2", "r1", "e1"), store.ErrNotFound, "delete other org's exception")
	if err := s.Rules().DeleteException(ctx, "o1", "r1", "e1"); err != nil {
		t.Fatal(err)
	}
	last := t0.Add(time.Minute)
	for i := 0; i < 2; i++ {
		if err := s.Rules().AddStats(ctx, "o1", store.RuleStats{RuleID: "r1", Matches: 5, Alerts: 1, LastMatchAt: &last}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Rules().AddStats(ctx, "o1", store.RuleStats{RuleID: "r1", Matches: 1, EvalNanos: 7000, EvalSamples: 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.Rules().AddStats(ctx, "o1", store.RuleStats{RuleID: "r1", EvalNanos: 500, EvalSamples: 2}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Rules().Stats(ctx, "o1")
	if err != nil || len(st) != 1 || st[0].Matches != 11 || st[0].Alerts != 2 || st[0].LastMatchAt == nil || !st[0].LastMatchAt.Equal(last) {
		t.Fatalf("stats: %v %+v", err, st)
	}
	if st[0].EvalNanos != 7500 || st[0].EvalSamples != 5 {
		t.Fatalf("sampled evaluation time: got %d ns over %d samples, want 7500 over 5", st[0].EvalNanos, st[0].EvalSamples)
	}
	// Deleting the rule deletes its exceptions and statistics.
	if err := s.Rules().Delete(ctx, "o1", "r1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Rules().Exceptions(ctx, "o1", ""); len(got) != 0 {
		t.Fatalf("exceptions outlive their rule: %+v", got)
	}
	if st, _ := s.Rules().Stats(ctx, "o1"); len(st) != 0 {
		t.Fatalf("stats outlive their rule: %+v", st)
	}
}

func testPlaceholders(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	if got, err := s.Rules().Placeholders(ctx, "o1"); err != nil || len(got) != 0 {
		t.Fatalf("placeholders of a new org: %v %+v", err, got)
	}
	set := []store.Placeholder{
		{Name: "known_cdcs", Values: []string{"dc01.corp.example", "10.0.0.*"}, UpdatedBy: "u1", UpdatedAt: t0},
		{Name: "admin_users", Values: []string{"root"}, UpdatedBy: "u1", UpdatedAt: t0},
	}
	if err := s.Tx(ctx, func(r store.Repos) error { return r.Rules().SetPlaceholders(ctx, "o1", set) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rules().Placeholders(ctx, "o1")
	if err != nil || len(got) != 2 || got[0].Name != "admin_users" || got[1].Name != "known_cdcs" {
		t.Fatalf("placeholders: %v %+v", err, got)
	}
	if !reflect.DeepEqual(got[1].Values, set[0].Values) || got[1].UpdatedBy != "u1" || !got[1].UpdatedAt.Equal(t0) {
		t.Fatalf("placeholder read back as %+v, want %+v", got[1], set[0])
	}
	if other, _ := s.Rules().Placeholders(ctx, "o2"); len(other) != 0 {
		t.Fatalf("another org sees the placeholders: %+v", other)
	}
	// Setting replaces the whole set: admin_users is gone.
	if err := s.Rules().SetPlaceholders(ctx, "o1", []store.Placeholder{{Name: "known_cdcs", Values: []string{"dc02"}, UpdatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Rules().Placeholders(ctx, "o1")
	if len(got) != 1 || got[0].Name != "known_cdcs" || !reflect.DeepEqual(got[0].Values, []string{"dc02"}) {
		t.Fatalf("after replacing: %+v", got)
	}
	// A failed transaction leaves the previous set.
	boom := errors.New("boom")
	err = s.Tx(ctx, func(r store.Repos) error {
		if err := r.Rules().SetPlaceholders(ctx, "o1", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	if got, _ = s.Rules().Placeholders(ctx, "o1"); len(got) != 1 {
		t.Fatalf("rolled back replacement changed the placeholders: %+v", got)
	}
}

func newAlert(org, id, key string, seen time.Time, sev, status string) store.Alert {
	return store.Alert{ID: id, OrgID: org, RuleID: "r1", RuleTitle: "Rule one", RuleKind: "detection", Severity: sev,
		Status: status, Title: "Alert " + id, Tactics: []string{"TA0002"}, Techniques: []string{"T1059.001"},
		Entities: store.AlertEntities{Hosts: []string{"h1"}, Users: []string{"u"}}, Group: map[string]string{"source.ip": "1.2.3.4"},
		EventIDs: []string{"e1", "e2"}, Count: 1, DedupKey: key, FirstSeen: seen, LastSeen: seen, CreatedAt: seen, UpdatedAt: seen}
}

// testAlertRuleDocument: an alert records the document of its rule's
// file that raised it; one without (as stored before 0016: NULL) reads
// as "", in Get, List and OpenByDedupKey alike.
func testAlertRuleDocument(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	a := newAlert("o1", "d1", "k1", t0, "critical", store.AlertNew)
	a.RuleDocumentID, a.RuleName = "corr-2", "Three users failing"
	old := newAlert("o1", "d2", "k2", t0.Add(time.Minute), "high", store.AlertNew)
	for _, x := range []store.Alert{a, old} {
		if err := s.Alerts().Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Alerts().Get(ctx, "o1", "d1"); err != nil || got.RuleDocumentID != "corr-2" || got.RuleName != "Three users failing" {
		t.Fatalf("get: %v %q %q", err, got.RuleDocumentID, got.RuleName)
	}
	if got, err := s.Alerts().Get(ctx, "o1", "d2"); err != nil || got.RuleDocumentID != "" || got.RuleName != "" {
		t.Fatalf("get without a document: %v %q %q", err, got.RuleDocumentID, got.RuleName)
	}
	list, _, err := s.Alerts().List(ctx, "o1", store.AlertFilter{Limit: 10})
	if err != nil || len(list) != 2 || list[1].RuleDocumentID != "corr-2" || list[0].RuleDocumentID != "" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if got, err := s.Alerts().OpenByDedupKey(ctx, "o1", "k1", time.Time{}, time.Time{}); err != nil || got.RuleName != "Three users failing" {
		t.Fatalf("open by key: %v %q", err, got.RuleName)
	}
}

func testAlerts(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	a := newAlert("o1", "a01", "k1", t0, "high", store.AlertNew)
	if err := s.Alerts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Alerts().Get(ctx, "o1", "a01")
	if err != nil {
		t.Fatal(err)
	}
	a.Entities.Processes, a.Entities.Files, a.Entities.Domains, a.Entities.IPs = nil, nil, nil, nil
	got.Entities.Processes, got.Entities.Files, got.Entities.Domains, got.Entities.IPs = nil, nil, nil, nil
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("get: got %+v, want %+v", got, a)
	}
	_, err = s.Alerts().Get(ctx, "o2", "a01")
	wantErr(t, err, store.ErrNotFound, "other org's alert")
	for i := 2; i <= 12; i++ {
		sev := []string{"low", "medium", "high", "critical"}[i%4]
		status := store.AlertNew
		if i%3 == 0 {
			status = store.AlertResolved
		}
		if err := s.Alerts().Create(ctx, newAlert("o1", fmt.Sprintf("a%02d", i), fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Minute), sev, status)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Alerts().Create(ctx, newAlert("o2", "b1", "k1", t0, "high", store.AlertNew)); err != nil {
		t.Fatal(err)
	}
	// Paging newest first with a cursor visits every alert once.
	var seen []string
	f := store.AlertFilter{Limit: 5}
	for {
		page, total, err := s.Alerts().List(ctx, "o1", f)
		if err != nil {
			t.Fatal(err)
		}
		if total != 12 {
			t.Fatalf("total %d, want 12", total)
		}
		for _, x := range page {
			seen = append(seen, x.ID)
		}
		if len(page) < f.Limit {
			break
		}
		f.AfterSeen, f.AfterID = page[len(page)-1].LastSeen, page[len(page)-1].ID
	}
	if len(seen) != 12 || seen[0] != "a12" || seen[11] != "a01" {
		t.Fatalf("paging: %v", seen)
	}
	page, total, err := s.Alerts().List(ctx, "o1", store.AlertFilter{Statuses: []string{store.AlertResolved}, Severities: []string{"low", "critical"}})
	if err != nil || total != 2 || len(page) != 2 {
		t.Fatalf("status+severity filter: %v %d %+v", err, total, page)
	}
	page, total, _ = s.Alerts().List(ctx, "o1", store.AlertFilter{Query: "ALERT A1", From: t0.Add(10 * time.Minute)})
	if total != 3 || len(page) != 3 {
		t.Fatalf("query+from filter: %d %+v", total, page)
	}
	// The search also finds the rule's title and the entities' values.
	mustOrg(t, s, "o3")
	ent := newAlert("o3", "c1", "k1", t0, "high", store.AlertNew)
	ent.Entities = store.AlertEntities{Hosts: []string{"WIN10-LAB"}, Users: []string{`CORP\alice`}, IPs: []string{"10.1.2.3"}}
	if err := s.Alerts().Create(ctx, ent); err != nil {
		t.Fatal(err)
	}
	if err := s.Alerts().Create(ctx, newAlert("o3", "c2", "k2", t0, "high", store.AlertNew)); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{`corp\alice`: 1, "10.1.2": 1, "win10-lab": 1, "rule ONE": 2, `"rule one"`: 2, "t1059": 2, "nobody": 0,
		// The entities' key names are not searched.
		"hosts": 0, `"ips"`: 0, "user_domains": 0} {
		if _, total, err := s.Alerts().List(ctx, "o3", store.AlertFilter{Query: q}); err != nil || total != want {
			t.Fatalf("search %q: %d alerts, want %d (%v)", q, total, want, err)
		}
	}
	open, err := s.Alerts().OpenByDedupKey(ctx, "o1", "k1", time.Time{}, time.Time{})
	if err != nil || open.ID != "a01" {
		t.Fatalf("open by key: %v %+v", err, open)
	}
	// Only an alert whose activity reaches into the range.
	if got, err := s.Alerts().OpenByDedupKey(ctx, "o1", "k1", open.FirstSeen.Add(-time.Hour), open.FirstSeen); err != nil || got.ID != "a01" {
		t.Fatalf("open by key, range ending at its first sight: %v %+v", err, got)
	}
	_, err = s.Alerts().OpenByDedupKey(ctx, "o1", "k1", open.LastSeen.Add(time.Millisecond), time.Time{})
	wantErr(t, err, store.ErrNotFound, "an alert last seen before the range")
	_, err = s.Alerts().OpenByDedupKey(ctx, "o1", "k1", time.Time{}, open.FirstSeen.Add(-time.Millisecond))
	wantErr(t, err, store.ErrNotFound, "an alert first seen after the range")
	_, err = s.Alerts().OpenByDedupKey(ctx, "o1", "k3", time.Time{}, time.Time{}) // resolved
	wantErr(t, err, store.ErrNotFound, "resolved alert is not open")
	open.Count, open.Status, open.Assignee, open.LastSeen = 7, store.AlertAcknowledged, "u1", t0.Add(time.Hour)
	open.EventIDs = append(open.EventIDs, "e3")
	if err := s.Alerts().Update(ctx, open); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Alerts().Get(ctx, "o1", "a01")
	if got.Count != 7 || got.Status != store.AlertAcknowledged || got.Assignee != "u1" || len(got.EventIDs) != 3 || !got.LastSeen.Equal(open.LastSeen) {
		t.Fatalf("after update: %+v", got)
	}
	st, err := s.Alerts().Stats(ctx, "o1", store.AlertFilter{})
	if err != nil || st.Total != 12 || st.Open != 8 || len(st.TopRules) != 1 || st.TopRules[0].Count != 12 || st.TopRules[0].Title != "Rule one" {
		t.Fatalf("stats: %v %+v", err, st)
	}
	var sum int64
	for _, c := range st.BySeverity {
		sum += c.Count
	}
	if sum != 12 || len(st.ByStatus) != 3 {
		t.Fatalf("stats breakdown: %+v", st)
	}
}

// testAlertsTx: alerts and the checkpoint commit together or not at all.
func testAlertsTx(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	boom := errors.New("boom")
	err := s.Tx(ctx, func(r store.Repos) error {
		if err := r.Alerts().Create(ctx, newAlert("o1", "a1", "k", t0, "high", store.AlertNew)); err != nil {
			return err
		}
		if err := r.Checkpoints().Set(ctx, "detection", 42, t0); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom, "tx")
	if seq, _ := s.Checkpoints().Get(ctx, "detection"); seq != 0 {
		t.Fatalf("checkpoint survived a rollback: %d", seq)
	}
	_, err = s.Alerts().Get(ctx, "o1", "a1")
	wantErr(t, err, store.ErrNotFound, "alert after rollback")
}

func testCheckpoints(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	if seq, err := s.Checkpoints().Get(ctx, "detection"); err != nil || seq != 0 {
		t.Fatalf("unset checkpoint: %d %v", seq, err)
	}
	for _, v := range []int64{10, 25} {
		if err := s.Checkpoints().Set(ctx, "detection", v, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoints().Set(ctx, "forwarder", 3, t0); err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.Checkpoints().Get(ctx, "detection"); seq != 25 {
		t.Fatalf("checkpoint %d, want 25", seq)
	}
}

// testAlertReadModifyWrite: two transactions that each read an alert and
// write it back whole (detection folding a repeat, an analyst changing
// its status) must not lose each other's change. A record read inside a
// transaction stays locked until it ends.
func testAlertReadModifyWrite(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	if err := s.Alerts().Create(ctx, newAlert("o1", "a1", "k", t0, "high", store.AlertNew)); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	analyst := make(chan error, 1)
	err := s.Tx(ctx, func(r store.Repos) error {
		a, err := r.Alerts().OpenByDedupKey(ctx, "o1", "k", time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		select {
		case <-read:
		default:
			close(read)
			// The analyst's change starts now and must wait for this one.
			go func() {
				analyst <- s.Tx(ctx, func(r store.Repos) error {
					b, err := r.Alerts().Get(ctx, "o1", "a1")
					if err != nil {
						return err
					}
					b.Status = store.AlertAcknowledged
					return r.Alerts().Update(ctx, b)
				})
			}()
			time.Sleep(200 * time.Millisecond)
		}
		a.Count++
		return r.Alerts().Update(ctx, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-analyst; err != nil {
		t.Fatal(err)
	}
	got, err := s.Alerts().Get(ctx, "o1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.AlertAcknowledged || got.Count != 2 {
		t.Fatalf("a change was lost: status %s (want acknowledged), count %d (want 2)", got.Status, got.Count)
	}
}

// testAlertFold: a folded repeat changes the fields detection owns and
// indexes the entities it brought; the analyst's fields stay.
func testAlertFold(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	a := newAlert("o1", "a1", "k", t0, "high", store.AlertAcknowledged)
	a.Assignee = "u1"
	other := newAlert("o1", "a2", "k2", t0.Add(30*time.Hour), "low", store.AlertNew)
	other.Entities = store.AlertEntities{Hosts: []string{"h9"}, Users: []string{"z"}}
	for _, x := range []store.Alert{a, other} {
		if err := s.Alerts().Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if rel, err := s.Alerts().Related(ctx, "o1", "a2", 24*time.Hour, 10); err != nil || len(rel) != 0 {
		t.Fatalf("related before the fold: %v %+v", err, rel)
	}
	f := a
	f.Status, f.Assignee = store.AlertNew, "" // not Fold's to change
	f.Count, f.LastSeen, f.UpdatedAt = 3, t0.Add(29*time.Hour), t0.Add(29*time.Hour)
	f.EventIDs = []string{"e1", "e2", "e3"}
	f.Entities.Hosts = []string{"h1", "H9"}
	f.Description = "7 matching events between 05:00:00 and 05:01:00 UTC on 2026-11-24."
	if err := s.Alerts().Fold(ctx, f, store.AlertEntities{Hosts: []string{"H9"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Alerts().Get(ctx, "o1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.AlertAcknowledged || got.Assignee != "u1" || got.Count != 3 || !got.LastSeen.Equal(f.LastSeen) ||
		!got.FirstSeen.Equal(t0) || !reflect.DeepEqual(got.EventIDs, f.EventIDs) || !reflect.DeepEqual(got.Entities.Hosts, f.Entities.Hosts) ||
		got.Description != f.Description {
		t.Fatalf("after fold: %+v", got)
	}
	// The host the repeat brought is indexed (case-folded), and the
	// alert's entities carry its new last sight.
	rel, err := s.Alerts().Related(ctx, "o1", "a2", 24*time.Hour, 10)
	if err != nil || len(rel) != 1 || rel[0].Alert.ID != "a1" || rel[0].Shared[0] != (store.Entity{Kind: "host", Value: "h9"}) {
		t.Fatalf("related after the fold: %v %+v", err, rel)
	}
	f.ID = "nope"
	wantErr(t, s.Alerts().Fold(ctx, f, store.AlertEntities{}), store.ErrNotFound, "fold into a missing alert")
}

// testTxBusy: two transactions that lock the same two alerts in opposite
// orders. PostgreSQL gives up on one of them (a deadlock), which must
// come back as store.ErrBusy with nothing of it stored; SQLite runs them
// one after the other. At least one succeeds either way.
func testTxBusy(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	for _, id := range []string{"a", "b"} {
		if err := s.Alerts().Create(ctx, newAlert("o1", id, "k-"+id, t0, "high", store.AlertNew)); err != nil {
			t.Fatal(err)
		}
	}
	holding := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	run := func(me int, first, second string) error {
		return s.Tx(ctx, func(r store.Repos) error {
			a, err := r.Alerts().Get(ctx, "o1", first)
			if err != nil {
				return err
			}
			close(holding[me])
			// Wait for the other to hold its first alert (SQLite never
			// lets it start meanwhile: go on after a while).
			select {
			case <-holding[1-me]:
			case <-time.After(300 * time.Millisecond):
			}
			b, err := r.Alerts().Get(ctx, "o1", second)
			if err != nil {
				return err
			}
			a.Count += 10
			b.Count += 10
			if err := r.Alerts().Update(ctx, a); err != nil {
				return err
			}
			return r.Alerts().Update(ctx, b)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(0, "a", "b") }()
	go func() { errs <- run(1, "b", "a") }()
	ok := 0
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrBusy):
			t.Fatalf("want nil or ErrBusy, got %v", err)
		}
	}
	if ok == 0 {
		t.Fatal("both transactions failed")
	}
	a, _ := s.Alerts().Get(ctx, "o1", "a")
	b, _ := s.Alerts().Get(ctx, "o1", "b")
	if want := int64(1 + 10*ok); a.Count != want || b.Count != want {
		t.Fatalf("counts %d, %d after %d transaction(s); want %d each", a.Count, b.Count, ok, want)
	}
}

// testAlertTimes checks the raised-time (created_at) range and order and
// the bulk-by-filter reads: an alert raised long ago but seen just now is
// in a "last seen" range and not in a "raised" one.
func testAlertTimes(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	// aN raised at t0+N h; seen last at t0+(10-N) h: the two orders are opposite.
	for i := 1; i <= 9; i++ {
		a := newAlert("o1", fmt.Sprintf("a%d", i), fmt.Sprintf("k%d", i), t0, []string{"low", "high"}[i%2], []string{store.AlertNew, store.AlertAcknowledged, store.AlertResolved}[i%3])
		a.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		a.FirstSeen = a.CreatedAt
		a.LastSeen = t0.Add(time.Duration(10-i) * time.Hour)
		if err := s.Alerts().Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Alerts().Create(ctx, newAlert("o2", "b1", "k1", t0.Add(time.Hour), "high", store.AlertNew)); err != nil {
		t.Fatal(err)
	}
	ids := func(as []store.Alert) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.ID
		}
		return out
	}
	from, to := t0.Add(7*time.Hour), t0.Add(9*time.Hour) // [7h, 9h)
	for _, c := range []struct {
		name string
		f    store.AlertFilter
		want []string
	}{
		{"last seen range (default)", store.AlertFilter{From: from, To: to}, []string{"a2", "a3"}},
		{"last seen range", store.AlertFilter{From: from, To: to, TimeField: store.AlertTimeLastSeen}, []string{"a2", "a3"}},
		{"raised range", store.AlertFilter{From: from, To: to, TimeField: store.AlertTimeCreated, Sort: store.AlertTimeCreated}, []string{"a8", "a7"}},
		{"raised order", store.AlertFilter{Sort: store.AlertTimeCreated, Limit: 3}, []string{"a9", "a8", "a7"}},
		{"last seen order", store.AlertFilter{Limit: 3}, []string{"a1", "a2", "a3"}},
		// Several statuses: one index range each, merged in raised order.
		{"raised order, two statuses", store.AlertFilter{Sort: store.AlertTimeCreated, Statuses: []string{store.AlertNew, store.AlertAcknowledged}, Limit: 4},
			[]string{"a9", "a7", "a6", "a4"}},
		{"raised order, status and severities", store.AlertFilter{Sort: store.AlertTimeCreated, Statuses: []string{store.AlertNew}, Severities: []string{"low", "high"}},
			[]string{"a9", "a6", "a3"}},
	} {
		page, _, err := s.Alerts().List(ctx, "o1", c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := ids(page); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Paging in raised order with its cursor visits each alert once.
	var seen []string
	f := store.AlertFilter{Sort: store.AlertTimeCreated, Limit: 4}
	for {
		page, _, err := s.Alerts().List(ctx, "o1", f)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ids(page)...)
		if len(page) < f.Limit {
			break
		}
		f.AfterSeen, f.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	if !slices.Equal(seen, []string{"a9", "a8", "a7", "a6", "a5", "a4", "a3", "a2", "a1"}) {
		t.Fatalf("raised-order paging: %v", seen)
	}

	// The bulk reads: ids and exact counts of a filter, org-scoped.
	open := store.AlertFilter{Statuses: []string{store.AlertNew, store.AlertAcknowledged}}
	got, err := s.Alerts().MatchingIDs(ctx, "o1", open, 100)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"a1", "a3", "a4", "a6", "a7", "a9"}) {
		t.Fatalf("matching ids: %v", got)
	}
	if got, err := s.Alerts().MatchingIDs(ctx, "o1", open, 2); err != nil || len(got) != 2 {
		t.Fatalf("matching ids, limit 2: %v %v", got, err)
	}
	if got, err := s.Alerts().MatchingIDs(ctx, "o1", store.AlertFilter{From: from, To: to, TimeField: store.AlertTimeCreated}, 100); err != nil || !slices.Equal(sorted(got), []string{"a7", "a8"}) {
		t.Fatalf("matching ids, raised range: %v %v", got, err)
	}
	if n, err := s.Alerts().Count(ctx, "o1", open); err != nil || n != 6 {
		t.Fatalf("count: %d %v", n, err)
	}
	if n, err := s.Alerts().Count(ctx, "o2", store.AlertFilter{}); err != nil || n != 1 {
		t.Fatalf("count o2: %d %v", n, err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
