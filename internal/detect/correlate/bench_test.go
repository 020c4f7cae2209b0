package correlate

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkObserve feeds in-order matches for 10,000 users through a
// brute-force event_count, a value_count and a temporal rule.
func BenchmarkObserve(b *testing.B) {
	e := newEngine(b, Options{}, bruteForce, recon, `
title: spray
id: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [SourceIP]
  timespan: 1h
  condition: {field: User, gte: 50}
`)
	const users = 10_000
	names := make([]string, users)
	ips := make([]string, users)
	for i := range users {
		names[i] = "user" + strconv.Itoa(i)
		ips[i] = fmt.Sprintf("10.0.%d.%d", i/256%256, i%256)
	}
	rules := []string{"failed_login", "failed_login", "recon_cmd_a", "recon_cmd_b"}
	fields := make([]func(string) (string, bool), users)
	for i := range users {
		user, ip := names[i], ips[i/10]
		fields[i] = func(name string) (string, bool) {
			switch name {
			case "User":
				return user, true
			case "SourceIP":
				return ip, true
			case "ComputerName":
				return "pc1", true
			}
			return "", false
		}
	}
	b.ReportAllocs()
	fired := 0
	i := 0
	for b.Loop() {
		u := (i * 7919) % users
		o := Observation{OrgID: "org1", RuleName: rules[i%len(rules)], RuleID: "x", Time: t0.Add(time.Duration(i) * time.Millisecond),
			EventID: "evt", Field: fields[u]}
		fired += len(e.Observe(o))
		i++
	}
	b.ReportMetric(float64(fired)/float64(b.N), "fired/op")
}

// openGroups fills an engine with n event_count groups holding one
// event each, and returns the heap bytes they take.
func openGroups(tb testing.TB, n int) (*Engine, float64) {
	ids := make([]string, n)
	for i := range n {
		ids[i] = "evt-" + strconv.Itoa(i) // event ids are retained, so count them
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	e := newEngine(tb, Options{MaxGroups: n}, bruteForce)
	var user string
	field := func(string) (string, bool) { return user, true }
	for i := range n {
		user = "user-" + strconv.Itoa(i)
		e.Observe(Observation{OrgID: "org1", RuleName: "failed_login", Time: t0.Add(time.Duration(i) * time.Microsecond), EventID: ids[i], Field: field})
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := e.Stats().Groups; got != n {
		tb.Fatalf("open groups = %d, want %d", got, n)
	}
	return e, float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkGroupMemory reports the heap taken by 1,000,000 open groups.
func BenchmarkGroupMemory(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		e, bytes := openGroups(b, n)
		b.ReportMetric(bytes/n, "B/group")
		b.ReportMetric(bytes/(1<<20), "MiB/1M-groups")
		runtime.KeepAlive(e)
	}
}

// TestGroupMemory keeps the per-group cost in check on a smaller scale.
func TestGroupMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement skipped in -short mode")
	}
	const n = 100_000
	e, bytes := openGroups(t, n)
	per := bytes / n
	t.Logf("%d open groups: %.0f bytes each", n, per)
	if per > 400 {
		t.Errorf("an open group costs %.0f bytes, want under 400", per)
	}
	runtime.KeepAlive(e)
}
