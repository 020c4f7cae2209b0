package syslog

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// TestRealSender points util-linux logger(1), a real syslog client, at
// the listeners: RFC 5424 and RFC 3164, octet counting and LF framing,
// TCP and UDP.
func TestRealSender(t *testing.T) {
	bin, err := exec.LookPath("logger")
	if err != nil {
		t.Skip("logger(1) (util-linux) is not installed: skipping the real-sender test")
	}
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	tcp := start(t, env, Options{Network: "tcp"})
	udp := start(t, env, Options{Network: "udp"})
	port := func(s *Server) string {
		a := s.Addr().String()
		return a[strings.LastIndexByte(a, ':')+1:]
	}
	runs := []struct {
		name string
		args []string
	}{
		{"tcp-5424-octet", []string{"-T", "--octet-count", "--rfc5424", "-P", port(tcp)}},
		{"tcp-5424-lf", []string{"-T", "--rfc5424", "-P", port(tcp)}},
		{"tcp-3164-lf", []string{"-T", "--rfc3164", "-P", port(tcp)}},
		{"udp-5424", []string{"-d", "--rfc5424", "-P", port(udp)}},
		{"udp-3164", []string{"-d", "--rfc3164", "-P", port(udp)}},
	}
	for i, r := range runs {
		args := append([]string{"-n", "127.0.0.1", "-t", "sshd", "-p", "auth.warning", "--id=4242"}, r.args...)
		args = append(args, "Failed password for invalid user admin from 198.51.100."+strconv.Itoa(i+1)+" port 52311 ssh2 via "+r.name)
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("logger %v: %v: %s", args, err, out)
		}
	}
	evs := waitStored(t, sink, len(runs))
	for i, r := range runs {
		var found bool
		for _, ev := range evs {
			if !strings.HasSuffix(ev.Raw, "via "+r.name) {
				continue
			}
			found = true
			f := ev.Fields
			if f.Str("process.name") != "sshd" || f.Str("source.ip") != "198.51.100."+strconv.Itoa(i+1) || f.Str("observer.ip") != "127.0.0.1" {
				t.Errorf("%s: %q parsed as %v", r.name, ev.Raw, f)
			}
			if tags, _ := f["tags"].([]string); len(tags) > 0 {
				t.Errorf("%s: tags %v", r.name, tags)
			}
		}
		if !found {
			t.Errorf("%s: not stored", r.name)
		}
	}
}
