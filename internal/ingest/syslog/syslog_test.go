package syslog

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// start runs a listener over a fresh pipeline; it stops with the test.
func start(t testing.TB, env *ingesttest.Env, o Options) *Server {
	t.Helper()
	o.Pipeline = env.Pipeline
	if o.OrgID == "" {
		o.OrgID = "org-1"
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		env.Gate.Open()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

func raws(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Raw
	}
	slices.Sort(out)
	return out
}

// waitMetric polls a counter until it reaches want (it moves just after
// the store commits, so a test that saw the events may be a moment early).
func waitMetric(t *testing.T, env *ingesttest.Env, name string, labels map[string]string, want float64) float64 {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = env.Metric(t, name, labels); got == want {
			break
		}
	}
	return got
}

func waitStored(t *testing.T, sink *ingesttest.Store, n int) []event.Event {
	t.Helper()
	// A bound on liveness, not a speed: TestTCPBackPressure's 10,000
	// events took over 10 s on a 2-core machine at load average 20.
	ingesttest.Eventually(t, 60*time.Second, fmt.Sprintf("%d events stored", n), func() bool { return sink.Len() >= n })
	return sink.Events()
}

func TestTCPFramingAndBadInput(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp", MaxMessageSize: 1024})

	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rfc5424 := "<34>1 2026-11-20T10:00:00.000Z web-1 sshd 4242 - - Failed password for root from 203.0.113.9 port 52311 ssh2"
	rfc3164 := "<38>Nov 20 10:00:01 web-2 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
	var in bytes.Buffer
	fmt.Fprintf(&in, "%d %s", len(rfc5424), rfc5424) // octet counting
	in.WriteString(rfc3164 + "\n")                   // LF
	in.WriteString("<13>crlf line\r\n")
	in.WriteString("\xff\xfe\x01garbage\x80 bytes\n")       // binary garbage
	in.WriteString("<13>caf\xc3\xa9 and \xe9t\xe9\n")       // valid é, then Latin-1 bytes
	in.WriteString(strings.Repeat("L", 3000) + "\n")        // over the 1 KiB limit
	in.WriteString("<13>after the long line\n")             //
	in.WriteString("200 <13>frame cut by the sender's end") // truncated octet frame
	if _, err := conn.Write(in.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	evs := waitStored(t, sink, 8)
	if len(evs) != 8 {
		t.Fatalf("stored %d events, want 8", len(evs))
	}
	byPrefix := func(p string) event.Event {
		for _, ev := range evs {
			if strings.HasPrefix(ev.Raw, p) {
				return ev
			}
		}
		t.Fatalf("no event starting with %q in %q", p, raws(evs))
		return event.Event{}
	}
	for _, ev := range evs {
		if ev.OrgID != "org-1" || ev.Input != "syslog" || ev.ID == "" || ev.Ingested.IsZero() {
			t.Errorf("event lacks identity: %+v", ev)
		}
	}
	if ev := byPrefix("<34>1 2026"); ev.Raw != rfc5424 {
		t.Errorf("octet-counted frame: %q", ev.Raw)
	}
	byPrefix("<38>Nov 20")
	if ev := byPrefix("<13>crlf"); ev.Raw != "<13>crlf line" {
		t.Errorf("CR kept: %q", ev.Raw)
	}
	// Each cut says why in error.message: a message over the limit, or a
	// frame the sender's connection ended inside.
	long := byPrefix("LLLL")
	if len(long.Raw) != 1024 || !slices.Contains(long.Fields["tags"].([]string), normalize.TagRawTruncated) ||
		slices.Contains(long.Fields["tags"].([]string), normalize.TagFrameIncomplete) {
		t.Errorf("long line: %d bytes, tags %v", len(long.Raw), long.Fields["tags"])
	}
	// Not syslog either: the parser's complaint follows the cut.
	if msg, _ := long.Fields["error.message"].(string); !strings.HasPrefix(msg, "message of 3000 bytes cut to 1024; cannot parse") {
		t.Errorf("long line: error.message %q", msg)
	}
	byPrefix("<13>after the long line")
	cut := byPrefix("<13>frame cut")
	if !slices.Contains(cut.Fields["tags"].([]string), normalize.TagRawTruncated) || !slices.Contains(cut.Fields["tags"].([]string), normalize.TagFrameIncomplete) {
		t.Errorf("truncated frame not tagged: %v", cut.Fields["tags"])
	}
	if msg, _ := cut.Fields["error.message"].(string); msg != "frame announced 200 bytes, connection closed after 33" {
		t.Errorf("truncated frame: error.message %q", msg)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Raw, "garbage") || strings.Contains(ev.Raw, "caf") {
			tags, _ := ev.Fields["tags"].([]string)
			if !slices.Contains(tags, normalize.TagInvalidUTF8) {
				t.Errorf("invalid UTF-8 not tagged: %q %v", ev.Raw, tags)
			}
		}
	}
	lbl := map[string]string{"listener": "syslog_tcp"}
	if got := env.Metric(t, "eventsec_ingest_received_total", lbl); got != 8 {
		t.Errorf("received_total = %v, want 8", got)
	}
	if got := waitMetric(t, env, "eventsec_ingest_stored_total", lbl, 8); got != 8 {
		t.Errorf("stored_total = %v, want 8", got)
	}
	if got := env.Metric(t, "eventsec_ingest_repaired_total", map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonTruncated}); got != 1 {
		t.Errorf("repaired_total{truncated} = %v, want 1", got)
	}
	if got := env.Metric(t, "eventsec_ingest_repaired_total", map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonIncompleteFrame}); got != 1 {
		t.Errorf("repaired_total{incomplete_frame} = %v, want 1", got)
	}
	if got := env.Metric(t, "eventsec_ingest_repaired_total", map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonInvalidUTF8}); got != 2 {
		t.Errorf("repaired_total{invalid_utf8} = %v, want 2", got)
	}
}

// A 10 MB line neither crashes nor blocks the listener: other senders go on.
func TestTCPHugeLineDoesNotBlock(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp"})

	big, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	go func() {
		chunk := bytes.Repeat([]byte("B"), 1<<20)
		for range 10 {
			if _, err := big.Write(chunk); err != nil {
				return
			}
		}
		big.Write([]byte("\n<13>after huge\n"))
	}()
	other, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	other.Write([]byte("<13>from another sender\n"))
	other.Close()
	evs := waitStored(t, sink, 3)
	got := raws(evs)
	if len(got) != 3 || got[0] != "<13>after huge" || got[1] != "<13>from another sender" || len(got[2]) != DefaultMaxMessageSize {
		t.Fatalf("got %d events: %.60q", len(got), got)
	}
	for _, ev := range evs {
		if msg, _ := ev.Fields["error.message"].(string); strings.HasPrefix(ev.Raw, "BBB") && !strings.HasPrefix(msg, "message of 10485760 bytes cut to 65536") {
			t.Errorf("huge line: error.message %q", msg)
		}
	}
}

func TestUDP(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "udp", OrgID: "org-udp", MaxMessageSize: 100})
	conn, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := []string{"<13>Nov 20 10:00:00 fw1 kernel: one\n", "<13>two\x00", strings.Repeat("U", 500), "\xff\xfe garbage"}
	for _, m := range msgs {
		if _, err := conn.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	evs := waitStored(t, sink, 4)
	got := raws(evs)
	want := []string{"<13>Nov 20 10:00:00 fw1 kernel: one", "<13>two", strings.Repeat("U", 100), "\ufffd garbage"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for _, ev := range evs {
		if ev.OrgID != "org-udp" {
			t.Errorf("org %q", ev.OrgID)
		}
		if msg, _ := ev.Fields["error.message"].(string); strings.HasPrefix(ev.Raw, "UUU") && !strings.HasPrefix(msg, "message of 500 bytes cut to 100") {
			t.Errorf("long datagram: error.message %q", msg)
		}
	}
}

// TestOrgRoutes: senders named by a route go to its org, the others to
// the listener's.
func TestOrgRoutes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []OrgRoute
		want   string
	}{
		{"routed", []OrgRoute{{Net: netip.MustParsePrefix("10.0.0.0/8"), OrgID: "org-ten"}, {Net: netip.MustParsePrefix("127.0.0.0/8"), OrgID: "org-local"}}, "org-local"},
		{"not routed", []OrgRoute{{Net: netip.MustParsePrefix("10.0.0.0/8"), OrgID: "org-ten"}}, "org-default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := ingesttest.NewStore(t)
			env := ingesttest.NewPipeline(t, sink, ingest.Options{})
			for _, network := range []string{"udp", "tcp"} {
				s := start(t, env, Options{Network: network, OrgID: "org-default", OrgRoutes: tc.routes})
				conn, err := net.Dial(network, s.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Write([]byte("<13>Nov 20 10:00:00 fw1 kernel: over " + network + "\n")); err != nil {
					t.Fatal(err)
				}
				conn.Close()
			}
			for _, ev := range waitStored(t, sink, 2) {
				if ev.OrgID != tc.want {
					t.Errorf("%s: org %q, want %q", ev.Raw, ev.OrgID, tc.want)
				}
			}
		})
	}
	s := &Server{o: Options{OrgID: "d", OrgRoutes: []OrgRoute{{Net: netip.MustParsePrefix("10.1.0.0/16"), OrgID: "a"}, {Net: netip.MustParsePrefix("2001:db8::/32"), OrgID: "b"},
		{Cert: "*.acme.example", OrgID: "c"}}}}
	for peer, want := range map[string]string{"10.1.2.3": "a", "::ffff:10.1.2.3": "a", "2001:db8::7": "b", "10.2.0.1": "d", "": "d", "not an ip": "d"} {
		if got, ok := s.orgOf(peer, nil); got != want || !ok {
			t.Errorf("orgOf(%q) = %q, %v, want %q", peer, got, ok, want)
		}
	}
	// A certificate route wins over an address route; names compare
	// without regard to case.
	if got, _ := s.orgOf("10.1.2.3", []string{"FW1.Acme.Example"}); got != "c" {
		t.Errorf("certificate route: %q, want c", got)
	}
	if got, _ := s.orgOf("10.1.2.3", []string{"fw1.acme.example.evil"}); got != "a" {
		t.Errorf("a name the pattern does not match: %q, want a", got)
	}
}

// A route may name an organisation that does not exist yet: its senders
// are refused (TCP closed, UDP dropped, both counted) until it exists, and
// then routed to it without a restart.
func TestOrgRouteToLaterOrg(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	var exists atomic.Bool
	var lookups atomic.Int64
	o := Options{OrgID: "org-default", OrgRetry: 50 * time.Millisecond,
		OrgRoutes: []OrgRoute{{Net: netip.MustParsePrefix("127.0.0.0/8"), Org: "acme"}},
		ResolveOrg: func(name string) (string, bool) {
			lookups.Add(1)
			if name != "acme" || !exists.Load() {
				return "", false
			}
			return "org-acme", true
		}}
	o.Network = "udp"
	u := start(t, env, o)
	o.Network = "tcp"
	tc := start(t, env, o)
	send := func(network, addr, text string) {
		conn, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("<13>Nov 20 10:00:00 fw1 kernel: " + text + "\n")); err != nil && network == "udp" {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		send("udp", u.Addr().String(), "too early")
	}
	send("tcp", tc.Addr().String(), "too early")
	ingesttest.Eventually(t, 5*time.Second, "the refusals counted", func() bool {
		return env.Metric(t, "eventsec_ingest_dropped_total", map[string]string{"listener": "syslog_udp", "reason": ingest.ReasonUnknownOrg}) == 20 &&
			env.Metric(t, "eventsec_ingest_requests_refused_total", map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonUnknownOrg}) == 1
	})
	// Looked up once per listener and retry period, not per datagram.
	if n := lookups.Load(); n > 4 {
		t.Errorf("%d lookups of the organisation for 21 messages", n)
	}
	exists.Store(true)
	time.Sleep(60 * time.Millisecond)
	send("udp", u.Addr().String(), "on time over udp")
	send("tcp", tc.Addr().String(), "on time over tcp")
	for _, ev := range waitStored(t, sink, 2) {
		if ev.OrgID != "org-acme" || !strings.Contains(ev.Raw, "on time") {
			t.Errorf("stored %q in %q", ev.Raw, ev.OrgID)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if sink.Len() != 2 {
		t.Errorf("%d events stored, want 2", sink.Len())
	}
}

// Over mutual TLS, a sender is routed by its certificate's names; one
// without a certificate by its address; one whose certificate is not
// signed by the client CA is refused.
func TestCertOrgRoutes(t *testing.T) {
	serverCert, _ := selfSigned(t)
	caCert, caKey := newCA(t, "EventSec test client CA")
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	otherCA, otherKey := newCA(t, "someone else")
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp", OrgID: "org-default",
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven},
		OrgRoutes: []OrgRoute{{Cert: "*.acme.example", OrgID: "org-acme"}, {Cert: "globex router", OrgID: "org-globex"}, {Net: netip.MustParsePrefix("127.0.0.0/8"), OrgID: "org-local"}}})
	send := func(name string, cert *tls.Certificate) error {
		cfg := &tls.Config{InsecureSkipVerify: true}
		if cert != nil {
			// Sent whatever CAs the server names (Go's client would
			// otherwise leave out a certificate it knows is not wanted).
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		}
		return ingesttest.SendTLS(s.Addr().String(), cfg, "<13>Nov 20 10:00:00 h app: from "+name+"\n")
	}
	acme := issue(t, caCert, caKey, "", []string{"fw1.acme.example"})
	globex := issue(t, caCert, caKey, "Globex Router", nil)
	stranger := issue(t, otherCA, otherKey, "fw9.acme.example", []string{"fw9.acme.example"})
	for name, cert := range map[string]*tls.Certificate{"acme": &acme, "globex": &globex, "nobody": nil} {
		if err := send(name, cert); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := send("stranger", &stranger); err == nil {
		t.Error("a certificate from another CA was accepted")
	}
	want := map[string]string{"from acme": "org-acme", "from globex": "org-globex", "from nobody": "org-local"}
	for _, ev := range waitStored(t, sink, 3) {
		for text, org := range want {
			if strings.Contains(ev.Raw, text) && ev.OrgID != org {
				t.Errorf("%s: org %q, want %q", ev.Raw, ev.OrgID, org)
			}
		}
		if strings.Contains(ev.Raw, "stranger") {
			t.Errorf("stored from a refused sender: %s", ev.Raw)
		}
	}
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, dns []string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp", TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	conn, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	msg := "<165>1 2026-11-20T10:00:00Z fw1 app - ID47 - over TLS"
	fmt.Fprintf(conn, "%d %s", len(msg), msg)
	conn.Close()
	evs := waitStored(t, sink, 1)
	if evs[0].Raw != msg {
		t.Fatalf("got %q", evs[0].Raw)
	}
	if got := waitMetric(t, env, "eventsec_ingest_stored_total", map[string]string{"listener": "syslog_tls"}, 1); got != 1 {
		t.Fatalf("stored_total{syslog_tls} = %v", got)
	}
	// A client that does not speak TLS is refused without harm.
	plain, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	plain.Write([]byte("<13>not TLS\n"))
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, plain)
	plain.Close()
	ingesttest.Eventually(t, 5*time.Second, "handshake failure counted", func() bool {
		return env.Metric(t, "eventsec_ingest_requests_refused_total", map[string]string{"listener": "syslog_tls", "reason": "tls_handshake"}) == 1
	})
}

// A sender that writes one message and closes at once, as a script or a
// cron job does, loses nothing, over TLS 1.3 and 1.2. The client is
// built like OpenSSL's (Python's ssl, logger, rsyslog's gtls...): it
// takes session tickets (TLS 1.3 servers send them after the handshake)
// and leaves Nagle on. A server that sends tickets leaves them unread
// in the sender's socket; its close then becomes a reset, and the
// message, held back by Nagle, is never sent.
func TestTLSSenderClosingAtOnce(t *testing.T) {
	cert, pool := selfSigned(t)
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			sink := ingesttest.NewStore(t)
			env := ingesttest.NewPipeline(t, sink, ingest.Options{})
			s := start(t, env, Options{Network: "tcp", TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
			const n = 10
			for i := range n {
				raw, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				if err := raw.(*net.TCPConn).SetNoDelay(false); err != nil {
					t.Fatal(err)
				}
				c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: version, MaxVersion: version,
					ClientSessionCache: tls.NewLRUClientSessionCache(1)})
				if err := c.Handshake(); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(c, "<13>Nov 25 11:47:03 h9 app: closed at once %d\n", i)
				c.Close()
			}
			waitStored(t, sink, n)
			if got := env.Metric(t, "eventsec_ingest_connections_closed_total", map[string]string{"listener": "syslog_tls", "reason": ingest.ReasonConnReset}); got != 0 {
				t.Errorf("connections_closed_total{connection_reset} = %v, want 0", got)
			}
		})
	}
}

// A sender that resets its connection is counted: what it sent last may
// not have arrived.
func TestTCPResetCounted(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp"})
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "<13>Nov 25 11:47:03 h9 app: before the reset\n")
	waitStored(t, sink, 1)
	_ = conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
	if got := waitMetric(t, env, "eventsec_ingest_connections_closed_total", map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonConnReset}, 1); got != 1 {
		t.Fatalf("connections_closed_total{connection_reset} = %v, want 1", got)
	}
}

// While the store is stalled and the pipeline full, the TCP listener stops
// reading (the sender's writes block); nothing is lost once it resumes.
func TestTCPBackPressure(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{MaxInFlight: 100})
	s := start(t, env, Options{Network: "tcp", Batch: ingest.BatcherOptions{MaxEvents: 50, MaxDelay: 5 * time.Millisecond}})
	env.Gate.Shut()

	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	line := "<13>Nov 20 10:00:00 host app: back-pressure line %08d " + strings.Repeat("padding ", 120) + "\n"
	var buf bytes.Buffer
	const total = 10_000 // ~10 MB: more than loopback socket buffers (about 4 MB here) and the pipeline's bound hold
	for i := range total {
		fmt.Fprintf(&buf, line, i)
	}
	data := buf.Bytes()
	written := 0
	blocked := false
	for written < len(data) {
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := conn.Write(data[written:min(written+1<<20, len(data))])
		written += n
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			blocked = true
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !blocked {
		t.Fatal("the sender never blocked: the listener kept reading while the pipeline was full")
	}
	if got := sink.Len(); got != 0 {
		t.Fatalf("%d events stored through a shut gate", got)
	}
	inflight := env.Metric(t, "eventsec_ingest_in_flight", map[string]string{"listener": "syslog_tcp"})
	if inflight <= 0 || inflight > 100 {
		t.Fatalf("in_flight = %v, want within (0, 100]", inflight)
	}
	t.Logf("sender blocked after %d bytes; %v events in flight", written, inflight)

	env.Gate.Open()
	conn.SetWriteDeadline(time.Time{})
	if _, err := conn.Write(data[written:]); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	evs := waitStored(t, sink, total)
	if len(evs) != total {
		t.Fatalf("stored %d of %d", len(evs), total)
	}
}

// UDP cannot push back: while the pipeline is full, datagrams are dropped
// and counted; every datagram read is either stored or counted dropped.
func TestUDPDropsCounted(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{MaxInFlight: 50})
	s := start(t, env, Options{Network: "udp", Batch: ingest.BatcherOptions{MaxEvents: 50, MaxDelay: 5 * time.Millisecond, Workers: 1}})
	env.Gate.Shut()
	conn, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lbl := map[string]string{"listener": "syslog_udp"}
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(conn, "<13>udp datagram %d", i)
		if i%100 == 99 {
			time.Sleep(time.Millisecond) // stay below the kernel's buffer
		}
	}
	dropLbl := map[string]string{"listener": "syslog_udp", "reason": ingest.ReasonOverloaded}
	ingesttest.Eventually(t, 5*time.Second, "drops counted", func() bool { return env.Metric(t, "eventsec_ingest_dropped_total", dropLbl) > 0 })
	time.Sleep(100 * time.Millisecond) // let the reader drain the socket
	env.Gate.Open()
	ingesttest.Eventually(t, 5*time.Second, "received = stored + dropped", func() bool {
		rec := env.Metric(t, "eventsec_ingest_received_total", lbl)
		drop := env.Metric(t, "eventsec_ingest_dropped_total", dropLbl)
		return rec > 0 && float64(sink.Len()) == rec-drop
	})
	t.Logf("received %v, dropped %v, stored %d", env.Metric(t, "eventsec_ingest_received_total", lbl),
		env.Metric(t, "eventsec_ingest_dropped_total", dropLbl), sink.Len())
}

// refusedByServer reports whether the server closed c: a read fails at
// once (reset or end of stream) instead of waiting for data.
func refusedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// refusedAt dials addr from local and reports whether the server closed
// the connection at once. The reset it sends may arrive before the dial
// returns.
func refusedAt(t *testing.T, local, addr string) bool {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return refusedByServer(t, c)
}

func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConnectionLimitsAndIdleTimeout(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	// Nothing is silent for an hour here: at the limit the newcomer is
	// refused, however slow the machine.
	s := start(t, env, Options{Network: "tcp", MaxConnections: 1, EvictAfter: time.Hour})
	first := dialFrom(t, "127.0.0.1", s.Addr().String())
	first.Write([]byte("<13>first\n"))
	waitStored(t, sink, 1)
	if !refusedAt(t, "127.0.0.1", s.Addr().String()) {
		t.Fatal("second connection was not closed")
	}
	refused := map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonTooManyConns}
	ingesttest.Eventually(t, 10*time.Second, "the refusal counted", func() bool {
		return env.Metric(t, "eventsec_ingest_requests_refused_total", refused) == 1
	})

	// The idle timeout: a connection that sends nothing is closed by the
	// server (well before the 5 s read deadline), and counted.
	idle := start(t, env, Options{Network: "tcp", Listener: "syslog_idle", IdleTimeout: 200 * time.Millisecond})
	quiet := dialFrom(t, "127.0.0.1", idle.Addr().String())
	if !refusedByServer(t, quiet) {
		t.Fatal("idle connection not closed by the server")
	}
	closed := map[string]string{"listener": "syslog_idle", "reason": ingest.ReasonIdleTimeout}
	ingesttest.Eventually(t, 10*time.Second, "the idle close counted", func() bool {
		return env.Metric(t, "eventsec_ingest_connections_closed_total", closed) == 1
	})
}

// One sender address cannot take every slot: at its own limit it is
// refused while other senders still get in.
func TestConnectionLimitPerSource(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := start(t, env, Options{Network: "tcp", MaxConnections: 10, MaxConnectionsPerSource: 3, EvictAfter: time.Hour, Logger: log})
	addr := s.Addr().String()
	for range 3 {
		dialFrom(t, "127.0.0.1", addr)
	}
	ingesttest.Eventually(t, 10*time.Second, "3 connections open", func() bool {
		return env.Metric(t, "eventsec_ingest_connections", map[string]string{"listener": "syslog_tcp"}) == 3
	})
	const flood = 5
	for range flood {
		if !refusedAt(t, "127.0.0.1", addr) {
			t.Fatal("a connection over the per-source limit was not closed")
		}
	}
	refused := map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonSourceConns}
	ingesttest.Eventually(t, 10*time.Second, "the refusals counted", func() bool {
		return env.Metric(t, "eventsec_ingest_requests_refused_total", refused) == flood
	})
	// Another address (all of 127/8 is loopback on Linux) still gets in.
	other := dialFrom(t, "127.0.0.2", addr)
	other.Write([]byte("<13>from another host\n"))
	if evs := waitStored(t, sink, 1); evs[0].Raw != "<13>from another host" {
		t.Fatalf("stored %q", evs[0].Raw)
	}
	if got := env.Metric(t, "eventsec_ingest_connections", map[string]string{"listener": "syslog_tcp"}); got != 4 {
		t.Fatalf("connections = %v, want 4", got)
	}
	// The flood is logged at WARN, but not once per connection.
	lines := strings.Count(logs.String(), "syslog connection refused")
	if lines == 0 || lines >= flood || !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("%d refusal lines for %d refusals:\n%s", lines, flood, logs.String())
	}
}

// At the limit, the connection silent longest is closed to admit a new
// sender, with a reset so that its sender's next write fails.
func TestConnectionLimitEvictsIdlest(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	const grace = 200 * time.Millisecond
	s := start(t, env, Options{Network: "tcp", MaxConnections: 2, EvictAfter: grace})
	addr := s.Addr().String()
	oldest := dialFrom(t, "127.0.0.1", addr)
	talker := dialFrom(t, "127.0.0.1", addr)
	ingesttest.Eventually(t, 10*time.Second, "2 connections open", func() bool {
		return env.Metric(t, "eventsec_ingest_connections", map[string]string{"listener": "syslog_tcp"}) == 2
	})
	// Both are silent past the grace; then one speaks: the other is the
	// one silent longest whatever the machine's speed.
	time.Sleep(2 * grace)
	talker.Write([]byte("<13>still here\n"))
	waitStored(t, sink, 1)

	newcomer := dialFrom(t, "127.0.0.1", addr)
	newcomer.Write([]byte("<13>newcomer\n"))
	waitStored(t, sink, 2)
	if !refusedByServer(t, oldest) {
		t.Fatal("the connection silent longest was not closed")
	}
	closed := map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonEvictedIdle}
	ingesttest.Eventually(t, 10*time.Second, "the eviction counted", func() bool {
		return env.Metric(t, "eventsec_ingest_connections_closed_total", closed) == 1
	})
	if got := env.Metric(t, "eventsec_ingest_connections", map[string]string{"listener": "syslog_tcp"}); got != 2 {
		t.Fatalf("connections = %v, want 2", got)
	}
	refused := map[string]string{"listener": "syslog_tcp", "reason": ingest.ReasonTooManyConns}
	if got := env.Metric(t, "eventsec_ingest_requests_refused_total", refused); got != 0 {
		t.Fatalf("refused = %v, want 0", got)
	}
	// The talker was kept.
	talker.Write([]byte("<13>talker again\n"))
	waitStored(t, sink, 3)
}

// A connection held back by back-pressure is waiting for the pipeline,
// not idle: it is never closed to make room.
func TestConnectionLimitSparesBackPressured(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{MaxInFlight: 100})
	const grace = 100 * time.Millisecond
	s := start(t, env, Options{Network: "tcp", MaxConnections: 1, EvictAfter: grace,
		Batch: ingest.BatcherOptions{MaxEvents: 50, MaxDelay: 5 * time.Millisecond}})
	env.Gate.Shut()
	busy := dialFrom(t, "127.0.0.1", s.Addr().String())
	// The sender's buffer small, so that the ~10 MB below are more than
	// the socket buffers hold however far the kernel grows the
	// receiver's (Linux autotunes each up to several MB).
	if err := busy.(*net.TCPConn).SetWriteBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	// Long lines in few events, so that storing them stays quick on a
	// loaded machine.
	line := "<13>held back %08d " + strings.Repeat("padding ", 900) + "\n"
	var buf bytes.Buffer
	const total = 1_400
	for i := range total {
		fmt.Fprintf(&buf, line, i)
	}
	data := buf.Bytes()
	written := 0
	for {
		busy.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := busy.Write(data[written:min(written+1<<20, len(data))])
		written += n
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			break // the listener stopped reading: it waits for the pipeline
		}
		if err != nil {
			t.Fatal(err)
		}
		if written == len(data) {
			t.Fatal("the sender never blocked")
		}
	}
	time.Sleep(3 * grace)
	if !refusedAt(t, "127.0.0.1", s.Addr().String()) {
		t.Fatal("the newcomer was admitted over the limit")
	}
	env.Gate.Open()
	busy.SetWriteDeadline(time.Time{})
	if _, err := busy.Write(data[written:]); err != nil {
		t.Fatalf("the back-pressured connection was closed: %v", err)
	}
	busy.Close()
	if evs := waitStored(t, sink, total); len(evs) != total {
		t.Fatalf("stored %d of %d", len(evs), total)
	}
}

// Every reason a listener can count is a series from the start, at 0.
func TestCountersExistAtZero(t *testing.T) {
	env := ingesttest.NewPipeline(t, ingesttest.NewStore(t), ingest.Options{})
	start(t, env, Options{Network: "tcp"})
	start(t, env, Options{Network: "udp"})
	for _, c := range []struct {
		name, listener, reason string
	}{
		{"eventsec_ingest_requests_refused_total", "syslog_tcp", ingest.ReasonTooManyConns},
		{"eventsec_ingest_requests_refused_total", "syslog_tcp", ingest.ReasonSourceConns},
		{"eventsec_ingest_connections_closed_total", "syslog_tcp", ingest.ReasonEvictedIdle},
		{"eventsec_ingest_connections_closed_total", "syslog_tcp", ingest.ReasonIdleTimeout},
		{"eventsec_ingest_connections_closed_total", "syslog_tcp", ingest.ReasonConnReset},
		{"eventsec_ingest_dropped_total", "syslog_tcp", ingest.ReasonShutdown},
		{"eventsec_ingest_dropped_total", "syslog_udp", ingest.ReasonOverloaded},
		{"eventsec_ingest_repaired_total", "syslog_udp", ingest.ReasonTruncated},
		{"eventsec_ingest_repaired_total", "syslog_tcp", ingest.ReasonIncompleteFrame},
	} {
		if !ingesttest.HasSeries(t, env.Registry, c.name, map[string]string{"listener": c.listener, "reason": c.reason}) {
			t.Errorf("%s{listener=%q,reason=%q} does not exist before its first occurrence", c.name, c.listener, c.reason)
		}
	}
}

// syncBuffer is a log destination written by the listener's goroutines
// and read by the test.
type syncBuffer struct {
	mu sync.Mutex // guards b
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

// Stopping the listener flushes what it had received.
func TestShutdownFlushes(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s, err := New(Options{Pipeline: env.Pipeline, Network: "tcp", Addr: "127.0.0.1:0", OrgID: "o",
		Batch: ingest.BatcherOptions{MaxDelay: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		fmt.Fprintf(conn, "<13>pending %d\n", i)
	}
	ingesttest.Eventually(t, 5*time.Second, "lines read", func() bool {
		return env.Metric(t, "eventsec_ingest_received_total", map[string]string{"listener": "syslog_tcp"}) == 10
	})
	if sink.Len() != 0 {
		t.Fatal("flushed before the delay")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sink.Len() != 10 {
		t.Fatalf("stored %d of 10 at shutdown", sink.Len())
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// A line sent by a quiet sender is stored without waiting for more:
// batches wait at most MaxDelay (50ms) for company.
func TestArrivalLatency(t *testing.T) {
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	s := start(t, env, Options{Network: "tcp"})
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var worst time.Duration
	for i := range 5 {
		t0 := time.Now()
		fmt.Fprintf(conn, "<13>Nov 20 10:00:00 host app: quiet line %d\n", i)
		waitStored(t, sink, i+1)
		worst = max(worst, time.Since(t0))
	}
	// Each line was stored without the sender adding lines or closing
	// (waitStored gives up after 10 s, which a batch waiting to fill
	// would exceed); how fast is measured by the benchmarks, not here.
	t.Logf("worst send-to-stored latency: %s", worst)
}
