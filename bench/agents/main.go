// Command agents is a load generator for the server side of the agent
// protocol: N simulated agents (default 10,000) enroll, heartbeat every
// 30 s with a metric sample, and send a full inventory every hour (each at
// its own random offset, so inventories are spread), speaking the real
// wire protocol (internal/agent/wire) over HTTP. It prints heartbeat
// latency (p50/p99/max), inventory latency, the server's CPU use and the
// errors.
//
//	go run ./bench/agents                              # in-process server on a temp data dir
//	go run ./bench/agents -agents 2000 -duration 1m    # a quick one
//	go run ./bench/agents -url http://127.0.0.1:8080 -enrollment-key ese_... -pid $(pidof eventsec)
//	go run ./bench/agents -url http://127.0.0.1:8080 -admin-email a@b -admin-password ... -pid ...
//
// In-process, the CPU figure is the whole process (server and the
// simulated agents); against an external server it is that server's own,
// read from /proc/<pid>/stat.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench/agents:", err)
		os.Exit(1)
	}
}

type options struct {
	url, key, adminEmail, adminPassword string
	pid                                 int
	agents, enrollConc, conns           int
	duration, heartbeat, inventory      time.Duration
	packages, processes                 int
}

func run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("agents", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "server base URL (default: start one in-process on a temp data dir)")
	fs.StringVar(&o.key, "enrollment-key", "", "enrollment key for an external server")
	fs.StringVar(&o.adminEmail, "admin-email", "", "or: an admin to create an enrollment key with")
	fs.StringVar(&o.adminPassword, "admin-password", "", "that admin's password")
	fs.IntVar(&o.pid, "pid", 0, "the external server's process ID, for its CPU use")
	fs.IntVar(&o.agents, "agents", 10_000, "simulated agents")
	fs.IntVar(&o.enrollConc, "enroll-concurrency", 32, "concurrent enrollments")
	fs.IntVar(&o.conns, "conns", 1024, "HTTP connections to the server at most")
	fs.DurationVar(&o.duration, "duration", 3*time.Minute, "how long the agents run after enrolling")
	fs.DurationVar(&o.heartbeat, "heartbeat", 30*time.Second, "heartbeat interval")
	fs.DurationVar(&o.inventory, "inventory", time.Hour, "inventory interval (each agent at a random offset)")
	fs.IntVar(&o.packages, "packages", 400, "packages per inventory")
	fs.IntVar(&o.processes, "processes", 150, "processes per inventory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cpu := cpuReader(func() (time.Duration, error) { return procCPU("self") })
	if o.url == "" {
		srv, err := startServer(ctx)
		if err != nil {
			return err
		}
		defer srv.close()
		o.url, o.key = srv.url, srv.key
		fmt.Printf("in-process server at %s (data in %s)\n", srv.url, srv.dir)
	} else if o.pid > 0 {
		pid := strconv.Itoa(o.pid)
		cpu = func() (time.Duration, error) { return procCPU(pid) }
	} else {
		cpu = nil
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: o.conns, MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns, IdleConnTimeout: 5 * time.Minute,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}}
	if o.key == "" {
		k, err := createKey(ctx, client, o)
		if err != nil {
			return err
		}
		o.key = k
	}
	b := &bench{o: o, client: client, errs: map[string]int{}}

	fmt.Printf("enrolling %d agents (%d at a time)…\n", o.agents, o.enrollConc)
	start := time.Now()
	agents, err := b.enrollAll(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("enrolled %d in %s (%.0f/s)\n", len(agents), time.Since(start).Round(time.Millisecond), float64(len(agents))/time.Since(start).Seconds())

	fmt.Printf("running %d agents for %s: heartbeat every %s, inventory every %s…\n", len(agents), o.duration, o.heartbeat, o.inventory)
	var cpu0 time.Duration
	if cpu != nil {
		if cpu0, err = cpu(); err != nil {
			return fmt.Errorf("cannot read CPU time: %w", err)
		}
	}
	wall0 := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range agents {
		wg.Go(func() { b.agentLoop(runCtx, &agents[i]) })
	}
	wg.Wait()
	wall := time.Since(wall0)
	b.report(wall)
	if cpu != nil {
		cpu1, err := cpu()
		if err == nil {
			who := "server process"
			if o.pid == 0 {
				who = "whole process (server + simulated agents)"
			}
			fmt.Printf("CPU: %.2f cores average (%s over %s)\n", (cpu1-cpu0).Seconds()/wall.Seconds(), who, wall.Round(time.Second))
		}
	} else {
		fmt.Println("CPU: not measured (give -pid for an external server)")
	}
	return nil
}

// bench holds the simulated agents' shared state and results.
type bench struct {
	o      options
	client *http.Client

	mu        sync.Mutex // guards the slices and errs
	hbLat     []time.Duration
	invLat    []time.Duration
	errs      map[string]int
	heartbeat atomic.Int64
	inventory atomic.Int64
}

type simAgent struct {
	n     int
	id    string
	token string
	facts wire.HostFacts
	cfg   int64
}

func (b *bench) fail(kind string) {
	b.mu.Lock()
	b.errs[kind]++
	b.mu.Unlock()
}

// call makes one agent-protocol request and decodes the answer into out.
func (b *bench) call(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.o.url+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set(wire.HeaderProtocol, wire.Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode >= 300 {
		var e wire.Error
		_ = json.Unmarshal(data, &e)
		return res.StatusCode, fmt.Errorf("%d %s", res.StatusCode, e.Error.Code)
	}
	if out != nil && len(data) > 0 {
		return res.StatusCode, json.Unmarshal(data, out)
	}
	return res.StatusCode, nil
}

func (b *bench) enrollAll(ctx context.Context) ([]simAgent, error) {
	agents := make([]simAgent, b.o.agents)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < b.o.enrollConc; w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(agents) || ctx.Err() != nil {
					return
				}
				a := &agents[i]
				a.n = i
				a.facts = wire.HostFacts{Hostname: fmt.Sprintf("sim-%05d", i), OS: "linux", Platform: "debian", PlatformVer: "12",
					Family: "debian", KernelVersion: "6.1.0-18-amd64", Arch: "amd64", MachineID: fmt.Sprintf("sim-machine-%05d", i),
					AgentVersion: "0.9.0-bench", IPs: []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}}
				var res wire.EnrollResponse
				if _, err := b.call(ctx, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: b.o.key, Facts: a.facts}, &res); err != nil {
					firstErr.CompareAndSwap(nil, err)
					b.fail("enroll: " + err.Error())
					continue
				}
				a.id, a.token, a.cfg = res.AgentID, res.Token, res.Config.Version
			}
		})
	}
	wg.Wait()
	out := agents[:0]
	for _, a := range agents {
		if a.token != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		if err, ok := firstErr.Load().(error); ok {
			return nil, fmt.Errorf("no agent could enroll: %w", err)
		}
		return nil, errors.New("no agent could enroll")
	}
	return out, nil
}

// agentLoop is one agent: heartbeats on its own schedule (a random phase
// within the interval), and an inventory at a random offset within the
// inventory interval.
func (b *bench) agentLoop(ctx context.Context, a *simAgent) {
	rng := rand.New(rand.NewPCG(uint64(a.n), 42))
	hbPhase := time.Duration(rng.Int64N(int64(b.o.heartbeat)))
	invAt := time.Now().Add(time.Duration(rng.Int64N(int64(b.o.inventory))))
	timer := time.NewTimer(hbPhase)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		hb := wire.Heartbeat{AgentVersion: a.facts.AgentVersion, SentAt: now, ConfigVersion: a.cfg,
			Metrics: []wire.Metrics{{At: now, CPUPercent: rng.Float64() * 40, MemUsedBytes: uint64(1+rng.IntN(3)) << 30,
				MemTotalBytes: 4 << 30, DiskUsedBytes: 12 << 30, DiskTotal: 40 << 30, NetRxBytes: uint64(now.Unix()), NetTxBytes: uint64(now.Unix() / 2),
				Load1: rng.Float64(), UptimeSeconds: 86400}},
			Status: wire.AgentStatus{RSSBytes: 28 << 20, CPUPercent: 0.3, EventsSent: 10}}
		var res wire.HeartbeatResponse
		t0 := time.Now()
		_, err := b.call(ctx, "POST", wire.PathHeartbeat, a.token, hb, &res)
		d := time.Since(t0)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			b.fail("heartbeat: " + err.Error())
		default:
			b.heartbeat.Add(1)
			b.mu.Lock()
			b.hbLat = append(b.hbLat, d)
			b.mu.Unlock()
			a.cfg = max(a.cfg, res.ConfigVersion)
		}
		if !invAt.IsZero() && !time.Now().Before(invAt) {
			invAt = invAt.Add(b.o.inventory)
			t0 := time.Now()
			_, err := b.call(ctx, "POST", wire.PathInventory, a.token, b.inventoryOf(a, rng), nil)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				b.fail("inventory: " + err.Error())
			} else {
				b.inventory.Add(1)
				b.mu.Lock()
				b.invLat = append(b.invLat, time.Since(t0))
				b.mu.Unlock()
			}
		}
		timer.Reset(b.o.heartbeat - time.Since(now)%b.o.heartbeat)
	}
}

// inventoryOf is a plausible Debian server's inventory.
func (b *bench) inventoryOf(a *simAgent, rng *rand.Rand) wire.Inventory {
	inv := wire.Inventory{CollectedAt: time.Now(), Facts: a.facts,
		Hardware:   wire.Hardware{CPUModel: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", CPUCores: 4, MemoryBytes: 4 << 30, DiskBytes: 40 << 30},
		Interfaces: []wire.Interface{{Name: "eth0", MAC: "02:00:00:00:00:01", Addrs: []string{a.facts.IPs[0] + "/16"}, Up: true, MTU: 1500}},
		Listening:  []wire.ListeningPort{{Protocol: "tcp", Address: "0.0.0.0", Port: 22, PID: 812, Process: "sshd"}},
		Users:      []wire.LoggedInUser{{User: "ops", Terminal: "pts/0", Host: "10.0.0.1"}}}
	for i := 0; i < b.o.processes; i++ {
		inv.Processes = append(inv.Processes, wire.Process{PID: int32(100 + i), PPID: 1, Name: fmt.Sprintf("worker-%d", i%20),
			CmdLine: fmt.Sprintf("/usr/bin/worker --id %d", i), User: "www-data", RSSBytes: uint64(rng.IntN(200)) << 20})
	}
	for i := 0; i < b.o.packages; i++ {
		inv.Software = append(inv.Software, wire.Package{Name: fmt.Sprintf("lib-package-%03d", i), Version: fmt.Sprintf("1.%d.%d-1+deb12u1", i%7, i%13),
			Source: "dpkg", Arch: "amd64"})
	}
	return inv
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func (b *bench) report(wall time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	slices.Sort(b.hbLat)
	slices.Sort(b.invLat)
	fmt.Printf("heartbeats: %d ok (%.0f/s)  latency p50 %s  p99 %s  max %s\n", b.heartbeat.Load(), float64(b.heartbeat.Load())/wall.Seconds(),
		pct(b.hbLat, .5).Round(10*time.Microsecond), pct(b.hbLat, .99).Round(10*time.Microsecond), pct(b.hbLat, 1).Round(10*time.Microsecond))
	fmt.Printf("inventories: %d ok  latency p50 %s  p99 %s  max %s  (%d packages, %d processes each)\n", b.inventory.Load(),
		pct(b.invLat, .5).Round(time.Millisecond), pct(b.invLat, .99).Round(time.Millisecond), pct(b.invLat, 1).Round(time.Millisecond),
		b.o.packages, b.o.processes)
	if len(b.errs) == 0 {
		fmt.Println("errors: none")
		return
	}
	keys := make([]string, 0, len(b.errs))
	for k := range b.errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("errors: %d × %s\n", b.errs[k], k)
	}
}

// createKey logs in as an admin and creates an enrollment key.
func createKey(ctx context.Context, client *http.Client, o options) (string, error) {
	if o.adminEmail == "" {
		return "", errors.New("give -enrollment-key, or -admin-email and -admin-password to create one")
	}
	post := func(path, token string, body any, out any) error {
		raw, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, "POST", o.url+path, bytes.NewReader(raw))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			return fmt.Errorf("%s: %d %s", path, res.StatusCode, strings.TrimSpace(string(data)))
		}
		return json.Unmarshal(data, out)
	}
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	if err := post("/api/v1/auth/login", "", map[string]string{"email": o.adminEmail, "password": o.adminPassword}, &sess); err != nil {
		return "", err
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := post("/api/v1/enrollment-keys", sess.AccessToken, map[string]any{"name": "bench " + time.Now().Format(time.RFC3339), "expires_in_days": 1}, &k); err != nil {
		return "", err
	}
	return k.Key, nil
}

type cpuReader func() (time.Duration, error)

// procCPU reads a process's user+system CPU time from /proc (clock ticks
// of 1/100 s, the value on every Linux platform Go supports).
func procCPU(pid string) (time.Duration, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, err
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc stat format")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// inProcess is a server started by the tool: the real state store, event
// store, pipeline, endpoint service and API on a loopback port.
type inProcess struct {
	url, key, dir string
	close         func()
}

func startServer(ctx context.Context) (*inProcess, error) {
	dir, err := os.MkdirTemp("", "eventsec-bench-agents-")
	if err != nil {
		return nil, err
	}
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		os.RemoveAll(dir)
	}
	fail := func(err error) (*inProcess, error) {
		cleanup()
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "eventsec.db"))
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { st.Close() })
	key := make([]byte, 48)
	for i := range key {
		key[i] = byte(i * 7)
	}
	signer, err := auth.NewSigner(key, 15*time.Minute)
	if err != nil {
		return fail(err)
	}
	authSvc := auth.NewService(auth.Options{Store: st, Signer: signer})
	boot, _, err := authSvc.Bootstrap(ctx, "Bench", "admin@bench.test", "Bench-Passw0rd-Quartz!")
	if err != nil {
		return fail(err)
	}
	events, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(dir, "events")})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { events.Close() })
	pipe, err := ingest.New(ingest.Options{Sink: events, Normalizer: normalize.New(normalize.Options{})})
	if err != nil {
		return fail(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := endpoint.New(ctx, endpoint.Options{Store: st, Intake: pipe, Events: events, Logger: log,
		AgentsDir: filepath.Join(dir, "agents"), FilesDir: filepath.Join(dir, "files")})
	if err != nil {
		return fail(err)
	}
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(runCtx) }()
	closers = append(closers, func() { stopRun(); <-done })
	_, secret, err := svc.CreateKey(ctx, endpoint.Actor{OrgID: boot.Org.ID, UserID: boot.Admin.ID, Email: boot.Admin.Email}, "bench", 1)
	if err != nil {
		return fail(err)
	}
	srv := api.New(api.Options{Auth: authSvc, Store: st, Logger: log, Endpoints: svc, Mounts: svc.AgentMounts(), Events: events})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 10 * time.Minute}
	go func() { _ = hs.Serve(ln) }()
	closers = append(closers, func() { _ = hs.Close() })
	fmt.Printf("server GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
	return &inProcess{url: "http://" + ln.Addr().String(), key: secret, dir: dir, close: cleanup}, nil
}
