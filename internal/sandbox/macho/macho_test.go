package macho_test

import (
	"encoding/binary"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/macho"
)

// thin builds a 64-bit Mach-O with LC_LOAD_DYLIB and LC_CODE_SIGNATURE.
func thin() []byte {
	le := binary.LittleEndian
	var cmds []byte
	dylib := make([]byte, 24)
	le.PutUint32(dylib[0:], 0xc)
	name := "/usr/lib/libSystem.B.dylib\x00"
	size := (24 + len(name) + 7) &^ 7
	le.PutUint32(dylib[4:], uint32(size))
	le.PutUint32(dylib[8:], 24)
	dylib = append(dylib, name...)
	for len(dylib) < size {
		dylib = append(dylib, 0)
	}
	cmds = append(cmds, dylib...)
	sig := make([]byte, 16)
	le.PutUint32(sig[0:], 0x1d)
	le.PutUint32(sig[4:], 16)
	cmds = append(cmds, sig...)
	h := make([]byte, 32)
	le.PutUint32(h[0:], 0xfeedfacf)
	le.PutUint32(h[4:], 0x01000007) // x86_64
	le.PutUint32(h[8:], 3)
	le.PutUint32(h[12:], 2) // MH_EXECUTE
	le.PutUint32(h[16:], 2)
	le.PutUint32(h[20:], uint32(len(cmds)))
	return append(h, cmds...)
}

func fat() []byte {
	t := thin()
	be := binary.BigEndian
	h := make([]byte, 8+20)
	be.PutUint32(h[0:], 0xcafebabe)
	be.PutUint32(h[4:], 1)
	be.PutUint32(h[8:], 0x01000007)
	be.PutUint32(h[12:], 3)
	be.PutUint32(h[16:], 4096)
	be.PutUint32(h[20:], uint32(len(t)))
	be.PutUint32(h[24:], 12)
	out := make([]byte, 4096)
	copy(out, h)
	return append(out, t...)
}

func TestAnalyze(t *testing.T) {
	for name, b := range map[string][]byte{"thin": thin(), "fat": fat()} {
		info, err := macho.Analyze(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := info.Archs[0]
		if info.Fat != (name == "fat") || a.CPU != "Amd64" || !a.CodeSignature || len(a.Libraries) != 1 {
			t.Errorf("%s: %+v", name, info)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(thin())
	f.Add(fat())
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = macho.Analyze(b)
	})
}
