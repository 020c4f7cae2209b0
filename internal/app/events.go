package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/enrich"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/esbulk"
	"github.com/eventsec/eventsec/internal/ingest/file"
	"github.com/eventsec/eventsec/internal/ingest/hec"
	"github.com/eventsec/eventsec/internal/ingest/httpjson"
	"github.com/eventsec/eventsec/internal/ingest/syslog"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/query/lucene"
	"github.com/eventsec/eventsec/internal/store"
)

// eventsRuntime is the event side of the server: the store, the ingest
// pipeline and its listeners, and the live hub.
type eventsRuntime struct {
	store     eventstore.Store
	geo       *enrich.GeoIP
	pipe      *ingest.Pipeline
	hub       *live.Hub
	metrics   *live.Metrics // the live metrics channel's publisher, run in the background
	intake    *httpjson.Handler
	hec       *hec.Handler
	es        *esbulk.Handler
	esRoot    *esbulk.Handler // on esbulk_addr, when set
	listeners []*syslog.Server
	// startSeq is the event store's last seq before the listeners opened.
	startSeq int64
	// detect receives committed events once the detection service runs.
	detect atomic.Pointer[detect.Service]
	// intel matches events against threat intel once the service runs.
	intel enrich.Intel
}

// normalizerOptions are how the configuration says events' times are read.
func normalizerOptions(cfg *config.Config) normalize.Options {
	return normalize.Options{
		TimestampFields: cfg.TimestampFields,
		// The user's formats first, then the built-in ones.
		TimestampFormats: append(slices.Clone(cfg.TimestampLayouts), normalize.DefaultTimestampFormats...),
		Location:         cfg.TimestampLocation,
		Zones:            cfg.TimestampZones,
		MaxAge:           cfg.TimestampMaxAge,
		MaxSkew:          cfg.TimestampMaxSkew,
	}
}

// openEventStore opens the configured event store.
func openEventStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (eventstore.Store, error) {
	return duckdb.Open(ctx, duckdb.Options{Dir: cfg.EventStoreDir(), Logger: log})
}

func startEvents(ctx context.Context, cfg *config.Config, st store.Store, authSvc *auth.Service, reg prometheus.Registerer, log *slog.Logger) (*eventsRuntime, error) {
	rt := &eventsRuntime{hub: live.NewHub(reg)}
	var err error
	if rt.store, err = openEventStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	if ds, ok := rt.store.(*duckdb.Store); ok && reg != nil {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eventsec_eventstore_checkpoints_total",
				Help: "Checkpoints of the event store run beside the writer."}, func() float64 { return float64(ds.CheckpointsRun()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eventsec_eventstore_checkpoint_seconds_total",
				Help: "Time the event store's checkpoints took, in all; commits wait while one runs, so its rate is the share of time acknowledgements may be held."},
				func() float64 { return ds.CheckpointTime().Seconds() }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eventsec_eventstore_checkpoint_failures_total",
				Help: "Checkpoints of the event store that failed and were retried."}, func() float64 { return float64(ds.CheckpointFailures()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eventsec_eventstore_checkpoints_deferred_total",
				Help: "Checkpoints of the event store put off because a commit was running (retried 200 ms later)."}, func() float64 { return float64(ds.CheckpointsDeferred()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "eventsec_eventstore_wal_bytes",
				Help: "Size of the event store's write-ahead log, folded in at the next checkpoint."}, func() float64 { return float64(ds.WALBytes()) }),
		)
	}
	// Where detection begins on its very first start: before any
	// listener opens, so that no event received at start-up is skipped.
	if rt.startSeq, err = rt.store.LastSeq(ctx); err != nil {
		rt.close()
		return nil, err
	}
	enricher := &enrich.Enricher{}
	if cfg.GeoIPCityDB != "" || cfg.GeoIPASNDB != "" {
		if rt.geo, err = enrich.OpenGeoIP(cfg.GeoIPCityDB, cfg.GeoIPASNDB); err != nil {
			rt.close()
			return nil, err
		}
		enricher.GeoIP = rt.geo
	}
	rt.pipe, err = ingest.New(ingest.Options{
		Sink: rt.store, Normalizer: normalize.New(normalizerOptions(cfg)), MaxFuture: cfg.TimestampMaxSkew, MaxPast: cfg.TimestampMaxAge, Enricher: enrich.Chain{enricher, &rt.intel},
		Publisher: publisherFunc(func(stored []event.Event) {
			rt.hub.PublishEvents(stored)
			rt.intel.Publish(stored)
			if d := rt.detect.Load(); d != nil {
				d.Publish(stored)
			}
		}),
		Prematch: func(evs []event.Event) {
			if d := rt.detect.Load(); d != nil {
				d.Prematch(evs)
			}
		},
		MaxInFlight: int(cfg.IngestMaxInFlight),
		Registerer:  reg, Logger: log,
	})
	if err != nil {
		rt.close()
		return nil, err
	}
	if rt.metrics, err = live.NewMetrics(live.MetricsOptions{Hub: rt.hub, Ingest: rt.pipe, OpenAlerts: openAlerts(st), Logger: log}); err != nil {
		rt.close()
		return nil, err
	}
	tokenToOrg := func(ctx context.Context, token string) (string, error) {
		// Shippers hold API keys; a session token pasted into one would
		// expire within minutes and is refused with a clear reason.
		if !auth.IsAPIKey(token) {
			return "", fmt.Errorf("%w: use an API key with the ingest role (esk_...)", ingest.ErrUnauthorized)
		}
		p, err := authSvc.Authenticate(ctx, token)
		if errors.Is(err, auth.ErrInvalidToken) {
			return "", fmt.Errorf("%w: %v", ingest.ErrUnauthorized, err)
		}
		if err != nil {
			return "", err
		}
		if !p.Can(auth.PermEventsWrite) {
			// The key is genuine: listeners answer 403 naming the
			// permission, so that its role is changed, not the key.
			return "", fmt.Errorf("%w: the key's role (%s) lacks %s (give it the ingest role)", ingest.ErrForbidden, p.Role, auth.PermEventsWrite)
		}
		return p.OrgID, nil
	}
	if rt.intake, err = httpjson.New(httpjson.Options{Pipeline: rt.pipe, Logger: log}); err != nil {
		rt.close()
		return nil, err
	}
	if rt.hec, err = hec.New(hec.Options{Pipeline: rt.pipe, Authenticate: tokenToOrg, Logger: log}); err != nil {
		rt.close()
		return nil, err
	}
	if rt.es, err = esbulk.New(esbulk.Options{Pipeline: rt.pipe, Authenticate: tokenToOrg, Prefix: "/es", Logger: log}); err != nil {
		rt.close()
		return nil, err
	}
	if config.Enabled(cfg.ESBulkAddr) {
		if rt.esRoot, err = esbulk.New(esbulk.Options{Pipeline: rt.pipe, Authenticate: tokenToOrg, Logger: log}); err != nil {
			rt.close()
			return nil, err
		}
	}

	syslogOrg, err := resolveSyslogOrg(ctx, st, cfg.SyslogOrg)
	if err != nil {
		rt.close()
		return nil, fmt.Errorf("syslog_org: %w", err)
	}
	// A route may name an organisation that does not exist yet (the
	// config written before the organisation is created): its senders are
	// refused, and it is looked up again, until it exists.
	var routes []syslog.OrgRoute
	for i, r := range cfg.SyslogOrgSources {
		id, err := resolveSyslogOrg(ctx, st, r.Org)
		if err != nil {
			if !errors.Is(err, errNoSuchOrg) {
				rt.close()
				return nil, err
			}
			log.Warn("syslog_org_sources: no such organisation yet; its senders are refused until it is created",
				"entry", i+1, "source", r.Source(), "org", r.Org)
		}
		routes = append(routes, syslog.OrgRoute{Net: r.Net, Cert: r.Cert, OrgID: id, Org: r.Org})
	}
	resolveOrg := func(name string) (string, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		id, err := resolveSyslogOrg(ctx, st, name)
		return id, err == nil
	}
	var tlsConf *tls.Config
	if config.Enabled(cfg.SyslogTLSAddr) {
		if tlsConf, err = syslogTLSConfig(cfg); err != nil {
			rt.close()
			return nil, err
		}
	}
	for _, l := range []struct {
		network, addr string
		tls           *tls.Config
	}{{"udp", cfg.SyslogUDPAddr, nil}, {"tcp", cfg.SyslogTCPAddr, nil}, {"tcp", cfg.SyslogTLSAddr, tlsConf}} {
		if !config.Enabled(l.addr) {
			continue
		}
		srv, err := syslog.New(syslog.Options{Pipeline: rt.pipe, Network: l.network, Addr: l.addr, TLSConfig: l.tls,
			OrgID: syslogOrg, OrgRoutes: routes, ResolveOrg: resolveOrg, Logger: log,
			MaxConnections: int(cfg.SyslogMaxConnections), MaxConnectionsPerSource: int(cfg.SyslogMaxConnectionsPerSource),
			IdleTimeout: cfg.SyslogIdleTimeout})
		if err != nil {
			rt.close()
			return nil, fmt.Errorf("cannot listen for syslog (%s %s): %w", l.network, l.addr, err)
		}
		rt.listeners = append(rt.listeners, srv)
	}
	return rt, nil
}

// syslogTLSConfig is the syslog TLS listener's configuration: its own
// certificate (syslog_tls_cert, or the web server's tls_cert), and
// mutual TLS with syslog_tls_client_ca. Its errors name the setting
// and the file at fault.
func syslogTLSConfig(cfg *config.Config) (*tls.Config, error) {
	certFile, keyFile, certSetting, keySetting := cfg.SyslogTLSKeyPair()
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the syslog TLS certificate (%s): %w", certSetting, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the syslog TLS key (%s): %w", keySetting, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("cannot use the syslog TLS certificate %s (%s) with the key %s (%s): %w", certFile, certSetting, keyFile, keySetting, err)
	}
	// The listener turns session tickets off in its copy (see
	// syslog.Options.TLSConfig).
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if cfg.SyslogTLSClientCA != "" {
		// Mutual TLS: senders' certificates are verified, and
		// syslog_org_sources may route by their names.
		pem, err := os.ReadFile(cfg.SyslogTLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("cannot read syslog_tls_client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("syslog_tls_client_ca %s: no PEM certificates in it", cfg.SyslogTLSClientCA)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
		if cfg.SyslogTLSClientAuth {
			tc.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return tc, nil
}

// openAlerts counts an org's open alerts (as GET /api/alerts/active has
// them) for the metrics channel: up to store.AlertCountCap, through the
// (org, status) index, so the count stays cheap on a big queue.
func openAlerts(st store.Store) func(ctx context.Context, orgID string) (int64, bool, error) {
	open := []string{store.AlertNew, store.AlertAcknowledged, store.AlertInProgress, store.AlertEscalated}
	return func(ctx context.Context, orgID string) (int64, bool, error) {
		_, n, err := st.Alerts().List(ctx, orgID, store.AlertFilter{Statuses: open, Limit: 1})
		if err != nil {
			return 0, false, err
		}
		return min(n, store.AlertCountCap), n > store.AlertCountCap, nil
	}
}

// publisherFunc adapts a function to ingest.Publisher.
type publisherFunc func([]event.Event)

func (f publisherFunc) Publish(stored []event.Event) { f(stored) }

// resolveSyslogOrg finds the org syslog events belong to.
func resolveSyslogOrg(ctx context.Context, st store.Store, want string) (string, error) {
	orgs, err := st.Orgs().List(ctx)
	if err != nil {
		return "", err
	}
	if len(orgs) == 0 {
		return "", errors.New("no organisation exists")
	}
	if want == "" {
		return orgs[0].ID, nil
	}
	for _, o := range orgs {
		if o.ID == want || strings.EqualFold(o.Name, want) {
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("%w %q", errNoSuchOrg, want)
}

var errNoSuchOrg = errors.New("no organisation")

// mounts are the ingest endpoints that live outside the API's route table
// (they have their own authentication and response shapes).
func (rt *eventsRuntime) mounts() map[string]http.Handler {
	return map[string]http.Handler{
		"/services/collector": rt.hec, "/services/collector/": rt.hec,
		"/es": rt.es, "/es/": rt.es,
	}
}

func (rt *eventsRuntime) close() {
	if rt.store != nil {
		rt.store.Close()
	}
	if rt.geo != nil {
		rt.geo.Close()
	}
}

// liveFilter compiles a live-subscription filter in the search syntax.
func liveFilter(query string) (func(event.Event) bool, error) {
	m, err := lucene.NewMatcher(query)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", eventstore.ErrBadQuery, err)
	}
	return m.Match, nil
}

// importFiles imports files into an org through the pipeline, as
// POST /api/v1/events/import and `eventsec import` do.
func (rt *eventsRuntime) importFiles(ctx context.Context, paths []string, orgID string, format normalize.Format, oldBefore time.Time) (file.Summary, error) {
	ledger, _ := rt.store.(eventstore.ImportLedger)
	return file.Import(ctx, paths, file.Options{Pipeline: rt.pipe, OrgID: orgID, Format: format, OldBefore: oldBefore, Ledger: ledger})
}
