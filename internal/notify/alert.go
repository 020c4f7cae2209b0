package notify

import (
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// AlertMessage describes an alert for notification. event is one of the
// alert events; link is the alert's page in the web UI (may be ""); group
// is the work group the alert is assigned to (may be "").
func AlertMessage(a store.Alert, event, link, group string) Message {
	m := Message{Event: event, Title: a.Title, Summary: a.Description, Severity: a.Severity, Link: link,
		DedupKey: "eventsec:alert:" + a.ID, OrgID: a.OrgID, Group: group, AlertID: a.ID,
		Component: a.RuleTitle, Class: a.RuleKind, Time: a.LastSeen}
	switch {
	case event == EventAlertResolved || a.Status == store.AlertResolved || a.Status == store.AlertClosed:
		m.Action = ActionResolve
	case a.Status == store.AlertAcknowledged || a.Status == store.AlertInProgress:
		m.Action = ActionAcknowledge
	default:
		m.Action = ActionTrigger
	}
	if len(a.Entities.Hosts) > 0 {
		m.Source = a.Entities.Hosts[0]
	}
	add := func(k, v string) {
		if v != "" {
			m.Fields = append(m.Fields, Field{Key: k, Value: v})
		}
	}
	add("Rule", a.RuleTitle)
	add("Status", a.Status)
	if a.Count > 1 {
		add("Occurrences", strconv.FormatInt(a.Count, 10))
	}
	add("Hosts", list(a.Entities.Hosts))
	add("Users", list(a.Entities.Users))
	add("IPs", list(a.Entities.IPs))
	add("Processes", list(a.Entities.Processes))
	add("Tactics", list(a.Tactics))
	add("Techniques", list(a.Techniques))
	if !a.FirstSeen.IsZero() {
		add("First seen", a.FirstSeen.UTC().Format(time.RFC3339))
	}
	if !a.LastSeen.IsZero() && !a.LastSeen.Equal(a.FirstSeen) {
		add("Last seen", a.LastSeen.UTC().Format(time.RFC3339))
	}
	add("Assignee", a.Assignee)
	return m
}

// list shows at most five values and how many more there are.
func list(v []string) string {
	if len(v) <= 5 {
		return strings.Join(v, ", ")
	}
	return strings.Join(v[:5], ", ") + " (+" + strconv.Itoa(len(v)-5) + " more)"
}
