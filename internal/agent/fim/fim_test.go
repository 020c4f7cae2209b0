package fim

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

type memSink struct {
	mu  sync.Mutex
	evs []wire.Event
}

func (s *memSink) Submit(_ context.Context, evs []wire.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
	return nil
}

func (s *memSink) changes(t *testing.T) []wire.FIMChange {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []wire.FIMChange
	for _, e := range s.evs {
		var c wire.FIMChange
		if err := json.Unmarshal(e.Fields, &c); err != nil {
			t.Fatal(err)
		}
		if e.Kind != "fim" {
			t.Fatalf("kind %q", e.Kind)
		}
		out = append(out, c)
	}
	s.evs = nil
	return out
}

func newMonitor(t *testing.T, dir, baseline string, sink *memSink, realtime bool) *Monitor {
	t.Helper()
	m, err := New(Options{Paths: []string{dir}, Exclude: []string{"*.swp"}, BaselineFile: baseline, Sink: sink, AgentID: "a1", Debounce: 50 * time.Millisecond, DisableRealtime: !realtime})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScanCreateModifyDeleteAttributes(t *testing.T) {
	dir := t.TempDir()
	mon := filepath.Join(dir, "etc")
	os.MkdirAll(filepath.Join(mon, "sub"), 0o755)
	write(t, filepath.Join(mon, "passwd"), "root:x:0:0\n")
	write(t, filepath.Join(mon, "sub", "keep"), "same\n")
	sink := &memSink{}
	base := filepath.Join(dir, "baseline.json")
	m := newMonitor(t, mon, base, sink, false)
	ctx := context.Background()
	if err := m.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if c := sink.changes(t); len(c) != 0 {
		t.Fatalf("first scan reported %v", c)
	}

	write(t, filepath.Join(mon, "passwd"), "root:x:0:0\nmallory:x:0:0\n")
	write(t, filepath.Join(mon, "new"), "fresh\n")
	write(t, filepath.Join(mon, "ignored.swp"), "x")
	os.Chmod(filepath.Join(mon, "sub", "keep"), 0o600)
	if err := m.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	got := sink.changes(t)
	if len(got) != 3 {
		t.Fatalf("got %d changes: %+v", len(got), got)
	}
	byPath := map[string]wire.FIMChange{}
	for _, c := range got {
		byPath[filepath.Base(c.Path)] = c
	}
	if c := byPath["passwd"]; c.Action != Modified || c.OldSHA256 == c.NewSHA256 || c.OldSize != 11 || c.NewSize != 25 || c.Mode != "0644" {
		t.Errorf("passwd change = %+v", c)
	}
	if c := byPath["new"]; c.Action != Created || c.NewSHA256 == "" || c.OldSHA256 != "" {
		t.Errorf("new change = %+v", c)
	}
	if c := byPath["keep"]; c.Action != AttributesModified || c.Mode != "0600" || c.OldMode != "0644" {
		t.Errorf("keep change = %+v", c)
	}
	if runtime.GOOS != "windows" {
		if c := byPath["passwd"]; c.Owner == "" || c.Group == "" {
			t.Errorf("owner/group missing: %+v", c)
		}
	}

	os.Remove(filepath.Join(mon, "new"))
	if err := m.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	got = sink.changes(t)
	if len(got) != 1 || got[0].Action != Deleted || got[0].OldSHA256 == "" {
		t.Fatalf("delete = %+v", got)
	}
	// Nothing changed: nothing reported.
	m.Scan(ctx)
	if c := sink.changes(t); len(c) != 0 {
		t.Fatalf("quiet scan reported %v", c)
	}
}

// TestChangeWhileStoppedReportedOnce restarts the monitor on the same
// baseline file after a change.
func TestChangeWhileStoppedReportedOnce(t *testing.T) {
	dir := t.TempDir()
	mon := filepath.Join(dir, "watched")
	os.Mkdir(mon, 0o755)
	write(t, filepath.Join(mon, "conf"), "a=1\n")
	base := filepath.Join(dir, "baseline.json")
	sink := &memSink{}
	ctx := context.Background()
	if err := newMonitor(t, mon, base, sink, false).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mon, "conf"), "a=2\n")
	for i, want := range []int{1, 0} {
		if err := newMonitor(t, mon, base, sink, false).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sink.changes(t); len(got) != want {
			t.Fatalf("start %d: %d changes, want %d: %+v", i, len(got), want, got)
		}
	}
}

func TestRealtime(t *testing.T) {
	dir := t.TempDir()
	mon := filepath.Join(dir, "watched")
	os.Mkdir(mon, 0o755)
	write(t, filepath.Join(mon, "a"), "1")
	sink := &memSink{}
	m := newMonitor(t, mon, "", sink, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.baseline != nil })

	write(t, filepath.Join(mon, "a"), "2")
	wantActions(t, sink, map[string]string{"a": Modified})
	os.Mkdir(filepath.Join(mon, "d"), 0o755)
	write(t, filepath.Join(mon, "d", "b"), "x")
	wantActions(t, sink, map[string]string{"b": Created})
	// Files in the new directory are watched too.
	write(t, filepath.Join(mon, "d", "b"), "xy")
	wantActions(t, sink, map[string]string{"b": Modified})
	os.RemoveAll(filepath.Join(mon, "d"))
	wantActions(t, sink, map[string]string{"b": Deleted})
	os.Rename(filepath.Join(mon, "a"), filepath.Join(mon, "c"))
	wantActions(t, sink, map[string]string{"a": Deleted, "c": Created})
	cancel()
	<-done
}

func wantActions(t *testing.T, sink *memSink, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(got) < len(want) {
		for _, c := range sink.changes(t) {
			got[filepath.Base(c.Path)] = c.Action
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	for _, c := range sink.changes(t) {
		got[filepath.Base(c.Path)] = c.Action
	}
	if len(got) != len(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("changes = %v, want %v", got, want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 2s")
}

func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		os.WriteFile(filepath.Join(dir, "f"+string(rune('a'+i%26))+string(rune('a'+i/26))), make([]byte, 4096), 0o644)
	}
	m, _ := New(Options{Paths: []string{dir}, Sink: &memSink{}, DisableRealtime: true})
	ctx := context.Background()
	for b.Loop() {
		if err := m.Scan(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
