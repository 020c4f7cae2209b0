// Command detect measures end-to-end detection latency on a real eventsec
// binary: events are POSTed to /api/v1/events at a fixed rate, and each
// request carries one "marker" event (an encoded PowerShell start on a
// host of its own) that rules raise an alert on; the latency is from the
// request's 202 (the events are durable) to the alert's arrival on the
// alerts WebSocket channel. The rest of each request is a realistic mix
// of Sysmon process starts, Windows logons and application events that
// every loaded rule is evaluated against.
//
//	go run ./bench/detect -bin bin/eventsec -rate 10000 -duration 20s -sigma ../shared/data/sigma
package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/detect:", err)
		os.Exit(1)
	}
}

const password = "Bench-Passw0rd!x"

func run() error {
	bin := flag.String("bin", "bin/eventsec", "eventsec binary")
	rate := flag.Int("rate", 10000, "events per second to send")
	batch := flag.Int("batch", 200, "events per request (one of them a marker)")
	duration := flag.Duration("duration", 20*time.Second, "length of the load phase")
	sigmaDir := flag.String("sigma", "", "import every rule under this directory (e.g. ../shared/data/sigma) besides the built-in pack")
	hunt := flag.Bool("retrohunt", true, "after the load, time a backtest and a retro-hunt of the markers' rule over every stored event")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "eventsec-bench-detect-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(abs, "serve", "--data-dir", dir, "--http-addr", addr, "--log-level", "warn",
		"--syslog-udp-addr", "off", "--syslog-tcp-addr", "off")
	cmd.Env = append(os.Environ(), "EVENTSEC_ADMIN_PASSWORD="+password)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	token, err := login(base)
	if err != nil {
		return err
	}
	if *sigmaDir != "" {
		n, ms, err := importRules(base, token, *sigmaDir)
		if err != nil {
			return err
		}
		fmt.Printf("imported %d Sigma rule files in %d ms\n", n, ms)
	}
	var rules struct {
		Total int `json:"total"`
	}
	if err := getJSON(base+"/api/v1/rules?limit=1", token, &rules); err != nil {
		return err
	}
	fmt.Printf("rules loaded: %d\n", rules.Total)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/api/v1/ws?token="+token, nil)
	if err != nil {
		return fmt.Errorf("websocket: %w", err)
	}
	ws.SetReadLimit(16 << 20)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","channels":["alerts"]}`)); err != nil {
		return err
	}
	var mu sync.Mutex
	accepted := map[string]time.Time{} // marker host -> 202 time
	arrived := map[string]time.Time{}
	go func() {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			now := time.Now()
			var m struct {
				Channel string `json:"channel"`
				Type    string `json:"type"`
				Data    struct {
					Entities struct {
						Hosts []string `json:"hosts"`
					} `json:"entities"`
				} `json:"data"`
			}
			if json.Unmarshal(b, &m) != nil || m.Channel != "alerts" || m.Type != "alert" {
				continue
			}
			mu.Lock()
			for _, h := range m.Data.Entities.Hosts {
				if strings.HasPrefix(h, "mk-") {
					if _, seen := arrived[h]; !seen {
						arrived[h] = now
					}
				}
			}
			mu.Unlock()
		}
	}()
	time.Sleep(200 * time.Millisecond)

	// Load: one request every batch/rate seconds, from a pool of senders.
	interval := time.Duration(float64(time.Second) * float64(*batch) / float64(*rate))
	// The requests are built before the clock starts: on a machine of
	// two cores, encoding them during the run took CPU from the server
	// being measured (real senders are other machines).
	planned := int(*duration/interval) + 1
	bodies := make([][]byte, planned+1)
	for i := 1; i <= planned; i++ {
		bodies[i] = makeBatch(*batch, "mk-"+strconv.Itoa(i), i)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	cpu0 := cpuOf(cmd.Process.Pid)
	m0, err := scrape(base)
	if err != nil {
		return err
	}
	start := time.Now()
	tick := time.NewTicker(interval)
	n := 0
	late := 0
	for time.Since(start) < *duration {
		<-tick.C
		n++
		if n > planned {
			break
		}
		host := "mk-" + strconv.Itoa(n)
		body := bodies[n]
		select {
		case sem <- struct{}{}:
		default:
			late++ // the server is behind: wait for a sender
			sem <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequest("POST", base+"/api/v1/events", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			at := time.Now()
			if resp.StatusCode != http.StatusAccepted {
				failed.Add(1)
				return
			}
			sent.Add(int64(*batch))
			mu.Lock()
			accepted[host] = at
			mu.Unlock()
		}()
	}
	tick.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	// Stragglers.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := len(arrived) >= len(accepted)
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The server's CPU over the load and the stragglers: what the events
	// cost, whatever the machine's noise did to the throughput.
	cpu, wall := cpuOf(cmd.Process.Pid)-cpu0, time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	missing := 0
	for h, at := range accepted {
		a, ok := arrived[h]
		if !ok {
			missing++
			continue
		}
		lat = append(lat, max(a.Sub(at), 0))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	rss := rssOf(cmd.Process.Pid)
	fmt.Printf("sent %d events in %s: %.0f events/s (target %d/s, %d requests of %d, %d failed, sender waited %d times)\n",
		sent.Load(), elapsed.Round(time.Millisecond), float64(sent.Load())/elapsed.Seconds(), *rate, n, *batch, failed.Load(), late)
	fmt.Printf("detection latency, 202 -> alert on WebSocket, %d markers (%d without alert): p50 %s  p99 %s  max %s\n",
		len(lat), missing, pct(0.50).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), pct(1).Round(100*time.Microsecond))
	if sent.Load() > 0 {
		fmt.Printf("server CPU: %.2f cores busy, %.1f µs per event sent\n",
			cpu.Seconds()/wall.Seconds(), float64(cpu.Microseconds())/float64(sent.Load()))
	}
	fmt.Printf("server RSS after the run: %.1f MiB\n", float64(rss)/(1<<20))
	if m1, err := scrape(base); err == nil {
		printServerSide(m0, m1)
	}
	if *hunt {
		// The unlocked map is no longer written: the readers are done.
		mu.Unlock()
		defer mu.Lock()
		if err := retroHunt(base, token, start.Add(-time.Minute), time.Now().Add(time.Minute)); err != nil {
			return fmt.Errorf("retro-hunt: %w", err)
		}
	}
	return nil
}

// retroHunt times, through the API, a backtest and a retro-hunt (without
// raising alerts) of the rule that the markers fired over [from, to):
// every event the load phase stored.
func retroHunt(base, token string, from, to time.Time) error {
	var alerts struct {
		Alerts []struct {
			RuleID string `json:"rule_id"`
			Title  string `json:"title"`
		} `json:"alerts"`
	}
	if err := getJSON(base+"/api/v1/alerts?limit=1", token, &alerts); err != nil {
		return err
	}
	if len(alerts.Alerts) == 0 {
		return errors.New("no alert to take a rule from")
	}
	rule := alerts.Alerts[0].RuleID
	rng := fmt.Sprintf(`{"from":%q,"to":%q`, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	var res struct {
		Scanned     int64 `json:"scanned"`
		Matched     int64 `json:"matched"`
		ScanLimited bool  `json:"scan_limited"`
		ElapsedMs   int64 `json:"elapsed_ms"`
	}
	t0 := time.Now()
	if err := postJSON(base+"/api/v1/rules/"+rule+"/test", token, rng+"}", &res); err != nil {
		return err
	}
	took := time.Since(t0)
	fmt.Printf("backtest of rule %s (%s): %d events scanned, %d matched, scan_limited=%v, %s (%.0f events/s)\n",
		rule, alerts.Alerts[0].Title, res.Scanned, res.Matched, res.ScanLimited, took.Round(time.Millisecond), float64(res.Scanned)/took.Seconds())
	var job struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Scanned int64  `json:"scanned"`
		Error   string `json:"error"`
		Result  *struct {
			Matched int64 `json:"matched"`
		} `json:"result"`
	}
	t0 = time.Now()
	if err := postJSON(base+"/api/v1/rules/"+rule+"/retrohunt", token, rng+`,"raise_alerts":false}`, &job); err != nil {
		return err
	}
	for job.Status == "running" {
		time.Sleep(20 * time.Millisecond)
		if err := getJSON(base+"/api/v1/retrohunts/"+job.ID, token, &job); err != nil {
			return err
		}
	}
	took = time.Since(t0)
	if job.Status != "done" || job.Result == nil {
		return fmt.Errorf("job ended %s: %s", job.Status, job.Error)
	}
	fmt.Printf("retro-hunt of the same rule: %d events scanned, %d matched, %s (%.0f events/s)\n",
		job.Scanned, job.Result.Matched, took.Round(time.Millisecond), float64(job.Scanned)/took.Seconds())
	return nil
}

func postJSON(url, token, body string, v any) error {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

var procs = [][3]string{
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US`, `C:\Program Files\Google\Chrome\Application\chrome.exe`},
	{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`, `C:\Windows\System32\svchost.exe`},
	{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" `, `C:\Windows\explorer.exe`},
	{`C:\Windows\System32\RuntimeBroker.exe`, `C:\Windows\System32\RuntimeBroker.exe -Embedding`, `C:\Windows\System32\svchost.exe`},
	{`C:\Windows\System32\backgroundTaskHost.exe`, `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca`, `C:\Windows\System32\svchost.exe`},
}

// makeBatch builds one NDJSON request: a marker and background events.
func makeBatch(n int, marker string, seq int) []byte {
	var b bytes.Buffer
	now := time.Now().UTC()
	line := func(v any) {
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	line(sysmon(now, marker, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		`powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA`, `C:\Windows\explorer.exe`, seq, 0))
	for i := 1; i < n; i++ {
		host := "ws-" + strconv.Itoa(rand.IntN(500))
		switch r := rand.IntN(10); {
		case r < 6:
			p := procs[rand.IntN(len(procs))]
			line(sysmon(now, host, p[0], p[1], p[2], seq, i))
		case r < 8:
			line(map[string]any{"@timestamp": now.Format(time.RFC3339Nano), "host": map[string]any{"name": host},
				"winlog": map[string]any{"event_id": 4624, "channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing",
					"event_data": map[string]any{"TargetUserName": "user" + strconv.Itoa(rand.IntN(200)), "LogonType": "3",
						"IpAddress": "10.0." + strconv.Itoa(rand.IntN(255)) + "." + strconv.Itoa(rand.IntN(255)), "SubjectUserSid": "S-1-5-18"}}})
		default:
			line(map[string]any{"timestamp": now.Format(time.RFC3339Nano), "eventType": "LOGIN_SUCCESS", "user": "user" + strconv.Itoa(rand.IntN(200)),
				"source_ip": "198.51.100." + strconv.Itoa(rand.IntN(255)), "id": fmt.Sprintf("app-%d-%d", seq, i)})
		}
	}
	return b.Bytes()
}

func sysmon(t time.Time, host, image, cmd, parent string, seq, i int) map[string]any {
	return map[string]any{"@timestamp": t.Format(time.RFC3339Nano), "host": map[string]any{"name": host},
		"winlog": map[string]any{"event_id": 1, "channel": "Microsoft-Windows-Sysmon/Operational", "provider_name": "Microsoft-Windows-Sysmon",
			"record_id": seq*10000 + i,
			"event_data": map[string]any{"Image": image, "CommandLine": cmd, "ParentImage": parent,
				"User": `CORP\alice`, "IntegrityLevel": "Medium", "ProcessId": strconv.Itoa(1000 + i)}}}
}

func waitReady(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the server did not become ready")
}

func login(base string) (string, error) {
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"admin@eventsec.local","password":"`+password+`"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var s struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.AccessToken == "" {
		return "", fmt.Errorf("login failed (%d)", resp.StatusCode)
	}
	// A long-lived credential for the run: an admin API key.
	req, _ := http.NewRequest("POST", base+"/api/v1/api-keys", strings.NewReader(`{"name":"bench","role":"admin"}`))
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	kr, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer kr.Body.Close()
	var k struct {
		Key string `json:"key"`
	}
	if err := json.NewDecoder(kr.Body).Decode(&k); err != nil || k.Key == "" {
		return "", fmt.Errorf("cannot create an API key (%d)", kr.StatusCode)
	}
	return k.Key, nil
}

func getJSON(url, token string, v any) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func importRules(base, token, root string) (int, int64, error) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") || strings.Contains(p, "regression_data") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		n++
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	zw.Close()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "sigma.zip")
	fw.Write(zbuf.Bytes())
	mw.WriteField("pack", "sigmahq")
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/rules/import", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var rep struct {
		Loaded    int   `json:"loaded"`
		ElapsedMs int64 `json:"elapsed_ms"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("rule import failed (%d)", resp.StatusCode)
	}
	return rep.Loaded, rep.ElapsedMs, nil
}

// cpuOf is the user and system CPU time a process has used
// (/proc/PID/stat, in clock ticks of 10 ms).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: count fields after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func rssOf(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// scrape reads the server's Prometheus metrics: series (name and labels,
// as written) to value.
func scrape(base string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, nil
}

// printServerSide prints what the server says of the run (the metrics'
// change between before the load and after the stragglers): the event
// store's checkpoints, which hold its commits, and detection's alert
// transactions, the last step before an alert is pushed.
func printServerSide(m0, m1 map[string]float64) {
	d := func(k string) float64 { return m1[k] - m0[k] }
	fmt.Printf("event store: %.0f checkpoints, %.2f s checkpointing in all\n",
		d("eventsec_eventstore_checkpoints_total"), d("eventsec_eventstore_checkpoint_seconds_total"))
	n := d("eventsec_detection_commit_seconds_count")
	if n <= 0 {
		return
	}
	// The histogram's buckets: the smallest bound that holds 50% and 99%.
	type bucket struct{ le, n float64 }
	var bs []bucket
	for k := range m1 {
		le, ok := strings.CutPrefix(k, `eventsec_detection_commit_seconds_bucket{le="`)
		if !ok {
			continue
		}
		le = strings.TrimSuffix(le, `"}`)
		v, err := strconv.ParseFloat(le, 64)
		if err != nil {
			v = math.Inf(1)
		}
		bs = append(bs, bucket{v, d(k)})
	}
	slices.SortFunc(bs, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	within := func(q float64) string {
		for _, b := range bs {
			if b.n >= q*n {
				if math.IsInf(b.le, 1) {
					return "over the largest bucket"
				}
				return fmt.Sprintf("<= %g ms", b.le*1000)
			}
		}
		return "?"
	}
	fmt.Printf("alert transactions: %.0f, mean %.1f ms, half %s, 99%% %s\n",
		n, d("eventsec_detection_commit_seconds_sum")/n*1000, within(0.5), within(0.99))
}
