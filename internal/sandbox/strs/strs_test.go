package strs_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

func TestExtract(t *testing.T) {
	data := []byte("\x00\x01hello world\x00abc\x00h\x00i\x00d\x00d\x00e\x00n\x00\x00\x00tail!")
	got, trunc := strs.Extract(data, strs.Options{})
	want := []strs.String{{"hello world", 2, strs.ASCII}, {"tail!", 32, strs.ASCII}, {"chidden", 16, strs.UTF16LE}}
	if trunc || len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %+v want %+v", i, got[i], want[i])
		}
	}
	many := bytes.Repeat([]byte("abcdefg\x00"), 1000)
	if got, trunc := strs.Extract(many, strs.Options{MaxCount: 10}); len(got) != 10 || !trunc {
		t.Errorf("cap: %d %v", len(got), trunc)
	}
}

func TestEntropy(t *testing.T) {
	if e := strs.Entropy(bytes.Repeat([]byte{7}, 100)); e != 0 {
		t.Errorf("constant: %v", e)
	}
	all := make([]byte, 256*4)
	for i := range all {
		all[i] = byte(i)
	}
	if e := strs.Entropy(all); math.Abs(e-8) > 1e-9 {
		t.Errorf("uniform: %v", e)
	}
	if c := strs.ChunkEntropy(all, 4, 1); len(c) != 4 || c[3].Offset != 768 {
		t.Errorf("chunks %+v", c)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("abcde\x00f\x00g\x00h\x00i\x00j\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := strs.Extract(b, strs.Options{MaxCount: 100})
		if len(out) > 100 {
			t.Fatal("cap")
		}
		if e := strs.Entropy(b); e < 0 || e > 8 {
			t.Fatalf("entropy %v", e)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	data := bytes.Repeat([]byte("some printable text\x00\x01\x02w\x00i\x00d\x00e\x00s\x00"), 1<<16)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		strs.Extract(data, strs.Options{})
	}
}
