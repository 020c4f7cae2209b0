package sca

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Output is what a command printed and how it ended.
type Output struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Runner runs a program directly, without a shell.
type Runner interface {
	// Run runs argv until it exits or ctx ends. A program that is not
	// installed gives an error wrapping ErrUnavailable; a non-zero exit is
	// not an error (it is in Output.ExitCode).
	Run(ctx context.Context, argv []string) (Output, error)
}

// defaultPathDirs are searched for programs named without a slash. The
// agent runs as a service with whatever PATH its init system gives it, so
// the search path is fixed rather than inherited: results do not depend on
// how the agent was started.
func defaultPathDirs() []string {
	return []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
}

// ExecRunner is the Runner that starts real processes.
type ExecRunner struct {
	// Dirs are searched for argv[0] when it has no slash (default
	// /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin). Tests point it at the bin directories of a test
	// tree.
	Dirs []string
	// MaxOutput bounds what is kept of stdout and of stderr (default 1 MiB);
	// the rest is read and dropped so the program is not blocked.
	MaxOutput int
}

var _ Runner = ExecRunner{}

// Run implements Runner. The program runs with LC_ALL=C so that the text
// policies match against does not change with the host's language.
func (r ExecRunner) Run(ctx context.Context, argv []string) (Output, error) {
	if len(argv) == 0 {
		return Output{}, errors.New("cannot run command: empty argv")
	}
	dirs := r.Dirs
	if len(dirs) == 0 {
		dirs = defaultPathDirs()
	}
	prog, err := lookPath(argv[0], dirs)
	if err != nil {
		return Output{}, err
	}
	limit := r.MaxOutput
	if limit <= 0 {
		limit = 1 << 20
	}
	stdout, stderr := &capped{max: limit}, &capped{max: limit}
	cmd := exec.CommandContext(ctx, prog, argv[1:]...)
	// The program's own children look in Dirs first, then in the usual
	// places, whatever Dirs is.
	path := slices.Clone(dirs)
	for _, d := range defaultPathDirs() {
		if !slices.Contains(path, d) {
			path = append(path, d)
		}
	}
	cmd.Env = []string{"LC_ALL=C", "LANG=C", "PATH=" + strings.Join(path, string(os.PathListSeparator))}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A program whose children keep its pipes open must not hold the
	// evaluation once the program itself is gone.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	out := Output{Stdout: stdout.buf, Stderr: stderr.buf}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return out, fmt.Errorf("cannot run %s: %w", argv[0], ctx.Err())
	case errors.As(err, &exit):
		out.ExitCode = exit.ExitCode()
		return out, nil
	case err != nil:
		return out, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}
	return out, nil
}

// lookPath finds an executable in dirs; a missing one is ErrUnavailable.
func lookPath(name string, dirs []string) (string, error) {
	candidates := []string{name}
	if !strings.Contains(name, "/") {
		candidates = candidates[:0]
		for _, d := range dirs {
			candidates = append(candidates, filepath.Join(d, name))
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return c, nil
		}
	}
	return "", fmt.Errorf("cannot find program %s: %w", name, ErrUnavailable)
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf []byte
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
