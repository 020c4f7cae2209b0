package normalize

import (
	"fmt"
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
	st.syslogCodeSeverity()
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
		v := st.f[k]
		delete(st.f, k)
		st.put(top, v, !strings.Contains(top, "."))
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
	if !hasEventType(st.f) {
		return
	}
	st.appEventKind()
	if _, ok := st.f["event.dataset"]; ok {
		return
	}
	if _, ok := st.f["event.module"]; ok {
		return
	}
	st.f["event.dataset"] = "eventsec.application"
}

// hasEventType says whether an object names an application's event
// type (eventType or event_type).
func hasEventType(f map[string]any) bool {
	if _, ok := f["eventType"]; ok {
		return true
	}
	_, ok := f["event_type"]
	return ok
}

// isApplication says whether an event, as sent or as normalized, is an
// application's own security event (see application): the keys that say
// so are kept as sent.
func isApplication(f map[string]any) bool { return hasEventType(f) && !isEVE(f) }

// appEventKinds are the ECS category, type and outcome of the event
// types applications send (the product's original API named
// LOGIN_FAILURE, DATA_EXPORT, BULK_OPERATION...), so that a login failure
// is an authentication failure to searches, KQL's SigninLogs and rules.
var appEventKinds = map[string]struct{ category, typ, outcome string }{
	"LOGIN_FAILURE":        {"authentication", "start", "failure"},
	"LOGIN_FAILED":         {"authentication", "start", "failure"},
	"AUTH_FAILURE":         {"authentication", "start", "failure"},
	"MFA_FAILURE":          {"authentication", "start", "failure"},
	"LOGIN_SUCCESS":        {"authentication", "start", "success"},
	"LOGIN":                {"authentication", "start", "success"},
	"MFA_SUCCESS":          {"authentication", "start", "success"},
	"LOGOUT":               {"authentication", "end", "success"},
	"PASSWORD_CHANGE":      {"iam", "change", "success"},
	"PASSWORD_RESET":       {"iam", "change", "success"},
	"ROLE_CHANGE":          {"iam", "change", "success"},
	"PERMISSION_CHANGE":    {"iam", "change", "success"},
	"PRIVILEGE_ESCALATION": {"iam", "change", "success"},
	"USER_CREATED":         {"iam", "creation", "success"},
	"USER_DELETED":         {"iam", "deletion", "success"},
	"CONFIG_CHANGE":        {"configuration", "change", "success"},
	"SETTINGS_CHANGE":      {"configuration", "change", "success"},
}

// appEventKind fills event.category, event.type and event.outcome from
// an application's event type, each only when the event has none.
func (st *state) appEventKind() {
	v, _ := st.f["eventType"].(string)
	if v == "" {
		v, _ = st.f["event_type"].(string)
	}
	k, ok := appEventKinds[strings.ToUpper(strings.TrimSpace(v))]
	if !ok {
		return
	}
	if _, set := st.f["event.category"]; !set {
		st.f["event.category"] = []string{k.category}
	}
	if _, set := st.f["event.type"]; !set {
		st.f["event.type"] = []string{k.typ}
	}
	if _, set := st.f["event.outcome"]; !set {
		st.f["event.outcome"] = k.outcome
	}
}

// jsonTime takes the event time from the first configured key that
// holds one; "@timestamp" itself is removed (Event.Timestamp holds it).
// A key that holds no readable time is passed over for the next; when
// none does, the event is tagged _timestamp_unparsed and error.message
// names the first such key and its value.
func (st *state) jsonTime() {
	unparsed := ""
	for _, k := range st.n.tsFields {
		v, ok := st.f[k]
		if !ok {
			continue
		}
		if t, ok := st.n.timeValue(v, st.received, st.loc); ok {
			st.setTime(t, k)
			if k == "@timestamp" {
				delete(st.f, k)
			}
			return
		}
		if unparsed == "" {
			unparsed = fmt.Sprintf("%s: cannot read %s as a time; the arrival time is used", k, timeText(v))
		}
	}
	if unparsed != "" {
		st.tag(TagTimestampUnparsed)
		st.problem(unparsed)
	}
}

// timeText renders a value that was meant as a time for error.message.
func timeText(v any) string {
	if s := quoteValue(v); s != "" {
		return s
	}
	switch v.(type) {
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return "the value"
}

// alias kinds: how a sender's value is converted for its ECS field.
const (
	aStr = iota
	aIP
	aPort
	aInt
	aTransport
	aLevel
	aSeverity
	aMessage
	aOutcome
	aURL
	aLower
	aAddr  // an address: <root>.address, and .ip (.port) when it holds an IP
	aLabel // an ECS object without a natural leaf: kept as labels.<name>
	// aAgent is "agent": the client's user agent (user_agent.original) in
	// an application's event or when it reads as one (curl/8.5), else the
	// shipper's name (agent.name, as ECS has it). See rootField.
	aAgent
)

type alias struct {
	name  string
	field string
	kind  uint8
	// root says that name is an ECS object (user, host, source, event...):
	// its scalar would sit beside the object's fields and conflict with
	// them in a store that maps fields (an Elasticsearch export). It
	// fills field and is removed; when field already holds another value
	// it is kept as labels.<name>. Raw keeps what was sent.
	root bool
}

// aliasList are common non-ECS names in JSON and key=value logs, and the
// ECS field each one fills when the sender did not set it; earlier names
// win when several fill the same field.
var aliasList = []alias{
	{"msg", "message", aMessage, false},
	{"log", "message", aMessage, true},
	{"src", "source.ip", aIP, false},
	{"srcip", "source.ip", aIP, false},
	{"src_ip", "source.ip", aIP, false},
	{"source_ip", "source.ip", aIP, false},
	{"sourceIp", "source.ip", aIP, false},
	{"sourceip", "source.ip", aIP, false},
	{"client_ip", "source.ip", aIP, false},
	{"clientip", "source.ip", aIP, false},
	{"remote_addr", "source.ip", aIP, false},
	{"ipAddress", "source.ip", aIP, false},
	{"ip_address", "source.ip", aIP, false},
	{"clientIp", "source.ip", aIP, false},
	{"clientIP", "source.ip", aIP, false},
	{"remoteAddress", "source.ip", aIP, false},
	{"remoteIp", "source.ip", aIP, false},
	{"remote_ip", "source.ip", aIP, false},
	{"dst", "destination.ip", aIP, false},
	{"dstip", "destination.ip", aIP, false},
	{"dst_ip", "destination.ip", aIP, false},
	{"dest_ip", "destination.ip", aIP, false},
	{"destination_ip", "destination.ip", aIP, false},
	{"destip", "destination.ip", aIP, false},
	{"spt", "source.port", aPort, false},
	{"sport", "source.port", aPort, false},
	{"srcport", "source.port", aPort, false},
	{"src_port", "source.port", aPort, false},
	{"source_port", "source.port", aPort, false},
	{"dpt", "destination.port", aPort, false},
	{"dport", "destination.port", aPort, false},
	{"dstport", "destination.port", aPort, false},
	{"dst_port", "destination.port", aPort, false},
	{"dest_port", "destination.port", aPort, false},
	{"destination_port", "destination.port", aPort, false},
	{"user", "user.name", aStr, true},
	{"username", "user.name", aStr, false},
	{"user_name", "user.name", aStr, false},
	{"usrName", "user.name", aStr, false},
	{"userName", "user.name", aStr, false},
	{"userEmail", "user.email", aStr, false},
	{"user_email", "user.email", aStr, false},
	{"uid", "user.id", aStr, false},
	{"user_id", "user.id", aStr, false},
	{"userId", "user.id", aStr, false},
	{"eventType", "event.action", aStr, false},
	{"event_type", "event.action", aStr, false},
	{"action", "event.action", aStr, false},
	{"act", "event.action", aStr, false},
	{"proto", "network.transport", aTransport, false},
	{"protocol", "network.transport", aTransport, false},
	{"host", "host.name", aStr, true},
	{"hostname", "host.name", aStr, false},
	{"hostName", "host.name", aStr, false},
	{"computer", "host.name", aStr, false},
	{"devname", "observer.name", aStr, false},
	// A level name fills event.severity only when the sender gave no
	// severity: "severity" and "sev" come after and replace it.
	// Numbers read as level.go's levelSchemes say.
	{"level", "log.level", aLevel, false},
	{"loglevel", "log.level", aLevel, false},
	{"log_level", "log.level", aLevel, false},
	{"levelname", "log.level", aLevel, false},
	{"lvl", "log.level", aLevel, false},
	{"severity_text", "log.level", aLevel, false},
	{"SeverityText", "log.level", aLevel, false},
	{"levelno", "log.level", aLevel, false},
	{"SeverityNumber", "log.level", aLevel, false},
	{"severity_number", "log.level", aLevel, false},
	{"syslog_severity", "log.level", aLevel, false},
	{"syslog_severity_code", "log.level", aLevel, false},
	{"severity", "event.severity", aSeverity, false},
	{"sev", "event.severity", aSeverity, false},
	{"url", "url.original", aURL, true},
	{"uri", "url.original", aURL, false},
	{"pid", "process.pid", aInt, false},
	{"ppid", "process.parent.pid", aInt, false},
	{"exe", "process.executable", aStr, false},
	{"comm", "process.name", aStr, false},
	{"program", "process.name", aStr, false},
	{"cmdline", "process.command_line", aStr, false},
	{"command", "process.command_line", aStr, false},
	{"outcome", "event.outcome", aOutcome, false},
	{"result", "event.outcome", aOutcome, false},
	{"status", "event.outcome", aOutcome, false},
	{"method", "http.request.method", aStr, false},
	{"useragent", "user_agent.original", aStr, false},
	{"user_agent", "user_agent.original", aStr, true},
	{"userAgent", "user_agent.original", aStr, false},
	{"filename", "file.name", aStr, false},
	{"fname", "file.name", aStr, false},
	{"md5", "file.hash.md5", aLower, false},
	{"sha1", "file.hash.sha1", aLower, false},
	{"sha256", "file.hash.sha256", aLower, false},
	{"shost", "source.domain", aStr, false},
	{"src_host", "source.domain", aStr, false},
	{"dhost", "destination.domain", aStr, false},
	{"dst_host", "destination.domain", aStr, false},
	{"query", "dns.question.name", aStr, false},
	{"qname", "dns.question.name", aStr, false},
	// The other ECS objects a sender may name with a scalar: the field
	// that names such an object, after the common names above.
	{"event", "event.action", aStr, true},
	{"source", "source.address", aAddr, true},
	{"destination", "destination.address", aAddr, true},
	{"client", "client.address", aAddr, true},
	{"server", "server.address", aAddr, true},
	{"process", "process.name", aStr, true},
	{"file", "file.path", aStr, true},
	{"observer", "observer.name", aStr, true},
	{"service", "service.name", aStr, true},
	{"agent", "agent.name", aAgent, true},
	{"network", "network.name", aStr, true},
	{"error", "error.message", aStr, true},
	{"group", "group.name", aStr, true},
	{"container", "container.name", aStr, true},
	{"cloud", "cloud.provider", aStr, true},
	{"organization", "organization.name", aStr, true},
	{"rule", "rule.name", aStr, true},
	{"package", "package.name", aStr, true},
	{"ecs", "ecs.version", aStr, true},
	{"trace", "trace.id", aStr, true},
	{"span", "span.id", aStr, true},
	{"transaction", "transaction.id", aStr, true},
	{"as", "labels.as", aLabel, true},
	{"data_stream", "labels.data_stream", aLabel, true},
	{"device", "labels.device", aLabel, true},
	{"dll", "labels.dll", aLabel, true},
	{"dns", "labels.dns", aLabel, true},
	{"email", "labels.email", aLabel, true},
	{"faas", "labels.faas", aLabel, true},
	{"http", "labels.http", aLabel, true},
	{"orchestrator", "labels.orchestrator", aLabel, true},
	{"registry", "labels.registry", aLabel, true},
	{"related", "labels.related", aLabel, true},
	{"risk", "labels.risk", aLabel, true},
	{"threat", "labels.threat", aLabel, true},
	{"tls", "labels.tls", aLabel, true},
	{"vulnerability", "labels.vulnerability", aLabel, true},
	{"x509", "labels.x509", aLabel, true},
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
// field stays as it was, unless it is the scalar of an ECS object (see
// alias.root).
func (st *state) aliases() {
	hits := st.aliasHits
	if len(hits) == 0 {
		return
	}
	slices.Sort(hits)
	for _, i := range hits {
		a := aliasList[i]
		v, ok := st.f[a.name]
		if !ok {
			continue
		}
		if a.root {
			st.rootScalar(a, v)
			continue
		}
		if a.kind == aSeverity {
			st.severityAlias(a.name, v)
			continue
		}
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
		st.aliasValue(a, s)
	}
	st.aliasHits = st.aliasHits[:0]
}

// aliasValue fills a's field from the text s.
func (st *state) aliasValue(a alias, s string) {
	switch a.kind {
	case aStr:
		st.set(a.field, s)
	case aLower:
		st.set(a.field, strings.ToLower(s))
	case aMessage:
		st.setMessage(s)
	case aIP:
		st.setAddrIP(a.field, s)
	case aPort:
		st.setPort(a.field, s)
	case aInt:
		st.setIntStr(a.field, s)
	case aTransport:
		st.transport(s)
	case aLevel:
		st.level(a.name, s)
	case aOutcome:
		if o := outcome(s); o != "" {
			st.f["event.outcome"] = o
		}
	case aURL:
		st.set("url.original", s)
		st.url(s)
	case aAddr:
		st.setAddress(a.field, s)
	case aAgent:
		st.set(rootField(st.f, a, s), s)
	}
}

// rootField is the field the value s of the root alias a goes to: a's
// own, except for "agent". Applications (the product's original API,
// access logs in Logstash's "combined" shape) send the client's user
// agent as "agent"; shippers' own events name the shipper. So "agent" is
// user_agent.original in an application's event or when s reads as a
// user agent, else agent.name. rootField reads only keys normalization
// keeps, so that it gives the same answer on the normalized event
// (SentKeyField).
func rootField(f map[string]any, a alias, s string) string {
	if a.kind == aAgent && (isApplication(f) || looksLikeUserAgent(s)) {
		return "user_agent.original"
	}
	return a.field
}

// looksLikeUserAgent says whether s starts as an HTTP User-Agent does,
// with a product token and its version: curl/8.5, Mozilla/5.0 (...),
// python-requests/2.31.0.
func looksLikeUserAgent(s string) bool {
	i := strings.IndexByte(s, '/')
	if i <= 0 || i+1 >= len(s) || s[i+1] < '0' || s[i+1] > '9' {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._+!", c) >= 0) {
			return false
		}
	}
	return true
}

// rootScalar maps the scalar v sent for the ECS object a.name to the
// object's field, and removes it: "user":"zed" becomes user.name. When
// the field already holds another value, v is kept as labels.<name>.
func (st *state) rootScalar(a alias, v any) {
	delete(st.f, a.name)
	s, isStr := scalarString(v)
	list, isList := v.([]string)
	switch {
	case isStr:
	case isList && len(list) > 0:
		s = list[0]
	default:
		return
	}
	if s == "" || s == "-" {
		return
	}
	field := rootField(st.f, a, s)
	cur, set := st.f[field]
	switch {
	case !set && a.kind == aLabel:
		st.f[field] = v
		return
	case !set && a.name == "source" && (s == "stdout" || s == "stderr"):
		// Docker's and Fluentd's output stream, not a network source.
		st.f["labels.source"] = v
		return
	case !set:
		if _, str := v.(string); str && (a.kind == aStr || a.kind == aAgent) {
			st.f[field] = v // already a boxed string: no allocation
		} else {
			st.aliasValue(a, s)
		}
		if !isList || len(list) == 1 {
			return
		}
	default:
		if c, _ := scalarString(cur); c == s && (!isList || len(list) == 1) {
			return
		}
	}
	if l := rootLabels[aliasIndex[a.name]]; l != "" {
		if _, taken := st.f[l]; !taken {
			st.f[l] = v
		}
	}
}

// severityAlias reads a sender's "severity": it fills event.severity
// unless the sender set that itself, replacing one taken from a level
// name; a name also fills log.level when unset.
func (st *state) severityAlias(name string, v any) {
	if s, ok := v.(string); ok && !isNumber(s) {
		if _, set := st.f["log.level"]; !set {
			st.set("log.level", strings.ToLower(s))
		}
	}
	if _, set := st.f["event.severity"]; set && !st.sevFromLevel {
		return
	}
	if sev, ok := st.severityOf(name, v); ok {
		st.f["event.severity"] = sev
		st.sevFromLevel = false
	}
}

// levelSeverity fills event.severity from a level name when nothing set
// it: a severity given later replaces it.
func (st *state) levelSeverity(level string) {
	if _, set := st.f["event.severity"]; set {
		return
	}
	if sev, ok := levelNameSeverity(level); ok {
		st.setSeverity(sev)
		st.sevFromLevel = true
	}
}

// isNumber says whether s is a decimal number, possibly signed, with a
// fraction.
func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
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
