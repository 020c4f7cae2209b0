package samplegen

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/eventsec/eventsec/internal/sandbox/office"
)

// Module is one VBA module.
type Module struct {
	Name   string
	Source string
}

// cacheSize is the size of the (empty) performance cache written before each
// module's compressed source, so MODULEOFFSET is exercised with a non-zero
// value as in files Office writes.
const cacheSize = 32

// VBAProject builds a vbaProject.bin: a compound file with PROJECT,
// VBA/_VBA_PROJECT, the MS-OVBA dir stream and one compressed stream per
// module.
func VBAProject(modules []Module) []byte {
	var dir bytes.Buffer
	rec := func(id uint16, data []byte) {
		_ = binary.Write(&dir, binary.LittleEndian, id)
		_ = binary.Write(&dir, binary.LittleEndian, uint32(len(data)))
		dir.Write(data)
	}
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	u16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	rec(0x0001, u32(1))      // PROJECTSYSKIND win32
	rec(0x0002, u32(0x0409)) // PROJECTLCID
	rec(0x0014, u32(0x0409)) // PROJECTLCIDINVOKE
	rec(0x0003, u16(1252))   // PROJECTCODEPAGE
	rec(0x0004, []byte("VBAProject"))
	rec(0x0005, nil) // PROJECTDOCSTRING
	rec(0x0040, nil)
	rec(0x0006, nil) // PROJECTHELPFILEPATH
	rec(0x003d, nil)
	rec(0x0007, u32(0)) // PROJECTHELPCONTEXT
	rec(0x0008, u32(0)) // PROJECTLIBFLAGS
	// PROJECTVERSION: Reserved (=4) then major (4) and minor (2).
	_ = binary.Write(&dir, binary.LittleEndian, uint16(0x0009))
	dir.Write(u32(4))
	dir.Write(u32(1))
	dir.Write(u16(1))
	rec(0x000c, nil) // PROJECTCONSTANTS
	rec(0x003c, nil)
	rec(0x000f, u16(uint16(len(modules)))) // PROJECTMODULES
	rec(0x0013, u16(0xffff))               // PROJECTCOOKIE
	streams := []Stream{}
	var project strings.Builder
	project.WriteString("ID=\"{00000000-0000-0000-0000-000000000000}\"\r\n")
	for _, m := range modules {
		rec(0x0019, []byte(m.Name))
		rec(0x0047, utf16Bytes(m.Name))
		rec(0x001a, []byte(m.Name))
		rec(0x0032, utf16Bytes(m.Name))
		rec(0x001c, nil)
		rec(0x0048, nil)
		rec(0x0031, u32(cacheSize))
		rec(0x001e, u32(0))
		rec(0x002c, u16(0xffff))
		rec(0x0021, nil) // procedural module
		rec(0x002b, nil) // terminator
		data := append(make([]byte, cacheSize), office.Compress([]byte(m.Source))...)
		streams = append(streams, Stream{Path: "VBA/" + m.Name, Data: data})
		fmt.Fprintf(&project, "Module=%s\r\n", m.Name)
	}
	rec(0x0010, nil)
	project.WriteString("Name=\"VBAProject\"\r\n")
	streams = append(streams,
		Stream{Path: "VBA/dir", Data: office.Compress(dir.Bytes())},
		Stream{Path: "VBA/_VBA_PROJECT", Data: []byte{0xcc, 0x61, 0xff, 0xff, 0x00, 0x00, 0x00}},
		Stream{Path: "PROJECT", Data: []byte(project.String())},
	)
	return CFB(streams)
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// ZipFile is one member of a ZIP built by Zip.
type ZipFile struct {
	Name string
	Data []byte
	// Store disables compression.
	Store bool
}

// Zip writes a ZIP archive.
func Zip(files []ZipFile) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		m := zip.Deflate
		if f.Store {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: m})
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(f.Data)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// DocxOptions describe a Word OOXML document.
type DocxOptions struct {
	// Body is the text of the only paragraph.
	Body string
	// VBA, when set, is stored as word/vbaProject.bin (a .docm).
	VBA []byte
	// RemoteTemplate is an external attachedTemplate target (template injection).
	RemoteTemplate string
	// DDE is a field instruction such as `DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe"`.
	DDE string
	// Embedded are extra parts under word/embeddings/.
	Embedded map[string][]byte
}

// Docx builds a Word document package.
func Docx(o DocxOptions) []byte {
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>
`
	main := "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	if o.VBA != nil {
		main = "application/vnd.ms-word.document.macroEnabled.main+xml"
	}
	ct += `<Override PartName="/word/document.xml" ContentType="` + main + `"/>
<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>
</Types>`
	rootRels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
	docRels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>`
	if o.VBA != nil {
		docRels += `<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>`
	}
	docRels += `</Relationships>`
	settingsRels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	if o.RemoteTemplate != "" {
		settingsRels += `<Relationship Id="rId1337" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="` + xmlEscape(o.RemoteTemplate) + `" TargetMode="External"/>`
	}
	settingsRels += `</Relationships>`
	body := `<w:p><w:r><w:t>` + xmlEscape(o.Body) + `</w:t></w:r></w:p>`
	if o.DDE != "" {
		// Word splits field instructions over several runs; so do we.
		half := len(o.DDE) / 2
		body += `<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">` + xmlEscape(o.DDE[:half]) +
			`</w:instrText></w:r><w:r><w:instrText xml:space="preserve">` + xmlEscape(o.DDE[half:]) + `</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`
	settings := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`
	if o.RemoteTemplate != "" {
		settings += `<w:attachedTemplate r:id="rId1337"/>`
	}
	settings += `</w:settings>`
	files := []ZipFile{
		{Name: "[Content_Types].xml", Data: []byte(ct)},
		{Name: "_rels/.rels", Data: []byte(rootRels)},
		{Name: "word/document.xml", Data: []byte(doc)},
		{Name: "word/_rels/document.xml.rels", Data: []byte(docRels)},
		{Name: "word/settings.xml", Data: []byte(settings)},
		{Name: "word/_rels/settings.xml.rels", Data: []byte(settingsRels)},
	}
	if o.VBA != nil {
		files = append(files, ZipFile{Name: "word/vbaProject.bin", Data: o.VBA})
	}
	names := make([]string, 0, len(o.Embedded))
	for n := range o.Embedded {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, ZipFile{Name: "word/embeddings/" + n, Data: o.Embedded[n]})
	}
	return Zip(files)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
