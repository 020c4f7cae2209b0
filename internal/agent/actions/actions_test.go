package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/client"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

func TestAllowed(t *testing.T) {
	echo := lookPath(t, "echo")
	allow := []string{echo, "uname", "  "}
	for _, tc := range []struct {
		argv0 string
		ok    bool
	}{
		{echo, true},
		{filepath.Join(filepath.Dir(echo), ".", "echo"), true}, // cleaned
		{"uname", true},
		{"echo", false},         // only the absolute path is listed
		{"./uname", false},      // relative with separator
		{"../bin/uname", false}, // idem
		{"/tmp/uname", false},   // absolute but not listed
		{"rm", false},
		{"", false},
	} {
		_, err := Allowed(allow, tc.argv0)
		if (err == nil) != tc.ok {
			t.Errorf("Allowed(%q) err = %v, want ok=%v", tc.argv0, err, tc.ok)
		}
	}
}

func TestRunCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses Unix tools")
	}
	echo, sleep, head, sh, fals := lookPath(t, "echo"), lookPath(t, "sleep"), lookPath(t, "head"), lookPath(t, "sh"), lookPath(t, "false")
	allow := []string{echo, sleep, head, sh, fals}
	ctx := context.Background()

	out, err := RunCommand(ctx, allow, wire.RunParams{Argv: []string{echo, "a; rm -rf / $(id)"}})
	if err != nil || out != "a; rm -rf / $(id)\n" {
		t.Errorf("echo: %q, %v (arguments must not reach a shell)", out, err)
	}
	_, err = RunCommand(ctx, allow, wire.RunParams{Argv: []string{fals}})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Errorf("false: err = %v, want exit status 1", err)
	}
	out, err = RunCommand(ctx, allow, wire.RunParams{Argv: []string{head, "-c", "100000", "/dev/zero"}})
	if err != nil || len(out) < MaxOutput || !strings.HasSuffix(out, "[output truncated: 34464 more bytes]") {
		t.Errorf("head: len %d, err %v, tail %q", len(out), err, out[max(0, len(out)-40):])
	}
	// The timeout kills the whole process group, grandchildren included.
	start := time.Now()
	_, err = RunCommand(ctx, allow, wire.RunParams{Argv: []string{sh, "-c", "sleep 30 & sleep 30; wait"}, TimeoutSeconds: 1})
	if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(start) > 4*time.Second {
		t.Errorf("timeout: err = %v after %v", err, time.Since(start))
	}
	if _, err := RunCommand(ctx, allow, wire.RunParams{Argv: []string{"/bin/rm", "-rf", "/nonexistent"}}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("rm: err = %v, want ErrNotAllowed", err)
	}
}

// uploadServer is a real HTTP server for the upload path.
type uploadServer struct {
	mu    sync.Mutex
	name  string
	sha   string
	body  []byte
	calls int
}

func (u *uploadServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(wire.HeaderProtocol) != wire.Version {
		http.Error(w, "protocol", http.StatusUpgradeRequired)
		return
	}
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.name, u.sha, u.body = r.Header.Get(wire.HeaderFileName), r.Header.Get(wire.HeaderFileSHA256), b
	u.calls++
	u.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func TestCollectFile(t *testing.T) {
	dir := t.TempDir()
	allowed := filepath.Join(dir, "allowed")
	secret := filepath.Join(dir, "secret")
	os.MkdirAll(filepath.Join(allowed, "sub"), 0o755)
	os.MkdirAll(secret, 0o755)
	os.WriteFile(filepath.Join(allowed, "sub", "evidence.log"), []byte("evidence"), 0o644)
	os.WriteFile(filepath.Join(secret, "shadow"), []byte("root:$6$..."), 0o600)
	os.WriteFile(filepath.Join(allowed, "big.bin"), make([]byte, 2048), 0o644)
	// allowedX shares the prefix "allowed" but is a different directory.
	os.MkdirAll(allowed+"X", 0o755)
	os.WriteFile(filepath.Join(allowed+"X", "f"), []byte("x"), 0o644)
	if err := os.Symlink(filepath.Join(secret, "shadow"), filepath.Join(allowed, "escape")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	os.Symlink(secret, filepath.Join(allowed, "secretdir"))
	os.Symlink(filepath.Join(allowed, "sub", "evidence.log"), filepath.Join(allowed, "inside"))

	srv := &uploadServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	cl, err := client.New(client.Options{BaseURL: hs.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	ex := New(Options{CollectPaths: []string{allowed}, CollectMaxBytes: 1024, Uploader: cl})
	run := func(path string) wire.ActionResult {
		params, _ := json.Marshal(wire.CollectParams{Path: path})
		return ex.Execute(context.Background(), wire.Action{ID: "act-1", Type: wire.ActionCollectFile, Params: params}).Result
	}
	for _, tc := range []struct {
		path string
		want string // "" = done
	}{
		{filepath.Join(allowed, "sub", "evidence.log"), ""},
		{filepath.Join(allowed, "inside"), ""},
		{filepath.Join(allowed, "escape"), "outside the allowed"},
		{filepath.Join(allowed, "secretdir", "shadow"), "outside the allowed"},
		{filepath.Join(allowed, "..", "secret", "shadow"), "outside the allowed"},
		{filepath.Join(allowed+"X", "f"), "outside the allowed"},
		{filepath.Join(allowed, "big.bin"), "size limit"},
		{filepath.Join(allowed, "sub"), "not a regular file"},
		{"relative/path", "not absolute"},
		{filepath.Join(allowed, "missing"), "cannot resolve"},
	} {
		res := run(tc.path)
		if tc.want == "" {
			if res.Status != wire.ResultDone {
				t.Errorf("%s: %+v", tc.path, res)
			}
			continue
		}
		if res.Status != wire.ResultFailed || !strings.Contains(res.Error, tc.want) {
			t.Errorf("%s: status %s error %q, want %q", tc.path, res.Status, res.Error, tc.want)
		}
	}
	sum := sha256.Sum256([]byte("evidence"))
	if srv.calls != 2 || string(srv.body) != "evidence" || srv.name != "evidence.log" || srv.sha != hex.EncodeToString(sum[:]) {
		t.Errorf("upload: calls %d name %q sha %q body %q", srv.calls, srv.name, srv.sha, srv.body)
	}
}

func TestKillProcess(t *testing.T) {
	sleep := lookPath(t, "sleep")
	cmd := exec.Command(sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	pid := int32(cmd.Process.Pid)
	ctx := context.Background()
	if _, err := KillProcess(ctx, wire.KillParams{PID: pid, Name: "nginx"}); !errors.Is(err, ErrProtected) {
		t.Fatalf("wrong name: err = %v", err)
	}
	for _, p := range []int32{0, 1, int32(os.Getpid())} {
		if _, err := KillProcess(ctx, wire.KillParams{PID: p}); !errors.Is(err, ErrProtected) {
			t.Errorf("pid %d: err = %v, want ErrProtected", p, err)
		}
	}
	out, err := KillProcess(ctx, wire.KillParams{PID: pid, Name: "sleep"})
	if err != nil || !strings.Contains(out, "sleep") {
		t.Fatalf("kill: %q %v", out, err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("process exited cleanly; want killed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("process still running")
	}
}

func TestExecuteDispatch(t *testing.T) {
	var restarted bool
	var got wire.BlockList
	ex := New(Options{Restart: func() { restarted = true }, OnBlockList: func(b wire.BlockList) { got = b }})
	ctx := context.Background()
	o := ex.Execute(ctx, wire.Action{ID: "1", Type: "format_disk"})
	if o.Result.Status != wire.ResultFailed || !strings.Contains(o.Result.Error, "unsupported") {
		t.Errorf("unknown type: %+v", o.Result)
	}
	o = ex.Execute(ctx, wire.Action{ID: "2", Type: wire.ActionKillProcess, Params: json.RawMessage(`{"pid":"x"}`)})
	if o.Result.Status != wire.ResultFailed || !strings.Contains(o.Result.Error, "invalid action parameters") {
		t.Errorf("bad params: %+v", o.Result)
	}
	o = ex.Execute(ctx, wire.Action{ID: "3", Type: wire.ActionRestartAgent})
	if o.Result.Status != wire.ResultDone || o.After == nil || restarted {
		t.Fatalf("restart: %+v", o)
	}
	o.After()
	if !restarted {
		t.Error("restart callback not run")
	}
	o = ex.Execute(ctx, wire.Action{ID: "4", Type: wire.ActionUpdateBlock, Params: json.RawMessage(`{"version":3,"ips":["203.0.113.9"],"domains":["evil.example"]}`)})
	if o.Result.Status != wire.ResultDone || got.Version != 3 || len(got.IPs) != 1 {
		t.Errorf("block list: %+v %+v", o.Result, got)
	}
	o = ex.Execute(ctx, wire.Action{ID: "5", Type: wire.ActionRunCommand, Params: json.RawMessage(`{"argv":["/bin/sh","-c","id"]}`)})
	if o.Result.Status != wire.ResultFailed || !strings.Contains(o.Result.Error, "allow-list") {
		t.Errorf("empty allow-list ran a command: %+v", o.Result)
	}
	o = ex.Execute(ctx, wire.Action{ID: "6", Type: wire.ActionIsolate})
	if o.Result.Status != wire.ResultFailed {
		t.Errorf("isolate without isolator: %+v", o.Result)
	}
}

func FuzzAllowed(f *testing.F) {
	f.Add("/bin/echo")
	f.Add("../../bin/sh")
	f.Add("echo")
	f.Fuzz(func(t *testing.T, argv0 string) {
		p, err := Allowed([]string{"/usr/bin/printf"}, argv0)
		if err == nil && p != "/usr/bin/printf" {
			t.Fatalf("%q allowed as %q", argv0, p)
		}
	})
}

func TestDisableUser(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := filepath.Join(dir, "fake")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{{script, "--lock", "{user}"}, {script, "--expiredate", "0", "{user}"}}
	out, err := DisableUser(context.Background(), cmds, "mallory")
	if err != nil || !strings.Contains(out, "account mallory disabled") {
		t.Fatalf("%q %v", out, err)
	}
	b, _ := os.ReadFile(log)
	if string(b) != "--lock mallory\n--expiredate 0 mallory\n" {
		t.Fatalf("calls: %q", b)
	}
	for _, bad := range []string{"", "-rf", "root", "../etc", "a;b", "Administrator"} {
		if _, err := DisableUser(context.Background(), cmds, bad); !errors.Is(err, ErrBadParams) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	fail := [][]string{{filepath.Join(dir, "missing")}}
	if _, err := DisableUser(context.Background(), fail, "bob"); err == nil {
		t.Error("a failing command must fail the action")
	}
}
