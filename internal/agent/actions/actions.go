// Package actions executes the response actions an analyst queues for an
// endpoint: isolate/release, kill_process, run_command (allow-listed
// argv, no shell), collect_file (confined to allowed paths after symlink
// resolution), restart_agent, reboot and update_block_list. Each action
// ends in a wire.ActionResult.
package actions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// MaxOutput bounds the command output kept in a result.
const MaxOutput = 64 << 10

// Isolator applies network isolation (satisfied by *isolate.Isolator).
type Isolator interface {
	Isolate(ctx context.Context, extra []string) error
	Release(ctx context.Context) error
}

// Uploader sends a collected file (satisfied by *client.Client).
type Uploader interface {
	Upload(ctx context.Context, id, name, sha256hex string, body io.Reader, size int64) error
}

// Options configure an Executor.
type Options struct {
	// AllowList holds the argv[0] values run_command accepts: absolute
	// paths match exactly, bare names are looked up on PATH.
	AllowList []string
	// CollectPaths are the directories (or files) collect_file may read.
	CollectPaths []string
	// CollectMaxBytes bounds a collected file (default 100 MiB).
	CollectMaxBytes int64
	Isolator        Isolator
	Uploader        Uploader
	// Restart is called after a restart_agent result has been reported.
	Restart func()
	// OnBlockList receives update_block_list parameters.
	OnBlockList func(wire.BlockList)
	// DisableUserCommands lock an account (nil: DisableUserCommands()).
	DisableUserCommands [][]string
	// RebootCommand schedules a reboot (default: shutdown with a one
	// minute delay, so the result can still be reported).
	RebootCommand []string
	Logger        *slog.Logger
}

// Outcome is an action's result plus what to do once it is reported.
type Outcome struct {
	Result wire.ActionResult
	// After runs after the result reached the server (restart_agent).
	After func()
}

// Executor runs actions. Policy fields may change with the server config.
type Executor struct {
	log *slog.Logger

	mu   sync.Mutex // guards opts
	opts Options
}

// New builds an Executor.
func New(opts Options) *Executor {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Executor{log: opts.Logger, opts: opts}
}

// SetPolicy replaces the allow-list and collection limits.
func (e *Executor) SetPolicy(allow, collect []string, maxBytes int64) {
	e.mu.Lock()
	e.opts.AllowList, e.opts.CollectPaths, e.opts.CollectMaxBytes = allow, collect, maxBytes
	e.mu.Unlock()
}

func (e *Executor) options() Options {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opts
}

// Execute runs one action.
func (e *Executor) Execute(ctx context.Context, a wire.Action) Outcome {
	log := e.log.With(slog.String("action_id", a.ID), slog.String("type", a.Type))
	log.Info("executing action")
	out, after, err := e.run(ctx, a)
	res := wire.ActionResult{Status: wire.ResultDone, Output: out, FinishedAt: time.Now().UTC()}
	var ee *exitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.code
	}
	if err != nil {
		res.Status = wire.ResultFailed
		res.Error = err.Error()
		log.Warn("action failed", slog.Any("err", err))
	} else {
		log.Info("action done")
	}
	return Outcome{Result: res, After: after}
}

func (e *Executor) run(ctx context.Context, a wire.Action) (string, func(), error) {
	o := e.options()
	switch a.Type {
	case wire.ActionIsolate:
		var p wire.IsolateParams
		if err := decode(a.Params, &p); err != nil {
			return "", nil, err
		}
		if o.Isolator == nil {
			return "", nil, ErrUnsupported
		}
		if err := o.Isolator.Isolate(ctx, p.Allow); err != nil {
			return "", nil, err
		}
		return "host isolated", nil, nil
	case wire.ActionRelease:
		if o.Isolator == nil {
			return "", nil, ErrUnsupported
		}
		if err := o.Isolator.Release(ctx); err != nil {
			return "", nil, err
		}
		return "isolation released", nil, nil
	case wire.ActionKillProcess:
		var p wire.KillParams
		if err := decode(a.Params, &p); err != nil {
			return "", nil, err
		}
		out, err := KillProcess(ctx, p)
		return out, nil, err
	case wire.ActionRunCommand:
		var p wire.RunParams
		if err := decode(a.Params, &p); err != nil {
			return "", nil, err
		}
		out, err := RunCommand(ctx, o.AllowList, p)
		return out, nil, err
	case wire.ActionCollectFile:
		var p wire.CollectParams
		if err := decode(a.Params, &p); err != nil {
			return "", nil, err
		}
		out, err := e.collect(ctx, o, a.ID, p.Path)
		return out, nil, err
	case wire.ActionRestartAgent:
		if o.Restart == nil {
			return "", nil, ErrUnsupported
		}
		return "agent restarting", o.Restart, nil
	case wire.ActionReboot:
		out, err := reboot(ctx, o.RebootCommand)
		return out, nil, err
	case wire.ActionDisableUser:
		var p wire.DisableUserParams
		if err := decode(a.Params, &p); err != nil {
			return "", nil, err
		}
		out, err := DisableUser(ctx, o.DisableUserCommands, p.User)
		return out, nil, err
	case wire.ActionUpdateBlock:
		var bl wire.BlockList
		if err := decode(a.Params, &bl); err != nil {
			return "", nil, err
		}
		if o.OnBlockList == nil {
			return "", nil, ErrUnsupported
		}
		o.OnBlockList(bl)
		return fmt.Sprintf("block list updated: %d addresses, %d domains", len(bl.IPs), len(bl.Domains)), nil, nil
	}
	return "", nil, fmt.Errorf("%w: %q", ErrUnsupported, a.Type)
}

func decode(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadParams, err)
	}
	return nil
}

type exitError struct{ code int }

func (e *exitError) Error() string { return "command exited with status " + strconv.Itoa(e.code) }

// Allowed reports whether argv0 may run under allow and returns the path
// to execute. An absolute entry matches the same absolute argv0; a bare
// entry matches the same bare argv0, which is then found on PATH. Relative
// paths with separators never match.
func Allowed(allow []string, argv0 string) (string, error) {
	if argv0 == "" {
		return "", fmt.Errorf("%w: empty argv", ErrBadParams)
	}
	abs := filepath.IsAbs(argv0)
	if !abs && strings.ContainsAny(argv0, `/\`) {
		return "", fmt.Errorf("%w: %q (use an absolute path or a bare name)", ErrNotAllowed, argv0)
	}
	for _, entry := range allow {
		entry = strings.TrimSpace(entry)
		switch {
		case abs && filepath.IsAbs(entry) && sameName(filepath.Clean(entry), filepath.Clean(argv0)):
			return filepath.Clean(argv0), nil
		case !abs && !strings.ContainsAny(entry, `/\`) && sameName(entry, argv0):
			p, err := exec.LookPath(argv0)
			if err != nil {
				return "", fmt.Errorf("cannot find %q: %w", argv0, err)
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrNotAllowed, argv0)
}

func sameName(a, b string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// RunCommand runs an allow-listed command without a shell, with a timeout
// (default 60s, at most 10 minutes), and returns its combined output
// truncated to MaxOutput.
func RunCommand(ctx context.Context, allow []string, p wire.RunParams) (string, error) {
	if len(p.Argv) == 0 {
		return "", fmt.Errorf("%w: argv is empty", ErrBadParams)
	}
	path, err := Allowed(allow, p.Argv[0])
	if err != nil {
		return "", err
	}
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Minute
	}
	timeout = min(timeout, 10*time.Minute)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, p.Argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	killGroup(cmd)
	out := &capped{max: MaxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	text := out.String()
	if ctx.Err() == context.DeadlineExceeded {
		return text, fmt.Errorf("command timed out after %s", timeout)
	}
	if err != nil {
		var xe *exec.ExitError
		if errors.As(err, &xe) {
			return text, &exitError{code: xe.ExitCode()}
		}
		return text, fmt.Errorf("cannot run %s: %w", path, err)
	}
	return text, nil
}

// capped keeps the first max bytes written and counts the rest.
type capped struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.max - c.buf.Len()
	if room >= len(p) {
		c.buf.Write(p)
	} else {
		if room > 0 {
			c.buf.Write(p[:room])
		}
		c.dropped += len(p) - max(room, 0)
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped > 0 {
		return c.buf.String() + fmt.Sprintf("\n[output truncated: %d more bytes]", c.dropped)
	}
	return c.buf.String()
}

// KillProcess kills pid, refusing PID 0/1 and the agent itself, and, when
// a name is given, a process whose name differs (the PID may have been
// reused since the analyst looked).
func KillProcess(ctx context.Context, p wire.KillParams) (string, error) {
	if p.PID <= 1 || int(p.PID) == os.Getpid() {
		return "", fmt.Errorf("%w: pid %d", ErrProtected, p.PID)
	}
	proc, err := process.NewProcessWithContext(ctx, p.PID)
	if err != nil {
		return "", fmt.Errorf("cannot find process %d: %w", p.PID, err)
	}
	name, _ := proc.NameWithContext(ctx)
	if p.Name != "" && !sameName(name, p.Name) && !sameName(strings.TrimSuffix(name, ".exe"), strings.TrimSuffix(p.Name, ".exe")) {
		return "", fmt.Errorf("%w: pid %d is %q, not %q", ErrProtected, p.PID, name, p.Name)
	}
	if err := proc.KillWithContext(ctx); err != nil {
		return "", fmt.Errorf("cannot kill process %d: %w", p.PID, err)
	}
	return fmt.Sprintf("killed pid %d (%s)", p.PID, name), nil
}

// ResolveCollectPath resolves path (symlinks included) and checks it lies
// within one of the allowed prefixes, themselves resolved.
func ResolveCollectPath(allowed []string, path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%w: %q is not absolute", ErrBadParams, path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s: %w", path, err)
	}
	if within(allowed, real) {
		return real, nil
	}
	return "", fmt.Errorf("%w: %s resolves to %s", ErrOutsidePaths, path, real)
}

func within(allowed []string, real string) bool {
	for _, a := range allowed {
		if strings.TrimSpace(a) == "" || !filepath.IsAbs(a) {
			continue
		}
		root, err := filepath.EvalSymlinks(filepath.Clean(a))
		if err != nil {
			root = filepath.Clean(a)
		}
		if sameName(real, root) {
			return true
		}
		prefix := root
		if !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		if len(real) > len(prefix) && sameName(real[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// collect uploads one file within the allowed paths.
func (e *Executor) collect(ctx context.Context, o Options, id, path string) (string, error) {
	if o.Uploader == nil {
		return "", ErrUnsupported
	}
	maxBytes := o.CollectMaxBytes
	if maxBytes <= 0 {
		maxBytes = 100 << 20
	}
	real, err := ResolveCollectPath(o.CollectPaths, path)
	if err != nil {
		return "", err
	}
	f, err := openNoFollow(real)
	if err != nil {
		return "", fmt.Errorf("cannot open %s: %w", real, err)
	}
	defer f.Close()
	// The path could have been swapped between resolution and open; check
	// what was actually opened.
	if opened, ok := openedPath(f); ok && !within(o.CollectPaths, opened) {
		return "", fmt.Errorf("%w: %s changed while opening", ErrOutsidePaths, path)
	}
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot stat %s: %w", real, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrBadParams, real)
	}
	if fi.Size() > maxBytes {
		return "", fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, real, fi.Size(), maxBytes)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, fi.Size()))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", real, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("cannot read %s: %w", real, err)
	}
	if err := o.Uploader.Upload(ctx, id, filepath.Base(real), sum, io.LimitReader(f, n), n); err != nil {
		return "", err
	}
	return fmt.Sprintf("uploaded %s (%d bytes, sha256 %s)", real, n, sum), nil
}

// userName is what disable_user accepts: a local account name, never an
// option or a path (the server checks it too).
var userName = regexp.MustCompile(`^(?:[A-Za-z0-9._-]{1,64}\\)?[A-Za-z0-9._][A-Za-z0-9._ -]{0,63}$`)

// DisableUserCommands returns the commands that lock a local account on
// this platform: the password is locked and the account expired, so that
// SSH keys stop working too (Linux), the account is deactivated (Windows)
// or its authentication disabled (macOS). {user} is replaced.
func DisableUserCommands() [][]string {
	switch runtime.GOOS {
	case "windows":
		return [][]string{{"net", "user", "{user}", "/active:no"}}
	case "darwin":
		return [][]string{{"pwpolicy", "-u", "{user}", "disableuser"}}
	}
	return [][]string{{"usermod", "--lock", "{user}"}, {"chage", "--expiredate", "0", "{user}"}}
}

// DisableUser locks a local account with commands (nil: the platform's).
func DisableUser(ctx context.Context, commands [][]string, user string) (string, error) {
	if !userName.MatchString(user) || strings.HasPrefix(user, "-") {
		return "", fmt.Errorf("%w: %q is not an account name", ErrBadParams, user)
	}
	if user == "root" || strings.EqualFold(user, "administrator") {
		return "", fmt.Errorf("%w: the %s account is not disabled remotely", ErrBadParams, user)
	}
	if commands == nil {
		commands = DisableUserCommands()
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out strings.Builder
	for _, c := range commands {
		argv := make([]string, len(c))
		for i, a := range c {
			argv[i] = strings.ReplaceAll(a, "{user}", user)
		}
		b, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		out.Write(b)
		if err != nil {
			return out.String(), fmt.Errorf("cannot disable %s: %s: %w", user, strings.Join(argv, " "), err)
		}
	}
	return strings.TrimSpace(out.String() + "\naccount " + user + " disabled"), nil
}

func reboot(ctx context.Context, command []string) (string, error) {
	if len(command) == 0 {
		if runtime.GOOS == "windows" {
			command = []string{"shutdown", "/r", "/t", "60", "/c", "EventSec: reboot requested by an analyst"}
		} else {
			command = []string{"shutdown", "-r", "+1", "EventSec: reboot requested by an analyst"}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, command[0], command[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("cannot schedule reboot: %w", err)
	}
	return "reboot scheduled in 1 minute", nil
}
