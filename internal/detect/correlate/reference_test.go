package correlate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestSlidingAgainstReference compares the engine with a naive model of
// the documented sliding semantics on random in-order streams: keep
// every event since the last result, and fire when the events of the
// window [newest-timespan, newest] satisfy the condition.
func TestSlidingAgainstReference(t *testing.T) {
	type ev struct {
		t   time.Time
		val string
	}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 99))
		threshold := 2 + rng.IntN(40)
		values := 1 + rng.IntN(80)
		spanS := 5 + rng.IntN(60)
		e := newEngine(t, Options{}, fmt.Sprintf(`
title: vc
id: vc
correlation:
  type: value_count
  rules: [r]
  timespan: %ds
  condition: {field: v, gte: %d}
`, spanS, threshold), fmt.Sprintf(`
title: ec
id: ec
correlation:
  type: event_count
  rules: [r]
  timespan: %ds
  condition: {gt: %d}
`, spanS, threshold))
		span := time.Duration(spanS) * time.Second
		var vcHeld, ecHeld []ev
		now := t0
		for i := range 2000 {
			now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			x := ev{now, fmt.Sprint("v", rng.IntN(values))}
			got := e.Observe(Observation{OrgID: "o", RuleName: "r", Time: now, Field: fieldsOf("v", x.val)})

			var want []string
			inWindow := func(held []ev) []ev {
				var w []ev
				for _, h := range held {
					if !h.t.Before(now.Add(-span)) {
						w = append(w, h)
					}
				}
				return w
			}
			vcHeld = inWindow(append(vcHeld, x))
			distinct := map[string]bool{}
			for _, h := range vcHeld {
				distinct[h.val] = true
			}
			if len(distinct) >= threshold {
				want = append(want, fmt.Sprintf("vc %d", len(distinct)))
				vcHeld = nil
			}
			ecHeld = inWindow(append(ecHeld, x))
			if len(ecHeld) > threshold {
				want = append(want, fmt.Sprintf("ec %d", len(ecHeld)))
				ecHeld = nil
			}
			var gotS []string
			for _, f := range got {
				gotS = append(gotS, fmt.Sprintf("%s %.0f", f.Rule.ID, f.Value))
			}
			slices.Sort(gotS)
			slices.Sort(want)
			if !slices.Equal(gotS, want) {
				t.Fatalf("seed %d event %d: got %v, want %v", seed, i, gotS, want)
			}
		}
	}
}
