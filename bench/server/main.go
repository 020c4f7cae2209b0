// Command server benchmarks a real eventsec binary: start-up time to ready,
// resident memory at idle, and authenticated GET /api/v1/me throughput and
// latency under concurrent clients. Run it with `make bench`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/eventsec", "eventsec binary to measure")
	clients := flag.Int("clients", 64, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "length of the load phase")
	starts := flag.Int("starts", 5, "start-ups to time (median reported)")
	flag.Parse()

	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("cannot find %s: run make build first", abs)
	}
	fmt.Printf("eventsec server benchmark  (binary %s, %d CPUs)\n\n", *bin, numCPU())

	// Start-up: a fresh data directory each time (first start creates the
	// schema and the admin), then a restart on an existing one.
	var fresh, again []time.Duration
	for i := 0; i < *starts; i++ {
		dir, err := os.MkdirTemp("", "eventsec-bench-")
		if err != nil {
			return err
		}
		for _, into := range []*[]time.Duration{&fresh, &again} {
			srv, d, err := start(abs, dir)
			if err != nil {
				os.RemoveAll(dir)
				return err
			}
			*into = append(*into, d)
			srv.stop()
		}
		os.RemoveAll(dir)
	}
	fmt.Printf("start-up to ready (GET /readyz = 200), median of %d:\n", *starts)
	fmt.Printf("  fresh data dir (migrate + create admin):  %s\n", median(fresh).Round(time.Millisecond))
	fmt.Printf("  existing data dir:                        %s\n\n", median(again).Round(time.Millisecond))

	dir, err := os.MkdirTemp("", "eventsec-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, _, err := start(abs, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	time.Sleep(2 * time.Second)
	idle, err := rssKiB(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("resident memory at idle (VmRSS, 2 s after ready): %.1f MiB\n\n", float64(idle)/1024)

	token, err := login(srv.url)
	if err != nil {
		return err
	}
	res := load(srv.url+"/api/v1/me", token, *clients, *duration)
	peak, _ := rssKiB(srv.cmd.Process.Pid)
	fmt.Printf("GET /api/v1/me with a Bearer token, %d concurrent clients, %s:\n", *clients, *duration)
	fmt.Printf("  requests: %d ok, %d failed\n", res.ok, res.failed)
	fmt.Printf("  throughput: %.0f requests/s\n", float64(res.ok)/res.elapsed.Seconds())
	fmt.Printf("  latency: p50 %s  p90 %s  p99 %s  max %s\n", pct(res.lat, 50), pct(res.lat, 90), pct(res.lat, 99), pct(res.lat, 100))
	fmt.Printf("  resident memory after the load: %.1f MiB\n", float64(peak)/1024)
	if res.failed > 0 {
		return fmt.Errorf("%d requests failed (first: %v)", res.failed, res.firstErr)
	}
	return nil
}

type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

const adminPassword = "Load-Test-Passw0rd!x"

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start launches the server and returns once /readyz answers 200, with
// the time that took.
func start(bin, dir string) (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--data-dir", dir, "--http-addr", addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "EVENTSEC_ADMIN_EMAIL=bench@eventsec.test", "EVENTSEC_ADMIN_PASSWORD="+adminPassword)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	client := &http.Client{Timeout: time.Second}
	for time.Since(t0) < 30*time.Second {
		select {
		case <-s.done:
			return nil, 0, fmt.Errorf("server exited: %s", stderr.String())
		default:
		}
		resp, err := client.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(t0), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.stop()
	return nil, 0, errors.New("server not ready within 30 s")
}

func login(base string) (string, error) {
	body := `{"email":"bench@eventsec.test","password":"` + adminPassword + `"}`
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("cannot log in: status %d", resp.StatusCode)
	}
	return out.AccessToken, nil
}

type result struct {
	ok, failed int
	lat        []time.Duration
	elapsed    time.Duration
	firstErr   error
}

func load(url, token string, clients int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<14)
			ok, failed := 0, 0
			var first error
			for ctx.Err() == nil {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				s := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed++
					if first == nil {
						first = err
					}
					continue
				}
				ok++
				lat = append(lat, time.Since(s))
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.lat = append(res.lat, lat...)
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(t0)
	slices.Sort(res.lat)
	return res
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[min(i, len(sorted)-1)].Round(time.Microsecond)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func rssKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("cannot read process memory: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				return strconv.Atoi(f[1])
			}
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "processor\t:")
}
