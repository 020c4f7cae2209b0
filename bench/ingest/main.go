// Command ingest measures sustained, durable ingest: N events over HTTP
// NDJSON (POST /api/v1/events, concurrent clients) and N syslog lines over
// TCP, with parsing (the real normalizer) and enrichment (GeoIP) on.
// An event counts once the server has acknowledged it (HTTP 202: durable)
// or, for syslog, once the store reports it stored.
//
// By default it runs the real pipeline in process, over the real DuckDB
// event store in a temporary directory. With --url it drives a running
// `eventsec serve` instead (--api-key with events:write; --syslog the
// server's syslog TCP address; progress read from its /metrics).
//
//	go run ./bench/ingest -n 500000
//	go run ./bench/ingest -url http://localhost:8080 -api-key esk_... -syslog localhost:5514
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ingest:", err)
		os.Exit(1)
	}
}

type config struct {
	n         int
	clients   int
	batch     int
	conns     int
	url       string
	apiKey    string
	syslog    string
	store     string
	dir       string
	geoip     string
	phases    string
	keepStore bool
}

func run() error {
	var c config
	flag.IntVar(&c.n, "n", 300_000, "events per phase")
	flag.IntVar(&c.clients, "clients", 4, "concurrent HTTP clients")
	flag.IntVar(&c.batch, "batch", 2000, "events per HTTP request")
	flag.IntVar(&c.conns, "conns", 2, "syslog TCP connections")
	flag.StringVar(&c.url, "url", "", "base URL of a running eventsec serve (default: in-process pipeline)")
	flag.StringVar(&c.apiKey, "api-key", os.Getenv("EVENTSEC_API_KEY"), "API key with events:write (with -url)")
	flag.StringVar(&c.syslog, "syslog", "", "syslog TCP address of the running server (with -url)")
	flag.StringVar(&c.store, "store", "duckdb", "in-process store: duckdb, or memory (no disk: measures ingest alone)")
	flag.StringVar(&c.dir, "dir", "", "directory for the in-process store (default: a temporary one, removed)")
	flag.StringVar(&c.geoip, "geoip", "../shared/data/geoip", "directory with GeoIP .mmdb files for enrichment (in process)")
	flag.StringVar(&c.phases, "phases", "http,syslog", "phases to run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the phases to this file")
	flag.Parse()

	target, err := newTarget(&c)
	if err != nil {
		return err
	}
	defer target.close()
	fmt.Printf("eventsec ingest benchmark  (%d CPUs, GOMAXPROCS %d, %s)\n", numCPU(), runtime.GOMAXPROCS(0), target.describe())
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average before the run: %s", la)
	}
	fmt.Printf("events: bench/events/eventgen mix (sshd, sudo, Windows 4624/4625/4688, Sysmon 1/3, CEF, web), %d per phase\n\n", c.n)

	g := eventgen.New(eventgen.Options{Count: 2 * c.n})
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
	for _, phase := range strings.Split(c.phases, ",") {
		switch strings.TrimSpace(phase) {
		case "http":
			evs := g.Batch(c.n)
			if err := benchHTTP(&c, target, evs); err != nil {
				return err
			}
		case "syslog":
			evs := g.Batch(c.n)
			if err := benchSyslog(&c, target, evs); err != nil {
				return err
			}
		case "":
		default:
			return fmt.Errorf("unknown phase %q", phase)
		}
	}
	return nil
}

// target is what is measured: the in-process pipeline, or a server.
type target interface {
	describe() string
	eventsURL() string
	authHeader() string
	syslogAddr() string
	// stored returns the events stored + found duplicate by a listener.
	stored(listener string) (float64, error)
	// cpu is the CPU the server has used so far (0 when unknown).
	cpu() time.Duration
	close()
}

func benchHTTP(c *config, t target, evs []event.Event) error {
	var bodies [][]byte
	for start := 0; start < len(evs); start += c.batch {
		var b bytes.Buffer
		for _, ev := range evs[start:min(start+c.batch, len(evs))] {
			if err := eventgen.NDJSON(&b, ev); err != nil {
				return err
			}
		}
		bodies = append(bodies, b.Bytes())
	}
	var size int64
	for _, b := range bodies {
		size += int64(len(b))
	}
	tr := &http.Transport{MaxIdleConnsPerHost: c.clients, MaxConnsPerHost: c.clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		lat       []time.Duration
		accepted  int
		retries   int
		firstErr  error
		wg        sync.WaitGroup
		cpu0      = t.cpu()
		startWall = time.Now()
	)
	for range c.clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				for {
					t0 := time.Now()
					n, retry, err := post(client, t, bodies[i])
					d := time.Since(t0)
					mu.Lock()
					switch {
					case err != nil:
						if firstErr == nil {
							firstErr = err
						}
					case retry > 0:
						retries++
					default:
						lat = append(lat, d)
						accepted += n
					}
					mu.Unlock()
					if err != nil {
						return
					}
					if retry > 0 {
						time.Sleep(retry)
						continue
					}
					break
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(startWall)
	cpu := t.cpu() - cpu0
	if firstErr != nil {
		return fmt.Errorf("HTTP phase: %w", firstErr)
	}
	slices.Sort(lat)
	fmt.Printf("HTTP NDJSON  POST /api/v1/events, %d clients, %d events/request (%.1f MiB, %.0f bytes/event)\n",
		c.clients, c.batch, float64(size)/(1<<20), float64(size)/float64(len(evs)))
	fmt.Printf("  acknowledged durable: %d events in %s = %.0f events/s\n", accepted, el.Round(time.Millisecond), float64(accepted)/el.Seconds())
	fmt.Printf("  request latency: p50 %s  p99 %s  max %s   (%d requests, %d refused with 429 and retried)\n",
		pct(lat, 50), pct(lat, 99), pct(lat, 100), len(lat), retries)
	printCPU(cpu, el, accepted)
	fmt.Println()
	return nil
}

// printCPU reports the CPU used per event: unlike events/s it does not
// depend on what else the machine is running.
func printCPU(cpu, el time.Duration, n int) {
	if cpu <= 0 || n == 0 {
		return
	}
	per := cpu / time.Duration(n)
	fmt.Printf("  server CPU: %.2f cores busy, %s per event (in process, the clients' share is included)\n",
		cpu.Seconds()/el.Seconds(), per.Round(100*time.Nanosecond))
	fmt.Printf("  at that cost, %d idle cores would ingest %.0f events/s\n", runtime.NumCPU(), float64(runtime.NumCPU())/per.Seconds())
}

// post sends one body; retry > 0 means the server asked to retry later.
func post(client *http.Client, t target, body []byte) (int, time.Duration, error) {
	req, err := http.NewRequest("POST", t.eventsURL(), bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if a := t.authHeader(); a != "" {
		req.Header.Set("Authorization", a)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusAccepted:
		// {"accepted":N,...}
		s := string(b)
		i := strings.Index(s, `"accepted":`)
		if i < 0 {
			return 0, 0, fmt.Errorf("unexpected 202 body %q", b)
		}
		s = s[i+len(`"accepted":`):]
		j := strings.IndexAny(s, ",}")
		n, err := strconv.Atoi(strings.TrimSpace(s[:j]))
		return n, 0, err
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return 0, time.Duration(max(secs, 1)) * 100 * time.Millisecond, nil
	}
	return 0, 0, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
}

func benchSyslog(c *config, t target, evs []event.Event) error {
	addr := t.syslogAddr()
	if addr == "" {
		fmt.Println("syslog TCP: skipped (no -syslog address)")
		return nil
	}
	before, err := t.stored("syslog_tcp")
	if err != nil {
		return err
	}
	// Lines are made distinct by a sequence number in the message so that
	// every one is a new event (identical lines would be duplicates).
	lines := make([][]byte, c.conns)
	var size int64
	for i, ev := range evs {
		l := eventgen.SyslogLine(ev)
		l = strings.ReplaceAll(l, "\n", " ") + " seq=" + strconv.Itoa(i) + "\n"
		lines[i%c.conns] = append(lines[i%c.conns], l...)
		size += int64(len(l))
	}
	cpu0 := t.cpu()
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, c.conns)
	for i := range c.conns {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errc <- err
				return
			}
			defer conn.Close()
			w := bufio.NewWriterSize(conn, 256<<10)
			if _, err := w.Write(lines[i]); err != nil {
				errc <- err
				return
			}
			if err := w.Flush(); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	sent := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return fmt.Errorf("syslog phase: %w", err)
	}
	want := before + float64(len(evs))
	deadline := time.Now().Add(5 * time.Minute)
	var got float64
	for {
		got, err = t.stored("syslog_tcp")
		if err != nil {
			return err
		}
		if got >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	cpu := t.cpu() - cpu0
	fmt.Printf("syslog TCP  %d connections, LF framing (%.1f MiB, %.0f bytes/line)\n", c.conns, float64(size)/(1<<20), float64(size)/float64(len(evs)))
	fmt.Printf("  stored durable: %.0f of %d events in %s = %.0f events/s   (sender done after %s: TCP back-pressure paces it)\n",
		got-before, len(evs), el.Round(time.Millisecond), (got-before)/el.Seconds(), sent.Round(time.Millisecond))
	printCPU(cpu, el, int(got-before))
	fmt.Println()
	if got < want {
		return errors.New("syslog phase: not every line was stored within 5 minutes")
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (len(d)*p + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)].Round(100 * time.Microsecond)
}

// cpuTime is the CPU this process has used (0 where unknown).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func numCPU() int { return runtime.NumCPU() }
