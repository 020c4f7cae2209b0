package detect

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	alerts      *prometheus.CounterVec
	dropped     prometheus.Counter
	replayed    prometheus.Counter
	lag         prometheus.Gauge
	evalSeconds prometheus.Histogram
	commitSecs  prometheus.Histogram
	evalSum     atomic.Int64 // ns, for the rules list's average
	evalN       atomic.Int64
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_detection_alerts_total",
			Help: "Alerts raised, by severity."}, []string{"severity"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_detection_queue_dropped_events_total",
			Help: "Committed events not queued for detection because the queue was full (read back from the event store)."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_detection_read_back_events_total",
			Help: "Events detection read back from the event store to fill a gap in the live stream."}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "eventsec_detection_lag_seconds",
			Help: "Time from ingestion to the end of detection for the last event evaluated."}),
		evalSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "eventsec_detection_eval_seconds",
			Help:    "Time to evaluate one event against all of its org's rules.",
			Buckets: []float64{1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2}}),
		commitSecs: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "eventsec_detection_commit_seconds",
			Help:    "Time to store one transaction of the stream's alerts and checkpoint in the state store (the last step before the alerts are pushed).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}),
	}
	if reg != nil {
		reg.MustRegister(m.alerts, m.dropped, m.replayed, m.lag, m.evalSeconds, m.commitSecs)
	}
	return m
}

func (m *metrics) observeEval(ns int64) {
	m.evalSum.Add(ns)
	m.evalN.Add(1)
	m.evalSeconds.Observe(float64(ns) / 1e9)
}

func (m *metrics) avgEval() float64 {
	n := m.evalN.Load()
	if n == 0 {
		return 0
	}
	return float64(m.evalSum.Load()) / float64(n)
}
