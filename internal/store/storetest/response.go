package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func testAlertTriage(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	a := newAlert("o1", "a1", "k1", t0, "high", store.AlertNew)
	ack := t0.Add(time.Minute)
	a.AssigneeGroup, a.Verdict, a.AcknowledgedAt = "g1", store.VerdictBenign, &ack
	a.Escalation = &store.Escalation{ToGroup: "g1", Reason: "needs tier 2", By: "u1", At: t0}
	if err := s.Alerts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Alerts().Get(ctx, "o1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, a)
	}
	// Related alerts share an entity within the window; another org's never.
	b := newAlert("o1", "a2", "k2", t0.Add(time.Hour), "low", store.AlertNew)
	b.Entities.Users = []string{"someone-else"}
	c := newAlert("o1", "a3", "k3", t0.Add(72*time.Hour), "low", store.AlertNew)
	d := newAlert("o2", "a4", "k4", t0, "low", store.AlertNew)
	for _, x := range []store.Alert{b, c, d} {
		if err := s.Alerts().Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := s.Alerts().Related(ctx, "o1", "a1", 24*time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) != 1 || rel[0].Alert.ID != "a2" || len(rel[0].Shared) != 1 || rel[0].Shared[0] != (store.Entity{Kind: "host", Value: "h1"}) {
		t.Fatalf("related: %+v", rel)
	}
	groups, err := s.Alerts().SharedEntities(ctx, "o1", t0.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Entity.Kind != "host" || len(groups[0].AlertIDs) != 3 || groups[1].Entity.Value != "u" {
		t.Fatalf("shared entities: %+v", groups)
	}
	// Bulk changes are set-based and scoped to the org.
	st, ts := store.AlertAcknowledged, t0.Add(2*time.Hour)
	n, err := s.Alerts().BulkSet(ctx, "o1", []string{"a1", "a2", "a4", "nope"}, store.AlertBulkSet{Status: &st, AcknowledgedAt: &ts, UpdatedAt: ts})
	if err != nil || n != 2 {
		t.Fatalf("bulk: %d %v", n, err)
	}
	got, _ = s.Alerts().Get(ctx, "o1", "a1")
	if got.Status != st || !got.AcknowledgedAt.Equal(ack) {
		t.Fatalf("bulk must keep the first acknowledgement: %+v", got)
	}
	got, _ = s.Alerts().Get(ctx, "o1", "a2")
	if got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(ts) {
		t.Fatalf("bulk ack time: %+v", got.AcknowledgedAt)
	}
	if x, _ := s.Alerts().Get(ctx, "o2", "a4"); x.Status != store.AlertNew {
		t.Fatal("bulk changed another org's alert")
	}
	// Deleted alerts leave the queue, are listed in the trash, restore, purge.
	if _, err := s.Alerts().BulkSet(ctx, "o1", []string{"a3"}, store.AlertBulkSet{Delete: true, DeletedBy: "u1", UpdatedAt: ts}); err != nil {
		t.Fatal(err)
	}
	live, total, _ := s.Alerts().List(ctx, "o1", store.AlertFilter{})
	trash, _, _ := s.Alerts().List(ctx, "o1", store.AlertFilter{Deleted: true})
	if total != 2 || len(live) != 2 || len(trash) != 1 || trash[0].DeletedBy != "u1" {
		t.Fatalf("trash: live %d/%d trash %+v", len(live), total, trash)
	}
	list, _, _ := s.Alerts().List(ctx, "o1", store.AlertFilter{Group: "g1", Verdicts: []string{store.VerdictBenign}})
	if len(list) != 1 || list[0].ID != "a1" {
		t.Fatalf("group+verdict filter: %+v", list)
	}
	list, _, _ = s.Alerts().List(ctx, "o1", store.AlertFilter{Unassigned: true, NoIncident: true})
	if len(list) != 2 {
		t.Fatalf("unassigned filter: %d", len(list))
	}
	if n, err := s.Alerts().PurgeDeleted(ctx, ts.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if _, err := s.Alerts().Get(ctx, "o1", "a3"); err == nil {
		t.Fatal("purged alert still there")
	}
	byIDs, err := s.Alerts().ListByIDs(ctx, "o1", []string{"a1", "a2", "a4"})
	if err != nil || len(byIDs) != 2 {
		t.Fatalf("by ids: %d %v", len(byIDs), err)
	}
	tm, err := s.Alerts().Timings(ctx, "o1", t0.Add(-time.Hour), t0.Add(time.Hour*100))
	if err != nil || len(tm) != 2 {
		t.Fatalf("timings: %+v %v", tm, err)
	}
}

func testIncidents(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	var ids []string
	for i := 0; i < 3; i++ {
		in, err := s.Incidents().Create(ctx, store.Incident{ID: fmt.Sprintf("i%d", i), OrgID: "o1", Title: fmt.Sprintf("Case %d", i),
			Severity: "high", Status: store.IncidentOpen, Tags: []string{"x"}, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			UpdatedAt: t0.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if in.Number != int64(i+1) {
			t.Fatalf("number: %d", in.Number)
		}
		ids = append(ids, in.ID)
	}
	other, err := s.Incidents().Create(ctx, store.Incident{ID: "j1", OrgID: "o2", Title: "Other", Severity: "low", Status: store.IncidentOpen, CreatedAt: t0, UpdatedAt: t0})
	if err != nil || other.Number != 1 {
		t.Fatalf("numbers are per org: %d %v", other.Number, err)
	}
	_, err = s.Incidents().Get(ctx, "o2", "i0")
	wantErr(t, err, store.ErrNotFound, "other org's incident")
	in, _ := s.Incidents().Get(ctx, "o1", "i1")
	res := t0.Add(time.Hour)
	in.Status, in.Verdict, in.ResolvedAt, in.Owner, in.UpdatedAt = store.IncidentResolved, store.VerdictTruePositive, &res, "u1", res
	if err := s.Incidents().Update(ctx, in); err != nil {
		t.Fatal(err)
	}
	list, total, err := s.Incidents().List(ctx, "o1", store.IncidentFilter{Limit: 2})
	if err != nil || total != 3 || len(list) != 2 || list[0].ID != "i1" {
		t.Fatalf("list: %v %d %+v", err, total, list)
	}
	list, _, _ = s.Incidents().List(ctx, "o1", store.IncidentFilter{AfterAt: list[1].UpdatedAt, AfterID: list[1].ID, Limit: 2})
	if len(list) != 1 || list[0].ID != "i0" {
		t.Fatalf("page 2: %+v", list)
	}
	list, _, _ = s.Incidents().List(ctx, "o1", store.IncidentFilter{Owner: "u1", Statuses: []string{store.IncidentResolved}, Query: "case 1"})
	if len(list) != 1 {
		t.Fatalf("filters: %+v", list)
	}
	a := newAlert("o1", "a1", "k", t0, "high", store.AlertNew)
	a.IncidentID = "i1"
	_ = s.Alerts().Create(ctx, a)
	counts, err := s.Incidents().AlertCounts(ctx, "o1", ids)
	if err != nil || counts["i1"] != 1 || counts["i0"] != 0 {
		t.Fatalf("alert counts: %v %v", counts, err)
	}
	for i, m := range []string{"b", "a"} {
		if err := s.Incidents().AddTimeline(ctx, store.TimelineEntry{ID: "t" + m, OrgID: "o1", IncidentID: "i1", At: t0.Add(time.Duration(-i) * time.Minute), Kind: "manual", Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	tl, _ := s.Incidents().Timeline(ctx, "o1", "i1")
	if len(tl) != 2 || tl[0].Message != "a" {
		t.Fatalf("timeline order: %+v", tl)
	}
	if tl, _ := s.Incidents().Timeline(ctx, "o2", "i1"); len(tl) != 0 {
		t.Fatal("timeline leaked across orgs")
	}
	ob := store.Observable{ID: "ob1", OrgID: "o1", IncidentID: "i1", Type: "ip", Value: "10.0.0.1", IOC: true, CreatedAt: t0}
	if err := s.Incidents().AddObservable(ctx, ob); err != nil {
		t.Fatal(err)
	}
	ob.ID = "ob2"
	wantErr(t, s.Incidents().AddObservable(ctx, ob), store.ErrConflict, "duplicate observable")
	obs, _ := s.Incidents().Observables(ctx, "o1", "i1")
	if len(obs) != 1 || !obs[0].IOC {
		t.Fatalf("observables: %+v", obs)
	}
	wantErr(t, s.Incidents().DeleteObservable(ctx, "o2", "i1", "ob1"), store.ErrNotFound, "delete other org's observable")
	if err := s.Incidents().DeleteObservable(ctx, "o1", "i1", "ob1"); err != nil {
		t.Fatal(err)
	}
	tm, err := s.Incidents().Timings(ctx, "o1", t0, t0.Add(time.Hour))
	if err != nil || len(tm) != 3 {
		t.Fatalf("timings: %d %v", len(tm), err)
	}
}

func testTasksAndWorkplans(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	due := t0.Add(24 * time.Hour)
	step := 2
	w := store.Workplan{ID: "w1", OrgID: "o1", Title: "Patch", Status: "active", DueAt: &due,
		Links: []store.WorkplanLink{{Type: "incident", ID: "i1"}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Workplans().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	got, err := s.Workplans().Get(ctx, "o1", "w1")
	if err != nil || !reflect.DeepEqual(got, w) {
		t.Fatalf("workplan round trip: %+v %v", got, err)
	}
	tk := store.Task{ID: "t1", OrgID: "o1", WorkplanID: "w1", Title: "Do it", Status: store.TaskTodo, DueAt: &due, Position: 1,
		PlaybookStep: &step, Action: `{"type":"block_ip"}`, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Tasks().Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	gt, err := s.Tasks().Get(ctx, "o1", "t1")
	if err != nil || !reflect.DeepEqual(gt, tk) {
		t.Fatalf("task round trip:\n got %+v\nwant %+v (%v)", gt, tk, err)
	}
	_ = s.Tasks().Create(ctx, store.Task{ID: "t2", OrgID: "o1", IncidentID: "i1", Title: "Other", Status: store.TaskDone, Assignee: "u1", CreatedAt: t0, UpdatedAt: t0})
	_, err = s.Tasks().Get(ctx, "o2", "t1")
	wantErr(t, err, store.ErrNotFound, "other org's task")
	l, _ := s.Tasks().List(ctx, "o1", store.TaskFilter{WorkplanID: "w1"})
	l2, _ := s.Tasks().List(ctx, "o1", store.TaskFilter{Assignee: "u1", Statuses: []string{store.TaskDone}})
	if len(l) != 1 || len(l2) != 1 || l2[0].ID != "t2" {
		t.Fatalf("task filters: %+v %+v", l, l2)
	}
	done := t0.Add(time.Hour)
	tk.Status, tk.CompletedAt, tk.UpdatedAt = store.TaskDone, &done, done
	if err := s.Tasks().Update(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if err := s.Workplans().Delete(ctx, "o1", "w1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tasks().Get(ctx, "o1", "t1"); err == nil {
		t.Fatal("workplan delete must remove its tasks")
	}
	wantErr(t, s.Tasks().Delete(ctx, "o2", "t2"), store.ErrNotFound, "delete other org's task")
}

func testNotesAndAttachments(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	n := store.Note{ID: "n1", OrgID: "o1", ObjectType: "incident", ObjectID: "i1", Author: "u1", Body: "hello @x", Mentions: []string{"u2"}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Notes().Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notes().Get(ctx, "o1", "n1")
	if err != nil || !reflect.DeepEqual(got, n) {
		t.Fatalf("note round trip: %+v %v", got, err)
	}
	_ = s.Notes().Create(ctx, store.Note{ID: "n2", OrgID: "o1", ObjectType: "alert", ObjectID: "a1", Author: "u1", Body: "x", CreatedAt: t0.Add(time.Hour), UpdatedAt: t0})
	rooms, _ := s.Notes().Rooms(ctx, "o1", 10)
	if len(rooms) != 2 || rooms[0].ObjectID != "a1" {
		t.Fatalf("rooms: %+v", rooms)
	}
	a := store.Attachment{ID: "f1", OrgID: "o1", ObjectType: "incident", ObjectID: "i1", Name: "x.png", ContentType: "image/png", Size: 3, SHA256: "abc", CreatedAt: t0}
	if err := s.Notes().CreateAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Notes().LinkAttachments(ctx, "o1", "alert", "a1", "n2", []string{"f1"}); err == nil {
		t.Fatal("an attachment must only be linked to a note of its own object")
	}
	if err := s.Notes().LinkAttachments(ctx, "o1", "incident", "i1", "n1", []string{"f1"}); err != nil {
		t.Fatal(err)
	}
	at, _ := s.Notes().Attachments(ctx, "o1", "incident", "i1")
	if len(at) != 1 || at[0].NoteID != "n1" {
		t.Fatalf("attachments: %+v", at)
	}
	_, err = s.Notes().GetAttachment(ctx, "o2", "f1")
	wantErr(t, err, store.ErrNotFound, "other org's attachment")
	wantErr(t, s.Notes().Delete(ctx, "o2", "n1"), store.ErrNotFound, "delete other org's note")
	if err := s.Notes().Delete(ctx, "o1", "n1"); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Notes().List(ctx, "o1", "incident", "i1"); len(l) != 0 {
		t.Fatal("note not deleted")
	}
}

func testResponseMisc(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	p := store.Playbook{ID: "p1", OrgID: "o1", Name: "Mine", Steps: []store.PlaybookStep{{Title: "Look", Kind: "manual"},
		{Title: "Block", Kind: "action", Action: &store.PlaybookAction{Type: "block_ip", TargetFrom: "ip"}}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Playbooks().Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	gp, err := s.Playbooks().Get(ctx, "o1", "p1")
	if err != nil || !reflect.DeepEqual(gp, p) {
		t.Fatalf("playbook round trip: %+v %v", gp, err)
	}
	_, err = s.Playbooks().Get(ctx, "o2", "p1")
	wantErr(t, err, store.ErrNotFound, "other org's playbook")
	ra := store.ResponseAction{ID: "r1", OrgID: "o1", Type: "isolate_host", Target: "h1", Params: "{}", AlertID: "a1", Status: store.ActionQueued,
		ExternalID: "ea1", CreatedAt: t0, UpdatedAt: t0}
	if err := s.Responses().Create(ctx, ra); err != nil {
		t.Fatal(err)
	}
	ra.Status, ra.Result, ra.UpdatedAt = store.ActionDone, "isolated", t0.Add(time.Minute)
	if err := s.Responses().Update(ctx, ra); err != nil {
		t.Fatal(err)
	}
	gr, err := s.Responses().ByExternalID(ctx, "o1", "ea1")
	if err != nil || !reflect.DeepEqual(gr, ra) {
		t.Fatalf("response round trip: %+v %v", gr, err)
	}
	if l, _ := s.Responses().List(ctx, "o1", "a1", "", 10); len(l) != 1 {
		t.Fatal("response list by alert")
	}
	if l, _ := s.Responses().List(ctx, "o2", "", "", 10); len(l) != 0 {
		t.Fatal("response list leaked")
	}
	h := store.Handover{ID: "h1", OrgID: "o1", Author: "u1", Subject: "Night shift", Body: "all quiet", Recipients: []string{"a@x.org"},
		Status: store.HandoverDraft, Snapshot: `{"alerts":1}`, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Handovers().Create(ctx, h); err != nil {
		t.Fatal(err)
	}
	sent := t0.Add(time.Hour)
	h.Status, h.SentAt, h.UpdatedAt = store.HandoverSent, &sent, sent
	if err := s.Handovers().Update(ctx, h); err != nil {
		t.Fatal(err)
	}
	gh, err := s.Handovers().Get(ctx, "o1", "h1")
	if err != nil || !reflect.DeepEqual(gh, h) {
		t.Fatalf("handover round trip: %+v %v", gh, err)
	}
	if l, _ := s.Handovers().List(ctx, "o2", 10); len(l) != 0 {
		t.Fatal("handovers leaked")
	}
	if err := s.History().Add(ctx, store.HistoryEntry{ID: "x1", OrgID: "o1", ObjectType: "alert", ObjectID: "a1", At: t0, Action: "status", Detail: "new -> acknowledged"},
		store.HistoryEntry{ID: "x2", OrgID: "o1", ObjectType: "alert", ObjectID: "a1", At: t0.Add(time.Second), Action: "assign"}); err != nil {
		t.Fatal(err)
	}
	var many []store.HistoryEntry
	for i := 0; i < 250; i++ {
		many = append(many, store.HistoryEntry{ID: fmt.Sprintf("m%03d", i), OrgID: "o1", ObjectType: "alert", ObjectID: "a2", At: t0, Action: "bulk"})
	}
	if err := s.History().Add(ctx, many...); err != nil {
		t.Fatal(err)
	}
	hl, _ := s.History().List(ctx, "o1", "alert", "a1")
	hm, _ := s.History().List(ctx, "o1", "alert", "a2")
	if len(hl) != 2 || hl[0].Action != "status" || len(hm) != 250 {
		t.Fatalf("history: %d %d", len(hl), len(hm))
	}
	if err := s.SLA().Put(ctx, "o1", []store.SLAPolicy{{Severity: "high", AckMinutes: 30, ResolveMinutes: 600}}); err != nil {
		t.Fatal(err)
	}
	sl, _ := s.SLA().Get(ctx, "o1")
	so, _ := s.SLA().Get(ctx, "o2")
	if len(sl) != 1 || sl[0].AckMinutes != 30 || len(so) != 0 {
		t.Fatalf("sla: %+v %+v", sl, so)
	}
}
