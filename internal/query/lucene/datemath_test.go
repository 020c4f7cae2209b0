package lucene

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Times relative to now, as Kibana users write them: in the search
// (compiled once) and in a live filter (which moves with the clock).
func TestDateMath(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)
	defer func(f func() time.Time) { timeNow = f }(timeNow)
	timeNow = func() time.Time { return now }
	for s, want := range map[string]time.Time{
		"now":         now,
		"NOW-15m":     now.Add(-15 * time.Minute),
		"now-1h":      now.Add(-time.Hour),
		"now+2H":      now.Add(2 * time.Hour),
		"now-7d":      now.AddDate(0, 0, -7),
		"now-2w":      now.AddDate(0, 0, -14),
		"now-1M":      now.AddDate(0, -1, 0),
		"now-1y":      now.AddDate(-1, 0, 0),
		"now-30s":     now.Add(-30 * time.Second),
		"now-1d+12h":  now.Add(-12 * time.Hour),
		"now-90m-30m": now.Add(-2 * time.Hour),
	} {
		got, ok, err := dateMath(s, now)
		if !ok || err != nil || !got.Equal(want) {
			t.Errorf("dateMath(%q) = %s %v %v, want %s", s, got, ok, err, want)
		}
	}
	for s, msg := range map[string]string{
		"now/d": "rounding", "now-1x": "unknown unit", "now-": "a number and a unit", "now-h": "a number and a unit",
		"nowish": "want an offset", "now-99999999d": "out of range",
	} {
		if _, ok, err := dateMath(s, now); !ok || err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("dateMath(%q): %v %v, want an error about %s", s, ok, err, msg)
		}
	}
	if _, ok, _ := dateMath("2026-11-20", now); ok {
		t.Error("a date is not date math")
	}
	// Compiled: the bound is the time then.
	n, err := Parse("@timestamp:>now-1h")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Compile(n, resolver)
	if err != nil || f.SQL != "(ts > ?)" || !reflect.DeepEqual(f.Args, []any{now.Add(-time.Hour)}) {
		t.Fatalf("compiled: %v %s %v", err, f.SQL, f.Args)
	}
	for _, q := range []string{"@timestamp:>now/d", "@timestamp:[now-1x TO now]"} {
		n, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(n, resolver); err == nil {
			t.Errorf("Compile(%q): no error", q)
		}
	}
	// Matched live: the window moves with the clock.
	m, err := NewMatcher("@timestamp:>now-5m")
	if err != nil {
		t.Fatal(err)
	}
	ev := event.Event{Timestamp: now.Add(-time.Minute), Fields: event.Fields{}}
	if !m.Match(ev) {
		t.Fatal("an event a minute old is within now-5m")
	}
	now = now.Add(10 * time.Minute)
	if m.Match(ev) {
		t.Fatal("ten minutes later it is not")
	}
}
