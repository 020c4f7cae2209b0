package sigma

import (
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// schema names how an event's fields are read: Sigma field names map to
// different keys for Windows events, for Security 4688 process creation
// and for everything else (ECS). See MAPPING.md.
type schema uint8

const (
	schemaECS schema = iota
	schemaWindows
	schemaWin4688
	numSchemas
)

// Logsources is the set of Sigma logsource values an event belongs to:
// one product, up to three categories and up to three services. A rule
// applies to the event when each of its product, category and service
// is either unset or in the set. The zero value matches only rules with
// an empty logsource.
type Logsources struct {
	Product    string
	Categories [3]string
	Services   [3]string
	schema     schema
	// spaced is set for providers whose EventData names hold spaces
	// ("Threat Name"), which Sigma writes without them (ThreatName).
	spaced bool
}

// spacedProviders write EventData names with spaces.
var spacedProviders = map[string]bool{
	"Microsoft-Windows-Windows Defender": true,
	"Microsoft Antimalware":              true,
}

// Matches reports whether a rule with logsource ls applies to events
// with these logsources.
func (l *Logsources) Matches(ls Logsource) bool {
	if ls.Product != "" && ls.Product != l.Product {
		return false
	}
	if ls.Category != "" && !in3(&l.Categories, ls.Category) {
		return false
	}
	if ls.Service != "" && !in3(&l.Services, ls.Service) {
		return false
	}
	return true
}

func in3(a *[3]string, s string) bool {
	return a[0] == s || a[1] == s || a[2] == s
}

func (l *Logsources) addCategory(c string) {
	for i := range l.Categories {
		if l.Categories[i] == c {
			return
		}
		if l.Categories[i] == "" {
			l.Categories[i] = c
			return
		}
	}
}

func (l *Logsources) addService(s string) {
	if s == "" {
		return
	}
	for i := range l.Services {
		if l.Services[i] == s {
			return
		}
		if l.Services[i] == "" {
			l.Services[i] = s
			return
		}
	}
}

// sysmonCategories maps Sysmon event IDs to Sigma categories (taxonomy
// appendix; pySigma's sysmon pipeline).
var sysmonCategories = map[int64][]string{
	1:   {"process_creation"},
	2:   {"file_change"},
	3:   {"network_connection"},
	4:   {"sysmon_status"},
	5:   {"process_termination"},
	6:   {"driver_load"},
	7:   {"image_load"},
	8:   {"create_remote_thread"},
	9:   {"raw_access_thread"},
	10:  {"process_access"},
	11:  {"file_event"},
	12:  {"registry_event", "registry_add", "registry_delete"},
	13:  {"registry_event", "registry_set"},
	14:  {"registry_event", "registry_rename"},
	15:  {"create_stream_hash"},
	16:  {"sysmon_status"},
	17:  {"pipe_created"},
	18:  {"pipe_created"},
	19:  {"wmi_event"},
	20:  {"wmi_event"},
	21:  {"wmi_event"},
	22:  {"dns_query"},
	23:  {"file_delete"},
	24:  {"clipboard_capture"},
	25:  {"process_tampering"},
	26:  {"file_delete", "file_delete_detected"},
	27:  {"file_block_executable"},
	28:  {"file_block_shredding"},
	29:  {"file_executable_detected"},
	255: {"sysmon_error"},
}

// channelServices maps Windows event log channels to Sigma services
// (taxonomy appendix; pySigma's windows pipeline).
var channelServices = map[string]string{
	"Application":                          "application",
	"Security":                             "security",
	"System":                               "system",
	"Microsoft-Windows-Sysmon/Operational": "sysmon",
	"Microsoft-Windows-PowerShell/Operational":                                 "powershell",
	"PowerShellCore/Operational":                                               "powershell",
	"Windows PowerShell":                                                       "powershell-classic",
	"Microsoft-Windows-Application-Experience/Program-Telemetry":               "application-experience",
	"Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant": "application-experience",
	"Microsoft-Windows-AppLocker/MSI and Script":                               "applocker",
	"Microsoft-Windows-AppLocker/EXE and DLL":                                  "applocker",
	"Microsoft-Windows-AppLocker/Packaged app-Deployment":                      "applocker",
	"Microsoft-Windows-AppLocker/Packaged app-Execution":                       "applocker",
	"Microsoft-Windows-AppModel-Runtime/Admin":                                 "appmodel-runtime",
	"Microsoft-Windows-AppXDeploymentServer/Operational":                       "appxdeployment-server",
	"Microsoft-Windows-AppxPackaging/Operational":                              "appxpackaging-om",
	"Microsoft-Windows-BitLocker/BitLocker Management":                         "bitlocker",
	"Microsoft-Windows-Bits-Client/Operational":                                "bits-client",
	"Microsoft-Windows-CAPI2/Operational":                                      "capi2",
	"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational": "certificateservicesclient-lifecycle-system",
	"Microsoft-Windows-CodeIntegrity/Operational":                              "codeintegrity-operational",
	"Microsoft-Windows-DHCP-Server/Operational":                                "dhcp",
	"Microsoft-Windows-Diagnosis-Scripted/Operational":                         "diagnosis-scripted",
	"Microsoft-Windows-DNS Client Events/Operational":                          "dns-client",
	"DNS Server": "dns-server",
	"Microsoft-Windows-DNS-Server/Analytical":                            "dns-server-analytic",
	"Microsoft-Windows-DNS-Server/Audit":                                 "dns-server-audit",
	"Microsoft-Windows-DriverFrameworks-UserMode/Operational":            "driver-framework",
	"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall": "firewall-as",
	"Microsoft-Windows-Hyper-V-Worker":                                   "hyper-v-worker",
	"Microsoft-Windows-Hyper-V-Worker-Admin":                             "hyper-v-worker",
	"Microsoft-IIS-Configuration/Operational":                            "iis-configuration",
	"Microsoft-Windows-Kernel-EventTracing":                              "kernel-event-tracing",
	"Microsoft-Windows-Kernel-ShimEngine/Operational":                    "kernel-shimengine",
	"Microsoft-Windows-Kernel-ShimEngine/Diagnostic":                     "kernel-shimengine",
	"Microsoft-Windows-LDAP-Client/Debug":                                "ldap",
	"Microsoft-Windows-LSA/Operational":                                  "lsa-server",
	"MSExchange Management":                                              "msexchange-management",
	"Microsoft-Windows-Ntfs/Operational":                                 "ntfs",
	"Microsoft-Windows-NTLM/Operational":                                 "ntlm",
	"OpenSSH/Operational":                                                "openssh",
	"Microsoft-Windows-PrintService/Admin":                               "printservice-admin",
	"Microsoft-Windows-PrintService/Operational":                         "printservice-operational",
	"Microsoft-Windows-Security-Mitigations/Kernel Mode":                 "security-mitigations",
	"Microsoft-Windows-Security-Mitigations/User Mode":                   "security-mitigations",
	"Microsoft-Windows-SENSE/Operational":                                "sense",
	"Microsoft-ServiceBus-Client/Operational":                            "servicebus-client",
	"Microsoft-ServiceBus-Client/Admin":                                  "servicebus-client",
	"Microsoft-Windows-Shell-Core/Operational":                           "shell-core",
	"Microsoft-Windows-SmbClient/Security":                               "smbclient-security",
	"Microsoft-Windows-SmbClient/Connectivity":                           "smbclient-connectivity",
	"Microsoft-Windows-SMBServer/Connectivity":                           "smbserver-connectivity",
	"Microsoft-Windows-TaskScheduler/Operational":                        "taskscheduler",
	"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational": "terminalservices-localsessionmanager",
	"Microsoft-Windows-VHDMP/Operational":                                "vhdmp",
	"Microsoft-Windows-Windows Defender/Operational":                     "windefend",
	"Microsoft-Windows-WMI-Activity/Operational":                         "wmi",
}

// channelServiceAlias gives a second service name some rules use.
var channelServiceAlias = map[string]string{
	"servicebus-client": "microsoft-servicebus-client",
}

// linuxPrograms maps syslog programs of linux.auth events to the Sigma
// service of their own log.
var linuxPrograms = map[string]string{
	"sshd": "sshd", "sshd-session": "sshd", "sshd-auth": "sshd", "sudo": "sudo",
	"su": "su", "cron": "cron", "CRON": "cron", "crond": "cron", "CROND": "cron", "vsftpd": "vsftpd",
}

// productAliases maps dataset prefixes to Sigma product names.
var productAliases = map[string]string{
	"o365": "m365", "microsoft365": "m365", "azuread": "azure", "google_workspace": "gcp",
}

// EventLogsources returns the Sigma logsources of an event (see
// MAPPING.md): Windows events by channel, provider and event ID; others
// by event.dataset, event.module and ECS categories.
func EventLogsources(ev *event.Event) Logsources {
	var l Logsources
	f := ev.Fields
	channel, _ := f["winlog.channel"].(string)
	provider, _ := f["winlog.provider_name"].(string)
	if channel != "" || provider != "" {
		windowsLogsources(&l, f, channel, provider)
		return l
	}
	l.schema = schemaECS
	ds, _ := f["event.dataset"].(string)
	module, _ := f["event.module"].(string)
	osType, _ := f["host.os.type"].(string)
	switch {
	case ds == "linux.auth":
		l.Product = "linux"
		l.addService("auth")
		// The syslog program as sent; process.name may be the command a
		// sudo line ran.
		prog, _ := f["log.syslog.appname"].(string)
		if prog == "" {
			prog, _ = f["process.name"].(string)
		}
		if prog != "" {
			l.addService(linuxPrograms[prog])
		}
		return l
	case ds == "syslog":
		if osType == "" || osType == "linux" {
			l.Product = "linux"
		} else {
			l.Product = osType
		}
		l.addService("syslog")
		return l
	case strings.HasPrefix(ds, "cisco."):
		l.Product = "cisco"
		l.addService("aaa")
		l.addService("bgp")
		l.addService("ldp")
		return l
	case ds == "auditd" || ds == "auditd.log" || ds == "linux.auditd" || module == "auditd":
		l.Product = "linux"
		l.addService("auditd")
		return l
	}
	lds := strings.ToLower(ds)
	switch {
	case lds == "webserver" || lds == "iis" || strings.HasSuffix(lds, ".access") || strings.HasPrefix(lds, "iis."):
		l.addCategory("webserver")
	case strings.Contains(lds, "proxy") || strings.HasPrefix(lds, "squid") || strings.HasPrefix(lds, "zscaler"):
		l.addCategory("proxy")
	case strings.Contains(lds, "firewall"):
		l.addCategory("firewall")
	case strings.Contains(lds, "dns"):
		l.addCategory("dns")
	}
	if cats, ok := f["event.category"]; ok {
		ecsCategories(&l, cats, f["event.type"])
	}
	prod, svc := lds, ""
	if i := strings.IndexByte(lds, '.'); i >= 0 {
		prod, svc = lds[:i], lds[i+1:]
	}
	if module != "" {
		prod = strings.ToLower(module)
	}
	if a, ok := productAliases[prod]; ok {
		prod = a
	}
	if osType != "" && (len(l.Categories[0]) > 0 && (l.Categories[0] == "process_creation" || l.Categories[0] == "file_event" || l.Categories[0] == "network_connection")) {
		prod = strings.ToLower(osType)
	}
	switch prod {
	case "json", "kv", "plain", "unknown", "cef", "leef":
		prod = ""
	}
	l.Product = prod
	l.addService(svc)
	if svc != "" && svc != lds {
		l.addService(lds)
	}
	if prod != "" {
		l.addService(prod)
	}
	return l
}

// ecsCategories reads ECS event.category/event.type (agents, Elastic
// shippers) into Sigma categories.
func ecsCategories(l *Logsources, cats, types any) {
	has := func(v any, s string) bool {
		switch x := v.(type) {
		case string:
			return x == s
		case []string:
			for _, e := range x {
				if e == s {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has(cats, "process") && has(types, "start"):
		l.addCategory("process_creation")
	case has(cats, "file") && has(types, "creation"):
		l.addCategory("file_event")
	case has(cats, "network") && (has(types, "connection") || has(types, "start")):
		l.addCategory("network_connection")
	case has(cats, "malware"):
		l.addCategory("antivirus")
	case has(cats, "web"):
		l.addCategory("webserver")
	}
}

func windowsLogsources(l *Logsources, f event.Fields, channel, provider string) {
	l.Product = "windows"
	l.schema = schemaWindows
	id, _ := f.Int("winlog.event_id")
	switch {
	case provider == "Linux-Sysmon" || channel == "Linux-Sysmon/Operational":
		l.Product = "linux"
		l.addService("sysmon")
		for _, c := range sysmonCategories[id] {
			l.addCategory(c)
		}
		return
	case provider == "Microsoft-Windows-Sysmon" || channel == "Microsoft-Windows-Sysmon/Operational":
		l.addService("sysmon")
		for _, c := range sysmonCategories[id] {
			l.addCategory(c)
		}
		return
	}
	l.spaced = spacedProviders[provider]
	svc := channelServices[channel]
	l.addService(svc)
	l.addService(channelServiceAlias[svc])
	switch svc {
	case "security":
		if id == 4688 {
			l.addCategory("process_creation")
			l.schema = schemaWin4688
		}
	case "powershell":
		switch id {
		case 4103:
			l.addCategory("ps_module")
		case 4104:
			l.addCategory("ps_script")
		}
	case "powershell-classic":
		switch id {
		case 400:
			l.addCategory("ps_classic_start")
		case 600:
			l.addCategory("ps_classic_provider_start")
		case 800:
			l.addCategory("ps_classic_script")
		}
	case "windefend":
		if id == 1116 || id == 1117 || id == 1006 || id == 1015 {
			l.addCategory("antivirus")
		}
	}
}

// keyKind says how a key spec is read.
type keyKind uint8

const (
	keyField     keyKind = iota // a key of Event.Fields
	keyParams                   // winlog.event_data.param1..N as a list
	keyTimestamp                // the event's own time
	keyUserData                 // a key under winlog.user_data, read only when the event has UserData
)

type keySpec struct {
	kind keyKind
	key  string
}

// fieldKeys returns, for each schema, the event keys a Sigma field name
// is read from, in order: the first present one is used.
func fieldKeys(name string) [numSchemas][]keySpec {
	var out [numSchemas][]keySpec
	k := func(keys ...string) []keySpec {
		s := make([]keySpec, 0, len(keys))
		for _, x := range keys {
			s = append(s, keySpec{kind: keyField, key: x})
		}
		return s
	}
	// Windows: System attributes, then EventData, UserData and the
	// literal key.
	if sys := event.WindowsSystemFields[name]; sys != nil {
		out[schemaWindows] = k(sys...)
	} else {
		out[schemaWindows] = []keySpec{{kind: keyField, key: "winlog.event_data." + name}, {kind: keyUserData, key: "winlog.user_data." + name}}
	}
	if strings.Contains(name, ".") {
		// A dotted name may be an ECS key written in a rule.
		out[schemaWindows] = append(out[schemaWindows], keySpec{kind: keyField, key: name})
	}
	if extra, ok := windowsFallbacks[name]; ok {
		out[schemaWindows] = append(out[schemaWindows], k(extra...)...)
	}
	if name == "Data" {
		out[schemaWindows] = append(out[schemaWindows], keySpec{kind: keyParams})
	}
	if alt, ok := security4688Fields[name]; ok {
		out[schemaWin4688] = k(append([]string{"winlog.event_data." + alt}, name)...)
	} else {
		out[schemaWin4688] = out[schemaWindows]
	}
	// Everything else: ECS names, then the literal key, then EventData.
	ecs := append([]string(nil), event.TaxonomyFields[name]...)
	ecs = append(ecs, name, "winlog.event_data."+name)
	out[schemaECS] = k(ecs...)
	switch name {
	case "@timestamp", "timestamp", "_time", "TimeCreated", "TimeCreated_SystemTime":
		for s := range out {
			out[s] = append(out[s], keySpec{kind: keyTimestamp})
		}
	}
	return out
}

// windowsFallbacks are read when a Windows event lacks the EventData
// value: the antivirus taxonomy names of Windows Defender's fields.
var windowsFallbacks = map[string][]string{
	"Signature": {"winlog.event_data.Threat Name"},
	"Filename":  {"winlog.event_data.Path"},
	"Action":    {"winlog.event_data.Action Name"},
}

// security4688Fields maps Sysmon process creation names to the names of
// Security event 4688 (as pySigma's Windows audit pipelines do).
var security4688Fields = map[string]string{
	"Image":           "NewProcessName",
	"ParentImage":     "ParentProcessName",
	"ProcessId":       "NewProcessId",
	"ParentProcessId": "ProcessId",
	"LogonId":         "SubjectLogonId",
}

// Resolve returns the values of a Sigma field in an event, read with the
// same mapping the matcher uses (see MAPPING.md): strings as they are,
// numbers in decimal, lists element by element. rule may be nil; it is
// accepted so that rule-specific mappings can be added without changing
// callers.
func Resolve(ev *event.Event, rule *Rule, sigmaField string) []string {
	_ = rule
	ls := EventLogsources(ev)
	keys := fieldKeys(sigmaField)
	for _, ks := range keys[ls.schema] {
		switch ks.kind {
		case keyTimestamp:
			if !ev.Timestamp.IsZero() {
				return []string{ev.Timestamp.UTC().Format(time.RFC3339Nano)}
			}
		case keyParams:
			var out []string
			for i := 1; ; i++ {
				v, ok := ev.Fields["winlog.event_data.param"+strconv.Itoa(i)]
				if !ok {
					break
				}
				out = append(out, valueStrings(v)...)
			}
			if len(out) > 0 {
				return out
			}
		default:
			if v, ok := ev.Fields[ks.key]; ok {
				return valueStrings(v)
			}
		}
	}
	if ls.spaced {
		for k, v := range ev.Fields {
			if name, ok := strings.CutPrefix(k, "winlog.event_data."); ok && strings.Contains(name, " ") &&
				strings.ReplaceAll(name, " ", "") == sigmaField {
				return valueStrings(v)
			}
		}
	}
	return nil
}

func valueStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return append([]string(nil), x...)
	case string:
		return []string{x}
	case nil:
		return nil
	}
	return []string{event.Fields{"v": v}.Str("v")}
}
