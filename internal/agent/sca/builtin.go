package sca

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed policies/*.yaml
var builtinFS embed.FS

// Builtin returns the policies shipped with the agent, sorted by id, freshly
// parsed so that callers may keep or change them. The policies are tested
// to load; a failure here is a build defect, hence the panic.
func Builtin() []*Policy {
	names, err := fs.Glob(builtinFS, "policies/*.yaml")
	if err != nil {
		panic(fmt.Sprintf("sca: cannot list built-in policies: %v", err))
	}
	out := make([]*Policy, 0, len(names))
	for _, n := range names {
		data, err := builtinFS.ReadFile(n)
		if err != nil {
			panic(fmt.Sprintf("sca: cannot read built-in policy %s: %v", n, err))
		}
		p, err := Load(data)
		if err != nil {
			panic(fmt.Sprintf("sca: cannot load built-in policy %s: %v", n, err))
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Policy) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}
