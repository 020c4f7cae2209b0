package lucene

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeNow is the clock date math reads; tests set it.
var timeNow = time.Now

// dateMath reads Elasticsearch's relative times: "now", then any number
// of offsets such as "-15m", "+1h", "-7d" (units y, M, w, d, h or H, m,
// s; M is months, m minutes). ok is false when s does not start with
// "now"; err says what is wrong after it. Rounding ("now/d") is not
// supported: the error says so.
func dateMath(s string, now time.Time) (t time.Time, ok bool, err error) {
	if len(s) < 3 || !strings.EqualFold(s[:3], "now") {
		return time.Time{}, false, nil
	}
	rest := s[3:]
	t = now.UTC()
	for rest != "" {
		sign := rest[0]
		if sign == '/' {
			return t, true, fmt.Errorf("rounding (%s) is not supported: write an offset such as now-1d, or a date", rest)
		}
		if sign != '+' && sign != '-' {
			return t, true, fmt.Errorf("%q: after now, want an offset such as -15m, +1h or -7d", s)
		}
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 || i == len(rest) {
			return t, true, fmt.Errorf("%q: an offset is a number and a unit (y, M, w, d, h, m, s), such as -15m", s)
		}
		n, err := strconv.Atoi(rest[1:i])
		if err != nil || n > 1_000_000 {
			return t, true, fmt.Errorf("%q: offset out of range", s)
		}
		if sign == '-' {
			n = -n
		}
		switch rest[i] {
		case 'y':
			t = t.AddDate(n, 0, 0)
		case 'M':
			t = t.AddDate(0, n, 0)
		case 'w':
			t = t.AddDate(0, 0, 7*n)
		case 'd':
			t = t.AddDate(0, 0, n)
		case 'h', 'H':
			t = t.Add(time.Duration(n) * time.Hour)
		case 'm':
			t = t.Add(time.Duration(n) * time.Minute)
		case 's':
			t = t.Add(time.Duration(n) * time.Second)
		default:
			return t, true, fmt.Errorf("%q: unknown unit %q (want y, M, w, d, h, m or s)", s, rest[i])
		}
		rest = rest[i+1:]
	}
	return t, true, nil
}
