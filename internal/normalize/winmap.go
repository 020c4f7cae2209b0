package normalize

import (
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// winKind says what an event ID means in ECS terms: event.action,
// event.category, event.type, and a fixed outcome when the ID implies one.
type winKind struct {
	action   string
	category []string
	typ      []string
	outcome  string
	// user says which EventData names the acting user: "target" (logons:
	// TargetUserName is who logged on) or "subject" (the default).
	user string
}

var (
	cAuth    = []string{"authentication"}
	cSession = []string{"session"}
	cIAM     = []string{"iam"}
	cProcess = []string{"process"}
	cNetwork = []string{"network"}
	cFile    = []string{"file"}
	cReg     = []string{"registry"}
	cConfig  = []string{"configuration"}
	cDriver  = []string{"driver"}
	cLibrary = []string{"library"}
	cMalware = []string{"malware"}
	tStart   = []string{"start"}
	tEnd     = []string{"end"}
	tInfo    = []string{"info"}
	tChange  = []string{"change"}
	tCreate  = []string{"creation"}
	tDelete  = []string{"deletion"}
	tAccess  = []string{"access"}
	tConn    = []string{"connection", "start"}
	tUserNew = []string{"user", "creation"}
	tUserChg = []string{"user", "change"}
	tUserDel = []string{"user", "deletion"}
	tGrpNew  = []string{"group", "creation"}
	tGrpChg  = []string{"group", "change"}
	tGrpDel  = []string{"group", "deletion"}
	tAdmin   = []string{"admin"}
)

// securityKinds maps Security-Auditing event IDs, with Winlogbeat's
// event.action names so that rules and dashboards written for Elastic
// carry over.
var securityKinds = map[int64]winKind{
	4624: {"logged-in", cAuth, tStart, "success", "target"},
	4625: {"logon-failed", cAuth, tStart, "failure", "target"},
	4634: {"logged-out", cAuth, tEnd, "success", "target"},
	4647: {"logged-out", cAuth, tEnd, "success", "target"},
	4648: {"logged-in-explicit", cAuth, tStart, "success", ""},
	4672: {"logged-in-special", cIAM, tAdmin, "success", ""},
	4688: {"created-process", cProcess, tStart, "success", ""},
	4689: {"exited-process", cProcess, tEnd, "success", ""},
	4697: {"service-installed", cConfig, tCreate, "success", ""},
	4698: {"scheduled-task-created", cConfig, tCreate, "success", ""},
	4699: {"scheduled-task-deleted", cConfig, tDelete, "success", ""},
	4700: {"scheduled-task-enabled", cConfig, tChange, "success", ""},
	4701: {"scheduled-task-disabled", cConfig, tChange, "success", ""},
	4702: {"scheduled-task-updated", cConfig, tChange, "success", ""},
	4719: {"changed-audit-config", cConfig, tChange, "success", ""},
	4720: {"added-user-account", cIAM, tUserNew, "success", ""},
	4722: {"enabled-user-account", cIAM, tUserChg, "success", ""},
	4723: {"changed-password", cIAM, tUserChg, "", ""},
	4724: {"reset-password", cIAM, tUserChg, "", ""},
	4725: {"disabled-user-account", cIAM, tUserChg, "success", ""},
	4726: {"deleted-user-account", cIAM, tUserDel, "success", ""},
	4727: {"added-group-account", cIAM, tGrpNew, "success", ""},
	4728: {"added-member-to-group", cIAM, tGrpChg, "success", ""},
	4729: {"removed-member-from-group", cIAM, tGrpChg, "success", ""},
	4730: {"deleted-group-account", cIAM, tGrpDel, "success", ""},
	4731: {"added-group-account", cIAM, tGrpNew, "success", ""},
	4732: {"added-member-to-group", cIAM, tGrpChg, "success", ""},
	4733: {"removed-member-from-group", cIAM, tGrpChg, "success", ""},
	4734: {"deleted-group-account", cIAM, tGrpDel, "success", ""},
	4735: {"modified-group-account", cIAM, tGrpChg, "success", ""},
	4737: {"modified-group-account", cIAM, tGrpChg, "success", ""},
	4738: {"modified-user-account", cIAM, tUserChg, "success", ""},
	4740: {"locked-out-user-account", cIAM, tUserChg, "success", ""},
	4754: {"added-group-account", cIAM, tGrpNew, "success", ""},
	4755: {"modified-group-account", cIAM, tGrpChg, "success", ""},
	4756: {"added-member-to-group", cIAM, tGrpChg, "success", ""},
	4757: {"removed-member-from-group", cIAM, tGrpChg, "success", ""},
	4758: {"deleted-group-account", cIAM, tGrpDel, "success", ""},
	4767: {"unlocked-user-account", cIAM, tUserChg, "success", ""},
	4768: {"kerberos-authentication-ticket-requested", cAuth, tStart, "", "target"},
	4769: {"kerberos-service-ticket-requested", cAuth, tStart, "", "target"},
	4770: {"kerberos-service-ticket-renewed", cAuth, tStart, "", "target"},
	4771: {"kerberos-preauth-failed", cAuth, tStart, "failure", "target"},
	4776: {"credential-validated", cAuth, tStart, "", "target"},
	4778: {"session-reconnected", cSession, tStart, "success", "account"},
	4779: {"session-disconnected", cSession, tEnd, "success", "account"},
	4781: {"renamed-user-account", cIAM, tUserChg, "success", ""},
	4798: {"group-membership-enumerated", cIAM, []string{"user", "info"}, "success", ""},
	4799: {"user-member-enumerated", cIAM, []string{"group", "info"}, "success", ""},
	4657: {"registry-value-modified", cReg, tChange, "success", ""},
	4663: {"object-access-attempted", cFile, tAccess, "", ""},
	4656: {"object-handle-requested", cFile, tAccess, "", ""},
	5140: {"network-share-object-accessed", cNetwork, tAccess, "", ""},
	5145: {"network-share-object-access-checked", cNetwork, tAccess, "", ""},
	5156: {"windows-firewall-connection-allowed", cNetwork, tConn, "success", ""},
	5157: {"windows-firewall-connection-blocked", cNetwork, []string{"connection", "denied"}, "failure", ""},
	1102: {"audit-log-cleared", cConfig, tDelete, "success", ""},
}

// sysmonKinds maps Sysmon event IDs.
var sysmonKinds = map[int64]winKind{
	1:  {"process-created", cProcess, tStart, "", ""},
	2:  {"file-creation-time-changed", cFile, tChange, "", ""},
	3:  {"network-connection", cNetwork, tConn, "", ""},
	4:  {"sysmon-state-changed", cProcess, tChange, "", ""},
	5:  {"process-terminated", cProcess, tEnd, "", ""},
	6:  {"driver-loaded", cDriver, tStart, "", ""},
	7:  {"image-loaded", cLibrary, tStart, "", ""},
	8:  {"create-remote-thread", cProcess, tChange, "", ""},
	9:  {"raw-access-read", cFile, tAccess, "", ""},
	10: {"process-accessed", cProcess, tAccess, "", ""},
	11: {"file-created", cFile, tCreate, "", ""},
	12: {"registry-key-created-or-deleted", cReg, tChange, "", ""},
	13: {"registry-value-set", cReg, tChange, "", ""},
	14: {"registry-key-renamed", cReg, tChange, "", ""},
	15: {"file-stream-created", cFile, tCreate, "", ""},
	16: {"sysmon-config-changed", cConfig, tChange, "", ""},
	17: {"pipe-created", cFile, tCreate, "", ""},
	18: {"pipe-connected", cFile, tAccess, "", ""},
	19: {"wmi-filter-registered", cConfig, tCreate, "", ""},
	20: {"wmi-consumer-registered", cConfig, tCreate, "", ""},
	21: {"wmi-consumer-bound", cConfig, tCreate, "", ""},
	22: {"dns-query", cNetwork, []string{"connection", "protocol", "info"}, "", ""},
	23: {"file-deleted", cFile, tDelete, "", ""},
	24: {"clipboard-changed", cProcess, tChange, "", ""},
	25: {"process-tampering", cProcess, tChange, "", ""},
	26: {"file-delete-detected", cFile, tDelete, "", ""},
	27: {"file-block-executable", cFile, tCreate, "failure", ""},
	28: {"file-block-shredding", cFile, tDelete, "failure", ""},
	29: {"file-executable-detected", cFile, tCreate, "", ""},
}

// otherKinds maps IDs of other providers, keyed by provider then ID.
var otherKinds = map[string]map[int64]winKind{
	"Service Control Manager": {
		7045: {"service-installed", cConfig, tCreate, "success", ""},
		7040: {"service-start-type-changed", cConfig, tChange, "success", ""},
		7036: {"service-state-changed", cProcess, tChange, "", ""},
	},
	"Microsoft-Windows-Eventlog": {
		1102: {"audit-log-cleared", cConfig, tDelete, "success", ""},
		104:  {"log-cleared", cConfig, tDelete, "success", ""},
	},
	"Microsoft-Windows-PowerShell": {
		4103: {"powershell-module-logging", cProcess, tInfo, "", ""},
		4104: {"powershell-script-block", cProcess, tInfo, "", ""},
	},
	"PowerShell": {
		400: {"powershell-engine-started", cProcess, tStart, "", ""},
		403: {"powershell-engine-stopped", cProcess, tEnd, "", ""},
		600: {"powershell-provider-started", cProcess, tInfo, "", ""},
		800: {"powershell-pipeline-executed", cProcess, tInfo, "", ""},
	},
	"Microsoft-Windows-TaskScheduler": {
		106: {"scheduled-task-created", cConfig, tCreate, "success", ""},
		140: {"scheduled-task-updated", cConfig, tChange, "success", ""},
		141: {"scheduled-task-deleted", cConfig, tDelete, "success", ""},
		200: {"scheduled-task-action-started", cProcess, tStart, "", ""},
		201: {"scheduled-task-action-completed", cProcess, tEnd, "", ""},
	},
	"Microsoft-Windows-TerminalServices-LocalSessionManager": {
		21: {"remote-session-logon", cSession, tStart, "success", ""},
		22: {"remote-session-shell-started", cSession, tStart, "success", ""},
		23: {"remote-session-logoff", cSession, tEnd, "success", ""},
		24: {"remote-session-disconnected", cSession, tEnd, "success", ""},
		25: {"remote-session-reconnected", cSession, tStart, "success", ""},
	},
	"Microsoft-Windows-TerminalServices-RemoteConnectionManager": {
		1149: {"remote-desktop-authenticated", cAuth, tStart, "success", ""},
	},
	"Microsoft-Windows-Windows Defender": {
		1116: {"malware-detected", cMalware, tInfo, "", ""},
		1117: {"malware-action-taken", cMalware, tInfo, "", ""},
		5001: {"real-time-protection-disabled", cConfig, tChange, "", ""},
	},
}

// logonTypes names Windows logon types as Winlogbeat does.
var logonTypes = map[string]string{
	"0": "System", "2": "Interactive", "3": "Network", "4": "Batch", "5": "Service",
	"7": "Unlock", "8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive",
	"11": "CachedInteractive", "12": "CachedRemoteInteractive", "13": "CachedUnlock",
}

// winMap fills ECS fields from a Windows event's System and EventData.
func (st *state) winMap(r *winRecord) {
	f := st.f
	f["event.kind"] = "event"
	f["event.module"] = "windows"
	f["event.dataset"] = winDataset(r.channel, r.provider)
	var k winKind
	var known bool
	switch r.provider {
	case "Microsoft-Windows-Sysmon":
		k, known = sysmonKinds[r.id]
		f["event.module"] = "sysmon"
	case "Microsoft-Windows-Security-Auditing":
		k, known = securityKinds[r.id]
	default:
		if m, ok := otherKinds[r.provider]; ok {
			k, known = m[r.id]
		}
	}
	if known {
		f["event.action"] = k.action
		st.categorize(k.category, k.typ)
		if k.outcome != "" {
			f["event.outcome"] = k.outcome
		}
	}
	if _, ok := f["event.outcome"]; !ok && r.hasKeywords && r.provider == "Microsoft-Windows-Security-Auditing" {
		// Keywords carry the audit result: 0x20.. success, 0x10.. failure.
		switch {
		case r.keywords&0x20000000000000 != 0:
			f["event.outcome"] = "success"
		case r.keywords&0x10000000000000 != 0:
			f["event.outcome"] = "failure"
		}
	}
	switch r.provider {
	case "Microsoft-Windows-Sysmon":
		st.sysmon(r)
	case "Microsoft-Windows-Security-Auditing":
		st.security(r, k)
	default:
		st.winOther(r)
	}
	st.winGeneric(r)
	if f["event.outcome"] == "failure" && known && k.category[0] == "authentication" {
		// As for Linux: a failed logon is worth a look whatever its level.
		if sev, _ := f["event.severity"].(int64); sev < event.SeverityLow {
			st.setSeverity(event.SeverityLow)
		}
	}
	st.winSeverityFloor(r)
	st.winSummary(r)
}

// Field keys of the entities Windows events fill, spelled out once: a
// key built by concatenation at run time would cost an allocation per
// field per event.
type procKeys struct{ executable, name, pid, commandLine string }

var (
	procMain   = procKeys{"process.executable", "process.name", "process.pid", "process.command_line"}
	procParent = procKeys{"process.parent.executable", "process.parent.name", "process.parent.pid", "process.parent.command_line"}
)

type userKeys struct{ name, domain, id string }

var (
	userMain      = userKeys{"user.name", "user.domain", "user.id"}
	userTarget    = userKeys{"user.target.name", "user.target.domain", "user.target.id"}
	userEffective = userKeys{"user.effective.name", "user.effective.domain", "user.effective.id"}
)

type hashKeys struct{ sha1, md5, sha256, imphash string }

var (
	hashProcess = hashKeys{"process.hash.sha1", "process.hash.md5", "process.hash.sha256", "process.pe.imphash"}
	hashFile    = hashKeys{"file.hash.sha1", "file.hash.md5", "file.hash.sha256", "file.pe.imphash"}
	hashDLL     = hashKeys{"dll.hash.sha1", "dll.hash.md5", "dll.hash.sha256", "dll.pe.imphash"}
)

type sigKeys struct{ exists, subject, status string }

var (
	sigFile = sigKeys{"file.code_signature.exists", "file.code_signature.subject_name", "file.code_signature.status"}
	sigDLL  = sigKeys{"dll.code_signature.exists", "dll.code_signature.subject_name", "dll.code_signature.status"}
)

// setD copies the named EventData value into key, unless it is empty or
// "-"; overwrite says whether a value already there is replaced.
func (st *state) setD(key string, r *winRecord, name string, overwrite bool) {
	d := r.entry(name)
	if d == nil || d.value == "" || d.value == "-" {
		return
	}
	if !overwrite {
		if _, ok := st.f[key]; ok {
			return
		}
	}
	if d.box != nil {
		st.f[key] = d.box
	} else {
		st.f[key] = d.value
	}
}

// processFromData is processFrom with the EventData names of the
// executable, pid and command line.
func (st *state) processFromData(k *procKeys, r *winRecord, exe, pid, cmd string) {
	if _, ok := st.f[k.executable]; !ok {
		if e := r.d(exe); e != "" && e != "-" {
			st.setD(k.executable, r, exe, true)
			st.setIfAbsent(k.name, baseName(e))
		}
	}
	if pid != "" {
		// PID 0 is the idle process: Windows writes it when there is none.
		if n, ok := parseInt(r.d(pid)); ok && n != 0 {
			if _, set := st.f[k.pid]; !set {
				st.f[k.pid] = n
			}
		}
	}
	if cmd != "" {
		st.setD(k.commandLine, r, cmd, false)
	}
}

// filePathData is filePath for a named EventData value.
func (st *state) filePathData(r *winRecord, name string) {
	if p := r.d(name); p != "" && p != "-" {
		st.setD("file.path", r, name, false)
		st.filePath(p)
	}
}

// userFrom fills user.* (or user.target.*...) from a name, domain and SID.
func (st *state) userFrom(k *userKeys, name, domain, sid string) {
	if name == "" || name == "-" {
		return
	}
	if _, ok := st.f[k.name]; ok {
		return
	}
	st.set(k.name, name)
	st.set(k.domain, domain)
	if sid != "" && sid != "S-1-0-0" {
		st.set(k.id, sid)
	}
	st.addStr("related.user", name)
}

// domainUser splits "DOMAIN\user".
func domainUser(s string) (domain, user string) {
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// hashes reads Sysmon's "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." into
// *.hash.* (and *.pe.imphash).
func (st *state) hashes(k *hashKeys, s string) {
	for s != "" {
		var part string
		if i := strings.IndexByte(s, ','); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			part, s = s, ""
		}
		name, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			continue
		}
		v = lowerASCII(v)
		switch name {
		case "SHA1":
			st.f[k.sha1] = v
		case "MD5":
			st.f[k.md5] = v
		case "SHA256":
			st.f[k.sha256] = v
		case "IMPHASH":
			st.f[k.imphash] = v
		}
	}
}

// lowerASCII lowercases s, without an allocation when it is lower already.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// filePath fills file.* from a path.
func (st *state) filePath(p string) {
	if p == "" || p == "-" {
		return
	}
	st.setIfAbsent("file.path", p)
	name := baseName(p)
	st.setIfAbsent("file.name", name)
	st.setIfAbsent("file.directory", dirName(p))
	st.setIfAbsent("file.extension", extension(name))
}

// registry fills registry.* from a Sysmon TargetObject
// ("HKLM\System\CurrentControlSet\Services\x\ImagePath").
func (st *state) registry(path string, hasValue bool) {
	if path == "" {
		return
	}
	st.set("registry.path", path)
	hive, key, _ := strings.Cut(path, `\`)
	switch strings.ToUpper(hive) {
	case "HKLM", "HKEY_LOCAL_MACHINE":
		hive = "HKLM"
	case "HKU", "HKEY_USERS":
		hive = "HKU"
	case "HKCR", "HKEY_CLASSES_ROOT":
		hive = "HKCR"
	case "HKCU", "HKEY_CURRENT_USER":
		hive = "HKCU"
	case "HKCC", "HKEY_CURRENT_CONFIG":
		hive = "HKCC"
	}
	st.set("registry.hive", hive)
	if hasValue {
		if i := strings.LastIndexByte(key, '\\'); i >= 0 {
			st.set("registry.value", key[i+1:])
			key = key[:i]
		}
	}
	st.set("registry.key", key)
}

// sysmon maps Sysmon's EventData.
func (st *state) sysmon(r *winRecord) {
	f := st.f
	if rule := r.d("RuleName"); rule != "" && rule != "-" {
		f["rule.name"] = rule
	}
	dom, user := domainUser(r.d("User"))
	st.userFrom(&userMain, user, dom, "")
	switch r.id {
	case 1:
		st.setD("process.entity_id", r, "ProcessGuid", true)
		st.setD("process.working_directory", r, "CurrentDirectory", true)
		st.setD("process.parent.entity_id", r, "ParentProcessGuid", true)
		st.processFromData(&procParent, r, "ParentImage", "ParentProcessId", "ParentCommandLine")
		st.setD("process.pe.original_file_name", r, "OriginalFileName", true)
		st.setD("process.pe.description", r, "Description", true)
		st.setD("process.pe.product", r, "Product", true)
		st.setD("process.pe.company", r, "Company", true)
		st.setD("process.pe.file_version", r, "FileVersion", true)
		st.hashes(&hashProcess, r.d("Hashes"))
		if pu := r.d("ParentUser"); pu != "" {
			d, u := domainUser(pu)
			st.set("process.parent.user.name", u)
			st.set("process.parent.user.domain", d)
		}
	case 3:
		st.setIP("source.ip", r.d("SourceIp"))
		st.setPort("source.port", r.d("SourcePort"))
		st.setD("source.domain", r, "SourceHostname", true)
		st.setIP("destination.ip", r.d("DestinationIp"))
		st.setPort("destination.port", r.d("DestinationPort"))
		st.setD("destination.domain", r, "DestinationHostname", true)
		st.transport(r.d("Protocol"))
		switch r.d("Initiated") {
		case "true":
			f["network.direction"] = "egress"
		case "false":
			f["network.direction"] = "ingress"
		}
		if r.d("SourceIsIpv6") == "true" {
			f["network.type"] = "ipv6"
		} else if r.d("SourceIsIpv6") == "false" {
			f["network.type"] = "ipv4"
		}
	case 6:
		st.filePathData(r, "ImageLoaded")
		st.hashes(&hashFile, r.d("Hashes"))
		st.codeSignature(&sigFile, r)
	case 7:
		st.filePathData(r, "ImageLoaded")
		st.setD("dll.path", r, "ImageLoaded", true)
		st.set("dll.name", baseName(r.d("ImageLoaded")))
		st.hashes(&hashDLL, r.d("Hashes"))
		st.setD("dll.pe.original_file_name", r, "OriginalFileName", true)
		st.setD("dll.pe.description", r, "Description", true)
		st.setD("dll.pe.product", r, "Product", true)
		st.setD("dll.pe.company", r, "Company", true)
		st.setD("dll.pe.file_version", r, "FileVersion", true)
		st.codeSignature(&sigDLL, r)
	case 8, 10:
		st.processFromData(&procMain, r, "SourceImage", "SourceProcessId", "")
		st.setD("process.entity_id", r, "SourceProcessGUID", true)
		st.setD("process.entity_id", r, "SourceProcessGuid", true)
		st.setD("process.thread.id", r, "SourceThreadId", true)
		if su := r.d("SourceUser"); su != "" {
			d, u := domainUser(su)
			st.userFrom(&userMain, u, d, "")
		}
	case 9:
		st.setD("file.path", r, "Device", true)
	case 12, 13, 14:
		st.registry(r.d("TargetObject"), r.id != 12)
		if r.id == 13 {
			if det := r.d("Details"); det != "" {
				f["registry.data.strings"] = []string{det}
				switch {
				case strings.HasPrefix(det, "DWORD"):
					f["registry.data.type"] = "SZ_DWORD"
				case strings.HasPrefix(det, "QWORD"):
					f["registry.data.type"] = "SZ_QWORD"
				case strings.HasPrefix(det, "Binary Data"):
					f["registry.data.type"] = "SZ_BINARY"
				default:
					f["registry.data.type"] = "SZ_SZ"
				}
			}
		}
		switch r.d("EventType") {
		case "CreateKey":
			f["event.action"] = "registry-key-created"
			st.categorize(nil, tCreate)
		case "DeleteKey", "DeleteValue":
			f["event.action"] = "registry-" + strings.ToLower(strings.TrimPrefix(r.d("EventType"), "Delete")) + "-deleted"
			st.categorize(nil, tDelete)
		}
	case 15:
		st.hashes(&hashFile, r.d("Hash"))
	case 17, 18:
		st.setD("file.name", r, "PipeName", true)
	case 22:
		st.setD("dns.question.name", r, "QueryName", true)
		st.set("network.protocol", "dns")
		for _, part := range strings.Split(r.d("QueryResults"), ";") {
			part = strings.TrimSpace(part)
			if ip, ok := cleanIP(part); ok {
				st.addStr("dns.resolved_ip", ip)
			}
		}
		if s := r.d("QueryStatus"); s != "" {
			f["dns.response_code"] = s
			if s == "0" {
				f["event.outcome"] = "success"
			} else {
				f["event.outcome"] = "failure"
			}
		}
	case 23, 26, 2, 11, 27, 28, 29:
		st.hashes(&hashFile, r.d("Hashes"))
	}
	st.filePathData(r, "TargetFilename")
	st.processFromData(&procMain, r, "Image", "ProcessId", "CommandLine")
	st.setD("process.entity_id", r, "ProcessGuid", true)
}

// codeSignature fills *.code_signature.* from Sysmon's Signed, Signature
// and SignatureStatus.
func (st *state) codeSignature(k *sigKeys, r *winRecord) {
	switch r.d("Signed") {
	case "true":
		st.f[k.exists] = true
	case "false":
		st.f[k.exists] = false
	}
	st.set(k.subject, r.d("Signature"))
	st.set(k.status, r.d("SignatureStatus"))
}

// security maps Security-Auditing EventData.
func (st *state) security(r *winRecord, k winKind) {
	f := st.f
	switch k.user {
	case "target":
		st.userFrom(&userMain, r.d("TargetUserName"), r.d("TargetDomainName"), r.d("TargetUserSid"))
	case "account":
		st.userFrom(&userMain, r.d("AccountName"), r.d("AccountDomain"), "")
	}
	// The acting user; for logons the subject is the service that
	// performed it, so it is kept apart.
	st.userFrom(&userMain, r.d("SubjectUserName"), r.d("SubjectDomainName"), r.d("SubjectUserSid"))
	if lt := r.d("LogonType"); lt != "" {
		if name, ok := logonTypes[lt]; ok {
			f["winlog.logon.type"] = name
		}
	}
	st.setD("winlog.logon.id", r, "TargetLogonId", true)
	switch r.id {
	case 4624, 4625, 4648, 4634, 4647:
		st.setIP("source.ip", r.d("IpAddress"))
		st.setPort("source.port", r.d("IpPort"))
		st.setD("source.domain", r, "WorkstationName", true)
		st.processFromData(&procMain, r, "ProcessName", "ProcessId", "")
		if r.id == 4648 {
			st.userFrom(&userTarget, r.d("TargetUserName"), r.d("TargetDomainName"), "")
			st.setD("destination.domain", r, "TargetServerName", true)
		}
		if r.id == 4625 {
			st.setD("winlog.logon.failure.status", r, "Status", true)
			st.setD("winlog.logon.failure.sub_status", r, "SubStatus", true)
			if reason := logonFailure(r.d("SubStatus")); reason != "" {
				f["winlog.logon.failure.reason"] = reason
			} else if reason := logonFailure(r.d("Status")); reason != "" {
				f["winlog.logon.failure.reason"] = reason
			}
		}
	case 4688:
		st.processFromData(&procMain, r, "NewProcessName", "NewProcessId", "CommandLine")
		st.processFromData(&procParent, r, "ParentProcessName", "ProcessId", "")
		if tu := r.d("TargetUserName"); tu != "" && tu != "-" {
			st.userFrom(&userEffective, tu, r.d("TargetDomainName"), r.d("TargetUserSid"))
		}
	case 4689:
		st.processFromData(&procMain, r, "ProcessName", "ProcessId", "")
		if s := r.d("Status"); s != "" {
			if n, ok := parseInt(s); ok {
				f["process.exit_code"] = n
			}
		}
	case 4697:
		st.setD("service.name", r, "ServiceName", true)
		st.setD("service.type", r, "ServiceType", true)
	case 4698, 4699, 4700, 4701, 4702:
		st.setD("winlog.task_name", r, "TaskName", true)
	case 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4781:
		st.userFrom(&userTarget, r.d("TargetUserName"), r.d("TargetDomainName"), r.d("TargetSid"))
	case 4727, 4730, 4731, 4734, 4735, 4737, 4754, 4755, 4758, 4799:
		st.setD("group.name", r, "TargetUserName", true)
		st.setD("group.domain", r, "TargetDomainName", true)
		st.setD("group.id", r, "TargetSid", true)
	case 4728, 4729, 4732, 4733, 4756, 4757:
		st.setD("group.name", r, "TargetUserName", true)
		st.setD("group.domain", r, "TargetDomainName", true)
		st.setD("group.id", r, "TargetSid", true)
		member := r.d("MemberName")
		if strings.HasPrefix(member, "CN=") {
			// "CN=bob,OU=Users,DC=corp,DC=local": the CN names the member.
			member = member[3:]
			if j := strings.IndexByte(member, ','); j >= 0 {
				member = member[:j]
			}
		}
		st.set("user.target.name", member)
		if sid := r.d("MemberSid"); sid != "" {
			st.set("user.target.id", sid)
		}
	case 4768, 4769, 4770, 4771, 4776:
		if ip := r.d("IpAddress"); ip != "" {
			st.setIP("source.ip", ip)
		}
		st.setPort("source.port", r.d("IpPort"))
		st.setD("source.domain", r, "Workstation", true)
		st.setD("service.name", r, "ServiceName", true)
		if status := r.d("Status"); status != "" && f["event.outcome"] == nil {
			if n, ok := parseInt(status); ok && n == 0 {
				f["event.outcome"] = "success"
			} else if ok {
				f["event.outcome"] = "failure"
			}
		}
	case 4778, 4779:
		st.setIP("source.ip", r.d("ClientAddress"))
		st.setD("source.domain", r, "ClientName", true)
	case 4657:
		obj := r.d("ObjectName")
		if strings.HasPrefix(obj, `\REGISTRY\MACHINE`) {
			obj = "HKLM" + obj[len(`\REGISTRY\MACHINE`):]
		} else if strings.HasPrefix(obj, `\REGISTRY\USER`) {
			obj = "HKU" + obj[len(`\REGISTRY\USER`):]
		}
		st.registry(obj+`\`+r.d("ObjectValueName"), true)
		st.processFromData(&procMain, r, "ProcessName", "ProcessId", "")
	case 4656, 4663:
		if r.d("ObjectType") == "File" {
			st.filePathData(r, "ObjectName")
		}
		st.processFromData(&procMain, r, "ProcessName", "ProcessId", "")
	case 5140, 5145:
		st.setIP("source.ip", r.d("IpAddress"))
		st.setPort("source.port", r.d("IpPort"))
		st.setD("file.path", r, "RelativeTargetName", true)
		st.setD("winlog.share_name", r, "ShareName", true)
	case 5156, 5157:
		st.processFromData(&procMain, r, "Application", "ProcessID", "")
		st.setIP("source.ip", r.d("SourceAddress"))
		st.setPort("source.port", r.d("SourcePort"))
		st.setIP("destination.ip", r.d("DestAddress"))
		st.setPort("destination.port", r.d("DestPort"))
		st.transport(r.d("Protocol"))
		switch r.d("Direction") {
		case "%%14592":
			f["network.direction"] = "ingress"
		case "%%14593":
			f["network.direction"] = "egress"
		}
	case 1102:
		st.userFrom(&userMain, r.d("SubjectUserName"), r.d("SubjectDomainName"), r.d("SubjectUserSid"))
	}
}

// logonFailure explains NTSTATUS codes of 4625 (as Winlogbeat does).
func logonFailure(s string) string {
	switch strings.ToLower(s) {
	case "0xc000005e":
		return "There are currently no logon servers available to service the logon request."
	case "0xc0000064":
		return "User logon with misspelled or bad user account"
	case "0xc000006a":
		return "User logon with misspelled or bad password"
	case "0xc000006d":
		return "This is either due to a bad username or authentication information"
	case "0xc000006e":
		return "Unknown user name or bad password."
	case "0xc000006f":
		return "User logon outside authorized hours"
	case "0xc0000070":
		return "User logon from unauthorized workstation"
	case "0xc0000071":
		return "User logon with expired password"
	case "0xc0000072":
		return "User logon to account disabled by administrator"
	case "0xc00000dc":
		return "Indicates the Sam Server was in the wrong state to perform the desired operation."
	case "0xc0000133":
		return "Clocks between DC and other computer too far out of sync"
	case "0xc000015b":
		return "The user has not been granted the requested logon type (aka logon right) at this machine"
	case "0xc0000193":
		return "User logon with expired account"
	case "0xc0000224":
		return "User is required to change password at next logon"
	case "0xc0000234":
		return "User logon with account locked"
	}
	return ""
}

// winOther maps providers other than Sysmon and Security-Auditing.
func (st *state) winOther(r *winRecord) {
	switch r.provider {
	case "Service Control Manager":
		if r.id == 7045 {
			st.setD("service.name", r, "ServiceName", true)
			st.setD("service.type", r, "ServiceType", true)
		}
	case "Microsoft-Windows-PowerShell":
		if r.id == 4104 {
			st.setD("powershell.file.script_block_text", r, "ScriptBlockText", true)
			st.setD("powershell.file.script_block_id", r, "ScriptBlockId", true)
			st.setD("file.path", r, "Path", true)
		}
	case "Microsoft-Windows-TerminalServices-LocalSessionManager":
		dom, user := domainUser(r.d("User"))
		st.userFrom(&userMain, user, dom, "")
		st.setIP("source.ip", r.d("Address"))
	case "Microsoft-Windows-TerminalServices-RemoteConnectionManager":
		if r.id == 1149 {
			st.userFrom(&userMain, r.d("Param1"), r.d("Param2"), "")
			st.setIP("source.ip", r.d("Param3"))
		}
	case "Microsoft-Windows-Eventlog":
		st.userFrom(&userMain, r.d("SubjectUserName"), r.d("SubjectDomainName"), r.d("SubjectUserSid"))
	case "Microsoft-Windows-Windows Defender":
		st.setD("threat.indicator.description", r, "Threat Name", true)
		if p := r.d("Path"); p != "" {
			// "file:_C:\Users\x\eicar.com" (prefix "file:_")
			if _, after, ok := strings.Cut(p, "_"); ok && strings.HasPrefix(p, "file:") {
				p = after
			}
			st.filePath(p)
		}
		st.processFromData(&procMain, r, "Process Name", "", "")
		dom, user := domainUser(r.d("Detection User"))
		st.userFrom(&userMain, user, dom, "")
	case "Microsoft-Windows-TaskScheduler":
		st.setD("winlog.task_name", r, "TaskName", true)
		dom, user := domainUser(r.d("UserContext"))
		st.userFrom(&userMain, user, dom, "")
	}
}

// winGeneric fills what the specific mappings left empty from EventData
// names that mean the same in every provider (Image, CommandLine, User...):
// an event of a provider mapped nowhere else still gets process, user and
// network fields.
func (st *state) winGeneric(r *winRecord) {
	st.processFromData(&procMain, r, "Image", "ProcessId", "CommandLine")
	st.processFromData(&procParent, r, "ParentImage", "ParentProcessId", "ParentCommandLine")
	if _, ok := st.f["user.name"]; !ok {
		if u := r.d("User"); u != "" {
			dom, name := domainUser(u)
			st.userFrom(&userMain, name, dom, "")
		} else {
			st.userFrom(&userMain, r.d("TargetUserName"), r.d("TargetDomainName"), r.d("TargetUserSid"))
			st.userFrom(&userMain, r.d("SubjectUserName"), r.d("SubjectDomainName"), r.d("SubjectUserSid"))
			st.userFrom(&userMain, r.d("UserName"), r.d("Domain"), "")
		}
	}
	if _, ok := st.f["source.ip"]; !ok {
		for _, n := range [...]string{"IpAddress", "SourceIp", "SourceAddress", "ClientAddress", "ClientIP"} {
			if st.setIP("source.ip", r.d(n)) {
				break
			}
		}
	}
	if _, ok := st.f["destination.ip"]; !ok {
		for _, n := range [...]string{"DestinationIp", "DestAddress"} {
			if st.setIP("destination.ip", r.d(n)) {
				break
			}
		}
	}
	st.filePathData(r, "TargetFilename")
}
