package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/eventsec/eventsec/internal/hunt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/web"
)

func serve(ctx context.Context, env Env, args []string) error {
	cfg, _, err := loadConfig(env, "serve", args, config.LoadOptions{Summary: "Run the EventSec server: web UI, REST API and everything behind them."})
	if err != nil {
		return err
	}
	started := time.Now()
	log := newLogger(cfg, env.Stderr)

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	key, err := auth.LoadOrCreateKey(cfg.KeyFile())
	if err != nil {
		return err
	}
	signer, err := auth.NewSigner(key, cfg.AccessTokenTTL)
	if err != nil {
		return err
	}
	authSvc := auth.NewService(auth.Options{Store: st, Signer: signer, Logger: log.With("component", "auth"), RefreshTTL: cfg.RefreshTokenTTL})

	boot, created, err := authSvc.Bootstrap(ctx, cfg.OrgName, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("cannot create the first organisation and admin: %w", describe(err))
	}

	proxies, err := parsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return usageError{err.Error()}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	events, err := startEvents(ctx, cfg, st, authSvc, reg, log)
	if err != nil {
		return err
	}
	defer events.close()
	var hunter *hunt.Service
	if ev, ok := events.store.(hunt.Events); ok {
		hunter = hunt.New(hunt.Options{Store: st, Events: ev, Logger: log.With("component", "hunt")})
	}
	notes, err := startNotifications(ctx, st, cfg.PublicURL(), reg, log.With("component", "notify"))
	if err != nil {
		return err
	}
	det, err := startDetection(ctx, cfg, st, events, hunter, reg, log.With("component", "detection"), notes.onAlert)
	if err != nil {
		return err
	}
	vulns, err := startVulns(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	sandboxSvc, stopSandbox, err := startSandbox(ctx, cfg, st, events, log.With("component", "sandbox"))
	if err != nil {
		return err
	}
	defer stopSandbox()
	endpoints, err := startEndpoints(ctx, cfg, st, events, vulns, sandboxSvc, reg, log.With("component", "endpoint"))
	if err != nil {
		return err
	}
	intelSvc, stopIntel, err := startIntel(ctx, st, events, log.With("component", "intel"), externalChecks{sandboxSvc})
	if err != nil {
		return err
	}
	defer stopIntel()
	incidents := startIncidents(ctx, cfg, st, events, det, log.With("component", "incident"))
	incidents.SetNotifier(notes)
	incidents.SetMailer(notes)
	incidents.SetEndpoints(responder{endpoints}, responder{endpoints})
	mail, stopEmail := startEmail(ctx, cfg, st, events, intelSvc, log.With("component", "email"))
	defer stopEmail()
	srv := api.New(api.Options{
		Incidents: incidents, Notify: notes.d, Email: mail,
		Detect: det, Hunt: hunter, Intel: intelSvc, Sandbox: sandboxSvc,
		Auth: authSvc, Store: st, Logger: log, UI: web.FS(), MaxBodyBytes: cfg.MaxBodyBytes,
		SecureCookies: cfg.SecureCookies(), TrustedProxies: proxies, Registerer: reg, Gatherer: reg,
		Version: env.Version, RefreshTTL: cfg.RefreshTokenTTL,
		Events: events.store, GeoLocates: cfg.GeoIPCityDB != "", Intake: events.intake, Hub: events.hub, Mounts: withMounts(events.mounts(), endpoints.AgentMounts()),
		Endpoints: endpoints, Vulns: vulns,
		Filter: liveFilter, Importer: events.importFiles,
	})

	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// net/http's own complaints (TLS handshakes, bad requests) go to
		// the structured log too.
		ErrorLog: slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return err
		}
		httpSrv.TLSConfig = tc
		scheme = "https"
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.HTTPAddr, err)
	}
	if httpSrv.TLSConfig != nil {
		ln = tls.NewListener(ln, httpSrv.TLSConfig)
	}
	url := scheme + "://" + displayAddr(ln.Addr().String())

	out := env.Stdout
	fmt.Fprintf(out, "\nEventSec %s is ready at %s  (started in %s)\n", env.Version, url, time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(out, "  state store: %s\n", storeName(cfg))
	fmt.Fprintf(out, "  API docs:    %s/api/docs\n", url)
	if created {
		fmt.Fprintf(out, "\nFirst start: created organisation %q and its admin.\n", boot.Org.Name)
		fmt.Fprintf(out, "  Log in as:   %s\n", boot.Admin.Email)
		if boot.GeneratedPassword != "" {
			fmt.Fprintf(out, "  Password:    %s\n", boot.GeneratedPassword)
			fmt.Fprintf(out, "  This password is shown only once: keep it, or change it under Profile after logging in.\n")
		} else {
			fmt.Fprintf(out, "  (password: the one set in EVENTSEC_ADMIN_PASSWORD or EVENTSEC_ADMIN_PASSWORD_FILE)\n")
		}
	} else {
		fmt.Fprintf(out, "  Log in with your account. Lost the admin password? Run: eventsec user reset-password --email <e-mail>\n")
	}
	fmt.Fprintln(out)
	log.Info("server ready", "url", url, "store", storeName(cfg), "startup_ms", time.Since(started).Milliseconds())
	if env.Ready != nil {
		env.Ready(url)
	}

	// Background work: syslog listeners, the extra bulk listener and
	// retention. It stops after the HTTP server has drained, so that every
	// request in flight still reaches the store.
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var bg sync.WaitGroup
	bgErr := make(chan error, len(events.listeners)+4)
	for _, l := range events.listeners {
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := l.Run(bgCtx); err != nil && bgCtx.Err() == nil {
				bgErr <- err
			}
		}()
		// "syslog udp:", "syslog tcp:", "syslog tls:": UDP and TCP often
		// share a port number.
		fmt.Fprintf(out, "  %-13s%s\n", strings.Replace(l.Listener(), "_", " ", 1)+":", l.Addr())
	}
	var esSrv *http.Server
	if events.esRoot != nil {
		esSrv = &http.Server{Addr: cfg.ESBulkAddr, Handler: events.esRoot, ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 120 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
			ErrorLog: httpSrv.ErrorLog}
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := esSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				bgErr <- fmt.Errorf("cannot serve the Elasticsearch API on %s: %w", cfg.ESBulkAddr, err)
			}
		}()
	}
	bg.Add(1)
	go func() {
		defer bg.Done()
		if err := det.Run(bgCtx); err != nil && bgCtx.Err() == nil {
			bgErr <- fmt.Errorf("detection stopped: %w", err)
		}
	}()
	bg.Add(1)
	go func() {
		defer bg.Done()
		if err := endpoints.Run(bgCtx); err != nil && bgCtx.Err() == nil {
			bgErr <- fmt.Errorf("endpoint service stopped: %w", err)
		}
	}()
	bg.Add(1)
	go func() {
		defer bg.Done()
		_ = vulns.Run(bgCtx) // picks up databases saved by "eventsec vulns import"; never fails
	}()
	bg.Add(1)
	go func() {
		defer bg.Done()
		_ = events.metrics.Run(bgCtx) // the live metrics channel; idle while nobody subscribes
	}()
	bg.Add(1)
	go func() {
		defer bg.Done()
		retentionLoop(bgCtx, st, events.store, time.Hour, log.With("component", "retention"))
	}()

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	var runErr error
	select {
	case err := <-errc:
		runErr = fmt.Errorf("cannot serve HTTP: %w", err)
	case err := <-bgErr:
		runErr = err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("cannot shut down cleanly: %w", err)
	}
	if esSrv != nil {
		_ = esSrv.Shutdown(shutdownCtx)
	}
	stopBG()
	bg.Wait()
	log.Info("stopped")
	return runErr
}

// describe turns validation errors into a sentence naming the setting.
func describe(err error) error {
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		setting := map[string]string{"admin_password": "EVENTSEC_ADMIN_PASSWORD", "admin_email": "EVENTSEC_ADMIN_EMAIL", "name": "EVENTSEC_ORG_NAME"}[ve.Field]
		if setting != "" {
			return fmt.Errorf("%s: %s", setting, ve.Message)
		}
	}
	return err
}

func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted_proxies: %q is not an IP address or CIDR", part)
			}
			part = a.String() + "/" + fmt.Sprint(a.BitLen())
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies: %q is not an IP address or CIDR", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func tlsConfig(cfg *config.Config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("cannot load TLS certificate and key: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	if cfg.TLSClientCA != "" {
		pem, err := os.ReadFile(cfg.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("cannot read TLS client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot use TLS client CA %s: no PEM certificates in it", cfg.TLSClientCA)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
		if cfg.TLSClientAuth {
			tc.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return tc, nil
}
