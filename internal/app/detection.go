package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/hunt"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/rules"
)

// startDetection loads every org's rules, installs the built-in rule pack
// where it is missing or outdated, and connects detection to the event
// stream. The caller runs its stream (Run) with the background work.
func startDetection(ctx context.Context, cfg *config.Config, st store.Store, events *eventsRuntime, hunter *hunt.Service, reg prometheus.Registerer, log *slog.Logger,
	onAlert func(context.Context, store.Repos, store.Alert, []jsonrule.Action) error) (*detect.Service, error) {
	files, err := detect.ReadFS(rules.FS)
	if err != nil {
		return nil, fmt.Errorf("cannot read the built-in rule pack: %w", err)
	}
	var queries detect.QueryRunner
	if hunter != nil {
		queries = hunter
	}
	detect.CheckKQL = hunt.CheckSyntax
	sampleEvery := int(cfg.DetectionEvalSampleEvery)
	if sampleEvery == 0 {
		sampleEvery = -1 // off
	}
	det, err := detect.New(ctx, detect.Options{EvalSampleEvery: sampleEvery, Builtin: files, Queries: queries, Store: st, Events: events.store, Hub: events.hub, Normalizer: events.pipe.Normalizer(),
		StateDir: filepath.Join(cfg.DataDir, "detection"), Registerer: reg, Logger: log, OnAlert: onAlert, FirstStartAfter: &events.startSeq})
	if err != nil {
		return nil, fmt.Errorf("cannot start detection: %w", err)
	}
	if err := installBuiltinRules(ctx, st, det, log); err != nil {
		return nil, err
	}
	events.detect.Store(det)
	return det, nil
}

// installBuiltinRules installs EventSec's own rule pack in every org.
func installBuiltinRules(ctx context.Context, st store.Store, det *detect.Service, log *slog.Logger) error {
	orgs, err := st.Orgs().List(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		rep, err := det.InstallBuiltin(ctx, o.ID)
		if err != nil {
			return fmt.Errorf("cannot install the built-in rules in org %s: %w", o.Name, err)
		}
		if rep.Loaded+rep.Updated > 0 {
			log.Info("EventSec rule pack installed", "org", o.Name, "new", rep.Loaded, "updated", rep.Updated)
		}
	}
	return nil
}
