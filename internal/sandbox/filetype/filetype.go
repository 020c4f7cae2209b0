// Package filetype identifies a sample's true type from its content (magic
// numbers, container structure, script syntax) rather than its name, and
// says which file-name extensions that type is expected to carry.
package filetype

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// ID is the stable identifier of a detected type.
type ID string

// Types Detect can return.
const (
	Unknown    ID = "unknown"
	Empty      ID = "empty"
	PE         ID = "pe"
	ELF        ID = "elf"
	MachO      ID = "macho"
	MachOFat   ID = "macho-fat"
	JavaClass  ID = "java-class"
	Dex        ID = "dex"
	Wasm       ID = "wasm"
	Zip        ID = "zip"
	Jar        ID = "jar"
	Apk        ID = "apk"
	Docx       ID = "docx"
	Docm       ID = "docm"
	Xlsx       ID = "xlsx"
	Xlsm       ID = "xlsm"
	Pptx       ID = "pptx"
	Pptm       ID = "pptm"
	OOXML      ID = "ooxml"
	OLE        ID = "ole"
	PDF        ID = "pdf"
	RTF        ID = "rtf"
	RAR        ID = "rar"
	SevenZip   ID = "7z"
	Gzip       ID = "gzip"
	Bzip2      ID = "bzip2"
	XZ         ID = "xz"
	Zstd       ID = "zstd"
	Tar        ID = "tar"
	Cab        ID = "cab"
	ISO        ID = "iso"
	LNK        ID = "lnk"
	SQLite     ID = "sqlite"
	PNG        ID = "png"
	JPEG       ID = "jpeg"
	GIF        ID = "gif"
	BMP        ID = "bmp"
	ICO        ID = "ico"
	WebP       ID = "webp"
	PowerShell ID = "powershell"
	JavaScript ID = "javascript"
	VBScript   ID = "vbscript"
	Shell      ID = "shell"
	Batch      ID = "batch"
	Python     ID = "python"
	Perl       ID = "perl"
	HTA        ID = "hta"
	HTML       ID = "html"
	XML        ID = "xml"
	JSON       ID = "json"
	Text       ID = "text"
	Binary     ID = "binary"
)

// Type describes a detected type.
type Type struct {
	ID          ID     `json:"id"`
	MIME        string `json:"mime"`
	Description string `json:"description"`
	// Extensions are the file-name extensions this type normally carries.
	Extensions []string `json:"extensions,omitempty"`
}

type info struct {
	mime, desc string
	exts       []string
}

var table = map[ID]info{
	Unknown:    {"application/octet-stream", "unknown data", nil},
	Empty:      {"application/x-empty", "empty file", nil},
	PE:         {"application/vnd.microsoft.portable-executable", "Windows PE executable", []string{"exe", "dll", "sys", "scr", "cpl", "ocx", "drv", "efi", "com", "mui", "msstyles", "ax", "node"}},
	ELF:        {"application/x-elf", "ELF executable", []string{"", "so", "elf", "o", "ko", "bin", "out", "axf"}},
	MachO:      {"application/x-mach-binary", "Mach-O executable", []string{"", "dylib", "bundle", "o", "macho"}},
	MachOFat:   {"application/x-mach-binary", "Mach-O universal (fat) binary", []string{"", "dylib", "bundle"}},
	JavaClass:  {"application/java-vm", "Java class file", []string{"class"}},
	Dex:        {"application/vnd.android.dex", "Android DEX", []string{"dex"}},
	Wasm:       {"application/wasm", "WebAssembly module", []string{"wasm"}},
	Zip:        {"application/zip", "ZIP archive", []string{"zip", "zipx"}},
	Jar:        {"application/java-archive", "Java archive", []string{"jar", "war", "ear"}},
	Apk:        {"application/vnd.android.package-archive", "Android package", []string{"apk", "aab"}},
	Docx:       {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document (OOXML)", []string{"docx", "dotx"}},
	Docm:       {"application/vnd.ms-word.document.macroEnabled.12", "macro-enabled Word document (OOXML)", []string{"docm", "dotm"}},
	Xlsx:       {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook (OOXML)", []string{"xlsx", "xltx"}},
	Xlsm:       {"application/vnd.ms-excel.sheet.macroEnabled.12", "macro-enabled Excel workbook (OOXML)", []string{"xlsm", "xltm", "xlam"}},
	Pptx:       {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation (OOXML)", []string{"pptx", "potx", "ppsx"}},
	Pptm:       {"application/vnd.ms-powerpoint.presentation.macroEnabled.12", "macro-enabled PowerPoint presentation (OOXML)", []string{"pptm", "potm", "ppsm"}},
	OOXML:      {"application/zip", "Office Open XML package", []string{"docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "vsdx"}},
	OLE:        {"application/x-ole-storage", "OLE compound file (Office 97-2003, MSI, ...)", []string{"doc", "xls", "ppt", "dot", "xlt", "pot", "msi", "msg", "pub", "vsd"}},
	PDF:        {"application/pdf", "PDF document", []string{"pdf"}},
	RTF:        {"application/rtf", "Rich Text Format document", []string{"rtf", "doc"}},
	RAR:        {"application/vnd.rar", "RAR archive", []string{"rar"}},
	SevenZip:   {"application/x-7z-compressed", "7-Zip archive", []string{"7z"}},
	Gzip:       {"application/gzip", "gzip compressed data", []string{"gz", "tgz", "gzip"}},
	Bzip2:      {"application/x-bzip2", "bzip2 compressed data", []string{"bz2", "tbz", "tbz2"}},
	XZ:         {"application/x-xz", "xz compressed data", []string{"xz", "txz"}},
	Zstd:       {"application/zstd", "Zstandard compressed data", []string{"zst"}},
	Tar:        {"application/x-tar", "tar archive", []string{"tar"}},
	Cab:        {"application/vnd.ms-cab-compressed", "Microsoft Cabinet archive", []string{"cab"}},
	ISO:        {"application/x-iso9660-image", "ISO 9660 disk image", []string{"iso", "img"}},
	LNK:        {"application/x-ms-shortcut", "Windows shortcut", []string{"lnk"}},
	SQLite:     {"application/vnd.sqlite3", "SQLite database", []string{"sqlite", "db", "sqlite3"}},
	PNG:        {"image/png", "PNG image", []string{"png"}},
	JPEG:       {"image/jpeg", "JPEG image", []string{"jpg", "jpeg", "jfif"}},
	GIF:        {"image/gif", "GIF image", []string{"gif"}},
	BMP:        {"image/bmp", "BMP image", []string{"bmp", "dib"}},
	ICO:        {"image/x-icon", "Windows icon", []string{"ico", "cur"}},
	WebP:       {"image/webp", "WebP image", []string{"webp"}},
	PowerShell: {"text/x-powershell", "PowerShell script", []string{"ps1", "psm1", "psd1", "txt"}},
	JavaScript: {"text/javascript", "JavaScript", []string{"js", "jse", "mjs", "cjs", "txt"}},
	VBScript:   {"text/vbscript", "VBScript", []string{"vbs", "vbe", "vba", "bas", "txt"}},
	Shell:      {"text/x-shellscript", "shell script", []string{"sh", "bash", "zsh", "ksh", "", "txt"}},
	Batch:      {"text/x-bat", "Windows batch script", []string{"bat", "cmd", "txt"}},
	Python:     {"text/x-python", "Python script", []string{"py", "pyw", "", "txt"}},
	Perl:       {"text/x-perl", "Perl script", []string{"pl", "pm", "", "txt"}},
	HTA:        {"application/hta", "HTML application", []string{"hta", "htm", "html"}},
	HTML:       {"text/html", "HTML document", []string{"html", "htm", "xhtml", "svg", "hta", "txt"}},
	XML:        {"application/xml", "XML document", []string{"xml", "svg", "xsl", "xslt", "config", "manifest", "plist", "rdf", "rss", "xaml"}},
	JSON:       {"application/json", "JSON document", []string{"json", "txt", "map"}},
	Text:       {"text/plain", "text", nil},
	Binary:     {"application/octet-stream", "binary data", nil},
}

// Lookup returns the Type for id.
func Lookup(id ID) Type {
	i, ok := table[id]
	if !ok {
		i = table[Unknown]
	}
	return Type{ID: id, MIME: i.mime, Description: i.desc, Extensions: i.exts}
}

// Is reports whether id is one of ids.
func Is(id ID, ids ...ID) bool {
	for _, x := range ids {
		if id == x {
			return true
		}
	}
	return false
}

// IsScript reports whether id is a script language.
func IsScript(id ID) bool {
	return Is(id, PowerShell, JavaScript, VBScript, Shell, Batch, Python, Perl, HTA)
}

// IsExecutable reports whether id is native or managed code.
func IsExecutable(id ID) bool {
	return Is(id, PE, ELF, MachO, MachOFat, JavaClass, Dex, Wasm)
}

// ExtensionMismatch reports whether name's extension is not one the type
// carries. Generic types (text, binary, unknown) never mismatch. An executable
// named like a document is the case this exists for.
func ExtensionMismatch(t Type, name string) bool {
	if t.Extensions == nil {
		return false
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	for _, e := range t.Extensions {
		if e == ext {
			return false
		}
	}
	// Names without an extension are normal for Unix binaries and scripts
	// but suspicious for Windows and document types.
	return !(ext == "" && Is(t.ID, ELF, MachO, MachOFat, Shell, Python, Perl))
}

// Detect returns the true type of data. name is used only to break ties
// between text formats that content alone cannot separate.
func Detect(data []byte, name string) Type {
	return Lookup(detect(data, name))
}

func detect(data []byte, name string) ID {
	if len(data) == 0 {
		return Empty
	}
	switch {
	case len(data) >= 64 && data[0] == 'M' && data[1] == 'Z':
		if off := binary.LittleEndian.Uint32(data[0x3c:]); int(off) >= 0 && int(off)+4 <= len(data) && bytes.Equal(data[off:off+4], []byte("PE\x00\x00")) {
			return PE
		}
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return ELF
	case hasAnyPrefix(data, "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe"):
		return MachO
	case bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")) && len(data) >= 8:
		// Mach-O fat and Java class share a magic: fat has a small
		// architecture count where a class file has its version (>= 45).
		if n := binary.BigEndian.Uint32(data[4:8]); n > 0 && n < 30 {
			return MachOFat
		}
		return JavaClass
	case bytes.HasPrefix(data, []byte("dex\n")):
		return Dex
	case bytes.HasPrefix(data, []byte("\x00asm")):
		return Wasm
	case hasAnyPrefix(data, "PK\x03\x04", "PK\x05\x06", "PK\x07\x08"):
		return detectZip(data)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return OLE
	case bytes.HasPrefix(data, []byte("{\\rt")):
		return RTF
	case bytes.HasPrefix(data, []byte("Rar!\x1a\x07")):
		return RAR
	case bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")):
		return SevenZip
	case bytes.HasPrefix(data, []byte("\x1f\x8b")):
		return Gzip
	case bytes.HasPrefix(data, []byte("BZh")) && len(data) > 3 && data[3] >= '1' && data[3] <= '9':
		return Bzip2
	case bytes.HasPrefix(data, []byte("\xfd7zXZ\x00")):
		return XZ
	case bytes.HasPrefix(data, []byte("\x28\xb5\x2f\xfd")):
		return Zstd
	case bytes.HasPrefix(data, []byte("MSCF\x00\x00\x00\x00")):
		return Cab
	case bytes.HasPrefix(data, []byte("\x4c\x00\x00\x00\x01\x14\x02\x00")):
		return LNK
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return SQLite
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG
	case hasAnyPrefix(data, "GIF87a", "GIF89a"):
		return GIF
	case bytes.HasPrefix(data, []byte("BM")) && len(data) >= 14 && int(binary.LittleEndian.Uint32(data[2:6])) == len(data):
		return BMP
	case bytes.HasPrefix(data, []byte("\x00\x00\x01\x00")) && len(data) >= 6 && binary.LittleEndian.Uint16(data[4:6]) > 0:
		return ICO
	case bytes.HasPrefix(data, []byte("RIFF")) && len(data) >= 12 && string(data[8:12]) == "WEBP":
		return WebP
	}
	// PDF may start after some junk; readers search the first KiB.
	if i := bytes.Index(head(data, 1024), []byte("%PDF-")); i >= 0 {
		return PDF
	}
	if len(data) >= 0x8006 && string(data[0x8001:0x8006]) == "CD001" {
		return ISO
	}
	if isTar(data) {
		return Tar
	}
	if isText(head(data, 8192)) {
		return detectText(data, name)
	}
	return Binary
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func hasAnyPrefix(data []byte, prefixes ...string) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(data, []byte(p)) {
			return true
		}
	}
	return false
}

// isTar checks the ustar magic and the header checksum of the first block.
func isTar(data []byte) bool {
	if len(data) < 512 {
		return false
	}
	h := data[:512]
	magic := string(h[257:262])
	if magic != "ustar" {
		return false
	}
	var sum int64
	for i, b := range h {
		if i >= 148 && i < 156 {
			b = ' '
		}
		sum += int64(b)
	}
	field := strings.Trim(string(h[148:156]), " \x00")
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	return want == sum
}

// detectZip looks inside a ZIP for the markers of OOXML, JAR and APK.
func detectZip(data []byte) ID {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Zip
	}
	var contentTypes *zip.File
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		if f.Name == "[Content_Types].xml" {
			contentTypes = f
		}
	}
	if contentTypes != nil {
		ct := readSmall(contentTypes, 1<<20)
		has := func(s string) bool { return bytes.Contains(ct, []byte(s)) }
		macro := has("macroEnabled") || names["word/vbaProject.bin"] || names["xl/vbaProject.bin"] || names["ppt/vbaProject.bin"]
		switch {
		case has("wordprocessingml") || has("ms-word") || names["word/document.xml"]:
			if macro {
				return Docm
			}
			return Docx
		case has("spreadsheetml") || has("ms-excel") || names["xl/workbook.xml"] || names["xl/workbook.bin"]:
			if macro {
				return Xlsm
			}
			return Xlsx
		case has("presentationml") || has("ms-powerpoint") || names["ppt/presentation.xml"]:
			if macro {
				return Pptm
			}
			return Pptx
		}
		return OOXML
	}
	if names["AndroidManifest.xml"] && names["classes.dex"] {
		return Apk
	}
	if names["META-INF/MANIFEST.MF"] {
		return Jar
	}
	return Zip
}

func readSmall(f *zip.File, limit int64) []byte {
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit))
	return b
}

// isText reports whether b looks like text: valid UTF-8 (or UTF-16 with a
// BOM) with few control characters.
func isText(b []byte) bool {
	if hasAnyPrefix(b, "\xff\xfe", "\xfe\xff") {
		return true
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if len(b) == 0 {
		return false
	}
	ctrl := 0
	for _, c := range b {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
			ctrl++
		}
	}
	if ctrl*100 > len(b) {
		return false
	}
	if utf8.Valid(b) {
		return true
	}
	// A multi-byte rune may be cut at the end of the head window.
	for i := 1; i <= 3 && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}
