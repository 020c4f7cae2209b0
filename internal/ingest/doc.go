// Package ingest is the path every event takes from a listener to the
// event store: listeners (one package per protocol, below) parse what
// senders send with the normalizer; the Pipeline repairs what a store
// cannot hold, enriches, appends durably, then publishes. Nothing is
// acknowledged before it is durable, and overload becomes back-pressure:
// the Pipeline bounds the events in flight, request/response listeners
// answer 429/503 with Retry-After, TCP listeners stop reading, and UDP
// counts what it drops.
//
// Packages:
//
//	ingest            Pipeline, Batcher, shared helpers and metrics
//	ingest/httpjson   POST /api/v1/events (+ the seed's /api/security-events)
//	ingest/hec        Splunk HTTP Event Collector, /services/collector/*
//	ingest/esbulk     Elasticsearch-compatible _bulk and start-up handshake
//	ingest/syslog     syslog over UDP, TCP and TLS (RFC 3164/5424/6587)
//	ingest/file       `eventsec import FILE...` (NDJSON, log lines, .evtx, gzip)
//	ingest/ingesttest test helpers (a gate that stalls the store, metrics)
//
// # Wiring (internal/app)
//
// One Pipeline per process, over the event store (it is the Sink):
//
//	norm := normalize.New(normalize.Options{})
//	pipe, err := ingest.New(ingest.Options{
//		Sink:        events,                        // eventstore.Store (duckdb)
//		Normalizer:  norm,
//		Enricher:    &enrich.Enricher{GeoIP: geo},  // optional
//		Publisher:   publisher,                     // optional: live feed, detection wake-up
//		MaxInFlight: cfg.IngestMaxInFlight,         // default 200,000
//		Registerer:  reg,
//		Logger:      log,
//	})
//
// Publisher.Publish is called synchronously after each durable append with
// the stored events (Seq set); it must not block.
//
// HTTP JSON, on the API server, inside the route table so that the
// caller is authenticated with an API key (or session) and the route
// appears in OpenAPI. Use ServeOrg with the principal's org:
//
//	events, _ := httpjson.New(httpjson.Options{Pipeline: pipe, MaxBodyBytes: cfg.IngestMaxBody})
//	{Method: "POST", Path: "/api/v1/events", Perm: auth.PermEventsWrite, ...,
//	 Handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
//		events.ServeOrg(w, r, c.principal.OrgID); return nil }}
//	// and the same for POST /api/security-events (the seed's alias).
//
// The handler writes its own responses (202 {"accepted","duplicates",
// "rejected":[{"index","line","reason"}],"rejected_count","truncated":[...],
// "truncated_count"}; errors in the
// house shape {"error":{"code","message"}}: 400 invalid_json / no_events /
// invalid_events (with "rejected"), 413 body_too_large / too_many_events,
// 415 unsupported_media_type / unsupported_encoding, 429 overloaded and
// 503 store_unavailable with Retry-After). The API server's MaxBodyBytes
// must not cut the body first: give the ingest routes their own limit.
// Alternatively mount it as a plain http.Handler with
// Options.OrgFromRequest (return an error wrapping ingest.ErrUnauthorized
// for bad credentials).
//
// Splunk HEC, on the API port (Splunk clients add /services/collector
// themselves) or on a port of its own (Splunk's default is 8088):
//
//	h, _ := hec.New(hec.Options{Pipeline: pipe, Authenticate: tokenToOrg,
//		AllowQueryToken: cfg.HECQueryToken})
//	mux.Handle("/services/collector", h)
//	mux.Handle("/services/collector/", h)
//
// HEC's answers keep Splunk's shape; events stored cut to fit the limits
// are named in an added "truncated":[{"index","reason"}] (CutReason).
//
// Elasticsearch bulk, under a prefix on the API port, or on its own port
// (9200) with Prefix "":
//
//	es, _ := esbulk.New(esbulk.Options{Pipeline: pipe, Authenticate: tokenToOrg, Prefix: "/es"})
//	mux.Handle("/es/", es); mux.Handle("/es", es)
//	// An item whose event was stored cut carries "eventsec":{"truncated": reason}.
//	// Filebeat: output.elasticsearch: {hosts: ["https://siem:8443"], path: "/es",
//	//   api_key: "any-id:<EventSec API key>"}  (or username/password: the key)
//
// tokenToOrg maps an API key to its org; ingest.ErrUnauthorized (wrapped
// or not) means unknown, expired or revoked (401/403), ingest.ErrForbidden
// a valid key whose role may not send (403 naming the permission),
// ingest.ErrDisabled disabled (HEC code 1), any other error a server
// failure:
//
//	tokenToOrg := func(ctx context.Context, token string) (string, error) {
//		if !auth.IsAPIKey(token) {
//			return "", ingest.ErrUnauthorized
//		}
//		p, err := authSvc.Authenticate(ctx, token)
//		switch {
//		case errors.Is(err, auth.ErrInvalidToken):
//			return "", ingest.ErrUnauthorized
//		case err != nil:
//			return "", err
//		case !p.Can(auth.PermEventsWrite):
//			return "", ingest.ErrForbidden
//		}
//		return p.OrgID, nil
//	}
//
// It runs on every request: a few seconds' cache of key → org spares the
// state store a look-up per batch. These handlers do not use the API's
// CSRF/cookie machinery; mount them outside its /api/ catch-all.
//
// Syslog, one listener per configured address, each bound to one org:
//
//	for _, l := range cfg.SyslogListeners { // e.g. udp :514, tcp :514, tcp+TLS :6514
//		s, err := syslog.New(syslog.Options{Pipeline: pipe, Network: l.Network, Addr: l.Addr,
//			TLSConfig: tlsCfg /* tcp only, nil for plain */, OrgID: l.OrgID, Format: l.Format})
//		if err != nil { return err } // port in use, bad address
//		group.Go(func() error { return s.Run(ctx) }) // returns nil when ctx ends, after flushing
//	}
//
// File import, for `eventsec import [--org ID] [--format auto|json|syslog|cef|leef|kv|plain] FILE...`:
//
//	sum, err := file.Import(ctx, paths, file.Options{Pipeline: pipe, OrgID: org, Progress: stderr})
//	fmt.Fprint(stdout, sum) // read, stored, duplicates, failed with reasons
//	if sum.Failed > 0 || sum.FailedFiles > 0 { exit status 1 }
//
// The embedded DuckDB file has one writer: import either runs with the
// server stopped, or the server exposes import over HTTP.
//
// Shutdown order: stop the listeners (cancel their contexts; HTTP
// server Shutdown), which flush what they hold, then close the store.
//
// # Suggested settings
//
//	ingest.max_in_flight      200000      Options.MaxInFlight
//	ingest.max_body           10 MiB      httpjson/hec MaxBodyBytes (esbulk: 32 MiB)
//	ingest.syslog             list of {network udp|tcp, addr, tls bool, org, format}
//	                          default: none (opt-in); typical udp :514, tcp :514, tls :6514
//	ingest.syslog_max_message 64 KiB
//	ingest.hec.addr           "" (on the API port) or ":8088"
//	ingest.hec.query_token    false (Splunk's allowQueryStringAuth)
//	ingest.es.addr            "" (under /es on the API port) or ":9200"
//	ingest.es.version         "8.17.0"
//
// # Metrics (label listener: http, hec, esbulk, syslog_udp, syslog_tcp, syslog_tls, import)
//
//	eventsec_ingest_received_total           items received
//	eventsec_ingest_parsed_total             events a parser understood
//	eventsec_ingest_failed_total             events stored raw with _parse_error
//	eventsec_ingest_rejected_total{reason}   invalid items, not stored
//	eventsec_ingest_stored_total             events made durable
//	eventsec_ingest_duplicates_total         events already stored (retries)
//	eventsec_ingest_dropped_total{reason}    UDP overload drops, shutdown drops
//	eventsec_ingest_repaired_total{reason}   truncated / invalid_utf8 / timestamp_out_of_range
//	eventsec_ingest_requests_refused_total{reason}  overload, unauthorized, too large...
//	eventsec_ingest_store_errors_total       failed appends
//	eventsec_ingest_in_flight                events admitted, not yet durable (queue depth)
//	eventsec_ingest_in_flight_limit          MaxInFlight
//	eventsec_ingest_batch_seconds            time to make a batch durable
//	eventsec_ingest_batch_events             events per batch
//	eventsec_ingest_connections              open syslog TCP/TLS connections
package ingest
