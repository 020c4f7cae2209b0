package runner

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/agent/client"
	"github.com/eventsec/eventsec/internal/agent/fim"
	"github.com/eventsec/eventsec/internal/agent/logtail"
	"github.com/eventsec/eventsec/internal/agent/sca"
	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// startCollectors starts every collector the config asks for; they stop
// when ctx ends and the returned group is done.
func (r *Runner) startCollectors(ctx context.Context, cfg wire.Config) *sync.WaitGroup {
	var wg sync.WaitGroup
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				r.warn(name + " stopped: " + err.Error())
			}
		}()
	}
	agentID := r.cred.AgentID
	sink := r.sink()

	if len(cfg.LogFiles) > 0 {
		t, err := logtail.New(logtail.Options{
			Files: cfg.LogFiles, StateFile: r.dataPath(logOffsetsFile), Sink: sink, AgentID: agentID,
			Pacer: r.gov, Logger: r.log.With("component", "agent.logtail"),
		})
		if err != nil {
			r.warn("cannot tail log files: " + err.Error())
		} else {
			goRun("log tailing", t.Run)
		}
	}
	if cfg.Journald && runtime.GOOS == "linux" {
		j, err := logtail.NewJournal(logtail.JournalOptions{
			CursorFile: r.dataPath(journalFile), Sink: sink, AgentID: agentID, Logger: r.log.With("component", "agent.journald"),
		})
		switch {
		case errors.Is(err, logtail.ErrNoJournalctl):
			r.warn("journald collection is on but journalctl is not installed")
		case err != nil:
			r.warn("cannot read the journal: " + err.Error())
		default:
			goRun("journal reader", j.Run)
		}
	}
	if len(cfg.EventLogChannels) > 0 {
		el, err := logtail.NewEventLog(logtail.EventLogOptions{
			Channels: cfg.EventLogChannels, BookmarkFile: r.dataPath(eventlogFile), Sink: sink, AgentID: agentID,
			Logger: r.log.With("component", "agent.eventlog"),
		})
		if err != nil {
			if runtime.GOOS == "windows" {
				r.warn("cannot read the Windows Event Log: " + err.Error())
			}
		} else {
			goRun("event log reader", el.Run)
		}
	}
	if len(cfg.FIM.Paths) > 0 {
		m, err := fim.New(fim.Options{
			Paths: slices.Clone(cfg.FIM.Paths), Exclude: cfg.FIM.Exclude, ScanInterval: time.Duration(cfg.FIM.ScanSeconds) * time.Second,
			MaxFileBytes: cfg.FIM.MaxFileBytes, BaselineFile: r.dataPath(fimFile), Sink: sink, AgentID: agentID,
			Pacer: r.gov, Logger: r.log.With("component", "agent.fim"),
		})
		if err != nil {
			r.warn("cannot start file integrity monitoring: " + err.Error())
		} else {
			goRun("file integrity monitoring", m.Run)
		}
	}
	goRun("network telemetry", r.net.Run)
	goRun("inventory", func(ctx context.Context) error { return r.inventoryLoop(ctx, cfg) })
	if cfg.SCAIntervalSeconds > 0 {
		goRun("configuration assessment", func(ctx context.Context) error { return r.scaLoop(ctx, cfg) })
	}
	return &wg
}

// inventoryLoop sends a full inventory at start and every InventorySeconds.
func (r *Runner) inventoryLoop(ctx context.Context, cfg wire.Config) error {
	every := time.Duration(cfg.InventorySeconds) * time.Second
	for {
		inv, err := r.inv.Collect(ctx)
		if err != nil {
			return nil //nolint:nilerr // only a cancelled context fails Collect
		}
		b := &client.Backoff{Min: 5 * time.Second, Max: 5 * time.Minute}
		sendCtx, cancel := context.WithTimeout(ctx, every)
		err = client.Retry(sendCtx, b, func(ctx context.Context) error { return r.cl.Inventory(ctx, inv) }, nil)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.check(err)
			r.log.Warn("cannot send inventory; trying again next cycle", slog.Any("err", err))
		} else if err == nil {
			r.log.Info("inventory sent", slog.Int("processes", len(inv.Processes)), slog.Int("software", len(inv.Software)), slog.Int("listening", len(inv.Listening)))
		}
		if !sleep(ctx, every) {
			return nil
		}
	}
}

// scaSent remembers, per policy, the hash last delivered and when.
type scaSent map[string]struct {
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// scaLoop evaluates the configured policies on schedule and reports
// results that changed (or were last sent more than a day ago).
func (r *Runner) scaLoop(ctx context.Context, cfg wire.Config) error {
	every := time.Duration(cfg.SCAIntervalSeconds) * time.Second
	sent := scaSent{}
	state.ReadJSON(r.dataPath(scaFile), &sent) //nolint:errcheck // a missing file means nothing was sent
	// Let the first inventory and heartbeat go out first.
	if !sleep(ctx, min(every, 30*time.Second)) {
		return nil
	}
	for {
		pkgs := sca.PackageMap{}
		for _, p := range r.inv.Software(ctx) {
			pkgs[p.Name] = p.Version
		}
		env := sca.Env{Packages: pkgs, Logger: r.log.With("component", "agent.sca")}
		for _, p := range sca.Builtin() {
			if len(cfg.SCAPolicies) > 0 && !slices.Contains(cfg.SCAPolicies, p.ID) {
				continue
			}
			res := sca.Evaluate(ctx, p, env)
			if ctx.Err() != nil {
				return nil
			}
			if res.Skipped != "" {
				r.log.Debug("SCA policy does not apply here", slog.String("policy", p.ID), slog.String("why", res.Skipped))
				continue
			}
			if last, ok := sent[p.ID]; ok && last.Hash == res.Hash && time.Since(last.At) < 24*time.Hour {
				continue
			}
			rep := scaReport(res)
			if err := r.cl.SCA(ctx, &rep); err != nil {
				r.check(err)
				r.log.Warn("cannot send SCA report", slog.String("policy", p.ID), slog.Any("err", err))
				continue
			}
			sent[p.ID] = struct {
				Hash string    `json:"hash"`
				At   time.Time `json:"at"`
			}{res.Hash, time.Now().UTC()}
			state.WriteJSON(r.dataPath(scaFile), sent, 0o600) //nolint:errcheck // worst case: resent once
			r.log.Info("SCA report sent", slog.String("policy", p.ID), slog.Float64("score", res.Score), slog.Int("failed", res.Failed))
		}
		if !sleep(ctx, every) {
			return nil
		}
	}
}

// scaReport maps an evaluator result onto the wire.
func scaReport(res sca.Result) wire.SCAReport {
	rep := wire.SCAReport{
		PolicyID: res.PolicyID, PolicyName: res.PolicyName, StartedAt: res.StartedAt.UTC(), FinishedAt: res.FinishedAt.UTC(),
		Hash: res.Hash, Score: res.Score, Passed: res.Passed, Failed: res.Failed, NotApplicable: res.NotApplicable,
		Checks: make([]wire.SCACheck, 0, len(res.Checks)),
	}
	for _, c := range res.Checks {
		rep.Checks = append(rep.Checks, wire.SCACheck{
			ID: c.ID, Title: c.Title, Status: string(c.Status), Reason: c.Reason, Severity: string(c.Severity),
			Remediation: c.Remediation, Rationale: c.Rationale, Compliance: c.Compliance,
		})
	}
	return rep
}
