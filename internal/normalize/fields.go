package normalize

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// set stores a string field; "" and "-" (the usual "none" of log
// formats) are not stored.
func (st *state) set(key, v string) {
	if v == "" || v == "-" {
		return
	}
	st.f[key] = v
}

// setIfAbsent stores v unless key is already set.
func (st *state) setIfAbsent(key, v string) {
	if _, ok := st.f[key]; ok {
		return
	}
	st.set(key, v)
}

func (st *state) setInt(key string, v int64) { st.f[key] = v }

// setIntStr stores a decimal (or 0x hex) integer given as text; anything
// else is not stored.
func (st *state) setIntStr(key, v string) bool {
	n, ok := parseInt(v)
	if ok {
		st.f[key] = n
	}
	return ok
}

// setPID stores process.pid from text.
func (st *state) setPID(v string) { st.setIntStr("process.pid", v) }

// setPort stores a port 0-65535 given as text.
func (st *state) setPort(key, v string) {
	n, ok := parseInt(v)
	if ok && n >= 0 && n <= 65535 {
		st.f[key] = n
	}
}

// setIP stores an IP address; anything else is not stored, so that IP
// columns only ever hold addresses.
func (st *state) setIP(key, v string) bool {
	ip, ok := cleanIP(v)
	if ok {
		st.f[key] = ip
	}
	return ok
}

// setAddrIP stores an IP that a sender wrote in a field of its own
// (src_ip, clientIp...) into ipKey: spaces around it are dropped, and a
// port written after it ("81.2.69.142:443", "[2001:db8::1]:443") fills
// the port beside ipKey when unset. It reports whether s held an IP.
func (st *state) setAddrIP(ipKey, s string) bool {
	ip, port, ok := ipPort(s)
	if !ok {
		return false
	}
	st.f[ipKey] = ip
	if port != "" {
		if pk, _ := siblings(ipKey); pk != "" {
			if _, set := st.f[pk]; !set {
				st.setPort(pk, port)
			}
		}
	}
	return true
}

// setAddress stores an address (source.address...) and, when it is an
// IP, the IP and port beside it unless they are set.
func (st *state) setAddress(addrKey, s string) {
	s = strings.TrimSpace(s)
	st.setIfAbsent(addrKey, s)
	ipKey := ipOfAddress(addrKey)
	if ipKey == "" {
		return
	}
	if _, set := st.f[ipKey]; !set {
		st.setAddrIP(ipKey, s)
	}
}

// siblings returns the port and address fields beside an IP field, ""
// where it has none.
func siblings(ipKey string) (port, addr string) {
	switch ipKey {
	case "source.ip":
		return "source.port", "source.address"
	case "destination.ip":
		return "destination.port", "destination.address"
	case "client.ip":
		return "client.port", "client.address"
	case "server.ip":
		return "server.port", "server.address"
	}
	return "", ""
}

// ipOfAddress returns the IP field beside an address field.
func ipOfAddress(addrKey string) string {
	switch addrKey {
	case "source.address":
		return "source.ip"
	case "destination.address":
		return "destination.ip"
	case "client.address":
		return "client.ip"
	case "server.address":
		return "server.ip"
	}
	return ""
}

// ipPort reads an address as senders write it: an IP with or without
// spaces around it, IPv4:port, or [IPv6]:port. The port is "" when none
// was written.
func ipPort(s string) (ip, port string, ok bool) {
	if ip, ok := cleanIP(s); ok {
		return ip, "", true
	}
	s = strings.TrimSpace(s)
	if ip, ok := cleanIP(s); ok {
		return ip, "", true
	}
	var host string
	if strings.HasPrefix(s, "[") {
		j := strings.LastIndex(s, "]:")
		if j < 0 {
			return "", "", false
		}
		host, port = s[:j+1], s[j+2:]
	} else {
		j := strings.IndexByte(s, ':')
		// One colon: an IPv6 address without brackets has several, and
		// its last group is not a port.
		if j < 0 || strings.IndexByte(s[j+1:], ':') >= 0 {
			return "", "", false
		}
		host, port = s[:j], s[j+1:]
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || !isDigits(port) {
		return "", "", false
	}
	ip, ok = cleanIP(host)
	if !ok {
		return "", "", false
	}
	return ip, port, true
}

// setStrs stores a fresh list: callers downstream may modify it in place.
func (st *state) setStrs(key string, v ...string) {
	if len(v) == 0 {
		return
	}
	st.f[key] = append([]string(nil), v...)
}

// addStr appends to a list field.
func (st *state) addStr(key, v string) {
	if v == "" || v == "-" {
		return
	}
	switch old := st.f[key].(type) {
	case []string:
		if !contains(old, v) {
			st.f[key] = append(old, v)
		}
	case string:
		if old != v {
			st.f[key] = []string{old, v}
		}
	default:
		st.f[key] = []string{v}
	}
}

// setMessage stores the message, cut to MaxMessage bytes.
func (st *state) setMessage(v string) {
	if len(v) > MaxMessage {
		v = truncateUTF8(v, MaxMessage)
	}
	if v != "" {
		st.f["message"] = v
	}
}

// setSeverity stores event.severity unless a more specific parser did.
func (st *state) setSeverity(v int64) {
	if v < 0 {
		v = 0
	}
	if v > 100 {
		v = 100
	}
	st.f["event.severity"] = v
}

// categorize stores event.category and event.type.
func (st *state) categorize(category, typ []string) {
	if len(category) > 0 {
		st.f["event.category"] = append([]string(nil), category...)
	}
	if len(typ) > 0 {
		st.f["event.type"] = append([]string(nil), typ...)
	}
}

// cleanIP returns the address in s in canonical form: IPv4-mapped IPv6
// addresses are unmapped, brackets dropped.
func cleanIP(s string) (string, bool) {
	if s == "" || s == "-" {
		return "", false
	}
	if s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	if a.Is4In6() {
		return a.Unmap().String(), true
	}
	if a.Is4() {
		return s, true // already canonical; avoid an allocation
	}
	// A zone ("fe80::1%eth0") is meaningful only on the sender's host,
	// and IP columns cannot hold it.
	return a.WithZone("").String(), true
}

// parseInt reads a decimal or 0x-prefixed hexadecimal integer.
func parseInt(s string) (int64, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil || u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// baseName returns the last element of a Windows or Unix path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// dirName returns all but the last element of a Windows or Unix path.
func dirName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i > 0 {
		return p[:i]
	}
	return ""
}

// extension returns the file extension without the dot, lowercased.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 || len(name)-i > 16 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// scalarString renders a decoded JSON or evtx scalar as text.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case float64:
		return formatFloat(x), true
	case float32:
		return formatFloat(float64(x)), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	case []byte:
		return strings.ToUpper(hex.EncodeToString(x)), true
	}
	return "", false
}

func formatFloat(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// fieldValue converts a decoded scalar to a Fields value (string, int64,
// float64, bool); ok is false for nil and non-scalars.
func fieldValue(v any) (any, bool) {
	// Values that are already of a Fields type are returned as the same
	// interface: boxing a string again would cost an allocation.
	switch x := v.(type) {
	case string, bool, int64:
		return v, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10), true
		}
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return v, true
	case float32:
		return fieldValue(float64(x))
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil && !math.IsInf(f, 0) {
			return f, true
		}
		return string(x), true
	case []byte:
		return strings.ToUpper(hex.EncodeToString(x)), true
	}
	return nil, false
}

// put stores a sender's value, noting whether its key is a typed column
// or (at the top level) an alias of an ECS field.
func (st *state) put(key string, v any, top bool) {
	st.f[key] = v
	if _, ok := event.ColumnOf(key); ok {
		st.sent = append(st.sent, key)
	}
	if top {
		if i, ok := aliasIndex[key]; ok {
			st.aliasHits = append(st.aliasHits, i)
		}
	}
}

// flattenInto stores obj under prefix as dotted keys: nested objects are
// walked to MaxDepth, arrays of scalars become []string, arrays of
// objects give each leaf a []string of its values. Beyond MaxDepth or
// MaxFields it stops and tags the event _truncated. Keys already set are
// not overwritten.
func (st *state) flattenInto(prefix string, obj map[string]any, depth int) {
	st.kb = append(st.kb[:0], prefix...)
	st.flattenKeys(len(prefix), obj, depth)
}

// flattenKeys is flattenInto with the prefix in st.kb[:plen]: the dotted
// keys are built in that buffer and become strings only when they are
// stored (most of them without an allocation, see fieldKey).
func (st *state) flattenKeys(plen int, obj map[string]any, depth int) {
	if depth >= MaxDepth {
		st.truncatedTag()
		return
	}
	top := plen == 0
	for k, v := range obj {
		if len(st.f) >= MaxFields {
			st.truncatedTag()
			return
		}
		st.kb = appendKey(st.kb[:plen], k)
		switch x := v.(type) {
		case nil:
			continue
		case map[string]any:
			st.flattenKeys(len(st.kb), x, depth+1)
		case []any:
			key := fieldKey(st.kb, k, top)
			if st.overwrite && !protectedKey(key) {
				delete(st.f, key)
			}
			st.flattenArray(key, x, depth+1)
		case []string:
			if len(x) == 0 {
				continue
			}
			if _, ok := st.f[string(st.kb)]; ok && (!st.overwrite || protectedKey(fieldKey(st.kb, k, top))) {
				continue
			}
			st.put(fieldKey(st.kb, k, top), append([]string(nil), x...), top)
		default:
			if _, ok := st.f[string(st.kb)]; ok && (!st.overwrite || protectedKey(fieldKey(st.kb, k, top))) {
				continue
			}
			if fv, ok := fieldValue(x); ok {
				if s, isStr := fv.(string); isStr && s == "" {
					continue
				}
				st.put(fieldKey(st.kb, k, top), fv, top)
			}
		}
	}
}

// appendKey appends ".k" to the dotted prefix b, or k when b is empty.
func appendKey(b []byte, k string) []byte {
	if len(b) > 0 {
		b = append(b, '.')
	}
	return append(b, k...)
}

// fieldKey returns the dotted key in b as a string: k itself at the top
// level (no copy), a shared string for the keys events commonly have,
// else a new string.
func fieldKey(b []byte, k string, top bool) string {
	if top {
		return k
	}
	if s, ok := commonKeys[string(b)]; ok {
		return s
	}
	return string(b)
}

// commonKeys are nested keys that senders' JSON documents commonly hold
// (ECS columns, the fields aliases fill, Winlogbeat's): looked up, they
// cost no allocation per event.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	add := func(k string) {
		if strings.IndexByte(k, '.') > 0 {
			m[k] = k
		}
	}
	for _, c := range event.Columns {
		add(c.Field)
	}
	for _, a := range aliasList {
		add(a.field)
	}
	for _, k := range []string{
		"event.created", "event.id", "event.ingested", "event.original", "event.reason", "event.risk_score",
		"event.duration", "event.start", "event.end", "event.timezone", "event.sequence", "event.hash",
		"agent.id", "agent.name", "agent.type", "agent.version", "agent.hostname", "agent.ephemeral_id",
		"ecs.version", "log.file.path", "log.logger", "log.offset", "log.original",
		"log.syslog.facility.code", "log.syslog.facility.name", "log.syslog.severity.code", "log.syslog.severity.name",
		"log.syslog.priority", "log.syslog.hostname", "log.syslog.appname", "log.syslog.procid", "log.syslog.msgid",
		"host.hostname", "host.id", "host.architecture", "host.mac", "host.domain",
		"host.os.name", "host.os.family", "host.os.version", "host.os.platform", "host.os.kernel", "host.os.build",
		"source.address", "source.bytes", "source.packets", "source.mac", "source.nat.ip", "source.nat.port",
		"source.user.name", "source.geo.country_name", "source.geo.city_name", "source.as.number", "source.as.organization.name",
		"destination.address", "destination.bytes", "destination.packets", "destination.mac",
		"destination.nat.ip", "destination.nat.port", "destination.user.name",
		"destination.geo.country_name", "destination.geo.city_name", "destination.as.number", "destination.as.organization.name",
		"network.direction", "network.bytes", "network.packets", "network.type", "network.application", "network.community_id",
		"observer.vendor", "observer.product", "observer.version", "observer.hostname", "observer.ip",
		"observer.ingress.interface.name", "observer.egress.interface.name",
		"process.entity_id", "process.args", "process.working_directory", "process.hash.sha256", "process.hash.md5",
		"process.hash.sha1", "process.parent.pid", "process.parent.executable", "process.parent.command_line",
		"process.parent.entity_id", "process.pe.original_file_name", "process.thread.id", "process.title",
		"user.id", "user.email", "user.full_name", "user.roles", "user.effective.name", "user.effective.id",
		"user.target.name", "user.target.domain", "user.changes.name",
		"rule.id", "rule.name", "rule.category", "rule.ruleset", "rule.description",
		"file.name", "file.directory", "file.extension", "file.size", "file.hash.md5", "file.hash.sha1",
		"http.request.method", "http.response.status_code", "http.request.referrer", "http.version",
		"http.request.bytes", "http.response.bytes", "http.request.body.bytes", "http.response.body.bytes",
		"url.original", "url.path", "url.query", "url.scheme", "url.port", "user_agent.original",
		"dns.question.name", "dns.question.type", "dns.response_code", "tls.version", "tls.client.server_name",
		"cloud.provider", "cloud.region", "cloud.account.id", "container.id", "container.name", "service.name",
		"threat.technique.id", "threat.tactic.name", "related.ip", "related.user", "related.hash",
		"winlog.channel", "winlog.event_id", "winlog.record_id", "winlog.computer_name", "winlog.provider_name",
		"winlog.provider_guid", "winlog.task", "winlog.opcode", "winlog.keywords", "winlog.logon.type",
		"winlog.logon.id", "winlog.process.pid", "winlog.process.thread.id", "winlog.api", "winlog.version",
		"winlog.user.identifier", "winlog.user.name", "winlog.user.domain", "winlog.user.type",
		"winlog.event_data.TargetLogonId", "winlog.event_data.SubjectLogonId", "winlog.event_data.LogonType",
		"winlog.event_data.SubjectUserSid", "winlog.event_data.TargetUserSid", "winlog.event_data.Status",
		"winlog.event_data.SubStatus", "winlog.event_data.FailureReason", "winlog.event_data.TokenElevationType",
	} {
		add(k)
	}
	return m
}()

// flattenArray stores an array: scalars as one []string; objects
// flattened with each leaf collecting its values.
func (st *state) flattenArray(key string, arr []any, depth int) {
	if depth >= MaxDepth {
		st.truncatedTag()
		return
	}
	var strs []string
	for _, e := range arr {
		switch x := e.(type) {
		case nil:
		case map[string]any:
			sub := &state{n: st.n, f: make(event.Fields, len(x)), received: st.received, loc: st.loc}
			sub.flattenInto("", x, depth+1)
			if len(sub.tags) > 0 {
				st.truncatedTag()
			}
			for k, v := range sub.f {
				st.appendValue(key+"."+k, v)
			}
		case []any:
			st.flattenArray(key, x, depth+1)
		default:
			if s, ok := scalarString(x); ok {
				strs = append(strs, s)
			}
		}
		if len(st.f) >= MaxFields {
			st.truncatedTag()
			return
		}
	}
	if len(strs) > 0 {
		st.appendValue(key, strs)
	}
}

// storeScalars is flattenArray for a non-empty array of scalars, given
// as their text.
func (st *state) storeScalars(key string, strs []string, depth int) {
	if depth >= MaxDepth || len(st.f) >= MaxFields {
		// flattenArray's checks: on entry, and after each element.
		st.truncatedTag()
		return
	}
	if len(strs) > 0 {
		st.appendValue(key, strs)
	}
}

// appendValue adds v (a scalar or []string) to the list under key.
func (st *state) appendValue(key string, v any) {
	var add []string
	switch x := v.(type) {
	case []string:
		add = x
	default:
		s, _ := scalarString(x)
		add = []string{s}
	}
	switch old := st.f[key].(type) {
	case nil:
		st.put(key, add, !strings.Contains(key, "."))
	case []string:
		st.f[key] = append(old, add...)
	default:
		s, _ := scalarString(old)
		st.f[key] = append([]string{s}, add...)
	}
}

// coerce makes the typed ECS columns hold their type after a sender's own
// fields were copied in: event.severity a 0-100 integer, ports integers,
// IP columns addresses, list columns lists. A value that cannot be
// converted is dropped (Raw keeps it) and the event tagged, with
// error.message naming the field and the value. Then a source or
// destination address that is an IP fills the IP field when unset.
func (st *state) coerce() {
	for _, k := range st.sent {
		v, ok := st.f[k]
		if !ok {
			continue
		}
		c, _ := event.ColumnOf(k)
		st.coerceColumn(c, v)
	}
	st.sent = st.sent[:0]
	st.promoteAddress("source.ip", "source.address")
	st.promoteAddress("destination.ip", "destination.address")
}

// promoteAddress fills ipKey from addrKey when the sender wrote its IP
// only as the address (ECS allows both).
func (st *state) promoteAddress(ipKey, addrKey string) {
	if _, set := st.f[ipKey]; set {
		return
	}
	if a, ok := st.f[addrKey].(string); ok {
		st.setAddrIP(ipKey, a)
	}
}

// coerceColumn converts v, the value of column c, to the column's type,
// or drops it and records why.
func (st *state) coerceColumn(c event.Column, v any) {
	switch c.Type {
	case event.TypeInt:
		if c.Field == "event.severity" {
			if n, ok := st.severityOf(c.Field, v); ok {
				if old, same := v.(int64); !same || old != n {
					st.f[c.Field] = n
				}
			} else {
				delete(st.f, c.Field)
				st.invalid(fmt.Sprintf("%s: %s is not a number 0-100 or a severity name", c.Field, quoteValue(v)))
			}
			return
		}
		if _, isInt := v.(int64); isInt {
			return
		}
		s, _ := scalarString(v)
		var n int64
		var ok bool
		if f, isF := v.(float64); isF {
			n, ok = int64(f), true
		} else {
			n, ok = parseInt(strings.TrimSpace(s))
		}
		if ok {
			st.f[c.Field] = n
		} else {
			delete(st.f, c.Field)
			st.invalid(fmt.Sprintf("%s: %s is not an integer", c.Field, quoteValue(v)))
		}
	case event.TypeFloat:
		switch x := v.(type) {
		case float64:
		case int64:
			st.f[c.Field] = float64(x)
		default:
			s, _ := scalarString(v)
			fl, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(fl) || math.IsInf(fl, 0) {
				delete(st.f, c.Field)
				st.invalid(fmt.Sprintf("%s: %s is not a number", c.Field, quoteValue(v)))
			} else {
				st.f[c.Field] = fl
			}
		}
	case event.TypeIP:
		s, isStr := v.(string)
		if !isStr {
			if l, isList := v.([]string); isList && len(l) > 0 {
				s = l[0]
			} else {
				s, _ = scalarString(v)
			}
		}
		if ip, ok := cleanIP(s); ok {
			if !isStr || ip != s {
				st.f[c.Field] = ip // else already stored as it is: boxing it again would allocate
			}
		} else if !st.setAddrIP(c.Field, s) {
			delete(st.f, c.Field)
			st.invalid(fmt.Sprintf("%s: %s is not an IP address", c.Field, quoteValue(v)))
			// Still searchable where ECS keeps an address as written.
			if _, addr := siblings(c.Field); addr != "" && strings.TrimSpace(s) != "" {
				st.setIfAbsent(addr, strings.TrimSpace(s))
			}
		}
	case event.TypeStrings:
		switch x := v.(type) {
		case []string:
		case string:
			st.f[c.Field] = []string{x}
		default:
			s, _ := scalarString(x)
			st.f[c.Field] = []string{s}
		}
	case event.TypeString:
		switch x := v.(type) {
		case string:
		case []string:
			st.f[c.Field] = strings.Join(x, ", ")
		default:
			s, _ := scalarString(x)
			st.f[c.Field] = s
		}
		if c.Field == "log.level" {
			// Stored lower case, as a "level" alias is: ERROR and error
			// are one level to whoever searches.
			if s, ok := st.f[c.Field].(string); ok {
				if isNumber(s) || strings.ToLower(s) != s {
					delete(st.f, c.Field)
					st.level(c.Field, s)
					if _, set := st.f[c.Field]; !set {
						st.f[c.Field] = s
					}
				} else {
					st.levelSeverity(s)
				}
			}
		}
	}
}

// severityOf reads a sender's severity from field: a number, or a band
// or level name ("high", "warning"). A number outside 0-100 is clamped
// into it, and the event tagged with what was sent: ECS leaves the range
// to the source, but EventSec ranks, colours and alerts on 0-100, and a
// clamped value still sorts as the sender meant it.
func (st *state) severityOf(field string, v any) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		n = int64(math.Max(math.Min(x, 1e9), -1e9))
	default:
		s, _ := scalarString(v)
		s = strings.TrimSpace(s)
		if !isNumber(s) {
			return event.ParseSeverity(s)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		n = int64(math.Max(math.Min(f, 1e9), -1e9))
	}
	switch {
	case n < 0:
		st.invalid(fmt.Sprintf("%s: %s is below 0, stored as 0", field, quoteValue(v)))
		return 0, true
	case n > 100:
		st.invalid(fmt.Sprintf("%s: %s is above 100, stored as 100", field, quoteValue(v)))
		return 100, true
	}
	return n, true
}

// quoteValue renders a sender's value for error.message: text quoted,
// numbers as they are, cut to a readable length.
func quoteValue(v any) string {
	s, isStr := v.(string)
	if !isStr {
		if l, ok := v.([]string); ok {
			s, isStr = strings.Join(l, ","), true
		} else {
			s, _ = scalarString(v)
		}
	}
	s = truncateUTF8(s, 128)
	if isStr {
		return strconv.Quote(s)
	}
	return s
}
