// Package app wires EventSec together: configuration → stores → services →
// servers, and the administration subcommands. Nothing else in the tree
// reads the environment or builds long-lived dependencies.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/postgres"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

// Env is everything the program takes from its process.
type Env struct {
	Args    []string
	Getenv  func(string) string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
	// Ready, when set, is called with the server's base URL once it listens
	// (tests use it to find the port).
	Ready func(url string)
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// ExitCode maps an error from Run to a process exit code: 2 for a
// usage error, 3 for an import that ran but failed some of its files
// (rules import), 1 for anything else.
func ExitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	var pe partialError
	if errors.As(err, &pe) {
		return 3
	}
	return 1
}

const topUsage = `EventSec: open-source SIEM + EDR.

Usage: eventsec <command> [flags]

Commands:
  serve                 run the server (web UI, API, ingest, detection)
  migrate               apply pending database migrations and exit
  user create           create a user
  user list             list users
  user reset-password   set a new password for a user
  audit verify          verify the audit log's hash chain
  import FILE...        import NDJSON, log lines or .evtx files as events
  retention             delete events older than each organisation's retention
  rules import PATH...  import Sigma / JSON detection rules (directories, ZIPs, files)
  rules list            list detection rules
  vulns import PATH...  import OSV vulnerability data (.json, osv.dev .zip archives, directories)
  vulns stats           describe the vulnerability database
  version               print the version

Run "eventsec <command> --help" for a command's flags and settings.
`

// Run runs one subcommand.
func Run(ctx context.Context, env Env) error {
	if len(env.Args) == 0 {
		fmt.Fprint(env.Stderr, topUsage)
		return usageError{"no command given"}
	}
	cmd, rest := env.Args[0], env.Args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, env, rest)
	case "migrate":
		err = migrate(ctx, env, rest)
	case "user":
		err = userCmd(ctx, env, rest)
	case "audit":
		err = auditCmd(ctx, env, rest)
	case "import":
		err = importCmd(ctx, env, rest)
	case "retention":
		err = retentionCmd(ctx, env, rest)
	case "rules":
		err = rulesCmd(ctx, env, rest)
	case "vulns":
		err = vulnsCmd(ctx, env, rest)
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "eventsec %s\n", env.Version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(env.Stdout, topUsage)
		return nil
	default:
		fmt.Fprint(env.Stderr, topUsage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// loadConfig loads the configuration for a subcommand and turns flag
// mistakes into usage errors.
func loadConfig(env Env, name string, args []string, lo config.LoadOptions) (*config.Config, []string, error) {
	cfg, rest, err := config.Load(name, args, env.Getenv, env.Stderr, lo)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, usageError{err.Error()}
	}
	return cfg, rest, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openStore opens (and migrates) the configured state store.
func openStore(ctx context.Context, cfg *config.Config) (*sqldb.DB, error) {
	if cfg.Database != "" {
		return postgres.Open(ctx, cfg.Database)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create data directory: %w", err)
	}
	return sqlite.Open(ctx, cfg.SQLitePath())
}

// storeName describes the configured store for people (without secrets).
func storeName(cfg *config.Config) string {
	if cfg.Database != "" {
		u := cfg.Database
		if at := strings.LastIndex(u, "@"); at >= 0 {
			u = "postgres://…" + u[at:]
		}
		return "PostgreSQL " + u
	}
	abs, err := filepath.Abs(cfg.SQLitePath())
	if err != nil {
		abs = cfg.SQLitePath()
	}
	return "SQLite " + abs
}

var _ store.Store = (*sqldb.DB)(nil)
