package normalize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

var errCEF = errors.New("invalid CEF")

// cefKey says how a CEF extension (short or full name) maps to ECS.
type cefKey struct {
	field string
	kind  uint8
}

// More alias kinds, for CEF and LEEF.
const (
	aTime = 100 + iota
	aMAC
	aHash
	aDirection
	aUserName
)

// cefKeys maps CEF extension keys (ArcSight CEF "Implementing ArcSight
// Common Event Format", v25 dictionary) to ECS. Every extension is also
// kept under cef.extensions.<key>.
var cefKeys = map[string]cefKey{
	"act": {"event.action", aStr}, "deviceAction": {"event.action", aStr},
	"app": {"network.protocol", aLower}, "applicationProtocol": {"network.protocol", aLower},
	"dhost": {"destination.domain", aStr}, "destinationHostName": {"destination.domain", aStr},
	"dmac": {"destination.mac", aMAC}, "destinationMacAddress": {"destination.mac", aMAC},
	"dntdom": {"destination.user.domain", aStr}, "destinationNtDomain": {"destination.user.domain", aStr},
	"dpid": {"process.pid", aInt}, "destinationProcessId": {"process.pid", aInt},
	"dproc": {"process.name", aStr}, "destinationProcessName": {"process.name", aStr},
	"dpt": {"destination.port", aPort}, "destinationPort": {"destination.port", aPort},
	"dst": {"destination.ip", aIP}, "destinationAddress": {"destination.ip", aIP},
	"duid": {"destination.user.id", aStr}, "destinationUserId": {"destination.user.id", aStr},
	"duser": {"destination.user.name", aUserName}, "destinationUserName": {"destination.user.name", aUserName},
	"dvc": {"observer.ip", aIP}, "deviceAddress": {"observer.ip", aIP},
	"dvchost": {"observer.hostname", aStr}, "deviceHostName": {"observer.hostname", aStr},
	"dvcmac": {"observer.mac", aMAC}, "deviceMacAddress": {"observer.mac", aMAC},
	"deviceExternalId":        {"observer.name", aStr},
	"deviceInboundInterface":  {"observer.ingress.interface.name", aStr},
	"deviceOutboundInterface": {"observer.egress.interface.name", aStr},
	"deviceDirection":         {"network.direction", aDirection},
	"deviceProcessName":       {"process.name", aStr},
	"end":                     {"event.end", aTime}, "endTime": {"event.end", aTime},
	"start": {"event.start", aTime}, "startTime": {"event.start", aTime},
	"rt": {"@timestamp", aTime}, "deviceReceiptTime": {"@timestamp", aTime},
	"externalId": {"event.id", aStr},
	"fileHash":   {"file.hash", aHash},
	"fname":      {"file.name", aStr}, "fileName": {"file.name", aStr},
	"filePath": {"file.path", aStr},
	"fsize":    {"file.size", aInt}, "fileSize": {"file.size", aInt},
	"fileType": {"file.type", aStr},
	"in":       {"source.bytes", aInt}, "bytesIn": {"source.bytes", aInt},
	"out": {"destination.bytes", aInt}, "bytesOut": {"destination.bytes", aInt},
	"msg": {"message", aMessage}, "message": {"message", aMessage},
	"outcome": {"event.outcome", aOutcome}, "eventOutcome": {"event.outcome", aOutcome},
	"proto": {"network.transport", aTransport}, "transportProtocol": {"network.transport", aTransport},
	"reason":  {"event.reason", aStr},
	"request": {"url.original", aURL}, "requestUrl": {"url.original", aURL},
	"requestClientApplication": {"user_agent.original", aStr},
	"requestMethod":            {"http.request.method", aStr},
	"requestContext":           {"http.request.referrer", aStr},
	"shost":                    {"source.domain", aStr}, "sourceHostName": {"source.domain", aStr},
	"smac": {"source.mac", aMAC}, "sourceMacAddress": {"source.mac", aMAC},
	"sntdom": {"source.user.domain", aStr}, "sourceNtDomain": {"source.user.domain", aStr},
	"spid": {"source.process.pid", aInt}, "sourceProcessId": {"source.process.pid", aInt},
	"sproc": {"source.process.name", aStr}, "sourceProcessName": {"source.process.name", aStr},
	"spt": {"source.port", aPort}, "sourcePort": {"source.port", aPort},
	"src": {"source.ip", aIP}, "sourceAddress": {"source.ip", aIP},
	"suid": {"source.user.id", aStr}, "sourceUserId": {"source.user.id", aStr},
	"suser": {"source.user.name", aUserName}, "sourceUserName": {"source.user.name", aUserName},
	"sourceTranslatedAddress":      {"source.nat.ip", aIP},
	"sourceTranslatedPort":         {"source.nat.port", aPort},
	"destinationTranslatedAddress": {"destination.nat.ip", aIP},
	"destinationTranslatedPort":    {"destination.nat.port", aPort},
	"destinationDnsDomain":         {"destination.registered_domain", aStr},
	"cat":                          {"cef.category", aStr}, "deviceEventCategory": {"cef.category", aStr},
}

// cefExtKeys holds the field keys of known extensions, so that storing
// them costs no concatenation.
var cefExtKeys = func() map[string]string {
	m := make(map[string]string, len(cefKeys)+64)
	add := func(k string) { m[k] = "cef.extensions." + k }
	for k := range cefKeys {
		add(k)
	}
	for _, p := range []string{"cs", "cn", "cfp", "c6a", "flexString", "flexNumber", "flexDate", "deviceCustomDate"} {
		for i := 1; i <= 6; i++ {
			add(p + strconv.Itoa(i))
			add(p + strconv.Itoa(i) + "Label")
		}
	}
	for _, k := range []string{"cnt", "deviceFacility", "dvcpid", "fileId", "oldFileHash", "agt", "ahost", "art",
		"catdt", "dlat", "dlong", "slat", "slong", "dpriv", "spriv", "deviceTimeZone", "sourceServiceName",
		"destinationServiceName", "fileCreateTime", "fileModificationTime", "filePermission", "requestCookies"} {
		add(k)
	}
	return m
}()

func extKey(k string) string {
	if key, ok := cefExtKeys[k]; ok {
		return key
	}
	return "cef.extensions." + k
}

// cef parses "CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension".
func (st *state) cef(s string) error {
	if !strings.HasPrefix(s, "CEF:") {
		return fmt.Errorf("cannot parse CEF: %w: no CEF: prefix", errCEF)
	}
	s = strings.TrimRight(s[4:], "\r\n")
	var hdr [7]string
	n := 0
	i := 0
	start := 0
	escaped := false
	for i < len(s) && n < 7 {
		switch s[i] {
		case '\\':
			escaped = true
			i += 2
			continue
		case '|':
			hdr[n] = cefHeaderValue(s[start:i], escaped)
			n++
			escaped = false
			i++
			start = i
			continue
		}
		i++
	}
	if i > len(s) {
		i = len(s)
	}
	ext := ""
	switch {
	case n == 7:
		ext = s[i:]
	case n == 6 && start < len(s):
		// No '|' after the severity: an event without extensions.
		hdr[6] = cefHeaderValue(s[start:], escaped)
		n = 7
	}
	if n < 7 {
		return fmt.Errorf("cannot parse CEF header: %w: %d of 7 fields (truncated?)", errCEF, n)
	}
	version := strings.TrimSpace(hdr[0])
	if version == "" || !isDigits(strings.ReplaceAll(version, ".", "")) {
		return fmt.Errorf("cannot parse CEF header: %w: version %q", errCEF, version)
	}
	f := st.f
	f["event.dataset"] = "cef"
	f["event.module"] = "cef"
	f["cef.version"] = version
	st.set("observer.vendor", hdr[1])
	st.set("observer.product", hdr[2])
	st.set("observer.version", hdr[3])
	st.set("cef.device.vendor", hdr[1])
	st.set("cef.device.product", hdr[2])
	st.set("cef.device.version", hdr[3])
	st.set("cef.device.event_class_id", hdr[4])
	st.set("event.code", hdr[4])
	st.set("cef.name", hdr[5])
	st.set("cef.severity", hdr[6])
	if sev, ok := cefSeverity(hdr[6]); ok {
		st.setSeverity(sev)
	}
	st.cefExtensions(ext)
	if !st.tsSet {
		// Without rt, the time the activity ended (or started) is the
		// event's.
		for _, k := range [...]string{"event.end", "event.start"} {
			if v, ok := f[k].(string); ok {
				if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
					st.setTime(t, k)
					break
				}
			}
		}
	}
	if _, ok := f["message"]; !ok || f["message"] == "" || strings.HasPrefix(f["message"].(string), "CEF:") {
		st.setMessage(hdr[5])
	}
	if _, ok := f["event.action"]; !ok {
		st.set("event.action", hdr[5])
	}
	st.firewallVerdict()
	st.userFromSourceDest()
	return nil
}

// firewallVerdict: a network device's CEF event whose action is a
// firewall verdict (act=allow, deny, drop, block...) about a connection
// gets ECS's network connection category and allowed/denied type, as
// firewall rules and dashboards filter on them.
func (st *state) firewallVerdict() {
	f := st.f
	act, _ := f["event.action"].(string)
	_, src := f["source.ip"]
	_, dst := f["destination.ip"]
	if !src && !dst {
		return
	}
	typ := ""
	switch outcome(act) {
	case "success":
		typ = "allowed"
	case "failure":
		typ = "denied"
	default:
		return
	}
	if _, ok := f["event.category"]; !ok {
		f["event.category"] = []string{"network"}
	}
	if _, ok := f["event.type"]; !ok {
		f["event.type"] = []string{"connection", typ}
	}
}

// cefHeaderValue unescapes a header field (\| and \\).
func cefHeaderValue(s string, escaped bool) string {
	s = strings.TrimSpace(s)
	if !escaped {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cefSeverity maps CEF severity (0-10, or Low/Medium/High/Very-High) to
// 0-100: 0 info, 1-3 low, 4-6 medium, 7-8 high, 9-10 critical, as the
// CEF specification bands them.
func cefSeverity(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		switch {
		case n <= 0:
			return event.SeverityInfo, true
		case n <= 3:
			return event.SeverityLow + int64(n-1)*8, true
		case n <= 6:
			return event.SeverityMedium + int64(n-4)*8, true
		case n <= 8:
			return event.SeverityHigh + int64(n-7)*12, true
		default:
			return event.SeverityCritical, true
		}
	}
	switch strings.ToLower(s) {
	case "unknown":
		return event.SeverityInfo, true
	case "very-high", "very high", "veryhigh":
		return event.SeverityCritical, true
	}
	return event.ParseSeverity(s)
}

// isCEFKeyChar reports whether c may appear in an extension key.
func isCEFKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '[' || c == ']'
}

// cefKeyBefore returns the start of a valid key ending just before the
// '=' at eq, preceded by a space or the start of s; -1 if there is none.
func cefKeyBefore(s string, eq, min int) int {
	k := eq
	for k > min && isCEFKeyChar(s[k-1]) {
		k--
	}
	if k == eq || (k > 0 && s[k-1] != ' ') {
		return -1
	}
	return k
}

// cefExtensions parses "key=value key2=value with spaces ...": a value
// runs to the space before the next "key=". An '=' not preceded by a
// valid key (a URL's query, say) is part of the value.
func (st *state) cefExtensions(s string) {
	s = strings.TrimSpace(s)
	type pair struct{ k, v string }
	var buf [32]pair
	pairs := buf[:0]
	keyStart, keyEnd := -1, -1
scan:
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			continue
		case '=':
			k := cefKeyBefore(s, i, max(keyEnd+1, 0))
			if k < 0 {
				continue
			}
			if keyStart >= 0 {
				if len(pairs) >= MaxFields {
					// No more is kept than fits in one event.
					st.truncatedTag()
					keyStart = -1
					break scan
				}
				pairs = append(pairs, pair{s[keyStart:keyEnd], s[keyEnd+1 : k]})
			}
			keyStart, keyEnd = k, i
		}
	}
	if keyStart >= 0 {
		pairs = append(pairs, pair{s[keyStart:keyEnd], s[keyEnd+1:]})
	}
	var labels map[string]string
	for i := range pairs {
		p := &pairs[i]
		p.v = cefValue(strings.TrimSpace(p.v))
		if strings.HasSuffix(p.k, "Label") {
			if labels == nil {
				labels = make(map[string]string, 4)
			}
			labels[p.k[:len(p.k)-5]] = p.v
		}
	}
	for _, p := range pairs {
		if len(st.f) >= MaxFields {
			st.truncatedTag()
			return
		}
		if p.v == "" {
			continue
		}
		st.f[extKey(p.k)] = p.v
		if l := labels[p.k]; l != "" {
			st.f["cef.custom."+labelKey(l)] = p.v
		}
		if m, ok := cefKeys[p.k]; ok {
			st.mapValue(m.field, m.kind, p.v)
		}
	}
}

// cefValue unescapes an extension value: \= \\ \| \n \r.
func cefValue(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '=', '\\', '|':
				c = s[i+1]
				i++
			case 'n':
				c = '\n'
				i++
			case 'r':
				c = '\r'
				i++
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// labelKey makes a custom field label usable as a key segment.
func labelKey(l string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '\t':
			return '_'
		}
		return r
	}, strings.TrimSpace(l))
}

// mapValue stores a CEF/LEEF value into its ECS field.
func (st *state) mapValue(field string, kind uint8, v string) {
	switch kind {
	case aStr:
		st.set(field, v)
	case aLower:
		st.set(field, strings.ToLower(v))
	case aUserName:
		st.set(field, v)
	case aIP:
		st.setIP(field, v)
	case aPort:
		st.setPort(field, v)
	case aInt:
		st.setIntStr(field, v)
	case aMessage:
		st.setMessage(v)
	case aOutcome:
		if o := outcome(v); o != "" {
			st.f["event.outcome"] = o
		}
	case aTransport:
		st.transport(v)
	case aURL:
		st.set(field, v)
		st.url(v)
	case aMAC:
		st.set(field, strings.ToUpper(strings.ReplaceAll(v, ":", "-")))
	case aHash:
		switch len(v) {
		case 32:
			st.set("file.hash.md5", strings.ToLower(v))
		case 40:
			st.set("file.hash.sha1", strings.ToLower(v))
		case 64:
			st.set("file.hash.sha256", strings.ToLower(v))
		case 128:
			st.set("file.hash.sha512", strings.ToLower(v))
		}
	case aDirection:
		switch v {
		case "0":
			st.f["network.direction"] = "inbound"
		case "1":
			st.f["network.direction"] = "outbound"
		}
	case aTime:
		t, ok := st.deviceTime(v)
		if !ok {
			return
		}
		if field == "@timestamp" {
			st.setTime(t, "rt")
			return
		}
		st.f[field] = t.UTC().Format(time.RFC3339Nano)
	}
}

// deviceTime reads a CEF/LEEF time: milliseconds since the epoch, "MMM dd
// [yyyy] HH:mm:ss[.SSS] [zzz]", or RFC 3339.
func (st *state) deviceTime(v string) (time.Time, bool) {
	if isDigits(v) {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return unixTime(float64(ms))
	}
	if t, _, ok := bsdTimestamp(v, st.received, st.loc); ok {
		return t, true
	}
	return st.n.timeString(v, st.received, st.loc)
}

// userFromSourceDest fills user.name from the destination or source user
// when the format has no single "user": the user column is what analysts
// search first.
func (st *state) userFromSourceDest() {
	if _, ok := st.f["user.name"]; ok {
		return
	}
	for _, k := range [...]string{"destination.user.name", "source.user.name"} {
		if v, ok := st.f[k].(string); ok {
			st.f["user.name"] = v
			if d, ok := st.f[k[:len(k)-4]+"domain"].(string); ok {
				st.f["user.domain"] = d
			}
			return
		}
	}
}
