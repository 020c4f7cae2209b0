package app

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() error
}

// startServer runs `eventsec serve` in-process on a free port.
func startServer(t *testing.T, vars map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Env{
			Args:   append([]string{"serve", "--http-addr", "127.0.0.1:0", "--log-level", "warn", "--syslog-udp-addr", "off", "--syslog-tcp-addr", "off"}, args...),
			Getenv: func(k string) string { return vars[k] },
			Stdout: r.stdout, Stderr: r.stderr, Version: "test",
			Ready: func(url string) { ready <- url },
		})
	}()
	select {
	case r.url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited: %v\nstderr: %s", err, r.stderr.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve not ready in 20 s")
	}
	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				t.Error("serve did not stop within 20 s of SIGTERM")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), Env{Args: args, Getenv: func(string) string { return "" },
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Version: "test"})
	return out.String(), errb.String(), err
}

func login(t *testing.T, client *http.Client, url, email, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := client.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var passwordLine = regexp.MustCompile(`(?m)^\s*(?:New p|P)assword:\s+(\S+)`)

func TestFirstStartGeneratesAndPrintsPassword(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir, "EVENTSEC_ADMIN_EMAIL": "root@example.com"})
	out := srv.stdout.String()
	m := passwordLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Log in as:   root@example.com") || !strings.Contains(out, srv.url) {
		t.Fatalf("first start must print URL, e-mail and the generated password:\n%s", out)
	}
	if st := login(t, http.DefaultClient, srv.url, "root@example.com", m[1]); st != http.StatusOK {
		t.Fatalf("login with the printed password: %d", st)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// The second start creates nothing and prints no password.
	again := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir})
	if strings.Contains(again.stdout.String(), "Password:") {
		t.Fatalf("a restart must not print a password:\n%s", again.stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "jwt.key")); err != nil {
		t.Fatalf("signing key not kept in the data dir: %v", err)
	}
}

func TestAdminPasswordFromFile(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("Corr3ct-Horse-Battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD_FILE": pwFile})
	if passwordLine.MatchString(srv.stdout.String()) {
		t.Fatal("a given password must not be printed")
	}
	if st := login(t, http.DefaultClient, srv.url, "admin@eventsec.local", "Corr3ct-Horse-Battery"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
}

func TestWeakAdminPasswordRefusesToStart(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), Env{Args: []string{"serve", "--http-addr", "127.0.0.1:0"},
		Getenv: func(k string) string {
			return map[string]string{"EVENTSEC_DATA_DIR": t.TempDir(), "EVENTSEC_ADMIN_PASSWORD": "admin"}[k]
		}, Stdout: &out, Stderr: &errb})
	if err == nil || !strings.Contains(err.Error(), "EVENTSEC_ADMIN_PASSWORD: password must be at least 12") {
		t.Fatalf("weak admin password: %v", err)
	}
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir, "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"})
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	dd := "--data-dir=" + dir

	out, _, err := runCLI(t, "", "migrate", dd)
	if err != nil || !strings.Contains(out, "0001_accounts.sql  applied") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, "Strong-Passw0rd-42x\n", "user", "create", dd, "--email", "ana@example.com", "--name", "Ana", "--role", "analyst", "--team", "SOC", "--password-file", "-")
	if err != nil || !strings.Contains(out, "Created ana@example.com") || strings.Contains(out, "Password:") {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, "", "user", "create", dd, "--email", "ana@example.com", "--name", "Ana again")
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate user: %v", err)
	}
	_, _, err = runCLI(t, "", "user", "create", dd, "--email", "bo@example.com", "--name", "Bo", "--role", "boss")
	if err == nil || !strings.Contains(err.Error(), "--role: role must be one of") {
		t.Fatalf("bad role: %v", err)
	}
	_, _, err = runCLI(t, "weak\n", "user", "create", dd, "--email", "bo@example.com", "--name", "Bo", "--password-file", "-")
	if err == nil || !strings.Contains(err.Error(), "--password-file: password must be at least") {
		t.Fatalf("weak password: %v", err)
	}
	out, _, err = runCLI(t, "", "user", "list", dd)
	if err != nil || !strings.Contains(out, "ana@example.com") || !strings.Contains(out, "admin@eventsec.local") {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, "", "user", "reset-password", dd, "--email", "ana@example.com")
	m := passwordLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	// The first admin is a platform admin; a locked-out operator resets it.
	out, _, err = runCLI(t, "", "user", "reset-password", dd, "--email", "admin@eventsec.local")
	if err != nil || passwordLine.FindStringSubmatch(out) == nil {
		t.Fatalf("reset-password of the first admin: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, "", "user", "reset-password", dd, "--email", "nobody@example.com")
	if err == nil || !strings.Contains(err.Error(), "no user with e-mail") {
		t.Fatalf("reset unknown user: %v", err)
	}

	srv = startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir})
	if st := login(t, http.DefaultClient, srv.url, "ana@example.com", m[1]); st != http.StatusOK {
		t.Fatalf("login with the reset password: %d", st)
	}
	if st := login(t, http.DefaultClient, srv.url, "ana@example.com", "Strong-Passw0rd-42x"); st != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", st)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	out, _, err = runCLI(t, "", "audit", "verify", dd)
	if err != nil || !strings.Contains(out, "chain intact") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	// Alter one row behind the server's back: verify must name it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "eventsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET summary = 'nothing happened' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _, err = runCLI(t, "", "audit", "verify", dd)
	if err == nil || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "first broken link at entry 3") {
		t.Fatalf("tampered audit verify: %v\n%s", err, out)
	}
}

func TestUsageAndHelp(t *testing.T) {
	out, _, err := runCLI(t, "", "version")
	if err != nil || out != "eventsec test\n" {
		t.Fatalf("version: %q %v", out, err)
	}
	_, errOut, err := runCLI(t, "", "frobnicate")
	if ExitCode(err) != 2 || !strings.Contains(errOut, "Commands:") {
		t.Fatalf("unknown command: %v", err)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"user", "create", "--help"}, {"user", "list", "--help"},
		{"user", "reset-password", "--help"}, {"audit", "verify", "--help"}, {"user", "--help"}, {"audit", "--help"}} {
		out, errOut, err := runCLI(t, "", args...)
		if err != nil || !strings.Contains(out+errOut, "Usage: eventsec") {
			t.Errorf("%v: %v\n%s%s", args, err, out, errOut)
		}
	}
	_, _, err = runCLI(t, "", "serve", "--http-addr")
	if ExitCode(err) != 2 {
		t.Fatalf("flag without value: %v", err)
	}
}

// TestMutualTLS serves HTTPS that requires a client certificate from the
// configured CA.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := writeTestPKI(t, dir)
	cliCert, cliKey := newCert(t, ca, caKey, "client", false)

	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data")},
		"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key"),
		"--tls-client-ca", filepath.Join(dir, "ca.pem"), "--tls-client-cert-required")
	if !strings.HasPrefix(srv.url, "https://") {
		t.Fatalf("url %s", srv.url)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if _, err := noCert.Get(srv.url + "/healthz"); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	withCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cliCert.Raw}, PrivateKey: cliKey}}}}}
	resp, err := withCert.Get(srv.url + "/healthz")
	if err != nil {
		t.Fatalf("client with certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("healthz over mTLS: %d %v", resp.StatusCode, resp.Header)
	}
}

// writeTestPKI writes a test CA (ca.pem) and a server certificate it
// signed for localhost (server.pem, server.key) into dir.
func writeTestPKI(t *testing.T, dir string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	ca, caKey := newCert(t, nil, nil, "EventSec test CA", true)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Raw)
	srvCert, srvKey := newCert(t, ca, caKey, "localhost", false)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", srvCert.Raw)
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	writePEM(t, filepath.Join(dir, "server.key"), "EC PRIVATE KEY", keyDER)
	return ca, caKey
}

func newCert(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"}, IsCA: isCA, BasicConstraintsValid: true}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSyslogMutualTLS: syslog over TLS asks senders for a certificate
// from syslog_tls_client_ca, refuses those without one when required, and
// routes senders to organisations by their certificate's names.
func TestSyslogMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := writeTestPKI(t, dir)
	acmeCert, acmeKey := newCert(t, ca, caKey, "fw1.acme.example", false)
	otherCert, otherKey := newCert(t, ca, caKey, "fw2.other.example", false)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	vars := map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"}
	tlsArgs := []string{"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key")}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// The route names an organisation that does not exist yet: the server
	// starts, and refuses that sender until the organisation is created.
	args := append([]string{"--syslog-tls-addr", addr, "--syslog-tls-client-ca", filepath.Join(dir, "ca.pem"), "--syslog-tls-client-cert-required",
		"--syslog-org-sources", "cert:*.acme.example=Acme"}, tlsArgs...)
	srv := startServer(t, vars, args...)
	send := func(text string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
		cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key}}
		}
		return ingesttest.SendTLS(addr, cfg, "<13>Nov 23 10:00:00 fw app: "+text+"\n")
	}
	_ = send("before-the-organisation", acmeCert, acmeKey) // refused after the handshake
	st, b := apiCallWith(t, client, "POST", srv.url+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"admin@eventsec.local","password":"Adm1n-Passw0rd-Long"}`))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &tok) != nil {
		t.Fatalf("login: %d %s", st, b)
	}
	st, b = apiCallWith(t, client, "POST", srv.url+"/api/v1/orgs", tok.AccessToken, "application/json",
		[]byte(`{"name":"Acme","admin_email":"admin@acme.example","admin_password":"Acme-Adm1n-Passw0rd"}`))
	if st != 201 {
		t.Fatalf("create org: %d %s", st, b)
	}
	// The route's organisation is looked up again at most every 2 s.
	time.Sleep(2500 * time.Millisecond)
	if err := send("routed-by-certificate", acmeCert, acmeKey); err != nil {
		t.Fatal(err)
	}
	if err := send("default-organisation", otherCert, otherKey); err != nil {
		t.Fatal(err)
	}
	if err := send("no-certificate", nil, nil); err == nil {
		t.Error("a sender without a certificate was accepted")
	}
	count := func(email, password, text string) int {
		st, b := apiCallWith(t, client, "POST", srv.url+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"`+email+`","password":"`+password+`"}`))
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if st != 200 || json.Unmarshal(b, &tok) != nil {
			t.Fatalf("login %s: %d %s", email, st, b)
		}
		var page struct {
			Total int `json:"total"`
		}
		st, b = apiCallWith(t, client, "GET", srv.url+"/api/v1/events?from=2000-01-01T00:00:00Z&query="+text, tok.AccessToken, "", nil)
		if st != 200 || json.Unmarshal(b, &page) != nil {
			t.Fatalf("search %s: %d %s", text, st, b)
		}
		return page.Total
	}
	want := []struct {
		email, password, text string
		n                     int
	}{
		{"admin@acme.example", "Acme-Adm1n-Passw0rd", "routed-by-certificate", 1},
		{"admin@eventsec.local", "Adm1n-Passw0rd-Long", "default-organisation", 1},
		{"admin@eventsec.local", "Adm1n-Passw0rd-Long", "routed-by-certificate", 0},
		{"admin@acme.example", "Acme-Adm1n-Passw0rd", "default-organisation", 0},
		{"admin@eventsec.local", "Adm1n-Passw0rd-Long", "no-certificate", 0},
		{"admin@eventsec.local", "Adm1n-Passw0rd-Long", "before-the-organisation", 0},
		{"admin@acme.example", "Acme-Adm1n-Passw0rd", "before-the-organisation", 0},
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, w := range want {
		for {
			got := count(w.email, w.password, w.text)
			if got == w.n {
				break
			}
			if w.n == 0 || time.Now().After(deadline) {
				t.Fatalf("%s sees %d events %q, want %d", w.email, got, w.text, w.n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestSyslogTLSOwnCertificate: syslog over TLS with a certificate of its
// own (syslog_tls_cert, syslog_tls_key) while the web UI and API stay on
// plain HTTP, as behind a TLS-terminating proxy. A sender that writes one
// message and closes at once (a script) loses nothing, over TLS 1.3 and
// 1.2. A missing or unusable file stops the start with an error naming
// the setting.
func TestSyslogTLSOwnCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, _ := writeTestPKI(t, dir)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	vars := map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long",
		"EVENTSEC_SYSLOG_TLS_KEY": filepath.Join(dir, "server.key")}
	srv := startServer(t, vars, "--syslog-tls-addr", addr, "--syslog-tls-cert", filepath.Join(dir, "server.pem"))
	if !strings.HasPrefix(srv.url, "http://") {
		t.Fatalf("the web server turned to %s: syslog_tls_cert is the syslog listener's only", srv.url)
	}
	for _, v := range []struct {
		version uint16
		text    string
	}{{tls.VersionTLS13, "own-certificate-tls13"}, {tls.VersionTLS12, "own-certificate-tls12"}} {
		// Like OpenSSL's clients: Nagle on, session tickets accepted.
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := raw.(*net.TCPConn).SetNoDelay(false); err != nil {
			t.Fatal(err)
		}
		c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: v.version, MaxVersion: v.version,
			ClientSessionCache: tls.NewLRUClientSessionCache(1)})
		if err := c.Handshake(); err != nil {
			t.Fatalf("%s: %v", v.text, err)
		}
		if _, err := c.Write([]byte("<13>Nov 23 10:00:00 fw app: " + v.text + "\n")); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	token := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	for _, text := range []string{"own-certificate-tls13", "own-certificate-tls12"} {
		var total int
		for deadline := time.Now().Add(10 * time.Second); total != 1 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			st, b := apiCall(t, "GET", srv.url+"/api/v1/events?from=2000-01-01T00:00:00Z&query="+text, token, "", nil)
			var page struct {
				Total int `json:"total"`
			}
			if st != 200 || json.Unmarshal(b, &page) != nil {
				t.Fatalf("search %s: %d %s", text, st, b)
			}
			total = page.Total
		}
		if total != 1 {
			t.Errorf("%s: %d events stored, want 1", text, total)
		}
	}

	for _, c := range []struct {
		name, cert, key, want string
	}{
		{"missing key", "server.pem", "missing.key", "cannot read the syslog TLS key (syslog_tls_key): open "},
		{"not a certificate", "server.key", "server.key", "cannot use the syslog TLS certificate " + filepath.Join(dir, "server.key") + " (syslog_tls_cert) with the key"},
	} {
		err := Run(context.Background(), Env{Args: []string{"serve", "--http-addr", "127.0.0.1:0", "--syslog-udp-addr", "off", "--syslog-tcp-addr", "off",
			"--syslog-tls-addr", "127.0.0.1:0", "--syslog-tls-cert", filepath.Join(dir, c.cert), "--syslog-tls-key", filepath.Join(dir, c.key)},
			Getenv: func(k string) string {
				return map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data2"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"}[k]
			}, Stdout: io.Discard, Stderr: io.Discard})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
