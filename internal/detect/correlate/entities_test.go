package correlate

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

func withEntities(o Observation, kv ...string) Observation {
	for i := 0; i+1 < len(kv); i += 2 {
		o.Entities = append(o.Entities, Entity{kv[i], kv[i+1]})
	}
	return o
}

// TestFiredEntities: a result names the distinct entities of the events
// that made it, kept per group across observations; in sliding mode
// those of events that left the window are forgotten; a group keeps at
// most MaxEntityBytes of them; chained results carry them on; a
// snapshot keeps them.
func TestFiredEntities(t *testing.T) {
	spray := `
title: spray
id: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [Host]
  timespan: 1m
  condition: {field: User, gte: 3}
`
	e := newEngine(t, Options{}, spray)
	var fired []Fired
	// The first user's event slides out of the window before the third.
	for i, u := range []string{"old", "alice", "bob", "alice", "carol"} {
		at := float64(i * 20)
		if i > 0 {
			at += 50
		}
		o := withEntities(obs("org1", "failed_login", at, fmt.Sprint("e", i), "Host", "h1", "User", u), "h", "h1", "u", u, "ip", "10.0.0."+fmt.Sprint(i))
		fired = append(fired, e.Observe(o)...)
	}
	if len(fired) != 1 {
		t.Fatalf("fired %d times", len(fired))
	}
	want := []Entity{{"h", "h1"}, {"u", "alice"}, {"ip", "10.0.0.1"}, {"u", "bob"}, {"ip", "10.0.0.2"}, {"ip", "10.0.0.3"}, {"u", "carol"}, {"ip", "10.0.0.4"}}
	if !slices.Equal(fired[0].Entities, want) {
		t.Fatalf("entities %v\nwant %v", fired[0].Entities, want)
	}

	// The bound: a group keeps what fits, and counts the rest.
	small := newEngine(t, Options{MaxEntityBytes: 40}, spray)
	for i, u := range []string{"a", "b", "c"} {
		fired = small.Observe(withEntities(obs("org1", "failed_login", float64(i), "x", "Host", "h1", "User", u), "u", "user-"+u))
	}
	if len(fired) != 1 || len(fired[0].Entities) != 2 || small.Stats().EntitiesDropped != 1 {
		t.Fatalf("bounded: %+v, dropped %d", fired, small.Stats().EntitiesDropped)
	}

	// A chain: the outer result names the inner results' entities.
	chain := newEngine(t, Options{}, bruteForce, `
title: repeated brute force
id: rbf
correlation:
  type: event_count
  rules: [bf]
  group-by: [User]
  timespan: 10m
  condition: {gte: 2}
`)
	var outer []Fired
	for i := range 10 {
		o := withEntities(obs("org1", "failed_login", float64(i), "x", "User", "alice"), "ip", fmt.Sprintf("192.0.2.%d", i))
		for _, f := range chain.Observe(o) {
			if f.Rule.ID == "rbf" {
				outer = append(outer, f)
			}
		}
	}
	if len(outer) != 1 || len(outer[0].Entities) != 10 {
		t.Fatalf("chained: %+v", outer)
	}

	// A snapshot keeps a group's entities.
	open := newEngine(t, Options{}, spray)
	open.Observe(withEntities(obs("org1", "failed_login", 0, "x", "Host", "h2", "User", "a"), "u", "a"))
	open.Observe(withEntities(obs("org1", "failed_login", 1, "y", "Host", "h2", "User", "b"), "u", "b"))
	var buf bytes.Buffer
	if err := open.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	restored := newEngine(t, Options{}, spray)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	fired = restored.Observe(withEntities(obs("org1", "failed_login", 2, "z", "Host", "h2", "User", "c"), "u", "c"))
	if len(fired) != 1 || !slices.Equal(fired[0].Entities, []Entity{{"u", "a"}, {"u", "b"}, {"u", "c"}}) {
		t.Fatalf("restored: %+v", fired)
	}
}
