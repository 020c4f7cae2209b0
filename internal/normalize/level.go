package normalize

import (
	"strconv"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// A log level given as a number reads differently in each logging
// library: pino's and bunyan's 30 is info, Python's 30 is a warning, and
// neither is the 0-100 severity event.severity holds. levelScheme says
// how a level field's number reads; the field's name says which scheme.
type levelScheme uint8

const (
	// schemeNone: the number is taken as a 0-100 severity, as before
	// there were schemes (a sender's "level": 35).
	schemeNone levelScheme = iota
	// schemePino: pino and bunyan, 10 trace, 20 debug, 30 info, 40 warn,
	// 50 error, 60 fatal; only those six numbers.
	schemePino
	// schemePython: logging's levelno, 10 DEBUG, 20 INFO, 30 WARNING,
	// 40 ERROR, 50 CRITICAL.
	schemePython
	// schemeSyslog: the syslog severity code, 0 emergency .. 7 debug.
	schemeSyslog
	// schemeOTel: OpenTelemetry's SeverityNumber, 1-24 in six bands of
	// four (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).
	schemeOTel
)

// levelSchemes are the level fields whose numbers follow a scheme. The
// names are those of aliasList's aLevel entries (and log.level, a
// sender's ECS field, read as "level" is).
var levelSchemes = map[string]levelScheme{
	"level": schemePino, "log.level": schemePino, "loglevel": schemePino, "log_level": schemePino, "lvl": schemePino,
	"levelno":        schemePython,
	"SeverityNumber": schemeOTel, "severity_number": schemeOTel,
	"syslog_severity": schemeSyslog, "syslog_severity_code": schemeSyslog,
}

// schemeLevel maps the number n of a scheme to a level name and a 0-100
// severity; false when n is not one of the scheme's numbers.
func schemeLevel(scheme levelScheme, n int64) (string, int64, bool) {
	switch scheme {
	case schemePino:
		if n%10 != 0 || n < 10 || n > 60 {
			return "", 0, false
		}
		return pinoLevels[n/10-1].name, pinoLevels[n/10-1].sev, true
	case schemePython:
		if n%10 != 0 || n < 10 || n > 50 {
			return "", 0, false
		}
		return pythonLevels[n/10-1].name, pythonLevels[n/10-1].sev, true
	case schemeSyslog:
		if n < 0 || n > 7 {
			return "", 0, false
		}
		return severityNames[n], event.SyslogSeverity(int(n)), true
	case schemeOTel:
		if n < 1 || n > 24 {
			return "", 0, false
		}
		return otelLevels[(n-1)/4].name, otelLevels[(n-1)/4].sev, true
	}
	return "", 0, false
}

type namedLevel struct {
	name string
	sev  int64
}

var (
	pinoLevels = [...]namedLevel{{"trace", event.SeverityInfo}, {"debug", event.SeverityInfo}, {"info", event.SeverityInfo},
		{"warn", event.SeverityLow}, {"error", event.SeverityMedium}, {"fatal", event.SeverityCritical}}
	pythonLevels = [...]namedLevel{{"debug", event.SeverityInfo}, {"info", event.SeverityInfo}, {"warning", event.SeverityLow},
		{"error", event.SeverityMedium}, {"critical", event.SeverityCritical}}
	otelLevels = [...]namedLevel{{"trace", event.SeverityInfo}, {"debug", event.SeverityInfo}, {"info", event.SeverityInfo},
		{"warn", event.SeverityLow}, {"error", event.SeverityMedium}, {"fatal", event.SeverityCritical}}
)

// level fills log.level (lower case) and, unless the sender set a
// severity, event.severity from the level field name's value s.
func (st *state) level(name, s string) {
	s = strings.TrimSpace(s)
	if isNumber(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if lv, sev, ok := schemeLevel(levelSchemes[name], n); ok {
				st.f["log.level"] = lv
				if _, set := st.f["event.severity"]; !set {
					st.setSeverity(sev)
					st.sevFromLevel = true
				}
				return
			}
		}
	}
	st.set("log.level", strings.ToLower(s))
	st.levelSeverity(s)
}

// levelNameSeverity reads a level name: event.ParseSeverity's names,
// log15's four-letter ones (lvl=eror) and OpenTelemetry's SeverityText
// with its digit (WARN2).
func levelNameSeverity(s string) (int64, bool) {
	if sev, ok := event.ParseSeverity(s); ok {
		return sev, true
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if n := len(s); n > 1 && s[n-1] >= '2' && s[n-1] <= '4' {
		if sev, ok := event.ParseSeverity(s[:n-1]); ok && !isNumber(s[:n-1]) {
			return sev, true
		}
	}
	switch s {
	case "dbug", "trce":
		return event.SeverityInfo, true
	case "eror":
		return event.SeverityMedium, true
	}
	return 0, false
}

// syslogCodeSeverity fills event.severity (and log.level) from a
// sender's log.syslog.severity.code when neither is set: a shipper's
// document of a syslog line carries the code, not a 0-100 severity.
func (st *state) syslogCodeSeverity() {
	if _, set := st.f["event.severity"]; set {
		return
	}
	n, ok := anyInt(st.f["log.syslog.severity.code"])
	if !ok {
		return
	}
	if lv, sev, ok := schemeLevel(schemeSyslog, n); ok {
		st.setSeverity(sev)
		st.sevFromLevel = true
		st.setIfAbsent("log.level", lv)
	}
}
