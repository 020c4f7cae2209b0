package pdf_test

import (
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/pdf"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

func TestObfuscatedNames(t *testing.T) {
	doc := []byte("%PDF-1.5\n1 0 obj << /Type /Catalog /Open#41ction 2 0 R >> endobj\n2 0 obj << /S /J#61vaScript /JS (app.alert\\(1\\); eval\\(x\\)) >> endobj\n3 0 obj << /Type /Action /S /Launch /F (cmd.exe) >> endobj\n")
	info, err := pdf.Analyze(doc)
	if err != nil {
		t.Fatal(err)
	}
	if info.Keywords["/OpenAction"] != 1 || info.Keywords["/JavaScript"] != 1 || info.Keywords["/Launch"] != 1 || info.Objects != 3 {
		t.Errorf("keywords %v objects %d", info.Keywords, info.Objects)
	}
	if len(info.JavaScript) != 1 || info.JavaScript[0] != "app.alert(1); eval(x)" {
		t.Errorf("js %q", info.JavaScript)
	}
	if info.Version != "1.5" {
		t.Errorf("version %q", info.Version)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(samplegen.PDF(samplegen.PDFOptions{OpenActionJS: "app.alert(1)", URI: "http://x.example/", Text: "t"}))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Filter /FlateDecode >>\nstream\nx\x9c\x03\x00\x00\x00\x00\x01\nendstream"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = pdf.Analyze(b)
	})
}
