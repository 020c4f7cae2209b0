package sca

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Services answers questions about the service manager's units. Unit names
// without a type suffix mean ".service". An implementation that cannot
// answer on this host returns an error wrapping ErrUnavailable, which makes
// the rule not applicable.
type Services interface {
	// Enabled reports whether the unit is started at boot.
	Enabled(ctx context.Context, unit string) (bool, error)
	// Active reports whether the unit is running now.
	Active(ctx context.Context, unit string) (bool, error)
}

// Systemctl is the Services implementation for a live systemd host: it runs
// "systemctl is-enabled" and "systemctl is-active". A host without
// systemctl, or one not booted with systemd, makes the answers unavailable.
type Systemctl struct {
	// Runner runs systemctl (default ExecRunner{}).
	Runner Runner
	// Root is the tree whose unit files are read (default "/"). For another
	// root Enabled runs "systemctl --root=Root", which reads unit files
	// only; Active is then unavailable, since nothing runs in that tree.
	Root string
}

var _ Services = Systemctl{}

// enabledStates are the is-enabled answers that mean the unit starts at
// boot, directly (enabled), without an install section (static), or
// through another unit (indirect, alias, generated).
var enabledStates = map[string]bool{
	"enabled": true, "enabled-runtime": true, "static": true,
	"alias": true, "indirect": true, "generated": true,
}

func (s Systemctl) runner() Runner {
	if s.Runner == nil {
		return ExecRunner{}
	}
	return s.Runner
}

func (s Systemctl) onHost() bool { return s.Root == "" || filepath.Clean(s.Root) == "/" }

// Enabled implements Services.
func (s Systemctl) Enabled(ctx context.Context, unit string) (bool, error) {
	argv := []string{"systemctl", "is-enabled", "--", unitName(unit)}
	if !s.onHost() {
		argv = []string{"systemctl", "--root=" + s.Root, "is-enabled", "--", unitName(unit)}
	}
	out, err := s.runner().Run(ctx, argv)
	if err != nil {
		return false, err
	}
	state := firstLine(out.Stdout)
	if state == "" {
		// systemctl prints nothing on stdout for a unit it does not know:
		// the unit is not installed, so it is not enabled.
		msg := strings.TrimSpace(string(out.Stderr))
		if strings.Contains(msg, "No such file") || strings.Contains(msg, "not found") || strings.Contains(msg, "does not exist") {
			return false, nil
		}
		return false, fmt.Errorf("cannot tell whether %s is enabled: systemctl exited %d: %s", unitName(unit), out.ExitCode, trimLine(msg))
	}
	return enabledStates[state], nil
}

// Active implements Services.
func (s Systemctl) Active(ctx context.Context, unit string) (bool, error) {
	if !s.onHost() {
		return false, fmt.Errorf("cannot tell whether %s runs in %s: %w", unitName(unit), s.Root, ErrUnavailable)
	}
	// The test systemd itself uses (sd_booted): without this directory
	// systemctl cannot reach a manager and every answer would be an error.
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return false, fmt.Errorf("cannot tell whether %s runs: systemd is not running: %w", unitName(unit), ErrUnavailable)
	}
	out, err := s.runner().Run(ctx, []string{"systemctl", "is-active", "--", unitName(unit)})
	if err != nil {
		return false, err
	}
	switch firstLine(out.Stdout) {
	case "active", "reloading", "refreshing":
		return true, nil
	case "":
		return false, fmt.Errorf("cannot tell whether %s runs: systemctl exited %d: %s", unitName(unit), out.ExitCode, trimLine(string(out.Stderr)))
	}
	return false, nil
}

// UnitFiles answers Enabled from the unit files of a tree, the way
// "systemctl --root" does, without running anything: it serves offline
// trees (a mounted image) and hosts without systemctl. Active is always
// unavailable.
type UnitFiles struct {
	Root string // default "/"
}

var _ Services = UnitFiles{}

// unitDirs are searched in systemd's order of precedence.
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

// Enabled implements Services: a unit is enabled when a .wants/ or
// .requires/ directory links to it, or when it is static (has no [Install]
// section); a unit linked to /dev/null is masked and not enabled.
func (u UnitFiles) Enabled(ctx context.Context, unit string) (bool, error) {
	unit = unitName(unit)
	rfs := newRootFS(u.Root)
	var unitFile string
	for _, dir := range unitDirs {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		p := path.Join(dir, unit)
		hp, err := rfs.hostPath(dir)
		if err != nil {
			return false, err
		}
		if target, err := os.Readlink(filepath.Join(hp, unit)); err == nil && target == "/dev/null" {
			return false, nil // masked
		}
		if unitFile == "" {
			if fi, err := rfs.stat(p); err == nil && fi.Mode().IsRegular() {
				unitFile = p
			}
		}
		entries, err := os.ReadDir(hp)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".wants") && !strings.HasSuffix(e.Name(), ".requires") {
				continue
			}
			if _, err := os.Lstat(filepath.Join(hp, e.Name(), unit)); err == nil {
				return true, nil
			}
		}
	}
	if unitFile == "" {
		return false, nil // not installed
	}
	static, err := hasNoInstallSection(rfs, unitFile)
	if err != nil {
		return false, fmt.Errorf("cannot read unit %s: %w", unitFile, err)
	}
	return static, nil
}

// Active implements Services; unit files do not say what runs.
func (u UnitFiles) Active(_ context.Context, unit string) (bool, error) {
	return false, fmt.Errorf("cannot tell whether %s runs from unit files: %w", unitName(unit), ErrUnavailable)
}

func hasNoInstallSection(rfs *rootFS, unitFile string) (bool, error) {
	ls, err := rfs.readLines(unitFile)
	if err != nil {
		return false, err
	}
	inInstall := false
	for _, l := range ls {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			inInstall = l == "[Install]"
			continue
		}
		if inInstall && (strings.HasPrefix(l, "WantedBy") || strings.HasPrefix(l, "RequiredBy") || strings.HasPrefix(l, "Alias") || strings.HasPrefix(l, "UpheldBy")) {
			return false, nil
		}
	}
	return true, nil
}

var unitSuffixes = []string{".service", ".socket", ".timer", ".mount", ".automount", ".swap", ".target", ".path", ".slice", ".scope", ".device"}

// unitName adds ".service" to a bare name, as systemctl does.
func unitName(s string) string {
	for _, suf := range unitSuffixes {
		if strings.HasSuffix(s, suf) {
			return s
		}
	}
	return s + ".service"
}

func firstLine(b []byte) string {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	if sc.Scan() {
		return strings.TrimSpace(sc.Text())
	}
	return ""
}

// isNotExist is fs.ErrNotExist, also for "not a directory" on the way.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
