package incident

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

type fixture struct {
	ctx     context.Context
	st      store.Store
	svc     *Service
	now     time.Time
	analyst Actor
	admin   Actor
	blocks  *recBlocks
	mails   *recMailer
	excepts *recExceptions
}

// recExceptions records the rule exceptions asked of detection.
type recExceptions struct {
	mu       sync.Mutex
	calls    []string
	warnings []string // answered to every call
}

func (r *recExceptions) AddRuleException(_ context.Context, _ Actor, ruleID string, req ExceptionRequest) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(req.Conditions) > 0 {
		r.calls = append(r.calls, ruleID+" "+detect.DescribeConditions(req.Conditions)+" ("+req.Reason+")")
	} else {
		r.calls = append(r.calls, ruleID+" "+req.Field+"="+req.Value+" ("+req.Reason+")")
	}
	return r.warnings, nil
}

type recBlocks struct {
	mu   sync.Mutex
	list []string
}

func (b *recBlocks) Block(ctx context.Context, a Actor, kind, value, reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if value == "203.0.113.66" {
		return errors.New("the block list refused it")
	}
	b.list = append(b.list, kind+":"+value)
	return nil
}

type recMailer struct {
	mu   sync.Mutex
	sent []string
	fail error
}

func (m *recMailer) SendHandover(ctx context.Context, orgID, channelID string, to []string, subject, text, html string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, strings.Join(to, ",")+"|"+subject+"|"+text)
	return nil
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
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, o := range []string{"org1", "org2"} {
		if err := st.Orgs().Create(ctx, store.Org{ID: o, Name: o, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.User{
		{ID: "u-analyst", OrgID: "org1", Email: "ana@example.org", Role: "analyst"},
		{ID: "u-admin", OrgID: "org1", Email: "adm@example.org", Role: "admin"},
		{ID: "u-lead", OrgID: "org1", Email: "lead@example.org", Role: "team_lead"},
		{ID: "u-other", OrgID: "org2", Email: "other@example.org", Role: "admin"},
	} {
		u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt, u.PasswordHash = now, now, now, "x"
		if err := st.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []store.Group{{ID: "g-tier2", OrgID: "org1", Name: "Tier 2"}, {ID: "g-other", OrgID: "org2", Name: "Theirs"}} {
		g.CreatedAt, g.UpdatedAt = now, now
		if err := st.Groups().Create(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{ctx: ctx, st: st, now: now, blocks: &recBlocks{}, mails: &recMailer{},
		analyst: Actor{OrgID: "org1", UserID: "u-analyst", Email: "ana@example.org"},
		admin:   Actor{OrgID: "org1", UserID: "u-admin", Email: "adm@example.org", Admin: true}}
	clock := now
	f.excepts = &recExceptions{}
	f.svc = New(Options{Store: st, Now: func() time.Time { clock = clock.Add(time.Second); return clock }, BlobDir: filepath.Join(dir, "blobs"),
		BlockList: f.blocks, Mailer: f.mails, MaxAttachmentBytes: 1 << 20, Exceptions: f.excepts})
	return f
}

func (f *fixture) alert(t testing.TB, id, sev, host, ip string) store.Alert {
	t.Helper()
	a := store.Alert{ID: id, OrgID: "org1", RuleID: "r1", RuleTitle: "Rule", RuleKind: "detection", Severity: sev, Status: store.AlertNew,
		Title: "Alert " + id, Entities: store.AlertEntities{Hosts: []string{host}, IPs: []string{ip}}, DedupKey: id, Count: 1,
		FirstSeen: f.now, LastSeen: f.now, CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.st.Alerts().Create(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("want a FieldError on %q, got %v", field, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTriageLifecycle(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "high", "web01", "198.51.100.7")
	v, err := f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertAcknowledged), Assignee: ptr("u-analyst")})
	if err != nil {
		t.Fatal(err)
	}
	if v.AcknowledgedAt == nil || v.AssigneeEmail != "ana@example.org" || v.SLA.AckBreached {
		t.Fatalf("after ack: %+v", v)
	}
	_, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertResolved)})
	wantField(t, err, "verdict")
	_, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Assignee: ptr("u-other")})
	wantField(t, err, "assignee")
	_, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Verdict: ptr("maybe")})
	wantField(t, err, "verdict")
	v, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertResolved), Verdict: ptr(store.VerdictTruePositive), Comment: "confirmed **malicious** <script>alert(1)</script>"})
	if err != nil {
		t.Fatal(err)
	}
	if v.ResolvedAt == nil || v.Status != store.AlertResolved || v.Verdict != store.VerdictTruePositive {
		t.Fatalf("after resolve: %+v", v)
	}
	notes, err := f.svc.Notes(f.ctx, "org1", "alert", "a1")
	if err != nil || len(notes) != 1 {
		t.Fatalf("comment note: %v %d", err, len(notes))
	}
	if strings.Contains(notes[0].BodyHTML, "<script") || !strings.Contains(notes[0].BodyHTML, "<strong>malicious</strong>") {
		t.Fatalf("markdown not rendered safely: %s", notes[0].BodyHTML)
	}
	hist, err := f.svc.History(f.ctx, "org1", "alert", "a1")
	if err != nil || len(hist) < 2 || hist[0].ActorEmail != "ana@example.org" {
		t.Fatalf("history: %v %+v", err, hist)
	}
	entries, err := f.st.Audit().List(f.ctx, "org1", store.AuditFilter{Limit: 50})
	if err != nil || len(entries) < 2 {
		t.Fatalf("audit: %v %d", err, len(entries))
	}
	// Reopening clears the resolution time and the verdict, which was the
	// closed alert's (the history keeps both); back to new, it is no
	// longer acknowledged either.
	v, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertInProgress)})
	if err != nil || v.ResolvedAt != nil || v.Verdict != "" || v.AcknowledgedAt == nil {
		t.Fatalf("reopen: %v %+v", err, v)
	}
	v, err = f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertNew)})
	if err != nil || v.AcknowledgedAt != nil || v.Verdict != "" {
		t.Fatalf("back to new: %v %+v", err, v)
	}
	if hist, err := f.svc.History(f.ctx, "org1", "alert", "a1"); err != nil || !strings.Contains(fmt.Sprint(hist), "verdict true_positive cleared") {
		t.Fatalf("history of the reopening: %v %+v", err, hist)
	}
	// Another org cannot see or change it.
	_, err = f.svc.PatchAlert(f.ctx, Actor{OrgID: "org2", UserID: "u-other"}, "a1", AlertPatch{Status: ptr(store.AlertClosed)})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cross-org patch: %v", err)
	}
}

func TestEscalate(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "medium", "h", "10.0.0.1")
	_, err := f.svc.Escalate(f.ctx, f.analyst, "a1", EscalateInput{ToGroup: "g-tier2"})
	wantField(t, err, "reason")
	_, err = f.svc.Escalate(f.ctx, f.analyst, "a1", EscalateInput{ToGroup: "g-other", Reason: "x"})
	wantField(t, err, "to_group")
	_, err = f.svc.Escalate(f.ctx, f.analyst, "a1", EscalateInput{ToUser: "u-other", Reason: "x"})
	wantField(t, err, "to_user")
	v, err := f.svc.Escalate(f.ctx, f.analyst, "a1", EscalateInput{ToGroup: "g-tier2", ToUser: "u-lead", Reason: "needs malware analysis"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.AlertEscalated || v.AssigneeGroupName != "Tier 2" || v.Escalation == nil || v.Escalation.ToUserEmail != "lead@example.org" ||
		v.Escalation.ByEmail != "ana@example.org" || v.Escalation.Reason != "needs malware analysis" {
		t.Fatalf("escalated: %+v %+v", v, v.Escalation)
	}
}

func TestBulkAndTrash(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 3; i++ {
		f.alert(t, fmt.Sprintf("a%d", i), "low", "h", "10.0.0.1")
	}
	res, err := f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a0", "a1", "a2", "nope"}, Action: "acknowledge"})
	if err != nil || res.Updated != 3 || len(res.Failed) != 1 || res.Failed[0].ID != "nope" {
		t.Fatalf("bulk ack: %+v %v", res, err)
	}
	res, err = f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a0"}, Action: "status", Status: store.AlertClosed})
	if err != nil || res.Updated != 0 || len(res.Failed) != 1 {
		t.Fatalf("close without verdict must fail per item: %+v %v", res, err)
	}
	res, err = f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a0", "a1"}, Action: "status", Status: store.AlertClosed, Verdict: store.VerdictBenign})
	if err != nil || res.Updated != 2 {
		t.Fatalf("bulk close: %+v %v", res, err)
	}
	// Reopened in bulk as new, as one alone: no resolution, verdict or
	// acknowledgement left.
	if res, err = f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a1"}, Action: "status", Status: store.AlertNew}); err != nil || res.Updated != 1 {
		t.Fatalf("bulk reopen: %+v %v", res, err)
	}
	if al, err := f.st.Alerts().Get(f.ctx, "org1", "a1"); err != nil || al.Status != store.AlertNew || al.Verdict != "" || al.ResolvedAt != nil || al.AcknowledgedAt != nil {
		t.Fatalf("reopened in bulk: %+v %v", al, err)
	}
	_, err = f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a2"}, Action: "delete"})
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("analyst delete: %v", err)
	}
	_, err = f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: make([]string, MaxBulk+1), Action: "acknowledge"})
	wantField(t, err, "ids")
	if err := f.svc.DeleteAlert(f.ctx, f.admin, "a2"); err != nil {
		t.Fatal(err)
	}
	live, _, _ := f.st.Alerts().List(f.ctx, "org1", store.AlertFilter{})
	if len(live) != 2 {
		t.Fatalf("deleted alert still listed: %d", len(live))
	}
	v, err := f.svc.RestoreAlert(f.ctx, f.admin, "a2")
	if err != nil || v.DeletedAt != nil {
		t.Fatalf("restore: %v %+v", err, v)
	}
	hist, _ := f.svc.History(f.ctx, "org1", "alert", "a2")
	if len(hist) != 3 {
		t.Fatalf("history of a2: %+v", hist)
	}
}

func TestIncidentFromAlertsWithPlaybook(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "medium", "web01", "198.51.100.7")
	f.alert(t, "a2", "critical", "web01", "198.51.100.8")
	f.alert(t, "a3", "low", "db01", "10.0.0.9")
	props, err := f.svc.Proposals(f.ctx, "org1")
	if err != nil || len(props) != 1 || props[0].Entity.Value != "web01" || len(props[0].Alerts) != 2 || props[0].Severity != "critical" {
		t.Fatalf("proposals: %v %+v", err, props)
	}
	_, err = f.svc.CreateIncident(f.ctx, f.analyst, IncidentInput{Title: "x", AlertIDs: []string{"a1", "missing"}})
	wantField(t, err, "alert_ids[1]")
	d, err := f.svc.CreateIncident(f.ctx, f.analyst, IncidentInput{Title: "Web server compromise", AlertIDs: []string{"a1", "a2"}, PlaybookID: "pb-malware-endpoint"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != "INC-0001" || d.Severity != "critical" || len(d.Alerts) != 2 || d.AlertCount != 2 || len(d.Tasks) != 8 || d.PlaybookID != "pb-malware-endpoint" {
		t.Fatalf("incident: %+v", d.IncidentView)
	}
	if len(d.Observables) != 3 { // web01, two IPs
		t.Fatalf("observables from entities: %+v", d.Observables)
	}
	if len(d.Timeline) < 4 {
		t.Fatalf("timeline: %+v", d.Timeline)
	}
	_, err = f.svc.CreateIncident(f.ctx, f.analyst, IncidentInput{Title: "again", Severity: "low", AlertIDs: []string{"a1"}})
	wantField(t, err, "alert_ids[0]")
	_, err = f.svc.ApplyPlaybook(f.ctx, f.analyst, d.ID, "pb-malware-endpoint")
	wantField(t, err, "playbook_id")
	if props, _ := f.svc.Proposals(f.ctx, "org1"); len(props) != 0 {
		t.Fatalf("alerts in an incident are no longer proposed: %+v", props)
	}
	_, err = f.svc.PatchIncident(f.ctx, f.analyst, d.ID, IncidentPatch{Status: ptr(store.IncidentResolved)})
	wantField(t, err, "verdict")
	// Run the playbook's isolate step: no endpoint service, so it fails
	// visibly and the task is blocked with the reason.
	var isolate TaskView
	for _, tk := range d.Tasks {
		if tk.Action != nil && tk.Action.Type == "isolate_host" {
			isolate = tk
		}
	}
	act, tv, err := f.svc.RunTask(f.ctx, f.admin, isolate.ID, "web01", "", nil)
	if err != nil || act.Status != store.ActionFailed || tv.Status != store.TaskBlocked || !strings.Contains(tv.Description, "endpoint") {
		t.Fatalf("run isolate: %v %+v %+v", err, act, tv)
	}
	var block TaskView
	for _, tk := range d.Tasks {
		if tk.Action != nil && tk.Action.Type == "block_ip" {
			block = tk
		}
	}
	act, tv, err = f.svc.RunTask(f.ctx, f.admin, block.ID, "198.51.100.7", "", nil)
	if err != nil || act.Status != store.ActionDone || tv.Status != store.TaskDone || len(f.blocks.list) != 1 {
		t.Fatalf("run block: %v %+v %+v %v", err, act, tv, f.blocks.list)
	}
	d2, err := f.svc.PatchIncident(f.ctx, f.analyst, d.ID, IncidentPatch{Status: ptr(store.IncidentResolved), Verdict: ptr(store.VerdictTruePositive), Owner: ptr("u-analyst")})
	if err != nil || d2.ResolvedAt == nil || d2.AcknowledgedAt == nil || d2.OwnerEmail != "ana@example.org" || len(d2.Actions) != 2 {
		t.Fatalf("resolve: %v %+v", err, d2.IncidentView)
	}
	if _, err := f.svc.Incident(f.ctx, "org2", d.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cross-org incident: %v", err)
	}
	m, err := f.svc.Metrics(f.ctx, "org1", f.now.Add(-time.Hour), f.now.Add(time.Hour), "")
	if err != nil || m.Incidents.Opened != 1 || m.Incidents.Resolved != 1 || m.Incidents.MTTRSeconds == nil || m.Alerts.Raised != 3 {
		t.Fatalf("metrics: %v %+v", err, m)
	}
}

func TestObservablesAndTimeline(t *testing.T) {
	f := newFixture(t)
	d, err := f.svc.CreateIncident(f.ctx, f.analyst, IncidentInput{Title: "Phish", Severity: "medium"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ typ, val, field string }{{"ip", "999.1.1.1", "value"}, {"hash", "abc", "value"}, {"domain", "not a domain", "value"},
		{"colour", "red", "type"}, {"url", "example.com/x", "value"}} {
		_, err := f.svc.AddObservable(f.ctx, f.analyst, d.ID, ObservableInput{Type: c.typ, Value: c.val})
		wantField(t, err, c.field)
	}
	o, err := f.svc.AddObservable(f.ctx, f.analyst, d.ID, ObservableInput{Type: "domain", Value: "Evil.Example.COM.", IOC: true})
	if err != nil || o.Value != "evil.example.com" {
		t.Fatalf("domain: %v %+v", err, o)
	}
	_, err = f.svc.AddObservable(f.ctx, f.analyst, d.ID, ObservableInput{Type: "domain", Value: "evil.example.com"})
	wantField(t, err, "value")
	_, err = f.svc.AddTimeline(f.ctx, f.analyst, d.ID, "  ", nil)
	wantField(t, err, "message")
	future := f.now.Add(48 * time.Hour)
	_, err = f.svc.AddTimeline(f.ctx, f.analyst, d.ID, "x", &future)
	wantField(t, err, "at")
	past := f.now.Add(-2 * time.Hour)
	e, err := f.svc.AddTimeline(f.ctx, f.analyst, d.ID, "User reported the mail", &past)
	if err != nil || e.Kind != "manual" {
		t.Fatal(err)
	}
	got, _ := f.svc.Incident(f.ctx, "org1", d.ID)
	if got.Timeline[0].Message != "User reported the mail" {
		t.Fatalf("timeline is ordered by time: %+v", got.Timeline)
	}
}

func TestNotesAndAttachments(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "high", "h", "10.0.0.1")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	att, err := f.svc.Upload(f.ctx, f.analyst, "alert", "a1", "shot.png", bytes.NewReader(png))
	if err != nil || att.ContentType != "image/png" || att.Size != int64(len(png)) {
		t.Fatalf("upload: %v %+v", err, att)
	}
	for _, c := range []struct {
		name string
		body []byte
	}{{"evil.exe", []byte("MZ")}, {"fake.png", []byte("<html><script>x</script></html>")}, {"empty.txt", nil},
		{"big.txt", bytes.Repeat([]byte("a"), 2<<20)}, {"page.html", []byte("<p>")}, {"x.svg", []byte("<svg/>")}} {
		_, err := f.svc.Upload(f.ctx, f.analyst, "alert", "a1", c.name, bytes.NewReader(c.body))
		wantField(t, err, "file")
	}
	if _, err := f.svc.Upload(f.ctx, Actor{OrgID: "org2", UserID: "u-other"}, "alert", "a1", "x.png", bytes.NewReader(png)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("upload to another org's alert: %v", err)
	}
	n, err := f.svc.AddNote(f.ctx, f.analyst, "alert", "a1", "see screenshot @lead@example.org @other@example.org [x](javascript:alert(1))", []string{att.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Mentions) != 1 || n.Mentions[0].Email != "lead@example.org" || len(n.Attachments) != 1 || strings.Contains(n.BodyHTML, "javascript:") {
		t.Fatalf("note: %+v", n)
	}
	_, err = f.svc.EditNote(f.ctx, Actor{OrgID: "org1", UserID: "u-lead"}, n.ID, "hijack")
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("edit another's note: %v", err)
	}
	if err := f.svc.DeleteNote(f.ctx, f.admin, n.ID); err != nil {
		t.Fatalf("admin deletes any note: %v", err)
	}
	view, file, err := f.svc.OpenAttachment(f.ctx, "org1", att.ID)
	if err != nil {
		t.Fatal(err)
	}
	file.Close()
	if view.SHA256 == "" {
		t.Fatal("no hash")
	}
	rooms, err := f.svc.Rooms(f.ctx, "org1")
	if err != nil {
		t.Fatal(err)
	}
	_ = rooms
}

func TestWorkplansAndHandover(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "critical", "h", "10.0.0.1")
	d, _ := f.svc.CreateIncident(f.ctx, f.analyst, IncidentInput{Title: "Ransomware on h", Severity: "critical", AlertIDs: []string{"a1"}})
	w, err := f.svc.SaveWorkplan(f.ctx, f.analyst, "", WorkplanInput{Title: ptr("Patch week"), Links: &[]store.WorkplanLink{{Type: "incident", ID: d.ID}}})
	if err != nil || len(w.Links) != 1 || !strings.Contains(w.Links[0].Title, "Ransomware") {
		t.Fatalf("workplan: %v %+v", err, w)
	}
	_, err = f.svc.SaveWorkplan(f.ctx, f.analyst, "", WorkplanInput{Title: ptr("x"), Links: &[]store.WorkplanLink{{Type: "incident", ID: "nope"}}})
	wantField(t, err, "links[0]")
	due := f.now.Add(24 * time.Hour)
	tk, err := f.svc.CreateTask(f.ctx, f.analyst, "", w.ID, TaskInput{Title: "Patch web01", Assignee: "u-lead", DueAt: &due})
	if err != nil || tk.AssigneeEmail != "lead@example.org" {
		t.Fatalf("task: %v %+v", err, tk)
	}
	tk, err = f.svc.PatchTask(f.ctx, f.analyst, tk.ID, TaskPatch{Status: ptr(store.TaskInProgress)})
	if err != nil || tk.Status != store.TaskInProgress {
		t.Fatal(err)
	}
	c, err := f.svc.Compose(f.ctx, f.analyst, "")
	if err != nil || c.Snapshot.Incidents != 1 || c.Snapshot.Alerts != 1 || c.Snapshot.Tasks != 1 || !strings.Contains(c.Body, "INC-0001") {
		t.Fatalf("compose: %v %+v\n%s", err, c.Snapshot, c.Body)
	}
	_, err = f.svc.SaveHandover(f.ctx, f.analyst, "", HandoverInput{Subject: ptr(c.Subject), Body: ptr(c.Body), Recipients: &[]string{"not an address"}})
	wantField(t, err, "recipients[0]")
	h, err := f.svc.SaveHandover(f.ctx, f.analyst, "", HandoverInput{Subject: ptr(c.Subject), Body: ptr(c.Body), Recipients: &[]string{"night@example.org"}, Snapshot: &c.Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendHandover(f.ctx, f.analyst, h.ID)
	wantField(t, err, "channel_id")
	h, _ = f.svc.SaveHandover(f.ctx, f.analyst, h.ID, HandoverInput{ChannelID: ptr("ch1")})
	f.mails.fail = errors.New("535 authentication failed")
	h2, err := f.svc.SendHandover(f.ctx, f.analyst, h.ID)
	if !errors.Is(err, ErrUpstream) || h2.Status != store.HandoverFailed || !strings.Contains(h2.Error, "535") {
		t.Fatalf("failed send: %v %+v", err, h2)
	}
	f.mails.fail = nil
	h2, err = f.svc.SendHandover(f.ctx, f.analyst, h.ID)
	if err != nil || h2.Status != store.HandoverSent || len(f.mails.sent) != 1 || !strings.Contains(f.mails.sent[0], "INC-0001") {
		t.Fatalf("send: %v %+v %v", err, h2, f.mails.sent)
	}
	_, err = f.svc.SaveHandover(f.ctx, f.analyst, h.ID, HandoverInput{Body: ptr("changed")})
	wantField(t, err, "status")
}

func TestResponseActions(t *testing.T) {
	f := newFixture(t)
	f.alert(t, "a1", "high", "h", "10.0.0.1")
	for _, c := range []struct {
		in    ActionInput
		field string
	}{
		{ActionInput{Type: "nuke", Target: "x", Reason: "r"}, "type"},
		{ActionInput{Type: "block_ip", Target: "not-ip", Reason: "r"}, "target"},
		{ActionInput{Type: "block_ip", Target: "127.0.0.1", Reason: "r"}, "target"},
		{ActionInput{Type: "block_ip", Target: "198.51.100.1"}, "reason"},
		{ActionInput{Type: "kill_process", Target: "h", Reason: "r"}, "params.pid"},
		{ActionInput{Type: "disable_user", Target: "bob", Reason: "r"}, "params.host"},
		{ActionInput{Type: "block_ip", Target: "198.51.100.1", Reason: "r", AlertID: "nope"}, "alert_id"},
	} {
		_, err := f.svc.TakeAction(f.ctx, f.admin, c.in)
		wantField(t, err, c.field)
	}
	a, err := f.svc.TakeAction(f.ctx, f.admin, ActionInput{Type: "block_ip", Target: "198.51.100.0/24", Reason: "scanner", AlertID: "a1"})
	if err != nil || a.Status != store.ActionDone || a.ActorEmail != "adm@example.org" || f.blocks.list[0] != "ip:198.51.100.0/24" {
		t.Fatalf("block: %v %+v", err, a)
	}
	a, err = f.svc.TakeAction(f.ctx, f.admin, ActionInput{Type: "block_ip", Target: "203.0.113.66", Reason: "x", AlertID: "a1"})
	if err != nil || a.Status != store.ActionFailed || !strings.Contains(a.Result, "refused") {
		t.Fatalf("refused block is recorded as failed: %v %+v", err, a)
	}
	acts, err := f.svc.Actions(f.ctx, "org1", "a1", "", 10)
	if err != nil || len(acts) != 2 {
		t.Fatalf("actions: %v %d", err, len(acts))
	}
}

func TestSLA(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.PutSLA(f.ctx, f.admin, map[string]store.SLAPolicy{"critical": {AckMinutes: 5, ResolveMinutes: 60}})
	wantField(t, err, "sla.informational")
	in := map[string]store.SLAPolicy{}
	for _, s := range Severities {
		in[s] = store.SLAPolicy{AckMinutes: 10, ResolveMinutes: 5}
	}
	_, err = f.svc.PutSLA(f.ctx, f.admin, in)
	wantField(t, err, "sla.informational.resolve_minutes")
	for _, s := range Severities {
		in[s] = store.SLAPolicy{AckMinutes: 1, ResolveMinutes: 2}
	}
	p, err := f.svc.PutSLA(f.ctx, f.admin, in)
	if err != nil || p["high"].AckMinutes != 1 {
		t.Fatalf("put: %v %+v", err, p)
	}
	// An alert created two hours before the clock is now breaching.
	old := f.now.Add(-2 * time.Hour)
	a := store.Alert{ID: "old", OrgID: "org1", RuleID: "r1", RuleTitle: "Rule", RuleKind: "detection", Severity: "high", Status: store.AlertNew,
		Title: "old", DedupKey: "old", Count: 1, FirstSeen: old, LastSeen: old, CreatedAt: old, UpdatedAt: old}
	if err := f.st.Alerts().Create(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.AlertView(f.ctx, a)
	if !v.SLA.AckBreached || !v.SLA.ResolveBreached {
		t.Fatalf("sla state: %+v", v.SLA)
	}
}

// BenchmarkBulkAcknowledge10k measures acknowledging 10,000 alerts in one
// request (the target is under 2 s).
func BenchmarkBulkAcknowledge10k(b *testing.B) {
	f := newFixture(b)
	ids := make([]string, 10000)
	err := f.st.Tx(f.ctx, func(r store.Repos) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("b%05d", i)
			a := store.Alert{ID: ids[i], OrgID: "org1", RuleID: "r1", RuleTitle: "Rule", RuleKind: "detection", Severity: "low", Status: store.AlertNew,
				Title: "bulk", DedupKey: ids[i], Count: 1, FirstSeen: f.now, LastSeen: f.now, CreatedAt: f.now, UpdatedAt: f.now}
			if err := r.Alerts().Create(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		action := "acknowledge"
		if i%2 == 1 {
			action = "status"
		}
		res, err := f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: ids, Action: action, Status: store.AlertNew})
		if err != nil || res.Updated != 10000 {
			b.Fatalf("%v %+v", err, res.Updated)
		}
	}
}

// busyStore answers the first busy Tx calls with store.ErrBusy, as
// PostgreSQL does to the loser of a deadlock, after running them: what
// they did is rolled back, and what they reported must not count twice.
type busyStore struct {
	store.Store
	mu   sync.Mutex
	busy int
}

func (b *busyStore) Tx(ctx context.Context, fn func(store.Repos) error) error {
	b.mu.Lock()
	lose := b.busy > 0
	if lose {
		b.busy--
	}
	b.mu.Unlock()
	if lose {
		_ = b.Store.Tx(ctx, func(r store.Repos) error {
			if err := fn(r); err != nil {
				return err
			}
			return errors.New("rolled back")
		})
		return fmt.Errorf("%w: deadlock detected", store.ErrBusy)
	}
	return b.Store.Tx(ctx, fn)
}

// An analyst's change that loses a deadlock to detection is made on a
// second run, not answered "busy"; a bulk change reports each alert once.
func TestChangesRetriedWhenBusy(t *testing.T) {
	f := newFixture(t)
	bs := &busyStore{Store: f.st}
	f.svc.o.Store = bs
	f.alert(t, "a0", "high", "h", "10.0.0.1")
	f.alert(t, "a1", "high", "h", "10.0.0.1")
	bs.busy = 2
	v, err := f.svc.PatchAlert(f.ctx, f.analyst, "a0", AlertPatch{Status: ptr(store.AlertAcknowledged)})
	if err != nil || v.Status != store.AlertAcknowledged {
		t.Fatalf("patch after two deadlocks: %v %+v", err, v)
	}
	bs.busy = 1
	res, err := f.svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: []string{"a0", "a1", "gone"}, Action: "status", Status: store.AlertInProgress})
	if err != nil || res.Updated != 2 || len(res.Failed) != 1 || res.Failed[0].ID != "gone" {
		t.Fatalf("bulk after a deadlock: %+v %v", res, err)
	}
	hist, _ := f.svc.History(f.ctx, "org1", "alert", "a1")
	if len(hist) != 1 {
		t.Fatalf("history of a1 after a retried bulk change: %+v", hist)
	}
	bs.busy = 10
	if _, err := f.svc.PatchAlert(f.ctx, f.analyst, "a1", AlertPatch{Status: ptr(store.AlertAcknowledged)}); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("after five deadlocks in a row: %v, want ErrBusy", err)
	}
	if bs.busy != 5 {
		t.Fatalf("%d attempts, want 5", 10-bs.busy)
	}
}

// A false positive resolved with a rule exception: detection is asked for
// it, and the alert's history says so.
func TestFalsePositiveWithException(t *testing.T) {
	f := newFixture(t)
	a := f.alert(t, "fp1", "high", "web-1", "10.0.0.9")
	_, err := f.svc.PatchAlert(f.ctx, f.analyst, a.ID, AlertPatch{Status: ptr(store.AlertResolved), Verdict: ptr(store.VerdictFalsePositive),
		CreateException: &ExceptionRequest{Field: "host.name", Value: "web-1", Reason: "lab host"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.excepts.calls) != 1 || f.excepts.calls[0] != a.RuleID+" host.name=web-1 (lab host)" {
		t.Fatalf("exceptions asked: %q", f.excepts.calls)
	}
	hist, err := f.svc.History(f.ctx, "org1", "alert", a.ID)
	if err != nil || !strings.Contains(fmt.Sprint(hist), `rule exception created: host.name equals "web-1"; reason: lab host`) {
		t.Fatalf("history: %v %+v", err, hist)
	}
}

// A false positive resolved with an exception of several conditions:
// they are checked before the verdict is saved (naming the condition at
// fault), detection's warnings come back with the alert, and the alert's
// history shows every condition.
func TestFalsePositiveWithConditions(t *testing.T) {
	f := newFixture(t)
	a := f.alert(t, "fp2", "high", "web-1", "10.0.0.9")
	patch := func(cs ...store.ExceptionCondition) (AlertView, error) {
		return f.svc.PatchAlert(f.ctx, f.analyst, a.ID, AlertPatch{Status: ptr(store.AlertResolved), Verdict: ptr(store.VerdictFalsePositive),
			CreateException: &ExceptionRequest{Conditions: cs, Reason: "scanner"}})
	}
	_, err := patch(store.ExceptionCondition{Field: "host.name", Value: "web-1"}, store.ExceptionCondition{Field: "source.ip", Operator: "foo", Value: "x"})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "create_exception.conditions[1].operator" || !strings.Contains(fe.Msg, `"foo" is not one of`) {
		t.Fatalf("a bad operator: %v", err)
	}
	if got, _ := f.st.Alerts().Get(f.ctx, "org1", a.ID); got.Status == store.AlertResolved || len(f.excepts.calls) != 0 {
		t.Fatalf("a refused exception resolved the alert (%s) or reached detection (%q)", got.Status, f.excepts.calls)
	}
	_, err = patch(store.ExceptionCondition{Field: "host.name", Operator: "in"})
	if !errors.As(err, &fe) || fe.Field != "create_exception.conditions[0].values" || fe.Msg != "required for in" {
		t.Fatalf("in without values: %v", err)
	}
	f.excepts.warnings = []string{`conditions[1].field: "src.ip" is not a field EventSec's events have; did you mean source.ip?`}
	v, err := patch(store.ExceptionCondition{Field: "host.name", Value: "web-1"}, store.ExceptionCondition{Field: "src.ip", Operator: "cidr", Value: "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.ExceptionWarnings) != 1 || !strings.HasPrefix(v.ExceptionWarnings[0], `create_exception.conditions[1].field: "src.ip"`) {
		t.Fatalf("warnings: %q", v.ExceptionWarnings)
	}
	hist, err := f.svc.History(f.ctx, "org1", "alert", a.ID)
	if err != nil || !strings.Contains(fmt.Sprint(hist), `rule exception created: host.name equals "web-1" AND src.ip cidr "10.0.0.0/8"; reason: scanner`) {
		t.Fatalf("history: %v %+v", err, hist)
	}
}

// failingTx is a store whose Tx fails from the failAt-th call on.
type failingTx struct {
	store.Store
	calls, failAt int
}

func (s *failingTx) Tx(ctx context.Context, fn func(store.Repos) error) error {
	s.calls++
	if s.calls >= s.failAt {
		return errors.New("disk full")
	}
	return s.Store.Tx(ctx, fn)
}

// A bulk action that fails after its first transactions keeps their
// changes and says which alerts did not change; one whose first
// transaction fails changes nothing and returns the error.
func TestBulkStoppedPartWay(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := 0; i < BulkTxSize+5; i++ {
		ids = append(ids, fmt.Sprintf("a%04d", i))
		f.alert(t, ids[i], "low", "h", "10.0.0.1")
	}
	st := &failingTx{Store: f.st, failAt: 2}
	svc := New(Options{Store: st, Now: func() time.Time { return f.now }})
	res, err := svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: ids, Action: "acknowledge"})
	if err != nil || res.Matched != int64(len(ids)) || res.Updated != BulkTxSize || len(res.Failed) != 5 {
		t.Fatalf("part-way: %+v %v", res, err)
	}
	if !strings.Contains(res.Failed[0].Error, "not changed") || !strings.Contains(res.Failed[0].Error, "disk full") || res.Failed[4].ID != ids[len(ids)-1] {
		t.Fatalf("failures: %+v", res.Failed)
	}
	st.calls, st.failAt = 0, 1
	if _, err := svc.Bulk(f.ctx, f.analyst, BulkInput{IDs: ids[:3], Action: "status", Status: store.AlertInProgress}); err == nil {
		t.Fatal("a bulk action whose first transaction failed reported no error")
	}
}
