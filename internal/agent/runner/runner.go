// Package runner is the agent's wiring: it enrolls, opens the spool, and
// runs the heartbeat, the event sender, the action poller and the
// collectors (metrics, inventory, log files, journal, Windows Event Log,
// FIM, network telemetry, SCA) under the server's configuration,
// restarting the collectors whenever that configuration changes.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/eventsec/eventsec/internal/agent/actions"
	"github.com/eventsec/eventsec/internal/agent/client"
	"github.com/eventsec/eventsec/internal/agent/collect"
	"github.com/eventsec/eventsec/internal/agent/config"
	"github.com/eventsec/eventsec/internal/agent/governor"
	"github.com/eventsec/eventsec/internal/agent/inventory"
	"github.com/eventsec/eventsec/internal/agent/isolate"
	"github.com/eventsec/eventsec/internal/agent/netwatch"
	"github.com/eventsec/eventsec/internal/agent/spool"
	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Sentinel errors returned by Run.
var (
	// ErrRestart asks the caller to run the agent again (restart_agent).
	ErrRestart = errors.New("agent restart requested")
	// ErrRevoked means the server refused the credential; the agent stops
	// until it is enrolled again.
	ErrRevoked = errors.New("agent credential revoked by the server; re-enroll with `eventsec-agent enroll`")
)

// Data directory files owned by the runner.
const (
	serverConfigFile = "server_config.json"
	spoolDir         = "spool"
	logOffsetsFile   = "logtail.json"
	journalFile      = "journal_cursor.json"
	eventlogFile     = "eventlog_bookmarks.json"
	fimFile          = "fim_baseline.json"
	isolationFile    = "isolation.json"
	scaFile          = "sca_sent.json"
)

// Options configure a Runner.
type Options struct {
	Config  *config.Config
	Version string
	Logger  *slog.Logger
}

// Runner runs one agent instance. Create a new one for each Run.
type Runner struct {
	cfg     *config.Config
	version string
	log     *slog.Logger

	cred  *state.Credential
	cl    *client.Client
	sp    *spool.Spool
	gov   *governor.Governor
	iso   *isolate.Isolator
	exec  *actions.Executor
	net   *netwatch.Watcher
	inv   *inventory.Collector
	facts wire.HostFacts

	mu         sync.Mutex // guards the fields below
	srvCfg     wire.Config
	metrics    []wire.Metrics
	lastHB     time.Time
	lastErr    string
	revoked    bool
	warnings   []string
	eventsSent atomic.Int64
	reload     chan struct{} // a newer server config is waiting
	stop       context.CancelCauseFunc
}

// New builds a Runner.
func New(opts Options) *Runner {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: opts.Config, version: opts.Version, log: log, reload: make(chan struct{}, 1)}
}

// Enroll returns the stored credential, or enrolls with the server (retrying
// while it is unreachable) and stores the new one.
func (r *Runner) Enroll(ctx context.Context) (*state.Credential, error) {
	cred, err := state.LoadCredential(r.cfg.DataDir)
	if err == nil {
		return cred, nil
	}
	if !errors.Is(err, state.ErrNotEnrolled) {
		return nil, err
	}
	if r.cfg.EnrollmentKey == "" {
		return nil, config.MissingError(r.cfg.Path, []string{"enrollment_key"})
	}
	cl, err := r.newClient("")
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	req := wire.EnrollRequest{EnrollmentKey: r.cfg.EnrollmentKey, Facts: collect.Facts(ctx, r.version), Name: r.cfg.Name}
	var resp *wire.EnrollResponse
	b := &client.Backoff{Min: 2 * time.Second, Max: 5 * time.Minute}
	err = client.Retry(ctx, b, func(ctx context.Context) error {
		var err error
		resp, err = cl.Enroll(ctx, req)
		return err
	}, func(err error, wait time.Duration) {
		r.log.Warn("cannot reach the server to enroll; retrying", slog.Any("err", err), slog.Duration("in", wait))
	})
	if errors.Is(err, client.ErrRevoked) {
		return nil, fmt.Errorf("cannot enroll: the server refused the enrollment key: %w", err)
	}
	if err != nil {
		return nil, err
	}
	cred = &state.Credential{AgentID: resp.AgentID, OrgID: resp.OrgID, Token: resp.Token, Server: r.cfg.APIURL, EnrolledAt: time.Now().UTC()}
	if err := state.SaveCredential(r.cfg.DataDir, cred, resp.ClientCertPEM, resp.ClientKeyPEM); err != nil {
		return nil, err
	}
	// A fresh enrollment clears an earlier revocation.
	if st, err := state.LoadStatus(r.cfg.DataDir); err == nil && st.Revoked {
		st.Revoked, st.LastError = false, ""
		state.SaveStatus(r.cfg.DataDir, st) //nolint:errcheck // advisory file
	}
	if err := r.saveServerConfig(resp.Config); err != nil {
		r.log.Warn("cannot cache the server config", slog.Any("err", err))
	}
	r.log.Info("enrolled", slog.String("agent_id", cred.AgentID), slog.String("server", r.cfg.APIURL))
	return cred, nil
}

func (r *Runner) newClient(token string) (*client.Client, error) {
	opts := client.Options{
		BaseURL: r.cfg.APIURL, Token: token, CAFile: r.cfg.TLS.CAFile, Insecure: r.cfg.TLS.Insecure,
		ServerName: r.cfg.TLS.ServerName, UserAgent: "eventsec-agent/" + r.version, Logger: r.log.With("component", "agent.client"),
	}
	if r.cred != nil {
		opts.CertFile, opts.KeyFile = r.cred.CertFile, r.cred.KeyFile
	}
	return client.New(opts)
}

// Run runs the agent until ctx ends (nil), the server revokes it
// (ErrRevoked) or an analyst asks for a restart (ErrRestart).
func (r *Runner) Run(ctx context.Context) error {
	if st, err := state.LoadStatus(r.cfg.DataDir); err == nil && st.Revoked {
		if cred, err := state.LoadCredential(r.cfg.DataDir); err == nil && cred.AgentID == st.AgentID {
			return ErrRevoked
		}
	}
	cred, err := r.Enroll(ctx)
	if err != nil {
		return err
	}
	r.cred = cred
	if r.cl, err = r.newClient(cred.Token); err != nil {
		return err
	}
	defer r.cl.Close()

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.stop = stop

	srvCfg := r.initialConfig(ctx)
	r.setServerConfig(srvCfg)

	r.sp, err = spool.Open(spool.Options{Dir: filepath.Join(r.cfg.DataDir, spoolDir), MaxBytes: srvCfg.SpoolMaxBytes, Logger: r.log.With("component", "agent.spool")})
	if err != nil {
		return err
	}
	defer r.sp.Close()

	r.gov = governor.New(governor.Options{CPUPercent: srvCfg.Limits.CPUPercent, Logger: r.log.With("component", "agent.governor")})
	debug.SetMemoryLimit(int64(srvCfg.Limits.MemoryMB) << 20)
	r.facts = collect.Facts(ctx, r.version)
	r.inv = inventory.New(inventory.Options{AgentVersion: r.version, Pacer: r.gov, Logger: r.log.With("component", "agent.inventory")})
	r.iso = isolate.New(isolate.Options{StateFile: filepath.Join(r.cfg.DataDir, isolationFile), ServerHost: serverHost(r.cfg.APIURL), Logger: r.log.With("component", "agent.isolate")})
	if err := r.iso.Restore(ctx); err != nil {
		r.warn("cannot re-apply saved isolation: " + err.Error())
	}
	r.net = netwatch.New(netwatch.Options{BlockList: srvCfg.BlockList, Sink: r.sink(), AgentID: cred.AgentID, Logger: r.log.With("component", "agent.netwatch")})
	r.exec = actions.New(actions.Options{
		AllowList: srvCfg.CommandAllowList, CollectPaths: srvCfg.CollectPaths, CollectMaxBytes: srvCfg.CollectMaxBytes,
		Isolator: r.iso, Uploader: r.cl, Restart: func() { stop(ErrRestart) }, OnBlockList: r.net.SetBlockList,
		Logger: r.log.With("component", "agent.actions"),
	})
	r.log.Info("agent running", slog.String("agent_id", cred.AgentID), slog.String("server", r.cfg.APIURL), slog.String("version", r.version), slog.Int64("config_version", srvCfg.Version))

	var wg sync.WaitGroup
	spawn := func(name string, fn func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					r.log.Error("agent component crashed", slog.String("component", name), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
					stop(fmt.Errorf("component %s crashed: %v", name, p))
				}
			}()
			fn(ctx)
		}()
	}
	spawn("governor", r.gov.Run)
	spawn("sender", r.sendLoop)
	spawn("heartbeat", r.heartbeatLoop)
	spawn("metrics", r.metricsLoop)
	spawn("actions", r.actionLoop)
	spawn("status", r.statusLoop)
	spawn("collectors", r.collectorLoop)
	<-ctx.Done()
	wg.Wait()
	r.writeStatus()
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrRevoked), errors.Is(cause, ErrRestart):
		return cause
	case errors.Is(cause, context.Canceled), errors.Is(cause, context.DeadlineExceeded):
		return nil
	}
	return cause
}

// fail stops the agent when the server revoked it.
func (r *Runner) check(err error) {
	if errors.Is(err, client.ErrRevoked) {
		r.mu.Lock()
		first := !r.revoked
		r.revoked = true
		r.mu.Unlock()
		if first {
			r.log.Error("the server refused this agent's credential (revoked or deleted); stopping. Re-enroll with `eventsec-agent enroll`", slog.Any("err", err))
			r.writeStatus()
		}
		r.stop(ErrRevoked)
	}
}

func (r *Runner) warn(msg string) {
	r.log.Warn(msg)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, msg)
	if len(r.warnings) > 10 {
		r.warnings = r.warnings[len(r.warnings)-10:]
	}
}

// initialConfig fetches the server config, falling back to the cached copy
// while the server is unreachable so collection starts offline.
func (r *Runner) initialConfig(ctx context.Context) wire.Config {
	var cached wire.Config
	haveCache := state.ReadJSON(filepath.Join(r.cfg.DataDir, serverConfigFile), &cached) == nil
	for attempt := 0; ; attempt++ {
		cfg, err := r.cl.Config(ctx)
		if err == nil {
			if err := r.saveServerConfig(*cfg); err != nil {
				r.log.Warn("cannot cache the server config", slog.Any("err", err))
			}
			return withDefaults(*cfg)
		}
		r.check(err)
		if ctx.Err() != nil || !client.Temporary(err) || haveCache || attempt >= 2 {
			if haveCache {
				r.log.Warn("cannot fetch the server config; using the cached copy", slog.Any("err", err))
			} else {
				r.log.Warn("cannot fetch the server config; using defaults until it answers", slog.Any("err", err))
			}
			return withDefaults(cached)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func (r *Runner) saveServerConfig(c wire.Config) error {
	return state.WriteJSON(filepath.Join(r.cfg.DataDir, serverConfigFile), c, 0o600)
}

func (r *Runner) setServerConfig(c wire.Config) {
	r.mu.Lock()
	r.srvCfg = c
	r.mu.Unlock()
}

func (r *Runner) serverConfig() wire.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srvCfg
}

// withDefaults fills what the server left zero.
func withDefaults(c wire.Config) wire.Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.HeartbeatSeconds, 30)
	def(&c.InventorySeconds, 3600)
	def(&c.MetricsSeconds, 60)
	def(&c.FIM.ScanSeconds, 12*3600)
	def(&c.Limits.MemoryMB, 64)
	if c.Limits.CPUPercent <= 0 {
		c.Limits.CPUPercent = 5
	}
	if c.SpoolMaxBytes <= 0 {
		c.SpoolMaxBytes = 64 << 20
	}
	if c.CollectMaxBytes <= 0 {
		c.CollectMaxBytes = 100 << 20
	}
	return c
}

// heartbeatEvery is the server's interval unless the local config
// overrides it (fast tests, labs).
func (r *Runner) heartbeatEvery() time.Duration {
	if d := time.Duration(r.cfg.Interval); d > 0 {
		return d
	}
	return time.Duration(r.serverConfig().HeartbeatSeconds) * time.Second
}

func (r *Runner) metricsEvery() time.Duration {
	d := time.Duration(r.serverConfig().MetricsSeconds) * time.Second
	if o := time.Duration(r.cfg.Interval); o > 0 && o < d {
		d = o
	}
	return d
}

func (r *Runner) sink() *spoolSink { return &spoolSink{sp: &r.sp} }

// spoolSink writes collector batches to the spool.
type spoolSink struct{ sp **spool.Spool }

func (s *spoolSink) Submit(_ context.Context, evs []wire.Event) error {
	for len(evs) > 0 {
		n := min(len(evs), 500)
		if _, err := (*s.sp).Append(evs[:n]); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

// sendLoop ships spooled batches in order, each until acknowledged.
func (r *Runner) sendLoop(ctx context.Context) {
	b := &client.Backoff{Min: time.Second, Max: 2 * time.Minute}
	failures := 0
	for {
		rec, err := r.sp.Next(ctx)
		if err != nil {
			return
		}
		err = client.Retry(ctx, b, func(ctx context.Context) error {
			_, err := r.cl.EventsRaw(ctx, rec.Data)
			return err
		}, func(err error, wait time.Duration) {
			failures++
			// Log the first failure and then every 20th, not each retry.
			if failures == 1 || failures%20 == 0 {
				r.log.Warn("cannot send events; keeping them in the spool", slog.Any("err", err), slog.Duration("retry_in", wait), slog.Int("failures", failures))
			}
			r.setErr(err)
		})
		if err != nil && ctx.Err() != nil {
			return // not acknowledged: re-sent (same batch id) next time
		}
		if err != nil {
			r.check(err)
			if errors.Is(err, client.ErrRevoked) {
				return
			}
			// A permanent refusal (malformed, too large): retrying would
			// block every later batch, so the batch is dropped and counted.
			r.warn(fmt.Sprintf("server refused event batch %s (%d events); dropped: %v", rec.BatchID, rec.Events, err))
		} else {
			if failures > 0 {
				r.log.Info("server reachable again; events flowing", slog.Int("after_failures", failures))
			}
			failures = 0
			r.eventsSent.Add(int64(rec.Events))
		}
		if err := r.sp.Ack(rec.Seq); err != nil {
			r.log.Error("cannot advance the spool", slog.Any("err", err))
			return
		}
	}
}

func (r *Runner) setErr(err error) {
	r.mu.Lock()
	r.lastErr = err.Error()
	r.mu.Unlock()
}

// metricsLoop samples host metrics for the next heartbeat.
func (r *Runner) metricsLoop(ctx context.Context) {
	var s collect.Sampler
	for {
		if m, err := s.Sample(ctx); err == nil {
			r.mu.Lock()
			r.metrics = append(r.metrics, m)
			// While the server is away keep the newest 240 samples (four
			// hours at the default minute).
			if len(r.metrics) > 240 {
				r.metrics = r.metrics[len(r.metrics)-240:]
			}
			r.mu.Unlock()
		}
		if !sleep(ctx, r.metricsEvery()) {
			return
		}
	}
}

func (r *Runner) agentStatus() wire.AgentStatus {
	st := wire.AgentStatus{Throttled: r.gov.Throttled(), CPUPercent: round2(r.gov.CPUPercent()), EventsSent: r.eventsSent.Load()}
	if p, err := process.NewProcess(int32(os.Getpid())); err == nil {
		if mi, err := p.MemoryInfo(); err == nil {
			st.RSSBytes = mi.RSS
		}
	}
	ss := r.sp.Stats()
	st.SpoolBytes, st.SpoolDropped = ss.Bytes, ss.Dropped
	r.mu.Lock()
	st.Warnings = append([]string(nil), r.warnings...)
	r.mu.Unlock()
	return st
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// heartbeatLoop reports health and metrics and notices config changes.
func (r *Runner) heartbeatLoop(ctx context.Context) {
	for {
		r.mu.Lock()
		metrics := r.metrics
		r.metrics = nil
		r.mu.Unlock()
		hb := wire.Heartbeat{
			AgentVersion: r.version, SentAt: time.Now().UTC(), ConfigVersion: r.serverConfig().Version,
			Isolated: r.iso.Isolated(), Metrics: metrics, Status: r.agentStatus(),
		}
		resp, err := r.cl.Heartbeat(ctx, hb)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.check(err)
			r.setErr(err)
			r.log.Debug("heartbeat failed", slog.Any("err", err))
			// Put the samples back for the next try.
			r.mu.Lock()
			r.metrics = append(metrics, r.metrics...)
			r.mu.Unlock()
		} else {
			r.mu.Lock()
			r.lastHB, r.lastErr = time.Now().UTC(), ""
			r.mu.Unlock()
			if resp.ConfigVersion > r.serverConfig().Version {
				select {
				case r.reload <- struct{}{}:
				default:
				}
			}
		}
		r.writeStatus()
		if !sleep(ctx, r.heartbeatEvery()) {
			return
		}
	}
}

// actionLoop long-polls for actions and runs them one at a time.
func (r *Runner) actionLoop(ctx context.Context) {
	b := &client.Backoff{Min: time.Second, Max: time.Minute}
	for {
		wait := 25 * time.Second
		if d := time.Duration(r.cfg.Interval); d > 0 {
			wait = max(d, time.Second)
		}
		list, err := r.cl.Actions(ctx, wait)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.check(err)
			if !sleep(ctx, b.Next()) {
				return
			}
			continue
		}
		b.Reset()
		for _, a := range list.Actions {
			out := r.exec.Execute(ctx, a)
			rb := &client.Backoff{Min: time.Second, Max: 30 * time.Second}
			err := client.Retry(ctx, rb, func(ctx context.Context) error {
				return r.cl.ActionResult(ctx, a.ID, out.Result)
			}, nil)
			if err != nil {
				r.check(err)
				r.log.Warn("cannot report an action result", slog.String("action_id", a.ID), slog.Any("err", err))
			}
			if a.Type == wire.ActionIsolate || a.Type == wire.ActionRelease {
				r.writeStatus()
			}
			if out.After != nil {
				out.After()
			}
			if ctx.Err() != nil {
				return
			}
		}
	}
}

func (r *Runner) statusLoop(ctx context.Context) {
	for sleep(ctx, 15*time.Second) {
		r.writeStatus()
	}
}

// writeStatus saves what `eventsec-agent status` prints.
func (r *Runner) writeStatus() {
	st := &state.Status{UpdatedAt: time.Now().UTC(), PID: os.Getpid(), Version: r.version, Server: r.cfg.APIURL}
	if r.cred != nil {
		st.AgentID = r.cred.AgentID
	}
	if r.sp != nil {
		ss := r.sp.Stats()
		st.SpoolBytes, st.SpoolDropped = ss.Bytes, ss.Dropped
	}
	if r.iso != nil {
		st.Isolated = r.iso.Isolated()
	}
	st.Throttled = r.gov.Throttled()
	st.EventsSent = r.eventsSent.Load()
	r.mu.Lock()
	st.LastHeartbeat, st.LastError, st.Revoked, st.ConfigVersion = r.lastHB, r.lastErr, r.revoked, r.srvCfg.Version
	r.mu.Unlock()
	if err := state.SaveStatus(r.cfg.DataDir, st); err != nil {
		r.log.Debug("cannot write status", slog.Any("err", err))
	}
}

// collectorLoop runs the collectors under the current server config and
// restarts them when a newer one arrives.
func (r *Runner) collectorLoop(ctx context.Context) {
	for {
		cfg := r.serverConfig()
		cctx, cancel := context.WithCancel(ctx)
		done := r.startCollectors(cctx, cfg)
		var next *wire.Config
		for next == nil {
			select {
			case <-ctx.Done():
				cancel()
				done.Wait()
				return
			case <-r.reload:
				c, err := r.cl.Config(ctx)
				if err != nil {
					r.check(err)
					r.log.Warn("cannot fetch the new server config", slog.Any("err", err))
					continue
				}
				if c.Version == cfg.Version {
					continue
				}
				next = c
			}
		}
		cancel()
		done.Wait()
		nc := withDefaults(*next)
		if err := r.saveServerConfig(*next); err != nil {
			r.log.Warn("cannot cache the server config", slog.Any("err", err))
		}
		r.setServerConfig(nc)
		r.exec.SetPolicy(nc.CommandAllowList, nc.CollectPaths, nc.CollectMaxBytes)
		r.gov.SetLimit(nc.Limits.CPUPercent)
		r.net.SetBlockList(nc.BlockList)
		debug.SetMemoryLimit(int64(nc.Limits.MemoryMB) << 20)
		r.log.Info("applied new server config", slog.Int64("version", nc.Version))
	}
}

// sleep waits d or until ctx ends; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func serverHost(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// dataPath joins a file name onto the data directory.
func (r *Runner) dataPath(name string) string { return filepath.Join(r.cfg.DataDir, name) }
