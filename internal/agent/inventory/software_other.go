//go:build !windows

package inventory

import "github.com/eventsec/eventsec/internal/agent/wire"

// windowsPackages exists on Windows only.
func windowsPackages() ([]wire.Package, error) { return nil, nil }
