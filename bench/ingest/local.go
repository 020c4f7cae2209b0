package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/enrich"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/httpjson"
	"github.com/eventsec/eventsec/internal/ingest/syslog"
	"github.com/eventsec/eventsec/internal/normalize"
)

// local runs the real pipeline in this process.
type local struct {
	what    string
	reg     *prometheus.Registry
	http    *http.Server
	httpURL string
	sys     *syslog.Server
	cancel  context.CancelFunc
	done    chan struct{}
	closers []func()
}

func (l *local) describe() string   { return "in-process pipeline, " + l.what }
func (l *local) eventsURL() string  { return l.httpURL + "/api/v1/events" }
func (l *local) authHeader() string { return "" }
func (l *local) syslogAddr() string { return l.sys.Addr().String() }
func (l *local) cpu() time.Duration { return cpuTime() }

func (l *local) stored(listener string) (float64, error) {
	mfs, err := l.reg.Gather()
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "eventsec_ingest_stored_total" && mf.GetName() != "eventsec_ingest_duplicates_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "listener" && lp.GetValue() == listener {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total, nil
}

func (l *local) close() {
	l.http.Close()
	l.cancel()
	<-l.done
	for i := len(l.closers) - 1; i >= 0; i-- {
		l.closers[i]()
	}
}

func newTarget(c *config) (target, error) {
	if c.url != "" {
		return newRemote(c)
	}
	return newLocal(c)
}

func newLocal(c *config) (*local, error) {
	l := &local{reg: prometheus.NewRegistry(), done: make(chan struct{})}
	sink, what, closeSink, err := openSink(c)
	if err != nil {
		return nil, err
	}
	l.what = what
	l.closers = append(l.closers, closeSink)
	enr := &enrich.Enricher{}
	if geo, err := enrich.OpenGeoIP(filepath.Join(c.geoip, "GeoIP2-City-Test.mmdb"), filepath.Join(c.geoip, "GeoLite2-ASN-Test.mmdb")); err == nil {
		enr.GeoIP = geo
		l.closers = append(l.closers, func() { geo.Close() })
		l.what += ", GeoIP enrichment (" + c.geoip + ")"
	} else {
		l.what += ", enrichment without GeoIP (" + err.Error() + ")"
	}
	pipe, err := ingest.New(ingest.Options{Sink: sink, Normalizer: normalize.New(normalize.Options{}), Enricher: enr,
		Registerer: l.reg, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	h, err := httpjson.New(httpjson.Options{Pipeline: pipe, OrgFromRequest: func(*http.Request) (string, error) { return "default", nil }})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/events", h)
	l.http = &http.Server{Handler: mux}
	l.httpURL = "http://" + ln.Addr().String()
	go l.http.Serve(ln)
	l.sys, err = syslog.New(syslog.Options{Pipeline: pipe, Network: "tcp", Addr: "127.0.0.1:0", OrgID: "default"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go func() { defer close(l.done); l.sys.Run(ctx) }()
	return l, nil
}

// memorySink keeps only IDs: it measures ingest without a store.
type memorySink struct {
	mu  sync.Mutex
	ids map[string]bool
	seq int64
}

func (m *memorySink) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
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
		res.Stored = append(res.Stored, ev)
	}
	return res, nil
}

func openSink(c *config) (ingest.Sink, string, func(), error) {
	switch c.store {
	case "memory":
		return &memorySink{ids: map[string]bool{}}, "no store (IDs kept in memory)", func() {}, nil
	case "duckdb":
		return openDuckDB(c)
	}
	return nil, "", nil, fmt.Errorf("unknown -store %q: duckdb or memory", c.store)
}
