package api

import (
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/query/lucene"
)

// parseTimeParam reads a time the way the search syntax does
// (lucene.ParseTime): RFC 3339, a date (its start), or relative to now
// ("now", "now-15m", "now-1y", "now+1d", "now-1M-2d").
func parseTimeParam(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	lo, _, err := lucene.ParseTime(v, now)
	return lo, err == nil
}

// timeError names the parameter in lucene.ParseTime's message ("takes an
// RFC 3339 time, ..." or what is wrong with a relative time).
func timeError(field string, err error) error {
	if msg := err.Error(); strings.HasPrefix(msg, "takes ") {
		return badRequest("validation_failed", field, "%s %s", field, msg)
	}
	return badRequest("validation_failed", field, "%s: %v", field, err)
}

// timeRange reads the from and to parameters (each absolute or
// relative, either may be absent: zero) and refuses a range that ends
// before it starts, instead of answering it with an empty list. A date
// as to takes in that whole day.
func timeRange(get func(string) string, now time.Time) (from, to time.Time, err error) {
	if v := get("from"); v != "" {
		if from, _, err = lucene.ParseTime(v, now); err != nil {
			return from, to, timeError("from", err)
		}
	}
	if v := get("to"); v != "" {
		if _, to, err = lucene.ParseTime(v, now); err != nil {
			return from, to, timeError("to", err)
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, badRequest("validation_failed", "from", "from must be before to")
	}
	return from, to, nil
}
