package notify

import "time"

// PagerDuty Events API v2 event
// (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key,omitempty"`
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// PagerDuty limits.
const (
	pdSummaryMax  = 1024
	pdDedupKeyMax = 255
)

// pdSeverity maps EventSec's five severities onto PagerDuty's four.
func pdSeverity(s string) string {
	switch s {
	case "critical":
		return "critical"
	case "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "info"
}

func renderPagerDuty(routingKey string, m Message) pdEvent {
	ev := pdEvent{RoutingKey: routingKey, EventAction: m.Action, DedupKey: truncateBytes(m.DedupKey, pdDedupKeyMax),
		Client: "EventSec", ClientURL: m.Link}
	if ev.EventAction != ActionAcknowledge && ev.EventAction != ActionResolve {
		ev.EventAction = ActionTrigger
	}
	if m.Link != "" {
		ev.Links = []pdLink{{Href: m.Link, Text: "Open in EventSec"}}
	}
	if ev.EventAction != ActionTrigger {
		// Acknowledge and resolve name the incident by dedup_key only.
		return ev
	}
	summary := m.Title
	if m.Summary != "" {
		summary += " — " + m.Summary
	}
	source := m.Source
	if source == "" {
		source = "eventsec"
	}
	details := map[string]any{"event": m.Event, "severity": m.Severity}
	if m.OrgName != "" {
		details["org"] = m.OrgName
	}
	if m.AlertID != "" {
		details["alert_id"] = m.AlertID
	}
	if m.IncidentID != "" {
		details["incident_id"] = m.IncidentID
	}
	if m.Summary != "" {
		details["summary"] = m.Summary
	}
	for _, f := range m.Fields {
		if _, dup := details[f.Key]; !dup {
			details[f.Key] = f.Value
		}
	}
	ev.Payload = &pdPayload{Summary: truncate(summary, pdSummaryMax), Source: truncate(source, 255),
		Severity: pdSeverity(m.Severity), Timestamp: m.Time.UTC().Format(time.RFC3339Nano),
		Component: m.Component, Group: m.Group, Class: m.Class, CustomDetails: details}
	return ev
}

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
