package kql

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// timespanUnit returns the length of a timespan unit suffix.
func timespanUnit(u string) (time.Duration, bool) {
	switch u {
	case "d", "day", "days":
		return 24 * time.Hour, true
	case "h", "hr", "hrs", "hour", "hours":
		return time.Hour, true
	case "m", "min", "minute", "minutes":
		return time.Minute, true
	case "s", "sec", "second", "seconds":
		return time.Second, true
	case "ms", "milli", "millis", "millisec", "millisecond", "milliseconds":
		return time.Millisecond, true
	case "micro", "micros", "microsec", "microsecond", "microseconds":
		return time.Microsecond, true
	case "nano", "nanos", "nanosec", "nanosecond", "nanoseconds":
		return time.Nanosecond, true
	case "tick", "ticks":
		return 100 * time.Nanosecond, true
	}
	return 0, false
}

var errRange = errors.New("out of range")

// scaleDuration multiplies a decimal number text by a unit, exactly for
// integers and rounded to the nanosecond otherwise.
func scaleDuration(num string, unit time.Duration) (time.Duration, error) {
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n != 0 && (n > math.MaxInt64/int64(unit) || n < math.MinInt64/int64(unit)) {
			return 0, errRange
		}
		return time.Duration(n) * unit, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	v := math.Round(f * float64(unit))
	if math.IsNaN(v) || v > math.MaxInt64 || v < math.MinInt64 {
		return 0, errRange
	}
	return time.Duration(v), nil
}

// parseTimespanToken parses a timespan token such as 5m or 1.5hours.
func parseTimespanToken(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	unit, ok := timespanUnit(s[i:])
	if !ok || i == 0 {
		return 0, errors.New("unknown timespan unit")
	}
	return scaleDuration(s[:i], unit)
}

// parseTimespanText parses the content of timespan(...) / time(...):
// 2d, 1.5h, 15 seconds, 2 (days), [-][d.]hh:mm[:ss[.fffffff]].
func parseTimespanText(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, strings.TrimSpace(s[1:])
	} else if strings.HasPrefix(s, "+") {
		s = strings.TrimSpace(s[1:])
	}
	var d time.Duration
	var err error
	if strings.Contains(s, ":") {
		d, err = parseClockSpan(s)
	} else {
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, errors.New("not a timespan")
		}
		unitText := strings.TrimSpace(s[i:])
		unit := 24 * time.Hour
		if unitText != "" {
			var ok bool
			if unit, ok = timespanUnit(unitText); !ok {
				return 0, errors.New("unknown timespan unit")
			}
		}
		d, err = scaleDuration(s[:i], unit)
	}
	if err != nil {
		return 0, err
	}
	if neg {
		d = -d
	}
	return d, nil
}

// parseClockSpan parses [d.]hh:mm[:ss[.fffffff]].
func parseClockSpan(s string) (time.Duration, error) {
	var days int64
	bad := errors.New("malformed timespan")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	h := parts[0]
	if dot := strings.IndexByte(h, '.'); dot >= 0 {
		n, err := strconv.ParseInt(h[:dot], 10, 64)
		if err != nil || n < 0 || n > 10675199 {
			return 0, bad
		}
		days, h = n, h[dot+1:]
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(parts[1]) != 2 {
		return 0, bad
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	if len(parts) == 3 {
		sec := parts[2]
		frac := ""
		if dot := strings.IndexByte(sec, '.'); dot >= 0 {
			sec, frac = sec[:dot], sec[dot+1:]
		}
		ss, err := strconv.Atoi(sec)
		if err != nil || ss < 0 || ss > 59 || len(sec) != 2 || len(frac) > 9 {
			return 0, bad
		}
		d += time.Duration(ss) * time.Second
		if frac != "" {
			f, err := strconv.Atoi((frac + "000000000")[:9])
			if err != nil {
				return 0, bad
			}
			d += time.Duration(f)
		}
	}
	return d, nil
}

// datetimeLayouts are the forms datetime(...) accepts: ISO 8601 with or
// without T, seconds, fractions and zone, and RFC 822 / 850 / 1123.
var datetimeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15",
	"2006-01-02 15",
	"2006-01-02",
	"2006-01",
	"2006",
	"20060102T150405.999999999Z07:00",
	"20060102T150405.999999999",
	"20060102T1504",
	"20060102",
	"2006/01/02 15:04:05.999999999",
	"2006/01/02 15:04",
	"2006/01/02",
	"01/02/2006 15:04:05.999999999",
	"01/02/2006 15:04",
	"01/02/2006",
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 MST",
	"Mon, 02 Jan 06 15:04:05 MST",
	"Mon, 2 Jan 06 15:04 MST",
	"2 Jan 06 15:04:05 MST",
	"2 Jan 2006 15:04:05 MST",
	time.RFC850,
	"Monday, 2-Jan-06 15:04:05 MST",
}

// parseDatetimeText parses the content of datetime(...).
func parseDatetimeText(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range datetimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("unrecognized datetime")
}

// parseGuidText parses a GUID in its 8-4-4-4-12 form, with or without
// braces; it returns the lower-case canonical form.
func parseGuidText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(s) == 32 {
		s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
	}
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return "", false
			}
		default:
			if !isHexDigit(s[i]) {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

// unquoteGoo strips optional quotes around typed literal content:
// datetime("2020-01-01").
func unquoteGoo(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
