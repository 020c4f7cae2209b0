package event

import (
	"strconv"
	"strings"
)

// Severity follows the convention of Elastic Security's risk scores: an
// integer 0-100 in event.severity, read in five bands. Sources with their
// own scales (syslog, CEF, Windows levels) are mapped onto it by the
// normalizers; the API and UI filter by band.
const (
	SeverityInfo     = 0
	SeverityLow      = 21
	SeverityMedium   = 47
	SeverityHigh     = 73
	SeverityCritical = 99
)

// Severity band labels, lowest first.
var SeverityLabels = []string{"info", "low", "medium", "high", "critical"}

// SeverityLabel returns the band of a 0-100 severity.
func SeverityLabel(s int64) string {
	switch {
	case s >= SeverityCritical:
		return "critical"
	case s >= SeverityHigh:
		return "high"
	case s >= SeverityMedium:
		return "medium"
	case s >= SeverityLow:
		return "low"
	default:
		return "info"
	}
}

// SeverityRange returns the [lo, hi) range of a band label.
func SeverityRange(label string) (lo, hi int64, ok bool) {
	switch strings.ToLower(label) {
	case "info", "informational":
		return 0, SeverityLow, true
	case "low":
		return SeverityLow, SeverityMedium, true
	case "medium":
		return SeverityMedium, SeverityHigh, true
	case "high":
		return SeverityHigh, SeverityCritical, true
	case "critical":
		return SeverityCritical, 101, true
	}
	return 0, 0, false
}

// ParseSeverity reads a severity written as a number 0-100, a band label,
// or a syslog / log-level name ("err", "warning", "fatal"...).
func ParseSeverity(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 100 {
			return 0, false
		}
		return n, true
	}
	switch s {
	case "info", "informational", "information", "notice", "debug", "trace", "verbose":
		return SeverityInfo, true
	case "low", "warn", "warning":
		return SeverityLow, true
	case "medium", "moderate", "error", "err":
		return SeverityMedium, true
	case "high", "crit", "severe":
		return SeverityHigh, true
	case "critical", "alert", "emerg", "emergency", "fatal", "panic":
		return SeverityCritical, true
	}
	return 0, false
}

// SyslogSeverity maps a syslog severity (0 emergency .. 7 debug) to 0-100.
func SyslogSeverity(sev int) int64 {
	switch {
	case sev <= 1: // emerg, alert
		return SeverityCritical
	case sev == 2: // crit
		return SeverityHigh
	case sev == 3: // err
		return SeverityMedium
	case sev == 4: // warning
		return SeverityLow
	default: // notice, info, debug
		return SeverityInfo
	}
}
