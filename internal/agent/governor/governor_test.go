package governor

import (
	"context"
	"testing"
	"time"
)

func TestThrottleFollowsUsage(t *testing.T) {
	g := New(Options{CPUPercent: 10, Window: 10 * time.Second})
	t0 := time.Unix(1000, 0)
	g.observe(t0, 100)
	g.observe(t0.Add(5*time.Second), 100.25) // 5% of a core
	if g.Throttled() {
		t.Fatalf("throttled at %.1f%%", g.CPUPercent())
	}
	g.observe(t0.Add(10*time.Second), 102.25) // 2.25s over 10s: 22.5%
	if !g.Throttled() || g.CPUPercent() < 20 {
		t.Fatalf("not throttled at %.1f%%", g.CPUPercent())
	}
	start := time.Now()
	if err := g.Pace(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("Pace returned after %v while throttled", d)
	}
	// Idle again: the window slides past the burst.
	g.observe(t0.Add(25*time.Second), 102.3)
	g.observe(t0.Add(30*time.Second), 102.35)
	if g.Throttled() {
		t.Fatalf("still throttled at %.1f%%", g.CPUPercent())
	}
	start = time.Now()
	g.Pace(context.Background())
	// Throttled, Pace sleeps 40 ms or more; the margin below that is for a
	// loaded machine's scheduling.
	if time.Since(start) > 30*time.Millisecond {
		t.Error("Pace slept while not throttled")
	}
}

func TestMeasuresOwnProcess(t *testing.T) {
	g := New(Options{CPUPercent: 1000, Sample: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
		}
	}()
	g.Run(ctx)
	if g.CPUPercent() < 5 {
		t.Fatalf("a busy loop measured at %.1f%% of a core", g.CPUPercent())
	}
}
