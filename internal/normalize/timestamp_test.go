package normalize

import (
	"testing"
	"time"
)

// Times written without a year (RFC 3164, some device formats) take the
// latest year that puts them at most a week after the arrival.
func TestYearless(t *testing.T) {
	utc := time.UTC
	at := func(y int, m time.Month, d, hh, mm, ss int) time.Time { return time.Date(y, m, d, hh, mm, ss, 0, utc) }
	for _, c := range []struct {
		name     string
		received time.Time
		mon      time.Month
		day      int
		hh       int
		want     time.Time
	}{
		{"same day", at(2026, 11, 24, 10, 0, 5), 11, 24, 10, at(2026, 11, 24, 10, 0, 0)},
		{"december line read in january", at(2027, 1, 1, 0, 0, 5), 12, 31, 23, at(2026, 12, 31, 23, 0, 0)},
		{"january line read on new year's eve (sender ahead)", at(2026, 12, 31, 23, 59, 58), 1, 1, 0, at(2027, 1, 1, 0, 0, 0)},
		{"a few days ahead", at(2026, 11, 24, 10, 0, 0), 11, 28, 10, at(2026, 11, 28, 10, 0, 0)},
		{"more than a week ahead is last year's", at(2026, 11, 24, 10, 0, 0), 12, 5, 10, at(2025, 12, 5, 10, 0, 0)},
		{"february 29th in a common year", at(2029, 3, 1, 0, 0, 0), 2, 29, 12, at(2028, 2, 29, 12, 0, 0)},
		{"february 29th in a leap year", at(2028, 3, 1, 0, 0, 0), 2, 29, 12, at(2028, 2, 29, 12, 0, 0)},
	} {
		if got := yearless(c.received, utc, c.mon, c.day, c.hh, 0, 0, 0); !got.Equal(c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Through the syslog parser.
	eve := at(2026, 12, 31, 23, 59, 58)
	n := New(Options{Now: func() time.Time { return eve }})
	ev := n.Normalize(Input{OrgID: "o", Input: "syslog", Received: eve, Raw: []byte("<13>Jan  1 00:00:01 host app: happy new year")})
	if want := at(2027, 1, 1, 0, 0, 1); !ev.Timestamp.Equal(want) {
		t.Errorf("syslog: got %s, want %s", ev.Timestamp, want)
	}
}

func TestUSTimeWithAMPM(t *testing.T) {
	n := New(Options{Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }})
	for raw, want := range map[string]time.Time{
		`{"@timestamp":"11/24/2026 10:00:00 AM"}`: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		`{"@timestamp":"3/5/2026 1:02:03 PM"}`:    time.Date(2026, 3, 5, 13, 2, 3, 0, time.UTC),
		`{"@timestamp":"11/24/2026 12:30:00 AM"}`: time.Date(2026, 11, 24, 0, 30, 0, 0, time.UTC),
	} {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Raw: []byte(raw)})
		if !ev.Timestamp.Equal(want) {
			t.Errorf("%s: got %s, want %s", raw, ev.Timestamp, want)
		}
	}
}

func TestSpanText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:             "24h",
		87600 * time.Hour:          "3650 days",
		90 * time.Minute:           "1h30m",
		30 * time.Minute:           "30m",
		36 * time.Hour:             "36h",
		48 * time.Hour:             "2 days",
		1500 * time.Millisecond:    "1.5s",
		time.Hour + 30*time.Second: "1h0m30s",
	} {
		if got := spanText(d); got != want {
			t.Errorf("spanText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestAppendMessage(t *testing.T) {
	for _, c := range []struct {
		old  any
		msg  string
		want string
	}{
		{nil, "x: bad", "x: bad"},
		{"", "x: bad", "x: bad"},
		{"disk full", "x: bad", "disk full; x: bad"},
		{int64(42), "x: bad", "42; x: bad"},
		{"disk full; x: bad", "x: bad", "disk full; x: bad"},
	} {
		if got := AppendMessage(c.old, c.msg); got != c.want {
			t.Errorf("AppendMessage(%#v, %q) = %q, want %q", c.old, c.msg, got, c.want)
		}
	}
}
