package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func testSandbox(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	r := s.Sandbox()
	const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	sub := func(id, org, kind, target string, at time.Time) store.SandboxSubmission {
		return store.SandboxSubmission{ID: id, OrgID: org, Kind: kind, Target: target, Status: store.SandboxQueued,
			Source: "upload", SubmittedBy: "u1", CreatedAt: at, UpdatedAt: at}
	}
	a := sub("s1", "o1", "file", "Invoice.exe", t0)
	a.SHA256, a.Size = sha, 4
	b := sub("s2", "o1", "url", "http://evil.example/x", t0.Add(time.Minute))
	c := sub("s3", "o2", "file", "other.bin", t0.Add(2*time.Minute))
	c.SHA256 = sha
	for _, x := range []store.SandboxSubmission{a, b, c} {
		if err := r.CreateSubmission(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, r.CreateSubmission(ctx, a), store.ErrConflict, "duplicate submission ID")

	got, err := r.GetSubmission(ctx, "o1", "s1")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("get: %v\n got %+v\nwant %+v", err, got, a)
	}
	_, err = r.GetSubmission(ctx, "o2", "s1")
	wantErr(t, err, store.ErrNotFound, "other org's submission")

	// The analysis finishes.
	started, finished := t0.Add(time.Second), t0.Add(3*time.Second)
	a.Status, a.Stage, a.Progress, a.Verdict, a.Score = store.SandboxDone, "done", 100, "malicious", 90
	a.Report, a.External = []byte(`{"kind":"file","score":90}`), []byte(`[{"source":"virustotal"}]`)
	a.StartedAt, a.FinishedAt, a.UpdatedAt = &started, &finished, finished
	if err := r.UpdateSubmission(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err = r.GetSubmission(ctx, "o1", "s1")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("after update: %v\n got %+v\nwant %+v", err, got, a)
	}
	foreign := a
	foreign.OrgID = "o2"
	wantErr(t, r.UpdateSubmission(ctx, foreign), store.ErrNotFound, "update through another org")

	// Dedupe by hash: the org's own, never another org's, never a failed one.
	found, err := r.FindBySHA256(ctx, "o1", sha)
	if err != nil || found.ID != "s1" {
		t.Fatalf("find by sha256: %v %+v", err, found)
	}
	failed := sub("s4", "o1", "file", "again.exe", t0.Add(5*time.Minute))
	failed.SHA256, failed.Status, failed.Error = sha, store.SandboxFailed, "boom"
	if err := r.CreateSubmission(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if found, err = r.FindBySHA256(ctx, "o1", sha); err != nil || found.ID != "s1" {
		t.Fatalf("find skips failed: %v %+v", err, found)
	}
	_, err = r.FindBySHA256(ctx, "o1", "00")
	wantErr(t, err, store.ErrNotFound, "unknown hash")
	if n, err := r.CountBySHA256(ctx, "o1", sha); err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
	if n, err := r.CountSHA256AllOrgs(ctx, sha); err != nil || n != 3 {
		t.Fatalf("count all orgs: %d %v", n, err)
	}

	// Lists: newest first, filtered, without reports, scoped.
	list, total, err := r.ListSubmissions(ctx, "o1", store.SandboxFilter{})
	if err != nil || total != 3 || len(list) != 3 || list[0].ID != "s4" || list[2].ID != "s1" || list[2].Report != nil {
		t.Fatalf("list: %v %d %+v", err, total, list)
	}
	for _, tc := range []struct {
		f    store.SandboxFilter
		want []string
	}{
		{store.SandboxFilter{Kind: "url"}, []string{"s2"}},
		{store.SandboxFilter{Verdict: "malicious"}, []string{"s1"}},
		{store.SandboxFilter{Status: store.SandboxFailed}, []string{"s4"}},
		{store.SandboxFilter{Query: "INVOICE"}, []string{"s1"}},
		{store.SandboxFilter{Query: sha[:10]}, []string{"s4", "s1"}},
		{store.SandboxFilter{Query: "100%"}, nil},
		{store.SandboxFilter{Limit: 1, Offset: 1}, []string{"s2"}},
	} {
		list, _, err := r.ListSubmissions(ctx, "o1", tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("filter %+v: got %v want %v", tc.f, ids, tc.want)
		}
	}

	// Unfinished spans orgs, oldest first.
	un, err := r.Unfinished(ctx, 0)
	if err != nil || len(un) != 2 || un[0].ID != "s2" || un[1].ID != "s3" {
		t.Fatalf("unfinished: %v %+v", err, un)
	}

	wantErr(t, r.DeleteSubmission(ctx, "o2", "s1"), store.ErrNotFound, "delete through another org")
	if err := r.DeleteSubmission(ctx, "o1", "s1"); err != nil {
		t.Fatal(err)
	}
	_, err = r.GetSubmission(ctx, "o1", "s1")
	wantErr(t, err, store.ErrNotFound, "deleted submission")

	// YARA rules.
	rule := store.SandboxRule{ID: "r1", OrgID: "o1", Name: "mz_header", Description: "PE files", Source: "rule mz { condition: uint16(0) == 0x5A4D }",
		Enabled: true, CreatedBy: "u1", CreatedAt: t0, UpdatedAt: t0}
	if err := r.CreateRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	dup := rule
	dup.ID = "r9"
	wantErr(t, r.CreateRule(ctx, dup), store.ErrConflict, "duplicate rule name")
	dup.OrgID = "o2"
	if err := r.CreateRule(ctx, dup); err != nil {
		t.Fatalf("same name in another org: %v", err)
	}
	off := store.SandboxRule{ID: "r2", OrgID: "o1", Name: "a_disabled", Source: "rule x { condition: false }", CreatedAt: t0, UpdatedAt: t0}
	if err := r.CreateRule(ctx, off); err != nil {
		t.Fatal(err)
	}
	gotRule, err := r.GetRule(ctx, "o1", "r1")
	if err != nil || !reflect.DeepEqual(gotRule, rule) {
		t.Fatalf("get rule: %v %+v", err, gotRule)
	}
	_, err = r.GetRule(ctx, "o2", "r1")
	wantErr(t, err, store.ErrNotFound, "other org's rule")
	rules, err := r.ListRules(ctx, "o1", false)
	if err != nil || len(rules) != 2 || rules[0].ID != "r2" {
		t.Fatalf("list rules: %v %+v", err, rules)
	}
	rules, err = r.ListRules(ctx, "o1", true)
	if err != nil || len(rules) != 1 || rules[0].ID != "r1" {
		t.Fatalf("enabled rules: %v %+v", err, rules)
	}
	rule.Enabled, rule.Source, rule.UpdatedAt = false, "rule mz2 { condition: true }", t0.Add(time.Hour)
	if err := r.UpdateRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	if gotRule, _ = r.GetRule(ctx, "o1", "r1"); !reflect.DeepEqual(gotRule, rule) {
		t.Fatalf("updated rule: %+v", gotRule)
	}
	rule.Name = "a_disabled"
	wantErr(t, r.UpdateRule(ctx, rule), store.ErrConflict, "rename onto another rule")
	wantErr(t, r.DeleteRule(ctx, "o2", "r1"), store.ErrNotFound, "delete another org's rule")
	if err := r.DeleteRule(ctx, "o1", "r1"); err != nil {
		t.Fatal(err)
	}

	// Settings: none, then upserted.
	_, err = r.GetSettings(ctx, "o1")
	wantErr(t, err, store.ErrNotFound, "no settings yet")
	set := store.SandboxSettings{OrgID: "o1", Data: []byte(`{"virustotal":{"api_key":"k"}}`), UpdatedBy: "u1", UpdatedAt: t0}
	if err := r.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	set.Data, set.UpdatedAt = []byte(`{}`), t0.Add(time.Minute)
	if err := r.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	gotSet, err := r.GetSettings(ctx, "o1")
	if err != nil || !reflect.DeepEqual(gotSet, set) {
		t.Fatalf("settings: %v %+v", err, gotSet)
	}
	_, err = r.GetSettings(ctx, "o2")
	wantErr(t, err, store.ErrNotFound, "other org's settings")
}
