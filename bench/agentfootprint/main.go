// Command agentfootprint measures the endpoint agent's idle footprint: it
// starts an in-process server speaking the agent protocol
// (internal/agent/agenttest), runs the real eventsec-agent binary against
// it in a temporary data directory with the default collectors (heartbeat
// 30 s, metrics 60 s, inventory hourly, /var/log/syslog-style log files,
// FIM over /etc, network telemetry with a small block list), and samples
// the agent's RSS and CPU time from /proc every second. Linux only.
//
//	go build -o /tmp/eventsec-agent ./cmd/eventsec-agent
//	go run ./bench/agentfootprint -bin /tmp/eventsec-agent -duration 5m
//
// It prints CPU (percent of one core) over the whole window and over the
// steady state after -warmup (the first inventory hashes every running
// executable), and RSS (max and mean).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eventsec/eventsec/internal/agent/agenttest"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "agentfootprint:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "", "eventsec-agent binary (required)")
	duration := flag.Duration("duration", 5*time.Minute, "measuring window")
	warmup := flag.Duration("warmup", time.Minute, "start of the steady-state part of the window")
	showLog := flag.Bool("log", false, "print the agent's log (info level) at the end")
	flag.Parse()
	if *bin == "" {
		return fmt.Errorf("-bin is required (go build -o /tmp/eventsec-agent ./cmd/eventsec-agent)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var logs []wire.LogFile
	for _, p := range []string{"/var/log/syslog", "/var/log/auth.log", "/var/log/messages", "/var/log/secure", "/var/log/*.log"} {
		logs = append(logs, wire.LogFile{Path: p})
	}
	srv := agenttest.New("bench-key", wire.Config{
		Version: 1, HeartbeatSeconds: 30, MetricsSeconds: 60, InventorySeconds: 3600,
		LogFiles: logs, Journald: true,
		FIM:       wire.FIMConfig{Paths: []string{"/etc"}, ScanSeconds: 12 * 3600},
		BlockList: wire.BlockList{IPs: []string{"203.0.113.0/24", "198.51.100.7"}},
		Limits:    wire.Limits{CPUPercent: 5, MemoryMB: 64},
	})
	defer srv.Close()
	dir, err := os.MkdirTemp("", "agentfootprint")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, _ := json.Marshal(map[string]any{"api_url": srv.URL, "enrollment_key": "bench-key", "data_dir": filepath.Join(dir, "data")})
	cfgPath := filepath.Join(dir, "agent_config.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return err
	}
	level := "warn"
	if *showLog {
		level = "info"
	}
	cmd := exec.CommandContext(ctx, *bin, "--config", cfgPath, "--log-level", level, "run")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	pid := cmd.Process.Pid
	ticks := float64(100) // USER_HZ on Linux
	fmt.Printf("agent pid %d, window %s (steady state after %s)\n", pid, *duration, *warmup)

	type sample struct {
		at  time.Time
		cpu float64 // seconds
		rss int64   // bytes
	}
	var samples []sample
	start := time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for time.Since(start) < *duration {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		cpu, rss, err := read(pid, ticks)
		if err != nil {
			return fmt.Errorf("agent exited: %v\n%s", err, stderr.String())
		}
		samples = append(samples, sample{time.Now(), cpu, rss})
	}
	if len(samples) < 3 {
		return fmt.Errorf("window too short")
	}
	first, last := samples[0], samples[len(samples)-1]
	var steady sample
	for _, s := range samples {
		if s.at.Sub(start) >= *warmup {
			steady = s
			break
		}
	}
	var maxRSS, sumRSS int64
	for _, s := range samples {
		maxRSS = max(maxRSS, s.rss)
		sumRSS += s.rss
	}
	snap := srv.Snapshot()
	fmt.Printf("cpu (whole window):  %.3f%% of one core\n", (last.cpu-first.cpu)/last.at.Sub(first.at).Seconds()*100)
	if !steady.at.IsZero() && last.at.After(steady.at) {
		fmt.Printf("cpu (steady state):  %.3f%% of one core\n", (last.cpu-steady.cpu)/last.at.Sub(steady.at).Seconds()*100)
	}
	fmt.Printf("rss:                 max %.1f MiB, mean %.1f MiB\n", float64(maxRSS)/(1<<20), float64(sumRSS)/float64(len(samples))/(1<<20))
	fmt.Printf("server saw:          %d heartbeats, %d inventories, %d events\n", len(snap.Heartbeats), len(snap.Inventories), len(snap.Events))
	if *showLog {
		fmt.Printf("agent log:\n%s", stderr.String())
	}
	return nil
}

// read returns the process's total CPU seconds and RSS.
func read(pid int, ticks float64) (float64, int64, error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// Fields after the parenthesised command name; utime and stime are
	// the 14th and 15th fields overall.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	var rss int64
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			rss = kb << 10
		}
	}
	return (ut + st) / ticks, rss, nil
}
