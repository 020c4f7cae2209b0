package correlate

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sec returns t0 plus s seconds.
func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// obs builds an observation of rule (by name; its id is "id-"+rule) with
// fields given as key, value pairs.
func obs(org, rule string, s float64, id string, kv ...string) Observation {
	fields := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		fields[kv[i]] = kv[i+1]
	}
	return Observation{
		OrgID: org, RuleID: "id-" + rule, RuleName: rule, Time: sec(s), EventID: id,
		Field: func(name string) (string, bool) { v, ok := fields[name]; return v, ok },
	}
}

func newEngine(t testing.TB, opts Options, texts ...string) *Engine {
	t.Helper()
	e := New(opts)
	for _, text := range texts {
		rules, err := ParseAll([]byte(text), "test.yml")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if err := e.Add(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

const bruteForce = `
title: Brute force
id: bf
level: high
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 1m
  condition:
    gte: 5
`

func TestEventCountBruteForce(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce)
	var fired []Fired
	for i := range 12 {
		fired = append(fired, e.Observe(obs("org1", "failed_login", float64(i), fmt.Sprint("e", i), "User", "alice"))...)
		// Another user stays below the threshold.
		if i < 4 {
			fired = append(fired, e.Observe(obs("org1", "failed_login", float64(i), "b", "User", "bob"))...)
		}
	}
	if len(fired) != 2 {
		t.Fatalf("fired %d times, want 2 (at the 5th and 10th event): %+v", len(fired), fired)
	}
	f := fired[0]
	if f.Value != 5 || f.OrgID != "org1" || f.GroupKey["User"] != "alice" || !f.Start.Equal(sec(0)) || !f.End.Equal(sec(4)) {
		t.Errorf("first result = %+v", f)
	}
	if !slices.Equal(f.EventIDs, []string{"e0", "e1", "e2", "e3", "e4"}) {
		t.Errorf("event ids = %v", f.EventIDs)
	}
	if !slices.Equal(f.RuleIDs, []string{"id-failed_login"}) || f.Rule.ID != "bf" || !f.Standalone {
		t.Errorf("rule ids %v, rule %q, standalone %v", f.RuleIDs, f.Rule.ID, f.Standalone)
	}
	if g := fired[1]; !slices.Equal(g.EventIDs, []string{"e5", "e6", "e7", "e8", "e9"}) || !g.Start.Equal(sec(5)) {
		t.Errorf("second result restarts after the first: %+v", g)
	}
}

func TestEventCountBurst(t *testing.T) {
	text := strings.Replace(bruteForce, "gte: 5", "gte: 100", 1)
	e := newEngine(t, Options{}, text)
	n := 0
	for i := range 1000 {
		n += len(e.Observe(obs("o", "failed_login", float64(i)/100, "", "User", "u")))
	}
	if n != 10 {
		t.Errorf("a burst of 1,000 with gte 100 fired %d times, want 10", n)
	}
}

func TestEventCountSlidingWindow(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce)
	// Four events, then a gap: the first ones slide out of the window.
	for _, s := range []float64{0, 10, 20, 30, 70, 80, 85} {
		if f := e.Observe(obs("o", "failed_login", s, "", "User", "u")); len(f) != 0 {
			t.Fatalf("fired at %vs, the window never held 5", s)
		}
	}
	f := e.Observe(obs("o", "failed_login", 90, "", "User", "u"))
	if len(f) != 1 || f[0].Value != 5 || !f[0].Start.Equal(sec(30)) {
		t.Fatalf("want a result for 30s..90s, got %+v", f)
	}
}

func TestWindowBoundary(t *testing.T) {
	pair := `
title: pair
id: pair
correlation:
  type: event_count
  rules: [r]
  group-by: [h]
  timespan: 10s
  condition: {gte: 2}
`
	e := newEngine(t, Options{}, pair)
	e.Observe(obs("o", "r", 0, "", "h", "exact"))
	if f := e.Observe(obs("o", "r", 10, "", "h", "exact")); len(f) != 1 {
		t.Errorf("events exactly one timespan apart must correlate, got %d results", len(f))
	}
	e.Observe(Observation{OrgID: "o", RuleName: "r", Time: t0, Field: fieldsOf("h", "beyond")})
	if f := e.Observe(Observation{OrgID: "o", RuleName: "r", Time: t0.Add(10*time.Second + time.Nanosecond), Field: fieldsOf("h", "beyond")}); len(f) != 0 {
		t.Errorf("events a nanosecond more than a timespan apart must not correlate, got %+v", f)
	}

	// Tumbling window: [start, start+10s] inclusive.
	few := strings.NewReplacer("id: pair", "id: few", "{gte: 2}", "{lt: 3}").Replace(pair)
	e = newEngine(t, Options{}, few)
	e.Observe(obs("o", "r", 0, "", "h", "x"))
	e.Observe(obs("o", "r", 10, "", "h", "x"))
	if f := e.Advance(sec(10)); len(f) != 0 {
		t.Errorf("window closed at its own end: %+v", f)
	}
	if f := e.Advance(sec(10).Add(time.Nanosecond)); len(f) != 1 || f[0].Value != 2 || !f[0].End.Equal(sec(10)) {
		t.Errorf("window did not close right after its end: %+v", f)
	}
}

func fieldsOf(kv ...string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == name {
				return kv[i+1], true
			}
		}
		return "", false
	}
}

func TestValueCountManyUsersFromOneIP(t *testing.T) {
	e := newEngine(t, Options{}, `
title: Password spraying
id: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [SourceIP]
  timespan: 1h
  condition:
    field: User
    gte: 4
`)
	var fired []Fired
	users := []string{"a", "b", "a", "a", "c", "b", "d", "e"}
	for i, u := range users {
		fired = append(fired, e.Observe(obs("o", "failed_login", float64(i), u+fmt.Sprint(i), "SourceIP", "10.0.0.1", "User", u))...)
		fired = append(fired, e.Observe(obs("o", "failed_login", float64(i), "", "SourceIP", "10.0.0.2", "User", "same"))...)
	}
	if len(fired) != 1 {
		t.Fatalf("fired %d times, want 1: %+v", len(fired), fired)
	}
	if f := fired[0]; f.Value != 4 || f.GroupKey["SourceIP"] != "10.0.0.1" || len(f.EventIDs) != 7 || !f.End.Equal(sec(6)) {
		t.Errorf("result = %+v", f)
	}
	// Missing field: ignored and counted.
	e.Observe(obs("o", "failed_login", 9, "", "SourceIP", "10.0.0.1"))
	if e.Stats().MissingField != 1 {
		t.Errorf("MissingField = %d, want 1", e.Stats().MissingField)
	}
}

func TestValueCountSlidesDistinct(t *testing.T) {
	e := newEngine(t, Options{}, `
title: distinct
id: d
correlation:
  type: value_count
  rules: [r]
  timespan: 10s
  condition: {field: [User, Domain], gte: 3}
`)
	// Distinct combinations of two fields, an old value slides out.
	steps := []struct {
		s         float64
		user, dom string
	}{{0, "a", "x"}, {5, "a", "y"}, {16, "b", "x"}, {17, "a", "y"}, {18, "b", "y"}, {19, "a", "x"}}
	for _, st := range steps {
		f := e.Observe(obs("o", "r", st.s, "", "User", st.user, "Domain", st.dom))
		want := st.s == 18 // at 18s: a/y(17), b/x(16), b/y(18); a/x at 0 slid out
		if (len(f) == 1) != want {
			t.Errorf("at %vs fired %d, want %v", st.s, len(f), want)
		}
	}
}

const recon = `
title: Recon
id: recon
correlation:
  type: temporal
  rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]
  group-by: [ComputerName, User]
  timespan: 5m
`

func TestTemporalRecon(t *testing.T) {
	e := newEngine(t, Options{}, recon)
	kv := []string{"ComputerName", "ws1", "User", "bob"}
	if f := e.Observe(obs("o", "recon_cmd_c", 0, "c", kv...)); len(f) != 0 {
		t.Fatal("fired on one rule")
	}
	e.Observe(obs("o", "recon_cmd_a", 60, "a", kv...))
	e.Observe(obs("o", "recon_cmd_a", 70, "a2", kv...))
	// Same rules on another host do not mix in.
	e.Observe(obs("o", "recon_cmd_b", 80, "other", "ComputerName", "ws2", "User", "bob"))
	f := e.Observe(obs("o", "recon_cmd_b", 120, "b", kv...))
	if len(f) != 1 {
		t.Fatalf("want one result, got %+v", f)
	}
	if f[0].Value != 3 || !slices.Equal(f[0].RuleIDs, []string{"id-recon_cmd_a", "id-recon_cmd_b", "id-recon_cmd_c"}) ||
		!f[0].Start.Equal(sec(0)) || !f[0].End.Equal(sec(120)) || !slices.Equal(f[0].EventIDs, []string{"c", "a", "a2", "b"}) {
		t.Errorf("result = %+v", f[0])
	}
	// Outside the window: c at 200s, a at 400s, b at 520s — c slid out.
	e.Observe(obs("o", "recon_cmd_c", 200, "", kv...))
	e.Observe(obs("o", "recon_cmd_a", 400, "", kv...))
	if f := e.Observe(obs("o", "recon_cmd_b", 520, "", kv...)); len(f) != 0 {
		t.Errorf("fired with rule c 320s before the end of a 5m window: %+v", f)
	}
	if f := e.Observe(obs("o", "recon_cmd_c", 530, "", kv...)); len(f) != 1 {
		t.Errorf("did not fire when c came back: %+v", f)
	}
}

func TestTemporalPartialCondition(t *testing.T) {
	text := strings.Replace(recon, "timespan: 5m", "timespan: 5m\n  condition: {gte: 2}", 1)
	e := newEngine(t, Options{}, text)
	e.Observe(obs("o", "recon_cmd_a", 0, "", "ComputerName", "h", "User", "u"))
	e.Observe(obs("o", "recon_cmd_a", 1, "", "ComputerName", "h", "User", "u"))
	if f := e.Observe(obs("o", "recon_cmd_c", 2, "", "ComputerName", "h", "User", "u")); len(f) != 1 || f[0].Value != 2 {
		t.Errorf("2 of 3 rules: got %+v", f)
	}
}

const ordered = `
title: Ordered
id: ord
correlation:
  type: temporal_ordered
  rules: [first, second, third]
  group-by: [User]
  timespan: 10m
`

func TestTemporalOrdered(t *testing.T) {
	tests := []struct {
		name  string
		steps []struct {
			rule string
			s    float64
		}
		fire bool
	}{
		{"in order", steps("first", 0, "second", 60, "third", 120), true},
		{"wrong order", steps("second", 0, "first", 60, "third", 120), false},
		{"third before first", steps("third", 0, "first", 60, "second", 120), false},
		{"repeat fixes order", steps("second", 0, "first", 60, "third", 120, "second", 130, "third", 140), true},
		{"too slow", steps("first", 0, "second", 300, "third", 601), false},
		{"latest start used", steps("first", 0, "first", 400, "second", 500, "third", 900), true},
		{"same instant counts as ordered", steps("first", 5, "second", 5, "third", 5), true},
		{"arrives out of order, happened in order", steps("first", 0, "third", 120, "second", 60), true},
		{"arrives in order, happened out of order", steps("first", 60, "second", 0, "third", 120), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Options{}, ordered)
			var fired []Fired
			for _, st := range tt.steps {
				fired = append(fired, e.Observe(obs("o", st.rule, st.s, st.rule, "User", "u"))...)
			}
			if (len(fired) == 1) != tt.fire || len(fired) > 1 {
				t.Fatalf("fired %d times, want fire=%v: %+v", len(fired), tt.fire, fired)
			}
			if tt.fire && fired[0].Value != 3 {
				t.Errorf("value = %v, want 3", fired[0].Value)
			}
		})
	}
}

func steps(kv ...any) []struct {
	rule string
	s    float64
} {
	var out []struct {
		rule string
		s    float64
	}
	for i := 0; i+1 < len(kv); i += 2 {
		var s float64
		switch v := kv[i+1].(type) {
		case int:
			s = float64(v)
		case float64:
			s = v
		}
		out = append(out, struct {
			rule string
			s    float64
		}{kv[i].(string), s})
	}
	return out
}

func TestAliases(t *testing.T) {
	e := newEngine(t, Options{}, `
title: error then connection back
id: alias
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
    remote_ip:
      internal_error: source.ip
      new_network_connection: destination.ip
`)
	e.Observe(obs("o", "internal_error", 0, "err", "source.ip", "203.0.113.9", "destination.ip", "10.0.0.5"))
	// Same addresses in the same fields (not swapped): another group.
	if f := e.Observe(obs("o", "new_network_connection", 1, "", "source.ip", "203.0.113.9", "destination.ip", "10.0.0.5")); len(f) != 0 {
		t.Fatalf("fired without the addresses swapped: %+v", f)
	}
	f := e.Observe(obs("o", "new_network_connection", 2, "conn", "source.ip", "10.0.0.5", "destination.ip", "203.0.113.9"))
	if len(f) != 1 || f[0].GroupKey["internal_ip"] != "10.0.0.5" || f[0].GroupKey["remote_ip"] != "203.0.113.9" {
		t.Fatalf("got %+v", f)
	}
}

func TestChainingSpecExample(t *testing.T) {
	e := newEngine(t, Options{}, specChain)
	if e.StandAlone("53ba33fd-3a50-4468-a5ef-c583635cfa92", "failed_login") {
		t.Error("failed_login is a step of a correlation and should not alert on its own")
	}
	if !e.StandAlone("other-id", "other") {
		t.Error("an unreferenced rule must alert on its own")
	}
	login := func(rule string, s float64, id string) []Fired {
		ids := map[string]string{"failed_login": "53ba33fd-3a50-4468-a5ef-c583635cfa92", "successful_login": "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"}
		return e.Observe(Observation{OrgID: "o", RuleID: ids[rule], RuleName: rule, Time: sec(s), EventID: id, Field: fieldsOf("User", "admin", "ComputerName", "dc1")})
	}
	// A success before the failures does not count.
	if f := login("successful_login", 0, "s0"); len(f) != 0 {
		t.Fatalf("fired on a lone success: %+v", f)
	}
	var fired []Fired
	for i := range 10 {
		fired = append(fired, login("failed_login", float64(10+i), fmt.Sprint("f", i))...)
	}
	if len(fired) != 1 || fired[0].Rule.Name != "multiple_failed_login" || fired[0].Standalone {
		t.Fatalf("after 10 failures want the intermediate result only, got %+v", fired)
	}
	fired = login("successful_login", 100, "s1")
	if len(fired) != 1 {
		t.Fatalf("want the outer correlation, got %+v", fired)
	}
	f := fired[0]
	if f.Rule.ID != "b180ead8-d58f-40b2-ae54-c8940995b9b6" || !f.Standalone || f.GroupKey["User"] != "admin" || f.Value != 2 {
		t.Errorf("outer result = %+v", f)
	}
	if len(f.EventIDs) != 11 || f.EventIDs[0] != "f0" || f.EventIDs[10] != "s1" {
		t.Errorf("event ids should trace back to the failures and the success: %v", f.EventIDs)
	}
	if !slices.Equal(f.RuleIDs, []string{"a8418a5a-5fc4-46b5-b23b-6c73beb19d41", "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"}) {
		t.Errorf("rule ids = %v", f.RuleIDs)
	}
}

func TestChainingGenerateAndRemove(t *testing.T) {
	outer := `
title: outer
id: outer
generate: true
correlation:
  type: event_count
  rules: [inner]
  group-by: [User]
  timespan: 1h
  condition: {gte: 2}
`
	inner := `
title: inner
name: inner
correlation:
  type: event_count
  rules: [base]
  group-by: [User, Host]
  timespan: 1h
  condition: {gte: 2}
`
	e := newEngine(t, Options{}, outer, inner)
	var fired []Fired
	for i, host := range []string{"h1", "h1", "h2", "h2"} {
		fired = append(fired, e.Observe(obs("o", "base", float64(i), "", "User", "u", "Host", host))...)
	}
	// inner fires per host; outer groups by User only, reading User from
	// inner's group key.
	if len(fired) != 3 || fired[2].Rule.ID != "outer" || !fired[0].Standalone {
		t.Fatalf("got %+v", fired)
	}
	if e.StandAlone("", "base") {
		t.Error("base is referenced only by inner, which is referenced by outer; inner does not generate, so base is not standalone")
	}
	// Cycle refused.
	cyc := mustParse(t, "title: c\nid: cyc\nname: cyc\ncorrelation:\n  type: event_count\n  rules: [outer]\n  timespan: 1h\n  condition: {gte: 1}\n")
	if err := e.Remove("outer"); err != nil {
		t.Fatal(err)
	}
	outerWithCycle := mustParse(t, strings.Replace(outer, "rules: [inner]", "rules: [inner, cyc]", 1))
	if err := e.Add(outerWithCycle); err != nil {
		t.Fatal(err)
	}
	if err := e.Add(cyc); !errors.Is(err, ErrCycle) {
		t.Errorf("Add of a cycle = %v, want ErrCycle", err)
	}
	if err := e.Add(outerWithCycle); !errors.Is(err, ErrDuplicateRule) {
		t.Errorf("second Add = %v, want ErrDuplicateRule", err)
	}
	if err := e.Remove("nope"); !errors.Is(err, ErrUnknownRule) {
		t.Errorf("Remove unknown = %v, want ErrUnknownRule", err)
	}
	if err := e.Remove("inner"); err != nil {
		t.Fatal(err)
	}
	if !e.StandAlone("", "base") {
		t.Error("after removing inner, base should be standalone")
	}
	if len(e.Rules()) != 1 {
		t.Errorf("rules = %d, want 1", len(e.Rules()))
	}
}

func TestLessThanViaAdvance(t *testing.T) {
	e := newEngine(t, Options{}, `
title: too few heartbeats
id: few
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Host]
  timespan: 1h
  condition: {lt: 3}
`, `
title: exactly two
id: eq2
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Host]
  timespan: 1h
  condition: {eq: 2}
`, `
title: range
id: range
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Host]
  timespan: 1h
  condition: {gt: 1, lte: 3}
`)
	for i := range 2 {
		if f := e.Observe(obs("o", "heartbeat", float64(i*60), "", "Host", "quiet")); len(f) != 0 {
			t.Fatalf("lt condition fired before the window closed: %+v", f)
		}
	}
	for i := range 5 {
		e.Observe(obs("o", "heartbeat", float64(i*60), "", "Host", "busy"))
	}
	if f := e.Advance(sec(3599)); len(f) != 0 {
		t.Fatalf("fired before the window ended: %+v", f)
	}
	f := e.Advance(sec(3601))
	got := map[string]bool{}
	for _, x := range f {
		got[x.Rule.ID+"/"+x.GroupKey["Host"]] = true
		if x.Value != 2 || !x.Start.Equal(sec(0)) || !x.End.Equal(sec(3600)) {
			t.Errorf("result %+v", x)
		}
	}
	want := map[string]bool{"few/quiet": true, "eq2/quiet": true, "range/quiet": true}
	if len(f) != 3 || len(got) != 3 || !got["few/quiet"] || !got["eq2/quiet"] || !got["range/quiet"] {
		t.Errorf("Advance fired %v, want %v", got, want)
	}
	if s := e.Stats(); s.Groups != 0 || s.Expired != 6 {
		t.Errorf("after Advance groups = %d expired = %d, want 0 and 6", s.Groups, s.Expired)
	}
	// An observation after the window closes the window too.
	e.Observe(obs("o", "heartbeat", 4000, "", "Host", "h"))
	if f := e.Observe(obs("o", "heartbeat", 4000+3601, "", "Host", "h")); len(f) != 1 || f[0].Rule.ID != "few" || f[0].Value != 1 {
		t.Errorf("a match after the window should close it: %+v", f)
	}
}

func TestValueSumAvgPercentile(t *testing.T) {
	e := newEngine(t, Options{}, `
title: exfil
id: sum
correlation:
  type: value_sum
  rules: [web]
  group-by: [User]
  timespan: 1h
  condition: {field: bytes, gt: 1000}
`, `
title: avg
id: avg
correlation:
  type: value_avg
  rules: [web]
  group-by: [User]
  timespan: 1h
  condition: {field: bytes, gt: 300}
`, `
title: p90
id: p90
correlation:
  type: value_percentile
  rules: [web]
  group-by: [User]
  timespan: 1h
  condition: {field: bytes, percentile: 90, gte: 900}
`)
	var fired []Fired
	for i, b := range []string{"100", "200", "900", "x", "500"} {
		fired = append(fired, e.Observe(obs("o", "web", float64(i), "", "User", "u", "bytes", b))...)
	}
	if len(fired) != 1 || fired[0].Rule.ID != "sum" || fired[0].Value != 1200 || !fired[0].End.Equal(sec(2)) {
		t.Fatalf("sum: %+v", fired)
	}
	if e.Stats().BadValue != 3 { // "x" for each of the three rules
		t.Errorf("BadValue = %d, want 3", e.Stats().BadValue)
	}
	fired = e.Advance(sec(4000))
	vals := map[string]float64{}
	for _, f := range fired {
		vals[f.Rule.ID] = f.Value
	}
	if len(fired) != 2 || vals["avg"] != 425 || vals["p90"] != 900 {
		t.Errorf("at close: %v", vals)
	}
}

func TestValuePercentileShare(t *testing.T) {
	e := newEngine(t, Options{}, `
title: A computer spawned a rare process
id: rare
correlation:
  type: value_percentile
  rules: [process_creation]
  group-by: [ComputerName]
  timespan: 24h
  condition:
    field: Image
    lte: 1
`)
	for i := range 200 {
		e.Observe(obs("o", "process_creation", float64(i), fmt.Sprint("e", i), "ComputerName", "pc", "Image", `C:\Windows\explorer.exe`))
	}
	e.Observe(obs("o", "process_creation", 300, "rare1", "ComputerName", "pc", "Image", `C:\Temp\x.exe`))
	e.Observe(obs("o", "process_creation", 301, "rare2", "ComputerName", "pc", "Image", `C:\Temp\x.exe`))
	e.Observe(obs("o", "process_creation", 302, "rare3", "ComputerName", "pc", "Image", `C:\Temp\y.exe`))
	f := e.Advance(sec(90000))
	if len(f) != 2 {
		t.Fatalf("want the two rare images, got %+v", f)
	}
	got := map[string]Fired{}
	for _, x := range f {
		got[x.GroupKey["Image"]] = x
	}
	if x := got[`C:\Temp\x.exe`]; x.Value != 100*2.0/203 || !slices.Equal(x.EventIDs, []string{"rare1"}) || x.GroupKey["ComputerName"] != "pc" {
		t.Errorf("x.exe: %+v", x)
	}
	if _, ok := got[`C:\Temp\y.exe`]; !ok {
		t.Error("y.exe missing")
	}
	// Many distinct values (the indexed path).
	for i := range 30 {
		e.Observe(obs("o", "process_creation", 90000+float64(i), fmt.Sprint("r", i), "ComputerName", "pc2", "Image", fmt.Sprint("rare", i)))
	}
	for i := range 2000 {
		e.Observe(obs("o", "process_creation", 90030+float64(i)/100, "", "ComputerName", "pc2", "Image", "common"))
	}
	f = e.Advance(sec(200000))
	if len(f) != 30 {
		t.Fatalf("want 30 rare images, got %d", len(f))
	}
	for _, x := range f {
		if want := "r" + x.GroupKey["Image"][len("rare"):]; len(x.EventIDs) != 1 || x.EventIDs[0] != want {
			t.Errorf("%s: event ids %v, want [%s]", x.GroupKey["Image"], x.EventIDs, want)
		}
	}
}

func TestOutOfOrder(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce)
	// Five events inside one minute, delivered shuffled.
	for _, s := range []float64{40, 10, 50, 0} {
		if f := e.Observe(obs("o", "failed_login", s, "", "User", "u")); len(f) != 0 {
			t.Fatalf("fired early at %v", s)
		}
	}
	f := e.Observe(obs("o", "failed_login", 30, "", "User", "u"))
	if len(f) != 1 || !f[0].Start.Equal(sec(0)) || !f[0].End.Equal(sec(50)) {
		t.Fatalf("shuffled events: %+v", f)
	}
	// Newest is 50s: an event at -20s is more than a timespan late.
	e.Observe(obs("o", "failed_login", -20, "", "User", "u"))
	if e.Stats().Late != 1 {
		t.Errorf("Late = %d, want 1", e.Stats().Late)
	}

	// Property: for event_count in sliding mode, any delivery order of
	// events that are each less than a timespan late gives the same
	// number of results as in-order delivery when events are spread so
	// that windows do not overlap ambiguously.
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		e := newEngine(t, Options{}, bruteForce)
		var times []float64
		for burst := range 5 {
			for i := range 5 {
				times = append(times, float64(burst*200+i*5))
			}
		}
		shuffled := slices.Clone(times)
		// Swap neighbours only within a burst (less than a minute late).
		for i := 0; i+1 < len(shuffled); i++ {
			if rng.IntN(2) == 0 && shuffled[i+1]-shuffled[i] < 60 {
				shuffled[i], shuffled[i+1] = shuffled[i+1], shuffled[i]
			}
		}
		n := 0
		for _, s := range shuffled {
			n += len(e.Observe(obs("o", "failed_login", s, "", "User", "u")))
		}
		if n != 5 {
			t.Errorf("round %d: %d results, want 5 (order %v)", round, n, shuffled)
		}
	}
}

func TestTumblingLateEvent(t *testing.T) {
	e := newEngine(t, Options{}, `
title: few
id: few
correlation:
  type: event_count
  rules: [r]
  timespan: 10s
  condition: {lt: 5}
`)
	e.Observe(obs("o", "r", 5, ""))
	e.Observe(obs("o", "r", 8, ""))
	e.Observe(obs("o", "r", 1, ""))  // late, still fits: window becomes [1, 11]
	e.Observe(obs("o", "r", -5, "")) // too late: 8 - (-5) > 10
	if s := e.Stats(); s.Late != 1 {
		t.Errorf("Late = %d, want 1", s.Late)
	}
	f := e.Advance(sec(11.5))
	if len(f) != 1 || f[0].Value != 3 || !f[0].Start.Equal(sec(1)) || !f[0].End.Equal(sec(11)) {
		t.Errorf("got %+v", f)
	}
}

func TestOrgIsolation(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce)
	for i := range 4 {
		e.Observe(obs("org-a", "failed_login", float64(i), "", "User", "root"))
		e.Observe(obs("org-b", "failed_login", float64(i), "", "User", "root"))
	}
	f := e.Observe(obs("org-a", "failed_login", 5, "", "User", "root"))
	if len(f) != 1 || f[0].OrgID != "org-a" {
		t.Fatalf("org-a: %+v", f)
	}
	if s := e.Stats(); s.Groups != 2 {
		t.Errorf("groups = %d, want one per org", s.Groups)
	}
	// An org name cannot forge another's key through separators.
	e2 := newEngine(t, Options{}, strings.Replace(bruteForce, "gte: 5", "gte: 2", 1))
	e2.Observe(Observation{OrgID: "a\x00", RuleName: "failed_login", Time: sec(0), Field: fieldsOf("User", "b")})
	if f := e2.Observe(Observation{OrgID: "a", RuleName: "failed_login", Time: sec(1), Field: fieldsOf("User", "\x00b")}); len(f) != 0 {
		t.Errorf("keys of different orgs collided: %+v", f)
	}
}

func TestEviction(t *testing.T) {
	e := newEngine(t, Options{MaxGroups: 3}, bruteForce)
	for i := range 5 {
		e.Observe(obs("o", "failed_login", float64(i), "", "User", fmt.Sprint("u", i)))
	}
	s := e.Stats()
	if s.Groups != 3 || s.Evicted != 2 {
		t.Fatalf("groups %d evicted %d, want 3 and 2", s.Groups, s.Evicted)
	}
	// u0 was evicted: four more events for it do not reach five.
	for i := range 4 {
		if f := e.Observe(obs("o", "failed_login", float64(10+i), "", "User", "u0")); len(f) != 0 {
			t.Fatalf("evicted group kept its count: %+v", f)
		}
	}
	// The newest groups survive: u4 needs 4 more.
	n := 0
	for i := range 4 {
		n += len(e.Observe(obs("o", "failed_login", float64(20+i), "", "User", "u4")))
	}
	if n != 1 && e.Stats().Evicted > 2 {
		t.Logf("u4 was evicted under pressure (evicted %d)", e.Stats().Evicted)
	}
}

func TestAdvanceFreesSlidingGroups(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce)
	e.Observe(obs("o", "failed_login", 0, "", "User", "u"))
	if f := e.Advance(sec(61)); len(f) != 0 || e.Stats().Groups != 0 {
		t.Errorf("sliding group not freed: %+v, groups %d", f, e.Stats().Groups)
	}
}

func TestAddLimits(t *testing.T) {
	e := New(Options{MaxGroupEntries: 50})
	r := mustParse(t, strings.Replace(bruteForce, "gte: 5", "gte: 51", 1))
	if err := e.Add(r); !errors.Is(err, ErrInvalidRule) {
		t.Errorf("Add of a threshold beyond MaxGroupEntries = %v", err)
	}
	if err := e.Add(&Rule{Title: "no id", Correlation: r.Correlation}); err == nil {
		t.Error("Add accepted a rule without id or name")
	}
	if err := e.Add(nil); err == nil {
		t.Error("Add accepted nil")
	}
}

func TestObservationEdgeCases(t *testing.T) {
	now := sec(100)
	e := newEngine(t, Options{Now: func() time.Time { return now }}, strings.Replace(bruteForce, "gte: 5", "gte: 1", 1))
	f := e.Observe(Observation{OrgID: "o", RuleName: "failed_login", Field: fieldsOf("User", "u")})
	if len(f) != 1 || !f[0].End.Equal(now) {
		t.Errorf("observation without time should use Now: %+v", f)
	}
	if f := e.Observe(Observation{OrgID: "o", RuleName: "failed_login", Time: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Field: fieldsOf("User", "u")}); f != nil {
		t.Errorf("year 1 accepted: %+v", f)
	}
	if f := e.Observe(Observation{OrgID: "o", RuleName: "failed_login", Time: sec(1)}); f != nil {
		t.Errorf("nil Field with a group-by should be ignored: %+v", f)
	}
	if f := e.Observe(Observation{OrgID: "o", RuleName: "unrelated", Time: sec(1)}); f != nil {
		t.Errorf("unrelated rule: %+v", f)
	}
	if !e.Interested("", "failed_login") || e.Interested("x", "y") {
		t.Error("Interested wrong")
	}
}

func TestChainEvictsClosingGroup(t *testing.T) {
	e := newEngine(t, Options{MaxGroups: 1}, `
title: quiet
name: quiet
correlation:
  type: event_count
  rules: [r]
  group-by: [h]
  timespan: 10s
  condition: {lt: 5}
`, `
title: any quiet
id: anyquiet
correlation:
  type: event_count
  rules: [quiet]
  group-by: [h]
  timespan: 1h
  condition: {gte: 1}
`)
	e.Observe(obs("o", "r", 0, "a", "h", "x"))
	f := e.Observe(obs("o", "r", 20, "b", "h", "x"))
	if len(f) != 2 || f[0].Rule.Name != "quiet" || f[1].Rule.ID != "anyquiet" || f[1].EventIDs[0] != "a" {
		t.Fatalf("got %+v", f)
	}
	if s := e.Stats(); s.Groups != 1 || s.Evicted != 2 {
		t.Errorf("groups %d evicted %d, want 1 and 2", s.Groups, s.Evicted)
	}
	// The new window of "quiet" holds the second event; closing it feeds
	// "any quiet" again (sorted by End: the chained result, at the time of
	// its event, comes first).
	f = e.Advance(sec(31))
	if len(f) != 2 || f[1].Rule.Name != "quiet" || !slices.Equal(f[1].EventIDs, []string{"b"}) ||
		f[0].Rule.ID != "anyquiet" || !f[0].End.Equal(sec(20)) {
		t.Errorf("got %+v", f)
	}
}

func TestValueCountTumblingSaturation(t *testing.T) {
	e := newEngine(t, Options{MaxGroupEntries: 8}, `
title: few users
id: few
correlation:
  type: value_count
  rules: [r]
  timespan: 1m
  condition: {field: User, lt: 5}
`, `
title: three users
id: three
correlation:
  type: value_count
  rules: [r]
  timespan: 1m
  condition: {field: User, eq: 3}
`)
	for i := range 20 {
		e.Observe(obs("busy", "r", float64(i), "", "User", fmt.Sprint("u", i)))
	}
	for i := range 6 {
		e.Observe(obs("calm", "r", float64(i), "", "User", fmt.Sprint("u", i%3)))
	}
	f := e.Advance(sec(61))
	got := map[string]float64{}
	for _, x := range f {
		got[x.OrgID+"/"+x.Rule.ID] = x.Value
	}
	if len(got) != 2 || got["calm/few"] != 3 || got["calm/three"] != 3 {
		t.Errorf("got %v; the saturated busy org must not match lt 5", got)
	}
	if e.Stats().Truncated == 0 {
		t.Error("saturation was not counted")
	}
	bad := New(Options{MaxGroupEntries: 8})
	r := mustParse(t, "title: x\nid: x\ncorrelation:\n  type: value_count\n  rules: [r]\n  timespan: 1m\n  condition: {field: U, lt: 8}\n")
	if err := bad.Add(r); !errors.Is(err, ErrInvalidRule) {
		t.Errorf("a bound the cap cannot decide was accepted: %v", err)
	}
}

func TestTemporalTumbling(t *testing.T) {
	e := newEngine(t, Options{}, strings.Replace(recon, "timespan: 5m", "timespan: 5m\n  condition: {lt: 2}", 1))
	kv := []string{"ComputerName", "h", "User", "u"}
	e.Observe(obs("o", "recon_cmd_a", 0, "", kv...))
	e.Observe(obs("o", "recon_cmd_a", 10, "", kv...))
	e.Observe(obs("o", "recon_cmd_b", 10, "", "ComputerName", "h2", "User", "u"))
	e.Observe(obs("o", "recon_cmd_c", 20, "", "ComputerName", "h2", "User", "u"))
	f := e.Advance(sec(400))
	if len(f) != 1 || f[0].GroupKey["ComputerName"] != "h" || f[0].Value != 1 {
		t.Errorf("only one rule on h should match lt 2: %+v", f)
	}
}
