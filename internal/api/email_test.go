package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/email"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/store"
)

// withEmail gives the fixture the e-mail service: the real analyser with
// threat intel, quarantine blobs in a temp dir, and events into the real
// ingest pipeline.
func withEmail(t *testing.T, po *api.Options, st store.Store, pipe *ingest.Pipeline) {
	t.Helper()
	if po.Email != nil {
		return
	}
	o := email.Options{Store: st, BlobDir: filepath.Join(t.TempDir(), "email"), Now: po.Now,
		Events: func(ctx context.Context, evs []event.Event) error {
			_, err := pipe.SubmitWait(ctx, evs, "email")
			return err
		}}
	if po.Intel != nil {
		o.Intel = email.IntelFrom(po.Intel)
	}
	po.Email = email.New(o)
}

func emailSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "email", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadEmail sends an .eml as the multipart field "file".
func (f *fixture) uploadEmail(t *testing.T, token, name string, raw []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(raw)
	mw.Close()
	return f.do(t, request{Method: "POST", Path: "/api/v1/email/analyze", Token: token, Body: buf.Bytes(), CT: mw.FormDataContentType()})
}

type emailAnalysisJSON struct {
	ID           string `json:"id"`
	QuarantineID string `json:"quarantine_id"`
	Report       struct {
		Verdict string `json:"verdict"`
		Score   int    `json:"score"`
		Reasons []struct {
			Code   string `json:"code"`
			Weight int    `json:"weight"`
		} `json:"reasons"`
		Message struct {
			Subject  string `json:"subject"`
			Received []struct {
				FromIP  string `json:"from_ip"`
				IPClass string `json:"ip_class"`
			} `json:"received"`
			Auth struct {
				DMARC string `json:"dmarc"`
			} `json:"auth"`
			Links []struct {
				Mismatch bool `json:"mismatch"`
			} `json:"links"`
		} `json:"message"`
		URLs        []struct{ URL string } `json:"urls"`
		Attachments []struct {
			Filename string `json:"filename"`
			Verdict  string `json:"verdict"`
		} `json:"attachments"`
	} `json:"report"`
}

// emailParams fills the route walk's e-mail path parameters with fresh
// records of org A, made through the API.
func (f *fixture) emailParams(t *testing.T, path string, params map[string]string) bool {
	t.Helper()
	switch {
	case strings.HasPrefix(path, "/api/v1/email/reports/{id}"):
		admin := f.login(t, adminEmail, adminPass).AccessToken
		params["id"] = decode[emailAnalysisJSON](t, f.uploadEmail(t, admin, "n.eml", emailSample(t, "newsletter.eml"))).ID
	case strings.HasPrefix(path, "/api/v1/email/quarantine/{id}"):
		admin := f.login(t, adminEmail, adminPass).AccessToken
		params["id"] = decode[emailAnalysisJSON](t, f.uploadEmail(t, admin, "p.eml", emailSample(t, "phish.eml"))).QuarantineID
	case strings.HasPrefix(path, "/api/v1/email/mailboxes/{id}"):
		params["id"] = f.newMailbox(t, f.org.ID).ID
	default:
		return false
	}
	return true
}

// newMailbox stores an IMAP mailbox that points at a closed port.
func (f *fixture) newMailbox(t *testing.T, orgID string) store.Mailbox {
	t.Helper()
	now := time.Now().UTC()
	m := store.Mailbox{ID: fmt.Sprintf("mb-%d", f.seq.Add(1)), OrgID: orgID, Name: fmt.Sprintf("box %d", f.seq.Add(1)), Kind: "imap",
		Config:          []byte(`{"imap":{"host":"127.0.0.1","port":1,"security":"none","username":"u","password":"pw-secret","folder":"INBOX"}}`),
		IntervalSeconds: 300, NextPollAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
	if err := f.st.Email().CreateMailbox(f.ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// emailTenantCases stores org B's e-mail records and returns their IDs by
// route, for TestTenantIsolation.
func (f *fixture) emailTenantCases(t *testing.T, orgB string) map[string][]string {
	t.Helper()
	now := time.Now().UTC()
	if err := f.st.Email().CreateReport(f.ctx, store.EmailReport{ID: "b-report", OrgID: orgB, Verdict: "phishing", Score: 80, Source: "upload",
		SHA256: "b-sha", Size: 10, Report: []byte(`{}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Email().CreateQuarantine(f.ctx, store.QuarantineItem{ID: "b-quarantine", OrgID: orgB, ReportID: "b-report", SHA256: "b-sha",
		Size: 10, Verdict: "phishing", Score: 80, Status: store.QuarantineHeld, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	mb := f.newMailbox(t, orgB)
	return map[string][]string{
		"/api/v1/email/reports/{id}":            {"b-report"},
		"/api/v1/email/quarantine/{id}":         {"b-quarantine"},
		"/api/v1/email/quarantine/{id}/release": {"b-quarantine"},
		"/api/v1/email/quarantine/{id}/raw":     {"b-quarantine"},
		"/api/v1/email/mailboxes/{id}/poll":     {mb.ID},
	}
}

func TestEmailAnalyzeAndQuarantine(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	analyst := f.login(t, "analyst@a.test", userPass).AccessToken
	f.newUser(t, "senior@a.test", auth.RoleSeniorAnalyst)
	senior := f.login(t, "senior@a.test", userPass).AccessToken
	admin := f.login(t, adminEmail, adminPass).AccessToken

	// The org protects its domain: the lookalike sender counts.
	r := f.send(t, "PUT", "/api/v1/email/mailboxes", admin, map[string]any{"policy": map[string]any{"org_domains": []string{"contoso.com"},
		"brands": []string{"paypal.com"}}, "raise_alerts": true})
	wantStatus(t, r, http.StatusOK)

	r = f.uploadEmail(t, analyst, "phish.eml", emailSample(t, "phish.eml"))
	wantStatus(t, r, http.StatusCreated)
	ph := decode[emailAnalysisJSON](t, r)
	rep := ph.Report
	if rep.Verdict != "phishing" || rep.Score < 60 || ph.QuarantineID == "" || rep.Message.Auth.DMARC != "fail" ||
		len(rep.Message.Received) != 2 || rep.Message.Received[0].FromIP != "203.0.113.77" {
		t.Fatalf("phish report: %s", r)
	}
	codes := map[string]bool{}
	for _, x := range rep.Reasons {
		codes[x.Code] = true
	}
	for _, c := range []string{"auth.dmarc_fail", "sender.lookalike_domain", "link.text_mismatch", "content.credentials"} {
		if !codes[c] {
			t.Errorf("reason %s missing: %v", c, codes)
		}
	}
	// The raw body (message/rfc822) works too; a clean message is not quarantined.
	r = f.do(t, request{Method: "POST", Path: "/api/v1/email/analyze", Token: analyst, Body: emailSample(t, "newsletter.eml"), CT: "message/rfc822"})
	wantStatus(t, r, http.StatusCreated)
	clean := decode[emailAnalysisJSON](t, r)
	if clean.Report.Verdict != "clean" || clean.QuarantineID != "" {
		t.Fatalf("newsletter: %s", r)
	}
	r = f.uploadEmail(t, analyst, "malware.eml", emailSample(t, "malware.eml"))
	wantStatus(t, r, http.StatusCreated)
	if mal := decode[emailAnalysisJSON](t, r); mal.Report.Verdict != "malicious" || len(mal.Report.Attachments) != 2 {
		t.Fatalf("malware: %s", r)
	}

	// Bad input.
	wantError(t, f.uploadEmail(t, analyst, "x.eml", []byte("\x00\x01\x02 not a message")), http.StatusBadRequest, "not_email", "file")
	wantError(t, f.send(t, "POST", "/api/v1/email/analyze", analyst, map[string]string{"eml": "x"}), http.StatusBadRequest, "validation_failed", "file")
	wantError(t, f.get(t, "/api/v1/email/reports?verdict=evil", analyst), http.StatusBadRequest, "validation_failed", "verdict")
	wantError(t, f.get(t, "/api/v1/email/reports?limit=0", analyst), http.StatusBadRequest, "validation_failed", "limit")

	// Lists and the stored report.
	list := decode[struct {
		Items []struct {
			ID, Verdict, Subject string
		} `json:"items"`
		Total int `json:"total"`
	}](t, f.get(t, "/api/v1/email/reports?verdict=phishing", analyst))
	if list.Total != 1 || list.Items[0].ID != ph.ID {
		t.Fatalf("report list: %+v", list)
	}
	got := decode[emailAnalysisJSON](t, f.get(t, "/api/v1/email/reports/"+ph.ID, analyst))
	if got.Report.Score != rep.Score || got.QuarantineID != ph.QuarantineID {
		t.Fatalf("stored report: %+v", got)
	}
	q := decode[struct {
		Items []struct{ ID, Status, Verdict string } `json:"items"`
		Total int                                    `json:"total"`
	}](t, f.get(t, "/api/v1/email/quarantine?status=quarantined", analyst))
	if q.Total != 2 {
		t.Fatalf("quarantine: %+v", q)
	}

	// The raw message downloads as an attachment, byte for byte.
	r = f.get(t, "/api/v1/email/quarantine/"+ph.QuarantineID+"/raw", analyst)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, emailSample(t, "phish.eml")) || r.Header.Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("raw: %v %d bytes", r.Header, len(r.Body))
	}

	// Release needs the response permission; it is audited and happens once.
	wantError(t, f.send(t, "POST", "/api/v1/email/quarantine/"+ph.QuarantineID+"/release", analyst, nil), http.StatusForbidden, "forbidden", "")
	r = f.send(t, "POST", "/api/v1/email/quarantine/"+ph.QuarantineID+"/release", senior, nil)
	wantStatus(t, r, http.StatusOK)
	if rel := decode[map[string]any](t, r); rel["status"] != "released" {
		t.Fatalf("release: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/v1/email/quarantine/"+ph.QuarantineID+"/release", senior, nil), http.StatusConflict, "conflict", "")
	audit := decode[map[string]any](t, f.get(t, "/api/v1/audit?action=email.", admin))
	if !strings.Contains(fmt.Sprint(audit), "email.quarantine.release") {
		t.Errorf("release not audited: %v", audit)
	}
	r = f.send(t, "DELETE", "/api/v1/email/quarantine/"+ph.QuarantineID, senior, nil)
	wantStatus(t, r, http.StatusNoContent)
	wantError(t, f.get(t, "/api/v1/email/quarantine/"+ph.QuarantineID+"/raw", analyst), http.StatusNotFound, "not_found", "")

	// The quarantined messages reached the event store as ECS e-mail events.
	deadline := time.Now().Add(10 * time.Second)
	for {
		page := decode[map[string]any](t, f.get(t, "/api/v1/events?query="+strings.ReplaceAll("event.category:email", ":", "%3A"), analyst))
		if items, _ := page["items"].([]any); len(items) >= 2 {
			if !strings.Contains(fmt.Sprint(items), "helpdesk@contosso.com") {
				t.Errorf("events: %v", items)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no e-mail events: %v", page)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEmailTooLarge(t *testing.T) {
	f := newFixture(t, fixtureConfig{api: func(o *api.Options) {
		o.Email = email.New(email.Options{Store: o.Store, BlobDir: t.TempDir(), MaxSize: 2000})
	}})
	admin := f.login(t, adminEmail, adminPass).AccessToken
	wantError(t, f.uploadEmail(t, admin, "n.eml", emailSample(t, "newsletter.eml")), http.StatusRequestEntityTooLarge, "body_too_large", "file")
	r := f.do(t, request{Method: "POST", Path: "/api/v1/email/analyze", Token: admin, Body: bytes.Repeat([]byte("x"), 100_000), CT: "message/rfc822"})
	wantError(t, r, http.StatusRequestEntityTooLarge, "body_too_large", "file")
}

func TestEmailSettingsAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	analyst := f.login(t, "analyst@a.test", userPass).AccessToken
	body := map[string]any{"quarantine_verdict": "phishing", "mailboxes": []map[string]any{{"name": "M365", "kind": "graph", "enabled": false,
		"config": map[string]any{"graph": map[string]any{"tenant_id": "t1", "client_id": "c1", "client_secret": "very-secret", "user": "soc@contoso.com"}}},
		{"name": "IMAP", "kind": "imap", "config": map[string]any{"imap": map[string]any{"host": "127.0.0.1", "port": 1, "security": "none",
			"username": "u", "password": "imap-secret"}}}}}
	r := f.send(t, "PUT", "/api/v1/email/mailboxes", admin, body)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), "very-secret") || strings.Contains(string(r.Body), "imap-secret") {
		t.Fatalf("secrets in the response: %s", r)
	}
	v := decode[struct {
		QuarantineVerdict string `json:"quarantine_verdict"`
		Mailboxes         []struct {
			ID         string   `json:"id"`
			Name       string   `json:"name"`
			SecretsSet []string `json:"secrets_set"`
		} `json:"mailboxes"`
	}](t, r)
	if v.QuarantineVerdict != "phishing" || len(v.Mailboxes) != 2 || v.Mailboxes[1].Name != "M365" || v.Mailboxes[1].SecretsSet[0] != "client_secret" {
		t.Fatalf("settings: %+v", v)
	}
	// Analysts may not read or change the mailboxes' settings.
	wantError(t, f.get(t, "/api/v1/email/mailboxes", analyst), http.StatusForbidden, "forbidden", "")
	body["mailboxes"] = []map[string]any{{"name": "x", "kind": "pop3"}}
	wantError(t, f.send(t, "PUT", "/api/v1/email/mailboxes", admin, body), http.StatusBadRequest, "validation_failed", "mailboxes[0].kind")
	wantError(t, f.send(t, "PUT", "/api/v1/email/mailboxes", admin, map[string]any{"nope": 1}), http.StatusBadRequest, "unknown_field", "nope")
	// Polling an unreachable server answers with the poll's error.
	r = f.send(t, "POST", "/api/v1/email/mailboxes/"+v.Mailboxes[0].ID+"/poll", analyst, nil)
	wantStatus(t, r, http.StatusOK)
	if res := decode[map[string]any](t, r); !strings.Contains(fmt.Sprint(res["error"]), "cannot connect") {
		t.Fatalf("poll: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/v1/email/mailboxes/nope/poll", analyst, nil), http.StatusNotFound, "not_found", "")
}
