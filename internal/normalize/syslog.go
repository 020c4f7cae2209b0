package normalize

import (
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

var facilityNames = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

var severityNames = [...]string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}

// The names as field values: storing a string from an array in a Fields
// map boxes it, one allocation per field and event; these are boxed once.
var (
	facilityValues = boxAll(facilityNames[:])
	severityValues = boxAll(severityNames[:])
)

func boxAll(names []string) []any {
	out := make([]any, len(names))
	for i, s := range names {
		out[i] = s
	}
	return out
}

// syslogPRI reads "<N>" at the start of s (0 <= N <= 191).
func syslogPRI(s string) (pri int, rest string, ok bool) {
	if len(s) < 3 || s[0] != '<' {
		return 0, s, false
	}
	i := 1
	for i < len(s) && i <= 4 && s[i] >= '0' && s[i] <= '9' {
		pri = pri*10 + int(s[i]-'0')
		i++
	}
	if i == 1 || i > 4 || i >= len(s) || s[i] != '>' || pri > 191 {
		return 0, s, false
	}
	return pri, s[i+1:], true
}

// syslog parses an RFC 5424 or RFC 3164 message (with or without PRI),
// then parses its MSG again when it is CEF, LEEF, a Linux auth message,
// JSON, Cisco or key=value.
func (st *state) syslog(text string) {
	s := strings.TrimLeft(text, " \t\r\n\ufeff")
	s = strings.TrimRight(s, "\r\n\x00")
	st.f["event.dataset"] = "syslog"
	pri, rest, hasPRI := syslogPRI(s)
	if hasPRI {
		fac, sev := pri/8, pri%8
		st.setInt("log.syslog.priority", int64(pri))
		st.setInt("log.syslog.facility.code", int64(fac))
		st.f["log.syslog.facility.name"] = facilityValues[fac]
		st.setInt("log.syslog.severity.code", int64(sev))
		st.f["log.syslog.severity.name"] = severityValues[sev]
		st.f["log.level"] = severityValues[sev]
		st.setSeverity(event.SyslogSeverity(sev))
		// RFC 5424: VERSION is 1-3 digits then a space.
		if j := digitsThenSpace(rest); j > 0 {
			if st.syslog5424(rest[j+1:], rest[:j]) {
				return
			}
		}
	}
	if !st.syslog3164(rest, hasPRI) {
		for k := range st.f {
			if strings.HasPrefix(k, "log.syslog.") || k == "log.level" || k == "event.severity" || k == "event.dataset" {
				delete(st.f, k)
			}
		}
		st.auto(rest)
		if st.parseErr != "" {
			st.parseErr = "cannot parse syslog: no header, and no parser recognised the message"
		}
	}
}

func digitsThenSpace(s string) int {
	i := 0
	for i < len(s) && i < 3 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && s[i] == ' ' && s[0] != '0' {
		return i
	}
	return 0
}

// nextToken splits s at its first space.
func nextToken(s string) (tok, rest string, ok bool) {
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, "", s != ""
	}
	return s[:i], s[i+1:], true
}

// syslog5424 parses what follows "<PRI>VERSION ".
func (st *state) syslog5424(s, version string) bool {
	line := s
	ts, s, ok1 := nextToken(s)
	// "2026-11-25 08:00:00Z": a space for the T, as some senders write
	// it; the time is the token after the date.
	if len(ts) == 10 && looksLikeISODate(ts) && len(s) > 2 && s[0] >= '0' && s[0] <= '9' && s[2] == ':' {
		var clock string
		clock, s, ok1 = nextToken(s)
		ts = line[:len(ts)+1+len(clock)]
	}
	host, s, ok2 := nextToken(s)
	app, s, ok3 := nextToken(s)
	procid, s, ok4 := nextToken(s)
	msgid, s, ok5 := nextToken(s)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return false
	}
	if ts != "-" {
		// A time without a zone is in the host's zone when a rule names
		// the host, else in the sender's (Options.Location by default).
		loc := st.loc
		if st.n.hostZones {
			if z := st.n.zoneOfHost(host); z != nil {
				loc = z
			}
		}
		t, _, ok := isoTimestampPrefix(ts, loc, true)
		switch {
		case ok:
			st.setTime(t, "syslog timestamp")
		case looksLikeISODate(ts):
			// Meant as a time, but not one: the header is still read.
			st.tag(TagTimestampUnparsed)
			st.problem(fmt.Sprintf("syslog timestamp: cannot read %q as an RFC 3339 time", truncateUTF8(ts, 64)))
		default:
			return false
		}
	}
	n, _ := parseInt(version)
	st.setInt("log.syslog.version", n)
	st.set("host.name", host)
	st.set("log.syslog.hostname", host)
	st.set("log.syslog.appname", app)
	st.set("process.name", app)
	st.set("log.syslog.procid", procid)
	st.setPID(procid)
	st.set("log.syslog.msgid", msgid)
	msg, ok := st.structuredData(s)
	if !ok {
		// Not structured data: take what is left as the message, as a
		// lenient receiver would.
		msg = s
		st.tag("_syslog_bad_structured_data")
	}
	msg = strings.TrimPrefix(msg, "\ufeff")
	st.syslogMessage(app, msg)
	return true
}

// structuredData reads RFC 5424 SD-ELEMENTs into
// log.syslog.structured_data.<SD-ID>.<PARAM-NAME> and returns the MSG.
func (st *state) structuredData(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if s[0] == '-' {
		if len(s) == 1 {
			return "", true
		}
		if s[1] == ' ' {
			return s[2:], true
		}
		return "", false
	}
	if s[0] != '[' {
		return "", false
	}
	i := 0
	for i < len(s) && s[i] == '[' {
		i++
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != ']' && s[j] != '=' && s[j] != '"' {
			j++
		}
		if j == i || j >= len(s) {
			return "", false
		}
		id := s[i:j]
		i = j
		for i < len(s) && s[i] == ' ' {
			i++
			j = i
			for j < len(s) && s[j] != '=' && s[j] != ' ' && s[j] != ']' && s[j] != '"' {
				j++
			}
			if j == i || j+1 >= len(s) || s[j] != '=' || s[j+1] != '"' {
				return "", false
			}
			name := s[i:j]
			i = j + 2
			var b strings.Builder
			start := i
			escaped := false
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
					if !escaped {
						b.WriteString(s[start:i])
						escaped = true
					} else {
						b.WriteString(s[start:i])
					}
					b.WriteByte(s[i+1])
					i += 2
					start = i
					continue
				}
				i++
			}
			if i >= len(s) {
				return "", false
			}
			val := s[start:i]
			if escaped {
				b.WriteString(val)
				val = b.String()
			}
			i++ // closing quote
			if len(st.f) < MaxFields {
				st.f["log.syslog.structured_data."+id+"."+name] = val
			} else {
				st.truncatedTag()
			}
		}
		if i >= len(s) || s[i] != ']' {
			return "", false
		}
		i++
	}
	if i < len(s) {
		if s[i] != ' ' {
			return "", false
		}
		i++
	}
	return s[i:], true
}

// syslog3164 parses an RFC 3164 (BSD) message after its PRI: TIMESTAMP
// HOSTNAME TAG: MSG, tolerating what real senders do: no hostname, an
// RFC 3339 or year-bearing timestamp, a Cisco sequence number. It reports
// false when s has no recognisable header and no PRI.
func (st *state) syslog3164(s string, hasPRI bool) bool {
	// Cisco IOS: "<189>123: Mar  1 00:00:00.000: %SYS-5-..." or
	// "<189>123: *Mar  1 ...".
	if j := strings.IndexByte(s, ':'); j > 0 && j <= 10 && isDigits(s[:j]) && j+1 < len(s) && s[j+1] == ' ' {
		st.set("log.syslog.sequence", s[:j])
		s = s[j+2:]
	}
	hasTS := false
	if t, rest, ok := bsdTimestamp(s, st.received, st.loc); ok {
		// The time carries no zone: a host rule for the header's host
		// name decides it, before the time is read.
		if st.n.hostZones {
			if tok, _, _ := nextToken(rest); tok != "" && !isTagToken(tok) {
				if loc := st.n.zoneOfHost(tok); loc != nil && loc != st.loc {
					st.loc = loc
					t, rest, _ = bsdTimestamp(s, st.received, loc)
				}
			}
		}
		st.setTime(t, "syslog timestamp")
		s = rest
		hasTS = true
	} else if t, rest, ok := isoTimestampPrefix(s, st.loc, hasPRI); ok {
		st.setTime(t, "syslog timestamp")
		s = strings.TrimLeft(rest, " ")
		hasTS = true
	} else if hasPRI && looksLikeISODate(s) {
		// Meant as a time ("<13>2026-13-45T08:00:00Z host app: ..."), but
		// not one: the header after it is still read.
		tok, rest, _ := nextToken(s)
		st.tag(TagTimestampUnparsed)
		st.problem(fmt.Sprintf("syslog timestamp: cannot read %q as a time", truncateUTF8(tok, 64)))
		s = strings.TrimLeft(rest, " ")
		hasTS = true
	}
	if !hasTS && !hasPRI {
		return false
	}
	if !hasTS {
		// RFC 3164 4.3.3: a message without a timestamp is all content.
		st.syslogContent(s)
		return true
	}
	// HOSTNAME, unless the first token is already the tag or the payload.
	tok, rest, _ := nextToken(s)
	if tok != "" && !isTagToken(tok) && !strings.HasPrefix(tok, "CEF:") && !strings.HasPrefix(tok, "LEEF:") && tok[0] != '%' && tok[0] != '{' {
		st.set("host.name", tok)
		st.set("log.syslog.hostname", tok)
		s = rest
	}
	st.syslogContent(s)
	return true
}

// isTagToken says whether tok is "app:" or "app[pid]:", or starts with
// "app[pid]:" and its message ("app[12]:msg").
func isTagToken(tok string) bool {
	_, pid, msg, ok := splitTag(tok)
	return ok && (msg == "" || pid != "")
}

// syslogContent reads "TAG: MSG" (TAG is "app" or "app[pid]").
func (st *state) syslogContent(s string) {
	if strings.HasPrefix(s, "CEF:") || strings.HasPrefix(s, "LEEF:") || strings.HasPrefix(s, "%") {
		st.syslogMessage("", s)
		return
	}
	if app, pid, msg, ok := splitTag(s); ok {
		st.syslogTag(app, pid)
		st.syslogMessage(app, msg)
		return
	}
	st.syslogMessage("", s)
}

// syslogTag stores the program and process ID of a syslog TAG: the
// program in log.syslog.appname, which stays as sent (process.name may be
// replaced by a payload's own process, as sudo's COMMAND).
func (st *state) syslogTag(app, pid string) {
	st.set("log.syslog.appname", app)
	st.set("process.name", app)
	if pid != "" {
		st.set("log.syslog.procid", pid)
		st.setPID(pid)
	}
}

// splitTag splits "app[pid]: msg" or "app: msg", and "app[pid]:msg":
// with the pid, the tag is plain without the space (without it, "a:b" is
// more often text than a tag). The app name is 1-48 characters without
// spaces, brackets or colons.
func splitTag(s string) (app, pid, msg string, ok bool) {
	i := 0
	for i < len(s) && i <= 48 {
		c := s[i]
		if c == '[' || c == ':' || c == ' ' || c == ']' {
			break
		}
		if c < 0x21 || c == '"' || c == '\'' || c == '=' || c == '{' || c == '<' {
			return "", "", "", false
		}
		i++
	}
	if i == 0 || i >= len(s) || i > 48 {
		return "", "", "", false
	}
	app = s[:i]
	if s[i] == '[' {
		j := strings.IndexByte(s[i:], ']')
		if j < 0 || j > 24 {
			return "", "", "", false
		}
		pid = s[i+1 : i+j]
		i += j + 1
	}
	if i >= len(s) || s[i] != ':' {
		return "", "", "", false
	}
	i++
	if i < len(s) {
		switch {
		case s[i] == ' ':
			i++
		case pid == "":
			return "", "", "", false
		}
	}
	return app, pid, s[i:], true
}

// syslogMessage stores MSG and parses it again when it is a known format.
// Leading blanks are not part of it: rsyslog's RFC 5424 template puts the
// message's own leading space after the header's ("- -  text"), and an
// RFC 3164 tag may be followed by more than one space.
func (st *state) syslogMessage(app, msg string) {
	msg = strings.TrimLeft(msg, " \t")
	st.setMessage(msg)
	msg = st.unrepeat(msg)
	switch {
	case strings.HasPrefix(msg, "CEF:"):
		if err := st.cef(msg); err != nil {
			st.fail(err.Error())
		}
		return
	case strings.HasPrefix(msg, "LEEF:"):
		if err := st.leef(msg); err != nil {
			st.fail(err.Error())
		}
		return
	case len(msg) > 1 && msg[0] == '{':
		if obj, _, truncated, err := st.decodeObject(msg); err == nil {
			if truncated {
				st.truncatedTag()
			}
			if isWindowsShape(obj) && st.windows(obj) {
				return
			}
			st.syslogJSON(obj)
			return
		}
	}
	if isAuthProgram(app) {
		st.f["event.dataset"] = "linux.auth"
		st.auth(app, msg)
		return
	}
	// Any other program (or none): sshd's and PAM's wording is
	// recognised as it is in a bare line over HEC or in a file, so that
	// the same text is the same event whatever path it took.
	if st.authPhrase(msg) {
		return
	}
	if st.accessLog(msg, app) {
		return
	}
	if len(msg) > 0 && msg[0] == '[' && st.apacheError(msg, app) {
		return
	}
	if strings.IndexByte(msg, '%') >= 0 && st.cisco(msg) {
		return
	}
	st.kvPairs(msg, 2, false)
	st.netfilter()
}

// netfilter maps the key=value pairs of an iptables/nftables LOG line
// ("IN=eth0 OUT= MAC=... SRC=81.2.69.142 DST=10.0.0.5 ... PROTO=TCP
// SPT=55555 DPT=22 ... SYN URGP=0") to ECS, as Filebeat's iptables
// module does; its keys are upper case, unlike the aliases'.
func (st *state) netfilter() {
	f := st.f
	src, ok1 := f["SRC"].(string)
	dst, ok2 := f["DST"].(string)
	proto, ok3 := f["PROTO"].(string)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	st.setIfAbsent("event.dataset", "iptables.log")
	if f["event.dataset"] == "syslog" {
		f["event.dataset"] = "iptables.log"
	}
	st.setIfAbsent("event.module", "iptables")
	st.categorize(cNetwork, tConn)
	if _, set := f["source.ip"]; !set {
		st.setAddrIP("source.ip", src)
	}
	if _, set := f["destination.ip"]; !set {
		st.setAddrIP("destination.ip", dst)
	}
	if _, set := f["network.transport"]; !set {
		st.transport(proto)
	}
	if _, set := f["source.port"]; !set {
		if v, ok := f["SPT"].(string); ok {
			st.setPort("source.port", v)
		}
	}
	if _, set := f["destination.port"]; !set {
		if v, ok := f["DPT"].(string); ok {
			st.setPort("destination.port", v)
		}
	}
	if v, ok := f["IN"].(string); ok {
		st.setIfAbsent("observer.ingress.interface.name", v)
	}
	if v, ok := f["OUT"].(string); ok {
		st.setIfAbsent("observer.egress.interface.name", v)
	}
}

// syslogJSON maps a syslog MSG that is a JSON object as the object
// alone is mapped over HTTP: its own message (msg, message...) and level
// or severity win over the header's, which stay in log.syslog.*; the
// header's fill what the object does not say.
func (st *state) syslogJSON(obj map[string]any) {
	// The header's values are kept boxed: restoring them costs nothing.
	text, level, sev := st.f["message"], st.f["log.level"], st.f["event.severity"]
	delete(st.f, "message")
	delete(st.f, "log.level")
	delete(st.f, "event.severity")
	st.flattenInto("", obj, 0)
	st.liftMessageObject()
	// An application's own security event (eventType...) logged through
	// syslog is the same event as over HTTP: dataset eventsec.application
	// unless it names its own, so that the application rules see it.
	if hasEventType(st.f) && !isEVE(st.f) {
		if st.f["event.dataset"] == "syslog" {
			delete(st.f, "event.dataset")
			if ds := objectDataset(obj); ds != "" {
				st.f["event.dataset"] = ds
			}
		}
		st.application()
		if _, ok := st.f["event.dataset"]; !ok {
			st.f["event.dataset"] = "syslog"
		}
	}
	st.aliases()
	if _, set := st.f["message"]; !set && text != nil {
		st.f["message"] = text
	}
	// After coerce, which reads a sender's ECS log.level.
	st.coerce()
	if _, set := st.f["event.severity"]; !set && sev != nil {
		st.f["event.severity"] = sev
	}
	if _, set := st.f["log.level"]; !set && level != nil {
		st.f["log.level"] = level
	}
}

// objectDataset is the dataset a JSON object names for itself
// ({"event":{"dataset":...}} or "event.dataset"), or "".
func objectDataset(obj map[string]any) string {
	if ev, ok := obj["event"].(map[string]any); ok {
		if ds, ok := ev["dataset"].(string); ok {
			return ds
		}
	}
	ds, _ := obj["event.dataset"].(string)
	return ds
}

// unrepeat reads rsyslog's summary of a repeated message, "message
// repeated 3 times: [ Failed password for root from ...]": it returns the
// message, to be parsed as if it had come alone, and stores how many
// times it came in log.syslog.repeat_count, so that whoever counts (failed
// logons...) can count this one event as that many. Other text is
// returned as it is.
func (st *state) unrepeat(msg string) string {
	const prefix = "message repeated "
	if !strings.HasPrefix(msg, prefix) {
		return msg
	}
	rest := msg[len(prefix):]
	num, rest, _ := nextToken(rest)
	if !strings.HasPrefix(rest, "times: [") || !strings.HasSuffix(strings.TrimRight(msg, " "), "]") {
		return msg
	}
	n, ok := parseInt(num)
	if !ok || n < 1 {
		return msg
	}
	st.setInt("log.syslog.repeat_count", n)
	inner := strings.TrimRight(rest[len("times: ["):], " ")
	return strings.TrimSpace(inner[:len(inner)-1])
}

// cisco parses a Cisco IOS/ASA message "%FAC-SEV-MNEMONIC: text"
// (possibly after "seq: timestamp: ").
func (st *state) cisco(s string) bool {
	i := strings.IndexByte(s, '%')
	if i < 0 || i > 200 {
		return false
	}
	prefix := s[:i]
	s = s[i+1:]
	end := strings.IndexByte(s, ':')
	if end < 5 || end > 64 {
		return false
	}
	code := s[:end]
	parts := strings.Split(code, "-")
	if len(parts) < 3 {
		return false
	}
	sev := parts[len(parts)-2]
	if len(sev) != 1 || sev[0] < '0' || sev[0] > '7' {
		return false
	}
	for _, c := range []byte(code) {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	if _, ok := st.f["event.dataset"]; !ok || st.f["event.dataset"] == "syslog" {
		st.f["event.dataset"] = "cisco.ios"
	}
	asa := strings.HasPrefix(code, "ASA-") || strings.HasPrefix(code, "FTD-")
	if asa {
		st.f["event.dataset"] = "cisco.asa"
		st.f["observer.product"] = parts[0]
		st.f["observer.type"] = "firewall"
	}
	st.set("observer.vendor", "Cisco")
	st.set("event.code", code)
	st.set("cisco.facility", strings.Join(parts[:len(parts)-2], "-"))
	st.set("cisco.mnemonic", parts[len(parts)-1])
	n := int(sev[0] - '0')
	st.setInt("log.syslog.severity.code", int64(n))
	st.f["log.level"] = severityValues[n]
	st.setSeverity(event.SyslogSeverity(n))
	msg := strings.TrimLeft(s[end+1:], " ")
	st.setMessage(msg)
	if asa {
		st.asa(parts[len(parts)-1], msg)
	}
	if _, ok := st.f["host.name"]; !ok {
		// "172.16.5.10 6705: Feb 17 13:40:03.673: %..." (a relay's
		// prefix): a leading address names the device.
		if tok, _, ok := nextToken(prefix); ok {
			if ip, ok := cleanIP(tok); ok {
				st.f["observer.ip"] = ip
			}
		}
	}
	if !st.tsSet {
		p := strings.TrimRight(prefix, ": ")
		if k := strings.LastIndex(p, ": "); k >= 0 {
			p = p[k+2:]
		}
		if t, _, ok := bsdTimestamp(strings.TrimLeft(p, " *."), st.received, st.loc); ok {
			st.setTime(t, "syslog timestamp")
		}
	}
	return true
}
