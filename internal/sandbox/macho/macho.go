// Package macho analyses Mach-O binaries, thin and universal (fat): CPU
// types, load commands, linked libraries, imported symbols and whether a
// code signature is present.
package macho

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	dmacho "debug/macho"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

// ErrNotMachO is returned for data that is not a Mach-O file.
var ErrNotMachO = errors.New("not a Mach-O file")

const (
	maxSymbols     = 20_000
	lcCodeSign     = 0x1d
	lcEncryptInfo  = 0x21
	lcEncryptInfo6 = 0x2c
)

// Section is one section with the entropy of its contents.
type Section struct {
	Segment string  `json:"segment"`
	Name    string  `json:"name"`
	Offset  uint32  `json:"offset"`
	Size    uint64  `json:"size"`
	Entropy float64 `json:"entropy"`
}

// Arch is one architecture slice.
type Arch struct {
	CPU           string         `json:"cpu"`
	Type          string         `json:"type"`
	LoadCommands  map[string]int `json:"load_commands"`
	Libraries     []string       `json:"libraries,omitempty"`
	Imports       []string       `json:"imports,omitempty"`
	ImportCount   int            `json:"import_count"`
	Sections      []Section      `json:"sections,omitempty"`
	CodeSignature bool           `json:"code_signature"`
	Encrypted     bool           `json:"encrypted"`
}

// Info is the result of Analyze.
type Info struct {
	Fat   bool   `json:"fat"`
	Archs []Arch `json:"archs"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

var loadCmdNames = map[uint32]string{
	0x1: "segment", 0x19: "segment_64", 0x2: "symtab", 0xb: "dysymtab", 0xc: "load_dylib", 0xd: "id_dylib",
	0xe: "load_dylinker", 0x18 | 0x80000000: "load_weak_dylib", 0x1b: "uuid", 0x1c | 0x80000000: "rpath",
	0x1d: "code_signature", 0x1e: "segment_split_info", 0x1f | 0x80000000: "reexport_dylib", 0x21: "encryption_info",
	0x22: "dyld_info", 0x22 | 0x80000000: "dyld_info_only", 0x24: "version_min_macosx", 0x26: "function_starts",
	0x28 | 0x80000000: "main", 0x29: "data_in_code", 0x2a: "source_version", 0x2c: "encryption_info_64",
	0x32: "build_version", 0x33 | 0x80000000: "dyld_exports_trie", 0x34 | 0x80000000: "dyld_chained_fixups",
	0x4: "thread", 0x5: "unixthread", 0x23 | 0x80000000: "lazy_load_dylib",
}

// Analyze parses data as a thin or fat Mach-O.
func Analyze(data []byte) (*Info, error) {
	if len(data) < 8 {
		return nil, ErrNotMachO
	}
	info := &Info{}
	if bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")) {
		ff, err := dmacho.NewFatFile(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("cannot parse fat Mach-O: %w", err)
		}
		defer ff.Close()
		info.Fat = true
		for _, a := range ff.Arches {
			sub := sliceU(data, uint64(a.Offset), uint64(a.Size))
			info.Archs = append(info.Archs, analyzeThin(a.File, sub))
		}
	} else {
		f, err := dmacho.NewFile(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("cannot parse Mach-O: %w", err)
		}
		defer f.Close()
		info.Archs = append(info.Archs, analyzeThin(f, data))
	}
	info.judge(data)
	return info, nil
}

func sliceU(data []byte, off, n uint64) []byte {
	if off > uint64(len(data)) || n > uint64(len(data))-off {
		return nil
	}
	return data[off : off+n]
}

func analyzeThin(f *dmacho.File, data []byte) Arch {
	a := Arch{
		CPU:          strings.TrimPrefix(f.Cpu.String(), "Cpu"),
		Type:         strings.TrimPrefix(f.Type.String(), "Type"),
		LoadCommands: map[string]int{},
	}
	bo := f.ByteOrder
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 8 {
			continue
		}
		cmd := bo.Uint32(raw[0:4])
		name, ok := loadCmdNames[cmd]
		if !ok {
			name = fmt.Sprintf("0x%x", cmd)
		}
		a.LoadCommands[name]++
		switch cmd {
		case lcCodeSign:
			a.CodeSignature = true
		case lcEncryptInfo, lcEncryptInfo6:
			// cryptid != 0 means the text is encrypted (FairPlay or a packer).
			if len(raw) >= 20 && bo.Uint32(raw[16:20]) != 0 {
				a.Encrypted = true
			}
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil {
		a.Libraries = libs
	}
	if syms, err := f.ImportedSymbols(); err == nil {
		a.ImportCount = len(syms)
		if len(syms) > maxSymbols {
			syms = syms[:maxSymbols]
		}
		a.Imports = syms
	}
	for _, s := range f.Sections {
		sec := Section{Segment: s.Seg, Name: s.Name, Offset: s.Offset, Size: s.Size}
		if data != nil && s.Offset != 0 {
			if b := sliceU(data, uint64(s.Offset), s.Size); b != nil {
				sec.Entropy = strs.Entropy(b)
			}
		}
		a.Sections = append(a.Sections, sec)
	}
	return a
}

func (info *Info) judge(data []byte) {
	add := func(code string, weight int, msg, ev string) {
		info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
	}
	unsigned := []string{}
	for _, a := range info.Archs {
		if !a.CodeSignature {
			unsigned = append(unsigned, a.CPU)
		}
		if a.Encrypted {
			add("macho.encrypted", 10, "text segment is encrypted", a.CPU)
		}
		imports := map[string]bool{}
		for _, s := range a.Imports {
			imports[strings.TrimPrefix(s, "_")] = true
		}
		if imports["ptrace"] {
			add("macho.ptrace", 10, "imports ptrace (PT_DENY_ATTACH anti-debugging)", a.CPU)
		}
		var hooks []string
		for _, n := range []string{"CGEventTapCreate", "IOHIDManagerCreate", "CGEventSourceKeyState"} {
			if imports[n] {
				hooks = append(hooks, n)
			}
		}
		if len(hooks) > 0 {
			add("macho.keylogging", 20, "imports keyboard event capture APIs", strings.Join(hooks, ", "))
		}
		for _, s := range a.Sections {
			if s.Entropy >= 7.2 && s.Size >= 1024 && s.Segment == "__TEXT" {
				add("macho.section_high_entropy_code", 15, "code section has very high entropy (packed or encrypted)", s.Name)
			}
		}
	}
	if len(unsigned) > 0 {
		sort.Strings(unsigned)
		add("macho.unsigned", 5, "has no code signature (macOS refuses unsigned arm64 code)", strings.Join(unsigned, ", "))
	}
	for _, n := range []string{"LaunchAgents", "LaunchDaemons"} {
		if bytes.Contains(data, []byte(n)) {
			add("macho.launch_agent", 10, "mentions launchd agent/daemon folders (persistence)", n)
			break
		}
	}
	if bytes.Contains(data, []byte("UPX!")) {
		add("macho.packer", 20, "packed with a known packer", "UPX")
	}
}
