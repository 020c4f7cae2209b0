package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
)

// startSandbox opens the sample store under <data>/blobs/samples and
// starts the analysis workers, which first resume what a previous run
// left unfinished. The returned stop function ends them and waits.
func startSandbox(ctx context.Context, cfg *config.Config, st store.Store, events *eventsRuntime, log *slog.Logger) (*lab.Service, func(), error) {
	o := lab.Options{Store: st, Events: events.store, Hub: events.hub, Logger: log,
		SampleDir: filepath.Join(cfg.DataDir, "blobs", "samples")}
	if cfg.SandboxEncryptSamples {
		o.KeyFile = filepath.Join(cfg.DataDir, "sandbox-samples.key")
	}
	svc, err := lab.New(o)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot start the sandbox: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := svc.Run(runCtx); err != nil {
			log.Error("sandbox stopped", "err", err)
		}
	}()
	return svc, func() { cancel(); wg.Wait() }, nil
}
