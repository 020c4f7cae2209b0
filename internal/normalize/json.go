package normalize

import (
	"slices"
	"strconv"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// jsonText decodes text as one JSON object and maps it.
func (st *state) jsonText(text string, windows bool) {
	if !windows && !strings.Contains(text, `"System"`) && !strings.Contains(text, `"winlog"`) && !strings.Contains(text, `"SourceName"`) {
		// Not a Windows event: decoded straight into fields.
		if err := st.flattenJSON(text); err != nil {
			st.failRaw(err.Error(), text)
			return
		}
		st.mapObject()
		return
	}
	obj, members, truncated, err := st.decodeObject(text)
	if err != nil {
		st.failRaw(err.Error(), text)
		return
	}
	st.grow(members + 16)
	if truncated {
		st.truncatedTag()
	}
	if windows {
		if !st.windows(obj) {
			st.fail("cannot map Windows event: no System or winlog section")
			st.genericObject(obj)
		}
		return
	}
	st.object(obj)
}

// object maps a decoded JSON object.
func (st *state) object(obj map[string]any) {
	if isWindowsShape(obj) && st.windows(obj) {
		return
	}
	st.genericObject(obj)
}

// genericObject flattens obj, keeps the sender's own ECS fields, maps
// common non-ECS names, and reads the time from the configured keys.
func (st *state) genericObject(obj map[string]any) {
	st.flattenInto("", obj, 0)
	st.mapObject()
}

// mapObject maps the fields of a flattened JSON object.
func (st *state) mapObject() {
	st.liftMessageObject()
	st.jsonTime()
	if isEVE(st.f) {
		st.eve()
	} else {
		st.application()
	}
	st.aliases()
	st.embeddedLine()
	if _, ok := st.f["event.dataset"]; !ok {
		st.f["event.dataset"] = "json"
	}
	st.coerce()
}

// liftMessageObject: a "message" that is an object, not text, holds the
// event's own fields, as logging libraries wrap them (Splunk's
// splunk-logging sends {"message": {...}, "severity": "info"} by
// default). They move to the top level, each unless the event has that
// field already (then it stays under message).
func (st *state) liftMessageObject() {
	if _, text := st.f["message"]; text {
		return
	}
	var nested []string
	for k := range st.f {
		if strings.HasPrefix(k, "message.") {
			nested = append(nested, k)
		}
	}
	for _, k := range nested {
		top := k[len("message."):]
		if _, taken := st.f[top]; taken {
			continue
		}
		st.f[top] = st.f[k]
		delete(st.f, k)
	}
}

// suricataEventTypes are the event_type values of Suricata's EVE output.
var suricataEventTypes = map[string]bool{
	"alert": true, "anomaly": true, "arp": true, "bittorrent-dht": true, "dcerpc": true,
	"dhcp": true, "dnp3": true, "dns": true, "drop": true, "enip": true, "fileinfo": true,
	"flow": true, "frame": true, "ftp": true, "ftp_data": true, "http": true, "http2": true,
	"ike": true, "krb5": true, "ldap": true, "modbus": true, "mqtt": true, "netflow": true,
	"nfs": true, "pgsql": true, "pop3": true, "quic": true, "rdp": true, "rfb": true,
	"sip": true, "smb": true, "smtp": true, "snmp": true, "ssh": true, "stats": true,
	"tftp": true, "tls": true, "websocket": true,
}

// isEVE says whether a flattened JSON object is Suricata EVE: an
// event_type and Suricata's own flow_id or in_iface, or one of
// Suricata's event types with an address (stats have none). An
// application's {"event_type":"LOGIN_FAILURE","src_ip":...} is not.
func isEVE(f map[string]any) bool {
	et, ok := f["event_type"].(string)
	if !ok {
		return false
	}
	if _, ok := f["flow_id"]; ok {
		return true
	}
	if _, ok := f["in_iface"]; ok {
		return true
	}
	if !suricataEventTypes[et] {
		return false
	}
	if et == "stats" {
		return true
	}
	_, src := f["src_ip"]
	_, dst := f["dest_ip"]
	return src || dst
}

// application marks an application's own security event, as the
// product's original API received them ({"eventType":"LOGIN_FAILURE",
// "userId":..., "sourceIp":...}): dataset eventsec.application unless the
// object names its own dataset or module. eventType fills event.action
// through the aliases.
func (st *state) application() {
	if _, ok := st.f["eventType"]; !ok {
		if _, ok := st.f["event_type"]; !ok {
			return
		}
	}
	if _, ok := st.f["event.dataset"]; ok {
		return
	}
	if _, ok := st.f["event.module"]; ok {
		return
	}
	st.f["event.dataset"] = "eventsec.application"
}

// jsonTime takes the event time from the first configured key that
// holds one; "@timestamp" itself is removed (Event.Timestamp holds it).
func (st *state) jsonTime() {
	unparsed := false
	for _, k := range st.n.tsFields {
		v, ok := st.f[k]
		if !ok {
			continue
		}
		if t, ok := st.n.timeValue(v, st.received, st.loc); ok {
			st.setTime(t)
			if k == "@timestamp" {
				delete(st.f, k)
			}
			return
		}
		unparsed = true
	}
	if unparsed {
		st.tag(TagTimestampUnparsed)
	}
}

// alias kinds: how a sender's value is converted for its ECS field.
const (
	aStr = iota
	aIP
	aPort
	aInt
	aTransport
	aSeverity
	aMessage
	aOutcome
	aURL
	aLower
)

type alias struct {
	name  string
	field string
	kind  uint8
}

// aliasList are common non-ECS names in JSON and key=value logs, and the
// ECS field each one fills when the sender did not set it; earlier names
// win when several fill the same field.
var aliasList = []alias{
	{"msg", "message", aMessage},
	{"log", "message", aMessage},
	{"src", "source.ip", aIP},
	{"srcip", "source.ip", aIP},
	{"src_ip", "source.ip", aIP},
	{"source_ip", "source.ip", aIP},
	{"sourceIp", "source.ip", aIP},
	{"sourceip", "source.ip", aIP},
	{"client_ip", "source.ip", aIP},
	{"clientip", "source.ip", aIP},
	{"remote_addr", "source.ip", aIP},
	{"ipAddress", "source.ip", aIP},
	{"ip_address", "source.ip", aIP},
	{"clientIp", "source.ip", aIP},
	{"clientIP", "source.ip", aIP},
	{"remoteAddress", "source.ip", aIP},
	{"remoteIp", "source.ip", aIP},
	{"remote_ip", "source.ip", aIP},
	{"dst", "destination.ip", aIP},
	{"dstip", "destination.ip", aIP},
	{"dst_ip", "destination.ip", aIP},
	{"dest_ip", "destination.ip", aIP},
	{"destination_ip", "destination.ip", aIP},
	{"destip", "destination.ip", aIP},
	{"spt", "source.port", aPort},
	{"sport", "source.port", aPort},
	{"srcport", "source.port", aPort},
	{"src_port", "source.port", aPort},
	{"source_port", "source.port", aPort},
	{"dpt", "destination.port", aPort},
	{"dport", "destination.port", aPort},
	{"dstport", "destination.port", aPort},
	{"dst_port", "destination.port", aPort},
	{"dest_port", "destination.port", aPort},
	{"destination_port", "destination.port", aPort},
	{"user", "user.name", aStr},
	{"username", "user.name", aStr},
	{"user_name", "user.name", aStr},
	{"usrName", "user.name", aStr},
	{"userName", "user.name", aStr},
	{"userEmail", "user.email", aStr},
	{"user_email", "user.email", aStr},
	{"uid", "user.id", aStr},
	{"user_id", "user.id", aStr},
	{"userId", "user.id", aStr},
	{"eventType", "event.action", aStr},
	{"event_type", "event.action", aStr},
	{"action", "event.action", aStr},
	{"act", "event.action", aStr},
	{"proto", "network.transport", aTransport},
	{"protocol", "network.transport", aTransport},
	{"host", "host.name", aStr},
	{"hostname", "host.name", aStr},
	{"hostName", "host.name", aStr},
	{"computer", "host.name", aStr},
	{"devname", "observer.name", aStr},
	{"level", "log.level", aSeverity},
	{"severity", "log.level", aSeverity},
	{"loglevel", "log.level", aSeverity},
	{"log_level", "log.level", aSeverity},
	{"sev", "log.level", aSeverity},
	{"url", "url.original", aURL},
	{"uri", "url.original", aURL},
	{"pid", "process.pid", aInt},
	{"ppid", "process.parent.pid", aInt},
	{"exe", "process.executable", aStr},
	{"comm", "process.name", aStr},
	{"program", "process.name", aStr},
	{"cmdline", "process.command_line", aStr},
	{"command", "process.command_line", aStr},
	{"outcome", "event.outcome", aOutcome},
	{"result", "event.outcome", aOutcome},
	{"status", "event.outcome", aOutcome},
	{"method", "http.request.method", aStr},
	{"useragent", "user_agent.original", aStr},
	{"user_agent", "user_agent.original", aStr},
	{"userAgent", "user_agent.original", aStr},
	{"filename", "file.name", aStr},
	{"fname", "file.name", aStr},
	{"md5", "file.hash.md5", aLower},
	{"sha1", "file.hash.sha1", aLower},
	{"sha256", "file.hash.sha256", aLower},
	{"shost", "source.domain", aStr},
	{"src_host", "source.domain", aStr},
	{"dhost", "destination.domain", aStr},
	{"dst_host", "destination.domain", aStr},
	{"query", "dns.question.name", aStr},
	{"qname", "dns.question.name", aStr},
}

// aliasIndex finds an alias by name: a map lookup per field of the event
// costs less than a lookup per alias.
var aliasIndex = func() map[string]int {
	m := make(map[string]int, len(aliasList))
	for i, a := range aliasList {
		m[a.name] = i
	}
	return m
}()

// aliases fills ECS fields from common non-ECS names. The sender's own
// field stays as it was.
func (st *state) aliases() {
	hits := st.aliasHits
	if len(hits) == 0 {
		return
	}
	slices.Sort(hits)
	for _, i := range hits {
		a := aliasList[i]
		v := st.f[a.name]
		if _, set := st.f[a.field]; set {
			continue
		}
		s, isStr := scalarString(v)
		if !isStr {
			if l, isList := v.([]string); isList && len(l) > 0 {
				s = l[0]
			} else {
				continue
			}
		}
		switch a.kind {
		case aStr:
			st.set(a.field, s)
		case aLower:
			st.set(a.field, strings.ToLower(s))
		case aMessage:
			st.setMessage(s)
		case aIP:
			st.setIP(a.field, s)
		case aPort:
			st.setPort(a.field, s)
		case aInt:
			st.setIntStr(a.field, s)
		case aTransport:
			st.transport(s)
		case aSeverity:
			st.set("log.level", strings.ToLower(s))
			if _, set := st.f["event.severity"]; !set {
				if sev, ok := event.ParseSeverity(s); ok {
					st.setSeverity(sev)
				}
			}
		case aOutcome:
			if o := outcome(s); o != "" {
				st.f["event.outcome"] = o
			}
		case aURL:
			st.set("url.original", s)
			st.url(s)
		}
	}
	st.aliasHits = st.aliasHits[:0]
}

// transport stores network.transport for a protocol name or IANA number,
// or network.protocol for an application protocol.
func (st *state) transport(s string) {
	switch strings.ToLower(s) {
	case "tcp", "6":
		st.f["network.transport"] = "tcp"
	case "udp", "17":
		st.f["network.transport"] = "udp"
	case "icmp", "1":
		st.f["network.transport"] = "icmp"
	case "ipv6-icmp", "icmpv6", "58":
		st.f["network.transport"] = "ipv6-icmp"
	case "sctp", "132":
		st.f["network.transport"] = "sctp"
	case "gre", "47":
		st.f["network.transport"] = "gre"
	case "esp", "50":
		st.f["network.transport"] = "esp"
	case "":
	default:
		st.setIfAbsent("network.protocol", strings.ToLower(s))
	}
}

// outcome maps a result word to event.outcome ("" when it names none).
func outcome(s string) string {
	switch strings.ToLower(s) {
	case "success", "succeeded", "successful", "ok", "allow", "allowed", "accept", "accepted", "pass", "permit", "passed":
		return "success"
	case "failure", "failed", "fail", "denied", "deny", "block", "blocked", "drop", "dropped", "reject", "rejected", "error":
		return "failure"
	case "unknown":
		return "unknown"
	}
	return ""
}

// url stores url.full and url.domain for an absolute URL.
func (st *state) url(s string) {
	i := strings.Index(s, "://")
	if i <= 0 || i > 10 {
		return
	}
	st.setIfAbsent("url.full", s)
	st.setIfAbsent("url.scheme", strings.ToLower(s[:i]))
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := rest[:end]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j > 0 {
			host = host[1:j]
		}
	} else if c := strings.LastIndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	st.setIfAbsent("url.domain", host)
	if end < len(rest) && rest[end] == '/' {
		p := rest[end:]
		if q := strings.IndexAny(p, "?#"); q >= 0 {
			if p[q] == '?' {
				qs := p[q+1:]
				if h := strings.IndexByte(qs, '#'); h >= 0 {
					qs = qs[:h]
				}
				st.setIfAbsent("url.query", qs)
			}
			p = p[:q]
		}
		st.setIfAbsent("url.path", p)
	}
}

// eve maps Suricata's EVE JSON (event_type, src_ip, dest_ip, alert...).
func (st *state) eve() {
	f := st.f
	st.setIfAbsent("event.dataset", "suricata.eve")
	st.setIfAbsent("event.module", "suricata")
	st.setIfAbsent("observer.vendor", "OISF")
	st.setIfAbsent("observer.product", "Suricata")
	st.setIfAbsent("observer.type", "ids")
	et, _ := f["event_type"].(string)
	st.setIfAbsent("event.action", et)
	if s, ok := f["proto"].(string); ok {
		st.transport(s)
	}
	if s, ok := f["app_proto"].(string); ok && s != "failed" {
		st.setIfAbsent("network.protocol", strings.ToLower(s))
	}
	if s, ok := f["dest_ip"].(string); ok {
		st.setIP("destination.ip", s)
	}
	if v, ok := f["dest_port"].(int64); ok {
		f["destination.port"] = v
	}
	switch et {
	case "alert":
		f["event.kind"] = "alert"
		st.categorize([]string{"network", "intrusion_detection"}, []string{"info"})
		if s, ok := f["alert.signature"].(string); ok {
			st.setIfAbsent("rule.name", s)
			st.setIfAbsent("message", s)
		}
		if v, ok := f["alert.signature_id"].(int64); ok {
			f["rule.id"] = itoa(v)
		}
		if s, ok := f["alert.category"].(string); ok {
			st.setIfAbsent("rule.category", s)
		}
		if s, ok := f["alert.action"].(string); ok {
			if s == "blocked" {
				f["event.type"] = []string{"denied"}
			} else {
				f["event.type"] = []string{"allowed"}
			}
		}
		// Suricata severity 1 is the highest, 3 the lowest.
		if v, ok := f["alert.severity"].(int64); ok {
			switch v {
			case 1:
				st.setSeverity(event.SeverityHigh)
			case 2:
				st.setSeverity(event.SeverityMedium)
			default:
				st.setSeverity(event.SeverityLow)
			}
		}
	case "dns":
		st.categorize([]string{"network"}, []string{"protocol"})
		st.setIfAbsent("network.protocol", "dns")
		if s, ok := f["dns.rrname"].(string); ok {
			st.setIfAbsent("dns.question.name", s)
		}
	case "http":
		st.categorize([]string{"network", "web"}, []string{"protocol"})
		if s, ok := f["http.hostname"].(string); ok {
			st.setIfAbsent("url.domain", s)
		}
		if s, ok := f["http.url"].(string); ok {
			st.setIfAbsent("url.original", s)
		}
		if s, ok := f["http.http_method"].(string); ok {
			st.setIfAbsent("http.request.method", s)
		}
	case "flow", "netflow":
		st.categorize([]string{"network"}, []string{"connection"})
	case "tls":
		st.categorize([]string{"network"}, []string{"protocol"})
		if s, ok := f["tls.sni"].(string); ok {
			st.setIfAbsent("tls.client.server_name", s)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
