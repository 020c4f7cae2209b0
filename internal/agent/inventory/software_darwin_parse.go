package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// The macOS parsers carry no build tag so they are tested everywhere; only
// the commands they read from exist on macOS alone.

// ParsePlistStrings reads the top-level dictionary of an XML property list
// and returns its string (and integer) values by key. Nested containers
// are skipped.
func ParsePlistStrings(r io.Reader) (map[string]string, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	out := map[string]string{}
	depth := 0 // depth of containers below the top-level dict
	inTop := false
	var key string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("cannot parse plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if !inTop {
				if name == "dict" {
					inTop = true
				}
				continue
			}
			if depth > 0 {
				if name == "dict" || name == "array" {
					depth++
				}
				continue
			}
			switch name {
			case "dict", "array":
				depth++
				key = ""
			case "key", "string", "integer", "real", "date":
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return out, fmt.Errorf("cannot parse plist: %w", err)
				}
				if name == "key" {
					key = s
				} else if key != "" {
					out[key] = strings.TrimSpace(s)
					key = ""
				}
			default:
				key = ""
			}
		case xml.EndElement:
			if !inTop {
				continue
			}
			if depth > 0 && (t.Name.Local == "dict" || t.Name.Local == "array") {
				depth--
			} else if depth == 0 && t.Name.Local == "dict" {
				return out, nil
			}
		}
	}
	return out, nil
}

// appFromPlist builds a package from an application's Info.plist values.
func appFromPlist(v map[string]string, bundle string) wire.Package {
	name := v["CFBundleDisplayName"]
	if name == "" {
		name = v["CFBundleName"]
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(bundle), ".app")
	}
	ver := v["CFBundleShortVersionString"]
	if ver == "" {
		ver = v["CFBundleVersion"]
	}
	// A reverse-DNS bundle id (com.vendor.app) names the vendor second.
	var vendor string
	if parts := strings.Split(v["CFBundleIdentifier"], "."); len(parts) >= 3 {
		vendor = parts[1]
	}
	return wire.Package{Name: name, Version: ver, Source: "macos_app", Vendor: vendor}
}

// macApps reads <dir>/*.app/Contents/Info.plist. Binary plists are turned
// into XML by plutil, which ships with macOS.
func (c *Collector) macApps(ctx context.Context, dir string) ([]wire.Package, error) {
	bundles, err := filepath.Glob(filepath.Join(dir, "*.app"))
	if err != nil {
		return nil, err
	}
	out := []wire.Package{}
	for _, b := range bundles {
		if err := c.pace.Pace(ctx); err != nil {
			return out, err
		}
		plist := filepath.Join(b, "Contents", "Info.plist")
		data, err := os.ReadFile(plist)
		if err != nil {
			continue
		}
		if bytes.HasPrefix(data, []byte("bplist")) {
			data, err = exec.CommandContext(ctx, "plutil", "-convert", "xml1", "-o", "-", plist).Output()
			if err != nil {
				continue
			}
		}
		v, err := ParsePlistStrings(bytes.NewReader(data))
		if err != nil {
			continue
		}
		p := appFromPlist(v, b)
		if fi, err := os.Stat(b); err == nil {
			p.InstalledAt = fi.ModTime().UTC()
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePkgInfo reads `pkgutil --pkg-info <id>` output.
func ParsePkgInfo(r io.Reader) (wire.Package, error) {
	p := wire.Package{Source: "pkgutil"}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "package-id":
			p.Name = v
		case "version":
			p.Version = v
		case "install-time":
			if ts, err := strconv.ParseInt(v, 10, 64); err == nil && ts > 0 {
				p.InstalledAt = time.Unix(ts, 0).UTC()
			}
		}
	}
	if p.Name == "" {
		return p, errors.New("cannot parse pkgutil output: no package-id")
	}
	if parts := strings.Split(p.Name, "."); len(parts) >= 2 {
		p.Vendor = parts[1]
	}
	return p, sc.Err()
}

func pkgutilPackages(ctx context.Context) ([]wire.Package, error) {
	ids, err := exec.CommandContext(ctx, "pkgutil", "--pkgs").Output()
	if err != nil {
		return nil, fmt.Errorf("cannot run pkgutil --pkgs: %w", err)
	}
	out := []wire.Package{}
	for _, id := range strings.Fields(string(ids)) {
		info, err := exec.CommandContext(ctx, "pkgutil", "--pkg-info", id).Output()
		if err != nil {
			continue
		}
		if p, err := ParsePkgInfo(bytes.NewReader(info)); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
