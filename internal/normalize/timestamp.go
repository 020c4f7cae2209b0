package normalize

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// unixTime reads a number as unix time, guessing the unit from its
// magnitude: seconds up to 1e11 (year 5138), then milliseconds,
// microseconds, nanoseconds.
func unixTime(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return time.Time{}, false
	}
	switch {
	case f < 1e11:
		sec, frac := math.Modf(f)
		// Rounded to the microsecond: a float64 holds no more than that
		// for current dates.
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), true
	case f < 1e14:
		ms := int64(f)
		return time.UnixMilli(ms).UTC(), true
	case f < 1e17:
		return time.UnixMicro(int64(f)).UTC(), true
	case f < 9.2e18:
		return time.Unix(0, int64(f)).UTC(), true
	}
	return time.Time{}, false
}

// timeValue reads an event time from a decoded JSON value.
func (n *Normalizer) timeValue(v any, ref time.Time, loc *time.Location) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		return n.timeString(x, ref, loc)
	case float64:
		return unixTime(x)
	case int64:
		return unixTime(float64(x))
	case int:
		return unixTime(float64(x))
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return time.Time{}, false
		}
		return unixTime(f)
	}
	return time.Time{}, false
}

// timeString reads an event time written as text: RFC 3339, unix time in
// digits, or one of the configured layouts.
func (n *Normalizer) timeString(s string, ref time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 64 {
		return time.Time{}, false
	}
	if isDigits(s) || (strings.Count(s, ".") == 1 && isDigits(strings.Replace(s, ".", "", 1))) {
		f, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return unixTime(f)
		}
	}
	if t, ok := parseISO(s, loc); ok {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range n.tsLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.Year() == 0 {
				t = withYear(t, ref)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// parseISO reads the ISO 8601 forms most logs use, without the cost of
// failed time.Parse attempts (each allocates an error):
// "2006-01-02T15:04:05", a space for the T, a fraction after '.' or ',',
// then nothing (loc), "Z", "+07:00", "+0700" or "+07".
func parseISO(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	var v [6]int
	for i, p := range [6]int{0, 5, 8, 11, 14, 17} {
		w := 2
		if i == 0 {
			w = 4
		}
		n := 0
		for j := p; j < p+w; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			n = n*10 + int(c-'0')
		}
		v[i] = n
	}
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		scale := 100000000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if scale > 0 {
				nsec += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	z := s[i:]
	switch {
	case z == "":
	case z == "Z" || z == "z" || z == " UTC" || z == "UTC":
		loc = time.UTC
	case z[0] == '+' || z[0] == '-':
		d := z[1:]
		var hh, mm int
		var ok bool
		switch len(d) {
		case 2:
			hh, ok = num2(d)
		case 4:
			var ok2 bool
			hh, ok = num2(d)
			mm, ok2 = num2(d[2:])
			ok = ok && ok2
		case 5:
			var ok2 bool
			hh, ok = num2(d)
			mm, ok2 = num2(d[3:])
			ok = ok && ok2 && d[2] == ':'
		}
		if !ok || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		off := hh*3600 + mm*60
		if z[0] == '-' {
			off = -off
		}
		// In UTC: a FixedZone would cost an allocation, and events are
		// stored in UTC anyway.
		t := time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], nsec, time.UTC)
		if t.Day() != v[2] {
			return time.Time{}, false
		}
		return t.Add(-time.Duration(off) * time.Second), true
	default:
		return time.Time{}, false
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], nsec, loc)
	if t.Day() != v[2] {
		return time.Time{}, false // February 30th
	}
	return t, true
}

// withYear gives a time written without a year (RFC 3164 "Oct 11
// 22:14:15") a year: see yearless.
func withYear(t time.Time, now time.Time) time.Time {
	return yearless(now, t.Location(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond())
}

// yearless dates a month, day and time written without a year: the
// latest year that puts it no more than a week after now (clocks
// disagree). A December line read in January belongs to last year; a
// January line read on December 31st by a server whose clock is behind
// belongs to next year; February 29th goes back to the last leap year.
func yearless(now time.Time, loc *time.Location, mon time.Month, day, hh, mm, ss, nsec int) time.Time {
	limit := now.Add(7 * 24 * time.Hour)
	y := now.In(loc).Year() + 1
	for range 10 {
		c := time.Date(y, mon, day, hh, mm, ss, nsec, loc)
		if c.Day() == day && !c.After(limit) {
			return c
		}
		y--
	}
	// No such day in ten years (a February 30th that time.Parse let
	// through): the date as time.Date normalizes it, this year.
	return time.Date(now.In(loc).Year(), mon, day, hh, mm, ss, nsec, loc)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthOf(s string) (time.Month, bool) {
	if len(s) < 3 {
		return 0, false
	}
	for i, m := range months {
		if s[0] == m[0] && s[1] == m[1] && s[2] == m[2] {
			return time.Month(i + 1), true
		}
	}
	// Some devices write months in capitals ("OCT").
	for i, m := range months {
		if strings.EqualFold(s[:3], m) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// num2 reads exactly two digits.
func num2(s string) (int, bool) {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// bsdTimestamp reads an RFC 3164 timestamp at the start of s: "Mmm dd
// hh:mm:ss" (day space- or zero-padded), optionally with a fraction, a
// year and a zone name, then a ':' (Cisco). The year, when absent, is
// inferred from now. It returns the text after it, spaces trimmed.
func bsdTimestamp(s string, now time.Time, loc *time.Location) (time.Time, string, bool) {
	if len(s) < 15 {
		return time.Time{}, s, false
	}
	// Cisco writes a '*' or '.' before unsynchronised clocks' times.
	if s[0] == '*' || s[0] == '.' {
		s = s[1:]
	}
	year := -1
	// "2026 Nov 25 08:00:00": the year first, as some devices and
	// templates write it.
	if s[4] == ' ' && isDigits(s[:4]) {
		year = int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
		s = s[5:]
		if len(s) < 15 {
			return time.Time{}, s, false
		}
	}
	mon, ok := monthOf(s)
	if !ok || s[3] != ' ' {
		return time.Time{}, s, false
	}
	i := 4
	if s[i] == ' ' {
		i++
	}
	day := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && day < 100 {
		day = day*10 + int(s[i]-'0')
		i++
	}
	if day < 1 || day > 31 || i >= len(s) || s[i] != ' ' {
		return time.Time{}, s, false
	}
	i++
	// "Oct 11 2023 22:14:15" (Cisco, CEF)
	if year < 0 && len(s) >= i+5 && isDigits(s[i:i+4]) && s[i+4] == ' ' {
		y, _ := strconv.Atoi(s[i : i+4])
		year = y
		i += 5
	}
	if len(s) < i+8 {
		return time.Time{}, s, false
	}
	hh, ok1 := num2(s[i:])
	mm, ok2 := num2(s[i+3:])
	ss, ok3 := num2(s[i+6:])
	if !ok1 || !ok2 || !ok3 || s[i+2] != ':' || s[i+5] != ':' || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, s, false
	}
	i += 8
	nsec := 0
	if i < len(s) && s[i] == '.' {
		j := i + 1
		scale := 100000000
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if scale > 0 {
				nsec += int(s[j]-'0') * scale
				scale /= 10
			}
			j++
		}
		i = j
	}
	year, i = bsdYear(s, i, year)
	tz := loc
	// A zone name: "UTC", "CET", "PDT"... read at its offset when it has
	// one meaning; an ambiguous one ("IST") in loc.
	if i < len(s) && s[i] == ' ' {
		j := i + 1
		for j < len(s) && j-i <= 5 && s[j] >= 'A' && s[j] <= 'Z' {
			j++
		}
		if z, known := zoneNames[s[i+1:j]]; known && (j == len(s) || s[j] == ' ' || s[j] == ':') {
			if z != nil {
				tz = z
			}
			i = j
		}
	}
	year, i = bsdYear(s, i, year)
	if i < len(s) && s[i] == ':' {
		i++
	}
	if i < len(s) && s[i] != ' ' {
		return time.Time{}, s, false
	}
	rest := strings.TrimLeft(s[i:], " ")
	if year < 0 {
		return yearless(now, tz, mon, day, hh, mm, ss, nsec), rest, true
	}
	return time.Date(year, mon, day, hh, mm, ss, nsec, tz), rest, true
}

// zoneNames are the zone abbreviations devices write after an RFC 3164
// time, with their offset; a list, so that an upper-case host name is not
// taken for one. Those with several meanings (IST: India, Ireland,
// Israel; BST: British summer, Bangladesh) have none: the time is read in
// the configured zone. CST is the US Central zone, as US-made devices
// write it. The zones are made once: a FixedZone per event would
// allocate.
var zoneNames = func() map[string]*time.Location {
	m := map[string]*time.Location{"Z": time.UTC, "UTC": time.UTC, "GMT": time.UTC, "BST": nil, "IST": nil}
	for name, hours := range map[string]float64{
		"WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
		"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
		"SGT": 8, "HKT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
	} {
		m[name] = time.FixedZone(name, int(hours*3600))
	}
	return m
}()

// bsdYear reads " YYYY" at i when no year was read yet.
func bsdYear(s string, i, year int) (int, int) {
	if year < 0 && len(s) >= i+5 && s[i] == ' ' && isDigits(s[i+1:i+5]) && (len(s) == i+5 || s[i+5] == ' ' || s[i+5] == ':') {
		y, _ := strconv.Atoi(s[i+1 : i+5])
		return y, i + 5
	}
	return year, i
}

// isoTimestampPrefix reads an RFC 3339 timestamp ending at the first
// space of s (rsyslog's high-precision format, RFC 5424). A time without
// a zone is read in loc. With space, a space may stand for the T
// ("2026-11-25 08:00:00Z"), as some senders write it after a syslog PRI;
// elsewhere such a line is more often an application's log than syslog.
func isoTimestampPrefix(s string, loc *time.Location, space bool) (time.Time, string, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !isDigits(s[:4]) {
		return time.Time{}, s, false
	}
	if s[10] == ' ' && !space {
		return time.Time{}, s, false
	}
	end := strings.IndexByte(s[11:], ' ')
	var tok, rest string
	if end < 0 {
		tok, rest = s, ""
	} else {
		tok, rest = s[:11+end], s[11+end:]
	}
	if t, ok := parseISO(tok, loc); ok {
		return t, rest, true
	}
	t, err := time.Parse(time.RFC3339Nano, tok)
	if err != nil {
		return time.Time{}, s, false
	}
	return t, rest, true
}

// looksLikeISODate says whether s starts as an ISO 8601 date does
// ("2026-"): a token a sender meant as a time, even when it cannot be
// read.
func looksLikeISODate(s string) bool {
	return len(s) >= 5 && isDigits(s[:4]) && s[4] == '-'
}
