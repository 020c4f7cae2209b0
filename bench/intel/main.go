// Command intel measures threat-intel matching at scale: a matcher over
// 1,000,000 live indicators of mixed types (addresses, CIDR blocks,
// domains, URLs, hashes, e-mail addresses), its memory per indicator, its
// lookups per second on realistic events (bench/events/eventgen, with some
// of their own external addresses planted as indicators so that matches
// happen at a realistic rate), the cost of an update, and the ingest
// pipeline's throughput over the real DuckDB event store with and without
// intel matching.
//
//	go run ./bench/intel                       # 1M indicators, 200k events
//	go run ./bench/intel -indicators 100000 -events 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/normalize"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/intel:", err)
		os.Exit(1)
	}
}

func run() error {
	nInd := flag.Int("indicators", 1_000_000, "live indicators in the matcher")
	nEv := flag.Int("events", 200_000, "events per measurement")
	plant := flag.Float64("plant", 0.01, "share of the events' distinct external addresses planted as indicators")
	pipeline := flag.Bool("pipeline", true, "measure the ingest pipeline with and without matching")
	rounds := flag.Int("rounds", 2, "pipeline rounds per configuration (the best counts)")
	flag.Parse()
	fmt.Printf("bench/intel: %d indicators, %d events, GOMAXPROCS %d, %s\n\n", *nInd, *nEv, runtime.GOMAXPROCS(0), runtime.Version())

	gen := eventgen.New(eventgen.Options{Count: *nEv})
	events := gen.Batch(*nEv)

	// The events' external addresses: some become indicators.
	seen := map[string]bool{}
	var external []string
	for _, ev := range events {
		for _, f := range []string{"source.ip", "destination.ip"} {
			ip, _ := ev.Fields[f].(string)
			if ip != "" && !seen[ip] && !isPrivate(ip) {
				seen[ip] = true
				external = append(external, ip)
			}
		}
	}
	// Planted addresses are spread over the list, which is in order of
	// first appearance: taking its head would plant only the noisiest.
	var plantedIPs []string
	if k := int(1 / *plant); *plant > 0 && k > 0 {
		for i := k / 2; i < len(external); i += k {
			plantedIPs = append(plantedIPs, external[i])
		}
	}
	planted := len(plantedIPs)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	refs := makeIndicators(*nInd-planted, plantedIPs)
	m := intel.NewMatcher(refs)
	build := time.Since(start)
	refs = nil
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perInd := float64(after.HeapAlloc-before.HeapAlloc) / float64(*nInd)
	fmt.Printf("matcher: %d indicators (%d planted from the events' %d external addresses), built in %s\n", m.Len(), planted, len(external), build.Round(time.Millisecond))
	fmt.Printf("memory:  %.0f bytes per indicator (%.0f MiB heap for the matcher and its indicators)\n\n", perInd, float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))

	// Lookups: one core, then every core.
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var buf []intel.Match
	matched := 0
	for _, ev := range events[:min(len(events), 10_000)] { // warm up
		buf = m.Match(&ev, now, buf[:0])
	}
	start = time.Now()
	reps := 3
	for r := 0; r < reps; r++ {
		for i := range events {
			buf = m.Match(&events[i], now, buf[:0])
			if r == 0 && len(buf) > 0 {
				matched++
			}
		}
	}
	el := time.Since(start)
	n := reps * len(events)
	fmt.Printf("lookups, 1 core:   %8.0f events/s  (%.0f ns/event; %.2f%% of events match)\n", float64(n)/el.Seconds(), float64(el.Nanoseconds())/float64(n), 100*float64(matched)/float64(len(events)))
	procs := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var total atomic.Int64
	start = time.Now()
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			var b []intel.Match
			c := 0
			for r := 0; r < reps; r++ {
				for i := p; i < len(events); i += procs {
					b = m.Match(&events[i], now, b[:0])
					c++
				}
			}
			total.Add(int64(c))
		}(p)
	}
	wg.Wait()
	el = time.Since(start)
	fmt.Printf("lookups, %d cores:  %8.0f events/s\n\n", procs, float64(total.Load())/el.Seconds())

	// Updates: one indicator (a delta layer), then a compaction.
	start = time.Now()
	m.Apply([]*intel.Ref{{ID: "new-1", Type: intel.TypeIPv4, Value: "192.0.2.1", Severity: "high"}}, nil)
	one := time.Since(start)
	var many []*intel.Ref
	for i := 0; i < *nInd/16+1; i++ {
		many = append(many, &intel.Ref{ID: fmt.Sprintf("bulk-%d", i), Type: intel.TypeIPv4, Value: fmt.Sprintf("100.%d.%d.%d", 64+(i>>16)%64, (i>>8)&255, i&255), Severity: "low"})
	}
	start = time.Now()
	m.Apply(many, nil)
	compact := time.Since(start)
	fmt.Printf("update:  add 1 indicator %s (lookups never wait: snapshots are swapped atomically); add %d (compacting the base) %s\n\n",
		one.Round(time.Microsecond), len(many), compact.Round(time.Millisecond))

	if !*pipeline {
		return nil
	}
	// The pipeline over the real DuckDB store, without and with matching.
	enricher := matcherEnricher{m}
	results := map[bool]float64{}
	cpuPer := map[bool]float64{}
	var matchedStored atomic.Int64
	for r := 0; r < *rounds; r++ {
		for _, with := range []bool{false, true} {
			var e ingest.Enricher
			if with {
				e = enricher
			}
			rate, cpu, hits, err := pipelineRun(events, e, r, with)
			if err != nil {
				return err
			}
			if with {
				matchedStored.Store(hits)
			}
			results[with] = max(results[with], rate)
			if cpuPer[with] == 0 || cpu < cpuPer[with] {
				cpuPer[with] = cpu
			}
			fmt.Printf("pipeline round %d, %-16s %8.0f events/s, %6.1f µs CPU/event\n", r+1, map[bool]string{false: "without intel:", true: "with intel:"}[with], rate, cpu)
		}
	}
	drop := 100 * (1 - results[true]/results[false])
	fmt.Printf("\npipeline (DuckDB store, best of %d): without %.0f events/s, with %.0f events/s: %.1f%% drop in wall-clock throughput (target < 10%%); %d stored events enriched\n",
		*rounds, results[false], results[true], drop, matchedStored.Load())
	fmt.Printf("CPU per event (this process, user+system, best of %d): without %.1f µs, with %.1f µs: +%.1f%%; wall-clock figures move with other load on the machine, CPU time much less\n",
		*rounds, cpuPer[false], cpuPer[true], 100*(cpuPer[true]/cpuPer[false]-1))
	return nil
}

// matcherEnricher is what intel.Service.Enrich does on the hot path.
type matcherEnricher struct{ m *intel.Matcher }

func (e matcherEnricher) Enrich(ev *event.Event) {
	ms := e.m.Match(ev, ev.Ingested, nil)
	if len(ms) > 0 {
		intel.Annotate(ev, ms)
	}
}

// pipelineRun submits copies of events to a fresh pipeline over a DuckDB
// store in a temporary directory, from 4 submitters in batches of 2000,
// and returns events/s and how many stored events carry a match.
func pipelineRun(events []event.Event, e ingest.Enricher, round int, with bool) (rate, cpuPerEvent float64, hits int64, err error) {
	dir, err := os.MkdirTemp("", "eventsec-bench-intel-")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := duckdb.Open(ctx, duckdb.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, 0, 0, err
	}
	defer st.Close()
	pipe, err := ingest.New(ingest.Options{Sink: st, Normalizer: normalize.New(normalize.Options{}), Enricher: e})
	if err != nil {
		return 0, 0, 0, err
	}
	// Fresh copies: the pipeline changes events in place. IDs differ per
	// round so that nothing is a duplicate.
	copies := make([]event.Event, len(events))
	for i, ev := range events {
		f := make(event.Fields, len(ev.Fields)+12)
		for k, v := range ev.Fields {
			f[k] = v
		}
		ev.Fields = f
		ev.ID = fmt.Sprintf("%s-%d-%v", ev.ID, round, with)
		copies[i] = ev
	}
	debug.FreeOSMemory()
	const batch, workers = 2000, 4
	var next atomic.Int64
	var nhits atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	cpu0 := cpuTime()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= len(copies) {
					return
				}
				res, err := pipe.SubmitWait(ctx, copies[lo:min(lo+batch, len(copies))], "bench")
				if err != nil {
					errc <- err
					return
				}
				for i := range res.Committed {
					if _, ok := res.Committed[i].Fields[intel.FieldMatchedID]; ok {
						nhits.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime() - cpu0
	select {
	case err := <-errc:
		return 0, 0, 0, err
	default:
	}
	return float64(len(copies)) / el.Seconds(), float64(cpu.Microseconds()) / float64(len(copies)), nhits.Load(), nil
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func isPrivate(ip string) bool {
	return len(ip) > 3 && (ip[:3] == "10." || ip[:4] == "192." && len(ip) > 8 && ip[:8] == "192.168." || ip[:4] == "172.")
}

// makeIndicators returns n synthetic indicators of mixed types (40% IPv4,
// 5% CIDR, 25% domains, 10% URLs, 15% SHA-256, 3% MD5, 2% e-mail) plus
// the planted addresses.
func makeIndicators(n int, planted []string) []*intel.Ref {
	r := rand.New(rand.NewPCG(7, 11))
	refs := make([]*intel.Ref, 0, n+len(planted))
	sev := []string{"low", "medium", "high", "critical"}
	hexs := func(k int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, k)
		for i := range b {
			b[i] = digits[r.IntN(16)]
		}
		return string(b)
	}
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 5+r.IntN(8))
		for i := range b {
			b[i] = letters[r.IntN(26)]
		}
		return string(b)
	}
	tlds := []string{"com", "net", "org", "info", "xyz", "top", "ru", "cn", "io"}
	for i := 0; i < n; i++ {
		ref := &intel.Ref{ID: fmt.Sprintf("%032x", i), Source: "feed:bench", Severity: sev[r.IntN(4)], Confidence: r.IntN(101)}
		p := r.IntN(100)
		switch {
		case p < 40:
			// Public-looking addresses outside the events' ranges.
			ref.Type, ref.Value = intel.TypeIPv4, fmt.Sprintf("%d.%d.%d.%d", 100+r.IntN(20), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		case p < 45:
			bits := 16 + r.IntN(13)
			ref.Type, ref.Value = intel.TypeCIDR, fmt.Sprintf("%d.%d.%d.0/%d", 130+r.IntN(20), r.IntN(256), r.IntN(256), bits)
		case p < 70:
			ref.Type, ref.Value = intel.TypeDomain, word()+"."+word()+"."+tlds[r.IntN(len(tlds))]
		case p < 80:
			ref.Type, ref.Value = intel.TypeURL, "http://"+word()+"."+tlds[r.IntN(len(tlds))]+"/"+word()+"/"+hexs(8)+".php"
		case p < 95:
			ref.Type, ref.Value = intel.TypeSHA256, hexs(64)
		case p < 98:
			ref.Type, ref.Value = intel.TypeMD5, hexs(32)
		default:
			ref.Type, ref.Value = intel.TypeEmail, word()+"@"+word()+"."+tlds[r.IntN(len(tlds))]
		}
		if v, err := intel.Normalize(ref.Type, ref.Value); err == nil {
			ref.Value = v
		}
		refs = append(refs, ref)
	}
	for i, ip := range planted {
		refs = append(refs, &intel.Ref{ID: fmt.Sprintf("planted-%d", i), Type: intel.TypeIPv4, Value: ip, Source: "bench", Severity: "high", Confidence: 80})
	}
	return refs
}
