package pe_test

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/pe"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

func sample() []byte {
	return samplegen.PE(samplegen.PEOptions{
		Imports:  []samplegen.Import{{DLL: "ADVAPI32.dll", Funcs: []string{"AdjustTokenPrivileges", "OpenProcessToken", "CreateServiceW", "StartServiceW"}}},
		Exports:  []string{"DllMain"},
		DLL:      true,
		Sections: []samplegen.Section{{Name: ".rsrc", Data: make([]byte, 64), Characteristics: 0x40000040}},
	})
}

func TestAnalyze(t *testing.T) {
	info, err := pe.Analyze(sample(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsDLL || info.Subsystem != "windows_cui" || info.ImportCount != 4 || len(info.ImportDLLs) != 1 {
		t.Errorf("%+v", info)
	}
	codes := map[string]bool{}
	for _, f := range info.Findings {
		codes[f.Code] = true
	}
	for _, c := range []string{"pe.api.privilege", "pe.api.service_install"} {
		if !codes[c] {
			t.Errorf("missing %s in %+v", c, info.Findings)
		}
	}
	if _, err := pe.Analyze([]byte("ELF"), time.Now()); err == nil {
		t.Error("non-PE accepted")
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(sample())
	f.Add(samplegen.PE(samplegen.PEOptions{Overlay: []byte("overlay"), Imports: []samplegen.Import{{DLL: "k.dll", Funcs: []string{"A"}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = pe.Analyze(b, time.Unix(0, 0))
	})
}

func BenchmarkAnalyze(b *testing.B) {
	data := samplegen.PE(samplegen.PEOptions{
		Imports:  []samplegen.Import{{DLL: "KERNEL32.dll", Funcs: []string{"VirtualAlloc", "CreateFileW", "ReadFile"}}},
		Sections: []samplegen.Section{{Name: ".data", Data: make([]byte, 10<<20), Characteristics: 0xC0000040}},
	})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := pe.Analyze(data, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
