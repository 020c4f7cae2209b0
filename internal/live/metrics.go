package live

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
)

// The metrics channel: every MetricsInterval, each org with a subscriber
// of the channel gets a TypeMetrics message with its own ingest and alert
// figures. Platform admins also get the pipeline's, which span every org.
// Nothing is read or counted for an org nobody watches, but for the
// per-org totals the pipeline keeps anyway (one atomic add per batch).

// MetricsInterval is how often the metrics channel reports, by default.
const MetricsInterval = 5 * time.Second

// TypeMetrics is the type of the metrics channel's messages.
const TypeMetrics = "snapshot"

// IngestFigures are what the ingest pipeline counts.
type IngestFigures interface {
	OrgCounts(orgID string) ingest.OrgCounts
	Stats() ingest.Stats
}

var _ IngestFigures = (*ingest.Pipeline)(nil)

// MetricsSnapshot is the data of a metrics message. Counts without
// "_total" are over the interval, which ends at Time and lasted
// IntervalSeconds.
type MetricsSnapshot struct {
	Time            time.Time `json:"time"`
	IntervalSeconds float64   `json:"interval_seconds"`
	Events          OrgEvents `json:"events"`
	Alerts          OrgAlerts `json:"alerts"`
	// Pipeline is sent to platform admins only: its listeners take every
	// org's traffic.
	Pipeline *PipelineFigures `json:"pipeline,omitempty"`
}

// OrgEvents are the org's events.
type OrgEvents struct {
	// Received are the events admitted into the pipeline (valid items;
	// a repeat of a stored event included); Stored those newly stored.
	Received          int64   `json:"received"`
	Stored            int64   `json:"stored"`
	ReceivedPerSecond float64 `json:"received_per_second"`
	StoredPerSecond   float64 `json:"stored_per_second"`
	// BySeverity counts the events stored, by severity band (info, low,
	// medium, high, critical; every band present).
	BySeverity    map[string]int64 `json:"by_severity"`
	ReceivedTotal int64            `json:"received_total"`
	StoredTotal   int64            `json:"stored_total"`
}

// OrgAlerts are the org's alerts.
type OrgAlerts struct {
	Raised      int64 `json:"raised"`
	RaisedTotal int64 `json:"raised_total"`
	// Open counts the alerts neither resolved nor closed, up to 1,000
	// (OpenCapped: more); absent when it could not be counted.
	Open       *int64 `json:"open,omitempty"`
	OpenCapped bool   `json:"open_capped,omitempty"`
}

// PipelineFigures are the ingest pipeline's, as its Prometheus series
// (eventsec_ingest_*) hold them.
type PipelineFigures struct {
	InFlight      int64             `json:"in_flight"`
	InFlightLimit int64             `json:"in_flight_limit"`
	Listeners     []ListenerFigures `json:"listeners"`
}

// ListenerFigures are one listener's: counts over the interval, gauges
// now, and a few totals since the server started.
type ListenerFigures struct {
	Listener    string `json:"listener"`
	Received    int64  `json:"received"`
	Parsed      int64  `json:"parsed"`
	Failed      int64  `json:"failed"`
	Stored      int64  `json:"stored"`
	Duplicates  int64  `json:"duplicates"`
	Rejected    int64  `json:"rejected"`
	Refused     int64  `json:"refused"`
	Dropped     int64  `json:"dropped"`
	StoreErrors int64  `json:"store_errors"`
	// DroppedByReason holds the reasons that dropped events in the interval.
	DroppedByReason map[string]int64 `json:"dropped_by_reason,omitempty"`
	Batches         int64            `json:"batches"`
	// BatchLatencyMS is the mean time to make a batch durable over the
	// interval's batches (0 without batches).
	BatchLatencyMS float64 `json:"batch_latency_ms"`
	InFlight       int64   `json:"in_flight"`
	Connections    int64   `json:"connections"`
	ReceivedTotal  int64   `json:"received_total"`
	StoredTotal    int64   `json:"stored_total"`
	DroppedTotal   int64   `json:"dropped_total"`
}

// tally is what the hub counts per org for the metrics channel.
type tally struct {
	// alerts counts the org's new alerts since the server started.
	alerts atomic.Int64
	// severities counts stored events by band (event.SeverityLabels'
	// order), only while a subscriber of the org takes the metrics
	// channel.
	severities [5]atomic.Int64
}

func (h *Hub) tally(orgID string) *tally {
	if t, ok := h.tallies.Load(orgID); ok {
		return t.(*tally)
	}
	t, _ := h.tallies.LoadOrStore(orgID, &tally{})
	return t.(*tally)
}

func severityBand(s int64) int {
	switch {
	case s >= event.SeverityCritical:
		return 4
	case s >= event.SeverityHigh:
		return 3
	case s >= event.SeverityMedium:
		return 2
	case s >= event.SeverityLow:
		return 1
	}
	return 0
}

func (t *tally) addSeverities(evs []event.Event) {
	var n [5]int64
	for i := range evs {
		s, _ := evs[i].Fields.Int("event.severity")
		n[severityBand(s)]++
	}
	for b, c := range n {
		if c > 0 {
			t.severities[b].Add(c)
		}
	}
}

// metricsAudience returns the orgs with a subscriber of the metrics
// channel, each with whether a platform admin is among them.
func (h *Hub) metricsAudience() map[string]bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out map[string]bool
	for org, subs := range h.subs {
		for s := range subs {
			s.mu.RLock()
			ok := s.channels[ChannelMetrics]
			s.mu.RUnlock()
			if !ok {
				continue
			}
			if out == nil {
				out = map[string]bool{}
			}
			out[org] = out[org] || s.platformAdmin.Load()
		}
	}
	return out
}

// MetricsOptions configure Metrics.
type MetricsOptions struct {
	Hub    *Hub          // required
	Ingest IngestFigures // required
	// OpenAlerts counts an org's open alerts, up to a cap (capped: there
	// are more); optional.
	OpenAlerts func(ctx context.Context, orgID string) (n int64, capped bool, err error)
	// Interval between two messages to an org (default MetricsInterval).
	Interval time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Metrics publishes the metrics channel; Run does the work.
type Metrics struct {
	o   MetricsOptions
	log *slog.Logger
	// orgs are the baselines of the orgs being reported on; only Run's
	// goroutine touches them.
	orgs map[string]*baseline
}

// baseline is an org's figures at the start of its current interval.
type baseline struct {
	at, due    time.Time
	counts     ingest.OrgCounts
	alerts     int64
	severities [5]int64
	// stats is set while a platform admin of the org listens.
	stats *ingest.Stats
}

// NewMetrics returns the metrics channel's publisher.
func NewMetrics(o MetricsOptions) (*Metrics, error) {
	if o.Hub == nil || o.Ingest == nil {
		return nil, errors.New("cannot create the metrics publisher: a hub and the ingest figures are required")
	}
	if o.Interval <= 0 {
		o.Interval = MetricsInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Metrics{o: o, log: o.Logger.With("component", "live.metrics"), orgs: map[string]*baseline{}}, nil
}

// Run publishes until ctx ends. It looks at the subscriber list five
// times an interval, so that an org's first message comes one interval
// after its first subscriber, and otherwise does nothing while nobody
// listens.
func (m *Metrics) Run(ctx context.Context) error {
	t := time.NewTicker(m.o.Interval / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			m.tick(ctx)
		}
	}
}

func (m *Metrics) tick(ctx context.Context) {
	audience := m.o.Hub.metricsAudience()
	for org := range m.orgs {
		if _, ok := audience[org]; !ok {
			delete(m.orgs, org) // a later subscriber starts afresh
		}
	}
	if len(audience) == 0 {
		return
	}
	now := m.o.Now()
	var stats *ingest.Stats // read once a tick, when an admin needs it
	pipelineStats := func() *ingest.Stats {
		if stats == nil {
			st := m.o.Ingest.Stats()
			stats = &st
		}
		return stats
	}
	for org, admins := range audience {
		b := m.orgs[org]
		if b == nil {
			b = &baseline{at: now, due: now.Add(m.o.Interval)}
			m.sample(org, b)
			if admins {
				b.stats = pipelineStats()
			}
			m.orgs[org] = b
			continue
		}
		// Half a check early is on time: the ticks and the clock jitter,
		// and waiting for the next tick would make this interval a check
		// longer and the next one a check shorter.
		if now.Add(m.o.Interval / 10).Before(b.due) {
			continue
		}
		cur := &baseline{at: now, due: b.due.Add(m.o.Interval)}
		if !cur.due.After(now) {
			cur.due = now.Add(m.o.Interval) // fell behind: no burst to catch up
		}
		m.sample(org, cur)
		snap := m.snapshot(ctx, org, b, cur)
		m.o.Hub.publish(org, ChannelMetrics, TypeMetrics, func(s *Sub) bool { return !s.platformAdmin.Load() }, snap)
		if admins {
			cur.stats = pipelineStats()
			if b.stats != nil {
				snap.Pipeline = pipelineFigures(*b.stats, *cur.stats)
			}
			m.o.Hub.publish(org, ChannelMetrics, TypeMetrics, func(s *Sub) bool { return s.platformAdmin.Load() }, snap)
		}
		m.orgs[org] = cur
	}
}

// sample reads the org's running counts into b.
func (m *Metrics) sample(org string, b *baseline) {
	b.counts = m.o.Ingest.OrgCounts(org)
	t := m.o.Hub.tally(org)
	b.alerts = t.alerts.Load()
	for i := range b.severities {
		b.severities[i] = t.severities[i].Load()
	}
}

func (m *Metrics) snapshot(ctx context.Context, org string, prev, cur *baseline) MetricsSnapshot {
	secs := cur.at.Sub(prev.at).Seconds()
	perSecond := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return math.Round(float64(n)/secs*100) / 100
	}
	snap := MetricsSnapshot{Time: cur.at.UTC(), IntervalSeconds: math.Round(secs*1000) / 1000,
		Events: OrgEvents{
			Received: cur.counts.Received - prev.counts.Received, Stored: cur.counts.Stored - prev.counts.Stored,
			BySeverity:    make(map[string]int64, len(event.SeverityLabels)),
			ReceivedTotal: cur.counts.Received, StoredTotal: cur.counts.Stored},
		Alerts: OrgAlerts{Raised: cur.alerts - prev.alerts, RaisedTotal: cur.alerts}}
	snap.Events.ReceivedPerSecond = perSecond(snap.Events.Received)
	snap.Events.StoredPerSecond = perSecond(snap.Events.Stored)
	for i, label := range event.SeverityLabels {
		snap.Events.BySeverity[label] = cur.severities[i] - prev.severities[i]
	}
	if m.o.OpenAlerts != nil {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		n, capped, err := m.o.OpenAlerts(qctx, org)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("cannot count open alerts for the metrics channel", "org", org, "err", err)
			}
		} else {
			snap.Alerts.Open, snap.Alerts.OpenCapped = &n, capped
		}
	}
	return snap
}

func pipelineFigures(prev, cur ingest.Stats) *PipelineFigures {
	before := make(map[string]ingest.ListenerStats, len(prev.Listeners))
	for _, l := range prev.Listeners {
		before[l.Listener] = l
	}
	out := &PipelineFigures{InFlight: cur.InFlight, InFlightLimit: cur.InFlightLimit, Listeners: make([]ListenerFigures, 0, len(cur.Listeners))}
	for _, l := range cur.Listeners {
		p := before[l.Listener] // zero for a listener new since
		f := ListenerFigures{Listener: l.Listener,
			Received: l.Received - p.Received, Parsed: l.Parsed - p.Parsed, Failed: l.Failed - p.Failed,
			Stored: l.Stored - p.Stored, Duplicates: l.Duplicates - p.Duplicates, Rejected: l.Rejected - p.Rejected,
			Refused: l.Refused - p.Refused, Dropped: l.Dropped - p.Dropped, StoreErrors: l.StoreErrors - p.StoreErrors,
			Batches: l.Batches - p.Batches, InFlight: l.InFlight, Connections: l.Connections,
			ReceivedTotal: l.Received, StoredTotal: l.Stored, DroppedTotal: l.Dropped}
		for reason, n := range l.DroppedByReason {
			if d := n - p.DroppedByReason[reason]; d > 0 {
				if f.DroppedByReason == nil {
					f.DroppedByReason = map[string]int64{}
				}
				f.DroppedByReason[reason] = d
			}
		}
		if f.Batches > 0 {
			f.BatchLatencyMS = math.Round((l.BatchSeconds-p.BatchSeconds)/float64(f.Batches)*1e5) / 100
		}
		out.Listeners = append(out.Listeners, f)
	}
	return out
}
