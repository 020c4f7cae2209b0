package normalize

import (
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Apache HTTP Server error logs, in 2.4's default ErrorLogFormat and in
// 2.2's:
//
//	[Wed Nov 25 10:00:00.123456 2026] [core:error] [pid 1234:tid 5678] [client 81.2.69.142:55555] AH00126: Invalid URI in request GET /%%% HTTP/1.1
//	[Wed Nov 25 10:00:00.123456 2026] [core:error] [pid 1234] (13)Permission denied: [client 81.2.69.142:55555] AH00035: access to / denied, referer: https://example.com/
//	[Wed Nov 25 10:00:00 2026] [error] [client 81.2.69.142] File does not exist: /var/www/x
//
// mapped as Filebeat's apache module maps them: the time (in the
// sender's zone: it carries none), log.level as Apache names it (its
// severity as syslog's of the same name), apache.error.module,
// process.pid, process.thread.id, source.ip and source.port, error.code
// (the AH number), http.request.referrer, and the message without them;
// event.category web, event.type error from level error up, else info.
// Through syslog (ErrorLog syslog:..., or a relay) the time may be
// missing; the line is then known by its [pid] or by the program name.

var typError = []string{"error"}

// apacheLevels are Apache's LogLevel names and the syslog severity code
// of each; trace1..trace8 are below debug.
var apacheLevels = map[string]int{"emerg": 0, "alert": 1, "crit": 2, "error": 3, "warn": 4, "notice": 5, "info": 6, "debug": 7,
	"trace1": 7, "trace2": 7, "trace3": 7, "trace4": 7, "trace5": 7, "trace6": 7, "trace7": 7, "trace8": 7}

// bracketed splits "[x] rest" into x and rest.
func bracketed(s string) (in, rest string, ok bool) {
	if len(s) < 2 || s[0] != '[' {
		return "", s, false
	}
	i := strings.IndexByte(s, ']')
	if i < 0 {
		return "", s, false
	}
	return s[1:i], strings.TrimLeft(s[i+1:], " "), true
}

// apacheError maps s when it is an Apache error-log line; app is the
// syslog program that sent it ("" for a bare line). It stores nothing and
// reports false when s is not one.
func (st *state) apacheError(s, app string) bool {
	first, rest, ok := bracketed(s)
	if !ok {
		return false
	}
	var ts time.Time
	hasTS := false
	if len(first) >= 20 && first[3] == ' ' {
		// "Wed Nov 25 10:00:00.123456 2026": the fraction is read
		// whatever the layout says.
		t, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", first, st.loc)
		if err != nil {
			return false
		}
		ts, hasTS = t, true
		if first, rest, ok = bracketed(rest); !ok {
			return false
		}
	}
	module, lvl, hasModule := strings.Cut(first, ":")
	if !hasModule {
		module, lvl = "", first
	}
	code, ok := apacheLevels[lvl]
	if !ok {
		return false
	}
	pid, tid := "", ""
	if in, after, ok := bracketed(rest); ok && strings.HasPrefix(in, "pid ") {
		pid, tid, _ = strings.Cut(in[4:], ":tid ")
		rest = after
	}
	if !hasTS && pid == "" && !strings.HasPrefix(app, "httpd") && !strings.HasPrefix(app, "apache") {
		// "[error] text" alone is too common a shape to be Apache's.
		return false
	}
	if hasTS {
		st.setTime(ts, "error log time")
	}
	f := st.f
	f["event.dataset"] = "apache.error"
	f["event.module"] = "apache"
	f["event.kind"] = "event"
	if code <= 3 {
		st.categorize(catWeb, typError)
	} else {
		st.categorize(catWeb, typInfo)
	}
	f["log.level"] = lvl
	st.setSeverity(event.SyslogSeverity(code))
	st.set("apache.error.module", module)
	st.setPID(pid)
	st.setIntStr("process.thread.id", tid)
	// What precedes [client]: the source file at debug level and the
	// operating system's error, "(13)Permission denied: ".
	prefix := ""
	if i := strings.Index(rest, "[client "); i >= 0 {
		prefix = rest[:i]
		in, after, ok := bracketed(rest[i:])
		if ok {
			st.apacheClient(in[len("client "):], hasModule || pid != "")
			rest = after
		}
	}
	if in, after, ok := bracketed(rest); ok && strings.HasPrefix(in, "remote ") {
		rest = after // the peer behind a proxy; [client] is the one logged
	}
	if len(rest) > 8 && strings.HasPrefix(rest, "AH") && isDigits(rest[2:7]) && rest[7] == ':' {
		st.set("error.code", rest[:7])
		rest = strings.TrimLeft(rest[8:], " ")
	}
	if i := strings.LastIndex(rest, ", referer: "); i >= 0 {
		st.set("http.request.referrer", rest[i+len(", referer: "):])
		rest = rest[:i]
	}
	st.setMessage(strings.TrimRight(prefix+rest, "\r\n "))
	return true
}

// apacheClient stores [client ADDR]: 2.4 writes the port after the last
// colon (also after an IPv6 address, without brackets), 2.2 no port.
func (st *state) apacheClient(s string, withPort bool) {
	if i := strings.LastIndexByte(s, ':'); i > 0 && (withPort || strings.IndexByte(s[:i], ':') < 0) && isDigits(s[i+1:]) {
		if ip, ok := cleanIP(s[:i]); ok {
			st.f["source.ip"] = ip
			st.setPort("source.port", s[i+1:])
			return
		}
	}
	if !st.setIP("source.ip", s) {
		st.set("source.address", s) // a name (HostnameLookups On)
	}
}
