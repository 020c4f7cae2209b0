//go:build noui

package web

import "io/fs"

// FS returns nil: this binary was built without the web UI.
func FS() fs.FS { return nil }
