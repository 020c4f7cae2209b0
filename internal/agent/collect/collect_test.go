package collect

import (
	"context"
	"os"
	"runtime"
	"testing"
)

func TestFacts(t *testing.T) {
	f := Facts(context.Background(), "1.2.3")
	host, _ := os.Hostname()
	if f.Hostname != host {
		t.Errorf("Hostname = %q, want %q", f.Hostname, host)
	}
	if f.OS != runtime.GOOS || f.Arch != runtime.GOARCH || f.AgentVersion != "1.2.3" {
		t.Errorf("facts = %+v", f)
	}
	if runtime.GOOS == "linux" && (f.Platform == "" || f.KernelVersion == "") {
		t.Errorf("linux facts lack platform or kernel: %+v", f)
	}
}

func TestSample(t *testing.T) {
	var s Sampler
	m, err := s.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.MemTotalBytes == 0 || m.MemUsedBytes > m.MemTotalBytes {
		t.Errorf("memory = %d/%d", m.MemUsedBytes, m.MemTotalBytes)
	}
	if m.DiskTotal == 0 || m.UptimeSeconds == 0 {
		t.Errorf("disk total %d, uptime %d", m.DiskTotal, m.UptimeSeconds)
	}
	if m.CPUPercent < 0 || m.CPUPercent > 100 {
		t.Errorf("cpu = %v", m.CPUPercent)
	}
}

func BenchmarkSample(b *testing.B) {
	var s Sampler
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Sample(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
