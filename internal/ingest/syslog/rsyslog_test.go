package syslog

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// TestRsyslog runs a real rsyslogd (Debian's rsyslog and rsyslog-gnutls;
// .ci/run installs them) that tails a file and forwards it to the
// listeners the way the docs tell users to: TCP with octet counting and
// RFC 5424, UDP with the traditional format, and TLS (gtls, the server's
// certificate verified by name).
func TestRsyslog(t *testing.T) {
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/rsyslogd", "/sbin/rsyslogd"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls): skipping the real-rsyslog test")
	}
	gtls := false
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib/rsyslog"} {
		if _, err := os.Stat(filepath.Join(d, "lmnsd_gtls.so")); err == nil {
			gtls = true
		}
	}

	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	tcp := start(t, env, Options{Network: "tcp"})
	udp := start(t, env, Options{Network: "udp"})
	port := func(s *Server) string {
		a := s.Addr().String()
		return a[strings.LastIndexByte(a, ':')+1:]
	}
	dir := t.TempDir()
	type route struct{ name, action string }
	routes := []route{
		{"tcp-5424-octet", fmt.Sprintf(`action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`, port(tcp))},
		{"tcp-3164-lf", fmt.Sprintf(`action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" template="RSYSLOG_ForwardFormat")`, port(tcp))},
		{"udp-3164", fmt.Sprintf(`action(type="omfwd" target="127.0.0.1" port="%s" protocol="udp" template="RSYSLOG_ForwardFormat")`, port(udp))},
	}
	var global string
	if gtls {
		cert, _ := selfSigned(t)
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		tlsSrv := start(t, env, Options{Network: "tcp", TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
		// rsyslog's own certificate, signed by the CA the mutual-TLS
		// listener trusts; its name routes it to an organisation.
		clientCA, clientCAKey := newCA(t, "senders CA")
		clientPool := x509.NewCertPool()
		clientPool.AddCert(clientCA)
		own := issue(t, clientCA, clientCAKey, "fw1.acme.example", []string{"fw1.acme.example"})
		ownCert, ownKey := filepath.Join(dir, "own.pem"), filepath.Join(dir, "own.key")
		keyDER, err := x509.MarshalECPrivateKey(own.PrivateKey.(*ecdsa.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ownCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: own.Certificate[0]}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ownKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			t.Fatal(err)
		}
		mtlsSrv := start(t, env, Options{Network: "tcp", Listener: "syslog_mtls",
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, ClientCAs: clientPool, ClientAuth: tls.RequireAndVerifyClientCert},
			OrgRoutes: []OrgRoute{{Cert: "*.acme.example", OrgID: "org-acme"}}})
		global = fmt.Sprintf(`global(DefaultNetstreamDriverCAFile="%s" DefaultNetstreamDriverCertFile="%s" DefaultNetstreamDriverKeyFile="%s")`, ca, ownCert, ownKey)
		routes = append(routes,
			route{"tls-5424-octet", fmt.Sprintf(`action(type="omfwd" target="localhost" port="%s" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")`, port(tlsSrv))},
			route{"mtls-5424-octet", fmt.Sprintf(`action(type="omfwd" target="localhost" port="%s" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")`, port(mtlsSrv))})
	} else {
		t.Log("rsyslog-gnutls is not installed: the TLS route is not tested")
	}

	var conf strings.Builder
	fmt.Fprintf(&conf, "global(workDirectory=%q)\n%s\nmodule(load=\"imfile\")\n", dir, global)
	for i, r := range routes {
		in := filepath.Join(dir, r.name+".log")
		line := fmt.Sprintf("Failed password for invalid user admin from 198.51.100.%d port 52311 ssh2 via %s\n", i+1, r.name)
		if err := os.WriteFile(in, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "input(type=\"imfile\" File=%q Tag=\"sshd:\" Facility=\"auth\" Severity=\"warning\" ruleset=%q)\n", in, r.name)
		fmt.Fprintf(&conf, "ruleset(name=%q) {\n  %s\n}\n", r.name, r.action)
	}
	confPath := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-N1", "-f", confPath).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd refused the configuration: %v\n%s\n%s", err, out, conf.String())
	}
	runDaemon(t, "rsyslogd", exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid")))

	ingesttest.Eventually(t, 20*time.Second, fmt.Sprintf("%d forwarded lines stored", len(routes)), func() bool { return sink.Len() >= len(routes) })
	evs := sink.Events()
	for i, r := range routes {
		var found bool
		for _, ev := range evs {
			if !strings.HasSuffix(ev.Raw, "via "+r.name) {
				continue
			}
			found = true
			f := ev.Fields
			if f.Str("process.name") != "sshd" || f.Str("source.ip") != fmt.Sprintf("198.51.100.%d", i+1) || f.Str("event.outcome") != "failure" {
				t.Errorf("%s: %q parsed as %v", r.name, ev.Raw, f)
			}
			if f.Str("log.syslog.facility.name") != "auth" && f.Str("log.syslog.facility.code") == "" {
				t.Logf("%s: facility fields %v", r.name, f)
			}
			if tags, _ := f["tags"].([]string); len(tags) > 0 {
				t.Errorf("%s: tags %v on %q", r.name, tags, ev.Raw)
			}
			// Over mutual TLS rsyslog's certificate routes it; the
			// others stay in the listener's organisation.
			if want := map[bool]string{true: "org-acme", false: "org-1"}[r.name == "mtls-5424-octet"]; ev.OrgID != want {
				t.Errorf("%s: org %q, want %q", r.name, ev.OrgID, want)
			}
		}
		if !found {
			t.Errorf("%s: not stored; stored: %q", r.name, raws(evs))
		}
	}
	if len(evs) != len(routes) {
		t.Errorf("stored %d events, want %d: %q", len(evs), len(routes), raws(evs))
	}
}

// runDaemon starts a forwarder (rsyslogd, syslog-ng) in the foreground for
// the rest of the test; what it printed is logged when the test fails.
func runDaemon(t *testing.T, name string, cmd *exec.Cmd) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s said:\n%s", name, out.String())
		}
	})
}
