package detect

import (
	"context"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/store"
)

// AlertStatuses lists the statuses an alert may have, in workflow order.
var AlertStatuses = []string{store.AlertNew, store.AlertAcknowledged, store.AlertInProgress, store.AlertEscalated, store.AlertResolved, store.AlertClosed}

// AlertPatch changes an alert's workflow fields; nil leaves one alone.
type AlertPatch struct {
	Status   *string
	Assignee *string
}

// UpdateAlert applies a patch, audits it and pushes the change live.
func (s *Service) UpdateAlert(ctx context.Context, a Actor, id string, p AlertPatch) (store.Alert, error) {
	if p.Status != nil && !contains(AlertStatuses, *p.Status) {
		return store.Alert{}, fmt.Errorf("%w: status: %q is not one of %s", ErrInvalid, *p.Status, strings.Join(AlertStatuses, ", "))
	}
	var out store.Alert
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		al, err := r.Alerts().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		var what []string
		if p.Status != nil && *p.Status != al.Status {
			what = append(what, fmt.Sprintf("status %s -> %s", al.Status, *p.Status))
			al.Status = *p.Status
		}
		if p.Assignee != nil && *p.Assignee != al.Assignee {
			if *p.Assignee != "" {
				u, err := r.Users().Get(ctx, a.OrgID, *p.Assignee)
				if err != nil {
					return fmt.Errorf("%w: assignee: no user %q in this organisation", ErrInvalid, *p.Assignee)
				}
				what = append(what, "assigned to "+u.Email)
			} else {
				what = append(what, "unassigned")
			}
			al.Assignee = *p.Assignee
		}
		out = al
		if len(what) == 0 {
			return nil
		}
		al.UpdatedAt = s.o.Now()
		out = al
		if err := r.Alerts().Update(ctx, al); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "alert.update", "alert", id, fmt.Sprintf("alert %q: %s", al.Title, strings.Join(what, ", ")))
	})
	if err != nil {
		return out, err
	}
	if s.o.Hub != nil {
		s.o.Hub.Publish(out.OrgID, "alerts", "alert_updated", AlertViewOf(out))
	}
	return out, nil
}
