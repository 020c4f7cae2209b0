package live

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/eventsec/eventsec/internal/event"
)

func recv(t *testing.T, s *Sub) Message {
	t.Helper()
	select {
	case b := <-s.C:
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	default:
		t.Fatal("no message")
	}
	return Message{}
}

func TestOrgScopeChannelsAndFilter(t *testing.T) {
	h := NewHub(prometheus.NewRegistry())
	a := h.Subscribe("org-a")
	b := h.Subscribe("org-b")
	defer a.Close()
	defer b.Close()
	a.Set([]string{ChannelEvents}, func(item any) bool { return item.(map[string]any)["sev"] == "high" })
	b.Set([]string{ChannelEvents, ChannelAlerts}, nil)

	h.Publish("org-a", ChannelEvents, "event", map[string]any{"sev": "low"}, map[string]any{"sev": "high"})
	h.Publish("org-a", ChannelAlerts, "alert", map[string]any{"x": 1})
	m := recv(t, a)
	if m.Channel != ChannelEvents || m.Type != "event" || m.Data.(map[string]any)["sev"] != "high" {
		t.Fatalf("got %+v", m)
	}
	if len(a.C) != 0 {
		t.Fatal("the filter or the channel list let a message through")
	}
	if len(b.C) != 0 {
		t.Fatal("org B received org A's messages")
	}
	h.Publish("org-b", ChannelAlerts, "alert", map[string]any{"x": 2})
	if m := recv(t, b); m.Channel != ChannelAlerts {
		t.Fatalf("got %+v", m)
	}
}

func TestSlowSubscriberLosesAndIsTold(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := NewHub(reg)
	s := h.Subscribe("o")
	s.Set([]string{ChannelEvents}, nil)
	items := make([]any, bufferSize+10)
	for i := range items {
		items[i] = i
	}
	h.Publish("o", ChannelEvents, "event", items...) // never blocks
	if got := s.TakeDrops(); got != 10 {
		t.Fatalf("drops = %d, want 10", got)
	}
	if s.TakeDrops() != 0 {
		t.Fatal("TakeDrops must reset")
	}
	if testutil.ToFloat64(h.dropped) != 10 || testutil.ToFloat64(h.gauge) != 1 {
		t.Fatal("metrics")
	}
	s.Close()
	s.Close()
	if testutil.ToFloat64(h.gauge) != 0 || h.HasSubscribers("o") {
		t.Fatal("close")
	}
}

func TestPublishEventsAndAttacks(t *testing.T) {
	h := NewHub(nil)
	s := h.Subscribe("o")
	defer s.Close()
	s.Set([]string{ChannelEvents, ChannelThreatMap}, nil)
	located := event.Event{ID: "1", OrgID: "o", Fields: event.Fields{"source.ip": "81.2.69.142",
		"source.geo.location.lat": 51.5, "source.geo.location.lon": -0.09, "source.geo.country_iso_code": "GB", "event.severity": int64(73)}}
	private := event.Event{ID: "2", OrgID: "o", Fields: event.Fields{"source.ip": "10.0.0.1", "source.geo.name": "private network"}}
	other := event.Event{ID: "3", OrgID: "x", Fields: event.Fields{}}
	h.PublishEvents([]event.Event{located, private, other})
	var events, attacks int
	for len(s.C) > 0 {
		m := recv(t, s)
		switch m.Channel {
		case ChannelEvents:
			events++
		case ChannelThreatMap:
			attacks++
			d := m.Data.(map[string]any)
			src := d["source"].(map[string]any)
			if d["severity_label"] != "high" || src["country_iso_code"] != "GB" || src["has_location"] != true {
				t.Fatalf("attack: %v", d)
			}
		}
	}
	if events != 2 || attacks != 1 {
		t.Fatalf("events %d attacks %d; want 2 and 1 (no attack without real coordinates, nothing from org x)", events, attacks)
	}
	if _, ok := AttackOf(private); ok {
		t.Fatal("an event without coordinates must not be placed on the map")
	}

	// Each channel is served only to those who take it: the map alone
	// gets attacks and no events, and a subscriber of alerts alone makes
	// the hub build neither.
	s.Set([]string{ChannelThreatMap}, nil)
	if h.Listening("o", ChannelEvents) || !h.Listening("o", ChannelThreatMap) || h.Listening("x", ChannelThreatMap) {
		t.Fatal("Listening does not follow the subscriber's channels")
	}
	h.PublishEvents([]event.Event{located, private})
	if m := recv(t, s); m.Channel != ChannelThreatMap || len(s.C) != 0 {
		t.Fatalf("map subscriber got %v and %d more", m.Channel, len(s.C))
	}
	s.Set([]string{ChannelAlerts}, nil)
	if h.Listening("o", ChannelEvents) || h.Listening("o", ChannelThreatMap) {
		t.Fatal("a subscriber of alerts alone counts as listening to events")
	}
	h.PublishEvents([]event.Event{located, private})
	if len(s.C) != 0 {
		t.Fatal("an alerts subscriber received events")
	}
}

// An event's message, written by hand, holds what json.Marshal of the
// Message would.
func TestEncodeEventMessage(t *testing.T) {
	at := time.Date(2026, 11, 24, 5, 0, 0, 123000, time.UTC)
	ev := event.Event{ID: "e1", OrgID: "o", Seq: 9, Timestamp: at, Ingested: at, Input: "syslog", Raw: "<13>a <b> & \"c\"",
		Fields: event.Fields{"message": "hi & <bye>", "event.severity": int64(47), "source.ip": "81.2.69.142", "source.geo.location.lat": 51.5, "tags": []string{"x"}}}
	mine, err := encodeMessage(ChannelEvents, "event", ev)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := json.Marshal(Message{Channel: ChannelEvents, Type: "event", Data: ev})
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(mine, &got); err != nil {
		t.Fatalf("%s: %v", mine, err)
	}
	json.Unmarshal(ref, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("hand:\n %s\njson.Marshal:\n %s", mine, ref)
	}
}
