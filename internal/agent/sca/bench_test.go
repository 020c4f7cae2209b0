package sca

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkEvaluate runs the whole Debian baseline against the hardened
// test tree: file reads, sysctls, the dpkg database and unit files, with no
// command started (AppArmor is decided by its sysfs file first).
func BenchmarkEvaluate(b *testing.B) {
	spec, err := os.ReadFile(filepath.Join("testdata", "roots", "hardened.tree"))
	if err != nil {
		b.Fatal(err)
	}
	root := buildTree(b, string(spec))
	p := baseline(b)
	env := treeEnv(root)
	b.ReportAllocs()
	for b.Loop() {
		if res := Evaluate(b.Context(), p, env); res.Passed != len(p.Checks) {
			b.Fatalf("passed %d of %d", res.Passed, len(p.Checks))
		}
	}
	b.ReportMetric(float64(len(p.Checks)), "checks/op")
}

// BenchmarkLoad parses and compiles the Debian baseline.
func BenchmarkLoad(b *testing.B) {
	data, err := builtinFS.ReadFile("policies/debian-baseline.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
