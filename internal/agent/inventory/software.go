package inventory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Package database locations relative to Options.Root.
const (
	dpkgStatusPath   = "var/lib/dpkg/status"
	dpkgInfoDir      = "var/lib/dpkg/info"
	apkInstalledPath = "lib/apk/db/installed"
)

// Software lists installed packages from every package database found on
// this platform.
func (c *Collector) Software(ctx context.Context) []wire.Package {
	out := []wire.Package{}
	add := func(source string, pkgs []wire.Package, err error) {
		if err != nil {
			c.log.Warn("cannot list software", slog.String("source", source), slog.Any("err", err))
		}
		out = append(out, pkgs...)
	}
	switch runtime.GOOS {
	case "linux":
		if f, err := os.Open(filepath.Join(c.opts.Root, dpkgStatusPath)); err == nil {
			pkgs, err := ParseDpkgStatus(f)
			f.Close()
			c.dpkgInstallTimes(pkgs)
			add("dpkg", pkgs, err)
		}
		if f, err := os.Open(filepath.Join(c.opts.Root, apkInstalledPath)); err == nil {
			pkgs, err := ParseAPKInstalled(f)
			f.Close()
			add("apk", pkgs, err)
		}
		if rpm, err := exec.LookPath("rpm"); err == nil && c.opts.Root == "/" {
			pkgs, err := rpmPackages(ctx, rpm)
			add("rpm", pkgs, err)
		}
	case "windows":
		pkgs, err := windowsPackages()
		add("windows", pkgs, err)
	case "darwin":
		pkgs, err := c.macApps(ctx, filepath.Join(c.opts.Root, "Applications"))
		add("macos_app", pkgs, err)
		pkgs, err = pkgutilPackages(ctx)
		add("pkgutil", pkgs, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// dpkgInstallTimes dates each package by its file list, which dpkg
// rewrites when it installs or upgrades the package.
func (c *Collector) dpkgInstallTimes(pkgs []wire.Package) {
	dir := filepath.Join(c.opts.Root, dpkgInfoDir)
	for i := range pkgs {
		p := &pkgs[i]
		for _, name := range []string{p.Name + ":" + p.Arch + ".list", p.Name + ".list"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
				p.InstalledAt = fi.ModTime().UTC()
				break
			}
		}
	}
}

// stanzas splits a Debian control-style file (dpkg status) into field
// maps. Continuation lines (leading space or tab) are dropped: none of the
// fields the agent reads span lines.
func stanzas(r io.Reader, fn func(map[string]string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	cur := map[string]string{}
	flush := func() {
		if len(cur) > 0 {
			fn(cur)
			cur = map[string]string{}
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		cur[k] = strings.TrimSpace(v)
	}
	flush()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("cannot read package database: %w", err)
	}
	return nil
}

// ParseDpkgStatus reads /var/lib/dpkg/status and returns the packages whose
// status is "installed" (half-installed, config-files and not-installed
// entries are skipped).
func ParseDpkgStatus(r io.Reader) ([]wire.Package, error) {
	out := []wire.Package{}
	err := stanzas(r, func(f map[string]string) {
		status := strings.Fields(f["Status"])
		if f["Package"] == "" || len(status) != 3 || status[2] != "installed" {
			return
		}
		p := wire.Package{Name: f["Package"], Version: f["Version"], Source: "dpkg", Arch: f["Architecture"], Vendor: f["Maintainer"]}
		// "Source: openssl" or "Source: openssl (3.0.11-1)" when the
		// binary version differs from the source version.
		if src := f["Source"]; src != "" {
			name, _, _ := strings.Cut(src, " ")
			if name != p.Name {
				p.SourceName = name
			}
		}
		out = append(out, p)
	})
	return out, err
}

// ParseAPKInstalled reads Alpine's /lib/apk/db/installed: one record per
// package, "X:value" lines, records separated by a blank line.
func ParseAPKInstalled(r io.Reader) ([]wire.Package, error) {
	out := []wire.Package{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var cur wire.Package
	flush := func() {
		if cur.Name != "" {
			cur.Source = "apk"
			if cur.SourceName == cur.Name {
				cur.SourceName = ""
			}
			out = append(out, cur)
		}
		cur = wire.Package{}
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			cur.Arch = v
		case 'o':
			cur.SourceName = v
		case 'm':
			cur.Vendor = v
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("cannot read apk database: %w", err)
	}
	return out, nil
}

// rpmQueryFormat asks rpm for one tab-separated line per package.
const rpmQueryFormat = `%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{VENDOR}\t%{INSTALLTIME}\t%{SOURCERPM}\n`

func rpmPackages(ctx context.Context, rpm string) ([]wire.Package, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, rpm, "-qa", "--queryformat", rpmQueryFormat).Output()
	if err != nil {
		return nil, fmt.Errorf("cannot run rpm -qa: %w", err)
	}
	return ParseRPMQuery(bytes.NewReader(out))
}

// ParseRPMQuery reads the output of `rpm -qa --queryformat` with
// rpmQueryFormat. The version is [epoch:]version-release as rpm compares
// it; gpg-pubkey pseudo-packages are skipped.
func ParseRPMQuery(r io.Reader) ([]wire.Package, error) {
	out := []wire.Package{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 8 || f[0] == "" || f[0] == "gpg-pubkey" {
			continue
		}
		ver := f[2]
		if f[3] != "" && f[3] != "(none)" {
			ver += "-" + f[3]
		}
		if f[1] != "" && f[1] != "(none)" && f[1] != "0" {
			ver = f[1] + ":" + ver
		}
		p := wire.Package{Name: f[0], Version: ver, Source: "rpm", Arch: none(f[4]), Vendor: none(f[5])}
		if ts, err := strconv.ParseInt(f[6], 10, 64); err == nil && ts > 0 {
			p.InstalledAt = time.Unix(ts, 0).UTC()
		}
		if src := srpmName(f[7]); src != "" && src != p.Name {
			p.SourceName = src
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("cannot read rpm output: %w", err)
	}
	return out, nil
}

func none(s string) string {
	if s == "(none)" {
		return ""
	}
	return s
}

// srpmName turns "bash-5.1.8-6.el9.src.rpm" into "bash".
func srpmName(s string) string {
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".rpm"), ".src")
	s = strings.TrimSuffix(s, ".nosrc")
	for range 2 {
		i := strings.LastIndexByte(s, '-')
		if i <= 0 {
			return ""
		}
		s = s[:i]
	}
	return s
}
