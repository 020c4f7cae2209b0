// Package office analyses Microsoft Office documents: OLE/CFB files
// (Word/Excel/PowerPoint 97-2003) and Office Open XML packages. It finds
// VBA projects, decompresses the macro source (MS-OVBA), flags
// auto-executing and dangerous macro code, external relationships (remote
// template injection) and DDE fields, and lists embedded objects.
package office

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/richardlehane/mscfb"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
)

// Errors.
var (
	ErrNotOLE   = errors.New("not an OLE compound file")
	ErrNotOOXML = errors.New("not an Office Open XML package")
)

// Limits on what is read, so a hostile file cannot make us allocate without bound.
const (
	maxStreamSize = 32 << 20
	maxTotalRead  = 256 << 20
	maxSource     = 4 << 20
	maxStreams    = 4096
	maxPartSize   = 16 << 20
)

// Macro is one VBA module with its decompressed source.
type Macro struct {
	Module string `json:"module"`
	Stream string `json:"stream"`
	// Source is the VBA code (capped at 4 MiB).
	Source string `json:"source"`
	// Keywords are the notable keywords found in this module.
	Keywords []string `json:"keywords,omitempty"`
}

// Relationship is an OOXML relationship that points outside the package.
type Relationship struct {
	Part   string `json:"part"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

// Embedded is an object stored inside the document (OLE package, OOXML
// embeddings) that deserves its own analysis.
type Embedded struct {
	Name string `json:"name"`
	Size int    `json:"size"`
	Data []byte `json:"-"`
}

// Info is the result of AnalyzeOLE or AnalyzeOOXML.
type Info struct {
	Container string `json:"container"` // "ole" or "ooxml"
	// Application is "word", "excel", "powerpoint", "msi", "outlook" or "".
	Application string         `json:"application,omitempty"`
	Streams     []string       `json:"streams,omitempty"`
	HasVBA      bool           `json:"has_vba"`
	Macros      []Macro        `json:"macros,omitempty"`
	AutoExec    []string       `json:"auto_exec,omitempty"`
	Suspicious  []string       `json:"suspicious,omitempty"`
	External    []Relationship `json:"external_relationships,omitempty"`
	DDE         []string       `json:"dde,omitempty"`
	Encrypted   bool           `json:"encrypted"`
	Embedded    []Embedded     `json:"embedded,omitempty"`
	Errors      []string       `json:"errors,omitempty"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

func (info *Info) add(code string, weight int, msg, ev string) {
	info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
}

// AnalyzeOLE analyses an OLE compound file.
func AnalyzeOLE(data []byte) (*Info, error) {
	if !bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) {
		return nil, ErrNotOLE
	}
	info := &Info{Container: "ole"}
	if err := info.readOLE(data, ""); err != nil {
		return nil, err
	}
	info.judge()
	return info, nil
}

type stream struct {
	path []string
	name string
	data []byte
}

func (info *Info) readOLE(data []byte, prefix string) error {
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("cannot parse OLE compound file: %w", err)
	}
	var streams []stream
	total := 0
	for _, f := range doc.File {
		if len(streams) >= maxStreams {
			info.Errors = append(info.Errors, "too many streams; rest ignored")
			break
		}
		if f.FileInfo().IsDir() {
			continue
		}
		full := strings.Join(append(append([]string{}, f.Path...), f.Name), "/")
		info.Streams = append(info.Streams, prefix+full)
		if total >= maxTotalRead {
			continue
		}
		n := min(f.Size, maxStreamSize, int64(maxTotalRead-total))
		if n < 0 {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(f, n))
		if err != nil && len(b) == 0 {
			info.Errors = append(info.Errors, fmt.Sprintf("cannot read stream %s: %v", full, err))
			continue
		}
		total += len(b)
		streams = append(streams, stream{path: f.Path, name: f.Name, data: b})
	}
	info.classify(streams)
	info.extractVBA(streams)
	return nil
}

func (info *Info) classify(streams []stream) {
	for _, s := range streams {
		switch {
		case len(s.path) == 0 && s.name == "WordDocument":
			info.Application = "word"
		case len(s.path) == 0 && (s.name == "Workbook" || s.name == "Book"):
			info.Application = "excel"
		case len(s.path) == 0 && s.name == "PowerPoint Document":
			info.Application = "powerpoint"
		case len(s.path) == 0 && strings.HasPrefix(s.name, "__substg1.0_"):
			info.Application = "outlook"
		case s.name == "EncryptedPackage" || s.name == "EncryptionInfo":
			info.Encrypted = true
		case s.name == "\x01Ole10Native" || strings.EqualFold(s.name, "Package") || s.name == "CONTENTS":
			// Embedded OLE packages often carry the real payload.
			payload := s.data
			if s.name == "\x01Ole10Native" {
				payload = ole10Native(s.data)
			}
			if len(payload) > 0 {
				info.Embedded = append(info.Embedded, Embedded{Name: strings.Join(append(append([]string{}, s.path...), s.name), "/"), Size: len(payload), Data: payload})
			}
		}
	}
}

// ole10Native unwraps the Ole10Native stream (size, flags, label, source
// path, ..., data size, data) and returns the embedded file's bytes.
func ole10Native(b []byte) []byte {
	if len(b) < 6 {
		return nil
	}
	p := 6                   // total size (4) + flags (2)
	for k := 0; k < 2; k++ { // label, source path: NUL-terminated
		i := bytes.IndexByte(b[p:], 0)
		if i < 0 {
			return nil
		}
		p += i + 1
	}
	p += 8 // unknown fields
	if p+4 > len(b) {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b[p:]))
	p += 4
	if i := bytes.IndexByte(b[p:min(len(b), p+n)], 0); i >= 0 && n > 0 {
		p += i + 1 // temp path
		if p+4 > len(b) {
			return nil
		}
		n = int(binary.LittleEndian.Uint32(b[p:]))
		p += 4
	}
	if n <= 0 || p+n > len(b) {
		return b[p:]
	}
	return b[p : p+n]
}

// extractVBA finds every storage holding a "dir" stream (a VBA project:
// "VBA", "Macros/VBA", "_VBA_PROJECT_CUR/VBA"), parses the project
// information and decompresses each module's source.
func (info *Info) extractVBA(streams []stream) {
	for _, dirStream := range streams {
		if !strings.EqualFold(dirStream.name, "dir") || len(dirStream.path) == 0 || !strings.EqualFold(dirStream.path[len(dirStream.path)-1], "VBA") {
			continue
		}
		info.HasVBA = true
		storage := strings.Join(dirStream.path, "/")
		dir, err := Decompress(dirStream.data, 1<<20)
		if err != nil && len(dir) == 0 {
			info.Errors = append(info.Errors, fmt.Sprintf("cannot decompress %s/dir: %v", storage, err))
			continue
		}
		modules, err := parseDir(dir)
		if err != nil {
			info.Errors = append(info.Errors, fmt.Sprintf("cannot parse %s/dir: %v", storage, err))
		}
		for _, m := range modules {
			var data []byte
			for _, s := range streams {
				if strings.Join(s.path, "/") == storage && strings.EqualFold(s.name, m.stream) {
					data = s.data
					break
				}
			}
			if data == nil {
				info.Errors = append(info.Errors, fmt.Sprintf("module stream %s/%s not found", storage, m.stream))
				continue
			}
			if int(m.offset) > len(data) {
				info.Errors = append(info.Errors, fmt.Sprintf("module %s: source offset beyond the stream", m.name))
				continue
			}
			src, err := Decompress(data[m.offset:], maxSource)
			if err != nil && len(src) == 0 {
				info.Errors = append(info.Errors, fmt.Sprintf("cannot decompress module %s: %v", m.name, err))
				continue
			}
			info.Macros = append(info.Macros, Macro{Module: m.name, Stream: storage + "/" + m.stream, Source: string(src)})
		}
	}
	if len(info.Macros) > 0 {
		info.HasVBA = true
	}
}

type module struct {
	name, stream string
	offset       uint32
}

// parseDir walks the records of a decompressed dir stream (MS-OVBA 2.3.4.2)
// and returns its modules. Every record is Id(2) Size(4) Data(Size) except
// PROJECTVERSION, whose Size field is followed by 6 bytes.
func parseDir(d []byte) ([]module, error) {
	var mods []module
	var cur *module
	p := 0
	for p+6 <= len(d) {
		id := binary.LittleEndian.Uint16(d[p:])
		size := int(binary.LittleEndian.Uint32(d[p+2:]))
		p += 6
		if id == 0x0009 {
			size = 6
		}
		if size < 0 || p+size > len(d) {
			return mods, fmt.Errorf("record 0x%04x overruns the dir stream", id)
		}
		body := d[p : p+size]
		p += size
		switch id {
		case 0x0019: // MODULENAME
			mods = append(mods, module{name: string(body)})
			cur = &mods[len(mods)-1]
		case 0x0047: // MODULENAMEUNICODE
			if cur != nil && cur.name == "" {
				cur.name = utf16le(body)
			}
		case 0x001a: // MODULESTREAMNAME
			if cur != nil {
				cur.stream = string(body)
			}
		case 0x0032: // MODULESTREAMNAMEUNICODE
			if cur != nil && cur.stream == "" {
				cur.stream = utf16le(body)
			}
		case 0x0031: // MODULEOFFSET
			if cur != nil && len(body) >= 4 {
				cur.offset = binary.LittleEndian.Uint32(body)
			}
		case 0x002b: // module terminator
			cur = nil
		case 0x0010: // dir terminator
			return mods, nil
		}
	}
	return mods, nil
}

func utf16le(b []byte) string {
	var sb strings.Builder
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		sb.WriteRune(r)
	}
	return sb.String()
}

// AnalyzeOOXML analyses an Office Open XML package.
func AnalyzeOOXML(data []byte) (*Info, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("cannot open OOXML package: %w", err)
	}
	info := &Info{Container: "ooxml"}
	hasCT := false
	for _, f := range zr.File {
		name := f.Name
		low := strings.ToLower(name)
		switch {
		case name == "[Content_Types].xml":
			hasCT = true
		case strings.HasPrefix(low, "word/"):
			info.Application = "word"
		case strings.HasPrefix(low, "xl/"):
			info.Application = "excel"
		case strings.HasPrefix(low, "ppt/"):
			info.Application = "powerpoint"
		}
	}
	if !hasCT {
		return nil, ErrNotOOXML
	}
	for _, f := range zr.File {
		low := strings.ToLower(f.Name)
		info.Streams = append(info.Streams, f.Name)
		if len(info.Streams) > maxStreams {
			break
		}
		switch {
		case strings.HasSuffix(low, "vbaproject.bin"):
			b, err := readPart(f)
			if err != nil {
				info.Errors = append(info.Errors, err.Error())
				continue
			}
			info.HasVBA = true
			if err := info.readOLE(b, f.Name+":"); err != nil {
				info.Errors = append(info.Errors, err.Error())
			}
		case strings.HasSuffix(low, ".rels"):
			b, err := readPart(f)
			if err != nil {
				continue
			}
			info.External = append(info.External, externalRels(f.Name, b)...)
		case strings.Contains(low, "/embeddings/") || strings.Contains(low, "/activex/") && strings.HasSuffix(low, ".bin"):
			b, err := readPart(f)
			if err == nil && len(b) > 0 {
				info.Embedded = append(info.Embedded, Embedded{Name: f.Name, Size: len(b), Data: b})
			}
		case strings.HasSuffix(low, ".xml") && (strings.HasPrefix(low, "word/") || strings.HasPrefix(low, "xl/")):
			b, err := readPart(f)
			if err != nil {
				continue
			}
			info.DDE = append(info.DDE, findDDE(b)...)
		}
	}
	info.judge()
	return info, nil
}

func readPart(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxPartSize {
		return nil, fmt.Errorf("part %s too large (%d bytes)", f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("cannot open part %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPartSize))
	if err != nil {
		return nil, fmt.Errorf("cannot read part %s: %w", f.Name, err)
	}
	return b, nil
}

var (
	relRe    = regexp.MustCompile(`(?is)<Relationship\b[^>]*>`)
	attrRe   = regexp.MustCompile(`(?is)\b(Type|Target|TargetMode)\s*=\s*"([^"]*)"`)
	instrRe  = regexp.MustCompile(`(?is)<w:instrText[^>]*>([^<]*)</w:instrText>|w:instr="([^"]*)"`)
	ddeRe    = regexp.MustCompile(`(?i)\bDDE(?:AUTO)?\b`)
	xlDDERe  = regexp.MustCompile(`(?is)<ddeLink\b[^>]*ddeService="([^"]*)"[^>]*ddeTopic="([^"]*)"`)
	xmlEntRe = strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&apos;", "'")
)

func externalRels(part string, b []byte) []Relationship {
	var out []Relationship
	for _, rel := range relRe.FindAll(b, 1000) {
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllSubmatch(rel, -1) {
			attrs[strings.ToLower(string(m[1]))] = xmlEntRe.Replace(string(m[2]))
		}
		if !strings.EqualFold(attrs["targetmode"], "External") {
			continue
		}
		out = append(out, Relationship{Part: part, Type: path.Base(attrs["type"]), Target: attrs["target"]})
	}
	return out
}

// findDDE returns the field instructions that invoke DDE. Word splits a
// field's instruction over several runs, so the instrText pieces are joined
// before matching.
func findDDE(b []byte) []string {
	var out []string
	var joined strings.Builder
	for _, m := range instrRe.FindAllSubmatch(b, 10_000) {
		joined.Write(m[1])
		joined.Write(m[2])
	}
	text := xmlEntRe.Replace(joined.String())
	if loc := ddeRe.FindStringIndex(text); loc != nil {
		out = append(out, strings.TrimSpace(truncate(text[loc[0]:], 300)))
	}
	for _, m := range xlDDERe.FindAllSubmatch(b, 100) {
		out = append(out, fmt.Sprintf("ddeLink %s|%s", m[1], m[2]))
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Macro keyword groups. Auto-exec names run the macro on open or close.
var autoExecRe = regexp.MustCompile(`(?im)^\s*(?:private\s+|public\s+)?sub\s+(AutoOpen|AutoExec|AutoClose|AutoNew|Document_Open|Document_Close|Document_New|DocumentOpen|Workbook_Open|Workbook_Activate|Workbook_BeforeClose|Auto_Open|Auto_Close|Presentation_Open|UserForm_Initialize|\w+_Layout|\w+_Painted|\w+_GotFocus|\w+_Resize|\w+_MouseMove)\b`)

var suspiciousMacro = []struct {
	name string
	re   *regexp.Regexp
}{
	{"Shell", regexp.MustCompile(`(?i)\bShell(?:Execute)?\s*[\( ]`)},
	{"CreateObject", regexp.MustCompile(`(?i)\bCreateObject\s*\(`)},
	{"GetObject", regexp.MustCompile(`(?i)\bGetObject\s*\(`)},
	{"WScript.Shell", regexp.MustCompile(`(?i)WScript\.Shell`)},
	{"PowerShell", regexp.MustCompile(`(?i)powershell`)},
	{"URLDownloadToFile", regexp.MustCompile(`(?i)URLDownloadToFile`)},
	{"XMLHTTP", regexp.MustCompile(`(?i)(?:MSXML2|Microsoft)\.(?:Server)?XMLHTTP|WinHttp\.WinHttpRequest`)},
	{"ADODB.Stream", regexp.MustCompile(`(?i)ADODB\.Stream`)},
	{"Scripting.FileSystemObject", regexp.MustCompile(`(?i)Scripting\.FileSystemObject`)},
	{"Chr-obfuscation", regexp.MustCompile(`(?i)(?:ChrW?\$?\s*\(\s*\d+\s*\)\s*&\s*){4,}`)},
	{"StrReverse", regexp.MustCompile(`(?i)\bStrReverse\s*\(`)},
	{"Base64", regexp.MustCompile(`(?i)base64|FromBase64String|DecodeBase64`)},
	{"CallByName", regexp.MustCompile(`(?i)\bCallByName\b`)},
	{"Declare-API", regexp.MustCompile(`(?i)\bDeclare\s+(?:PtrSafe\s+)?(?:Function|Sub)\s+\w+\s+Lib\b`)},
	{"VirtualAlloc", regexp.MustCompile(`(?i)VirtualAlloc|RtlMoveMemory|CreateThread`)},
	{"Environ", regexp.MustCompile(`(?i)\bEnviron\s*\(`)},
	{"Run", regexp.MustCompile(`(?i)\.Run\s*[\( ]|\bExec\s*\(`)},
	{"SaveToFile", regexp.MustCompile(`(?i)SaveToFile|\.Write\s*[\( ]`)},
	{"cmd.exe", regexp.MustCompile(`(?i)cmd(?:\.exe)?\s*/c`)},
	{"mshta/regsvr32/rundll32/certutil", regexp.MustCompile(`(?i)\b(?:mshta|regsvr32|rundll32|certutil|bitsadmin|wmic)\b`)},
	{"Win32_Process", regexp.MustCompile(`(?i)Win32_Process|winmgmts:`)},
	{"Kill/anti-analysis", regexp.MustCompile(`(?i)\bApplication\.(?:DisplayAlerts|EnableEvents)\s*=\s*False|\bVBProject\b|AccessVBOM`)},
}

func (info *Info) judge() {
	autos := map[string]bool{}
	susp := map[string]bool{}
	for i := range info.Macros {
		m := &info.Macros[i]
		for _, am := range autoExecRe.FindAllStringSubmatch(m.Source, -1) {
			autos[am[1]] = true
			m.Keywords = append(m.Keywords, am[1])
		}
		for _, s := range suspiciousMacro {
			if s.re.MatchString(m.Source) {
				susp[s.name] = true
				m.Keywords = append(m.Keywords, s.name)
			}
		}
	}
	info.AutoExec = keys(autos)
	info.Suspicious = keys(susp)
	if info.HasVBA {
		info.add("office.vba", 15, "document contains a VBA macro project", fmt.Sprintf("%d modules", len(info.Macros)))
	}
	if len(info.AutoExec) > 0 {
		info.add("office.vba_autoexec", 20, "macro runs automatically when the document is opened or closed", strings.Join(info.AutoExec, ", "))
	}
	if len(info.Suspicious) > 0 {
		w := min(10*len(info.Suspicious), 40)
		info.add("office.vba_suspicious", w, "macro uses keywords typical of droppers and downloaders", strings.Join(info.Suspicious, ", "))
	}
	if len(info.AutoExec) > 0 && (susp["Shell"] || susp["WScript.Shell"] || susp["PowerShell"] || susp["URLDownloadToFile"] || susp["XMLHTTP"] || susp["Run"]) {
		info.add("office.vba_autoexec_exec", 25, "auto-run macro downloads or executes something", "")
	}
	for _, r := range info.External {
		low := strings.ToLower(r.Type)
		switch {
		case low == "attachedtemplate" || strings.Contains(low, "template"):
			info.add("office.remote_template", 45, "document loads a remote template (template injection)", r.Target)
		case low == "oleobject" || strings.Contains(low, "frame"):
			info.add("office.external_object", 30, "document loads an external OLE object or frame", r.Target)
		case low == "hyperlink":
			info.add("office.external_link", 0, "document contains a hyperlink", r.Target)
		default:
			info.add("office.external_relationship", 10, "document references an external resource", r.Type+" → "+r.Target)
		}
	}
	if len(info.DDE) > 0 {
		info.add("office.dde", 40, "document contains a DDE field that can launch commands", info.DDE[0])
	}
	if info.Encrypted {
		info.add("office.encrypted", 10, "document is password-encrypted (content cannot be inspected)", "")
	}
	for _, e := range info.Embedded {
		info.add("office.embedded_object", 5, "document embeds an object", e.Name)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
