package sigma

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// benchEvents are the regression events and the EVTX attack samples,
// normalized once.
func benchEvents(b testing.TB) []event.Event {
	n := newNormalizer()
	var evs []event.Event
	for _, rc := range regressionCases(b) {
		evs = append(evs, readEVTX(b, n, rc.evtx)...)
	}
	return append(evs, benchEventsFrom(b, n, evtxSamples)...)
}

// benchEventsFrom normalizes every .evtx file under dir.
func benchEventsFrom(tb testing.TB, n *normalize.Normalizer, dir string) []event.Event {
	var evs []event.Event
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".evtx") {
			return nil
		}
		evs = append(evs, readEVTX(tb, n, p)...)
		return nil
	})
	return evs
}

// BenchmarkMatch matches the realistic mix of Windows events against all
// SigmaHQ rules on one goroutine.
func BenchmarkMatch(b *testing.B) {
	c := loadCorpus(b)
	rs := NewRuleset(testConfig)
	if err := rs.AddAll(c.rules); err != nil {
		b.Logf("compile: %v", err)
	}
	evs := benchEvents(b)
	var dst []Match
	matches := 0
	for i := range evs {
		dst = rs.Match(&evs[i], dst[:0])
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = rs.Match(&evs[i%len(evs)], dst[:0])
		matches += len(dst)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMatchTimed is BenchmarkMatch with every candidate rule timed:
// what one sampled event costs. The detection service samples one event
// in 1,024, so its cost per event is (this - BenchmarkMatch) / 1,024.
func BenchmarkMatchTimed(b *testing.B) {
	c := loadCorpus(b)
	rs := NewRuleset(testConfig)
	if err := rs.AddAll(c.rules); err != nil {
		b.Logf("compile: %v", err)
	}
	evs := benchEvents(b)
	var dst []Match
	for i := range evs {
		dst = rs.Match(&evs[i], dst[:0])
	}
	perRule := map[string]int64{}
	took := func(key string, ns int64) { perRule[key] += ns }
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = rs.MatchTimed(&evs[i%len(evs)], dst[:0], took)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
