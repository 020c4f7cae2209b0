package sandbox_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"io"
	"sort"
	"testing"
	"unicode/utf16"
)

func writeTarGz(t testing.TB, w io.Writer, files map[string][]byte) {
	t.Helper()
	gz := gzip.NewWriter(w)
	gz.Name = "docs.tar"
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

// setZipEncrypted sets the "encrypted" general-purpose flag on every local
// and central directory header, as a password-protected ZIP has.
func setZipEncrypted(z []byte) {
	for i := 0; i+10 < len(z); i++ {
		switch {
		case bytes.HasPrefix(z[i:], []byte("PK\x03\x04")):
			binary.LittleEndian.PutUint16(z[i+6:], binary.LittleEndian.Uint16(z[i+6:])|1)
		case bytes.HasPrefix(z[i:], []byte("PK\x01\x02")):
			binary.LittleEndian.PutUint16(z[i+8:], binary.LittleEndian.Uint16(z[i+8:])|1)
		}
	}
}

// pseudoRandom returns n incompressible bytes from an xorshift generator.
func pseudoRandom(n int, seed uint32) []byte {
	out := make([]byte, n)
	x := seed | 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

func utf16Base64(s string) string {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// hexText returns n bytes of hex digits: text that deflate compresses about 2:1.
func hexText(n int, seed uint32) []byte {
	raw := pseudoRandom(n/2, seed)
	out := make([]byte, 0, n)
	const digits = "0123456789abcdef"
	for _, b := range raw {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return out
}
