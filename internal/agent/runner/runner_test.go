package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/agenttest"
	"github.com/eventsec/eventsec/internal/agent/config"
	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

type harness struct {
	t    *testing.T
	srv  *agenttest.Server
	cfg  *config.Config
	dir  string
	log  string
	fim  string
	errc chan error
	stop context.CancelFunc
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, log: filepath.Join(dir, "logs", "app.log"), fim: filepath.Join(dir, "watched")}
	os.MkdirAll(filepath.Dir(h.log), 0o755)
	os.MkdirAll(h.fim, 0o755)
	os.WriteFile(filepath.Join(h.fim, "config.ini"), []byte("a=1\n"), 0o644)
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("echo not installed")
	}
	h.srv = agenttest.New("secret-key", wire.Config{
		Version: 1, HeartbeatSeconds: 1, MetricsSeconds: 1, InventorySeconds: 3600,
		LogFiles:         []wire.LogFile{{Path: filepath.Join(dir, "logs", "*.log"), Format: "lines"}},
		FIM:              wire.FIMConfig{Paths: []string{h.fim}, ScanSeconds: 3600},
		CommandAllowList: []string{echo},
		CollectPaths:     []string{filepath.Dir(h.log)},
	})
	t.Cleanup(h.srv.Close)
	h.cfg = &config.Config{APIURL: h.srv.URL, EnrollmentKey: "secret-key", DataDir: filepath.Join(dir, "data"), Interval: config.Duration(200 * time.Millisecond)}
	if err := h.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	h.errc = make(chan error, 1)
	log := slog.New(slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r := New(Options{Config: h.cfg, Version: "test", Logger: log})
	go func() { h.errc <- r.Run(ctx) }()
}

// end stops the agent and returns Run's error.
func (h *harness) end() error {
	h.stop()
	return h.wait()
}

func (h *harness) wait() error {
	select {
	case err := <-h.errc:
		return err
	case <-time.After(10 * time.Second):
		h.t.Fatal("agent did not stop")
		return nil
	}
}

func (h *harness) waitFor(what string, cond func(agenttest.Snapshot) bool) agenttest.Snapshot {
	h.t.Helper()
	if !h.srv.WaitFor(10*time.Second, cond) {
		h.t.Fatalf("timed out waiting for %s", what)
	}
	return h.srv.Snapshot()
}

func (h *harness) appendLog(lines ...string) {
	f, err := os.OpenFile(h.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, l := range lines {
		fmt.Fprintln(f, l)
	}
	f.Close()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func TestAgentEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.start()

	snap := h.waitFor("enrollment, heartbeats with metrics, inventory", func(s agenttest.Snapshot) bool {
		return s.Enrolls == 1 && len(s.Heartbeats) >= 2 && len(s.Inventories) >= 1 && len(s.Heartbeats[len(s.Heartbeats)-1].Metrics) > 0
	})
	hb := snap.Heartbeats[len(snap.Heartbeats)-1]
	if hb.AgentVersion != "test" || hb.ConfigVersion != 1 || hb.Status.RSSBytes == 0 {
		t.Errorf("heartbeat = %+v", hb)
	}
	if inv := snap.Inventories[0]; len(inv.Processes) == 0 || inv.Facts.Hostname == "" {
		t.Errorf("inventory incomplete: %d processes", len(inv.Processes))
	}
	cred, err := state.LoadCredential(h.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(h.cfg.DataDir, state.CredentialFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("credential mode %v", fi.Mode().Perm())
	}

	// Log lines (the file is new, so it is read from its start).
	h.appendLog("line 1", "line 2")
	h.waitFor("log lines", func(s agenttest.Snapshot) bool { return len(s.Lines()) == 2 })

	// FIM: the baseline was built at start; a change is reported.
	time.Sleep(300 * time.Millisecond)
	os.WriteFile(filepath.Join(h.fim, "config.ini"), []byte("a=2\n"), 0o644)
	snap = h.waitFor("FIM event", func(s agenttest.Snapshot) bool { return len(s.Kind("fim")) >= 1 })
	var fc wire.FIMChange
	json.Unmarshal(snap.Kind("fim")[0].Fields, &fc)
	if fc.Action != "modified" || !strings.HasSuffix(fc.Path, "config.ini") {
		t.Errorf("fim change = %+v", fc)
	}

	// Actions: an allowed command, a refused one, a file collection.
	echo, _ := exec.LookPath("echo")
	h.srv.Queue(wire.Action{ID: "run-1", Type: wire.ActionRunCommand, Params: json.RawMessage(fmt.Sprintf(`{"argv":[%q,"hello"]}`, echo))})
	h.srv.Queue(wire.Action{ID: "run-2", Type: wire.ActionRunCommand, Params: json.RawMessage(`{"argv":["/bin/sh","-c","id"]}`)})
	h.srv.Queue(wire.Action{ID: "get-1", Type: wire.ActionCollectFile, Params: json.RawMessage(fmt.Sprintf(`{"path":%q}`, h.log))})
	snap = h.waitFor("action results", func(s agenttest.Snapshot) bool { return len(s.Results) == 3 })
	if r := snap.Results["run-1"]; r.Status != wire.ResultDone || r.Output != "hello\n" {
		t.Errorf("run-1 = %+v", r)
	}
	if r := snap.Results["run-2"]; r.Status != wire.ResultFailed || !strings.Contains(r.Error, "allow-list") {
		t.Errorf("run-2 = %+v", r)
	}
	if r, u := snap.Results["get-1"], snap.Uploads["get-1"]; r.Status != wire.ResultDone || string(u.Body) != "line 1\nline 2\n" {
		t.Errorf("get-1 = %+v upload %q", r, u.Body)
	}

	// The server goes away: lines are spooled and delivered once, in order,
	// when it returns.
	h.srv.SetDown(true)
	for i := 3; i <= 40; i++ {
		h.appendLog(fmt.Sprintf("line %d", i))
		if i%10 == 0 {
			time.Sleep(150 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	if st, err := state.LoadStatus(h.cfg.DataDir); err != nil || st.SpoolBytes == 0 {
		t.Errorf("status while down: %+v %v", st, err)
	}
	h.srv.SetDown(false)
	snap = h.waitFor("spooled lines", func(s agenttest.Snapshot) bool { return len(s.Lines()) >= 40 })
	var want []string
	for i := 1; i <= 40; i++ {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	if got := snap.Lines(); !slices.Equal(got, want) {
		t.Fatalf("lines after outage:\n got %q\nwant %q", got, want)
	}

	// A config change is noticed through the heartbeat and applied.
	nc := h.srv.Config()
	nc.LogFiles = append(nc.LogFiles, wire.LogFile{Path: filepath.Join(h.dir, "second.txt")})
	h.srv.SetConfig(nc)
	h.waitFor("config version 2 in heartbeats", func(s agenttest.Snapshot) bool {
		return s.Heartbeats[len(s.Heartbeats)-1].ConfigVersion == 2
	})
	os.WriteFile(filepath.Join(h.dir, "second.txt"), []byte("from the new file\n"), 0o644)
	h.waitFor("line from the new file", func(s agenttest.Snapshot) bool { return slices.Contains(s.Lines(), "from the new file") })

	// restart_agent ends Run with ErrRestart after reporting the result.
	h.srv.Queue(wire.Action{ID: "restart-1", Type: wire.ActionRestartAgent})
	if err := h.wait(); !errors.Is(err, ErrRestart) {
		t.Fatalf("Run after restart_agent = %v", err)
	}
	if r := h.srv.Snapshot().Results["restart-1"]; r.Status != wire.ResultDone {
		t.Errorf("restart result = %+v", r)
	}

	// Lines written while the agent is down arrive after the restart,
	// exactly once; the agent does not enroll again.
	h.appendLog("line 41")
	h.start()
	snap = h.waitFor("line after restart", func(s agenttest.Snapshot) bool { return slices.Contains(s.Lines(), "line 41") })
	time.Sleep(500 * time.Millisecond)
	snap = h.srv.Snapshot()
	// A batch in flight when the agent stopped may be sent again; the
	// server keeps it once (by batch id), so the count of lines is exact.
	if n := len(snap.Lines()); n != 42 || snap.Enrolls != 1 {
		t.Errorf("after restart: %d lines (want 42), %d enrollments", n, snap.Enrolls)
	}
	t.Logf("duplicate batches re-sent after the restart: %d", snap.Duplicates)

	// Revocation stops the agent and sticks.
	h.srv.Revoke()
	if err := h.wait(); !errors.Is(err, ErrRevoked) {
		t.Fatalf("Run after revocation = %v", err)
	}
	st, err := state.LoadStatus(h.cfg.DataDir)
	if err != nil || !st.Revoked || st.AgentID != cred.AgentID {
		t.Fatalf("status after revocation: %+v %v", st, err)
	}
	if err := New(Options{Config: h.cfg, Version: "test"}).Run(context.Background()); !errors.Is(err, ErrRevoked) {
		t.Fatalf("second Run after revocation = %v", err)
	}
}

func TestEnrollRefusedKey(t *testing.T) {
	h := newHarness(t)
	h.cfg.EnrollmentKey = "wrong"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := New(Options{Config: h.cfg}).Enroll(ctx)
	if err == nil || !strings.Contains(err.Error(), "refused the enrollment key") {
		t.Fatalf("err = %v", err)
	}
	if _, err := state.LoadCredential(h.cfg.DataDir); !errors.Is(err, state.ErrNotEnrolled) {
		t.Fatalf("credential stored after refusal: %v", err)
	}
}

func TestOfflineStartUsesCachedConfig(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.waitFor("first heartbeat", func(s agenttest.Snapshot) bool { return len(s.Heartbeats) >= 1 })
	if err := h.end(); err != nil {
		t.Fatal(err)
	}
	// The server is unreachable at the next start: the agent still tails
	// with the cached config and delivers once the server is back.
	h.srv.SetDown(true)
	h.start()
	time.Sleep(time.Second)
	h.appendLog("offline line")
	time.Sleep(1500 * time.Millisecond)
	h.srv.SetDown(false)
	h.waitFor("offline line", func(s agenttest.Snapshot) bool { return slices.Contains(s.Lines(), "offline line") })
	if err := h.end(); err != nil {
		t.Fatal(err)
	}
}

func TestSCAReportedOnSchedule(t *testing.T) {
	if _, err := os.Stat("/etc/os-release"); err != nil {
		t.Skip("no os-release: the built-in policies do not apply")
	}
	h := newHarness(t)
	c := h.srv.Config()
	c.SCAIntervalSeconds = 1
	h.srv.SetConfig(c)
	h.start()
	defer h.end()
	snap := h.srv.Snapshot()
	if !h.srv.WaitFor(60*time.Second, func(s agenttest.Snapshot) bool { return len(s.SCA) > 0 }) {
		t.Skip("no built-in SCA policy applies to this host")
	}
	snap = h.srv.Snapshot()
	rep := snap.SCA[0]
	if rep.PolicyID == "" || rep.Hash == "" || len(rep.Checks) == 0 || rep.Passed+rep.Failed+rep.NotApplicable == 0 {
		t.Fatalf("report = %+v", rep)
	}
	for _, ch := range rep.Checks {
		if ch.ID == "" || ch.Status == "" {
			t.Fatalf("check = %+v", ch)
		}
	}
	// The next evaluation gives the same hash, so nothing is re-sent.
	time.Sleep(2500 * time.Millisecond)
	if n := len(h.srv.Snapshot().SCA); n != len(snap.SCA) {
		t.Errorf("unchanged result re-sent: %d reports, then %d", len(snap.SCA), n)
	}
}
