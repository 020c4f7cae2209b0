package indicator_test

import (
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/indicator"
)

func TestExtract(t *testing.T) {
	text := `GET hxxps://evil.example.com/gate.php?id=1, mail admin@corp-mail.com; ping 8.8.8.8 and 2001:db8::1;
reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v x; pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT;
version 1.2.3.999 file setup.zip kernel32.dll main.py`
	got := map[string]string{}
	for _, i := range indicator.ExtractAll(text, "t") {
		got[i.Value] = string(i.Type)
	}
	want := map[string]string{
		"https://evil.example.com/gate.php?id=1": "url", "evil.example.com": "domain", "admin@corp-mail.com": "email",
		"8.8.8.8": "ipv4", "2001:db8::1": "ipv6", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v x; pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT;`: "",
		"1BoatSLRHtKNngkdXEeobR76b53LETtpyT": "bitcoin",
	}
	for v, typ := range want {
		if typ == "" {
			continue
		}
		if got[v] != typ {
			t.Errorf("%s: got type %q; all %v", v, got[v], got)
		}
	}
	for _, junk := range []string{"1.2.3.999", "setup.zip", "kernel32.dll", "main.py", "corp-mail.com"} {
		if _, ok := got[junk]; ok {
			t.Errorf("junk %q extracted", junk)
		}
	}
	hasReg := false
	for v, typ := range got {
		hasReg = hasReg || (typ == "registry_key" && len(v) > 20)
	}
	if !hasReg {
		t.Errorf("no registry key in %v", got)
	}
}

func TestBinaryStrictness(t *testing.T) {
	s := indicator.NewSet(0)
	for _, sym := range []string{"time.now", "errors.is", "abi.name", "reflect.Value.Int", "runtime.link"} {
		s.ExtractBinary(sym, "strings")
	}
	s.ExtractBinary("connect c2.badhost.ru now", "strings")
	if s.Len() != 1 || s.Items()[0].Value != "c2.badhost.ru" {
		t.Errorf("%v", s.Items())
	}
	if !indicator.IsRealTLD("a.com") || indicator.IsRealTLD("a.notatld") {
		t.Error("IsRealTLD")
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("http://a.example.com/x user@b.org 1.2.3.4 fe80::1 HKCU\\Software\\x bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
	f.Fuzz(func(t *testing.T, s string) {
		set := indicator.NewSet(100)
		set.Extract(s, "f")
		set.ExtractBinary(s, "f")
		if set.Len() > 100 {
			t.Fatal("cap exceeded")
		}
	})
}
