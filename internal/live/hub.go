// Package live fans committed events and other notifications out to
// WebSocket subscribers (the live feed, the dashboard, the threat map).
// Every message is scoped to one org. A slow subscriber loses messages —
// and is told how many — but never slows ingest.
package live

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/event"
)

// The channels of the seed's WebSocket contract.
const (
	ChannelEvents    = "security:events"
	ChannelAlerts    = "alerts"
	ChannelIncidents = "incidents"
	ChannelThreats   = "threats"
	// ChannelEndpoints carries agent status and remote-action progress.
	ChannelEndpoints = "endpoints"
	ChannelMetrics   = "metrics"
	ChannelThreatMap = "threatmap"
)

// TypeAlert is the message type of a new alert on ChannelAlerts; the hub
// counts them per org for the metrics channel.
const TypeAlert = "alert"

// Channels lists the channels a client may subscribe to.
var Channels = []string{ChannelEvents, ChannelAlerts, ChannelIncidents, ChannelThreats, ChannelMetrics, ChannelThreatMap, ChannelEndpoints}

// Message is one JSON message to a subscriber.
type Message struct {
	Channel string `json:"channel"`
	Type    string `json:"type"`
	Data    any    `json:"data"`
}

// bufferSize is how many messages may wait for one subscriber before
// further ones are dropped.
const bufferSize = 1024

// Hub tracks subscribers and delivers messages to them.
type Hub struct {
	mu   sync.RWMutex                 // guards subs
	subs map[string]map[*Sub]struct{} // by org

	delivered prometheus.Counter
	dropped   prometheus.Counter
	gauge     prometheus.Gauge

	// tallies holds what the metrics channel reports per org (org ID →
	// *tally).
	tallies sync.Map
}

// NewHub returns an empty hub; reg may be nil.
func NewHub(reg prometheus.Registerer) *Hub {
	h := &Hub{
		subs: map[string]map[*Sub]struct{}{},
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_live_messages_delivered_total",
			Help: "Live messages queued for WebSocket subscribers."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_live_messages_dropped_total",
			Help: "Live messages dropped because a subscriber was too slow."}),
		gauge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "eventsec_live_subscribers",
			Help: "Connected WebSocket subscribers."}),
	}
	if reg != nil {
		reg.MustRegister(h.delivered, h.dropped, h.gauge)
	}
	return h
}

// Sub is one subscriber. Read messages from C; call Close when done.
type Sub struct {
	hub   *Hub
	org   string
	C     chan []byte
	drops atomic.Int64

	mu       sync.RWMutex // guards channels and filter
	channels map[string]bool
	filter   func(any) bool
	// platformAdmin: the subscriber runs the server, and so may see
	// figures that span every org (the metrics channel's pipeline part).
	platformAdmin atomic.Bool
}

// Subscribe registers a subscriber for an org, listening to no channel yet.
func (h *Hub) Subscribe(orgID string) *Sub {
	s := &Sub{hub: h, org: orgID, C: make(chan []byte, bufferSize), channels: map[string]bool{}}
	h.mu.Lock()
	if h.subs[orgID] == nil {
		h.subs[orgID] = map[*Sub]struct{}{}
	}
	h.subs[orgID][s] = struct{}{}
	h.mu.Unlock()
	h.gauge.Inc()
	return s
}

// Close unregisters the subscriber.
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	if m := h.subs[s.org]; m != nil {
		if _, ok := m[s]; ok {
			delete(m, s)
			h.gauge.Dec()
		}
		if len(m) == 0 {
			delete(h.subs, s.org)
		}
	}
	h.mu.Unlock()
}

// Set replaces the subscriber's channels and its filter for event-like
// data (nil passes everything).
func (s *Sub) Set(channels []string, filter func(any) bool) {
	m := make(map[string]bool, len(channels))
	for _, c := range channels {
		m[c] = true
	}
	s.mu.Lock()
	s.channels, s.filter = m, filter
	s.mu.Unlock()
}

// SetPlatformAdmin says whether the subscriber is a platform admin (see
// the metrics channel).
func (s *Sub) SetPlatformAdmin(v bool) { s.platformAdmin.Store(v) }

// TakeDrops returns how many messages were dropped since the last call.
func (s *Sub) TakeDrops() int64 { return s.drops.Swap(0) }

func (s *Sub) wants(channel string, item any) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.channels[channel] {
		return false
	}
	return s.filter == nil || item == nil || s.filter(item)
}

func (s *Sub) offer(b []byte) {
	select {
	case s.C <- b:
		s.hub.delivered.Inc()
	default:
		s.drops.Add(1)
		s.hub.dropped.Inc()
	}
}

// Publish sends one message per item to the org's subscribers of the
// channel whose filter accepts the item. Each message is encoded once, and
// only when someone wants it. New alerts (ChannelAlerts, TypeAlert) are
// also counted for the metrics channel.
func (h *Hub) Publish(orgID, channel, typ string, items ...any) {
	if channel == ChannelAlerts && typ == TypeAlert {
		h.tally(orgID).alerts.Add(int64(len(items)))
	}
	h.publish(orgID, channel, typ, nil, items...)
}

// publish is Publish to the subscribers to whom also `to` (when set)
// applies.
func (h *Hub) publish(orgID, channel, typ string, to func(*Sub) bool, items ...any) {
	h.mu.RLock()
	subs := make([]*Sub, 0, len(h.subs[orgID]))
	for s := range h.subs[orgID] {
		subs = append(subs, s)
	}
	h.mu.RUnlock()
	if len(subs) == 0 {
		return
	}
	for _, item := range items {
		var enc []byte
		for _, s := range subs {
			if !s.wants(channel, item) || to != nil && !to(s) {
				continue
			}
			if enc == nil {
				b, err := encodeMessage(channel, typ, item)
				if err != nil {
					return // the data cannot be encoded; nothing sensible to send
				}
				enc = b
			}
			s.offer(enc)
		}
	}
}

// encodeMessage is Message's JSON. Events, the bulk of the feed, are
// written by hand (event.AppendJSON); json.Marshal would also re-check the
// event's JSON after its MarshalJSON.
func encodeMessage(channel, typ string, item any) ([]byte, error) {
	if ev, ok := item.(event.Event); ok {
		b := make([]byte, 0, 512+len(ev.Raw)+48*len(ev.Fields))
		b = event.AppendJSONString(append(b, `{"channel":`...), channel)
		b = event.AppendJSONString(append(b, `,"type":`...), typ)
		b = ev.AppendJSON(append(b, `,"data":`...))
		return append(b, '}'), nil
	}
	return json.Marshal(Message{Channel: channel, Type: typ, Data: item})
}

// Listening reports whether a subscriber of the org takes channel; a
// publisher uses it to skip building messages nobody reads.
func (h *Hub) Listening(orgID, channel string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[orgID] {
		s.mu.RLock()
		ok := s.channels[channel]
		s.mu.RUnlock()
		if ok {
			return true
		}
	}
	return false
}

// HasSubscribers reports whether anyone in the org listens; publishers use
// it to skip building messages nobody reads.
func (h *Hub) HasSubscribers(orgID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[orgID]) > 0
}
