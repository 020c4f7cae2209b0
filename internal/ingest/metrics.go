package ingest

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons label the rejected, dropped, repaired and refused counters.
// They form a closed set so that the metrics' cardinality stays bounded.
const (
	// Items rejected (not stored) or requests refused.
	ReasonInvalidJSON       = "invalid_json"
	ReasonNotObject         = "not_object"
	ReasonTooDeep           = "too_deep"
	ReasonTooLarge          = "too_large"
	ReasonMissingEvent      = "missing_event"
	ReasonUnsupportedAction = "unsupported_action"
	ReasonUnknownAction     = "unknown_action"
	ReasonEmptyObject       = "empty_object"
	ReasonUnauthorized      = "unauthorized"
	ReasonForbidden         = "forbidden"
	ReasonBadRequest        = "bad_request"
	ReasonBadEncoding       = "bad_encoding"
	ReasonNoData            = "no_data"
	ReasonOverloaded        = "overloaded"
	ReasonTooManyConns      = "too_many_connections"
	ReasonSourceConns       = "too_many_connections_from_source"
	ReasonTLSHandshake      = "tls_handshake"
	ReasonShutdown          = "shutdown"
	ReasonReadError         = "read_error"
	ReasonUnknownOrg        = "unknown_org"
	// Events kept, but changed on the way in.
	ReasonInvalidUTF8 = "invalid_utf8"
	ReasonTruncated   = "truncated"
	// A syslog frame cut short by the end of its connection (also
	// tagged _raw_truncated, but counted here, not as truncated).
	ReasonIncompleteFrame = "incomplete_frame"
	ReasonTimestamp       = "timestamp_out_of_range"
	// ReasonTimestampUnparsed: the event named its time in a form that
	// could not be read (tagged _timestamp_unparsed); it has the arrival
	// time.
	ReasonTimestampUnparsed = "timestamp_unparsed"
	// Stream connections the server closed on its own, or the sender
	// reset.
	ReasonIdleTimeout = "idle_timeout"
	ReasonEvictedIdle = "evicted_idle"
	ReasonConnReset   = "connection_reset"
)

// Reasons are the reasons a listener may count, by counter. Listeners
// declare them (Counters.Expect) so that every series exists, at 0, from
// the start: an alert on increase() then sees the very first occurrence,
// which it misses when the series is born with it.
type Reasons struct {
	Rejected, Dropped, Refused, Closed, Repaired []string
}

// repairReasons are counted by the pipeline for every listener.
var repairReasons = []string{ReasonInvalidUTF8, ReasonTruncated, ReasonTimestamp, ReasonTimestampUnparsed}

// metrics are the pipeline's Prometheus series, labelled by listener.
type metrics struct {
	received, parsed, failed, stored, duplicates, storeErrors *prometheus.CounterVec
	rejected, dropped, repaired, refused, closed              *prometheus.CounterVec
	inFlight                                                  *prometheus.GaugeVec
	inFlightLimit                                             prometheus.Gauge
	batch                                                     *prometheus.HistogramVec
	batchEvents                                               *prometheus.HistogramVec
	connections                                               *prometheus.GaugeVec

	mu       sync.Mutex // guards counters
	counters map[string]*Counters
}

func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_ingest_" + name, Help: help}, append([]string{"listener"}, labels...))
	}
	m := &metrics{
		received:    counter("received_total", "Items received by a listener (syslog frames, JSON items, HEC events, bulk documents)."),
		parsed:      counter("parsed_total", "Events a parser understood."),
		failed:      counter("failed_total", "Events no parser understood: stored raw with the _parse_error tag."),
		stored:      counter("stored_total", "Events made durable in the event store."),
		duplicates:  counter("duplicates_total", "Events skipped because an event with the same ID was already stored."),
		storeErrors: counter("store_errors_total", "Batches the event store failed to append."),
		rejected:    counter("rejected_total", "Items rejected as invalid and not stored, by reason.", "reason"),
		dropped:     counter("dropped_total", "Events lost on purpose: UDP datagrams while overloaded, pending events at shutdown, by reason.", "reason"),
		repaired:    counter("repaired_total", "Events stored after a repair (truncated, a syslog frame cut short by its connection's end, invalid UTF-8 escaped, implausible timestamp replaced), by reason.", "reason"),
		refused:     counter("requests_refused_total", "Whole requests or connections refused (overload, authentication, limits), by reason.", "reason"),
		closed:      counter("connections_closed_total", "Stream connections (syslog TCP/TLS) that did not end with the sender's orderly close, by reason: closed by the server, silent past the idle timeout or the longest idle closed to admit a new sender at a connection limit; or reset by the sender, whose last messages may then be lost (connection_reset).", "reason"),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "eventsec_ingest_in_flight",
			Help: "Events admitted into the pipeline and not yet durable (the queue depth)."}, []string{"listener"}),
		inFlightLimit: prometheus.NewGauge(prometheus.GaugeOpts{Name: "eventsec_ingest_in_flight_limit",
			Help: "The bound on events admitted and not yet durable; beyond it senders get back-pressure."}),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eventsec_ingest_batch_seconds",
			Help:    "Time to make one batch durable (enrich + append), by listener.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"listener"}),
		batchEvents: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eventsec_ingest_batch_events",
			Help:    "Events per submitted batch, by listener.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9)}, []string{"listener"}),
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "eventsec_ingest_connections",
			Help: "Open connections of stream listeners (syslog TCP/TLS)."}, []string{"listener"}),
		counters: map[string]*Counters{},
	}
	if reg != nil {
		reg.MustRegister(m.received, m.parsed, m.failed, m.stored, m.duplicates, m.storeErrors,
			m.rejected, m.dropped, m.repaired, m.refused, m.closed, m.inFlight, m.inFlightLimit, m.batch, m.batchEvents, m.connections)
	}
	return m
}

// Counters are one listener's metrics. Listeners count what they receive,
// reject and drop; the pipeline counts what it parses and stores.
type Counters struct {
	name                                                      string
	m                                                         *metrics
	received, parsed, failed, stored, duplicates, storeErrors prometheus.Counter
	inFlight, connections                                     prometheus.Gauge
	batch, batchEvents                                        prometheus.Observer
}

func (m *metrics) forListener(name string) *Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.counters[name]; ok {
		return c
	}
	c := &Counters{
		name: name, m: m,
		received:    m.received.WithLabelValues(name),
		parsed:      m.parsed.WithLabelValues(name),
		failed:      m.failed.WithLabelValues(name),
		stored:      m.stored.WithLabelValues(name),
		duplicates:  m.duplicates.WithLabelValues(name),
		storeErrors: m.storeErrors.WithLabelValues(name),
		inFlight:    m.inFlight.WithLabelValues(name),
		connections: m.connections.WithLabelValues(name),
		batch:       m.batch.WithLabelValues(name),
		batchEvents: m.batchEvents.WithLabelValues(name),
	}
	for _, r := range repairReasons {
		m.repaired.WithLabelValues(name, r)
	}
	m.counters[name] = c
	return c
}

// Expect creates the series of the reasons the listener may count, at 0
// (see Reasons). It may be called more than once; series only add up.
func (c *Counters) Expect(r Reasons) {
	for _, x := range []struct {
		vec     *prometheus.CounterVec
		reasons []string
	}{{c.m.rejected, r.Rejected}, {c.m.dropped, r.Dropped}, {c.m.refused, r.Refused}, {c.m.closed, r.Closed}, {c.m.repaired, r.Repaired}} {
		for _, reason := range x.reasons {
			x.vec.WithLabelValues(c.name, reason)
		}
	}
}

// Name is the listener label.
func (c *Counters) Name() string { return c.name }

// Received counts items received.
func (c *Counters) Received(n int) { c.received.Add(float64(n)) }

// Rejected counts items rejected as invalid (not stored).
func (c *Counters) Rejected(reason string, n int) {
	c.m.rejected.WithLabelValues(c.name, reason).Add(float64(n))
}

// Dropped counts events lost on purpose (UDP while overloaded, shutdown).
func (c *Counters) Dropped(reason string, n int) {
	c.m.dropped.WithLabelValues(c.name, reason).Add(float64(n))
}

// Repaired counts events stored after a repair.
func (c *Counters) Repaired(reason string, n int) {
	c.m.repaired.WithLabelValues(c.name, reason).Add(float64(n))
}

// Refused counts whole requests or connections refused.
func (c *Counters) Refused(reason string) {
	c.m.refused.WithLabelValues(c.name, reason).Inc()
}

// Closed counts stream connections the server closed on its own, or
// the sender reset.
func (c *Counters) Closed(reason string) {
	c.m.closed.WithLabelValues(c.name, reason).Inc()
}

// Connections tracks open stream connections (delta +1 / -1).
func (c *Counters) Connections(delta int) { c.connections.Add(float64(delta)) }
