package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/store"
)

// startIntel loads the threat-intel indicators into the matcher and plugs
// it into the ingest pipeline (enrichment before the durable append,
// sightings after it). The returned stop function ends its background
// work (feeds, sightings, retro-hunts) and waits for it.
func startIntel(ctx context.Context, st store.Store, events *eventsRuntime, log *slog.Logger) (*intel.Service, func(), error) {
	svc, err := intel.New(ctx, intel.Options{Store: st, Events: events.store, Hub: events.hub, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("cannot start threat intel: %w", err)
	}
	events.intel.Set(svc)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = svc.Run(runCtx) // returns when runCtx ends
	}()
	return svc, func() {
		cancel()
		wg.Wait()
		events.intel.Set(nil)
	}, nil
}
