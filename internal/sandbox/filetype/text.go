package filetype

import (
	"bytes"
	"path"
	"regexp"
	"strings"
)

// scriptMarkers are content patterns that vote for a script language. The
// language with the most votes wins; the extension breaks ties.
var scriptMarkers = map[ID][]*regexp.Regexp{
	PowerShell: compileAll(
		`(?i)\$env:`, `(?i)\b(?:invoke-expression|invoke-webrequest|invoke-restmethod|iex)\b`, `(?i)\[system\.[a-z.]+\]::`,
		`(?i)\b(?:get|set|new|write|start|add|remove)-[a-z]+\b`, `(?i)-(?:encodedcommand|executionpolicy|windowstyle|noprofile)\b`,
		`(?i)\bparam\s*\(`, `(?i)\$[a-z_][a-z0-9_]*\s*=`, `(?i)\bfunction\s+[a-z]+-[a-z]+`, `(?i)\[convert\]::`,
	),
	JavaScript: compileAll(
		`\bfunction\s*[A-Za-z0-9_$]*\s*\(`, `\bvar\s+[A-Za-z_$][\w$]*\s*=`, `\b(?:let|const)\s+[A-Za-z_$][\w$]*\s*=`,
		`\bnew\s+ActiveXObject\s*\(`, `\beval\s*\(`, `String\.fromCharCode\s*\(`, `\bdocument\.(?:write|getElementById|createElement)`,
		`\bWScript\.(?:CreateObject|Echo|Sleep)\s*\(`, `=>\s*\{`, `;\s*$`,
	),
	VBScript: compileAll(
		`(?im)^\s*dim\s+\w+`, `(?i)\bcreateobject\s*\(`, `(?im)^\s*(?:private\s+|public\s+)?(?:sub|function)\s+\w+`, `(?im)^\s*end\s+(?:sub|function|if)\b`,
		`(?i)\bon\s+error\s+resume\s+next\b`, `(?im)^\s*set\s+\w+\s*=`, `(?i)\bwscript\.(?:shell|echo|sleep|createobject)\b`, `(?i)\bchrw?\s*\(\s*\d+\s*\)\s*&`,
		`(?im)^\s*'`, `(?i)\bthen\s*$`,
	),
	Batch: compileAll(
		`(?im)^\s*@?echo\s+(?:off|on)\b`, `(?i)%~dp0`, `(?im)^\s*set\s+/[ap]\s`, `(?im)^\s*goto\s+:?\w+`, `(?im)^\s*:[a-z_]\w*\s*$`,
		`(?im)^\s*rem\s`, `(?i)%[a-z_]+%`, `(?im)^\s*if\s+(?:not\s+)?(?:exist|errorlevel|defined)\b`, `(?i)\bstart\s+""`,
	),
	Shell: compileAll(
		`(?m)^\s*(?:if|while|for)\s.*;\s*(?:then|do)\b`, `(?m)^\s*fi\s*$`, `(?m)^\s*done\s*$`, `\$\{[A-Za-z_][A-Za-z0-9_]*\}`,
		`(?m)^\s*export\s+[A-Z_]+=`, `\|\s*(?:sh|bash)\b`, `(?:curl|wget)\s+-`, `(?m)^\s*chmod\s+[+0-7]`,
	),
	Python: compileAll(
		`(?m)^\s*import\s+[a-z_][\w.]*\s*$`, `(?m)^\s*from\s+[\w.]+\s+import\s`, `(?m)^\s*def\s+\w+\s*\(.*\)\s*:`, `(?m)^\s*class\s+\w+.*:\s*$`,
		`if\s+__name__\s*==\s*['"]__main__['"]`, `\bprint\s*\(`, `(?m)^\s*elif\s`,
	),
}

func compileAll(exprs ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(exprs))
	for i, e := range exprs {
		out[i] = regexp.MustCompile(e)
	}
	return out
}

var extScript = map[string]ID{
	"ps1": PowerShell, "psm1": PowerShell, "psd1": PowerShell,
	"js": JavaScript, "jse": JavaScript, "mjs": JavaScript, "cjs": JavaScript,
	"vbs": VBScript, "vbe": VBScript, "vba": VBScript, "bas": VBScript,
	"bat": Batch, "cmd": Batch,
	"sh": Shell, "bash": Shell, "zsh": Shell, "ksh": Shell,
	"py": Python, "pyw": Python, "pl": Perl, "pm": Perl,
}

func detectText(data []byte, name string) ID {
	h := head(data, 64<<10)
	trim := bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xef\xbb\xbf")), " \t\r\n")
	if id, ok := shebang(trim); ok {
		return id
	}
	low := bytes.ToLower(head(trim, 4096))
	switch {
	case bytes.Contains(low, []byte("<hta:application")):
		return HTA
	case bytes.HasPrefix(low, []byte("<!doctype html")) || bytes.HasPrefix(low, []byte("<html")) ||
		(bytes.Contains(low, []byte("<script")) && bytes.Contains(low, []byte("</"))):
		return HTML
	case bytes.HasPrefix(low, []byte("<?xml")) || bytes.HasPrefix(low, []byte("<svg")):
		return XML
	case (trim[0] == '{' || trim[0] == '[') && looksJSON(trim):
		return JSON
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	best, bestVotes := Text, 0
	// Votes are cast on the first 8 KiB: enough to recognise a language and
	// keeps detection cheap for archives of thousands of text files.
	text := string(head(h, 8192))
	for id, res := range scriptMarkers {
		votes := 0
		for _, re := range res {
			if re.MatchString(text) {
				votes++
			}
		}
		if extScript[ext] == id && votes > 0 {
			votes += 2
		}
		if votes > bestVotes || (votes == bestVotes && votes > 0 && id < best) {
			best, bestVotes = id, votes
		}
	}
	if bestVotes >= 2 {
		return best
	}
	if id, ok := extScript[ext]; ok {
		return id
	}
	return Text
}

func shebang(b []byte) (ID, bool) {
	if !bytes.HasPrefix(b, []byte("#!")) {
		return "", false
	}
	line := string(b[:max(0, bytes.IndexByte(b, '\n'))])
	if bytes.IndexByte(b, '\n') < 0 {
		line = string(b)
	}
	switch {
	case strings.Contains(line, "python"):
		return Python, true
	case strings.Contains(line, "perl"):
		return Perl, true
	case strings.Contains(line, "node"):
		return JavaScript, true
	case strings.Contains(line, "pwsh") || strings.Contains(line, "powershell"):
		return PowerShell, true
	case strings.Contains(line, "sh"):
		return Shell, true
	}
	return Shell, true
}

func looksJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	last := t[len(t)-1]
	return (t[0] == '{' && last == '}') || (t[0] == '[' && last == ']')
}
