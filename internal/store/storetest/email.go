package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func testEmail(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "e1")
	mustOrg(t, s, "e2")
	es := s.Email()

	// Reports: stored whole, listed newest first without the JSON, filtered.
	for i, v := range []string{"clean", "phishing", "malicious"} {
		r := store.EmailReport{ID: "r" + string(rune('1'+i)), OrgID: "e1", MessageID: "<m" + v + "@x>", Subject: "Subject " + v,
			FromAddr: v + "@sender.example", FromName: "Sender " + v, Verdict: v, Score: 10 + 40*i, Source: "upload",
			SHA256: "sha" + v, Size: int64(100 + i), Report: []byte(`{"verdict":"` + v + `"}`), CreatedBy: "u1",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := es.CreateReport(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, es.CreateReport(ctx, store.EmailReport{ID: "r1", OrgID: "e1", Verdict: "clean", Source: "upload", CreatedAt: t0}), store.ErrConflict, "duplicate report")
	got, err := es.GetReport(ctx, "e1", "r2")
	if err != nil || got.Verdict != "phishing" || string(got.Report) != `{"verdict":"phishing"}` || !got.CreatedAt.Equal(t0.Add(time.Minute)) ||
		got.FromName != "Sender phishing" || got.Size != 101 {
		t.Fatalf("get report: %+v %v", got, err)
	}
	_, err = es.GetReport(ctx, "e2", "r2")
	wantErr(t, err, store.ErrNotFound, "another org's report")
	list, total, err := es.ListReports(ctx, "e1", store.EmailReportFilter{})
	if err != nil || total != 3 || len(list) != 3 || list[0].ID != "r3" || list[0].Report != nil {
		t.Fatalf("list reports: %d %v %+v", total, err, list)
	}
	list, total, _ = es.ListReports(ctx, "e1", store.EmailReportFilter{Verdict: "phishing"})
	if total != 1 || list[0].ID != "r2" {
		t.Fatalf("verdict filter: %d %+v", total, list)
	}
	list, total, _ = es.ListReports(ctx, "e1", store.EmailReportFilter{Query: "SENDER MALICIOUS", Limit: 1})
	if total != 1 || list[0].ID != "r3" {
		t.Fatalf("query filter: %d %+v", total, list)
	}
	if _, total, _ := es.ListReports(ctx, "e2", store.EmailReportFilter{}); total != 0 {
		t.Fatalf("org e2 sees %d reports", total)
	}

	// Quarantine: held, released once, deleted; blob references counted.
	q := store.QuarantineItem{ID: "q1", OrgID: "e1", ReportID: "r2", SHA256: "shaphishing", Size: 101, Subject: "Subject phishing",
		FromAddr: "phishing@sender.example", Recipients: []string{"a@e1.example", "b@e1.example"}, Verdict: "phishing", Score: 50,
		Status: store.QuarantineHeld, CreatedAt: t0}
	if err := es.CreateQuarantine(ctx, q); err != nil {
		t.Fatal(err)
	}
	q2 := q
	q2.ID, q2.Recipients, q2.CreatedAt = "q2", nil, t0.Add(time.Second)
	if err := es.CreateQuarantine(ctx, q2); err != nil {
		t.Fatal(err)
	}
	gq, err := es.GetQuarantine(ctx, "e1", "q1")
	if err != nil || !reflect.DeepEqual(gq, q) {
		t.Fatalf("get quarantine: got %+v, want %+v (%v)", gq, q, err)
	}
	_, err = es.GetQuarantine(ctx, "e2", "q1")
	wantErr(t, err, store.ErrNotFound, "another org's quarantine")
	wantErr(t, es.ReleaseQuarantine(ctx, "e2", "q1", "u9", t0), store.ErrNotFound, "release another org's")
	at := t0.Add(time.Hour)
	if err := es.ReleaseQuarantine(ctx, "e1", "q1", "u1", at); err != nil {
		t.Fatal(err)
	}
	wantErr(t, es.ReleaseQuarantine(ctx, "e1", "q1", "u1", at), store.ErrConflict, "second release")
	gq, _ = es.GetQuarantine(ctx, "e1", "q1")
	if gq.Status != store.QuarantineReleased || gq.ReleasedBy != "u1" || gq.ReleasedAt == nil || !gq.ReleasedAt.Equal(at) {
		t.Fatalf("released: %+v", gq)
	}
	items, total, err := es.ListQuarantine(ctx, "e1", store.QuarantineFilter{Status: store.QuarantineHeld})
	if err != nil || total != 1 || items[0].ID != "q2" {
		t.Fatalf("held list: %d %+v %v", total, items, err)
	}
	if n, _ := es.CountQuarantineBlob(ctx, "e1", "shaphishing"); n != 2 {
		t.Fatalf("blob count = %d", n)
	}
	wantErr(t, es.DeleteQuarantine(ctx, "e2", "q1"), store.ErrNotFound, "delete another org's")
	if err := es.DeleteQuarantine(ctx, "e1", "q1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := es.CountQuarantineBlob(ctx, "e1", "shaphishing"); n != 1 {
		t.Fatalf("blob count after delete = %d", n)
	}

	// Mailboxes: unique names per org, settings updates keep the poll
	// state, due polling works across orgs.
	mb := store.Mailbox{ID: "m1", OrgID: "e1", Name: "SOC inbox", Kind: "imap", Enabled: true, Config: []byte(`{"host":"imap.example"}`),
		IntervalSeconds: 300, NextPollAt: t0, CreatedAt: t0, UpdatedAt: t0}
	if err := es.CreateMailbox(ctx, mb); err != nil {
		t.Fatal(err)
	}
	dup := mb
	dup.ID = "m2"
	wantErr(t, es.CreateMailbox(ctx, dup), store.ErrConflict, "duplicate mailbox name")
	dup.OrgID = "e2"
	dup.Enabled = false
	if err := es.CreateMailbox(ctx, dup); err != nil {
		t.Fatalf("same name in another org: %v", err)
	}
	gm, err := es.GetMailbox(ctx, "e1", "m1")
	if err != nil || !reflect.DeepEqual(gm, mb) {
		t.Fatalf("get mailbox: got %+v, want %+v (%v)", gm, mb, err)
	}
	st := store.MailboxState{UIDValidity: 4000000000, LastUID: 4294967295, Cursor: "c1", LastPollAt: t0.Add(time.Minute),
		LastError: "", LastCount: 3, NextPollAt: t0.Add(6 * time.Minute)}
	if err := es.SaveMailboxState(ctx, "e1", "m1", st); err != nil {
		t.Fatal(err)
	}
	wantErr(t, es.SaveMailboxState(ctx, "e2", "m1", st), store.ErrNotFound, "save another org's state")
	mb.Name, mb.Config, mb.UpdatedAt, mb.NextPollAt = "Renamed", []byte(`{"host":"imap2.example"}`), t0.Add(time.Hour), t0.Add(6*time.Minute)
	if err := es.UpdateMailbox(ctx, mb); err != nil {
		t.Fatal(err)
	}
	gm, _ = es.GetMailbox(ctx, "e1", "m1")
	if gm.Name != "Renamed" || string(gm.Config) != `{"host":"imap2.example"}` || gm.UIDValidity != 4000000000 || gm.LastUID != 4294967295 ||
		gm.Cursor != "c1" || gm.LastCount != 3 || gm.LastPollAt == nil || !gm.LastPollAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after update: %+v", gm)
	}
	due, err := es.DueMailboxes(ctx, t0.Add(5*time.Minute), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("due too early: %+v %v", due, err)
	}
	due, _ = es.DueMailboxes(ctx, t0.Add(7*time.Minute), 10)
	if len(due) != 1 || due[0].ID != "m1" || due[0].OrgID != "e1" {
		t.Fatalf("due: %+v", due)
	}
	if err := es.ResetMailboxState(ctx, "e1", "m1"); err != nil {
		t.Fatal(err)
	}
	if gm, _ = es.GetMailbox(ctx, "e1", "m1"); gm.UIDValidity != 0 || gm.LastUID != 0 || gm.Cursor != "" {
		t.Fatalf("after reset: %+v", gm)
	}
	if ms, _ := es.ListMailboxes(ctx, "e2"); len(ms) != 1 || ms[0].OrgID != "e2" {
		t.Fatalf("list e2: %+v", ms)
	}
	wantErr(t, es.DeleteMailbox(ctx, "e2", "m1"), store.ErrNotFound, "delete another org's mailbox")
	if err := es.DeleteMailbox(ctx, "e1", "m1"); err != nil {
		t.Fatal(err)
	}

	// Policy: absent, then set and replaced.
	if p, err := es.Policy(ctx, "e1"); err != nil || p != nil {
		t.Fatalf("no policy: %q %v", p, err)
	}
	for _, p := range []string{`{"org_domains":["e1.example"]}`, `{"org_domains":["e1.example","e1.test"]}`} {
		if err := es.PutPolicy(ctx, "e1", []byte(p), t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := es.Policy(ctx, "e1"); string(got) != p {
			t.Fatalf("policy = %s, want %s", got, p)
		}
	}
	if p, _ := es.Policy(ctx, "e2"); p != nil {
		t.Fatalf("e2 sees policy %s", p)
	}
}
