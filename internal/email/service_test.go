package email

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

type fixture struct {
	st     store.Store
	svc    *Service
	blobs  string
	mu     sync.Mutex
	events []event.Event
}

func newFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, o := range []string{"o1", "o2"} {
		if err := st.Orgs().Create(t.Context(), store.Org{ID: o, Name: "Org " + o, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{st: st, blobs: filepath.Join(t.TempDir(), "blobs")}
	o := Options{Store: st, BlobDir: f.blobs, Events: func(_ context.Context, evs []event.Event) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.events = append(f.events, evs...)
		return nil
	}}
	if mod != nil {
		mod(&o)
	}
	f.svc = New(o)
	return f
}

var analyst = Actor{OrgID: "o1", UserID: "u1", Email: "ann@contoso.com"}

func TestServiceQuarantine(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	if _, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Settings: Settings{Policy: testPolicy, RaiseAlerts: true}}); err != nil {
		t.Fatal(err)
	}
	clean, err := f.svc.Analyze(ctx, analyst, readSample(t, "newsletter.eml"), Source{})
	if err != nil {
		t.Fatal(err)
	}
	if clean.Report.Verdict != VerdictClean || clean.QuarantineID != "" {
		t.Fatalf("newsletter: %s %q", clean.Report.Verdict, clean.QuarantineID)
	}
	raw := readSample(t, "phish.eml")
	ph, err := f.svc.Analyze(ctx, analyst, raw, Source{})
	if err != nil {
		t.Fatal(err)
	}
	if ph.Report.Verdict != VerdictPhishing || ph.QuarantineID == "" {
		t.Fatalf("phish: %s %q", ph.Report.Verdict, ph.QuarantineID)
	}
	got, err := f.svc.GetReport(ctx, "o1", ph.ID)
	if err != nil || got.Report.Score != ph.Report.Score || got.QuarantineID != ph.QuarantineID || len(got.Report.Message.Received) != 2 {
		t.Fatalf("stored report: %+v %v", got, err)
	}
	if _, err := f.svc.GetReport(ctx, "o2", ph.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another org reads the report: %v", err)
	}
	// The raw message is kept content-addressed and reads back whole.
	q, rc, err := f.svc.OpenRaw(ctx, "o1", ph.QuarantineID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, raw) || q.Status != store.QuarantineHeld || q.Recipients[0] != "bob@contoso.com" {
		t.Fatalf("raw: %d bytes, %+v", len(b), q)
	}
	// A second copy shares the blob; deleting one keeps it for the other.
	ph2, err := f.svc.Analyze(ctx, analyst, raw, Source{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteQuarantine(ctx, analyst, ph.QuarantineID); err != nil {
		t.Fatal(err)
	}
	blob := f.svc.blobPath("o1", ph.Report.Message.SHA256)
	if _, err := os.Stat(blob); err != nil {
		t.Fatalf("blob gone while still quarantined: %v", err)
	}
	if _, err := f.svc.Release(ctx, Actor{OrgID: "o2", UserID: "x"}, ph2.QuarantineID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("release from another org: %v", err)
	}
	rel, err := f.svc.Release(ctx, analyst, ph2.QuarantineID)
	if err != nil || rel.Status != store.QuarantineReleased || rel.ReleasedBy != "u1" {
		t.Fatalf("release: %+v %v", rel, err)
	}
	if _, err := f.svc.Release(ctx, analyst, ph2.QuarantineID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second release: %v", err)
	}
	if err := f.svc.DeleteQuarantine(ctx, analyst, ph2.QuarantineID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blob); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("blob kept after the last delete: %v", err)
	}
	// Every change is audited.
	var actions []string
	if err := f.st.Audit().Walk(ctx, "o1", func(e store.AuditEntry) error { actions = append(actions, e.Action); return nil }); err != nil {
		t.Fatal(err)
	}
	want := "email.settings.update email.analyze email.analyze email.analyze email.quarantine.delete email.quarantine.release email.quarantine.delete"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit = %v", actions)
	}
	// Quarantined messages went to the event pipeline as ECS events.
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) != 2 {
		t.Fatalf("events = %d", len(f.events))
	}
	ev := f.events[0]
	if ev.Fields.Str("event.category") != "email" || ev.Fields.Str("eventsec.email.verdict") != "phishing" ||
		ev.Fields.Str("email.from.address") != "helpdesk@contosso.com" || ev.Fields.Str("source.ip") != "203.0.113.77" || ev.OrgID != "o1" {
		t.Errorf("event = %+v", ev.Fields)
	}
}

func TestServiceLimits(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxSize = 1000 })
	if _, err := f.svc.Analyze(t.Context(), analyst, readSample(t, "newsletter.eml"), Source{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := f.svc.Analyze(t.Context(), analyst, []byte("\x00\x01 not mail"), Source{}); !errors.Is(err, ErrNotMessage) {
		t.Fatalf("not mail: %v", err)
	}
}

func TestSettingsValidationAndRedaction(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	bad := []struct {
		in    SettingsInput
		field string
	}{
		{SettingsInput{Settings: Settings{Policy: Policy{OrgDomains: []string{"not a domain"}}}}, "policy.org_domains[0]"},
		{SettingsInput{Settings: Settings{QuarantineVerdict: "clean"}}, "quarantine_verdict"},
		{SettingsInput{Mailboxes: []MailboxInput{{Name: "x", Kind: "pop3"}}}, "mailboxes[0].kind"},
		{SettingsInput{Mailboxes: []MailboxInput{{Name: "x", Kind: KindIMAP, Config: MailboxConfig{IMAP: &IMAPConfig{Username: "u"}}}}}, "mailboxes[0].config.imap.host"},
		{SettingsInput{Mailboxes: []MailboxInput{{Name: "x", Kind: KindIMAP, IntervalSeconds: 5, Config: MailboxConfig{IMAP: &IMAPConfig{Host: "h", Username: "u"}}}}}, "mailboxes[0].interval_seconds"},
		{SettingsInput{Mailboxes: []MailboxInput{{Name: "x", Kind: KindGraph, Config: MailboxConfig{Graph: &GraphConfig{TenantID: "t", ClientID: "c", User: "u"}}}}}, "mailboxes[0].config.graph.client_secret"},
		{SettingsInput{Mailboxes: []MailboxInput{{ID: "nope", Name: "x", Kind: KindGmail, Config: MailboxConfig{Gmail: &GmailConfig{AccessToken: "a"}}}}}, "mailboxes[0].id"},
	}
	for _, tc := range bad {
		_, err := f.svc.PutSettings(ctx, analyst, tc.in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want a field error on %s", tc.in, err, tc.field)
		}
	}
	in := SettingsInput{Mailboxes: []MailboxInput{{Name: "SOC", Kind: KindIMAP, Enabled: false,
		Config: MailboxConfig{IMAP: &IMAPConfig{Host: "imap.contoso.com", Username: "soc", Password: "s3cret"}}}}}
	v, err := f.svc.PutSettings(ctx, analyst, in)
	if err != nil {
		t.Fatal(err)
	}
	mb := v.Mailboxes[0]
	if mb.Config.IMAP.Password != "" || strings.Join(mb.SecretsSet, ",") != "password" || mb.Config.IMAP.Port != 993 || mb.Config.IMAP.Folder != "INBOX" {
		t.Fatalf("view: %+v %+v", mb, mb.Config.IMAP)
	}
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), "s3cret") {
		t.Fatal("the secret is in the view")
	}
	// Sending the redacted view back keeps the secret.
	in2 := SettingsInput{Mailboxes: []MailboxInput{{ID: mb.ID, Name: "SOC", Kind: KindIMAP, IntervalSeconds: 60, Config: mb.Config}}}
	if _, err := f.svc.PutSettings(ctx, analyst, in2); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.st.Email().GetMailbox(ctx, "o1", mb.ID)
	cfg, _ := decodeConfig(stored.Config)
	if cfg.IMAP.Password != "s3cret" || stored.IntervalSeconds != 60 {
		t.Fatalf("stored: %+v", cfg.IMAP)
	}
	// An empty list deletes the mailbox.
	v, err = f.svc.PutSettings(ctx, analyst, SettingsInput{})
	if err != nil || len(v.Mailboxes) != 0 {
		t.Fatalf("after delete: %+v %v", v, err)
	}
}

// selfSigned returns a TLS certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap.test"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// imapServer is a real IMAP server (go-imap's in-memory backend) on
// 127.0.0.1, with user soc@contoso.com and the given messages in INBOX.
type imapServer struct {
	addr        string
	user        *imapmemserver.User
	implicitTLS bool
}

func startIMAP(t *testing.T, implicitTLS bool, msgs ...[]byte) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("soc@contoso.com", "imap-pass-71")
	for _, box := range []string{"INBOX", "Processed"} {
		if err := user.Create(box, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	cert := selfSigned(t)
	tc := &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:      imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		TLSConfig: tc,
		Logger:    nopLogger{},
	})
	var ln net.Listener
	var err error
	if implicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tc)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s := &imapServer{addr: ln.Addr().String(), user: user, implicitTLS: implicitTLS}
	for _, m := range msgs {
		s.add(t, "INBOX", m)
	}
	return s
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

func (s *imapServer) add(t *testing.T, box string, raw []byte) {
	t.Helper()
	if _, err := s.user.Append(box, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// folder lists a folder's messages' subjects and whether they are seen,
// read with a real IMAP client.
func (s *imapServer) folder(t *testing.T, box string) []string {
	t.Helper()
	opts := &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}}
	dial := imapclient.DialStartTLS
	if s.implicitTLS {
		dial = imapclient.DialTLS
	}
	c, err := dial(s.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("soc@contoso.com", "imap-pass-71").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, sel.NumMessages), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		seen := ""
		for _, fl := range m.Flags {
			if fl == imap.FlagSeen {
				seen = " (seen)"
			}
		}
		out = append(out, m.Envelope.Subject+seen)
	}
	return out
}

func imapMailbox(addr, security string, mod func(*IMAPConfig)) MailboxInput {
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	c := &IMAPConfig{Host: host, Port: p, Security: security, Username: "soc@contoso.com", Password: "imap-pass-71",
		InsecureSkipVerify: true}
	if mod != nil {
		mod(c)
	}
	return MailboxInput{Name: "SOC phish reports", Kind: KindIMAP, Enabled: true, IntervalSeconds: 60, Config: MailboxConfig{IMAP: c}}
}

func TestIMAPPoll(t *testing.T) {
	srv := startIMAP(t, true, readSample(t, "newsletter.eml"), readSample(t, "phish.eml"))
	f := newFixture(t, nil)
	ctx := t.Context()
	v, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Settings: Settings{Policy: testPolicy},
		Mailboxes: []MailboxInput{imapMailbox(srv.addr, "tls", func(c *IMAPConfig) { c.MarkSeen = true; c.MoveTo = "Processed" })}})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Mailboxes[0].ID
	res, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "" || res.Fetched != 2 || res.Analyzed != 2 || res.Quarantined != 1 || res.Mailbox.LastUID != 2 || res.Mailbox.UIDValidity == 0 {
		t.Fatalf("first poll: %+v", res)
	}
	// Processed messages were flagged and moved.
	if got := srv.folder(t, "INBOX"); len(got) != 0 {
		t.Errorf("INBOX still holds %v", got)
	}
	if got := strings.Join(srv.folder(t, "Processed"), "|"); !strings.Contains(got, "(seen)") || !strings.Contains(got, "password expires") {
		t.Errorf("Processed = %s", got)
	}
	reports, total, _ := f.svc.ListReports(ctx, "o1", store.EmailReportFilter{MailboxID: id})
	if total != 2 || reports[0].Source != "mailbox" {
		t.Fatalf("reports: %d %+v", total, reports)
	}
	// Nothing new: nothing analysed again.
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Analyzed != 0 || res.Error != "" {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	// A new message arrives: only it is taken.
	srv.add(t, "INBOX", readSample(t, "malware.eml"))
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Analyzed != 1 || res.Quarantined != 1 || res.Mailbox.LastUID != 3 {
		t.Fatalf("third poll: %+v %v", res, err)
	}
}

func TestIMAPPollStartTLSAndUIDValidity(t *testing.T) {
	srv := startIMAP(t, false, readSample(t, "phish.eml"))
	f := newFixture(t, nil)
	ctx := t.Context()
	v, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{imapMailbox(srv.addr, "starttls", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Mailboxes[0].ID
	res, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Analyzed != 1 || res.Error != "" {
		t.Fatalf("starttls poll: %+v %v", res, err)
	}
	// Without MarkSeen or MoveTo the message stays as it was.
	if got := srv.folder(t, "INBOX"); len(got) != 1 || strings.Contains(got[0], "(seen)") {
		t.Errorf("INBOX = %v", got)
	}
	// The folder is recreated: a new UIDVALIDITY, so UID 1 is new again.
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	srv.add(t, "INBOX", readSample(t, "newsletter.eml"))
	res2, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil || res2.Analyzed != 1 || res2.Mailbox.UIDValidity == res.Mailbox.UIDValidity || res2.Mailbox.LastUID != 1 {
		t.Fatalf("after UIDVALIDITY change: %+v %v (before %d)", res2, err, res.Mailbox.UIDValidity)
	}
	// A wrong password is recorded on the mailbox, not thrown.
	in := imapMailbox(srv.addr, "starttls", func(c *IMAPConfig) { c.Password = "wrong" })
	in.ID = id
	if _, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{in}}); err != nil {
		t.Fatal(err)
	}
	res3, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil || !strings.Contains(res3.Error, "cannot log in") || res3.Mailbox.LastError == "" {
		t.Fatalf("wrong password: %+v %v", res3, err)
	}
}

func TestPollLoopTakesDueMailboxes(t *testing.T) {
	srv := startIMAP(t, true, readSample(t, "phish.eml"))
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{imapMailbox(srv.addr, "tls", nil)}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); f.svc.Run(ctx, 20*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, n, _ := f.svc.ListReports(ctx, "o1", store.EmailReportFilter{}); n == 1 {
			cancel()
			<-done
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the poll loop did not analyse the due mailbox")
}

// gmailAPI is an httptest server speaking the Gmail API's documented
// shapes: the token endpoint, users.messages.list with nextPageToken, and
// users.messages.get with format=raw.
type gmailAPI struct {
	ts       *httptest.Server
	msgs     map[string][]byte
	dates    map[string]int64
	order    []string
	tokens   int
	lists    int
	lastQ    string
	mu       sync.Mutex
	badToken bool
}

func newGmailAPI(t *testing.T) *gmailAPI {
	g := &gmailAPI{msgs: map[string][]byte{}, dates: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "rt-1" || r.Form.Get("client_secret") != "cs-1" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Bad Request"}`)
			return
		}
		g.tokens++
		fmt.Fprint(w, `{"access_token":"at-1","expires_in":3599,"token_type":"Bearer","scope":"https://www.googleapis.com/auth/gmail.readonly"}`)
	})
	auth := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != "Bearer at-1" || g.badToken {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`)
			return false
		}
		return true
	}
	mux.HandleFunc("GET /gmail/v1/users/{user}/messages", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.lists++
		g.lastQ = r.URL.Query().Get("q")
		// Newest first, one message a page, as a small maxResults would.
		ids := make([]string, len(g.order))
		for i, id := range g.order {
			ids[len(g.order)-1-i] = id
		}
		start := 0
		if p := r.URL.Query().Get("pageToken"); p != "" {
			fmt.Sscan(p, &start)
		}
		type ref struct {
			ID       string `json:"id"`
			ThreadID string `json:"threadId"`
		}
		out := map[string]any{"resultSizeEstimate": len(ids)}
		if start < len(ids) {
			out["messages"] = []ref{{ids[start], "t" + ids[start]}}
			if start+1 < len(ids) {
				out["nextPageToken"] = fmt.Sprint(start + 1)
			}
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /gmail/v1/users/{user}/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		raw, ok := g.msgs[r.PathValue("id")]
		if !ok || r.URL.Query().Get("format") != "raw" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":{"code":404,"message":"Requested entity was not found."}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "threadId": "t", "labelIds": []string{"INBOX"},
			"internalDate": fmt.Sprint(g.dates[r.PathValue("id")]), "sizeEstimate": len(raw), "raw": base64.URLEncoding.EncodeToString(raw)})
	})
	g.ts = httptest.NewServer(mux)
	t.Cleanup(g.ts.Close)
	return g
}

func (g *gmailAPI) add(id string, at time.Time, raw []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.msgs[id], g.dates[id] = raw, at.UnixMilli()
	g.order = append(g.order, id)
}

func TestGmailPoll(t *testing.T) {
	g := newGmailAPI(t)
	now := time.Now()
	g.add("old", now.Add(-48*time.Hour), readSample(t, "malware.eml"))
	g.add("m1", now.Add(-time.Hour), readSample(t, "newsletter.eml"))
	g.add("m2", now.Add(-time.Minute), readSample(t, "phish.eml"))
	f := newFixture(t, nil)
	ctx := t.Context()
	v, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{{Name: "Gmail", Kind: KindGmail, Enabled: true,
		Config: MailboxConfig{Gmail: &GmailConfig{ClientID: "cid", ClientSecret: "cs-1", RefreshToken: "rt-1", BaseURL: g.ts.URL, TokenURL: g.ts.URL + "/token"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Mailboxes[0].ID
	res, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Error != "" {
		t.Fatalf("poll: %+v %v", res, err)
	}
	// The first poll looks back a day: "old" is out; pages were followed.
	if res.Analyzed != 2 || res.Quarantined != 1 || g.lists < 2 || !strings.HasPrefix(g.lastQ, "in:inbox after:") {
		t.Fatalf("first poll: %+v lists=%d q=%q", res, g.lists, g.lastQ)
	}
	if res.Mailbox.Cursor != fmt.Sprint(g.dates["m2"]) {
		t.Errorf("cursor %s, want %d", res.Mailbox.Cursor, g.dates["m2"])
	}
	g.add("m3", now.Add(time.Second), readSample(t, "forwarded.eml"))
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Analyzed != 1 || g.tokens != 1 {
		t.Fatalf("second poll: %+v %v tokens=%d", res, err, g.tokens)
	}
	// A revoked token is reported on the mailbox.
	g.badToken = true
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || !strings.Contains(res.Error, "invalid authentication credentials") {
		t.Fatalf("revoked: %+v %v", res, err)
	}
}

// graphAPI is an httptest server speaking Microsoft Graph's documented
// shapes: the v2.0 client-credentials token endpoint, mailFolders/{id}/
// messages with @odata.nextLink, and messages/{id}/$value (MIME).
type graphAPI struct {
	ts    *httptest.Server
	msgs  []graphMsg
	pages int
	mu    sync.Mutex
}

type graphMsg struct {
	id   string
	at   time.Time
	mime []byte
}

func newGraphAPI(t *testing.T) *graphAPI {
	g := &graphAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tenant-1/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_secret") != "graph-secret" ||
			r.Form.Get("scope") != "https://graph.microsoft.com/.default" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"graph-at"}`)
	})
	mux.HandleFunc("GET /v1.0/users/{user}/mailFolders/{folder}/messages", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer graph-at" || r.PathValue("user") != "soc@contoso.com" || r.PathValue("folder") != "inbox" {
			w.WriteHeader(401)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.pages++
		filter := r.URL.Query().Get("$filter")
		after, err := time.Parse("2006-01-02T15:04:05.000Z", strings.TrimPrefix(filter, "receivedDateTime gt "))
		if err != nil {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"code":"BadRequest","message":"Invalid filter clause %s"}}`, filter)
			return
		}
		skip := 0
		fmt.Sscan(r.URL.Query().Get("$skip"), &skip)
		var match []graphMsg
		for _, m := range g.msgs {
			if m.at.After(after) {
				match = append(match, m)
			}
		}
		out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('soc')/mailFolders('inbox')/messages(id,receivedDateTime)"}
		var vals []map[string]string
		if skip < len(match) {
			m := match[skip]
			vals = append(vals, map[string]string{"@odata.etag": "W/\"x\"", "id": m.id, "receivedDateTime": m.at.UTC().Format("2006-01-02T15:04:05Z")})
			if skip+1 < len(match) {
				q := r.URL.Query()
				q.Set("$skip", fmt.Sprint(skip+1))
				out["@odata.nextLink"] = g.ts.URL + r.URL.Path + "?" + q.Encode()
			}
		}
		out["value"] = vals
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /v1.0/users/{user}/messages/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(r.PathValue("rest"), "/$value")
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, m := range g.msgs {
			if ok && m.id == id {
				w.Header().Set("Content-Type", "text/plain")
				w.Write(m.mime)
				return
			}
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`)
	})
	g.ts = httptest.NewServer(mux)
	t.Cleanup(g.ts.Close)
	return g
}

func TestGraphPoll(t *testing.T) {
	g := newGraphAPI(t)
	now := time.Now().Truncate(time.Second)
	g.msgs = []graphMsg{{"AAMk-1", now.Add(-2 * time.Hour), readSample(t, "phish.eml")}, {"AAMk-2", now.Add(-time.Hour), readSample(t, "malware.eml")}}
	f := newFixture(t, nil)
	ctx := t.Context()
	cfg := &GraphConfig{TenantID: "tenant-1", ClientID: "app-1", ClientSecret: "graph-secret", User: "soc@contoso.com",
		BaseURL: g.ts.URL + "/v1.0", LoginURL: g.ts.URL}
	v, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{{Name: "M365", Kind: KindGraph, Enabled: true,
		Config: MailboxConfig{Graph: cfg}}}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(v); strings.Contains(string(b), "graph-secret") {
		t.Fatal("the client secret is in the view")
	}
	id := v.Mailboxes[0].ID
	res, err := f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Error != "" || res.Analyzed != 2 || res.Quarantined != 2 || g.pages != 2 {
		t.Fatalf("poll: %+v %v pages=%d", res, err, g.pages)
	}
	if res.Mailbox.Cursor != now.Add(-time.Hour).UTC().Format(time.RFC3339Nano) {
		t.Errorf("cursor = %s", res.Mailbox.Cursor)
	}
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || res.Analyzed != 0 {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	// A wrong secret: the token endpoint's error is shown.
	in := MailboxInput{ID: id, Name: "M365", Kind: KindGraph, Enabled: true, Config: MailboxConfig{Graph: &GraphConfig{TenantID: "tenant-1",
		ClientID: "app-2", ClientSecret: "wrong", User: "soc@contoso.com", BaseURL: g.ts.URL + "/v1.0", LoginURL: g.ts.URL}}}
	if _, err := f.svc.PutSettings(ctx, analyst, SettingsInput{Mailboxes: []MailboxInput{in}}); err != nil {
		t.Fatal(err)
	}
	res, err = f.svc.PollNow(ctx, analyst, id)
	if err != nil || !strings.Contains(res.Error, "AADSTS7000215") {
		t.Fatalf("wrong secret: %+v %v", res, err)
	}
}
