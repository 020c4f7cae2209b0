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
// event each, and returns the heap bytes they take. With entities, each
// event names a host, a user and an address, as detection's
// observations do (short kinds, values of typical length).
func openGroups(tb testing.TB, n int, entities bool) (*Engine, float64) {
	ids := make([]string, n)
	for i := range n {
		ids[i] = "evt-" + strconv.Itoa(i) // event ids are retained, so count them
	}
	// The observations' entity values are the caller's, made before the
	// measure: the group copies what it keeps.
	var ents [][]Entity
	if entities {
		ents = make([][]Entity, n)
		for i := range n {
			ents[i] = []Entity{{"h", fmt.Sprintf("WS-%06d", i%5000)}, {"u", "user-" + strconv.Itoa(i)}, {"i", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}}
		}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	e := newEngine(tb, Options{MaxGroups: n}, bruteForce)
	var user string
	field := func(string) (string, bool) { return user, true }
	for i := range n {
		user = "user-" + strconv.Itoa(i)
		o := Observation{OrgID: "org1", RuleName: "failed_login", Time: t0.Add(time.Duration(i) * time.Microsecond), EventID: ids[i], Field: field}
		if entities {
			o.Entities = ents[i]
		}
		e.Observe(o)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := e.Stats().Groups; got != n {
		tb.Fatalf("open groups = %d, want %d", got, n)
	}
	runtime.KeepAlive(ents)
	return e, float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkGroupMemory reports the heap taken by 1,000,000 open groups,
// without and with entities.
func BenchmarkGroupMemory(b *testing.B) {
	const n = 1_000_000
	for _, entities := range []bool{false, true} {
		b.Run(fmt.Sprintf("entities=%v", entities), func(b *testing.B) {
			for b.Loop() {
				e, bytes := openGroups(b, n, entities)
				b.ReportMetric(bytes/n, "B/group")
				b.ReportMetric(bytes/(1<<20), "MiB/1M-groups")
				runtime.KeepAlive(e)
			}
		})
	}
}

// TestGroupMemory keeps the per-group cost in check on a smaller scale:
// a group of one event, and the same naming a host, a user and an
// address (Fired.Entities).
func TestGroupMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement skipped in -short mode")
	}
	const n = 100_000
	for _, c := range []struct {
		entities bool
		limit    float64
	}{{false, 400}, {true, 500}} {
		e, bytes := openGroups(t, n, c.entities)
		per := bytes / n
		t.Logf("%d open groups (entities %v): %.0f bytes each", n, c.entities, per)
		if per > c.limit {
			t.Errorf("an open group (entities %v) costs %.0f bytes, want under %.0f", c.entities, per, c.limit)
		}
		runtime.KeepAlive(e)
	}
}
