package live

import (
	"encoding/json"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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
