package samplegen

import (
	"bytes"
	"compress/zlib"
	"fmt"
)

// PDFOptions describe a one-page PDF.
type PDFOptions struct {
	// OpenActionJS runs on open, stored in a FlateDecode stream.
	OpenActionJS string
	// URI adds a link annotation.
	URI string
	// Text is drawn on the page.
	Text string
}

// PDF writes a valid PDF 1.7 file with a correct cross-reference table.
func PDF(o PDFOptions) []byte {
	var objs []string
	catalog := "<< /Type /Catalog /Pages 2 0 R"
	if o.OpenActionJS != "" {
		catalog += " /OpenAction 5 0 R"
	}
	catalog += " >>"
	content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", o.Text)
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
	if o.URI != "" {
		page += " /Annots [7 0 R]"
	}
	page += " >>"
	objs = append(objs, catalog, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	if o.OpenActionJS != "" {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		_, _ = zw.Write([]byte(o.OpenActionJS))
		_ = zw.Close()
		objs = append(objs, "<< /Type /Action /S /JavaScript /JS 6 0 R >>",
			fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.String()))
	} else {
		objs = append(objs, "<< >>", "<< >>")
	}
	if o.URI != "" {
		objs = append(objs, fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A << /S /URI /URI (%s) >> >>", o.URI))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
