package ingest

import (
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/eventsec/eventsec/internal/event"
)

// OrgCounts are an org's events since the server started.
type OrgCounts struct {
	// Received counts the events admitted into the pipeline for the org:
	// valid items (a repeat of a stored event included), not the items
	// rejected as invalid nor those refused for overload, which the
	// sender sends again.
	Received int64
	// Stored counts the events newly made durable.
	Stored int64
}

// orgCounters are one org's OrgCounts, added to as batches go through.
type orgCounters struct {
	received, stored atomic.Int64
}

func (p *Pipeline) orgCounters(orgID string) *orgCounters {
	if c, ok := p.orgs.Load(orgID); ok {
		return c.(*orgCounters)
	}
	c, _ := p.orgs.LoadOrStore(orgID, &orgCounters{})
	return c.(*orgCounters)
}

// countByOrg adds each run of events of one org to that org's counter
// pick selects: one atomic add per org and batch (a batch has one org but
// for the rare listener that mixes them).
func (p *Pipeline) countByOrg(evs []event.Event, pick func(*orgCounters) *atomic.Int64) {
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].OrgID == evs[i].OrgID {
			j++
		}
		pick(p.orgCounters(evs[i].OrgID)).Add(int64(j - i))
		i = j
	}
}

// OrgCounts returns the org's counts since the server started (zero for
// an org that sent nothing).
func (p *Pipeline) OrgCounts(orgID string) OrgCounts {
	c, ok := p.orgs.Load(orgID)
	if !ok {
		return OrgCounts{}
	}
	oc := c.(*orgCounters)
	return OrgCounts{Received: oc.received.Load(), Stored: oc.stored.Load()}
}

// ListenerStats are one listener's figures as its Prometheus series
// (eventsec_ingest_*{listener=...}) hold them: counts since the server
// started, and the gauges' current values.
type ListenerStats struct {
	Listener    string
	Received    int64
	Parsed      int64
	Failed      int64
	Stored      int64
	Duplicates  int64
	StoreErrors int64
	// Rejected, Dropped and Refused are summed over their reasons;
	// DroppedByReason holds the reasons with a count above 0.
	Rejected        int64
	Dropped         int64
	DroppedByReason map[string]int64
	Refused         int64
	// InFlight is the listener's queue depth now; Connections its open
	// stream connections.
	InFlight    int64
	Connections int64
	// Batches and BatchSeconds are the count and the sum of
	// eventsec_ingest_batch_seconds.
	Batches      int64
	BatchSeconds float64
}

// Stats are the pipeline's figures for every listener that has counted
// anything, by listener name.
type Stats struct {
	// InFlight is the events admitted and not yet durable, over every
	// listener; InFlightLimit the bound on it.
	InFlight, InFlightLimit int64
	Listeners               []ListenerStats
}

// Stats reads the pipeline's Prometheus series. It costs a walk over the
// series (tens of them), so it is meant for a periodic reader, not for
// the ingest path.
func (p *Pipeline) Stats() Stats {
	p.adm.mu.Lock()
	st := Stats{InFlight: int64(p.adm.used), InFlightLimit: int64(p.adm.max)}
	p.adm.mu.Unlock()
	m := p.m
	m.mu.Lock()
	byName := make(map[string]*ListenerStats, len(m.counters))
	for name, c := range m.counters {
		h := histogramOf(c.batch)
		byName[name] = &ListenerStats{Listener: name,
			Received: counterOf(c.received), Parsed: counterOf(c.parsed), Failed: counterOf(c.failed),
			Stored: counterOf(c.stored), Duplicates: counterOf(c.duplicates), StoreErrors: counterOf(c.storeErrors),
			InFlight: int64(gaugeOf(c.inFlight)), Connections: int64(gaugeOf(c.connections)),
			Batches: int64(h.GetSampleCount()), BatchSeconds: h.GetSampleSum()}
	}
	m.mu.Unlock()
	eachByReason(m.rejected, func(l *ListenerStats, _ string, n int64) { l.Rejected += n }, byName)
	eachByReason(m.refused, func(l *ListenerStats, _ string, n int64) { l.Refused += n }, byName)
	eachByReason(m.dropped, func(l *ListenerStats, reason string, n int64) {
		l.Dropped += n
		if l.DroppedByReason == nil {
			l.DroppedByReason = map[string]int64{}
		}
		l.DroppedByReason[reason] += n
	}, byName)
	for _, l := range byName {
		st.Listeners = append(st.Listeners, *l)
	}
	sort.Slice(st.Listeners, func(i, j int) bool { return st.Listeners[i].Listener < st.Listeners[j].Listener })
	return st
}

func write(m prometheus.Metric) *dto.Metric {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		return &dto.Metric{}
	}
	return &d
}

func counterOf(c prometheus.Counter) int64 { return int64(write(c).GetCounter().GetValue()) }

func gaugeOf(g prometheus.Gauge) float64 { return write(g).GetGauge().GetValue() }

func histogramOf(o prometheus.Observer) *dto.Histogram {
	if m, ok := o.(prometheus.Metric); ok {
		return write(m).GetHistogram()
	}
	return &dto.Histogram{}
}

// eachByReason calls add for every series of a {listener, reason} counter
// with a count above 0, for the listeners in byName.
func eachByReason(vec *prometheus.CounterVec, add func(l *ListenerStats, reason string, n int64), byName map[string]*ListenerStats) {
	ch := make(chan prometheus.Metric, 64)
	go func() {
		vec.Collect(ch)
		close(ch)
	}()
	for m := range ch {
		d := write(m)
		n := int64(d.GetCounter().GetValue())
		if n == 0 {
			continue
		}
		var listener, reason string
		for _, lp := range d.GetLabel() {
			switch lp.GetName() {
			case "listener":
				listener = lp.GetValue()
			case "reason":
				reason = lp.GetValue()
			}
		}
		if l := byName[listener]; l != nil {
			add(l, reason, n)
		}
	}
}
