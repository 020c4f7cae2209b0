package syslog

import (
	"crypto/tls"
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

// TestSyslogNG runs a real syslog-ng (Debian's syslog-ng-core, which
// .ci/run unpacks beside rsyslog) that reads files and forwards them with the destinations
// docs/sources/syslog.md gives: syslog() over TCP (RFC 5424 with octet
// counting), network() over TCP and UDP (the BSD format, RFC 3164, one
// message per line), and syslog() over TLS with the server's certificate
// verified against a CA file.
func TestSyslogNG(t *testing.T) {
	// Debian's syslog-ng-core conflicts with rsyslog, so .ci/run unpacks
	// it beside rsyslog and names the binary in EVENTSEC_TEST_SYSLOGNG.
	bin := os.Getenv("EVENTSEC_TEST_SYSLOGNG")
	if bin == "" {
		bin, _ = exec.LookPath("syslog-ng")
	}
	if bin == "" {
		if _, err := os.Stat("/usr/sbin/syslog-ng"); err == nil {
			bin = "/usr/sbin/syslog-ng"
		}
	}
	if bin == "" {
		t.Skip("syslog-ng is not installed (apt-get install syslog-ng-core, or set EVENTSEC_TEST_SYSLOGNG to an unpacked one): skipping the real-syslog-ng test")
	}
	// An unpacked copy finds its libraries and modules under its own root.
	var procEnv []string
	var modArgs []string
	libDir := filepath.Join(filepath.Dir(filepath.Dir(bin)), "lib", "syslog-ng")
	if mods, _ := filepath.Glob(filepath.Join(libDir, "3.*")); len(mods) == 1 {
		procEnv = append(os.Environ(), "LD_LIBRARY_PATH="+libDir)
		modArgs = []string{"--module-path", mods[0]}
	}

	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	tcp := start(t, env, Options{Network: "tcp"})
	udp := start(t, env, Options{Network: "udp"})
	cert, _ := selfSigned(t)
	tlsSrv := start(t, env, Options{Network: "tcp", TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	port := func(s *Server) string {
		a := s.Addr().String()
		return a[strings.LastIndexByte(a, ':')+1:]
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	type route struct{ name, dest string }
	routes := []route{
		{"tcp-5424-octet", fmt.Sprintf(`syslog("127.0.0.1" transport("tcp") port(%s))`, port(tcp))},
		{"tcp-3164-lf", fmt.Sprintf(`network("127.0.0.1" transport("tcp") port(%s))`, port(tcp))},
		{"udp-3164", fmt.Sprintf(`network("127.0.0.1" transport("udp") port(%s))`, port(udp))},
		{"tls-5424-octet", fmt.Sprintf(`syslog("localhost" transport("tls") port(%s) tls(ca-file(%q) peer-verify(required-trusted)))`, port(tlsSrv), ca)},
	}
	var conf strings.Builder
	conf.WriteString("@version: 3.38\noptions { keep-hostname(yes); stats_freq(0); };\n")
	for i, r := range routes {
		in := filepath.Join(dir, r.name+".log")
		line := fmt.Sprintf("Failed password for invalid user admin from 198.51.100.%d port 52311 ssh2 via %s\n", i+1, r.name)
		if err := os.WriteFile(in, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		id := strings.ReplaceAll(r.name, "-", "_")
		fmt.Fprintf(&conf, "source s_%s { file(%q flags(no-parse) program-override(\"sshd\") default-facility(auth) default-priority(warning) follow-freq(0.2)); };\n", id, in)
		// Two destinations to one host and port need their own persist names.
		dest := strings.TrimSuffix(r.dest, ")") + fmt.Sprintf(" persist-name(%q))", id)
		fmt.Fprintf(&conf, "destination d_%s { %s; };\n", id, dest)
		fmt.Fprintf(&conf, "log { source(s_%s); destination(d_%s); };\n", id, id)
	}
	confPath := filepath.Join(dir, "syslog-ng.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--cfgfile", confPath, "--persist-file", filepath.Join(dir, "syslog-ng.persist"),
		"--pidfile", filepath.Join(dir, "syslog-ng.pid"), "--control", filepath.Join(dir, "syslog-ng.ctl"), "--no-caps"}
	args = append(args, modArgs...)
	check := exec.Command(bin, append([]string{"--syntax-only"}, args...)...)
	check.Env = procEnv
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("syslog-ng refused the configuration: %v\n%s\n%s", err, out, conf.String())
	}
	cmd := exec.Command(bin, append([]string{"--foreground", "--stderr"}, args...)...)
	cmd.Env = procEnv
	runDaemon(t, "syslog-ng", cmd)

	ingesttest.Eventually(t, 20*time.Second, fmt.Sprintf("%d forwarded lines stored", len(routes)), func() bool { return sink.Len() >= len(routes) })
	evs := sink.Events()
	for i, r := range routes {
		var found bool
		for _, ev := range evs {
			if !strings.HasSuffix(strings.TrimRight(ev.Raw, "\n"), "via "+r.name) {
				continue
			}
			found = true
			f := ev.Fields
			if f.Str("process.name") != "sshd" || f.Str("source.ip") != fmt.Sprintf("198.51.100.%d", i+1) || f.Str("event.outcome") != "failure" {
				t.Errorf("%s: %q parsed as %v", r.name, ev.Raw, f)
			}
			if f.Str("log.syslog.facility.name") != "auth" {
				t.Errorf("%s: facility %q, want auth (%q)", r.name, f.Str("log.syslog.facility.name"), ev.Raw)
			}
			if f.Str("log.syslog.severity.name") != "warning" {
				t.Errorf("%s: severity %q, want warning (%q)", r.name, f.Str("log.syslog.severity.name"), ev.Raw)
			}
			// syslog() sends RFC 5424 with syslog-ng's own structured data.
			if strings.Contains(r.name, "5424") && f.Str("log.syslog.structured_data.meta.sequenceId") != "1" {
				t.Errorf("%s: structured data not parsed from %q: %v", r.name, ev.Raw, f)
			}
			if f.Str("host.hostname") == "" && f.Str("host.name") == "" {
				t.Errorf("%s: no host from %q", r.name, ev.Raw)
			}
			if tags, _ := f["tags"].([]string); len(tags) > 0 {
				t.Errorf("%s: tags %v on %q", r.name, tags, ev.Raw)
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
