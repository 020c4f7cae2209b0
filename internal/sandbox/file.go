package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/archive"
	"github.com/eventsec/eventsec/internal/sandbox/elf"
	"github.com/eventsec/eventsec/internal/sandbox/filetype"
	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/indicator"
	"github.com/eventsec/eventsec/internal/sandbox/macho"
	"github.com/eventsec/eventsec/internal/sandbox/office"
	"github.com/eventsec/eventsec/internal/sandbox/pdf"
	"github.com/eventsec/eventsec/internal/sandbox/pe"
	"github.com/eventsec/eventsec/internal/sandbox/script"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

// run is the state of one AnalyzeFile call, shared by every nested sample.
type run struct {
	a *Analyzer
	// budget is the decompressed bytes still allowed for the whole sample.
	budget   int64
	progress func(string, int)
}

type fileCtx struct {
	rep  *Report
	data []byte
	set  *indicator.Set
}

func (f *fileCtx) add(code string, weight int, msg, ev string) {
	f.rep.Reasons = append(f.rep.Reasons, finding.New(code, weight, msg, ev))
}

func (f *fileCtx) addAll(list []finding.Finding) {
	f.rep.Reasons = append(f.rep.Reasons, list...)
}

// documentExts are extensions users open expecting a document or media, so
// an executable under one of them is a disguise.
var documentExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true, "pptx": true, "txt": true, "rtf": true,
	"jpg": true, "jpeg": true, "png": true, "gif": true, "mp3": true, "mp4": true, "avi": true, "csv": true, "odt": true,
}

// executableExts run when double-clicked on Windows.
var executableExts = map[string]bool{
	"exe": true, "scr": true, "com": true, "pif": true, "bat": true, "cmd": true, "vbs": true, "vbe": true, "js": true,
	"jse": true, "wsf": true, "hta": true, "ps1": true, "lnk": true, "msi": true, "cpl": true, "jar": true, "iso": true,
}

func (r *run) stage(depth int, name string, pct int) {
	if depth == 0 {
		r.progress(name, pct)
	}
}

// analyze builds the report of one sample (top level or nested).
func (r *run) analyze(ctx context.Context, name, memberPath string, data []byte, depth int) *Report {
	start := time.Now()
	rep := &Report{Kind: KindFile, Target: name, Path: memberPath, Depth: depth, Size: int64(len(data)), StartedAt: r.a.opts.Now()}
	f := &fileCtx{rep: rep, data: data, set: indicator.NewSet(r.a.opts.MaxIndicators)}
	defer func() {
		rep.Indicators = f.set.Items()
		rep.DurationMS = time.Since(start).Milliseconds()
		rep.finish()
	}()

	r.stage(depth, "hashes", 10)
	rep.Hashes = hashes(data)
	r.stage(depth, "type", 20)
	t := filetype.Detect(data, name)
	rep.Type = &t
	r.nameChecks(f, name, t)
	rep.Entropy = strs.Entropy(data)
	rep.EntropyChunks = strs.ChunkEntropy(data, 64, 4096)
	if rep.Entropy >= 7.5 && len(data) >= 4096 && !compressedType(t.ID) {
		f.add("file.high_entropy", 10, "content is nearly random (encrypted or packed) for a type that is not compressed", fmt.Sprintf("%.2f bits/byte", rep.Entropy))
	}
	if r.timedOut(ctx, f) {
		return rep
	}

	r.stage(depth, "strings", 30)
	r.strings(ctx, f)
	if r.timedOut(ctx, f) {
		return rep
	}

	r.stage(depth, "format", 50)
	r.format(ctx, f, name, memberPath, depth, t)
	if r.timedOut(ctx, f) {
		return rep
	}

	r.stage(depth, "yara", 90)
	r.yara(ctx, f)
	r.stage(depth, "verdict", 95)
	r.mergeChildren(f)
	return rep
}

func compressedType(id filetype.ID) bool {
	return filetype.Is(id, filetype.Zip, filetype.Jar, filetype.Apk, filetype.Docx, filetype.Docm, filetype.Xlsx, filetype.Xlsm,
		filetype.Pptx, filetype.Pptm, filetype.OOXML, filetype.Gzip, filetype.Bzip2, filetype.XZ, filetype.Zstd, filetype.SevenZip,
		filetype.RAR, filetype.Cab, filetype.PNG, filetype.JPEG, filetype.GIF, filetype.WebP, filetype.PDF, filetype.Binary)
}

func (r *run) timedOut(ctx context.Context, f *fileCtx) bool {
	if ctx.Err() == nil {
		return false
	}
	if !f.rep.Incomplete {
		f.rep.Incomplete = true
		f.add("analysis.incomplete", 0, "analysis stopped early (timeout or cancellation); the verdict covers what was analysed", ctx.Err().Error())
	}
	return true
}

func (r *run) nameChecks(f *fileCtx, name string, t filetype.Type) {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if strings.ContainsRune(base, '\u202e') {
		f.add("file.rtlo", 40, "file name contains a right-to-left override character that disguises its extension", base)
	}
	low := strings.ToLower(base)
	ext := strings.TrimPrefix(path.Ext(low), ".")
	if inner := strings.TrimPrefix(path.Ext(strings.TrimSuffix(low, "."+ext)), "."); inner != "" && documentExts[inner] && executableExts[ext] {
		f.add("file.double_extension", 25, "double extension hides an executable type behind a document one", base)
	}
	if strings.Contains(base, "      ") && executableExts[ext] {
		f.add("file.padded_name", 15, "file name padded with spaces to hide its real extension", base)
	}
	if filetype.ExtensionMismatch(t, base) {
		f.rep.ExtensionMismatch = true
		w, msg := 5, "file extension does not match its content"
		if (filetype.IsExecutable(t.ID) || filetype.IsScript(t.ID) || t.ID == filetype.LNK) && documentExts[ext] {
			w, msg = 35, "executable content disguised with a document or media extension"
		} else if filetype.IsExecutable(t.ID) {
			w = 15
		}
		f.add("file.extension_mismatch", w, msg, fmt.Sprintf(".%s but content is %s", ext, t.ID))
	}
}

// strings extracts printable strings and the indicators in them.
func (r *run) strings(ctx context.Context, f *fileCtx) {
	list, truncated := strs.Extract(f.data, strs.Options{MaxCount: r.a.opts.MaxStringsScanned})
	sample := list[:min(len(list), r.a.opts.MaxReportStrings)]
	f.rep.Strings = &Strings{Count: len(list), Truncated: truncated, Sample: append([]strs.String(nil), sample...)}
	t := f.rep.Type.ID
	text := filetype.IsScript(t) || filetype.Is(t, filetype.Text, filetype.HTML, filetype.XML, filetype.JSON, filetype.RTF)
	// Binaries repeat strings (import names, padding runs): scan each once.
	seen := make(map[string]struct{}, len(list))
	for i, s := range list {
		if i%4096 == 0 && ctx.Err() != nil {
			return
		}
		if _, ok := seen[s.Value]; ok {
			continue
		}
		seen[s.Value] = struct{}{}
		if text {
			f.set.Extract(s.Value, "strings")
		} else {
			f.set.ExtractBinary(s.Value, "strings")
		}
	}
	if truncated {
		f.add("file.strings_truncated", 0, "string extraction stopped at the cap", fmt.Sprintf("%d strings", len(list)))
	}
}

// guard runs fn, turning a panic in a format parser into a report error so
// one hostile sample cannot take the server down.
func (r *run) guard(f *fileCtx, what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			r.a.log.Error("analyser panic", "analyser", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			f.rep.Errors = append(f.rep.Errors, fmt.Sprintf("internal error in the %s analyser", what))
		}
	}()
	fn()
}

func (r *run) format(ctx context.Context, f *fileCtx, name, memberPath string, depth int, t filetype.Type) {
	id := t.ID
	switch {
	case id == filetype.PE:
		r.guard(f, "pe", func() {
			info, err := pe.Analyze(f.data, r.a.opts.Now())
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				f.add("pe.malformed", 20, "PE headers are malformed", err.Error())
				return
			}
			f.rep.PE = info
			f.addAll(info.Findings)
			if info.Overlay != nil && info.Overlay.Size > 0 {
				off := info.Overlay.Offset
				ov := f.data[off : off+info.Overlay.Size]
				if sub := filetype.Detect(ov, ""); filetype.IsExecutable(sub.ID) || compressedType(sub.ID) && sub.ID != filetype.Binary {
					r.child(ctx, f, fmt.Sprintf("overlay@0x%x", off), memberPath, ov, depth)
				}
			}
		})
	case id == filetype.ELF:
		r.guard(f, "elf", func() {
			info, err := elf.Analyze(f.data)
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				f.add("elf.malformed", 20, "ELF headers are malformed", err.Error())
				return
			}
			f.rep.ELF = info
			f.addAll(info.Findings)
		})
	case id == filetype.MachO || id == filetype.MachOFat:
		r.guard(f, "macho", func() {
			info, err := macho.Analyze(f.data)
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				f.add("macho.malformed", 20, "Mach-O headers are malformed", err.Error())
				return
			}
			f.rep.MachO = info
			f.addAll(info.Findings)
		})
	case id == filetype.OLE:
		r.guard(f, "office", func() {
			info, err := office.AnalyzeOLE(f.data)
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				return
			}
			r.office(ctx, f, info, memberPath, depth)
		})
	case filetype.Is(id, filetype.Docx, filetype.Docm, filetype.Xlsx, filetype.Xlsm, filetype.Pptx, filetype.Pptm, filetype.OOXML):
		r.guard(f, "office", func() {
			info, err := office.AnalyzeOOXML(f.data)
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				return
			}
			r.office(ctx, f, info, memberPath, depth)
		})
	case id == filetype.PDF:
		r.guard(f, "pdf", func() {
			info, err := pdf.Analyze(f.data)
			if err != nil {
				f.rep.Errors = append(f.rep.Errors, err.Error())
				return
			}
			f.rep.PDF = info
			f.addAll(info.Findings)
			for _, u := range info.URIs {
				f.set.Extract(u, "pdf.uri")
			}
			if len(info.JavaScript) > 0 {
				js := strings.Join(info.JavaScript, "\n")
				f.set.Extract(js, "pdf.javascript")
				si := script.Analyze([]byte(js), script.JavaScript)
				r.scriptFindings(f, si, "pdf javascript")
			}
		})
	case id == filetype.RTF:
		r.rtf(f)
	case id == filetype.LNK:
		r.lnk(f)
	case filetype.Is(id, filetype.Zip, filetype.Jar, filetype.Apk, filetype.Gzip, filetype.Tar, filetype.Bzip2):
		r.guard(f, "archive", func() { r.archive(ctx, f, name, memberPath, depth, id) })
	case filetype.Is(id, filetype.SevenZip, filetype.RAR, filetype.XZ, filetype.Cab, filetype.ISO, filetype.Zstd):
		f.add("archive.not_unpacked", 5, "archive format is identified but not unpacked; its members were not inspected", string(id))
	case filetype.IsScript(id) || id == filetype.HTML:
		r.guard(f, "script", func() { r.script(ctx, f, memberPath, depth, id) })
	}
}

var scriptLang = map[filetype.ID]script.Language{
	filetype.PowerShell: script.PowerShell, filetype.JavaScript: script.JavaScript, filetype.VBScript: script.VBScript,
	filetype.Shell: script.Shell, filetype.Batch: script.Batch, filetype.Python: script.Python, filetype.Perl: script.Perl,
	filetype.HTA: script.HTML, filetype.HTML: script.HTML,
}

func (r *run) script(ctx context.Context, f *fileCtx, memberPath string, depth int, id filetype.ID) {
	si := script.Analyze(f.data, scriptLang[id])
	f.rep.Script = si
	if id == filetype.HTA {
		f.add("script.hta", 20, "HTML application: runs with full user rights outside the browser sandbox", "")
	}
	r.scriptFindings(f, si, "")
	for i, d := range si.Decoded {
		if d.Text != "" {
			f.set.Extract(d.Text, fmt.Sprintf("script.decoded[%d]", i))
		}
		if d.Binary && len(d.Data) >= 64 {
			if sub := filetype.Detect(d.Data, ""); sub.ID != filetype.Binary && sub.ID != filetype.Unknown {
				r.child(ctx, f, fmt.Sprintf("decoded-%d", i), memberPath, d.Data, depth)
			}
		}
	}
}

// scriptFindings adds the script's reasons; label names where the script
// came from (a macro module, PDF JavaScript) in the evidence.
func (r *run) scriptFindings(f *fileCtx, si *script.Info, label string) {
	for _, fd := range si.Findings {
		if label != "" {
			fd.Evidence = label + ": " + fd.Evidence
		}
		f.rep.Reasons = append(f.rep.Reasons, fd)
	}
}

func (r *run) office(ctx context.Context, f *fileCtx, info *office.Info, memberPath string, depth int) {
	f.rep.Office = info
	f.addAll(info.Findings)
	for _, m := range info.Macros {
		f.set.Extract(m.Source, "vba:"+m.Module)
	}
	if len(info.Macros) > 0 {
		var all []string
		for _, m := range info.Macros {
			all = append(all, m.Source)
		}
		si := script.Analyze([]byte(strings.Join(all, "\n")), script.VBA)
		// The macro keywords above already weigh Shell/CreateObject; keep
		// only the obfuscation and payload reasons from the script scorer.
		for _, fd := range si.Findings {
			switch fd.Code {
			case "script.process_exec", "script.activex", "script.file_write":
				continue
			}
			fd.Evidence = "vba: " + fd.Evidence
			f.rep.Reasons = append(f.rep.Reasons, fd)
		}
		for i, d := range si.Decoded {
			if d.Text != "" {
				f.set.Extract(d.Text, fmt.Sprintf("vba.decoded[%d]", i))
			}
		}
	}
	for _, rel := range info.External {
		f.set.Extract(rel.Target, "office.relationship")
	}
	for _, d := range info.DDE {
		f.set.Extract(d, "office.dde")
	}
	for _, e := range info.Embedded {
		r.child(ctx, f, e.Name, memberPath, e.Data, depth)
	}
	// Embedded data is analysed; free it.
	for i := range info.Embedded {
		info.Embedded[i].Data = nil
	}
}

func (r *run) rtf(f *fileCtx) {
	low := bytes.ToLower(f.data)
	if bytes.Contains(low, []byte(`\objdata`)) {
		f.add("rtf.objdata", 15, "RTF embeds an OLE object", "")
	}
	if bytes.Contains(low, []byte(`\objupdate`)) {
		f.add("rtf.objupdate", 20, "RTF object updates automatically on open", "")
	}
	if bytes.Contains(low, []byte("equation.3")) || bytes.Contains(low, []byte("0002ce02-0000-0000-c000-000000000046")) {
		f.add("rtf.equation_editor", 40, "RTF loads the Equation Editor object (CVE-2017-11882 family)", "")
	}
	if bytes.Contains(low, []byte(`\objautlink`)) || bytes.Contains(low, []byte(`\objlink`)) {
		f.add("rtf.linked_object", 15, "RTF links an external object", "")
	}
}

func (r *run) lnk(f *fileCtx) {
	var hits []string
	for _, s := range f.rep.Strings.Sample {
		v := strings.ToLower(s.Value)
		for _, k := range []string{"powershell", "cmd.exe", "mshta", "wscript", "cscript", "rundll32", "regsvr32", "certutil", "bitsadmin", "curl"} {
			if strings.Contains(v, k) {
				hits = append(hits, k)
			}
		}
	}
	if len(hits) > 0 {
		sort.Strings(hits)
		f.add("lnk.launches_interpreter", 35, "shortcut launches a command interpreter or LOLBin", strings.Join(uniq(hits), ", "))
	}
}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func (r *run) archive(ctx context.Context, f *fileCtx, name, memberPath string, depth int, id filetype.ID) {
	format := archive.Format(id)
	if filetype.Is(id, filetype.Jar, filetype.Apk) {
		format = archive.Zip
	}
	budget := &archive.Budget{Remaining: r.budget}
	lim := archive.Limits{MaxFiles: r.a.opts.MaxArchiveFiles, MaxMemberSize: r.a.opts.MaxSampleSize, Budget: budget}
	tooDeep := depth+1 > r.a.opts.MaxDepth
	skippedDeep := 0
	var execNames []string
	info, err := archive.Walk(ctx, format, name, f.data, lim, func(m archive.Member) error {
		// The budget is shared with nested archives: commit what this
		// member used before descending.
		r.budget = budget.Remaining
		if isExecName(m.Name) {
			execNames = append(execNames, m.Name)
		}
		if m.Dir || m.Data == nil {
			return nil
		}
		if tooDeep {
			skippedDeep++
			return nil
		}
		r.child(ctx, f, m.Name, memberPath, m.Data, depth)
		budget.Remaining = r.budget
		return ctx.Err()
	})
	r.budget = budget.Remaining
	f.rep.Archive = info
	if err != nil && !isDeadline(err) {
		f.rep.Errors = append(f.rep.Errors, err.Error())
		f.add("archive.corrupt", 5, "archive is damaged or truncated", err.Error())
	}
	if info == nil {
		return
	}
	if len(info.Bomb) > 0 {
		f.add("archive.bomb", 40, "decompression bomb signs: extraction was bounded", strings.Join(info.Bomb, "; "))
	}
	if info.Traversal > 0 {
		var names []string
		for _, m := range info.Members {
			if m.Traversal {
				names = append(names, m.Name)
			}
		}
		f.add("archive.path_traversal", 30, "member names escape the extraction folder (path traversal)", truncate(strings.Join(names, ", "), 300))
	}
	if info.Encrypted > 0 {
		w := 10
		msg := "archive has encrypted members that cannot be inspected"
		if len(execNames) > 0 {
			w = 30
			msg = "password-protected archive holding executables or scripts (common malware delivery)"
		}
		f.add("archive.encrypted", w, msg, fmt.Sprintf("%d encrypted members", info.Encrypted))
	}
	if skippedDeep > 0 {
		f.add("archive.depth_limit", 20, "archives nested deeper than the limit (used to evade scanners); inner members not analysed", fmt.Sprintf("%d members at depth %d", skippedDeep, depth+1))
	}
	if info.Truncated {
		f.rep.Incomplete = true
	}
	for _, m := range info.Members {
		if m.Symlink && m.Traversal {
			f.add("archive.symlink_escape", 20, "symbolic link points outside the archive", m.Name)
			break
		}
	}
}

func isExecName(n string) bool {
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(n)), ".")
	return executableExts[ext] || ext == "dll"
}

// child analyses nested data and attaches its report.
func (r *run) child(ctx context.Context, f *fileCtx, name, parentPath string, data []byte, depth int) {
	if ctx.Err() != nil {
		return
	}
	if depth+1 > r.a.opts.MaxDepth {
		f.add("archive.depth_limit", 20, "objects nested deeper than the limit; inner content not analysed", name)
		return
	}
	p := name
	if parentPath != "" {
		p = parentPath + "/" + name
	} else if f.rep.Target != "" {
		p = path.Base(strings.ReplaceAll(f.rep.Target, `\`, "/")) + "/" + name
	}
	c := r.analyze(ctx, name, p, data, depth+1)
	f.rep.Children = append(f.rep.Children, c)
}

func (r *run) yara(ctx context.Context, f *fileCtx) {
	a := r.a
	switch {
	case a.rules != nil:
		res := &YARAResult{Enabled: true}
		matches, err := a.rules.Scan(ctx, f.data, a.opts.Timeout)
		if err != nil {
			res.Error = err.Error()
		}
		res.Matches = matches
		for _, m := range matches {
			f.add("yara."+m.Rule, m.Score(50), "YARA rule matched", m.Rule)
		}
		f.rep.YARA = res
	case a.yaraMsg != "":
		f.rep.YARA = &YARAResult{Enabled: false, Message: a.yaraMsg}
	}
}

// mergeChildren adds one reason for the worst child (its score counts for
// the parent) and zero-weight reasons for the other non-clean ones, and
// lifts the children's indicators to the parent.
func (r *run) mergeChildren(f *fileCtx) {
	var worst *Report
	for _, c := range f.rep.Children {
		if worst == nil || c.Score > worst.Score {
			worst = c
		}
	}
	for _, c := range f.rep.Children {
		for _, ind := range c.Indicators {
			ind.Source = c.Path + ":" + ind.Source
			f.set.Add(ind)
		}
		if c.Incomplete {
			f.rep.Incomplete = true
		}
		if c.Verdict == VerdictClean {
			continue
		}
		w := 0
		if c == worst {
			w = c.Score
		}
		f.add("child."+string(c.Verdict), w, fmt.Sprintf("embedded file is %s", c.Verdict), c.Path+": "+topReasons(c, 3))
	}
}

func topReasons(r *Report, n int) string {
	rs := append([]Reason(nil), r.Reasons...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Weight > rs[j].Weight })
	var parts []string
	for i, re := range rs {
		if i >= n || re.Weight <= 0 {
			break
		}
		parts = append(parts, re.Code)
	}
	return strings.Join(parts, ", ")
}
