//go:build windows

package inventory

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows/registry"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// uninstallKeys are where installers register themselves: machine-wide
// (64- and 32-bit views) and for the current user.
var uninstallKeys = []struct {
	root registry.Key
	path string
}{
	{registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`},
	{registry.LOCAL_MACHINE, `SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall`},
	{registry.CURRENT_USER, `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`},
}

// windowsPackages reads the registry Uninstall keys, skipping entries with
// no display name and Windows updates (which are not applications).
func windowsPackages() ([]wire.Package, error) {
	var out []wire.Package
	var errs []error
	seen := map[string]bool{}
	for _, uk := range uninstallKeys {
		k, err := registry.OpenKey(uk.root, uk.path, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE)
		if err != nil {
			if !errors.Is(err, registry.ErrNotExist) {
				errs = append(errs, fmt.Errorf("cannot open %s: %w", uk.path, err))
			}
			continue
		}
		names, err := k.ReadSubKeyNames(-1)
		k.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot list %s: %w", uk.path, err))
			continue
		}
		for _, n := range names {
			sk, err := registry.OpenKey(uk.root, uk.path+`\`+n, registry.QUERY_VALUE)
			if err != nil {
				continue
			}
			name, _, _ := sk.GetStringValue("DisplayName")
			ver, _, _ := sk.GetStringValue("DisplayVersion")
			pub, _, _ := sk.GetStringValue("Publisher")
			date, _, _ := sk.GetStringValue("InstallDate")
			sys, _, _ := sk.GetIntegerValue("SystemComponent")
			parent, _, _ := sk.GetStringValue("ParentKeyName")
			sk.Close()
			name = strings.TrimSpace(name)
			if name == "" || sys == 1 || parent != "" {
				continue
			}
			key := name + "\x00" + ver
			if seen[key] {
				continue
			}
			seen[key] = true
			p := wire.Package{Name: name, Version: ver, Source: "windows", Vendor: pub}
			if t, err := time.Parse("20060102", date); err == nil {
				p.InstalledAt = t
			}
			out = append(out, p)
		}
	}
	return out, errors.Join(errs...)
}
