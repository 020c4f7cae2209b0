package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/notify"
	"github.com/eventsec/eventsec/internal/store"
)

// notifications delivers alerts, incident changes and handovers to the
// channels each org configured.
type notifications struct {
	d       *notify.Dispatcher
	st      store.Store
	baseURL string
	log     *slog.Logger
}

func startNotifications(ctx context.Context, st store.Store, baseURL string, reg prometheus.Registerer, log *slog.Logger) (*notifications, error) {
	d, err := notify.NewDispatcher(notify.Options{Store: st.Notify(), Logger: log, Registerer: reg})
	if err != nil {
		return nil, err
	}
	go func() {
		if err := d.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("notification dispatcher stopped", "err", err)
		}
	}()
	// The delivery log keeps 30 days.
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := st.Notify().PruneDeliveries(ctx, time.Now().Add(-30*24*time.Hour)); err != nil {
				log.Warn("cannot prune the delivery log", "err", err)
			} else if n > 0 {
				log.Info("pruned the delivery log", "deliveries", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return &notifications{d: d, st: st, baseURL: strings.TrimRight(baseURL, "/"), log: log}, nil
}

func actionsOf(in []jsonrule.Action) []notify.Action {
	out := make([]notify.Action, 0, len(in))
	for _, a := range in {
		out = append(out, notify.Action{Type: a.Type, Config: a.Config})
	}
	return out
}

// onAlert queues an alert's notifications in the transaction that stores
// the alert (detect.Options.OnAlert): both are durable, or neither.
func (n *notifications) onAlert(ctx context.Context, r store.Repos, a store.Alert, actions []jsonrule.Action) error {
	msg := notify.AlertMessage(a, notify.EventAlertRaised, n.baseURL+"/alerts/"+a.ID, a.AssigneeGroup)
	_, err := n.d.EnqueueIn(ctx, r.Notify(), a.OrgID, msg, actionsOf(actions))
	return err
}

// AlertChanged implements incident.Notifier.
func (n *notifications) AlertChanged(ctx context.Context, a store.Alert, event string) {
	if event != notify.EventAlertResolved {
		event = notify.EventAlertUpdated
	}
	msg := notify.AlertMessage(a, event, n.baseURL+"/alerts/"+a.ID, a.AssigneeGroup)
	if _, err := n.d.Enqueue(ctx, a.OrgID, msg, nil); err != nil {
		n.log.Warn("cannot queue alert notification", "alert", a.ID, "err", err)
	}
}

// IncidentChanged implements incident.Notifier.
func (n *notifications) IncidentChanged(ctx context.Context, in store.Incident, event string) {
	ev := notify.EventIncidentUpdated
	if event == "incident.created" {
		ev = notify.EventIncidentCreated
	}
	action := notify.ActionTrigger
	if in.Status == store.IncidentResolved || in.Status == store.IncidentClosed {
		action = notify.ActionResolve
	} else if in.AcknowledgedAt != nil {
		action = notify.ActionAcknowledge
	}
	title := fmt.Sprintf("INC-%04d %s", in.Number, in.Title)
	msg := notify.Message{Event: ev, Title: title, Summary: in.Description, Severity: in.Severity, Link: n.baseURL + "/incidents/" + in.ID,
		DedupKey: "eventsec:incident:" + in.ID, Action: action, OrgID: in.OrgID, Group: in.Group, IncidentID: in.ID, Class: "incident",
		Time: in.UpdatedAt, Fields: []notify.Field{{Key: "Status", Value: in.Status}, {Key: "Severity", Value: in.Severity}}}
	if in.Verdict != "" {
		msg.Fields = append(msg.Fields, notify.Field{Key: "Verdict", Value: in.Verdict})
	}
	if _, err := n.d.Enqueue(ctx, in.OrgID, msg, nil); err != nil {
		n.log.Warn("cannot queue incident notification", "incident", in.ID, "err", err)
	}
}

// SendHandover implements incident.Mailer: the handover goes through one
// of the org's e-mail channels (its SMTP server), to the given recipients.
func (n *notifications) SendHandover(ctx context.Context, orgID, channelID string, to []string, subject, text, html string) error {
	sc, err := n.st.Notify().Get(ctx, orgID, channelID)
	if err != nil {
		return fmt.Errorf("no e-mail channel %q in this organisation", channelID)
	}
	ch, err := notify.FromStore(sc)
	if err != nil {
		return err
	}
	cfg, ok := ch.Config.(*notify.EmailConfig)
	if !ok {
		return fmt.Errorf("channel %q is a %s channel; handovers are sent through an e-mail channel", ch.Name, ch.Kind)
	}
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return notify.SendMail(sendCtx, *cfg, notify.Mail{To: to, Subject: subject, Text: text, HTML: html})
}

var (
	_ incident.Notifier = (*notifications)(nil)
	_ incident.Mailer   = (*notifications)(nil)
)
