package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/email"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/store"
)

// startEmail builds e-mail analysis: attachments go to the static sandbox,
// values are matched against threat intel, quarantined messages are kept
// under the data dir and sent into the ingest pipeline as ECS e-mail
// events. Its poll loop takes due mailboxes every 15 seconds; the returned
// function stops it and waits.
func startEmail(ctx context.Context, cfg *config.Config, st store.Store, events *eventsRuntime, intelSvc *intel.Service, log *slog.Logger) (*email.Service, func()) {
	o := email.Options{Store: st, BlobDir: filepath.Join(cfg.DataDir, "blobs", "email"), Logger: log}
	if box, err := sandbox.New(sandbox.Options{Logger: log}); err == nil {
		o.Files = box
	} else {
		log.Warn("e-mail attachments will not be sandboxed", "err", err)
	}
	if intelSvc != nil {
		o.Intel = email.IntelFrom(intelSvc)
	}
	if events != nil && events.pipe != nil {
		o.Events = func(ctx context.Context, evs []event.Event) error {
			_, err := events.pipe.SubmitWait(ctx, evs, "email")
			return err
		}
	}
	svc := email.New(o)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.Run(runCtx, 15*time.Second)
	}()
	return svc, func() {
		cancel()
		wg.Wait()
		if box, ok := o.Files.(*sandbox.Analyzer); ok {
			box.Close()
		}
	}
}
