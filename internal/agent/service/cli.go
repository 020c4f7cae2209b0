// Package service is the agent's command line and its integration with the
// OS service manager (systemd unit, Windows service, launchd daemon) via
// github.com/kardianos/service:
//
//	eventsec-agent [flags] run|enroll|install|uninstall|start|stop|status|version
package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	ksvc "github.com/kardianos/service"

	"github.com/eventsec/eventsec/internal/agent/config"
	"github.com/eventsec/eventsec/internal/agent/runner"
	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Name is the service's name in the OS service manager.
const Name = "eventsec-agent"

// Env is the process environment handed over by main.
type Env struct {
	Args    []string
	Getenv  func(string) string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
	// Exit ends the process; used when the agent must stop while the
	// service manager owns the process.
	Exit func(code int)
}

// ErrUsage marks a command-line mistake (exit code 2).
var ErrUsage = errors.New("usage")

const usage = `usage: eventsec-agent [flags] <command>

commands:
  run        run the agent in the foreground (the default; also what the service runs)
  enroll     enroll with the server and exit (--force enrolls again)
  install    save the config and install the OS service (systemd, Windows service, launchd)
  uninstall  stop and remove the OS service
  start      start the installed service
  stop       stop the installed service
  status     show enrollment, last heartbeat, isolation and spool state
  version    print the version

flags:
`

type flags struct {
	config   string
	dataDir  string
	logLevel string
	force    bool
}

// CLI runs one command.
func CLI(ctx context.Context, env Env) error {
	fs := flag.NewFlagSet("eventsec-agent", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var f flags
	fs.StringVar(&f.config, "config", "", "config file (default: $"+config.EnvConfig+", ./"+config.FileName+", or "+config.DefaultPath()+")")
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory (overrides the config's data_dir)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error")
	fs.BoolVar(&f.force, "force", false, "enroll: enroll again even if a credential exists")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(env.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	cmd := "run"
	rest := fs.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
		// Flags may also follow the command.
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
		}
	}
	switch cmd {
	case "version":
		fmt.Fprintf(env.Stdout, "eventsec-agent %s (protocol %s, %s/%s)\n", env.Version, wire.Version, runtime.GOOS, runtime.GOARCH)
		return nil
	case "status":
		return status(env, f)
	case "run":
		return run(ctx, env, f)
	case "enroll":
		return enroll(ctx, env, f)
	case "install":
		return install(env, f)
	case "uninstall", "start", "stop":
		return control(env, f, cmd)
	}
	fs.Usage()
	return fmt.Errorf("%w: unknown command %q", ErrUsage, cmd)
}

// loadConfig reads the config and applies the flags.
func loadConfig(env Env, f flags) (*config.Config, error) {
	path := config.ResolvePath(f.config, env.Getenv)
	cfg, err := config.Load(path, env.Getenv)
	if err != nil {
		return nil, err
	}
	if f.dataDir != "" {
		cfg.DataDir = f.dataDir
	}
	if f.logLevel != "" {
		cfg.LogLevel = f.logLevel
	}
	return cfg, nil
}

// readyConfig loads, asks for missing values on a terminal (saving them),
// and validates.
func readyConfig(env Env, f flags, needKey bool) (*config.Config, error) {
	cfg, err := loadConfig(env, f)
	if err != nil {
		return nil, err
	}
	enrolled := false
	if _, err := state.LoadCredential(cfg.DataDir); err == nil {
		enrolled = true
	}
	missing := cfg.Missing(enrolled && !needKey)
	if len(missing) > 0 {
		if !config.IsTerminal(env.Stdin) {
			return nil, config.MissingError(cfg.Path, missing)
		}
		fmt.Fprintf(env.Stdout, "EventSec agent setup (%s)\n", cfg.Path)
		if err := cfg.Prompt(env.Stdin, env.Stdout, missing); err != nil {
			return nil, err
		}
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		if err := cfg.Save(); err != nil {
			return nil, err
		}
		fmt.Fprintf(env.Stdout, "saved %s\n", cfg.Path)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// logWriter picks stderr, or a file in the data directory when the Windows
// service manager runs the agent (its stderr goes nowhere).
func logWriter(env Env, dataDir string) (io.Writer, func()) {
	if runtime.GOOS != "windows" || ksvc.Interactive() {
		return env.Stderr, func() {}
	}
	p := filepath.Join(dataDir, "agent.log")
	if fi, err := os.Stat(p); err == nil && fi.Size() > 10<<20 {
		os.Rename(p, p+".1") //nolint:errcheck // best effort rotation
	}
	os.MkdirAll(dataDir, 0o700) //nolint:errcheck // OpenFile reports it
	fh, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return env.Stderr, func() {}
	}
	return fh, func() { fh.Close() }
}

func enroll(ctx context.Context, env Env, f flags) error {
	cfg, err := readyConfig(env, f, f.force)
	if err != nil {
		return err
	}
	if cred, err := state.LoadCredential(cfg.DataDir); err == nil {
		if !f.force {
			fmt.Fprintf(env.Stdout, "already enrolled as %s with %s (use --force to enroll again)\n", cred.AgentID, cred.Server)
			return nil
		}
		if err := os.Remove(filepath.Join(cfg.DataDir, state.CredentialFile)); err != nil {
			return fmt.Errorf("cannot remove the old credential: %w", err)
		}
	}
	log := newLogger(env.Stderr, cfg.LogLevel)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cred, err := runner.New(runner.Options{Config: cfg, Version: env.Version, Logger: log}).Enroll(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "enrolled as %s with %s; credential stored in %s\n", cred.AgentID, cfg.APIURL, cfg.DataDir)
	return nil
}

// run runs the agent, under the service manager when it started us.
func run(ctx context.Context, env Env, f flags) error {
	cfg, err := readyConfig(env, f, false)
	if err != nil {
		return err
	}
	w, closeLog := logWriter(env, cfg.DataDir)
	defer closeLog()
	log := newLogger(w, cfg.LogLevel)
	if ksvc.Interactive() {
		return loop(ctx, env, cfg, log)
	}
	p := &program{env: env, cfg: cfg, log: log}
	s, err := ksvc.New(p, serviceConfig(cfg.Path))
	if err != nil {
		return fmt.Errorf("cannot set up the service: %w", err)
	}
	return s.Run()
}

// loop runs the agent again after a restart_agent action: the runtime
// (config, credential, collectors) is rebuilt in-process, which works the
// same under every service manager.
func loop(ctx context.Context, env Env, cfg *config.Config, log *slog.Logger) error {
	for {
		err := runner.New(runner.Options{Config: cfg, Version: env.Version, Logger: log}).Run(ctx)
		if !errors.Is(err, runner.ErrRestart) {
			return err
		}
		log.Info("restarting the agent as requested")
		fresh, lerr := config.Load(cfg.Path, env.Getenv)
		if lerr == nil && fresh.Validate() == nil {
			fresh.DataDir = cfg.DataDir
			cfg = fresh
		}
	}
}

// program adapts the agent to kardianos/service.
type program struct {
	env Env
	cfg *config.Config
	log *slog.Logger

	cancel context.CancelFunc
	done   sync.WaitGroup
}

func (p *program) Start(ksvc.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		err := loop(ctx, p.env, p.cfg, p.log)
		if err != nil && ctx.Err() == nil {
			p.log.Error("agent stopped", slog.Any("err", err))
			if p.env.Exit != nil {
				p.env.Exit(1)
			}
		}
	}()
	return nil
}

func (p *program) Stop(ksvc.Service) error {
	p.cancel()
	p.done.Wait()
	return nil
}

func serviceConfig(cfgPath string) *ksvc.Config {
	abs, err := filepath.Abs(cfgPath)
	if err != nil {
		abs = cfgPath
	}
	return &ksvc.Config{
		Name:        Name,
		DisplayName: "EventSec Agent",
		Description: "EventSec endpoint agent: telemetry, inventory, FIM and response actions.",
		Arguments:   []string{"--config", abs, "run"},
		Option: ksvc.KeyValue{
			// systemd: restart on exit; Windows: restart on failure.
			"Restart":                "always",
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "30s",
			"OnFailureResetPeriod":   3600,
			"StartType":              "automatic",
			// launchd: keep it running.
			"KeepAlive": true,
			"RunAtLoad": true,
		},
		Dependencies: []string{"After=network-online.target", "Wants=network-online.target"},
	}
}

func install(env Env, f flags) error {
	cfg, err := readyConfig(env, f, false)
	if err != nil {
		return err
	}
	// The service reads the config from its file, so the values from the
	// environment and flags are written there.
	if err := cfg.Save(); err != nil {
		return err
	}
	s, err := ksvc.New(&program{}, serviceConfig(cfg.Path))
	if err != nil {
		return fmt.Errorf("cannot set up the service: %w", err)
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("cannot install the service: %w", err)
	}
	fmt.Fprintf(env.Stdout, "installed service %s (%s) with config %s\n", Name, ksvc.ChosenSystem().String(), cfg.Path)
	if err := s.Start(); err != nil {
		return fmt.Errorf("installed, but cannot start the service: %w", err)
	}
	fmt.Fprintln(env.Stdout, "service started")
	return nil
}

func control(env Env, f flags, action string) error {
	cfg, err := loadConfig(env, f)
	if err != nil {
		return err
	}
	s, err := ksvc.New(&program{}, serviceConfig(cfg.Path))
	if err != nil {
		return fmt.Errorf("cannot set up the service: %w", err)
	}
	if action == "uninstall" {
		s.Stop() //nolint:errcheck // may not be running
		if err := s.Uninstall(); err != nil {
			return fmt.Errorf("cannot uninstall the service: %w", err)
		}
		fmt.Fprintf(env.Stdout, "service %s removed; data left in %s\n", Name, cfg.DataDir)
		return nil
	}
	if err := ksvc.Control(s, action); err != nil {
		return fmt.Errorf("cannot %s the service: %w", action, err)
	}
	fmt.Fprintf(env.Stdout, "service %s: %s done\n", Name, action)
	return nil
}

// status prints what the data directory says about the agent.
func status(env Env, f flags) error {
	cfg, err := loadConfig(env, f)
	if err != nil {
		return err
	}
	out := env.Stdout
	cred, cerr := state.LoadCredential(cfg.DataDir)
	st, serr := state.LoadStatus(cfg.DataDir)
	fmt.Fprintf(out, "config:          %s\n", cfg.Path)
	fmt.Fprintf(out, "data dir:        %s\n", cfg.DataDir)
	server := cfg.APIURL
	switch {
	case cerr == nil:
		fmt.Fprintf(out, "enrolled:        yes (since %s)\n", cred.EnrolledAt.Format(time.RFC3339))
		fmt.Fprintf(out, "agent id:        %s\n", cred.AgentID)
		server = cred.Server
	case errors.Is(cerr, state.ErrNotEnrolled):
		fmt.Fprintln(out, "enrolled:        no")
	default:
		fmt.Fprintf(out, "enrolled:        unknown (%v)\n", cerr)
	}
	fmt.Fprintf(out, "server:          %s\n", orDash(server))
	if serr == nil {
		hb := "never"
		if !st.LastHeartbeat.IsZero() {
			hb = fmt.Sprintf("%s (%s ago)", st.LastHeartbeat.Format(time.RFC3339), time.Since(st.LastHeartbeat).Round(time.Second))
		}
		fmt.Fprintf(out, "last heartbeat:  %s\n", hb)
		fmt.Fprintf(out, "isolated:        %s\n", yesNo(st.Isolated))
		fmt.Fprintf(out, "spool:           %d bytes, %d events dropped\n", st.SpoolBytes, st.SpoolDropped)
		fmt.Fprintf(out, "events sent:     %d\n", st.EventsSent)
		fmt.Fprintf(out, "throttled:       %s\n", yesNo(st.Throttled))
		fmt.Fprintf(out, "config version:  %d\n", st.ConfigVersion)
		fmt.Fprintf(out, "status written:  %s by pid %d (agent %s)\n", st.UpdatedAt.Format(time.RFC3339), st.PID, st.Version)
		if st.Revoked {
			fmt.Fprintln(out, "REVOKED:         the server refused this agent's credential; re-enroll with `eventsec-agent enroll --force`")
		}
		if st.LastError != "" {
			fmt.Fprintf(out, "last error:      %s\n", st.LastError)
		}
	} else {
		fmt.Fprintln(out, "last heartbeat:  never (the agent has not run with this data dir)")
	}
	if s, err := ksvc.New(&program{}, serviceConfig(cfg.Path)); err == nil {
		fmt.Fprintf(out, "service:         %s\n", serviceState(s))
	}
	return nil
}

func serviceState(s ksvc.Service) string {
	st, err := s.Status()
	switch {
	case errors.Is(err, ksvc.ErrNotInstalled):
		return "not installed"
	case err != nil:
		return "unknown (" + strings.TrimSpace(err.Error()) + ")"
	case st == ksvc.StatusRunning:
		return "running"
	case st == ksvc.StatusStopped:
		return "stopped"
	}
	return "unknown"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
