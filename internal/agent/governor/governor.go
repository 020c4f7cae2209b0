// Package governor keeps the agent within its resource limits. It measures
// the agent's own CPU time over a sliding window and, while the agent is
// over Limits.CPUPercent, makes collectors pause between units of work
// (a file hashed, a process inspected, a batch of log lines).
package governor

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// Options configure a Governor.
type Options struct {
	// CPUPercent of one core the agent may use, averaged over Window
	// (default 5).
	CPUPercent float64
	// Window is the averaging window (default 1 minute).
	Window time.Duration
	// Sample is the measuring period (default 5 seconds).
	Sample time.Duration
	// Logger receives a line when throttling starts and ends.
	Logger *slog.Logger
}

// Governor measures and paces. Its zero value is not usable; call New.
type Governor struct {
	opts Options
	log  *slog.Logger
	proc *process.Process

	mu        sync.Mutex // guards the fields below
	limit     float64
	samples   []sample // oldest first, spanning at most Window
	pct       float64
	throttled bool
}

type sample struct {
	at  time.Time
	cpu float64 // seconds of user+system time
}

// New builds a Governor for the current process.
func New(opts Options) *Governor {
	if opts.CPUPercent <= 0 {
		opts.CPUPercent = 5
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.Sample <= 0 {
		opts.Sample = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, _ := process.NewProcess(int32(os.Getpid()))
	return &Governor{opts: opts, log: opts.Logger, proc: p, limit: opts.CPUPercent}
}

// SetLimit changes the CPU cap (from a new server config).
func (g *Governor) SetLimit(pct float64) {
	if pct <= 0 {
		pct = 5
	}
	g.mu.Lock()
	g.limit = pct
	g.mu.Unlock()
}

// Run samples until ctx ends.
func (g *Governor) Run(ctx context.Context) {
	t := time.NewTicker(g.opts.Sample)
	defer t.Stop()
	g.measure(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.measure(ctx)
		}
	}
}

func (g *Governor) measure(ctx context.Context) {
	if g.proc == nil {
		return
	}
	ts, err := g.proc.TimesWithContext(ctx)
	if err != nil {
		return
	}
	g.observe(time.Now(), ts.User+ts.System)
}

// observe records a cumulative CPU reading and updates the verdict.
func (g *Governor) observe(now time.Time, cpuSeconds float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.samples = append(g.samples, sample{at: now, cpu: cpuSeconds})
	for len(g.samples) > 2 && now.Sub(g.samples[1].at) >= g.opts.Window {
		g.samples = g.samples[1:]
	}
	first := g.samples[0]
	span := now.Sub(first.at).Seconds()
	if span <= 0 {
		return
	}
	g.pct = (cpuSeconds - first.cpu) / span * 100
	over := g.pct > g.limit
	if over != g.throttled {
		g.throttled = over
		if over {
			g.log.Warn("agent over its CPU limit; slowing collectors", slog.Float64("cpu_percent", g.pct), slog.Float64("limit_percent", g.limit))
		} else {
			g.log.Info("agent back under its CPU limit", slog.Float64("cpu_percent", g.pct), slog.Float64("limit_percent", g.limit))
		}
	}
}

// CPUPercent is the agent's CPU use over the window (percent of one core).
func (g *Governor) CPUPercent() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pct
}

// Throttled reports whether collectors are being slowed.
func (g *Governor) Throttled() bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.throttled
}

// Pace is called by collectors between units of work: it returns at once
// normally and sleeps while the agent is over its limit, longer the
// further over it is.
func (g *Governor) Pace(ctx context.Context) error {
	if g == nil {
		return ctx.Err()
	}
	g.mu.Lock()
	throttled, pct, limit := g.throttled, g.pct, g.limit
	g.mu.Unlock()
	if !throttled {
		return ctx.Err()
	}
	// Sleep in proportion to the overshoot: at twice the limit a unit of
	// work waits 200ms, capped at 2s.
	d := time.Duration((pct/limit - 1) * float64(200*time.Millisecond))
	d = min(max(d, 50*time.Millisecond), 2*time.Second)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
