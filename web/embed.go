//go:build !noui

// Package web holds the built web UI (web/dist), embedded in the eventsec
// binary. Build with the noui tag to leave it out for quick Go-only work.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built web app, or nil when it was not embedded.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
