package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
)

// startIntel loads the threat-intel indicators into the matcher and plugs
// it into the ingest pipeline (enrichment before the durable append,
// sightings after it). The returned stop function ends its background
// work (feeds, sightings, retro-hunts) and waits for it.
func startIntel(ctx context.Context, st store.Store, events *eventsRuntime, log *slog.Logger, enrichers ...intel.ExternalChecker) (*intel.Service, func(), error) {
	svc, err := intel.New(ctx, intel.Options{Store: st, Events: events.store, Hub: events.hub, Logger: log, Enrichers: enrichers})
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

// externalChecks answers the threat-intel check with the external services
// (VirusTotal, OTX, AbuseIPDB, URLhaus) the org configured in the sandbox.
type externalChecks struct{ lab *lab.Service }

func (externalChecks) Name() string { return "external" }

func (e externalChecks) Check(ctx context.Context, orgID string, t intel.Type, value string) ([]intel.Verdict, []intel.ExternalIssue) {
	kind := ""
	switch t {
	case intel.TypeIPv4, intel.TypeIPv6:
		kind = "ip"
	case intel.TypeDomain:
		kind = "domain"
	case intel.TypeURL:
		kind = "url"
	case intel.TypeMD5, intel.TypeSHA1, intel.TypeSHA256:
		kind = "hash"
	default:
		return nil, nil
	}
	var out []intel.Verdict
	var issues []intel.ExternalIssue
	for _, v := range e.lab.Check(ctx, orgID, kind, value) {
		if v.Error != "" {
			issues = append(issues, intel.ExternalIssue{Source: v.Source, Error: v.Error})
			continue
		}
		out = append(out, intel.Verdict{Source: v.Source, Malicious: v.Malicious, Score: v.Score, Summary: v.Summary, Link: v.Link})
	}
	return out, issues
}
