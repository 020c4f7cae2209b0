package office_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/office"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

func TestCompressRoundTrip(t *testing.T) {
	cases := map[string][]byte{
		"empty":      {},
		"short":      []byte("abc"),
		"repeats":    []byte("#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"),
		"long":       bytes.Repeat([]byte("Attribute VB_Name = \"Module1\"\r\n"), 500),
		"chunk edge": bytes.Repeat([]byte{'x'}, 4096),
		"random":     randomBytes(9000),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			c := office.Compress(in)
			out, err := office.Decompress(c, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("round trip: got %d bytes, want %d", len(out), len(in))
			}
		})
	}
}

// TestDecompressSpecExample uses the "no compression" shape of MS-OVBA
// 3.2.1 and a hand-made copy-token case: "aaaaaaaaa" is a literal 'a' and a
// copy token (offset 1, length 8).
func TestDecompressCopyToken(t *testing.T) {
	in := []byte{0x01, 0x03, 0xb0, 0x02, 'a', 0x05, 0x00}
	out, err := office.Decompress(in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "aaaaaaaaa" {
		t.Fatalf("got %q", out)
	}
	if _, err := office.Decompress([]byte{0x02}, 0); err == nil {
		t.Error("bad signature accepted")
	}
	if out, _ := office.Decompress(office.Compress(bytes.Repeat([]byte("abc"), 10000)), 100); len(out) != 100 {
		t.Errorf("limit: %d", len(out))
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestAnalyzeOLEVBA(t *testing.T) {
	proj := samplegen.VBAProject([]samplegen.Module{{Name: "Module1", Source: "Sub Workbook_Open()\r\nSet x = CreateObject(\"MSXML2.XMLHTTP\")\r\nEnd Sub\r\n"}})
	info, err := office.AnalyzeOLE(proj)
	if err != nil {
		t.Fatal(err)
	}
	if !info.HasVBA || len(info.Macros) != 1 || !strings.Contains(info.Macros[0].Source, "Workbook_Open") {
		t.Fatalf("%+v", info)
	}
	if len(info.AutoExec) != 1 || info.AutoExec[0] != "Workbook_Open" {
		t.Errorf("autoexec %v", info.AutoExec)
	}
	if _, err := office.AnalyzeOLE([]byte("not ole")); err == nil {
		t.Error("non-OLE accepted")
	}
}

func FuzzDecompress(f *testing.F) {
	f.Add(office.Compress([]byte("Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nEnd Sub\r\n")))
	f.Add([]byte{0x01, 0x03, 0xb0, 0x02, 'a', 0x05, 0x00})
	f.Add([]byte{0x01, 0xff, 0xbf})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := office.Decompress(b, 1<<20)
		if len(out) > 1<<20 {
			t.Fatalf("limit exceeded: %d", len(out))
		}
	})
}

func FuzzAnalyzeOLE(f *testing.F) {
	f.Add(samplegen.VBAProject([]samplegen.Module{{Name: "M", Source: "Sub AutoOpen()\r\nEnd Sub"}}))
	f.Add(samplegen.CFB([]samplegen.Stream{{Path: "WordDocument", Data: make([]byte, 5000)}, {Path: "\x01Ole10Native", Data: []byte("\x10\x00\x00\x00\x02\x00a\x00b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00xyz")}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = office.AnalyzeOLE(b)
	})
}

func FuzzAnalyzeOOXML(f *testing.F) {
	f.Add(samplegen.Docx(samplegen.DocxOptions{Body: "x", RemoteTemplate: "http://a.example/t.dotm", DDE: "DDEAUTO cmd"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = office.AnalyzeOOXML(b)
	})
}
