package correlate

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// allTypes covers every type in both sliding and tumbling mode, and a
// chain.
var allTypes = []string{bruteForce, recon, ordered, `
title: few
id: few
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 1m
  condition: {gt: 1, lt: 4}
`, `
title: spray
id: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [Host]
  timespan: 2m
  condition: {field: User, gte: 3}
`, `
title: distinct range
id: vcr
correlation:
  type: value_count
  rules: [failed_login, first]
  group-by: [Host]
  timespan: 2m
  condition: {field: User, neq: 2}
`, `
title: sum
id: sum
correlation:
  type: value_sum
  rules: [web]
  group-by: [User]
  timespan: 1m
  condition: {field: bytes, gte: 2000}
`, `
title: avg
id: avg
correlation:
  type: value_avg
  rules: [web]
  group-by: [User]
  timespan: 1m
  condition: {field: bytes, gt: 600}
`, `
title: p50
id: p50
correlation:
  type: value_percentile
  rules: [web]
  group-by: [User]
  timespan: 1m
  condition: {field: bytes, percentile: 50, lte: 300}
`, `
title: rare
id: rare
correlation:
  type: value_percentile
  rules: [web]
  group-by: [Host]
  timespan: 1m
  condition: {field: User, lt: 20}
`, `
title: ordered partial
id: ordp
correlation:
  type: temporal_ordered
  rules: [first, second, third]
  group-by: [User]
  timespan: 30s
  condition: {eq: 2}
`, `
title: chained
id: chained
correlation:
  type: temporal
  rules: [bf, web]
  group-by: [User]
  timespan: 5m
`}

// randomStream makes a roughly ordered stream of matches over a few
// orgs, users and hosts.
func randomStream(seed uint64, n int) []Observation {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b9))
	rules := []string{"failed_login", "recon_cmd_a", "recon_cmd_b", "recon_cmd_c", "first", "second", "third", "web"}
	out := make([]Observation, 0, n)
	s := 0.0
	for i := range n {
		s += rng.Float64() * 3
		late := 0.0
		if rng.IntN(10) == 0 {
			late = rng.Float64() * 90 // sometimes late, sometimes too late
		}
		out = append(out, obs(
			fmt.Sprint("org", rng.IntN(2)), rules[rng.IntN(len(rules))], s-late, fmt.Sprint("e", i),
			"User", fmt.Sprint("u", rng.IntN(3)), "Host", fmt.Sprint("h", rng.IntN(2)),
			"ComputerName", "pc", "bytes", fmt.Sprint(rng.IntN(1000))))
	}
	return out
}

func describe(fs []Fired) []string {
	var out []string
	for _, f := range fs {
		keys := make([]string, 0, len(f.GroupKey))
		for k, v := range f.GroupKey {
			keys = append(keys, k+"="+v)
		}
		sort.Strings(keys)
		out = append(out, fmt.Sprintf("%s %s %v %s..%s %.4f ids=%v rules=%v sa=%v", f.Rule.Key(), f.OrgID, keys,
			f.Start.Format("15:04:05.000"), f.End.Format("15:04:05.000"), f.Value, f.EventIDs, f.RuleIDs, f.Standalone))
	}
	return out
}

// run feeds a stream, advancing the watermark every 50 matches.
func run(e *Engine, stream []Observation) []string {
	var out []string
	for i, o := range stream {
		out = append(out, describe(e.Observe(o))...)
		if i%50 == 49 {
			out = append(out, describe(e.Advance(o.Time.Add(-90e9)))...)
		}
	}
	return out
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	for seed := range uint64(5) {
		stream := randomStream(seed, 3000)
		whole := run(newEngine(t, Options{}, allTypes...), stream)
		if len(whole) < 50 {
			t.Fatalf("seed %d: only %d results; the stream does not exercise the rules", seed, len(whole))
		}

		cut := 1000 + int(seed)*300 // mid-window for many groups
		first := newEngine(t, Options{}, allTypes...)
		got := run(first, stream[:cut])
		var buf bytes.Buffer
		if err := first.Snapshot(&buf); err != nil {
			t.Fatal(err)
		}
		if first.Stats().Groups == 0 {
			t.Fatal("nothing to snapshot")
		}
		second := newEngine(t, Options{}, allTypes...)
		if err := second.Restore(bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatal(err)
		}
		if a, b := first.Stats().Groups, second.Stats().Groups; a != b {
			t.Fatalf("restored %d groups, had %d", b, a)
		}
		// Continue with the same Advance cadence as the whole run.
		for i := cut; i < len(stream); i++ {
			got = append(got, describe(second.Observe(stream[i]))...)
			if i%50 == 49 {
				got = append(got, describe(second.Advance(stream[i].Time.Add(-90e9)))...)
			}
		}
		if strings.Join(got, "\n") != strings.Join(whole, "\n") {
			for i := range min(len(got), len(whole)) {
				if got[i] != whole[i] {
					t.Fatalf("seed %d: result %d differs after restore:\n got %s\nwant %s", seed, i, got[i], whole[i])
				}
			}
			t.Fatalf("seed %d: %d results after restore, want %d", seed, len(got), len(whole))
		}
	}
}

func TestRestoreDropsMissingOrChangedRules(t *testing.T) {
	e := newEngine(t, Options{}, bruteForce, recon)
	for i := range 3 {
		e.Observe(obs("o", "failed_login", float64(i), "", "User", "u"))
		e.Observe(obs("o", "recon_cmd_a", float64(i), "", "User", "u", "ComputerName", "c"))
	}
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	// recon missing, brute force changed (threshold).
	changed := newEngine(t, Options{}, strings.Replace(bruteForce, "gte: 5", "gte: 6", 1))
	if err := changed.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s := changed.Stats(); s.Groups != 0 || s.RestoreDropped != 2 {
		t.Errorf("groups %d dropped %d, want 0 and 2", s.Groups, s.RestoreDropped)
	}
	same := newEngine(t, Options{}, bruteForce)
	if err := same.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s := same.Stats(); s.Groups != 1 || s.RestoreDropped != 1 {
		t.Errorf("groups %d dropped %d, want 1 and 1", s.Groups, s.RestoreDropped)
	}
	// Two more events complete the five started before the snapshot.
	same.Observe(obs("o", "failed_login", 3, "", "User", "u"))
	if f := same.Observe(obs("o", "failed_login", 4, "", "User", "u")); len(f) != 1 || f[0].Value != 5 {
		t.Errorf("after restore: %+v", f)
	}
	// MaxGroups applies on restore too.
	small := newEngine(t, Options{MaxGroups: 1}, bruteForce, recon)
	if err := small.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s := small.Stats(); s.Groups != 1 || s.Evicted != 1 {
		t.Errorf("groups %d evicted %d, want 1 and 1", s.Groups, s.Evicted)
	}
}

func TestRestoreRejectsBadInput(t *testing.T) {
	e := newEngine(t, Options{}, allTypes...)
	for _, o := range randomStream(7, 500) {
		e.Observe(o)
	}
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	before := e.Stats().Groups
	bad := [][]byte{
		nil,
		[]byte("hello"),
		[]byte(snapshotMagic),
		good[:len(good)/2],
		append([]byte("x"), good[1:]...),
	}
	// Flip bytes through the body: must never panic, and must either fail
	// or restore something consistent.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		b := bytes.Clone(good)
		for range 1 + rng.IntN(4) {
			i := len(snapshotMagic) + rng.IntN(len(b)-len(snapshotMagic))
			b[i] ^= byte(1 + rng.IntN(255))
		}
		bad = append(bad, b)
	}
	failed := 0
	for _, b := range bad {
		x := newEngine(t, Options{}, allTypes...)
		for _, o := range randomStream(8, 50) {
			x.Observe(o)
		}
		groups := x.Stats().Groups
		if err := x.Restore(bytes.NewReader(b)); err != nil {
			failed++
			if !errors.Is(err, ErrSnapshot) {
				t.Errorf("error %v does not wrap ErrSnapshot", err)
			}
			if x.Stats().Groups != groups {
				t.Errorf("failed restore changed the state")
			}
			continue
		}
		// Whatever was accepted must keep working.
		for _, o := range randomStream(9, 200) {
			x.Observe(o)
		}
		x.Advance(sec(1e6))
		var out bytes.Buffer
		if err := x.Snapshot(&out); err != nil {
			t.Fatal(err)
		}
	}
	if failed < 5 {
		t.Errorf("only %d of %d corrupt snapshots were refused", failed, len(bad))
	}
	if e.Stats().Groups != before {
		t.Error("snapshot changed the engine")
	}
}
