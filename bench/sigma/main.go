// Command sigma benchmarks the Sigma engine (internal/detect/sigma): it
// loads every rule of a SigmaHQ checkout, builds a realistic mix of
// events (SigmaHQ's regression events, EVTX attack samples, generated
// Linux auth and web access events), matches them on one core and on all
// cores, and compares with github.com/bradleyjkemp/sigma-go on the rules
// that library can evaluate.
//
//	go run ./bench/sigma -rules ../shared/data/sigma -events 300000
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmagoeval "github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/normalize/evtx"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sigma:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sigma", flag.ContinueOnError)
	rulesDir := fs.String("rules", "../shared/data/sigma", "SigmaHQ checkout (rules*/ and regression_data/)")
	evtxDir := fs.String("evtx", "", "more .evtx files (default: the evtx/attack-samples beside -rules)")
	n := fs.Int("events", 300000, "events to match per run")
	sgBudget := fs.Duration("sigma-go-time", 10*time.Second, "time budget for the sigma-go run")
	sample := fs.Int("sample", 1024, "also run with each rule timed on one event in this many, as the detection service samples (0: skip)")
	repeat := fs.Int("repeat", 1, "runs of each one-core measurement (the best is kept; the others show the spread)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *evtxDir == "" {
		*evtxDir = filepath.Join(filepath.Dir(filepath.Clean(*rulesDir)), "evtx", "attack-samples")
	}

	// Rules.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	rules, srcs, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	parsed := time.Since(start)
	rs := sigma.NewRuleset(sigma.Config{WildcardPlaceholders: true})
	if err := rs.AddAll(rules); err != nil {
		fmt.Fprintf(out, "compile errors:\n%v\n", err)
	}
	loaded := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	// Events.
	evs, mix, err := loadEvents(*rulesDir, *evtxDir)
	if err != nil {
		return err
	}
	// Warm the class programs once, as a running server would be.
	var dst []sigma.Match
	matchedEvents := 0
	for i := range evs {
		dst = rs.Match(&evs[i], dst[:0])
		if len(dst) > 0 {
			matchedEvents++
		}
	}

	fmt.Fprintf(out, "rules: %d loaded of %d files (parse %v, parse+compile %v), heap for the ruleset %.1f MiB\n",
		rs.Len(), len(srcs), parsed.Round(time.Millisecond), loaded.Round(time.Millisecond),
		float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20))
	fmt.Fprintf(out, "events: %d distinct (%s); %d match at least one rule\n", len(evs), mix, matchedEvents)

	// Plain and sampled runs alternate, so that a noisy neighbour slows
	// both alike.
	var one, sampled result
	var plainCPU, sampledCPU []float64
	for i := 0; i < max(*repeat, 1); i++ {
		r := bench(rs, evs, *n, 1, 0)
		if *repeat > 1 {
			fmt.Fprintf(out, "  run %d plain: %s\n", i+1, r)
		}
		plainCPU = append(plainCPU, r.cpuNs)
		if r.eps > one.eps {
			one = r
		}
		if *sample > 0 {
			r := bench(rs, evs, *n, 1, *sample)
			if *repeat > 1 {
				fmt.Fprintf(out, "  run %d sampled: %s\n", i+1, r)
			}
			sampledCPU = append(sampledCPU, r.cpuNs)
			if r.eps > sampled.eps {
				sampled = r
			}
		}
	}
	all := bench(rs, evs, *n, runtime.NumCPU(), 0)
	fmt.Fprintf(out, "eventsec GOMAXPROCS=1: %s\n", one)
	if *sample > 0 {
		fmt.Fprintf(out, "eventsec GOMAXPROCS=1, rules timed on 1 event in %d: %s (%+.1f%% events/s, best runs)\n", *sample, sampled, 100*(sampled.eps/one.eps-1))
		pm, sm := median(plainCPU), median(sampledCPU)
		fmt.Fprintf(out, "median CPU ns/event over %d runs: plain %.0f, sampled %.0f (%+.1f%%)\n", len(plainCPU), pm, sm, 100*(sm/pm-1))
	}
	fmt.Fprintf(out, "eventsec GOMAXPROCS=%d: %s\n", runtime.NumCPU(), all)

	// sigma-go on the rules it can evaluate, with the same routing.
	sg, skipped := sigmaGoRules(srcs)
	fmt.Fprintf(out, "sigma-go: %d rules it can evaluate (%d skipped: keywords, wildcards, escapes, null or modifiers it lacks)\n", len(sg), skipped)
	if len(sg) > 0 {
		eps, done := benchSigmaGo(sg, evs, *n, *sgBudget)
		fmt.Fprintf(out, "sigma-go GOMAXPROCS=1: %d events in %v: %.0f events/s, %.0f ns/event\n", done, *sgBudget, eps, 1e9/eps)
		// Our engine on the same subset, for a like-for-like ratio.
		sub := sigma.NewRuleset(sigma.Config{WildcardPlaceholders: true})
		var subRules []*sigma.Rule
		for _, r := range sg {
			subRules = append(subRules, r.rule)
		}
		_ = sub.AddAll(subRules)
		same := bench(sub, evs, *n, 1, 0)
		fmt.Fprintf(out, "eventsec on the same %d rules, GOMAXPROCS=1: %s\n", sub.Len(), same)
		fmt.Fprintf(out, "ratio (eventsec / sigma-go, same rules, one core): %.0fx\n", same.eps/eps)
	}
	return nil
}

type result struct {
	eps, ns, allocs float64
	// cpuNs is the process's CPU time per event: on a machine shared with
	// other work it moves much less than the wall-clock figures.
	cpuNs float64
	took  time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("%.0f events/s, %.0f ns/event, %.0f CPU ns/event, %.3f allocs/event (%v)", r.eps, r.ns, r.cpuNs, r.allocs, r.took.Round(time.Millisecond))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bench matches n events on procs goroutines under GOMAXPROCS=procs,
// after one untimed pass that builds the per-class matchers. With
// sampleEvery > 0, one event in that many is matched with MatchTimed and
// the times are added up per rule, as the detection service does.
func bench(rs *sigma.Ruleset, evs []event.Event, n, procs, sampleEvery int) result {
	var warm []sigma.Match
	for i := range evs {
		warm = rs.Match(&evs[i], warm[:0])
	}
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	per := n / procs
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			var dst []sigma.Match
			perRule := map[string]*atomic.Int64{}
			took := func(key string, ns int64) {
				c := perRule[key]
				if c == nil {
					c = new(atomic.Int64)
					perRule[key] = c
				}
				c.Add(ns)
			}
			for i := 0; i < per; i++ {
				if sampleEvery > 0 && i%sampleEvery == sampleEvery-1 {
					dst = rs.MatchTimed(&evs[(p*7919+i)%len(evs)], dst[:0], took)
					continue
				}
				dst = rs.Match(&evs[(p*7919+i)%len(evs)], dst[:0])
			}
		}(p)
	}
	wg.Wait()
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	done := float64(per * procs)
	return result{
		eps:    done / took.Seconds(),
		ns:     float64(took.Nanoseconds()) / done,
		allocs: float64(ms1.Mallocs-ms0.Mallocs) / done,
		cpuNs:  float64(cpu.Nanoseconds()) / done,
		took:   took,
	}
}

// loadRules parses every .yml under dir/rules*.
func loadRules(dir string) ([]*sigma.Rule, map[*sigma.Rule][]byte, error) {
	dirs, _ := filepath.Glob(filepath.Join(dir, "rules*"))
	if len(dirs) == 0 {
		return nil, nil, fmt.Errorf("no rules*/ directory under %s", dir)
	}
	var rules []*sigma.Rule
	srcs := map[*sigma.Rule][]byte{}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yml") {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs, _ := sigma.ParseDocuments(src, p)
			for _, doc := range docs {
				if doc.Rule != nil {
					rules = append(rules, doc.Rule)
					srcs[doc.Rule] = src
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return rules, srcs, nil
}

// loadEvents builds the mix: every regression .evtx, the attack samples,
// and generated Linux auth and web access events (one for every four
// Windows events).
func loadEvents(rulesDir, evtxDir string) ([]event.Event, string, error) {
	clock := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	n := normalize.New(normalize.Options{Now: func() time.Time { return clock }, MaxAge: 30 * 365 * 24 * time.Hour})
	var evs []event.Event
	readDir := func(dir string) error {
		return filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return filepath.SkipDir
				}
				return err
			}
			if e.IsDir() || !strings.EqualFold(filepath.Ext(p), ".evtx") {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = evtx.Read(f, func(rec map[string]any) error {
				raw, err := json.Marshal(rec)
				if err != nil {
					return err
				}
				evs = append(evs, n.NormalizeWindows(normalize.Input{Input: "import", Received: clock, Raw: raw, Format: normalize.FormatWindows}, rec))
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			return nil
		})
	}
	if err := readDir(filepath.Join(rulesDir, "regression_data")); err != nil {
		return nil, "", err
	}
	regression := len(evs)
	if err := readDir(evtxDir); err != nil {
		return nil, "", err
	}
	windows := len(evs)
	rng := rand.New(rand.NewPCG(1, 2))
	gen := windows / 4
	for i := 0; i < gen; i++ {
		var in normalize.Input
		if i%2 == 0 {
			in = normalize.Input{Input: "syslog", Received: clock, Raw: []byte(linuxLine(rng)), Format: normalize.FormatAuto}
		} else {
			in = normalize.Input{Input: "http", Received: clock, Raw: []byte(webLine(rng)), Format: normalize.FormatJSON}
		}
		evs = append(evs, n.Normalize(in))
	}
	if len(evs) == 0 {
		return nil, "", fmt.Errorf("no events found")
	}
	mix := fmt.Sprintf("%d SigmaHQ regression, %d EVTX attack samples, %d generated Linux auth and web access", regression, windows-regression, gen)
	return evs, mix, nil
}

var users = []string{"root", "alice", "bob", "admin", "deploy", "postgres", "www-data"}

func ip(rng *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
}

func linuxLine(rng *rand.Rand) string {
	host := fmt.Sprintf("srv%02d", rng.IntN(20))
	ts := "Sep  1 12:00:00"
	u := users[rng.IntN(len(users))]
	switch rng.IntN(6) {
	case 0:
		return fmt.Sprintf("<38>%s %s sshd[%d]: Failed password for %s from %s port %d ssh2", ts, host, 1000+rng.IntN(9000), u, ip(rng), 1024+rng.IntN(60000))
	case 1:
		return fmt.Sprintf("<38>%s %s sshd[%d]: Accepted publickey for %s from %s port %d ssh2: RSA SHA256:abc", ts, host, 1000+rng.IntN(9000), u, ip(rng), 1024+rng.IntN(60000))
	case 2:
		return fmt.Sprintf("<85>%s %s sudo: %s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx", ts, host, u, rng.IntN(5), u)
	case 3:
		return fmt.Sprintf("<38>%s %s sshd[%d]: Invalid user %s from %s port %d", ts, host, 1000+rng.IntN(9000), u+"x", ip(rng), 1024+rng.IntN(60000))
	case 4:
		return fmt.Sprintf("<86>%s %s su: pam_unix(su:session): session opened for user root by %s(uid=1000)", ts, host, u)
	}
	return fmt.Sprintf("<78>%s %s CRON[%d]: (%s) CMD (/usr/local/bin/backup.sh --full)", ts, host, 1000+rng.IntN(9000), u)
}

var (
	paths  = []string{"/", "/index.html", "/login.php", "/api/v1/users", "/static/app.js", "/wp-admin/admin-ajax.php", "/search?q=shoes", "/cgi-bin/status"}
	agents = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", "curl/8.4.0", "python-requests/2.31.0", "Go-http-client/1.1"}
	status = []int{200, 200, 200, 301, 404, 500}
)

func webLine(rng *rand.Rand) string {
	doc := map[string]any{
		"event.dataset": "nginx.access",
		"src_ip":        ip(rng),
		"method":        []string{"GET", "GET", "POST"}[rng.IntN(3)],
		"url":           paths[rng.IntN(len(paths))],
		"useragent":     agents[rng.IntN(len(agents))],
		"status":        status[rng.IntN(len(status))],
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// sgRule is a rule sigma-go can evaluate, with its evaluator.
type sgRule struct {
	rule   *sigma.Rule
	eval   *sigmagoeval.RuleEvaluator
	fields []string
}

// sigmaGoRules returns the rules sigma-go evaluates as the specification
// says: no keywords, wildcards, escapes, null values or modifiers it
// lacks (windash, exists, fieldref, base64offset, re flags, ...).
func sigmaGoRules(srcs map[*sigma.Rule][]byte) ([]sgRule, int) {
	var out []sgRule
	skipped := 0
	for r, src := range srcs {
		fields, ok := sigmaGoCapable(r)
		if !ok {
			skipped++
			continue
		}
		parsed, err := sigmago.ParseRule(src)
		if err != nil {
			skipped++
			continue
		}
		out = append(out, sgRule{rule: r, eval: sigmagoeval.ForRule(parsed), fields: fields})
	}
	return out, skipped
}

var sigmaGoModifiers = map[string]bool{"contains": true, "startswith": true, "endswith": true, "re": true, "cidr": true, "gt": true, "gte": true, "lt": true, "lte": true, "base64": true}

func sigmaGoCapable(r *sigma.Rule) ([]string, bool) {
	var fields []string
	for _, s := range r.Detection.Searches {
		for _, alt := range s.Alternatives {
			for _, it := range alt.Items {
				if it.Field == "" {
					return nil, false
				}
				for i, m := range it.Modifiers {
					if m == "all" && i == len(it.Modifiers)-1 {
						continue
					}
					if !sigmaGoModifiers[m] {
						return nil, false
					}
				}
				for _, v := range it.Values {
					switch v.Kind {
					case sigma.KindString:
						for _, p := range v.Pattern {
							if p.Kind != sigma.PartLit && !(p.Kind == sigma.PartStar && hasStarModifier(it.Modifiers)) {
								return nil, false
							}
							if p.Kind == sigma.PartLit && (strings.Contains(p.Text, `\`) && strings.ContainsAny(p.Text, "*?")) {
								return nil, false
							}
						}
					case sigma.KindRegex, sigma.KindCIDR, sigma.KindCompare:
					default:
						return nil, false
					}
				}
				fields = append(fields, it.Field)
			}
		}
	}
	return fields, true
}

// hasStarModifier: the stars a contains/startswith/endswith modifier
// added are fine; sigma-go adds none but compares the same way.
func hasStarModifier(mods []string) bool {
	for _, m := range mods {
		if m == "contains" || m == "startswith" || m == "endswith" {
			return true
		}
	}
	return false
}

// benchSigmaGo evaluates each event against the sigma-go rules routed to
// it (by the same logsource routing), for at most budget.
func benchSigmaGo(rules []sgRule, evs []event.Event, n int, budget time.Duration) (float64, int) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	// Per event: the routed rules and the event as sigma-go reads it
	// (Sigma field names, read with EventSec's mapping), made up front.
	type prepared struct {
		rules []*sgRule
		doc   map[string]any
	}
	prep := make([]prepared, len(evs))
	for i := range evs {
		ls := sigma.EventLogsources(&evs[i])
		doc := map[string]any{}
		for j := range rules {
			r := &rules[j]
			if !ls.Matches(r.rule.Logsource) {
				continue
			}
			prep[i].rules = append(prep[i].rules, r)
			for _, f := range r.fields {
				if _, done := doc[f]; done {
					continue
				}
				if vals := sigma.Resolve(&evs[i], r.rule, f); len(vals) > 0 {
					doc[f] = vals[0]
				}
			}
		}
		prep[i].doc = doc
	}
	ctx := context.Background()
	start := time.Now()
	done := 0
	for done < n && time.Since(start) < budget {
		for k := 0; k < 64 && done < n; k++ {
			p := &prep[done%len(prep)]
			for _, r := range p.rules {
				_, _ = r.eval.Matches(ctx, p.doc)
			}
			done++
		}
	}
	return float64(done) / time.Since(start).Seconds(), done
}
