package correlate

import (
	"fmt"
	"math"
	"time"
)

// maxTimespan bounds a timespan so that window arithmetic on Unix
// nanoseconds cannot overflow: ten years is far beyond any sensible
// correlation window.
const maxTimespan = 10 * 365 * 24 * time.Hour

// ParseDuration parses a Sigma correlation timespan: a positive decimal
// integer followed by one lowercase unit letter, "s" (seconds), "m"
// (minutes), "h" (hours) or "d" (days), as the specification defines
// ("90m" is an hour and a half). "w" (weeks of 7 days) is accepted as
// well because pySigma accepts it. Anything else — signs, fractions,
// spaces, compound forms like "1h30m", upper-case units, zero — is an
// error.
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("timespan %q must be a number followed by s, m, h or d", s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("timespan %q has unknown unit %q (want s, m, h or d)", s, s[len(s)-1:])
	}
	var n int64
	for i := 0; i < len(s)-1; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("timespan %q must be a whole number followed by s, m, h or d", s)
		}
		if n > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("timespan %q is too long", s)
		}
		n = n*10 + int64(c-'0')
	}
	if n == 0 {
		return 0, fmt.Errorf("timespan %q must be greater than zero", s)
	}
	if n > int64(maxTimespan/unit) {
		return 0, fmt.Errorf("timespan %q is longer than the maximum of %dd", s, int64(maxTimespan/(24*time.Hour)))
	}
	return time.Duration(n) * unit, nil
}

// formatDuration renders d in the largest Sigma unit that divides it,
// the inverse of ParseDuration.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
