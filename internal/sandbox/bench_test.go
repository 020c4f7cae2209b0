package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

// BigPE returns a ~10 MB PE: code, imports and a large data section of
// mixed text and binary.
func bigPE() []byte {
	var data bytes.Buffer
	for i := 0; data.Len() < 10<<20; i++ {
		fmt.Fprintf(&data, "config entry %d https://host%d.example.com/path\x00", i, i%97)
		data.Write(pseudoRandom(200, uint32(i+1)))
	}
	return samplegen.PE(samplegen.PEOptions{
		Imports:  []samplegen.Import{{DLL: "KERNEL32.dll", Funcs: []string{"CreateFileW", "ReadFile", "WriteFile", "VirtualAlloc"}}},
		Sections: []samplegen.Section{{Name: ".data", Data: data.Bytes(), Characteristics: 0xC0000040}},
	})
}

func thousandFileZip() []byte {
	var files []samplegen.ZipFile
	for i := 0; i < 1000; i++ {
		files = append(files, samplegen.ZipFile{Name: fmt.Sprintf("dir%02d/file%04d.txt", i%20, i), Data: []byte(fmt.Sprintf("document %d\nsee https://docs%d.example.org/page and contact ops%d@example.com\n%s", i, i, i, bytes.Repeat([]byte("lorem ipsum "), 100)))})
	}
	return samplegen.Zip(files)
}

func BenchmarkAnalyze(b *testing.B) {
	a, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"pe-10MB", bigPE()}, {"zip-1000-files", thousandFileZip()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				if _, err := a.AnalyzeFile(context.Background(), tc.name, bytes.NewReader(tc.data), int64(len(tc.data)), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzAnalyzeFile(f *testing.F) {
	f.Add("a.exe", samplegen.PE(samplegen.PEOptions{Imports: []samplegen.Import{{DLL: "k.dll", Funcs: []string{"VirtualAllocEx"}}}}))
	f.Add("a.docm", samplegen.Docx(samplegen.DocxOptions{Body: "x", VBA: samplegen.VBAProject([]samplegen.Module{{Name: "M", Source: "Sub AutoOpen()\r\nShell \"calc\"\r\nEnd Sub"}})}))
	f.Add("a.pdf", samplegen.PDF(samplegen.PDFOptions{OpenActionJS: "app.alert(1)", URI: "http://x.example/"}))
	f.Add("a.zip", samplegen.Zip([]samplegen.ZipFile{{Name: "../x.js", Data: []byte("eval('1')")}}))
	f.Add("a.ps1", []byte("powershell -enc SQBFAFgA"))
	a, err := sandbox.New(sandbox.Options{MaxUnpackedBytes: 4 << 20, MaxSampleSize: 4 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rep, err := a.AnalyzeFile(context.Background(), name, bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			return
		}
		for _, e := range rep.Errors {
			if bytes.Contains([]byte(e), []byte("internal error")) {
				t.Fatalf("analyser panicked on %q", name)
			}
		}
		if rep.Score < 0 || rep.Score > 100 {
			t.Fatalf("score %d", rep.Score)
		}
	})
}
