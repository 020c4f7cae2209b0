package normalize

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// winData is one EventData (or UserData) value, rendered as Windows
// renders it in XML.
type winData struct {
	name  string
	value string
	list  []string // multi-string values; value is then their first
	// box is value as stored in the fields: ECS fields that copy it
	// reuse it instead of boxing the string again.
	box any
}

// winRecord is a Windows event in a shape-independent form.
type winRecord struct {
	provider, providerGUID, channel, computer string
	id                                        int64
	hasID                                     bool
	level                                     int64
	hasLevel                                  bool
	keywords                                  uint64
	hasKeywords                               bool
	data                                      []winData
	userDataName                              string
	// rendered: the document carries its own message (Winlogbeat's),
	// which wins over a summary.
	rendered bool
}

// d returns the named EventData/UserData value ("" when absent).
func (r *winRecord) d(name string) string {
	for i := range r.data {
		if r.data[i].name == name {
			return r.data[i].value
		}
	}
	return ""
}

// entry returns the named value's entry, or nil.
func (r *winRecord) entry(name string) *winData {
	for i := range r.data {
		if r.data[i].name == name {
			return &r.data[i]
		}
	}
	return nil
}

// isWindowsShape says whether obj looks like a Windows event: the evtx
// shape (with or without the "Event" wrapper) or Winlogbeat's.
func isWindowsShape(obj map[string]any) bool {
	if e, ok := obj["Event"].(map[string]any); ok {
		_, ok := e["System"].(map[string]any)
		return ok
	}
	if sys, ok := obj["System"].(map[string]any); ok {
		_, hasID := sys["EventID"]
		return hasID
	}
	if w, ok := obj["winlog"].(map[string]any); ok {
		_, hasID := w["event_id"]
		_, hasChannel := w["channel"]
		return hasID || hasChannel
	}
	return isNXLog(obj)
}

// isNXLog recognizes a Windows event as NXLog's im_msvistalog writes it
// in JSON (xm_json): the envelope (EventID, SourceName, Channel,
// Hostname, EventTime...) and the EventData fields side by side at the
// top level.
func isNXLog(obj map[string]any) bool {
	if _, ok := anyInt(obj["EventID"]); !ok {
		return false
	}
	_, source := obj["SourceName"].(string)
	_, channel := obj["Channel"].(string)
	_, host := obj["Hostname"].(string)
	return source && channel && host
}

// nxlogEnvelope are the keys NXLog adds around a Windows event's data.
var nxlogEnvelope = map[string]bool{
	"EventTime": true, "EventReceivedTime": true, "Hostname": true, "Keywords": true, "EventType": true,
	"SeverityValue": true, "Severity": true, "EventID": true, "SourceName": true, "ProviderGuid": true,
	"Version": true, "Task": true, "OpcodeValue": true, "RecordNumber": true, "ActivityID": true,
	"RelatedActivityID": true, "ProcessID": true, "ThreadID": true, "Channel": true, "Message": true,
	"Category": true, "Opcode": true, "Domain": true, "AccountName": true, "UserID": true, "AccountType": true,
	"SourceModuleName": true, "SourceModuleType": true, "ERRORCODE": true,
}

// nxlogNumbers are the envelope's numbers kept under winlog.*.
var nxlogNumbers = [...]struct{ key, field string }{
	{"RecordNumber", "winlog.record_id"}, {"Version", "winlog.version"}, {"Task", "winlog.task"},
	{"OpcodeValue", "winlog.opcode"}, {"ProcessID", "winlog.process.pid"}, {"ThreadID", "winlog.process.thread.id"},
}

// nxlog maps an NXLog im_msvistalog event as evtx records are mapped, so
// that Sigma's Windows rules see the same fields whichever shipper sent it.
func (st *state) nxlog(rec map[string]any) {
	f := st.f
	r := winRecord{provider: anyString(rec["SourceName"]), providerGUID: strings.Trim(anyString(rec["ProviderGuid"]), "{}"),
		channel: anyString(rec["Channel"]), computer: anyString(rec["Hostname"])}
	if id, ok := anyInt(rec["EventID"]); ok {
		r.id, r.hasID = id, true
	}
	// Keywords comes as the signed 64-bit value of the mask.
	if k, ok := anyInt(rec["Keywords"]); ok {
		r.keywords, r.hasKeywords = uint64(k), true
		f["winlog.keywords"] = keywordNames(uint64(k))
	} else {
		switch anyString(rec["EventType"]) {
		case "AUDIT_SUCCESS":
			r.keywords, r.hasKeywords = 0x20000000000000, true
		case "AUDIT_FAILURE":
			r.keywords, r.hasKeywords = 0x10000000000000, true
		}
	}
	for _, m := range nxlogNumbers {
		if n, ok := anyInt(rec[m.key]); ok {
			f[m.field] = n
		}
	}
	st.set("winlog.user.identifier", anyString(rec["UserID"]))
	st.set("winlog.activity_id", anyString(rec["ActivityID"]))
	if ts, ok := st.n.timeValue(rec["EventTime"], st.received, st.loc); ok {
		st.setTime(ts, "EventTime")
	}
	hex := r.hexRule()
	r.data = make([]winData, 0, len(rec))
	for k, v := range rec {
		if nxlogEnvelope[k] {
			continue
		}
		if s, l, ok := renderWin(v, hex(k)); ok {
			r.data = append(r.data, winData{name: k, value: s, list: l})
		}
	}
	// NXLog's rendered message wins over a summary.
	if m := strings.TrimSpace(anyString(rec["Message"])); m != "" {
		st.setMessage(m)
		r.rendered = true
	}
	st.winStore(&r)
	st.winMap(&r)
	st.set("agent.type", "nxlog")
}

// eventDataLen counts a Windows event's data values, to size its fields.
func eventDataLen(rec map[string]any) int {
	if w, ok := rec["winlog"].(map[string]any); ok {
		ed, _ := w["event_data"].(map[string]any)
		return len(ed) + len(w) + len(rec)*2
	}
	if e, ok := rec["Event"].(map[string]any); ok {
		rec = e
	}
	ed, _ := rec["EventData"].(map[string]any)
	return len(ed)
}

// attr reads an XML attribute in either JSON rendering of evtx: as a
// plain key (Velocidex) or under "#attributes" (evtx_dump).
func attr(v any, name string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if x, ok := m[name]; ok {
		return x
	}
	if a, ok := m["#attributes"].(map[string]any); ok {
		return a[name]
	}
	return nil
}

// text reads an element's value: the value itself, or its "#text" /
// "Value" when the element also has attributes.
func text(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if x, ok := m["#text"]; ok {
		return x
	}
	if x, ok := m["Value"]; ok {
		return x
	}
	return nil
}

func anyString(v any) string {
	s, _ := scalarString(v)
	return s
}

func anyInt(v any) (int64, bool) {
	switch x := v.(type) {
	case string:
		return parseInt(strings.TrimSpace(x))
	case nil:
		return 0, false
	}
	fv, ok := fieldValue(v)
	if !ok {
		return 0, false
	}
	n, ok := fv.(int64)
	return n, ok
}

func anyUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, true
	case string:
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "0x") || strings.HasPrefix(x, "0X") {
			u, err := strconv.ParseUint(x[2:], 16, 64)
			return u, err == nil
		}
		u, err := strconv.ParseUint(x, 10, 64)
		return u, err == nil
	case float64:
		if x >= 0 {
			return uint64(x), true
		}
	case json.Number:
		u, err := strconv.ParseUint(string(x), 10, 64)
		return u, err == nil
	}
	if n, ok := anyInt(v); ok && n >= 0 {
		return uint64(n), true
	}
	return 0, false
}

// windows maps a Windows event; false when rec has no System section.
func (st *state) windows(rec map[string]any) bool {
	if w, ok := rec["winlog"].(map[string]any); ok {
		st.winlogbeat(rec, w)
		return true
	}
	if isNXLog(rec) {
		st.nxlog(rec)
		return true
	}
	ev := rec
	if e, ok := rec["Event"].(map[string]any); ok {
		ev = e
	}
	sys, ok := ev["System"].(map[string]any)
	if !ok {
		return false
	}
	var r winRecord
	f := st.f
	prov := sys["Provider"]
	r.provider = anyString(attr(prov, "Name"))
	if r.provider == "" {
		r.provider = anyString(attr(prov, "EventSourceName"))
	}
	r.providerGUID = anyString(attr(prov, "Guid"))
	if id, ok := anyInt(text(sys["EventID"])); ok {
		r.id, r.hasID = id, true
	}
	r.channel = anyString(sys["Channel"])
	r.computer = anyString(sys["Computer"])
	if n, ok := anyInt(text(sys["Level"])); ok {
		r.level, r.hasLevel = n, true
	}
	if k, ok := anyUint(text(sys["Keywords"])); ok {
		r.keywords, r.hasKeywords = k, true
		f["winlog.keywords"] = keywordNames(k)
	}
	if n, ok := anyInt(sys["EventRecordID"]); ok {
		f["winlog.record_id"] = n
	}
	if n, ok := anyInt(text(sys["Version"])); ok {
		f["winlog.version"] = n
	}
	if n, ok := anyInt(text(sys["Task"])); ok {
		f["winlog.task"] = n
	}
	if n, ok := anyInt(text(sys["Opcode"])); ok {
		f["winlog.opcode"] = n
	}
	exe := sys["Execution"]
	if n, ok := anyInt(attr(exe, "ProcessID")); ok {
		f["winlog.process.pid"] = n
	}
	if n, ok := anyInt(attr(exe, "ThreadID")); ok {
		f["winlog.process.thread.id"] = n
	}
	st.set("winlog.user.identifier", anyString(attr(sys["Security"], "UserID")))
	st.set("winlog.activity_id", anyString(attr(sys["Correlation"], "ActivityID")))
	switch t := attr(sys["TimeCreated"], "SystemTime").(type) {
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			st.setTime(ts, "TimeCreated")
		} else if ts, ok := st.n.timeString(t, st.received, st.loc); ok {
			st.setTime(ts, "TimeCreated")
		}
	case nil:
	default:
		if ts, ok := st.n.timeValue(t, st.received, st.loc); ok {
			st.setTime(ts, "TimeCreated")
		}
	}
	r.data = make([]winData, 0, 24)
	r.readEventData(ev["EventData"], r.hexRule())
	r.readUserData(ev["UserData"], r.hexRule())
	if ri, ok := ev["RenderingInfo"].(map[string]any); ok {
		st.setMessage(strings.TrimSpace(anyString(text(ri["Message"]))))
	}
	st.winStore(&r)
	st.winMap(&r)
	return true
}

// hexRule returns which numeric EventData values Windows renders in hex.
// evtx_dump and Winlogbeat give them as text already ("0x3e7"); a parser
// that keeps the number (Velocidex) loses the rendering, and Sigma rules
// compare the text ("GrantedAccess: 0x1010").
func (r *winRecord) hexRule() func(name string) bool {
	security := r.provider == "Microsoft-Windows-Security-Auditing"
	return func(name string) bool {
		if strings.HasSuffix(name, "LogonId") || name == "GrantedAccess" || name == "ResultCode" {
			return true
		}
		if !security {
			return false
		}
		switch name {
		case "ProcessId", "NewProcessId", "CallerProcessId", "AccessMask", "HandleId",
			"Status", "SubStatus", "TicketOptions", "TicketEncryptionType", "FailureCode",
			"OldUacValue", "NewUacValue", "ServiceType", "ResultCode", "AccessReason",
			"ObjectId", "TransactionId", "KeyLength":
			return name != "KeyLength"
		}
		return false
	}
}

// renderWin renders an EventData value as text.
func renderWin(v any, hex bool) (string, []string, bool) {
	switch x := v.(type) {
	case nil:
		return "", nil, false
	case string:
		// Trimmed as the Rust evtx parser (Hayabusa, Chainsaw, SigmaHQ's
		// regression tests) trims: Sysmon often writes "cmd.exe " and
		// rules are written against the trimmed text.
		x = strings.TrimSpace(x)
		return x, nil, x != ""
	case []string:
		if len(x) == 0 {
			return "", nil, false
		}
		return x[0], x, true
	case []any:
		var l []string
		for _, e := range x {
			if s, ok := scalarString(text(e)); ok {
				l = append(l, s)
			}
		}
		if len(l) == 0 {
			return "", nil, false
		}
		return l[0], l, true
	case map[string]any:
		if t, ok := x["#text"]; ok {
			return renderWin(t, hex)
		}
		b, _ := json.Marshal(x)
		return string(b), nil, true
	}
	if hex {
		if u, ok := anyUint(v); ok {
			return "0x" + strconv.FormatUint(u, 16), nil, true
		}
	}
	s, ok := scalarString(v)
	return s, nil, ok
}

// readEventData reads EventData: named values ({"Image": ...}),
// or unnamed <Data> elements ({"Data": [...]}), which become param1..N as
// Winlogbeat names them.
func (r *winRecord) readEventData(v any, hex func(string) bool) {
	m, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			r.addParams(v)
		}
		return
	}
	for k, x := range m {
		if isXMLMarkup(k) {
			continue
		}
		switch k {
		case "Data":
			if r.addNamedData(x, hex) {
				continue
			}
			r.addParams(x)
			continue
		case "#text":
			r.addParams(x)
			continue
		}
		s, l, ok := renderWin(x, hex(k))
		if ok {
			r.data = append(r.data, winData{name: k, value: s, list: l})
		}
	}
}

// addNamedData reads [{"Name": "x", "Value"/"#text": ...}, ...]; false
// when the elements carry no names.
func (r *winRecord) addNamedData(v any, hex func(string) bool) bool {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		list = []any{x}
	default:
		return false
	}
	named := false
	for _, e := range list {
		name := anyString(attr(e, "Name"))
		if name == "" {
			if named {
				continue
			}
			return false
		}
		named = true
		s, l, ok := renderWin(text(e), hex(name))
		if ok {
			r.data = append(r.data, winData{name: name, value: s, list: l})
		}
	}
	return named
}

// addParams stores unnamed values as param1..N.
func (r *winRecord) addParams(v any) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []string:
		for _, s := range x {
			list = append(list, s)
		}
	case map[string]any:
		if t, ok := x["#text"]; ok {
			r.addParams(t)
		}
		return
	default:
		list = []any{x}
	}
	for i, e := range list {
		s, l, ok := renderWin(text(e), false)
		if ok {
			r.data = append(r.data, winData{name: "param" + strconv.Itoa(i+1), value: s, list: l})
		}
	}
}

// isXMLMarkup says whether a key of EventData or UserData is XML's rather
// than the event's: the attributes, and namespace declarations ("xmlns",
// "xmlns:auto-ns3"), which evtx parsers give as values of the element
// (Security 1102's LogFileCleared, 500's CompatibilityFixEvent).
func isXMLMarkup(k string) bool {
	return k == "#attributes" || strings.HasPrefix(k, "xmlns") && (len(k) == 5 || k[5] == ':')
}

// readUserData reads UserData, whose one child element (named by the
// provider) holds the values.
func (r *winRecord) readUserData(v any, hex func(string) bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, x := range m {
		if isXMLMarkup(k) {
			continue
		}
		inner, ok := x.(map[string]any)
		if !ok {
			continue
		}
		r.userDataName = k
		for name, val := range inner {
			if isXMLMarkup(name) {
				continue
			}
			s, l, ok := renderWin(val, hex(name))
			if ok {
				r.data = append(r.data, winData{name: "\x00" + name, value: s, list: l})
			}
		}
		return
	}
}

// keywordNames names the standard keyword bits as Winlogbeat does, so
// that winlog.keywords is a list of names whatever the source; bits
// specific to a provider are kept as one hex value.
func keywordNames(k uint64) []string {
	std := [...]struct {
		bit  uint64
		name string
	}{
		{0x0001000000000000, "WDI Context"},
		{0x0002000000000000, "WDI Diag"},
		{0x0004000000000000, "SQM"},
		{0x0008000000000000, "Response Time"},
		{0x0010000000000000, "Audit Failure"},
		{0x0020000000000000, "Audit Success"},
		{0x0040000000000000, "Correlation Hint"},
		{0x0080000000000000, "Classic"},
	}
	var names []string
	for _, b := range std {
		if k&b.bit != 0 {
			names = append(names, b.name)
			k &^= b.bit
		}
	}
	// The top byte holds channel bits (0x80.. is the event's own channel
	// in Security and Sysmon events): named only when nothing else is.
	if k&^0xff00000000000000 != 0 || len(names) == 0 {
		names = append(names, "0x"+strconv.FormatUint(k, 16))
	}
	return names
}

// winStore writes the winlog.* fields every Windows event carries.
func (st *state) winStore(r *winRecord) {
	f := st.f
	if r.hasID {
		f["winlog.event_id"] = r.id
		f["event.code"] = strconv.FormatInt(r.id, 10)
	}
	st.set("winlog.provider_name", r.provider)
	st.set("winlog.provider_guid", r.providerGUID)
	st.set("event.provider", r.provider)
	st.set("winlog.channel", r.channel)
	st.set("winlog.computer_name", r.computer)
	st.set("host.name", r.computer)
	f["host.os.type"] = "windows"
	st.set("winlog.user_data.xml_name", r.userDataName)
	for i := range r.data {
		if len(f) >= MaxFields {
			st.truncatedTag()
			break
		}
		d := &r.data[i]
		if d.name == "" || d.name == "\x00" {
			continue
		}
		var key string
		if d.name[0] == 0 {
			// UserData values: findable by name, stored apart.
			d.name = d.name[1:]
			key = "winlog.user_data." + d.name
		} else {
			key = eventDataKey(d.name)
		}
		if d.list != nil {
			f[key] = d.list
		} else if d.value != "" {
			d.box = d.value
			f[key] = d.box
		}
	}
	if r.hasLevel {
		name, sev := winLevel(r.level)
		st.setIfAbsent("log.level", name)
		st.setSeverity(sev)
	}
}

// eventDataKeys holds the keys of common EventData names, built once so
// that storing them costs no allocation.
var eventDataKeys = func() map[string]string {
	names := []string{"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
		"Description", "Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory",
		"User", "LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes",
		"ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser",
		"TargetFilename", "CreationUtcTime", "ImageLoaded", "Signed", "Signature", "SignatureStatus",
		"EventType", "TargetObject", "Details", "Protocol", "Initiated", "SourceIsIpv6", "SourceIp",
		"SourceHostname", "SourcePort", "SourcePortName", "DestinationIsIpv6", "DestinationIp",
		"DestinationHostname", "DestinationPort", "DestinationPortName", "QueryName", "QueryStatus",
		"QueryResults", "SourceProcessGuid", "SourceProcessId", "SourceImage", "TargetProcessGuid",
		"TargetProcessId", "TargetImage", "GrantedAccess", "CallTrace", "SourceUser", "TargetUser",
		"PipeName", "SourceThreadId", "NewThreadId", "StartAddress", "StartModule", "StartFunction",
		"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "TargetUserSid",
		"TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType", "LogonProcessName",
		"AuthenticationPackageName", "WorkstationName", "TransmittedServices", "LmPackageName",
		"KeyLength", "ProcessName", "IpAddress", "IpPort", "ImpersonationLevel", "RestrictedAdminMode",
		"TargetOutboundUserName", "TargetOutboundDomainName", "VirtualAccount", "TargetLinkedLogonId",
		"ElevatedToken", "Status", "FailureReason", "SubStatus", "NewProcessId", "NewProcessName",
		"TokenElevationType", "MandatoryLabel", "ParentProcessName", "PrivilegeList", "ServiceName",
		"ImagePath", "ServiceType", "StartType", "AccountName", "ObjectName", "ObjectType",
		"ObjectServer", "HandleId", "AccessMask", "AccessList", "TaskName", "TaskContent",
		"ScriptBlockText", "ScriptBlockId", "MessageNumber", "MessageTotal", "Path", "Archived",
		"IsExecutable"}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = "winlog.event_data." + n
	}
	return m
}()

func eventDataKey(name string) string {
	if k, ok := eventDataKeys[name]; ok {
		return k
	}
	return "winlog.event_data." + name
}

// winLevel maps a Windows level (1 critical .. 5 verbose, 0 "log
// always") to log.level and a 0-100 severity.
func winLevel(l int64) (string, int64) {
	switch l {
	case 1:
		return "critical", event.SeverityHigh
	case 2:
		return "error", event.SeverityMedium
	case 3:
		return "warning", event.SeverityLow
	case 5:
		return "verbose", event.SeverityInfo
	default:
		return "information", event.SeverityInfo
	}
}

// winDataset names the event.dataset of a channel, as a field value:
// every name is a constant, so returning it boxed costs no allocation
// (a string result boxed by the caller did).
func winDataset(channel, provider string) any {
	switch {
	case provider == "Microsoft-Windows-Sysmon" || channel == "Microsoft-Windows-Sysmon/Operational":
		return "windows.sysmon"
	case channel == "Security":
		return "windows.security"
	case channel == "System":
		return "windows.system"
	case channel == "Application":
		return "windows.application"
	case channel == "Microsoft-Windows-PowerShell/Operational", channel == "PowerShellCore/Operational":
		return "windows.powershell"
	case channel == "Windows PowerShell":
		return "windows.powershell_classic"
	case strings.HasPrefix(channel, "Microsoft-Windows-TaskScheduler"):
		return "windows.taskscheduler"
	case strings.HasPrefix(channel, "Microsoft-Windows-Windows Defender"):
		return "windows.defender"
	case strings.HasPrefix(channel, "Microsoft-Windows-WMI-Activity"):
		return "windows.wmi"
	case strings.HasPrefix(channel, "Microsoft-Windows-TerminalServices"):
		return "windows.terminalservices"
	case strings.HasPrefix(channel, "Microsoft-Windows-Windows Firewall"):
		return "windows.firewall"
	}
	return "windows.eventlog"
}

// winlogbeat maps a Winlogbeat document: its own ECS fields are kept;
// what it lacks is filled as for an evtx record.
func (st *state) winlogbeat(doc, w map[string]any) {
	f := st.f
	var r winRecord
	r.provider = anyString(w["provider_name"])
	r.providerGUID = anyString(w["provider_guid"])
	r.channel = anyString(w["channel"])
	r.computer = anyString(w["computer_name"])
	if id, ok := anyInt(w["event_id"]); ok {
		r.id, r.hasID = id, true
	}
	if kw, ok := w["keywords"].([]any); ok {
		for _, k := range kw {
			switch anyString(k) {
			case "Audit Success":
				r.keywords, r.hasKeywords = 0x20000000000000, true
			case "Audit Failure":
				r.keywords, r.hasKeywords = 0x10000000000000, true
			}
		}
	}
	if l, ok := doc["log"].(map[string]any); ok {
		if lv, ok := l["level"].(string); ok {
			r.level, r.hasLevel = winLevelNumber(lv), true
		}
	}
	r.data = make([]winData, 0, 32)
	r.readEventData(w["event_data"], r.hexRule())
	if ud, ok := w["user_data"].(map[string]any); ok {
		for name, val := range ud {
			if name == "xml_name" {
				r.userDataName = anyString(val)
				continue
			}
			if s, l, ok := renderWin(val, false); ok {
				r.data = append(r.data, winData{name: "\x00" + name, value: s, list: l})
			}
		}
	}
	if m, ok := doc["message"].(string); ok && strings.TrimSpace(m) != "" {
		r.rendered = true
	}
	st.winStore(&r)
	st.winMap(&r)
	// Then the document's own fields, which win over the mapping (its
	// pipeline knew the event best), except the ones EventSec defines.
	st.overwrite = true
	for k, v := range doc {
		if k == "winlog" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			st.flattenInto(k, x, 1)
		case []any:
			if !protectedKey(k) {
				delete(f, k)
				st.flattenArray(k, x, 1)
			}
		default:
			if fv, ok := fieldValue(x); ok && !protectedKey(k) {
				st.put(k, fv, false)
			}
		}
	}
	st.overwrite = false
	for k, v := range w {
		switch k {
		case "event_data", "user_data", "event_id", "record_id", "channel", "computer_name", "provider_name", "provider_guid":
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			st.flattenInto("winlog."+k, x, 1)
		case []any:
			st.flattenArray("winlog."+k, x, 1)
		default:
			if fv, ok := fieldValue(x); ok {
				st.put("winlog."+k, fv, false)
			}
		}
	}
	if n, ok := anyInt(w["record_id"]); ok {
		f["winlog.record_id"] = n
	}
	st.jsonTime()
	st.coerce()
}

// protectedKey names the fields a Winlogbeat document cannot override:
// EventSec's own conventions.
func protectedKey(k string) bool {
	switch k {
	case "event.code", "event.dataset", "event.severity", "event.kind":
		return true
	}
	return strings.HasPrefix(k, "winlog.")
}

func winLevelNumber(s string) int64 {
	switch strings.ToLower(s) {
	case "critical":
		return 1
	case "error":
		return 2
	case "warning":
		return 3
	case "verbose":
		return 5
	}
	return 4
}
