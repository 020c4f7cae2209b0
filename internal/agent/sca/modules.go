package sca

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// modprobeDirs hold modprobe configuration, highest precedence first: a file
// name in an earlier directory hides the same name in later ones, as kmod
// does.
var modprobeDirs = []string{"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d"}

// modprobeConfig is what modprobe's configuration says about modules. It is
// read from the files modprobe itself reads rather than by running
// "modprobe -n -v", so that it works on an offline tree and on hosts without
// kmod, and gives the same answer for the install and blacklist directives.
type modprobeConfig struct {
	install     map[string]string // module -> its first install command
	blacklisted map[string]bool
	sources     map[string]string // module -> file and line of its first directive
}

func newModprobeConfig() *modprobeConfig {
	return &modprobeConfig{install: map[string]string{}, blacklisted: map[string]bool{}, sources: map[string]string{}}
}

// moduleName folds '-' to '_' as the kernel does.
func moduleName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// readModprobeConfig reads every modprobe.d file of the root in kmod's
// order (sorted by file name across directories).
func readModprobeConfig(rfs *rootFS) (*modprobeConfig, error) {
	chosen := map[string]string{} // base name -> path
	for _, dir := range modprobeDirs {
		names, err := rfs.readDir(dir)
		if err != nil {
			continue
		}
		for _, n := range names {
			if !strings.HasSuffix(n, ".conf") {
				continue
			}
			if _, hidden := chosen[n]; !hidden {
				chosen[n] = path.Join(dir, n)
			}
		}
	}
	bases := make([]string, 0, len(chosen))
	for n := range chosen {
		bases = append(bases, n)
	}
	slices.Sort(bases)
	files := make([]string, 0, len(bases)+1)
	for _, b := range bases {
		files = append(files, chosen[b])
	}
	files = append(files, "/etc/modprobe.conf") // legacy single file, read last

	cfg := newModprobeConfig()
	for _, f := range files {
		ls, err := rfs.readLines(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read modprobe configuration: %w", err)
		}
		parseModprobe(cfg, f, strings.NewReader(strings.Join(ls, "\n")))
	}
	return cfg, nil
}

func parseModprobe(cfg *modprobeConfig, name string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	num, start := 0, 0
	var pending string
	for sc.Scan() {
		num++
		line := sc.Text()
		if pending == "" {
			start = num
		}
		// A trailing backslash continues the directive on the next line.
		if trimmed, ok := strings.CutSuffix(line, "\\"); ok {
			pending += trimmed + " "
			continue
		}
		line, pending = pending+line, ""
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		mod := moduleName(f[1])
		where := fmt.Sprintf("%s (line %d)", name, start)
		switch f[0] {
		case "install":
			if _, seen := cfg.install[mod]; !seen && len(f) > 2 {
				cfg.install[mod] = strings.Join(f[2:], " ")
				if _, ok := cfg.sources[mod]; !ok {
					cfg.sources[mod] = where
				}
			}
		case "blacklist":
			cfg.blacklisted[mod] = true
			if _, ok := cfg.sources[mod]; !ok {
				cfg.sources[mod] = where
			}
		}
	}
}

// disabled reports whether loading the module runs a command that does
// nothing (/bin/true or /bin/false), the usual way to make a module
// impossible to load on demand.
func (c *modprobeConfig) disabled(module string) bool {
	cmd, ok := c.install[moduleName(module)]
	if !ok {
		return false
	}
	first := strings.Fields(cmd)
	if len(first) == 0 {
		return false
	}
	switch path.Base(first[0]) {
	case "true", "false":
		return true
	}
	return false
}

// loadedModules reads the names in <root>/proc/modules.
func loadedModules(rfs *rootFS) (map[string]bool, error) {
	ls, err := rfs.readLines("/proc/modules")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot list loaded modules: no /proc/modules: %w", ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list loaded modules: %w", err)
	}
	out := make(map[string]bool, len(ls))
	for _, l := range ls {
		if f := strings.Fields(l); len(f) > 0 {
			out[moduleName(f[0])] = true
		}
	}
	return out, nil
}
