package ingest

import (
	"sync"
	"time"
)

// LogLimiter lets one log line through per interval and counts the
// others, so that a flood of the same expected occurrence (refused or
// evicted connections, back-pressure answers) costs one line per interval
// instead of one per occurrence, and the line says how many it stands
// for. The zero value logs at most once every 10 seconds.
type LogLimiter struct {
	Every time.Duration

	mu         sync.Mutex // guards last and suppressed
	last       time.Time
	suppressed int
}

// Allow reports whether to log at now and, if so, how many occurrences
// were not logged since the last line.
func (l *LogLimiter) Allow(now time.Time) (ok bool, suppressed int) {
	every := l.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.suppressed++
		return false, 0
	}
	l.last = now
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
