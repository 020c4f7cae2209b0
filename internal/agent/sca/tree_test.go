package sca

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// buildTree writes a test root described in the format of
// testdata/roots/*.tree (see hardened.tree) into a new temporary directory
// and returns it. Modes are set with chmod, so the umask does not matter.
func buildTree(t testing.TB, spec string) string {
	t.Helper()
	root := t.TempDir()
	spec = strings.NewReplacer("{{UID}}", strconv.Itoa(os.Getuid()), "{{GID}}", strconv.Itoa(os.Getgid())).Replace(spec)
	type entry struct {
		header []string
		body   []string
	}
	var entries []*entry
	sc := bufio.NewScanner(strings.NewReader(spec))
	for sc.Scan() {
		line := sc.Text()
		if h, ok := strings.CutPrefix(line, "-- "); ok {
			entries = append(entries, &entry{header: strings.Fields(h)})
			continue
		}
		if len(entries) == 0 {
			continue // the comment block before the first entry
		}
		e := entries[len(entries)-1]
		e.body = append(e.body, line)
	}
	host := func(p string) string {
		hp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		return hp
	}
	mode := func(s string) os.FileMode {
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil {
			t.Fatalf("bad mode %q", s)
		}
		return unixMode(uint32(m))
	}
	for _, e := range entries {
		for len(e.body) > 0 && strings.TrimSpace(e.body[len(e.body)-1]) == "" {
			e.body = e.body[:len(e.body)-1]
		}
		content := ""
		if len(e.body) > 0 {
			content = strings.Join(e.body, "\n") + "\n"
		}
		h := e.header
		switch {
		case h[0] == "file" && len(h) == 3:
			hp := host(h[1])
			if err := os.WriteFile(hp, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(hp, mode(h[2])); err != nil {
				t.Fatal(err)
			}
		case h[0] == "dir" && len(h) == 3:
			hp := host(h[1])
			if err := os.MkdirAll(hp, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(hp, mode(h[2])); err != nil {
				t.Fatal(err)
			}
		case h[0] == "link" && len(h) == 3:
			if err := os.Symlink(h[2], host(h[1])); err != nil {
				t.Fatal(err)
			}
		case h[0] == "sysctl" && len(h) == 1:
			for _, l := range e.body {
				k, v, ok := strings.Cut(l, "=")
				if !ok {
					continue
				}
				p := "/proc/sys/" + strings.ReplaceAll(strings.TrimSpace(k), ".", "/")
				if err := os.WriteFile(host(p), []byte(strings.TrimSpace(v)+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		default:
			t.Fatalf("bad tree entry %q", strings.Join(h, " "))
		}
	}
	return root
}

// treeEnv is the Env that evaluates a test tree without touching the host:
// commands come from the tree's bin directories, services from its unit
// files, packages from its dpkg database.
func treeEnv(root string) Env {
	runner := ExecRunner{Dirs: []string{filepath.Join(root, "usr/sbin"), filepath.Join(root, "usr/bin")}}
	return Env{
		Root:     root,
		Runner:   runner,
		Packages: DpkgStatus{Root: root},
		Services: UnitFiles{Root: root},
	}
}
