// Command vuln benchmarks the vulnerability matcher (internal/vuln): it
// generates synthetic OSV records in each database's style, packs them per
// ecosystem as osv.dev publishes them (one all.zip each), imports them,
// saves and loads the database, and matches generated endpoints of 2,000
// installed packages each.
//
//	go run ./bench/vuln -records 100000 -packages 2000 -hosts 12
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/eventsec/eventsec/internal/vuln"
	"github.com/eventsec/eventsec/internal/vuln/vulntest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/vuln:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("vuln", flag.ContinueOnError)
	records := fs.Int("records", 100_000, "OSV records to generate")
	packages := fs.Int("packages", 2000, "installed packages per endpoint")
	hosts := fs.Int("hosts", 12, "endpoints to match")
	rounds := fs.Int("rounds", 5, "times each endpoint is matched")
	seed := fs.Uint64("seed", 1, "random seed")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of import, save, load and match to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-vuln-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	start := time.Now()
	corpus, err := vulntest.Generate(*records, *seed)
	if err != nil {
		return err
	}
	paths, err := corpus.WriteArchives(dir)
	if err != nil {
		return err
	}
	var zipBytes int64
	for _, d := range corpus.Archives {
		zipBytes += int64(len(d))
	}
	hs := corpus.Hosts(*hosts, *packages)
	fmt.Fprintf(out, "generated  %d records, %d archives, %.1f MB JSON, %.1f MB zipped in %v\n",
		corpus.Records, len(paths), mb(corpus.Bytes), mb(zipBytes), time.Since(start).Round(time.Millisecond))
	corpus = nil // let the archives go before measuring the database

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := heap()
	db := vuln.New(vuln.Options{Logger: quiet})
	start, cpu := time.Now(), cpuTime()
	rep, err := db.Import(ctx, paths...)
	if err != nil {
		return err
	}
	importTime, importCPU := time.Since(start), cpuTime()-cpu
	after := heap()
	runtime.KeepAlive(db)
	st := db.Stats()
	fmt.Fprintf(out, "import     %v wall, %v CPU (%.0f records/s): %d records, %d advisories, %d affected packages, %d errors, %d warnings\n",
		importTime.Round(time.Millisecond), importCPU.Round(time.Millisecond), float64(rep.Records)/importTime.Seconds(),
		rep.Records, st.Advisories, st.AffectedPackages, len(rep.Errors), len(rep.Warnings))
	grown := int64(after) - int64(before)
	fmt.Fprintf(out, "memory     %.1f MB heap for the database (%.0f bytes/record)\n", mb(grown), float64(grown)/float64(max(st.Advisories, 1)))

	start, cpu = time.Now(), cpuTime()
	if err := db.Save(ctx, dir); err != nil {
		return err
	}
	saveTime, saveCPU := time.Since(start), cpuTime()-cpu
	fi, err := os.Stat(filepath.Join(dir, vuln.FileName))
	if err != nil {
		return err
	}
	db2 := vuln.New(vuln.Options{Logger: quiet})
	start, cpu = time.Now(), cpuTime()
	if err := db2.Load(ctx, dir); err != nil {
		return err
	}
	loadTime, loadCPU := time.Since(start), cpuTime()-cpu
	fmt.Fprintf(out, "save       %v wall, %v CPU, %.1f MB on disk\n", saveTime.Round(time.Millisecond), saveCPU.Round(time.Millisecond), mb(fi.Size()))
	fmt.Fprintf(out, "load       %v wall, %v CPU\n", loadTime.Round(time.Millisecond), loadCPU.Round(time.Millisecond))

	var times []time.Duration
	var findings, candidates, pkgs int
	cpu = cpuTime()
	for r := 0; r < *rounds; r++ {
		for _, h := range hs {
			start := time.Now()
			res := db2.MatchReport(h.Packages)
			times = append(times, time.Since(start))
			if r == 0 {
				findings += len(res.Findings)
				candidates += res.Candidates
				pkgs += res.Packages
			}
		}
	}
	matchCPU := cpuTime() - cpu
	slices.Sort(times)
	fmt.Fprintf(out, "match      %d endpoints x %d packages, %d rounds: wall p50 %v, p99 %v, max %v; CPU %v per endpoint on average\n",
		len(hs), *packages, *rounds, pct(times, 50), pct(times, 99), times[len(times)-1].Round(time.Microsecond),
		(matchCPU / time.Duration(len(times))).Round(time.Microsecond))
	fmt.Fprintf(out, "           %.1f findings and %.0f candidate entries per endpoint on average (target: under 1s per endpoint)\n",
		float64(findings)/float64(len(hs)), float64(candidates)/float64(len(hs)))
	_ = pkgs
	return nil
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mb[T int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	if i > 0 {
		i--
	}
	return sorted[i].Round(time.Microsecond)
}
