package logtail

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// memSink keeps what it receives, in order.
type memSink struct {
	mu     sync.Mutex
	events []wire.Event
}

func (m *memSink) Submit(_ context.Context, evs []wire.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, evs...)
	return nil
}

func (m *memSink) lines() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.events))
	for i, e := range m.events {
		out[i] = e.Raw
	}
	return out
}

func (m *memSink) take() []string {
	l := m.lines()
	m.mu.Lock()
	m.events = nil
	m.mu.Unlock()
	return l
}

type env struct {
	t     *testing.T
	dir   string
	log   string
	state string
	sink  *memSink
	tail  *Tailer
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	e := &env{t: t, dir: dir, log: filepath.Join(dir, "app.log"), state: filepath.Join(dir, "offsets.json"), sink: &memSink{}}
	e.restart()
	return e
}

// restart builds a fresh Tailer on the same state file, as an agent
// restart does.
func (e *env) restart() {
	tl, err := New(Options{Files: []wire.LogFile{{Path: filepath.Join(e.dir, "*.log"), Format: "lines"}}, StateFile: e.state, Sink: e.sink, AgentID: "a1", MaxLine: 32, BatchLines: 3})
	if err != nil {
		e.t.Fatal(err)
	}
	e.tail = tl
}

func (e *env) poll() []string {
	e.t.Helper()
	if err := e.tail.Poll(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return e.sink.take()
}

func (e *env) write(path, s string) {
	e.t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		e.t.Fatal(err)
	}
	f.Close()
}

func want(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("lines = %q, want %q", got, want)
	}
}

func TestStartsAtEndOfExistingFiles(t *testing.T) {
	e := newEnv(t)
	e.write(e.log, "old 1\nold 2\n")
	e.restart()
	want(t, e.poll())
	e.write(e.log, "new 1\n")
	want(t, e.poll(), "new 1")
}

func TestNewFileReadFromStart(t *testing.T) {
	e := newEnv(t)
	want(t, e.poll())
	e.write(e.log, "a\nb\nc\nd\n")
	want(t, e.poll(), "a", "b", "c", "d")
	// Batches of 3: ids carry the offsets, which are stable.
}

func TestRestartNeitherLosesNorRepeats(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "1\n2\n")
	want(t, e.poll(), "1", "2")
	e.write(e.log, "3\n")
	e.restart()
	e.write(e.log, "4\n")
	want(t, e.poll(), "3", "4")
	want(t, e.poll())
}

func TestPartialLineWaitsForNewline(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "abc")
	want(t, e.poll())
	e.write(e.log, "def\r\nxyz\n")
	want(t, e.poll(), "abcdef", "xyz")
}

func TestLongLineIsCut(t *testing.T) {
	e := newEnv(t)
	e.poll()
	long := strings.Repeat("x", 40)
	e.write(e.log, long+"\nshort\n")
	want(t, e.poll(), strings.Repeat("x", 32), "short")
	// A long line arriving in pieces is cut once, its tail dropped.
	e.write(e.log, strings.Repeat("y", 33))
	want(t, e.poll(), strings.Repeat("y", 32))
	e.restart()
	e.write(e.log, "yyyy\nnext\n")
	want(t, e.poll(), "next")
}

func TestRotationByRename(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "before\n")
	want(t, e.poll(), "before")
	e.write(e.log, "late line of old file\nunterminated")
	if err := os.Rename(e.log, e.log+".1"); err != nil {
		t.Fatal(err)
	}
	e.write(e.log, "first of new file\n")
	want(t, e.poll(), "late line of old file", "unterminated", "first of new file")
	e.write(e.log, "next\n")
	want(t, e.poll(), "next")
}

func TestRotationWhileStopped(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "seen\n")
	want(t, e.poll(), "seen")
	// The agent stops; the file gets a line, is rotated, and a new one starts.
	e.write(e.log, "written while down\n")
	os.Rename(e.log, e.log+"-20240301")
	e.write(e.log, "new file\n")
	e.restart()
	want(t, e.poll(), "written while down", "new file")
}

func TestTruncation(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "one long line before truncation\nsecond\n")
	want(t, e.poll(), "one long line before truncation", "second")
	if err := os.Truncate(e.log, 0); err != nil {
		t.Fatal(err)
	}
	e.write(e.log, "after\n")
	want(t, e.poll(), "after")
}

func TestInodeReuseDetectedAtStart(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "aaaaaaaaaa\n")
	want(t, e.poll(), "aaaaaaaaaa")
	// Same inode, rewritten in place with different content that is longer
	// than the saved offset (a copytruncate that raced the agent's stop).
	if err := os.WriteFile(e.log, []byte("bbbbbbbbbbbbbbb\nccc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.restart()
	want(t, e.poll(), "bbbbbbbbbbbbbbb", "ccc")
}

func TestEventShape(t *testing.T) {
	e := newEnv(t)
	e.poll()
	e.write(e.log, "hello\n")
	if err := e.tail.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	ev := e.sink.events[0]
	var f struct {
		File struct{ Path string }
		Log  struct {
			Offset int64
			Format string
		}
	}
	if err := json.Unmarshal(ev.Fields, &f); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "log" || f.File.Path != e.log || f.Log.Offset != 0 || f.Log.Format != "lines" || !strings.HasPrefix(ev.ID, "a1:log:") {
		t.Fatalf("event = %+v fields %+v", ev, f)
	}
}

func TestJournalParse(t *testing.T) {
	f, err := os.Open("testdata/journal.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var evs []wire.Event
	var cursors []string
	for sc.Scan() {
		ev, c, err := ParseJournalEntry(sc.Bytes(), "a1")
		if err != nil {
			continue
		}
		evs = append(evs, ev)
		cursors = append(cursors, c)
	}
	if len(evs) != 2 {
		t.Fatalf("parsed %d entries, want 2", len(evs))
	}
	if evs[0].Raw != "Accepted publickey for alice from 203.0.113.7 port 52211 ssh2: ED25519 SHA256:kQ3s" || evs[0].Time.UnixMicro() != 1700000000123456 {
		t.Errorf("entry 0 = %+v", evs[0])
	}
	if evs[1].Raw != "" || !strings.Contains(string(evs[1].Fields), "[104,101,108,108,111,255]") {
		t.Errorf("binary message not passed through: %s", evs[1].Fields)
	}
	if evs[0].ID == evs[1].ID || !strings.HasPrefix(cursors[1], "s=0c6f") {
		t.Errorf("ids %q %q cursors %q", evs[0].ID, evs[1].ID, cursors)
	}
}

func FuzzParseJournalEntry(f *testing.F) {
	data, _ := os.ReadFile("testdata/journal.jsonl")
	for _, l := range strings.Split(string(data), "\n") {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, c, err := ParseJournalEntry(b, "a")
		if err == nil && (c == "" || ev.Kind != "journal" || !json.Valid(ev.Fields)) {
			t.Fatalf("accepted bad entry: %+v %q", ev, c)
		}
	})
}

func BenchmarkTail(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.log")
	line := strings.Repeat("x", 120) + "\n"
	chunk := strings.Repeat(line, 1000)
	sink := &memSink{}
	tl, _ := New(Options{Files: []wire.LogFile{{Path: path}}, Sink: sink, AgentID: "a"})
	tl.Poll(context.Background())
	b.SetBytes(int64(len(chunk)))
	for i := 0; b.Loop(); i++ {
		f, _ := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		f.WriteString(chunk)
		f.Close()
		if err := tl.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
		sink.take()
	}
	_ = fmt.Sprint()
}
