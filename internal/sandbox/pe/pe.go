// Package pe analyses Windows PE files (EXE, DLL, drivers) statically: headers,
// sections with entropy, imports and exports, suspicious API combinations,
// packer signs, the Authenticode certificate table and the overlay.
package pe

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	dpe "debug/pe"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
)

// ErrNotPE is returned for data that is not a PE file.
var ErrNotPE = errors.New("not a PE file")

// Limits keep a hostile header from making the parser allocate or loop
// without bound.
const (
	maxImports   = 20_000
	maxExports   = 20_000
	maxResources = 10_000
)

// Section is one section header with the entropy of its raw data.
type Section struct {
	Name            string   `json:"name"`
	VirtualAddress  uint32   `json:"virtual_address"`
	VirtualSize     uint32   `json:"virtual_size"`
	RawOffset       uint32   `json:"raw_offset"`
	RawSize         uint32   `json:"raw_size"`
	Entropy         float64  `json:"entropy"`
	Characteristics uint32   `json:"characteristics"`
	Flags           []string `json:"flags"`
	WritableExec    bool     `json:"writable_executable"`
}

// Certificate is one X.509 certificate found in the Authenticode blob.
type Certificate struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	Serial     string    `json:"serial"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	SelfSigned bool      `json:"self_signed"`
}

// Signature describes the security directory (Authenticode).
type Signature struct {
	Present bool   `json:"present"`
	Offset  uint32 `json:"offset"`
	Size    uint32 `json:"size"`
	// Type is the WIN_CERTIFICATE type: "pkcs7" for Authenticode.
	Type string `json:"type,omitempty"`
	// Signer is the certificate named by the first SignerInfo.
	Signer       *Certificate  `json:"signer,omitempty"`
	Certificates []Certificate `json:"certificates,omitempty"`
	// Verified is always false: the signature and chain are parsed, not
	// checked (see docs/sandbox.md).
	Verified bool   `json:"verified"`
	Note     string `json:"note,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Overlay is data appended after the last section (excluding the
// certificate table).
type Overlay struct {
	Offset  int64   `json:"offset"`
	Size    int64   `json:"size"`
	Entropy float64 `json:"entropy"`
}

// Resources summarises the resource tree.
type Resources struct {
	Count       int            `json:"count"`
	Types       map[string]int `json:"types,omitempty"`
	EmbeddedPEs int            `json:"embedded_pes,omitempty"`
}

// Info is the result of Analyze.
type Info struct {
	Machine       string     `json:"machine"`
	Is64          bool       `json:"is_64"`
	IsDLL         bool       `json:"is_dll"`
	IsDriver      bool       `json:"is_driver"`
	Subsystem     string     `json:"subsystem"`
	TimeDateStamp uint32     `json:"time_date_stamp"`
	Timestamp     time.Time  `json:"timestamp"`
	EntryPoint    uint32     `json:"entry_point"`
	ImageBase     uint64     `json:"image_base"`
	Sections      []Section  `json:"sections"`
	ImportDLLs    []string   `json:"import_dlls"`
	Imports       []string   `json:"imports"`
	ImportCount   int        `json:"import_count"`
	Imphash       string     `json:"imphash,omitempty"`
	Exports       []string   `json:"exports,omitempty"`
	Signature     Signature  `json:"signature"`
	Overlay       *Overlay   `json:"overlay,omitempty"`
	Resources     *Resources `json:"resources,omitempty"`
	Packers       []string   `json:"packers,omitempty"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

var machines = map[uint16]string{
	dpe.IMAGE_FILE_MACHINE_I386: "i386", dpe.IMAGE_FILE_MACHINE_AMD64: "amd64", dpe.IMAGE_FILE_MACHINE_ARM: "arm",
	dpe.IMAGE_FILE_MACHINE_ARMNT: "armnt", dpe.IMAGE_FILE_MACHINE_ARM64: "arm64", dpe.IMAGE_FILE_MACHINE_IA64: "ia64",
	dpe.IMAGE_FILE_MACHINE_RISCV64: "riscv64", dpe.IMAGE_FILE_MACHINE_UNKNOWN: "unknown",
}

var subsystems = map[uint16]string{
	dpe.IMAGE_SUBSYSTEM_NATIVE: "native", dpe.IMAGE_SUBSYSTEM_WINDOWS_GUI: "windows_gui", dpe.IMAGE_SUBSYSTEM_WINDOWS_CUI: "windows_cui",
	dpe.IMAGE_SUBSYSTEM_EFI_APPLICATION: "efi_application", dpe.IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER: "efi_boot_driver",
	dpe.IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER: "efi_runtime_driver", dpe.IMAGE_SUBSYSTEM_WINDOWS_CE_GUI: "windows_ce_gui",
	dpe.IMAGE_SUBSYSTEM_XBOX: "xbox", dpe.IMAGE_SUBSYSTEM_POSIX_CUI: "posix_cui",
}

// Analyze parses data as a PE file. now is used to flag timestamps in the
// future.
func Analyze(data []byte, now time.Time) (info *Info, err error) {
	if len(data) < 64 || data[0] != 'M' || data[1] != 'Z' {
		return nil, ErrNotPE
	}
	f, err := dpe.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("cannot parse PE headers: %w", err)
	}
	defer f.Close()
	info = &Info{
		Machine:       machineName(f.Machine),
		IsDLL:         f.Characteristics&dpe.IMAGE_FILE_DLL != 0,
		TimeDateStamp: f.TimeDateStamp,
		Timestamp:     time.Unix(int64(f.TimeDateStamp), 0).UTC(),
	}
	var dirs []dpe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *dpe.OptionalHeader32:
		info.Subsystem = subsystemName(oh.Subsystem)
		info.EntryPoint = oh.AddressOfEntryPoint
		info.ImageBase = uint64(oh.ImageBase)
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), 16)]
	case *dpe.OptionalHeader64:
		info.Is64 = true
		info.Subsystem = subsystemName(oh.Subsystem)
		info.EntryPoint = oh.AddressOfEntryPoint
		info.ImageBase = oh.ImageBase
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), 16)]
	}
	info.IsDriver = info.Subsystem == "native"
	img := &image{data: data, f: f}

	info.sections(f, data)
	info.imports(f)
	if len(dirs) > dpe.IMAGE_DIRECTORY_ENTRY_EXPORT {
		info.Exports = img.exports(dirs[dpe.IMAGE_DIRECTORY_ENTRY_EXPORT])
	}
	if len(dirs) > dpe.IMAGE_DIRECTORY_ENTRY_RESOURCE && dirs[dpe.IMAGE_DIRECTORY_ENTRY_RESOURCE].Size > 0 {
		info.Resources = img.resources(dirs[dpe.IMAGE_DIRECTORY_ENTRY_RESOURCE])
	}
	var cert dpe.DataDirectory
	if len(dirs) > dpe.IMAGE_DIRECTORY_ENTRY_SECURITY {
		cert = dirs[dpe.IMAGE_DIRECTORY_ENTRY_SECURITY]
		info.Signature = parseSignature(data, cert)
	}
	info.overlay(data, cert)
	info.judge(data, now)
	return info, nil
}

func machineName(m uint16) string {
	if s, ok := machines[m]; ok {
		return s
	}
	return fmt.Sprintf("0x%04x", m)
}

func subsystemName(s uint16) string {
	if n, ok := subsystems[s]; ok {
		return n
	}
	return fmt.Sprintf("%d", s)
}

func (info *Info) sections(f *dpe.File, data []byte) {
	for _, s := range f.Sections {
		sec := Section{
			Name:            s.Name,
			VirtualAddress:  s.VirtualAddress,
			VirtualSize:     s.VirtualSize,
			RawOffset:       s.Offset,
			RawSize:         s.Size,
			Characteristics: s.Characteristics,
		}
		if raw := slice(data, int64(s.Offset), int64(s.Size)); raw != nil {
			sec.Entropy = strs.Entropy(raw)
		}
		c := s.Characteristics
		if c&dpe.IMAGE_SCN_MEM_READ != 0 {
			sec.Flags = append(sec.Flags, "R")
		}
		if c&dpe.IMAGE_SCN_MEM_WRITE != 0 {
			sec.Flags = append(sec.Flags, "W")
		}
		if c&dpe.IMAGE_SCN_MEM_EXECUTE != 0 {
			sec.Flags = append(sec.Flags, "X")
		}
		if c&dpe.IMAGE_SCN_CNT_CODE != 0 {
			sec.Flags = append(sec.Flags, "CODE")
		}
		sec.WritableExec = c&dpe.IMAGE_SCN_MEM_WRITE != 0 && c&dpe.IMAGE_SCN_MEM_EXECUTE != 0
		info.Sections = append(info.Sections, sec)
	}
}

// slice returns data[off:off+n] or nil when it is out of range.
func slice(data []byte, off, n int64) []byte {
	if off < 0 || n < 0 || off > int64(len(data)) || n > int64(len(data))-off {
		return nil
	}
	return data[off : off+n]
}

func (info *Info) imports(f *dpe.File) {
	syms, err := f.ImportedSymbols()
	if err != nil {
		syms = nil
	}
	dlls, _ := f.ImportedLibraries()
	seenDLL := map[string]bool{}
	var imphash []string
	for _, s := range syms {
		if len(info.Imports) >= maxImports {
			break
		}
		// debug/pe gives "func:dll".
		fn, dll, ok := strings.Cut(s, ":")
		if !ok {
			continue
		}
		dll = strings.ToLower(dll)
		if !seenDLL[dll] {
			seenDLL[dll] = true
			info.ImportDLLs = append(info.ImportDLLs, dll)
		}
		info.Imports = append(info.Imports, dll+"!"+fn)
		base := dll
		for _, ext := range []string{".dll", ".ocx", ".sys"} {
			base = strings.TrimSuffix(base, ext)
		}
		imphash = append(imphash, base+"."+strings.ToLower(fn))
	}
	for _, d := range dlls {
		d = strings.ToLower(d)
		if !seenDLL[d] {
			seenDLL[d] = true
			info.ImportDLLs = append(info.ImportDLLs, d)
		}
	}
	info.ImportCount = len(info.Imports)
	if len(imphash) > 0 {
		// The imphash convention (lower-case dll.func joined by commas, MD5).
		sum := md5.Sum([]byte(strings.Join(imphash, ",")))
		info.Imphash = hex.EncodeToString(sum[:])
	}
}

// image resolves RVAs to file offsets.
type image struct {
	data []byte
	f    *dpe.File
}

func (im *image) offset(rva uint32) (int64, bool) {
	for _, s := range im.f.Sections {
		size := max(s.VirtualSize, s.Size)
		if rva >= s.VirtualAddress && rva-s.VirtualAddress < size {
			off := int64(s.Offset) + int64(rva-s.VirtualAddress)
			if off < int64(len(im.data)) {
				return off, true
			}
			return 0, false
		}
	}
	return 0, false
}

func (im *image) bytesAt(rva uint32, n int) []byte {
	off, ok := im.offset(rva)
	if !ok {
		return nil
	}
	return slice(im.data, off, int64(n))
}

func (im *image) cstring(rva uint32) string {
	off, ok := im.offset(rva)
	if !ok {
		return ""
	}
	b := im.data[off:min(int64(len(im.data)), off+512)]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func (im *image) exports(dir dpe.DataDirectory) []string {
	if dir.VirtualAddress == 0 || dir.Size == 0 {
		return nil
	}
	hdr := im.bytesAt(dir.VirtualAddress, 40)
	if hdr == nil {
		return nil
	}
	n := binary.LittleEndian.Uint32(hdr[24:28])
	namesRVA := binary.LittleEndian.Uint32(hdr[32:36])
	n = min(n, maxExports)
	names := im.bytesAt(namesRVA, int(n)*4)
	if names == nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := uint32(0); i < n; i++ {
		if s := im.cstring(binary.LittleEndian.Uint32(names[i*4:])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var resourceTypes = map[uint32]string{
	1: "cursor", 2: "bitmap", 3: "icon", 4: "menu", 5: "dialog", 6: "string", 7: "fontdir", 8: "font",
	9: "accelerator", 10: "rcdata", 11: "messagetable", 12: "group_cursor", 14: "group_icon", 16: "version",
	17: "dlginclude", 19: "plugplay", 20: "vxd", 21: "anicursor", 22: "aniicon", 23: "html", 24: "manifest",
}

// resources walks the three-level resource tree (type / name / language)
// and counts leaves per type; a leaf whose data starts with "MZ" is an
// embedded executable, a common dropper trait.
func (im *image) resources(dir dpe.DataDirectory) *Resources {
	base, ok := im.offset(dir.VirtualAddress)
	if !ok {
		return nil
	}
	res := &Resources{Types: map[string]int{}}
	visited := map[int64]bool{}
	var walk func(off int64, depth int, typ string)
	walk = func(off int64, depth int, typ string) {
		if depth > 3 || visited[off] || res.Count >= maxResources {
			return
		}
		visited[off] = true
		h := slice(im.data, base+off, 16)
		if h == nil {
			return
		}
		n := int(binary.LittleEndian.Uint16(h[12:])) + int(binary.LittleEndian.Uint16(h[14:]))
		for i := 0; i < n && res.Count < maxResources; i++ {
			e := slice(im.data, base+off+16+int64(i)*8, 8)
			if e == nil {
				return
			}
			id := binary.LittleEndian.Uint32(e[0:])
			to := binary.LittleEndian.Uint32(e[4:])
			t := typ
			if depth == 0 {
				if id&0x80000000 != 0 {
					t = "named"
				} else if name, ok := resourceTypes[id]; ok {
					t = name
				} else {
					t = fmt.Sprintf("type_%d", id)
				}
			}
			if to&0x80000000 != 0 {
				walk(int64(to&0x7fffffff), depth+1, t)
				continue
			}
			// A leaf: IMAGE_RESOURCE_DATA_ENTRY {RVA, Size, CodePage, Reserved}.
			res.Count++
			res.Types[t]++
			if de := slice(im.data, base+int64(to), 16); de != nil {
				rva := binary.LittleEndian.Uint32(de[0:])
				if b := im.bytesAt(rva, 2); b != nil && b[0] == 'M' && b[1] == 'Z' {
					res.EmbeddedPEs++
				}
			}
		}
	}
	walk(0, 0, "")
	return res
}

func (info *Info) overlay(data []byte, cert dpe.DataDirectory) {
	var end int64
	for _, s := range info.Sections {
		if e := int64(s.RawOffset) + int64(s.RawSize); s.RawSize > 0 && e > end {
			end = e
		}
	}
	if end == 0 || end >= int64(len(data)) {
		return
	}
	stop := int64(len(data))
	// The certificate table normally sits at the end of the file; it is not
	// overlay in the sense of hidden payload.
	if cert.Size > 0 && int64(cert.VirtualAddress) >= end && int64(cert.VirtualAddress) < stop {
		if int64(cert.VirtualAddress)+int64(cert.Size) >= stop {
			stop = int64(cert.VirtualAddress)
		}
	}
	if stop <= end {
		return
	}
	info.Overlay = &Overlay{Offset: end, Size: stop - end, Entropy: strs.Entropy(data[end:stop])}
}

// sortedKeys is used for deterministic evidence strings.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
