package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/store"
)

// applyRetention deletes every org's events older than its retention and
// reports what it did to w (when not nil).
func applyRetention(ctx context.Context, st store.Store, ev eventstore.Store, now time.Time, w io.Writer, log *slog.Logger) error {
	orgs, err := st.Orgs().List(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		days := o.RetentionDays
		if days <= 0 {
			days = store.DefaultRetentionDays
		}
		cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
		n, err := ev.DeleteBefore(ctx, o.ID, cutoff)
		if err != nil {
			return fmt.Errorf("cannot apply retention to %q: %w", o.Name, err)
		}
		if w != nil {
			fmt.Fprintf(w, "%q: kept %d days, deleted %d events older than %s\n", o.Name, days, n, cutoff.UTC().Format(time.RFC3339))
		}
		if n > 0 && log != nil {
			log.Info("retention applied", "org", o.ID, "days", days, "deleted", n)
		}
	}
	return nil
}

// retentionLoop applies retention at start and then every interval.
func retentionLoop(ctx context.Context, st store.Store, ev eventstore.Store, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := applyRetention(ctx, st, ev, time.Now(), nil, log); err != nil && ctx.Err() == nil {
			log.Error("retention failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
