package eventgen

import (
	"bytes"
	"testing"
)

func TestDeterministic(t *testing.T) {
	a, b := New(Options{Count: 1000}), New(Options{Count: 1000})
	for i := 0; i < 1000; i++ {
		x, y := a.Next(), b.Next()
		if x.ID != y.ID || x.Raw != y.Raw || !x.Timestamp.Equal(y.Timestamp) {
			t.Fatalf("event %d differs:\n%s\n%s", i, x.Raw, y.Raw)
		}
	}
}

func TestMix(t *testing.T) {
	const n = 200_000
	g := New(Options{Count: n, RareEvery: 40_000})
	ids := map[string]bool{}
	var raw, rare int
	datasets := map[string]int{}
	for i := 0; i < n; i++ {
		ev := g.Next()
		if ids[ev.ID] {
			t.Fatalf("duplicate ID at %d: %s", i, ev.Raw)
		}
		ids[ev.ID] = true
		raw += len(ev.Raw)
		if bytes.Contains([]byte(ev.Raw), []byte(g.RareToken())) {
			rare++
		}
		datasets[ev.Fields.Str("event.dataset")]++
		if ev.Fields.Str("message") == "" || ev.Input == "" {
			t.Fatalf("event %d lacks message or input: %+v", i, ev)
		}
	}
	if rare != g.RareCount(n) {
		t.Errorf("rare token in %d events, want %d", rare, g.RareCount(n))
	}
	avg := raw / n
	t.Logf("average raw %d bytes; datasets %v", avg, datasets)
	if avg < 250 || avg > 550 {
		t.Errorf("average raw size %d, want about 400", avg)
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(Options{})
	for b.Loop() {
		g.Next()
	}
}

func TestNDJSON(t *testing.T) {
	g := New(Options{})
	var buf bytes.Buffer
	for i := 0; i < 10; i++ {
		if err := NDJSON(&buf, g.Next()); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 10 || !bytes.Contains(buf.Bytes(), []byte(`"@timestamp"`)) {
		t.Fatalf("bad NDJSON: %s", buf.String())
	}
}
