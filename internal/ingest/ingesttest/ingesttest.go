// Package ingesttest helps test ingest listeners: a pipeline over a real
// event store in a temporary directory, a gate that stalls the store to
// provoke back-pressure, and metric readers.
package ingesttest

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Gate wraps a sink: while shut, Append waits (as a store stalled on a slow
// disk would), which fills the pipeline and makes listeners push back.
type Gate struct {
	ingest.Sink
	mu      sync.Mutex // guards open and waiting
	open    chan struct{}
	waiting int
}

// NewGate returns an open gate over s.
func NewGate(s ingest.Sink) *Gate {
	g := &Gate{Sink: s, open: make(chan struct{})}
	close(g.open)
	return g
}

// Shut makes Append wait until Open.
func (g *Gate) Shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
		g.open = make(chan struct{})
	default:
	}
}

// Open lets waiting and future Appends through.
func (g *Gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

// Waiting is how many Appends are held at the gate.
func (g *Gate) Waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

// Append implements ingest.Sink.
func (g *Gate) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	g.mu.Lock()
	open := g.open
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	select {
	case <-open:
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	}
	return g.Sink.Append(ctx, evs)
}

// Env is a pipeline under test.
type Env struct {
	Pipeline *ingest.Pipeline
	Registry *prometheus.Registry
	Sink     ingest.Sink
	Gate     *Gate
}

// NewPipeline builds a pipeline over sink (behind a gate, open) with a
// real normalizer and a fresh metrics registry. o's Sink, Normalizer and
// Registerer are filled in.
func NewPipeline(t testing.TB, sink ingest.Sink, o ingest.Options) *Env {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := NewGate(sink)
	o.Sink = g
	if o.Normalizer == nil {
		o.Normalizer = normalize.New(normalize.Options{})
	}
	o.Registerer = reg
	p, err := ingest.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Pipeline: p, Registry: reg, Sink: sink, Gate: g}
}

// Metric returns the value of a counter or gauge series (0 when absent).
// labels must match the series' labels exactly.
func (e *Env) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	m := series(t, e.Registry, name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// HasSeries reports whether g exposes the series name{labels} (labels
// matching exactly), whatever its value: a counter that exists at 0 is
// there, one never created is not.
func HasSeries(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) bool {
	t.Helper()
	return series(t, g, name, labels) != nil
}

// series finds the series name{labels} (labels matching exactly) in g.
func series(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			have := m.GetLabel()
			match := len(have) == len(labels)
			for _, lp := range have {
				if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
					match = false
				}
			}
			if match {
				return m
			}
		}
	}
	return nil
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// MemSink is an in-memory Sink with the store's semantics (IDs already
// stored are skipped, Seq in commit order). It stands in for the event
// store only where a test is about the listener, not about durability.
type MemSink struct {
	mu     sync.Mutex // guards the rest
	seq    int64
	ids    map[string]bool
	events []event.Event
}

// Append implements ingest.Sink.
func (m *MemSink) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]bool{}
	}
	var res eventstore.AppendResult
	for _, ev := range evs {
		k := ev.OrgID + "\x00" + ev.ID
		if m.ids[k] {
			res.Duplicates++
			continue
		}
		m.ids[k] = true
		m.seq++
		ev.Seq = m.seq
		m.events = append(m.events, ev)
		res.Stored = append(res.Stored, ev)
	}
	return res, nil
}

// Events returns what was stored.
func (m *MemSink) Events() []event.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]event.Event(nil), m.events...)
}

// Len is how many events were stored.
func (m *MemSink) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

// Store is the event store a test ingests into, with read-back helpers.
type Store struct {
	ingest.Sink
	events func() []event.Event
}

// Events returns every stored event, in commit order.
func (s *Store) Events() []event.Event { return s.events() }

// Len is how many events are stored.
func (s *Store) Len() int { return len(s.events()) }

// NewStore opens the real event store (DuckDB) in a temporary directory,
// closed when the test ends.
func NewStore(t testing.TB) *Store {
	t.Helper()
	return NewStoreIn(t, t.TempDir())
}

// NewStoreIn opens the real event store in dir, closed when the test ends
// (closing it earlier, as a restart does, is allowed).
func NewStoreIn(t testing.TB, dir string) *Store {
	t.Helper()
	st, err := duckdb.Open(t.Context(), duckdb.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler), Threads: 1, Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("cannot close event store: %v", err)
		}
	})
	return &Store{Sink: st, events: func() []event.Event { return All(t, st) }}
}

// All reads every committed event of a store, in commit order.
func All(t testing.TB, st eventstore.Store) []event.Event {
	t.Helper()
	var out []event.Event
	after := int64(0)
	for {
		page, err := st.Since(context.WithoutCancel(t.Context()), after, 10_000)
		if err != nil {
			t.Fatalf("cannot read the event store: %v", err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

// SendTLS writes line to a syslog TLS listener and reports whether the
// listener took it: a refused client certificate surfaces, in TLS 1.3,
// only on the first read after the handshake, so SendTLS reads for a
// moment (a listener never answers; silence is success).
func SendTLS(addr string, cfg *tls.Config, line string) error {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(line)); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return nil
	}
	if err == nil {
		return errors.New("the listener answered")
	}
	return err
}
