package lab_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/lab"
)

// FuzzReadEncryptedZip: the archive reader never panics on any input and
// reads back what the writer wrote.
func FuzzReadEncryptedZip(f *testing.F) {
	for _, seed := range [][]byte{[]byte("MZ\x90\x00"), []byte(dropper), {}} {
		var buf bytes.Buffer
		if len(seed) > 0 {
			if err := lab.WriteEncryptedZip(&buf, "s.bin", seed, lab.ZipPassword, time.Unix(0, 0)); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(buf.Bytes(), seed)
	}
	f.Fuzz(func(t *testing.T, archive, content []byte) {
		_, _, _ = lab.ReadEncryptedZip(bytes.NewReader(archive), int64(len(archive)), lab.ZipPassword)
		var buf bytes.Buffer
		if err := lab.WriteEncryptedZip(&buf, "x", content, lab.ZipPassword, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		_, got, err := lab.ReadEncryptedZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), lab.ZipPassword)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// BenchmarkWriteEncryptedZip: deflate plus ZipCrypto of a 4 MiB sample.
func BenchmarkWriteEncryptedZip(b *testing.B) {
	data := bytes.Repeat([]byte(dropper), (4<<20)/len(dropper))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := lab.WriteEncryptedZip(&bytes.Buffer{}, "s.bin", data, lab.ZipPassword, time.Unix(0, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
