package endpoint

import "github.com/prometheus/client_golang/prometheus"

// metrics are the service's Prometheus metrics.
type metrics struct {
	heartbeats   prometheus.Counter
	authFailures *prometheus.CounterVec
	flushes      prometheus.Histogram
	flushErrors  prometheus.Counter
	events       prometheus.Counter
	actions      *prometheus.CounterVec
	enrollments  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		heartbeats: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_agent_heartbeats_total",
			Help: "Agent heartbeats received."}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_agent_auth_failures_total",
			Help: "Agent requests refused for their credential, by reason."}, []string{"reason"}),
		flushes: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "eventsec_agent_heartbeat_flush_seconds",
			Help: "Time to write one batch of heartbeats and metrics.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		flushErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_agent_heartbeat_flush_errors_total",
			Help: "Failed heartbeat flushes (retried at the next one)."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_agent_events_received_total",
			Help: "Events received from agents."}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_agent_actions_total",
			Help: "Remote actions by final or intermediate state reached."}, []string{"state"}),
		enrollments: prometheus.NewCounter(prometheus.CounterOpts{Name: "eventsec_agent_enrollments_total",
			Help: "Agents enrolled."}),
	}
	if reg != nil {
		reg.MustRegister(m.heartbeats, m.authFailures, m.flushes, m.flushErrors, m.events, m.actions, m.enrollments)
	}
	return m
}
