package spool

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

func events(n int, tag string) []wire.Event {
	out := make([]wire.Event, n)
	for i := range out {
		out[i] = wire.Event{ID: fmt.Sprintf("%s-%d", tag, i), Kind: "log", Raw: strings.Repeat("x", 100) + tag}
	}
	return out
}

func open(t *testing.T, dir string, max int64) *Spool {
	t.Helper()
	s, err := Open(Options{Dir: dir, MaxBytes: max, SegmentBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func next(t *testing.T, s *Spool) *Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReplayInOrderAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 1<<20)
	for i := range 100 {
		if _, err := s.Append(events(3, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	var firstIDs []string
	for i := range 40 {
		r := next(t, s)
		if r.Seq != uint64(i) || r.Events != 3 {
			t.Fatalf("record %d: seq %d events %d", i, r.Seq, r.Events)
		}
		firstIDs = append(firstIDs, r.BatchID)
		if err := s.Ack(r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	// Record 40 is read but not acknowledged (the send timed out).
	unacked := next(t, s)
	s.Close()

	s = open(t, dir, 1<<20)
	defer s.Close()
	r := next(t, s)
	if r.Seq != 40 || r.BatchID != unacked.BatchID || string(r.Data) != string(unacked.Data) {
		t.Fatalf("after restart got seq %d id %s, want the unacknowledged %d %s", r.Seq, r.BatchID, unacked.Seq, unacked.BatchID)
	}
	var b wire.EventBatch
	if err := json.Unmarshal(r.Data, &b); err != nil || b.BatchID != r.BatchID || b.Events[0].ID != "40-0" {
		t.Fatalf("payload %+v %v", b, err)
	}
	for i := 40; i < 100; i++ {
		r := next(t, s)
		if r.Seq != uint64(i) {
			t.Fatalf("seq %d, want %d", r.Seq, i)
		}
		s.Ack(r.Seq)
	}
	// New appends continue the numbering; the epoch keeps ids unique.
	seq, _ := s.Append(events(1, "new"))
	if seq != 100 || !strings.HasPrefix(next(t, s).BatchID, s.Epoch()+"-") {
		t.Fatalf("seq after replay = %d", seq)
	}
	if st := s.Stats(); st.Pending != 1 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Fully sent segments are deleted.
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) > 2 {
		t.Errorf("%d segments left after acknowledging", len(segs))
	}
	if firstIDs[0] == firstIDs[1] {
		t.Error("batch ids repeat")
	}
}

func TestBoundDropsOldestAndCounts(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 16<<10)
	defer s.Close()
	for i := range 200 {
		if _, err := s.Append(events(2, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Bytes > 16<<10 {
		t.Fatalf("spool %d bytes over its 16 KiB bound", st.Bytes)
	}
	if st.Dropped == 0 || st.Dropped%2 != 0 {
		t.Fatalf("dropped = %d", st.Dropped)
	}
	// What is left is the newest, still in order, ending with the last.
	kept := int(st.Pending)
	if int64(kept*2)+st.Dropped != 400 {
		t.Fatalf("kept %d batches + dropped %d events != 400 events", kept, st.Dropped)
	}
	prev := uint64(0)
	for i := range kept {
		r := next(t, s)
		if i > 0 && r.Seq != prev+1 {
			t.Fatalf("gap: %d after %d", r.Seq, prev)
		}
		prev = r.Seq
		s.Ack(r.Seq)
	}
	if prev != 199 {
		t.Fatalf("last seq %d, want 199", prev)
	}
}

func TestTornTailRecovered(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 1<<20)
	s.Append(events(1, "a"))
	s.Append(events(1, "b"))
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{200, 0, 0, 0, 1, 2}) // half a header: a crash mid-write
	f.Close()
	s = open(t, dir, 1<<20)
	defer s.Close()
	if st := s.Stats(); st.Pending != 2 {
		t.Fatalf("pending %d, want 2", st.Pending)
	}
	if seq, err := s.Append(events(1, "c")); err != nil || seq != 2 {
		t.Fatalf("append after repair: %d %v", seq, err)
	}
	for i := range 3 {
		r := next(t, s)
		if r.Seq != uint64(i) {
			t.Fatalf("seq %d", r.Seq)
		}
		s.Ack(r.Seq)
	}
}

func TestNextWaitsForAppend(t *testing.T) {
	s := open(t, t.TempDir(), 1<<20)
	defer s.Close()
	go func() {
		time.Sleep(50 * time.Millisecond)
		s.Append(events(1, "late"))
	}()
	r := next(t, s)
	if r.Seq != 0 {
		t.Fatal(r.Seq)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.Ack(0)
	if _, err := s.Next(ctx); err == nil {
		t.Fatal("Next returned without a record")
	}
}

func BenchmarkAppendNextAck(b *testing.B) {
	s, _ := Open(Options{Dir: b.TempDir()})
	defer s.Close()
	evs := events(100, "b")
	ctx := context.Background()
	for b.Loop() {
		s.Append(evs)
		r, err := s.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		s.Ack(r.Seq)
	}
}

func FuzzReadRecord(f *testing.F) {
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, n, err := readRecord(strings.NewReader(string(b)))
		if err == nil && (int(n) != len(p)+headerSize || n > int64(len(b))) {
			t.Fatalf("size %d for %d payload bytes of %d input", n, len(p), len(b))
		}
	})
}
