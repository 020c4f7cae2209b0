package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
)

// TestCollect takes a real inventory of the test machine and checks it
// finds this test process (with its executable's hash) and a socket the
// test listens on.
func TestCollect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	c := New(Options{AgentVersion: "test"})
	inv, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inv.Facts.Hostname == "" || inv.Hardware.CPUCores == 0 || inv.Hardware.MemoryBytes == 0 {
		t.Errorf("facts/hardware incomplete: %+v %+v", inv.Facts, inv.Hardware)
	}
	if len(inv.Interfaces) == 0 {
		t.Error("no interfaces")
	}
	exe, _ := os.Executable()
	want := fileSHA(t, exe)
	var self bool
	for _, p := range inv.Processes {
		if p.PID == int32(os.Getpid()) {
			self = true
			if p.PPID != int32(os.Getppid()) {
				t.Errorf("ppid = %d, want %d", p.PPID, os.Getppid())
			}
			if p.SHA256 != want {
				t.Errorf("own sha256 = %q, want %q", p.SHA256, want)
			}
			if p.User == "" || p.CmdLine == "" {
				t.Errorf("process lacks user or cmdline: %+v", p)
			}
		}
	}
	if !self {
		t.Error("own process missing from inventory")
	}
	if runtime.GOOS == "linux" {
		var found bool
		for _, l := range inv.Listening {
			if l.Port == port && l.Protocol == "tcp" && l.PID == int32(os.Getpid()) {
				found = true
			}
		}
		if !found {
			t.Errorf("listening socket 127.0.0.1:%d not found in %+v", port, inv.Listening)
		}
		if _, err := os.Stat("/var/lib/dpkg/status"); err == nil && len(inv.Software) == 0 {
			t.Error("dpkg database present but no software listed")
		}
	}
	// A second inventory reuses the hash cache.
	if len(c.hashes.m) == 0 {
		t.Fatal("hash cache empty after an inventory")
	}
}

func fileSHA(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func TestHashCacheRehashesChangedFile(t *testing.T) {
	p := t.TempDir() + "/bin"
	os.WriteFile(p, []byte("one"), 0o755)
	h := newHashCache(1 << 20)
	sum := func() string {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return h.sum(p, fi, func() (*os.File, error) { return os.Open(p) })
	}
	a := sum()
	os.WriteFile(p, []byte("two!"), 0o755)
	b := sum()
	if a == b || a == "" {
		t.Fatalf("hash did not change: %q %q", a, b)
	}
	h.sweep()
	h.sweep()
	if len(h.m) != 0 {
		t.Errorf("sweep kept %d unused entries", len(h.m))
	}
}

func BenchmarkCollect(b *testing.B) {
	c := New(Options{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
