package api

import (
	"strconv"
	"strings"
	"time"
)

// parseTimeParam reads an absolute RFC 3339 time or a relative one:
// "now", "now-15m", "now-24h", "now-7d", "now-2w".
func parseTimeParam(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if v == "now" {
		return now, true
	}
	rest, ok := strings.CutPrefix(v, "now-")
	if !ok || len(rest) < 2 {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(rest[:len(rest)-1])
	if err != nil || n < 0 || n > 100000 {
		return time.Time{}, false
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[rest[len(rest)-1]]
	if unit == 0 {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(n) * unit), true
}

// timeRange reads the from and to parameters (each absolute or
// relative, either may be absent: zero) and refuses a range that ends
// before it starts, instead of answering it with an empty list.
func timeRange(get func(string) string, now time.Time) (from, to time.Time, err error) {
	var ok bool
	if from, ok = parseTimeParam(get("from"), now); !ok {
		return from, to, badRequest("validation_failed", "from", "from must be an RFC 3339 time or relative like now-24h")
	}
	if to, ok = parseTimeParam(get("to"), now); !ok {
		return from, to, badRequest("validation_failed", "to", "to must be an RFC 3339 time or relative like now-15m")
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, badRequest("validation_failed", "from", "from must be before to")
	}
	return from, to, nil
}
