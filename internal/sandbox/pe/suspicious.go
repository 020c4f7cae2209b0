package pe

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
)

// apiSet is a group of Windows APIs whose joint presence indicates a
// capability. All of Required must be present plus at least AnyMin of Any.
type apiSet struct {
	code     string
	message  string
	weight   int
	required []string
	any      []string
	anyMin   int
}

// apiSets are the capability groups reported; weights reflect how rarely
// benign software needs the whole group.
var apiSets = []apiSet{
	{"pe.api.process_injection", "imports the classic remote process injection APIs", 35,
		[]string{"VirtualAllocEx", "WriteProcessMemory"}, []string{"CreateRemoteThread", "CreateRemoteThreadEx", "NtCreateThreadEx", "RtlCreateUserThread", "QueueUserAPC", "SetThreadContext"}, 1},
	{"pe.api.process_hollowing", "imports process hollowing APIs", 35,
		[]string{"SetThreadContext", "ResumeThread"}, []string{"NtUnmapViewOfSection", "ZwUnmapViewOfSection"}, 1},
	{"pe.api.keylogging", "imports keyboard capture APIs", 20,
		nil, []string{"SetWindowsHookExA", "SetWindowsHookExW", "GetAsyncKeyState", "GetKeyboardState", "RegisterRawInputDevices"}, 2},
	{"pe.api.anti_debug", "checks for a debugger", 10,
		nil, []string{"IsDebuggerPresent", "CheckRemoteDebuggerPresent", "NtQueryInformationProcess", "OutputDebugStringA", "NtSetInformationThread", "ZwQueryInformationProcess"}, 2},
	{"pe.api.ransomware", "combines file enumeration, encryption and deletion (ransomware pattern)", 30,
		nil, []string{"CryptEncrypt", "BCryptEncrypt", "CryptGenKey", "CryptImportKey", "CryptAcquireContextA", "CryptAcquireContextW"}, 1},
	{"pe.api.download", "downloads files from the Internet", 20,
		nil, []string{"URLDownloadToFileA", "URLDownloadToFileW", "URLDownloadToCacheFileA", "URLDownloadToCacheFileW"}, 1},
	{"pe.api.network", "uses HTTP/Internet client APIs", 5,
		nil, []string{"InternetOpenA", "InternetOpenW", "InternetOpenUrlA", "InternetOpenUrlW", "InternetReadFile", "HttpSendRequestA", "HttpSendRequestW", "WinHttpOpen", "WinHttpSendRequest", "WSAStartup", "connect", "socket"}, 2},
	{"pe.api.service_install", "creates and starts Windows services", 10,
		[]string{}, []string{"CreateServiceA", "CreateServiceW", "StartServiceA", "StartServiceW", "OpenSCManagerA", "OpenSCManagerW"}, 2},
	{"pe.api.privilege", "adjusts token privileges", 10,
		[]string{"AdjustTokenPrivileges"}, []string{"LookupPrivilegeValueA", "LookupPrivilegeValueW", "OpenProcessToken"}, 1},
	{"pe.api.credential_access", "reads process memory of other processes or dumps credentials", 20,
		nil, []string{"MiniDumpWriteDump", "LsaRetrievePrivateData", "CredEnumerateA", "CredEnumerateW", "CryptUnprotectData"}, 1},
	{"pe.api.screen_capture", "captures the screen", 5,
		[]string{"BitBlt"}, []string{"GetDC", "GetWindowDC", "CreateCompatibleBitmap"}, 2},
}

var fileEnumAPIs = []string{"FindFirstFileA", "FindFirstFileW", "FindFirstFileExW", "FindNextFileA", "FindNextFileW"}

var packerSections = map[string]string{
	"UPX0": "UPX", "UPX1": "UPX", "UPX2": "UPX", ".UPX0": "UPX", ".UPX1": "UPX", "UPX!": "UPX",
	".aspack": "ASPack", ".adata": "ASPack", "ASPack": "ASPack", ".MPRESS1": "MPRESS", ".MPRESS2": "MPRESS", "MPRESS1": "MPRESS", "MPRESS2": "MPRESS",
	".petite": "Petite", ".nsp0": "NsPack", ".nsp1": "NsPack", "nsp0": "NsPack", "nsp1": "NsPack", "PEC2": "PECompact", "PEC2TO": "PECompact", "pec1": "PECompact",
	".themida": "Themida", ".winlice": "WinLicense", ".vmp0": "VMProtect", ".vmp1": "VMProtect", ".vmp2": "VMProtect",
	".enigma1": "Enigma", ".enigma2": "Enigma", "kkrunchy": "kkrunchy", ".packed": "generic packer", ".y0da": "yoda", ".yP": "yoda",
	"ExeS": "EXE Stealth", ".perplex": "Perplex", ".spack": "Simple Pack", ".MaskPE": "MaskPE", "BitArts": "Crunch",
}

// normalAPI strips the A/W suffix and lower-cases for set membership.
func apiIndex(imports []string) map[string]bool {
	m := make(map[string]bool, len(imports))
	for _, imp := range imports {
		_, fn, _ := strings.Cut(imp, "!")
		m[fn] = true
	}
	return m
}

// judge turns the parsed facts into weighted findings.
func (info *Info) judge(data []byte, now time.Time) {
	add := func(code string, weight int, msg, ev string) {
		info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
	}
	apis := apiIndex(info.Imports)
	matched := map[string]bool{}
	for _, set := range apiSets {
		if hits, ok := set.match(apis); ok {
			if set.code == "pe.api.ransomware" && !hasAny(apis, fileEnumAPIs) {
				add("pe.api.crypto", 5, "uses Windows cryptography APIs", strings.Join(hits, ", "))
				continue
			}
			matched[set.code] = true
			add(set.code, set.weight, set.message, strings.Join(hits, ", "))
		}
	}
	// Go and other runtimes resolve APIs at run time (syscall.NewLazyDLL,
	// GetProcAddress): the names then only show as strings.
	if !matched["pe.api.process_injection"] {
		var found []string
		for _, n := range []string{"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread", "NtCreateThreadEx", "QueueUserAPC"} {
			if bytes.Contains(data, []byte(n)) {
				found = append(found, n)
			}
		}
		if len(found) >= 3 {
			add("pe.strings.process_injection", 25, "names the remote process injection APIs in its strings (resolved at run time)", strings.Join(found, ", "))
		}
	}
	if apis["GetProcAddress"] && (apis["LoadLibraryA"] || apis["LoadLibraryW"] || apis["LoadLibraryExA"] || apis["LoadLibraryExW"]) && info.ImportCount > 0 && info.ImportCount <= 10 {
		add("pe.few_imports_dynamic", 15, "imports almost nothing but LoadLibrary/GetProcAddress (typical of packed code)", fmt.Sprintf("%d imports", info.ImportCount))
	}

	packers := map[string]bool{}
	for _, s := range info.Sections {
		if p, ok := packerSections[s.Name]; ok {
			packers[p] = true
		}
		if s.WritableExec {
			add("pe.section_wx", 10, "section is both writable and executable", s.Name)
		}
		if s.Entropy >= 7.2 && s.RawSize >= 1024 && containsFlag(s.Flags, "X") {
			add("pe.section_high_entropy_code", 15, "executable section has very high entropy (packed or encrypted)", fmt.Sprintf("%s %.2f", s.Name, s.Entropy))
		}
		if s.RawSize == 0 && s.VirtualSize > 0x10000 && containsFlag(s.Flags, "X") {
			add("pe.section_empty_exec", 10, "large executable section with no raw data (unpacked at run time)", s.Name)
		}
	}
	if bytes.Contains(data[:min(len(data), 4096)], []byte("UPX!")) {
		packers["UPX"] = true
	}
	info.Packers = sortedKeys(packers)
	if len(info.Packers) > 0 {
		add("pe.packer", 20, "packed with a known packer", strings.Join(info.Packers, ", "))
	}
	if info.EntryPoint != 0 && len(info.Sections) > 0 {
		in := ""
		for _, s := range info.Sections {
			if info.EntryPoint >= s.VirtualAddress && info.EntryPoint < s.VirtualAddress+max(s.VirtualSize, s.RawSize) {
				in = s.Name
				if !containsFlag(s.Flags, "X") && !containsFlag(s.Flags, "CODE") {
					add("pe.entry_not_exec", 15, "entry point is in a non-executable section", s.Name)
				}
			}
		}
		if in == "" {
			add("pe.entry_outside", 15, "entry point lies outside every section", fmt.Sprintf("0x%x", info.EntryPoint))
		}
	}
	if info.TimeDateStamp != 0 && info.Timestamp.After(now.Add(48*time.Hour)) {
		add("pe.timestamp_future", 5, "compile timestamp is in the future", info.Timestamp.Format(time.RFC3339))
	}
	if info.Overlay != nil && info.Overlay.Size >= 1024 {
		w := 0
		msg := "data appended after the last section"
		if info.Overlay.Entropy >= 7.2 {
			w = 10
			msg = "high-entropy data appended after the last section (embedded payload?)"
		}
		add("pe.overlay", w, msg, fmt.Sprintf("%d bytes at 0x%x, entropy %.2f", info.Overlay.Size, info.Overlay.Offset, info.Overlay.Entropy))
	}
	if info.Resources != nil && info.Resources.EmbeddedPEs > 0 {
		add("pe.resource_embedded_pe", 20, "a resource contains another PE executable (dropper)", fmt.Sprintf("%d", info.Resources.EmbeddedPEs))
	}
	if info.Signature.Present {
		ev := ""
		if info.Signature.Signer != nil {
			ev = info.Signature.Signer.Subject
		}
		add("pe.signed", 0, "carries an Authenticode signature (not verified)", ev)
		if info.Signature.Signer != nil && info.Signature.Signer.SelfSigned {
			add("pe.signed_self", 10, "signed with a self-signed certificate", ev)
		}
		if info.Signature.Signer != nil && now.After(info.Signature.Signer.NotAfter) {
			add("pe.signer_expired", 0, "signing certificate has expired (may still be valid if timestamped)", info.Signature.Signer.NotAfter.Format(time.RFC3339))
		}
		if info.Signature.Error != "" {
			add("pe.signature_malformed", 10, "certificate table is malformed", info.Signature.Error)
		}
	}
	if len(info.Sections) == 0 {
		add("pe.no_sections", 15, "PE has no sections", "")
	}
}

func (s apiSet) match(apis map[string]bool) ([]string, bool) {
	var hits []string
	for _, r := range s.required {
		if !apis[r] {
			return nil, false
		}
		hits = append(hits, r)
	}
	n := 0
	for _, a := range s.any {
		if apis[a] {
			n++
			hits = append(hits, a)
		}
	}
	if n < s.anyMin {
		return nil, false
	}
	return hits, true
}

func hasAny(apis map[string]bool, names []string) bool {
	for _, n := range names {
		if apis[n] {
			return true
		}
	}
	return false
}

func containsFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
