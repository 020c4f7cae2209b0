package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildAgent compiles cmd/eventsec-agent once per test binary run.
func buildAgent(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH: skipping the real-agent test")
	}
	bin := filepath.Join(t.TempDir(), "eventsec-agent")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/eventsec-agent")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cannot build the agent: %v\n%s", err, out)
	}
	return bin
}

func eventually(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestRealAgentAgainstRealServer runs the eventsec-agent binary against an
// eventsec server process on loopback: enrollment, heartbeat, inventory, a
// tailed file's new lines arriving as events, FIM seeing a change, the SCA
// baseline producing results, a remote action executed and confirmed, and
// the spool keeping lines written while the server was down, delivered
// once after it returns.
func TestRealAgentAgainstRealServer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the real-agent test runs on Linux")
	}
	agentBin := buildAgent(t)
	dir := t.TempDir()
	srvDir := filepath.Join(dir, "server")
	server, base := startChild(t, srvDir)
	defer func() { server.Process.Kill(); server.Wait() }()
	tok := childLogin(t, base)
	call := func(method, path string, body any) (int, []byte) {
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		return apiCall(t, method, base+path, tok, "application/json", b)
	}
	logFile := filepath.Join(dir, "app.log")
	fimDir := filepath.Join(dir, "watched")
	os.MkdirAll(fimDir, 0o755)
	os.WriteFile(filepath.Join(fimDir, "config.ini"), []byte("mode=safe\n"), 0o644)
	os.WriteFile(logFile, nil, 0o644)
	st, b := call("PUT", "/api/v1/endpoints/config", map[string]any{"heartbeat_seconds": 5, "inventory_seconds": 60, "metrics_seconds": 5,
		"log_files": []map[string]string{{"path": logFile, "format": "lines"}}, "journald": false,
		"fim": map[string]any{"paths": []string{fimDir}, "scan_seconds": 60}, "sca_interval_seconds": 5,
		"command_allow_list": []string{"/usr/bin/uname"}, "collect_paths": []string{dir}, "collect_max_bytes": 1 << 20})
	if st != 200 {
		t.Fatalf("settings: %d %s", st, b)
	}
	st, b = call("POST", "/api/v1/enrollment-keys", map[string]any{"name": "e2e"})
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil || key.Key == "" {
		t.Fatalf("enrollment key: %d %s", st, b)
	}

	agentData := filepath.Join(dir, "agent")
	startAgent := func(apiURL string) *exec.Cmd {
		cmd := exec.Command(agentBin, "run")
		cmd.Env = append(os.Environ(), "EVENTSEC_API_URL="+apiURL, "EVENTSEC_ENROLLMENT_KEY="+key.Key, "EVENTSEC_AGENT_DATA_DIR="+agentData,
			"EVENTSEC_AGENT_CONFIG="+filepath.Join(agentData, "agent_config.json"), "EVENTSEC_AGENT_INTERVAL=1s")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("agent output:\n%s", out.String())
			}
		})
		return cmd
	}
	startAgent(base)

	// Enrolled and online.
	var agentID string
	eventually(t, "the endpoint online", 30*time.Second, func() bool {
		_, b := call("GET", "/api/v1/endpoints", nil)
		var l struct {
			Items []struct{ ID, Status, Hostname string } `json:"items"`
		}
		json.Unmarshal(b, &l)
		if len(l.Items) == 1 && l.Items[0].Status == "online" {
			agentID = l.Items[0].ID
			return true
		}
		return false
	})
	// Inventory: software and processes from this machine.
	eventually(t, "the inventory", 60*time.Second, func() bool {
		_, b := call("GET", "/inventory/"+agentID, nil)
		return bytes.Contains(b, []byte(`"software"`)) && bytes.Contains(b, []byte(`"processes"`)) && !bytes.Contains(b, []byte(`"inventory":null`))
	})
	// A tailed file's new lines become events.
	time.Sleep(2 * time.Second)
	appendLine := func(s string) {
		f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, s)
		f.Close()
	}
	appendLine("payment service started marker-alpha-7731")
	searchCount := func(term string) int {
		_, b := call("GET", "/api/v1/events?query="+url.QueryEscape(term)+"&from=now-1h&size=1000", nil)
		var r struct {
			Items []json.RawMessage `json:"items"`
		}
		json.Unmarshal(b, &r)
		return len(r.Items)
	}
	eventually(t, "the tailed line as an event", 30*time.Second, func() bool { return searchCount("marker-alpha-7731") == 1 })
	// FIM: a change to a watched file.
	os.WriteFile(filepath.Join(fimDir, "config.ini"), []byte("mode=debug\n"), 0o600)
	eventually(t, "a FIM change", 30*time.Second, func() bool {
		_, b := call("GET", "/api/v1/endpoints/"+agentID+"/fim", nil)
		return bytes.Contains(b, []byte("config.ini"))
	})
	// SCA: the Debian baseline's results.
	eventually(t, "SCA results", 90*time.Second, func() bool {
		_, b := call("GET", "/sca/"+agentID, nil)
		return bytes.Contains(b, []byte("debian")) && bytes.Contains(b, []byte(`"checks"`))
	})
	// A remote action, executed and confirmed.
	st, b = call("POST", "/api/v1/endpoints/"+agentID+"/actions", map[string]any{"type": "run_command",
		"params": map[string]any{"argv": []string{"/usr/bin/uname", "-s"}}, "reason": "e2e"})
	var act struct{ ID string }
	if st != 201 || json.Unmarshal(b, &act) != nil {
		t.Fatalf("queue action: %d %s", st, b)
	}
	st, b = call("POST", "/api/v1/endpoints/"+agentID+"/actions", map[string]any{"type": "run_command",
		"params": map[string]any{"argv": []string{"/bin/rm", "-rf", "/"}}, "reason": "not allowed"})
	if st < 400 || st >= 500 || !strings.Contains(string(b), "allow-list") {
		t.Fatalf("a command off the allow-list must be refused: %d %s", st, b)
	}
	eventually(t, "the action done", 30*time.Second, func() bool {
		_, b := call("GET", "/api/v1/endpoints/"+agentID+"/actions", nil)
		return bytes.Contains(b, []byte(`"state":"done"`)) && bytes.Contains(b, []byte("Linux"))
	})

	// The server goes away; lines written meanwhile wait in the agent's
	// spool and arrive once, after it restarts on the same data dir.
	bu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	port := bu.Port()
	server.Process.Kill()
	server.Wait()
	for i := 0; i < 20; i++ {
		appendLine(fmt.Sprintf("offline line %02d marker-beta-5521", i))
	}
	time.Sleep(3 * time.Second)
	server = restartChildOn(t, srvDir, port)
	tok = childLogin(t, base)
	eventually(t, "the spooled lines", 60*time.Second, func() bool { return searchCount("marker-beta-5521") >= 20 })
	time.Sleep(3 * time.Second)
	if n := searchCount("marker-beta-5521"); n != 20 {
		t.Fatalf("spooled lines arrived %d times, want exactly 20", n)
	}
	if n := searchCount("marker-alpha-7731"); n != 1 {
		t.Fatalf("the first line is stored %d times after the restart", n)
	}
}

// restartChildOn starts the server again on the same data dir and port.
func restartChildOn(t *testing.T, dir, port string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EVENTSEC_TEST_CHILD=1", "EVENTSEC_ADMIN_PASSWORD="+childPassword,
		"EVENTSEC_TEST_ARGS=serve --data-dir "+dir+" --http-addr 127.0.0.1:"+port+" --syslog-udp-addr off --syslog-tcp-addr off --log-level warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the server back", 60*time.Second, func() bool {
		st, _ := apiCall(t, "GET", "http://127.0.0.1:"+port+"/readyz", "", "", nil)
		return st == 200
	})
	return cmd
}
