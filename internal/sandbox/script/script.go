// Package script scores scripts (PowerShell, JavaScript, VBScript, shell,
// batch, VBA) for obfuscation and dangerous behaviour, with every reason
// listed, and decodes base64 payloads (including PowerShell
// -EncodedCommand) so indicators hidden inside them can be extracted.
package script

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

// Language names a script language.
type Language string

// Languages.
const (
	PowerShell Language = "powershell"
	JavaScript Language = "javascript"
	VBScript   Language = "vbscript"
	VBA        Language = "vba"
	Shell      Language = "shell"
	Batch      Language = "batch"
	Python     Language = "python"
	Perl       Language = "perl"
	HTML       Language = "html"
	Unknown    Language = "unknown"
)

// Limits.
const (
	maxInput    = 16 << 20
	maxDecoded  = 32
	maxDecodeSz = 1 << 20
)

// Decoded is a base64 payload found in the script and decoded.
type Decoded struct {
	// Encoding is "base64" or "base64-utf16le" (PowerShell -EncodedCommand).
	Encoding string `json:"encoding"`
	Offset   int    `json:"offset"`
	// Text is the decoded content when it is printable (capped at 64 KiB).
	Text string `json:"text,omitempty"`
	Size int    `json:"size"`
	// Binary is set when the payload decodes to non-text bytes (a PE, shellcode...).
	Binary bool   `json:"binary"`
	Data   []byte `json:"-"`
}

// Info is the result of Analyze.
type Info struct {
	Language Language `json:"language"`
	Lines    int      `json:"lines"`
	MaxLine  int      `json:"max_line_length"`
	Entropy  float64  `json:"entropy"`
	// ObfuscationScore is 0..100, the sum of the obfuscation reasons' weights.
	ObfuscationScore int       `json:"obfuscation_score"`
	Decoded          []Decoded `json:"decoded,omitempty"`
	// Findings are the obfuscation and behaviour reasons, each with its weight.
	Findings []finding.Finding `json:"-"`
}

type rule struct {
	code, message string
	weight        int
	obfuscation   bool
	langs         []Language // empty = all
	re            *regexp.Regexp
	minHits       int
}

func r(code string, weight int, obf bool, msg, expr string, langs ...Language) rule {
	return rule{code: code, message: msg, weight: weight, obfuscation: obf, re: regexp.MustCompile(expr), langs: langs, minHits: 1}
}

func rn(n int, ru rule) rule { ru.minHits = n; return ru }

var rules = []rule{
	// Obfuscation.
	r("script.encoded_command", 30, true, "PowerShell runs a base64 -EncodedCommand", `(?i)(?:^|\s)-e(?:nc(?:odedcommand)?|ncodedcommand|c)?\s+[A-Za-z0-9+/=]{20,}`),
	r("script.frombase64", 15, true, "decodes base64 at run time", `(?i)FromBase64String|atob\s*\(|base64\s+-d|base64\s+--decode|certutil\s+-decode|DecodeBase64`),
	rn(5, r("script.char_codes", 20, true, "builds strings from character codes", `(?i)\[char\]\s*\d{2,3}|ChrW?\s*\(\s*\d{2,3}\s*\)|String\.fromCharCode\s*\(|\\x[0-9a-f]{2}\\x[0-9a-f]{2}`)),
	r("script.char_array", 15, true, "large numeric array decoded to text", `(?:\b\d{2,3}\s*,\s*){30,}`),
	r("script.eval", 15, true, "evaluates dynamically built code", `(?i)\b(?:eval|execute|executeglobal)\s*\(|\bnew\s+Function\s*\(|\bInvoke-Expression\b|\biex\b|\|\s*iex|&\s*\(\s*\$|\.Invoke\s*\(`),
	r("script.string_reverse", 10, true, "reverses strings at run time", `(?i)StrReverse|\.reverse\(\)\s*\.join|-join\s*\(.*\[-1\.\.`),
	r("script.replace_chain", 10, true, "chains string replacements to rebuild keywords", `(?i)(?:\.replace\s*\([^)]*\)\s*){3,}|(?:-replace\s+'[^']*'\s*,\s*'[^']*'\s*){3,}`),
	r("script.backtick_escape", 15, true, "PowerShell backtick-escaped keywords", "(?i)[a-z]`[a-z]`[a-z]", PowerShell),
	r("script.format_operator", 10, true, "PowerShell -f format operator reorders string fragments", `(?i)\(\s*"(?:\{\d+\}){3,}"\s*-f`, PowerShell),
	r("script.caret_escape", 15, true, "batch caret-escaped keywords", `(?i)[a-z]\^[a-z]\^[a-z]`, Batch),
	r("script.env_substring", 15, true, "batch builds commands from environment-variable substrings", `%[A-Za-z_]+:~-?\d+,?-?\d*%`, Batch),
	r("script.hidden_window", 10, false, "starts hidden, bypasses execution policy or profile", `(?i)-w(?:indowstyle)?\s+h(?:idden)?\b|-ep\s+bypass|-exec(?:utionpolicy)?\s+bypass|-nop(?:rofile)?\b|-noni(?:nteractive)?\b`),
	// Behaviour.
	r("script.download_cradle", 30, false, "downloads content from the network", `(?i)Net\.WebClient|DownloadString|DownloadFile|DownloadData|Invoke-WebRequest|\biwr\b|Invoke-RestMethod|\birm\b|Start-BitsTransfer|MSXML2\.XMLHTTP|WinHttp\.WinHttpRequest|XMLHttpRequest|\bcurl\s+(?:-[a-zA-Z]+\s+)*https?://|\bwget\s+(?:-[a-zA-Z-]+\s+)*https?://|bitsadmin\s+/transfer|certutil\s+.*-urlcache`),
	r("script.pipe_to_shell", 35, false, "pipes downloaded content straight into a shell", `(?i)(?:curl|wget)[^|\n]*\|\s*(?:sudo\s+)?(?:ba|z|k)?sh\b|DownloadString\([^)]*\)\s*\|\s*iex|iex\s*\(\s*(?:New-Object\s+)?(?:System\.)?Net\.WebClient`),
	r("script.process_exec", 10, false, "starts processes", `(?i)WScript\.Shell|Shell\.Application|ShellExecute|Start-Process|\bsubprocess\.|os\.system\(|\bexec\s*\(|Win32_Process|cmd(?:\.exe)?\s+/c|powershell(?:\.exe)?\s`),
	r("script.lolbin", 15, false, "uses living-off-the-land binaries", `(?i)\b(?:mshta|regsvr32|rundll32|certutil|bitsadmin|wmic|msbuild|installutil|regasm|cmstp|forfiles|odbcconf)(?:\.exe)?\b`),
	r("script.persistence", 15, false, "creates persistence (Run keys, scheduled tasks, cron, services)", `(?i)CurrentVersion\\Run|schtasks\s+/create|Register-ScheduledTask|New-Service|sc(?:\.exe)?\s+create|crontab\s+-|/etc/cron|systemctl\s+enable|\\Startup\\`),
	r("script.defense_evasion", 25, false, "disables security tools or logging", `(?i)Set-MpPreference\s+-Disable|DisableRealtimeMonitoring|AmsiUtils|amsiInitFailed|Add-MpPreference\s+-ExclusionPath|wevtutil\s+cl|Clear-EventLog|vssadmin\s+delete\s+shadows|bcdedit\s+/set|setenforce\s+0|ufw\s+disable|iptables\s+-F`),
	r("script.reflection", 20, false, "loads code in memory (reflection, VirtualAlloc, shellcode)", `(?i)Reflection\.Assembly\]::Load|\[System\.Reflection\.Assembly\]|VirtualAlloc|CreateThread|Marshal\]::Copy|GetDelegateForFunctionPointer|DllImport`),
	r("script.reverse_shell", 40, false, "opens a reverse shell", `/dev/tcp/\d|nc(?:at)?\s+(?:-[a-z]+\s+)*-e\s+/bin/|Net\.Sockets\.TCPClient|bash\s+-i\s+>&|socket\.socket\(.*\bsubprocess|mkfifo\s+/tmp/`),
	r("script.credential_access", 20, false, "touches credentials", `(?i)mimikatz|sekurlsa|Get-Credential|lsass|/etc/shadow|Login Data|\\Cookies|wallet\.dat`),
	r("script.activex", 10, false, "instantiates ActiveX/COM objects", `(?i)new\s+ActiveXObject|CreateObject\s*\(|GetObject\s*\(`),
	r("script.file_write", 5, false, "writes files", `(?i)ADODB\.Stream|SaveToFile|Scripting\.FileSystemObject|Out-File|Set-Content|WriteAllBytes|>\s*%TEMP%|>\s*/tmp/`),
	r("script.chmod_exec", 10, false, "makes a downloaded file executable and runs it", `(?i)chmod\s+(?:\+x|[0-7]*7[0-7]*)\s+\S+\s*(?:;|&&)\s*\./`, Shell),
}

// Analyze scores src, written in lang.
func Analyze(src []byte, lang Language) *Info {
	src = toUTF8(src)
	if len(src) > maxInput {
		src = src[:maxInput]
	}
	info := &Info{Language: lang}
	info.Entropy = strs.Entropy(src)
	text := string(src)
	lines := strings.Split(text, "\n")
	info.Lines = len(lines)
	for _, l := range lines {
		info.MaxLine = max(info.MaxLine, len(l))
	}
	add := func(code string, weight int, obf bool, msg, ev string) {
		info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
		if obf {
			info.ObfuscationScore += weight
		}
	}
	for _, ru := range rules {
		if !ru.applies(lang) {
			continue
		}
		hits := ru.re.FindAllString(text, ru.minHits)
		if len(hits) < ru.minHits {
			continue
		}
		add(ru.code, ru.weight, ru.obfuscation, ru.message, truncate(hits[0], 120))
	}
	if info.MaxLine > 1000 && len(src) > 2000 {
		add("script.long_lines", 10, true, "very long lines (packed or minified code)", fmt.Sprintf("%d characters", info.MaxLine))
	}
	if info.Entropy > 5.2 && len(src) > 1024 {
		add("script.high_entropy", 10, true, "high character entropy for a script (encoded payload)", fmt.Sprintf("%.2f bits/byte", info.Entropy))
	}
	if n, density := concatDensity(text, lang); n >= 30 && density > 0.02 {
		add("script.concatenation", 15, true, "dense string concatenation (splitting keywords to dodge signatures)", fmt.Sprintf("%d concatenations", n))
	}
	if frac, long := identifierRandomness(text); long >= 10 && frac > 0.5 {
		add("script.random_identifiers", 10, true, "many random-looking identifiers", fmt.Sprintf("%d long identifiers, %.0f%% random", long, frac*100))
	}
	info.decodeBase64(text)
	// Decoded payloads are scored with the same rules, once: what a script
	// hides in base64 is what it does.
	have := map[string]bool{}
	for _, f := range info.Findings {
		have[f.Code] = true
	}
	for i, d := range info.Decoded {
		if d.Text == "" {
			continue
		}
		for _, ru := range rules {
			if have[ru.code] || !ru.applies(lang) {
				continue
			}
			hits := ru.re.FindAllString(d.Text, ru.minHits)
			if len(hits) < ru.minHits {
				continue
			}
			have[ru.code] = true
			add(ru.code, ru.weight, ru.obfuscation, ru.message+" (in a decoded payload)", fmt.Sprintf("decoded[%d]: %s", i, truncate(hits[0], 120)))
		}
	}
	for _, d := range info.Decoded {
		if d.Binary && len(d.Data) >= 2 && d.Data[0] == 'M' && d.Data[1] == 'Z' {
			add("script.embedded_pe", 40, false, "carries a base64-encoded Windows executable", fmt.Sprintf("%d bytes at %d", d.Size, d.Offset))
			break
		}
	}
	if len(info.Decoded) > 0 {
		add("script.base64_payload", 10, true, "contains base64 payloads that decode to content", fmt.Sprintf("%d payloads", len(info.Decoded)))
	}
	have = map[string]bool{}
	for _, f := range info.Findings {
		have[f.Code] = true
	}
	if info.ObfuscationScore >= 25 && (have["script.download_cradle"] || have["script.pipe_to_shell"] || have["script.reflection"]) {
		add("script.obfuscated_downloader", 20, false, "obfuscated code that downloads or loads a payload", "")
	}
	info.ObfuscationScore = min(info.ObfuscationScore, 100)
	return info
}

func (ru rule) applies(lang Language) bool {
	if len(ru.langs) == 0 {
		return true
	}
	for _, l := range ru.langs {
		if l == lang {
			return true
		}
	}
	return false
}

var concatRe = regexp.MustCompile(`["']\s*(?:\+|&|\.\.)\s*["']|["']\s*\+\s*\$?\w+\s*\+\s*["']`)

// concatDensity counts string concatenations per byte.
func concatDensity(text string, lang Language) (int, float64) {
	n := len(concatRe.FindAllStringIndex(text, -1))
	if len(text) == 0 {
		return 0, 0
	}
	return n, float64(n) / float64(len(text)) * 10
}

var identRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]{9,}`)

// identifierRandomness returns the fraction of long identifiers that look
// random (few vowels or mixed digits) and how many long identifiers there are.
func identifierRandomness(text string) (float64, int) {
	ids := identRe.FindAllString(text, 5000)
	seen := map[string]bool{}
	random := 0
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		vowels, digits, upperChanges := 0, 0, 0
		prevUpper := false
		for i, c := range id {
			switch {
			case strings.ContainsRune("aeiouAEIOU", c):
				vowels++
			case c >= '0' && c <= '9':
				digits++
			}
			up := c >= 'A' && c <= 'Z'
			if i > 0 && up != prevUpper {
				upperChanges++
			}
			prevUpper = up
		}
		ratio := float64(vowels) / float64(len(id))
		if ratio < 0.2 || digits >= 3 || float64(upperChanges)/float64(len(id)) > 0.5 {
			random++
		}
	}
	if len(seen) == 0 {
		return 0, 0
	}
	return float64(random) / float64(len(seen)), len(seen)
}

var b64Re = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`)

// decodeBase64 decodes long base64 runs. PowerShell -EncodedCommand is
// UTF-16LE inside base64, so a decode that is mostly NUL-interleaved ASCII is
// converted.
func (info *Info) decodeBase64(text string) {
	for _, loc := range b64Re.FindAllStringIndex(text, 256) {
		if len(info.Decoded) >= maxDecoded {
			return
		}
		s := text[loc[0]:loc[1]]
		if len(s) > maxDecodeSz*4/3 {
			s = s[:maxDecodeSz*4/3]
		}
		s = s[:len(s)-len(s)%4]
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				continue
			}
		}
		// Skip runs that are really identifiers or hex (all letters, all
		// lower-case): they decode to noise.
		if !mixedBase64(s) {
			continue
		}
		d := Decoded{Encoding: "base64", Offset: loc[0], Size: len(b)}
		if u, ok := utf16Text(b); ok {
			d.Encoding = "base64-utf16le"
			b = []byte(u)
		}
		if printableRatio(b) > 0.95 && utf8.Valid(b) {
			d.Text = truncate(string(b), 64<<10)
		} else {
			d.Binary = true
		}
		d.Data = b
		info.Decoded = append(info.Decoded, d)
	}
}

func mixedBase64(s string) bool {
	var up, low, dig bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c >= '0' && c <= '9':
			dig = true
		}
	}
	return up && low && (dig || strings.ContainsAny(s, "+/="))
}

func utf16Text(b []byte) (string, bool) {
	if len(b) < 4 || len(b)%2 != 0 {
		return "", false
	}
	zeros := 0
	for i := 1; i < len(b); i += 2 {
		if b[i] == 0 {
			zeros++
		}
	}
	if zeros*10 < len(b)/2*9 {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u)), true
}

func printableRatio(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	n := 0
	for _, c := range b {
		if (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80 {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// toUTF8 converts UTF-16 text with a BOM (how Windows saves many scripts).
func toUTF8(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xfe")):
		s, _ := utf16Text(append([]byte{}, b[2:len(b)-len(b)%2]...))
		if s == "" {
			u := make([]uint16, (len(b)-2)/2)
			for i := range u {
				u[i] = uint16(b[2+2*i]) | uint16(b[3+2*i])<<8
			}
			s = string(utf16.Decode(u))
		}
		return []byte(s)
	case bytes.HasPrefix(b, []byte("\xfe\xff")):
		u := make([]uint16, (len(b)-2)/2)
		for i := range u {
			u[i] = uint16(b[2+2*i])<<8 | uint16(b[3+2*i])
		}
		return []byte(string(utf16.Decode(u)))
	}
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Score returns the sum of all finding weights, clamped to 0..100.
func (info *Info) Score() int {
	s := 0
	for _, f := range info.Findings {
		s += f.Weight
	}
	return int(math.Min(100, math.Max(0, float64(s))))
}
