package esbulk

import (
	"context"
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

// TestRealFilebeat runs a real Filebeat with the configuration the docs
// give (docs/sources/elasticsearch.md): it checks the handshake, sends
// _bulk requests, and must see every line acknowledged. The binary is
// named by EVENTSEC_TEST_FILEBEAT (.ci/run builds Filebeat 7.17 from the
// Go module proxy).
func TestRealFilebeat(t *testing.T) {
	bin := os.Getenv("EVENTSEC_TEST_FILEBEAT")
	if bin == "" {
		t.Skip("EVENTSEC_TEST_FILEBEAT is not set (path to a filebeat binary): skipping the real-Filebeat test")
	}
	e := newEnv(t, ingest.Options{}, Options{Prefix: "/es/"})
	dir := t.TempDir()
	logFile := filepath.Join(dir, "auth.log")
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf("Nov 23 10:%02d:00 web-1 sshd[811]: Failed password for invalid user admin%d from 198.51.100.7 port 4242 ssh2", i, i))
	}
	if err := os.WriteFile(logFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`filebeat.inputs:
- type: log
  paths: [%q]
output.elasticsearch:
  hosts: [%q]
  path: "/es"
  username: "filebeat"
  password: "key-1"
setup.ilm.enabled: false
setup.template.enabled: false
logging.level: info
`, logFile, e.srv.URL)
	confPath := filepath.Join(dir, "filebeat.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cmd := exec.CommandContext(ctx, bin, "-e", "--strict.perms=false", "-c", confPath,
		"--path.home", dir, "--path.data", filepath.Join(dir, "data"), "--path.logs", filepath.Join(dir, "logs"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("filebeat said:\n%s", out.String())
		}
	})
	ingesttest.Eventually(t, 60*time.Second, "50 lines from Filebeat stored", func() bool { return e.sink.Len() >= len(lines) })
	evs := e.sink.Events()
	if len(evs) != len(lines) {
		t.Fatalf("stored %d events, want %d", len(evs), len(lines))
	}
	// The line inside Filebeat's document is parsed as auth.log (the
	// normalizer's embedded-line rule); the whole line stays in
	// event.original, Filebeat's own fields are kept.
	seen := map[string]bool{}
	bad := 0
	for _, ev := range evs {
		f := ev.Fields
		seen[f.Str("event.original")] = true
		if f.Str("agent.type") != "filebeat" || f.Str("log.file.path") != logFile ||
			f.Str("source.ip") != "198.51.100.7" || f.Str("event.outcome") != "failure" ||
			f.Str("process.name") != "sshd" || f.Str("host.hostname") != "web-1" || f.Str("event.dataset") != "linux.auth" {
			if bad++; bad <= 3 {
				t.Errorf("not mapped as expected: %v", f)
			}
		}
	}
	for _, l := range lines {
		if !seen[l] {
			t.Errorf("line %q not stored (messages: %d distinct)", l, len(seen))
			break
		}
	}
	// Filebeat records what the output acknowledged in its registry.
	ingesttest.Eventually(t, 30*time.Second, "Filebeat's registry to record the whole file as acknowledged", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "data", "registry", "filebeat", "log.json"))
		size := 0
		for _, l := range lines {
			size += len(l) + 1
		}
		return strings.Contains(string(b), fmt.Sprintf(`"offset":%d`, size))
	})
}
