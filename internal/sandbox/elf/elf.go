// Package elf analyses ELF binaries statically: class, machine, type,
// interpreter, sections with entropy, needed libraries and imported symbols,
// static/stripped state, and traits common in Linux malware (ptrace
// anti-debugging, LD_PRELOAD hijacking, /dev/tcp reverse shells, UPX).
package elf

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	delf "debug/elf"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

// ErrNotELF is returned for data that is not an ELF file.
var ErrNotELF = errors.New("not an ELF file")

const maxSymbols = 20_000

// Section is one section header with the entropy of its contents.
type Section struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Offset  uint64   `json:"offset"`
	Size    uint64   `json:"size"`
	Entropy float64  `json:"entropy"`
	Flags   []string `json:"flags,omitempty"`
}

// Info is the result of Analyze.
type Info struct {
	Class       string    `json:"class"`
	Endianness  string    `json:"endianness"`
	OSABI       string    `json:"os_abi"`
	Machine     string    `json:"machine"`
	Type        string    `json:"type"`
	EntryPoint  uint64    `json:"entry_point"`
	Interpreter string    `json:"interpreter,omitempty"`
	Sections    []Section `json:"sections"`
	Libraries   []string  `json:"libraries,omitempty"`
	Imports     []string  `json:"imports,omitempty"`
	ImportCount int       `json:"import_count"`
	Static      bool      `json:"static"`
	Stripped    bool      `json:"stripped"`
	Packers     []string  `json:"packers,omitempty"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

// Analyze parses data as an ELF file.
func Analyze(data []byte) (*Info, error) {
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		return nil, ErrNotELF
	}
	f, err := delf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("cannot parse ELF headers: %w", err)
	}
	defer f.Close()
	info := &Info{
		Class:      strings.TrimPrefix(f.Class.String(), "ELFCLASS"),
		Endianness: f.ByteOrder.String(),
		OSABI:      strings.TrimPrefix(f.OSABI.String(), "ELFOSABI_"),
		Machine:    strings.TrimPrefix(f.Machine.String(), "EM_"),
		Type:       strings.TrimPrefix(f.Type.String(), "ET_"),
		EntryPoint: f.Entry,
	}
	hasDynamic := false
	for _, p := range f.Progs {
		switch p.Type {
		case delf.PT_INTERP:
			if b := sliceU(data, p.Off, p.Filesz); b != nil {
				info.Interpreter = strings.TrimRight(string(b), "\x00")
			}
		case delf.PT_DYNAMIC:
			hasDynamic = true
		}
	}
	hasSymtab := false
	for _, s := range f.Sections {
		sec := Section{Name: s.Name, Type: strings.TrimPrefix(s.Type.String(), "SHT_"), Offset: s.Offset, Size: s.Size}
		if s.Type != delf.SHT_NOBITS {
			if b := sliceU(data, s.Offset, s.Size); b != nil {
				sec.Entropy = strs.Entropy(b)
			}
		}
		if s.Flags&delf.SHF_WRITE != 0 {
			sec.Flags = append(sec.Flags, "W")
		}
		if s.Flags&delf.SHF_ALLOC != 0 {
			sec.Flags = append(sec.Flags, "A")
		}
		if s.Flags&delf.SHF_EXECINSTR != 0 {
			sec.Flags = append(sec.Flags, "X")
		}
		if s.Type == delf.SHT_SYMTAB {
			hasSymtab = true
		}
		info.Sections = append(info.Sections, sec)
	}
	info.Static = !hasDynamic && info.Interpreter == ""
	info.Stripped = !hasSymtab
	if libs, err := f.ImportedLibraries(); err == nil {
		info.Libraries = libs
	}
	if syms, err := f.ImportedSymbols(); err == nil {
		for i, s := range syms {
			if i >= maxSymbols {
				break
			}
			name := s.Name
			if s.Library != "" {
				name = s.Library + "!" + s.Name
			}
			info.Imports = append(info.Imports, name)
		}
		info.ImportCount = len(syms)
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

var suspiciousStrings = []struct {
	code, needle, message string
	weight                int
}{
	{"elf.ld_preload", "LD_PRELOAD", "mentions LD_PRELOAD (library injection / rootkit)", 10},
	{"elf.ld_so_preload", "/etc/ld.so.preload", "writes or reads /etc/ld.so.preload (userland rootkit)", 25},
	{"elf.dev_tcp", "/dev/tcp/", "uses bash /dev/tcp (reverse shell)", 25},
	{"elf.crontab", "/etc/crontab", "touches the system crontab (persistence)", 5},
	{"elf.systemd_unit", "/etc/systemd/system/", "writes systemd units (persistence)", 5},
	{"elf.ssh_keys", "authorized_keys", "touches SSH authorized_keys (persistence)", 10},
	{"elf.shadow", "/etc/shadow", "reads /etc/shadow (credential access)", 10},
	{"elf.proc_mem", "/proc/self/exe", "re-reads its own executable", 0},
	{"elf.kill_av", "iptables -F", "flushes firewall rules", 10},
	{"elf.miner", "stratum+tcp://", "contains a mining pool URL (cryptominer)", 30},
	{"elf.history_wipe", "HISTFILE=/dev/null", "disables shell history", 10},
}

func (info *Info) judge(data []byte) {
	add := func(code string, weight int, msg, ev string) {
		info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
	}
	imports := map[string]bool{}
	for _, imp := range info.Imports {
		_, fn, ok := strings.Cut(imp, "!")
		if !ok {
			fn = imp
		}
		fn, _, _ = strings.Cut(fn, "@")
		imports[fn] = true
	}
	if imports["ptrace"] {
		add("elf.ptrace", 10, "imports ptrace (anti-debugging or process injection)", "ptrace")
	}
	if imports["dlopen"] && imports["dlsym"] && info.ImportCount <= 10 {
		add("elf.few_imports_dynamic", 10, "imports almost nothing but dlopen/dlsym", fmt.Sprintf("%d imports", info.ImportCount))
	}
	for _, s := range suspiciousStrings {
		if bytes.Contains(data, []byte(s.needle)) {
			add(s.code, s.weight, s.message, s.needle)
		}
	}
	packers := map[string]bool{}
	if bytes.Contains(data, []byte("UPX!")) {
		packers["UPX"] = true
	}
	for _, s := range info.Sections {
		if strings.HasPrefix(s.Name, "UPX") || strings.HasPrefix(s.Name, ".upx") {
			packers["UPX"] = true
		}
		if s.Entropy >= 7.2 && s.Size >= 1024 && hasFlag(s.Flags, "X") {
			add("elf.section_high_entropy_code", 15, "executable section has very high entropy (packed or encrypted)", fmt.Sprintf("%s %.2f", s.Name, s.Entropy))
		}
		if hasFlag(s.Flags, "W") && hasFlag(s.Flags, "X") {
			add("elf.section_wx", 10, "section is both writable and executable", s.Name)
		}
	}
	if len(info.Sections) == 0 {
		add("elf.no_sections", 10, "no section headers (stripped or packed)", "")
	}
	for p := range packers {
		info.Packers = append(info.Packers, p)
	}
	sort.Strings(info.Packers)
	if len(info.Packers) > 0 {
		add("elf.packer", 20, "packed with a known packer", strings.Join(info.Packers, ", "))
	}
	if info.Static && info.Stripped {
		add("elf.static_stripped", 0, "statically linked and stripped", "")
	}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
