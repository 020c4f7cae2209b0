package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/store"
)

// exceptionMaker lets a false-positive verdict tune the rule that fired.
type exceptionMaker struct{ det *detect.Service }

func (e exceptionMaker) AddRuleException(ctx context.Context, a incident.Actor, ruleID string, req incident.ExceptionRequest) ([]string, error) {
	_, warnings, err := e.det.AddException(ctx, detect.Actor{OrgID: a.OrgID, UserID: a.UserID, Email: a.Email, ClientIP: a.ClientIP, RequestID: a.RequestID},
		ruleID, detect.ExceptionInput{Field: req.Field, Operator: req.Operator, Value: req.Value, Values: req.Values,
			Conditions: req.Conditions, Reason: req.Reason, ExpiresAt: req.ExpiresAt})
	return warnings, err
}

// startIncidents builds case management and its hourly trash purge (alerts
// deleted more than 30 days ago go for good).
func startIncidents(ctx context.Context, cfg *config.Config, st store.Store, events *eventsRuntime, det *detect.Service, log *slog.Logger) *incident.Service {
	o := incident.Options{Store: st, Logger: log, BlobDir: filepath.Join(cfg.DataDir, "blobs", "attachments"), BaseURL: cfg.PublicURL()}
	if events != nil && events.hub != nil {
		o.Hub = events.hub
	}
	if det != nil {
		o.Exceptions = exceptionMaker{det}
	}
	svc := incident.New(o)
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := svc.PurgeTrash(ctx); err != nil {
				log.Warn("cannot purge deleted alerts", "err", err)
			} else if n > 0 {
				log.Info("purged deleted alerts", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return svc
}
