package sca

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// PackageLister gives the installed packages. The agent passes its own
// inventory (dpkg, rpm or apk); DpkgStatus reads dpkg's database directly.
// A lister that cannot answer on this host returns an error wrapping
// ErrUnavailable, which makes package rules not applicable.
type PackageLister interface {
	// Installed maps each installed package name to its version.
	Installed(ctx context.Context) (map[string]string, error)
}

// PackageMap is an inventory the caller already has.
type PackageMap map[string]string

var _ PackageLister = PackageMap(nil)

// Installed implements PackageLister.
func (m PackageMap) Installed(context.Context) (map[string]string, error) { return m, nil }

// DpkgStatus lists the packages dpkg records as installed in
// <Root>/var/lib/dpkg/status. A tree without that file is not a dpkg
// system and the answer is unavailable.
type DpkgStatus struct {
	Root string // default "/"
}

var _ PackageLister = DpkgStatus{}

// Installed implements PackageLister.
func (d DpkgStatus) Installed(context.Context) (map[string]string, error) {
	hp, err := newRootFS(d.Root).hostPath("/var/lib/dpkg/status")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(hp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot list packages: no dpkg database: %w", ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list packages: %w", err)
	}
	defer f.Close()
	pkgs, err := parseDpkgStatus(f)
	if err != nil {
		return nil, fmt.Errorf("cannot list packages: %w", err)
	}
	return pkgs, nil
}

// parseDpkgStatus reads a dpkg status file and returns the installed
// packages (Status "... ok installed") by name and by name:architecture.
// Removed packages whose configuration files remain are not installed.
func parseDpkgStatus(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	var name, version, arch, status string
	flush := func() {
		if name != "" && strings.HasSuffix(status, " installed") {
			out[name] = version
			if arch != "" {
				out[name+":"+arch] = version
			}
		}
		name, version, arch, status = "", "", "", ""
	}
	sc := bufio.NewScanner(r)
	// Descriptions can be long, but no single line of a sane status file
	// comes near this bound.
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Package":
			name = val
		case "Version":
			version = val
		case "Architecture":
			arch = val
		case "Status":
			status = val
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read dpkg status: %w", err)
	}
	return out, nil
}
