package live

import (
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Endpoint is one end of an attack on the threat map.
type Endpoint struct {
	IP          string  `json:"ip,omitempty"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	HasLocation bool    `json:"has_location"`
	CountryISO  string  `json:"country_iso_code,omitempty"`
	CountryName string  `json:"country_name,omitempty"`
	CityName    string  `json:"city_name,omitempty"`
	// Label names a non-public address ("private network") when known.
	Label string `json:"label,omitempty"`
}

// Attack is what the threat map draws for an event: where it came from,
// where it went, how bad it is.
type Attack struct {
	EventID       string    `json:"event_id"`
	Time          time.Time `json:"time"`
	Severity      int64     `json:"severity"`
	SeverityLabel string    `json:"severity_label"`
	Action        string    `json:"action,omitempty"`
	Dataset       string    `json:"dataset,omitempty"`
	Message       string    `json:"message,omitempty"`
	Source        Endpoint  `json:"source"`
	Destination   Endpoint  `json:"destination"`
}

func endpoint(f event.Fields, p string) Endpoint {
	e := Endpoint{IP: f.Str(p + ".ip"), CountryISO: f.Str(p + ".geo.country_iso_code"),
		CountryName: f.Str(p + ".geo.country_name"), CityName: f.Str(p + ".geo.city_name"), Label: f.Str(p + ".geo.name")}
	lat, okLat := f[p+".geo.location.lat"].(float64)
	lon, okLon := f[p+".geo.location.lon"].(float64)
	if okLat && okLon {
		e.Lat, e.Lon, e.HasLocation = lat, lon, true
	}
	return e
}

// AttackOf returns the threat-map view of an event; ok is false when
// neither end has real coordinates (nothing is ever placed at random).
func AttackOf(ev event.Event) (Attack, bool) {
	a := Attack{EventID: ev.ID, Time: ev.Timestamp, Action: ev.Fields.Str("event.action"),
		Dataset: ev.Fields.Str("event.dataset"), Source: endpoint(ev.Fields, "source"), Destination: endpoint(ev.Fields, "destination")}
	if !a.Source.HasLocation && !a.Destination.HasLocation {
		return Attack{}, false
	}
	a.Severity, _ = ev.Fields.Int("event.severity")
	a.SeverityLabel = event.SeverityLabel(a.Severity)
	msg := ev.Fields.Str("message")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	a.Message = msg
	return a, true
}

// PublishEvents sends committed events to their orgs' subscribers: each on
// security:events and, when located, on threatmap.
func (h *Hub) PublishEvents(stored []event.Event) {
	for i := 0; i < len(stored); {
		org := stored[i].OrgID
		j := i
		for j < len(stored) && stored[j].OrgID == org {
			j++
		}
		// Locating an event for the map costs more than the check: the
		// work is done only for the channels someone takes.
		events, attacks := h.Listening(org, ChannelEvents), h.Listening(org, ChannelThreatMap)
		if h.Listening(org, ChannelMetrics) {
			h.tally(org).addSeverities(stored[i:j])
		}
		if events {
			items := make([]any, 0, j-i)
			for _, ev := range stored[i:j] {
				items = append(items, ev)
			}
			h.Publish(org, ChannelEvents, "event", items...)
		}
		if attacks {
			var located []any
			for _, ev := range stored[i:j] {
				if a, ok := AttackOf(ev); ok {
					located = append(located, a)
				}
			}
			if len(located) > 0 {
				h.Publish(org, ChannelThreatMap, "attack", located...)
			}
		}
		i = j
	}
}
